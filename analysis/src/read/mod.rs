//! The runs read and analyzed: trace files cut into units of whole runs,
//! a unit turned into columns, tallies and checks, its tables for export,
//! and one run checked on its own (also as the judge of a shrink).

pub mod chunk;
pub mod frames;
pub mod input;
pub mod judge;
pub mod run_check;
