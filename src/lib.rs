//! wl1: a deterministic discrete-event simulator of the Workload1 payment
//! pipeline, and the trace format its runs are stored in.
//!
//! The modules are layers that depend one way, bottom to top (a test,
//! `tests/layers.rs`, keeps it so):
//!
//! - [`engine`]: simulated time, the event queue, delivery rules. Knows
//!   nothing of the pipeline.
//! - [`config`]: what decides a run besides its seed and scenario: options,
//!   design variants, the latency profile.
//! - [`trace`]: what a run records, and the file format with its reader and
//!   writer.
//! - [`architecture`]: a pipeline as data: its regions, instances, wiring,
//!   fault targets and record stages, read from a TOML file and checked.
//! - [`model`]: the pipeline's machines (MODEL.md sections 1-2), generic over
//!   the harness that drives them, and the invariants checked while they run.
//! - [`scenario`]: the harness: what the driver does during a run (MODEL.md, "Scenarios").
//! - [`steer`]: `--steer`, which seeds a budget of runs takes, learning
//!   from the earlier runs of their file.
//! - [`run`]: one seed ([`run::Simulator`]) or many into files ([`run::simulate`]).
//! - [`shrink`]: a violating run shrunk to a smaller drill that violates as it does.
//!
//! The analysis (`wl1-analysis`, on polars) and the command line (`wl1-cli`)
//! are separate crates on top.

pub mod architecture;
pub mod config;
pub mod engine;
pub mod model;
pub mod run;
pub mod scenario;
pub mod shrink;
pub mod steer;
pub mod trace;
