//! Measures that merge exactly, whatever the order of the runs and however
//! they were split: latency histograms, the last batch's delivery, order,
//! seeds, coverage, and the summary of a group of runs that holds them.

pub mod causes;
pub mod coverage;
pub mod histogram;
pub mod last_batch;
pub mod order;
pub mod seeds;
pub(crate) mod sum;
pub mod summary;
pub(crate) mod validate;
