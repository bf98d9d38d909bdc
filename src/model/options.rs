//! Run options that change the model's behaviour (not its timing).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::engine::Time;

/// How in-DNS picks a region for each record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Routing {
    /// The original: strict alternation starting with region 1, moving on
    /// only after a success.
    Alternate,
    /// Region 1 with probability `region1_percent`, else region 2.
    Weighted { region1_percent: u8 },
}

impl FromStr for Routing {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "alternate" {
            return Ok(Routing::Alternate);
        }
        let bad = || format!("routing {s:?}: expected 'alternate' or 'weighted:W1,W2' (for example weighted:70,30)");
        let weights = s.strip_prefix("weighted:").ok_or_else(bad)?;
        let (a, b) = weights.split_once(',').ok_or_else(bad)?;
        let (a, b): (u32, u32) = (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
        if a + b == 0 {
            return Err(format!("routing {s:?}: the weights must not both be zero"));
        }
        Ok(Routing::Weighted { region1_percent: (a * 100 / (a + b)) as u8 })
    }
}

impl fmt::Display for Routing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Routing::Alternate => f.write_str("alternate"),
            Routing::Weighted { region1_percent: p } => write!(f, "weighted:{p},{}", 100 - p),
        }
    }
}

/// The design variants of MODEL.md section 7: each one a lesson of the
/// original write-up, made executable so that the checker can be seen to
/// catch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Variant {
    RemoveBeforeStore,
    RemoveOnSendFailure,
    NonIdempotent,
    LossyKafka,
    UniformFailure,
    GlobalOrder,
}

impl Variant {
    pub const ALL: [Variant; 6] = [
        Variant::RemoveBeforeStore,
        Variant::RemoveOnSendFailure,
        Variant::NonIdempotent,
        Variant::LossyKafka,
        Variant::UniformFailure,
        Variant::GlobalOrder,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Variant::RemoveBeforeStore => "remove-before-store",
            Variant::RemoveOnSendFailure => "remove-on-send-failure",
            Variant::NonIdempotent => "non-idempotent",
            Variant::LossyKafka => "lossy-kafka",
            Variant::UniformFailure => "uniform-failure",
            Variant::GlobalOrder => "global-order",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Variant::RemoveBeforeStore => "the processor removes a batch from inbound Kafka as soon as it reads it",
            Variant::RemoveOnSendFailure => "the processor removes the batch even when the outbound append failed",
            Variant::NonIdempotent => "replicas append duplicates instead of ignoring a stored id",
            Variant::LossyKafka => "a stream drops its records when it fails",
            Variant::UniformFailure => "containers treat dependency failures like internal ones (no re-registration)",
            Variant::GlobalOrder => "the specification also requires global publish order at the destination",
        }
    }
}

impl FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Variant::ALL.into_iter().find(|v| v.name() == s).ok_or_else(|| {
            let names: Vec<_> = Variant::ALL.iter().map(|v| v.name()).collect();
            format!("unknown variant {s:?}; valid variants: {}", names.join(", "))
        })
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of variants.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variants(u8);

impl Variants {
    pub fn has(self, v: Variant) -> bool {
        self.0 & (1 << v as u8) != 0
    }

    pub fn with(self, v: Variant) -> Self {
        Self(self.0 | (1 << v as u8))
    }

    pub fn iter(self) -> impl Iterator<Item = Variant> {
        Variant::ALL.into_iter().filter(move |&v| self.has(v))
    }
}

impl FromIterator<Variant> for Variants {
    fn from_iter<I: IntoIterator<Item = Variant>>(iter: I) -> Self {
        iter.into_iter().fold(Variants::default(), Variants::with)
    }
}

impl fmt::Display for Variants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.iter().map(Variant::name).collect();
        f.write_str(if names.is_empty() { "none".to_string() } else { names.join("+") }.as_str())
    }
}

/// Everything besides the scenario and the latency profile that decides a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    pub routing: Routing,
    /// Records per Kafka delivery.
    pub batch_size: u32,
    /// Deliver a partial batch once its oldest record waited this long
    /// (nanoseconds); `None` keeps the original's behaviour of never doing so.
    pub linger: Option<Time>,
    pub variants: Variants,
    /// The run stops when simulated time passes this bound (nanoseconds).
    pub time_bound: Time,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            routing: Routing::Alternate,
            batch_size: 5,
            linger: None,
            variants: Variants::default(),
            time_bound: 600 * 1_000_000_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_parses_and_prints() {
        assert_eq!("alternate".parse(), Ok(Routing::Alternate));
        assert_eq!("weighted:70,30".parse(), Ok(Routing::Weighted { region1_percent: 70 }));
        assert_eq!(Routing::Weighted { region1_percent: 70 }.to_string(), "weighted:70,30");
        assert!("weighted:0,0".parse::<Routing>().is_err());
        assert!("weighted:a,b".parse::<Routing>().unwrap_err().contains("alternate"));
    }

    #[test]
    fn variants_form_a_set() {
        let set: Variants = [Variant::LossyKafka, Variant::GlobalOrder].into_iter().collect();
        assert!(set.has(Variant::LossyKafka) && !set.has(Variant::NonIdempotent));
        assert_eq!(set.to_string(), "lossy-kafka+global-order");
        assert_eq!(Variants::default().to_string(), "none");
        assert!("nope".parse::<Variant>().unwrap_err().contains("non-idempotent"));
    }
}
