//! One run as stored: everything needed to reproduce it, how it ended, and
//! its events.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

use super::Event;
use super::format::spec_identity;
use crate::config::{Environment, Options, Profile};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum OutcomeKind {
    /// The driver finished its steps and nothing was left to happen.
    Completed,
    /// Nothing was left to happen while the driver still waited.
    Stuck,
    /// Simulated time reached the run's bound.
    TimeBound,
}

impl OutcomeKind {
    pub fn name(self) -> &'static str {
        self.into()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub kind: OutcomeKind,
    /// Simulated time of the last delivery, in microseconds.
    pub end_us: u64,
    /// Messages the engine delivered.
    pub message_events: u64,
}

/// What decides a run besides its seed. A trace file stores it once, in its
/// header: every run of a file shares it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spec {
    pub scenario: String,
    /// The scenario's text when it came from a drill file, so that the run
    /// can be reproduced from the trace alone; empty for built-in scenarios.
    pub drill: String,
    /// Records the scenario publishes: ids `1..=records`.
    pub records: u32,
    pub options: Options,
    /// The latency profile; with `explore`, what each run's environment is
    /// drawn around.
    pub profile: Profile,
    /// Each run draws its own environment (`--explore`). Part of the
    /// identity: explored runs are never pooled with default ones.
    pub explore: bool,
}

impl Spec {
    /// Everything that decides a run besides its seed, as one number (see
    /// [`spec_identity`]): runs with the same identity may be pooled, and
    /// two runs with the same identity and seed are the same run.
    pub fn identity(&self) -> u64 {
        spec_identity(self)
    }
}

/// One run: its seed, what decided it, and how it ended.
#[derive(Clone, Debug, PartialEq)]
pub struct RunHeader {
    pub seed: u64,
    pub spec: Arc<Spec>,
    /// What the run drew, if its spec explores.
    pub environment: Option<Arc<Environment>>,
    pub outcome: Outcome,
    /// The (state, message) pairs the run's machines handled: bit `i` is
    /// the model's coverage pair `i` (`wl1::model::coverage::pairs`).
    pub coverage: u128,
}

impl RunHeader {
    pub fn identity(&self) -> u64 {
        self.spec.identity()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub header: RunHeader,
    pub events: Vec<Event>,
}
