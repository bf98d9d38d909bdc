//! wl1: a deterministic discrete-event simulator of the Workload1 payment
//! pipeline, and the trace format its runs are stored in.
//!
//! - [`engine`]: simulated time, the event queue, delivery rules. Knows
//!   nothing of the pipeline.
//! - [`model`]: the pipeline's machines (MODEL.md sections 1-2).
//! - [`scenario`]: what the driver does during a run (section 4).
//! - [`run`]: one seed ([`run::Simulator`]) or many into files ([`run::simulate`]).
//! - [`trace`]: events, and the file format with its reader and writer.
//! - [`cli`]: the `wl1` command line.

pub mod cli;
pub mod engine;
pub mod model;
pub mod run;
pub mod scenario;
pub mod trace;
