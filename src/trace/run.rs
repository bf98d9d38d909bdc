//! One run as stored: everything needed to reproduce it, how it ended, and
//! its events.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

use super::Event;
use super::Spec;
use crate::config::Environment;

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

/// One run: its seed, what decided it, and how it ended.
#[derive(Clone, Debug, PartialEq)]
pub struct RunHeader {
    pub seed: u64,
    pub spec: Arc<Spec>,
    /// What the run drew, if its spec explores.
    pub environment: Option<Arc<Environment>>,
    pub outcome: Outcome,
    /// The (state, message) pairs the run's machines handled: bit `i` is
    /// pair `i` of its architecture's kinds of machine (`wl1::model::Pairs`).
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
