//! One run as stored: everything needed to reproduce it, how it ended, and
//! its events.

use serde::{Deserialize, Serialize};

use super::Event;
use crate::model::Options;
use crate::run::Profile;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
        match self {
            OutcomeKind::Completed => "completed",
            OutcomeKind::Stuck => "stuck",
            OutcomeKind::TimeBound => "time-bound",
        }
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

/// What decides a run, and how it ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunHeader {
    pub seed: u64,
    pub scenario: String,
    /// The scenario's text when it came from a drill file, so that the run
    /// can be reproduced from the trace alone; empty for built-in scenarios.
    pub drill: String,
    /// Records the scenario publishes: ids `1..=records`.
    pub records: u32,
    pub options: Options,
    pub profile: Profile,
    pub outcome: Outcome,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Run {
    pub header: RunHeader,
    pub events: Vec<Event>,
}

impl RunHeader {
    /// Runs with the same group were simulated with the same scenario,
    /// variants, options and profile: their figures may be pooled, others not.
    pub fn group(&self) -> String {
        let o = &self.options;
        let linger = o.linger.map_or("off".to_string(), |l| format!("{}ms", l / 1_000_000));
        let profile = crc32fast::hash(format!("{:?}", self.profile).as_bytes());
        format!(
            "{} variants={} routing={} batch={} linger={linger} bound={}s profile={profile:08x}",
            self.scenario,
            o.variants,
            o.routing,
            o.batch_size,
            o.time_bound / 1_000_000_000
        )
    }
}
