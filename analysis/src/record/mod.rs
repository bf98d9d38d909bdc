//! What each run's events say about each of its records: the places a
//! record can reach, and the facts of its way through them.

pub mod facts;
pub mod places;
