//! The specification checked column-wise: a chunk's runs and records as
//! polars frames, and the properties as expressions on them.

pub mod columns;
pub mod spec;
