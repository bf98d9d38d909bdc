//! Run options that change the model's behaviour (not its timing).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use strum::{EnumMessage, IntoStaticStr, VariantArray};

use super::set::{EnumSet, Member};
use crate::engine::{MILLISECOND, Time};

/// How in-DNS picks a region for each record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
        let (a, b): (u64, u64) = (a.trim().parse().map_err(|_| bad())?, b.trim().parse().map_err(|_| bad())?);
        let total = a.checked_add(b).filter(|&t| t > 0 && t <= u32::MAX as u64);
        let total = total.ok_or_else(|| format!("routing {s:?}: the weights must add up to 1..={}", u32::MAX))?;
        Ok(Routing::Weighted { region1_percent: (a * 100 / total) as u8 })
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

/// The design variants of MODEL.md, "Design variants": each one a lesson of the
/// original write-up, made executable so that the checker can be seen to
/// catch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, IntoStaticStr, EnumMessage, VariantArray)]
#[strum(serialize_all = "kebab-case")]
pub enum Variant {
    #[strum(message = "the processor removes a batch from inbound Kafka as soon as it reads it")]
    RemoveBeforeStore,
    #[strum(message = "the processor removes the batch even when the outbound append failed")]
    RemoveOnSendFailure,
    #[strum(message = "replicas append duplicates instead of ignoring a stored id")]
    NonIdempotent,
    #[strum(message = "a stream drops its records when it fails")]
    LossyKafka,
    #[strum(message = "containers treat dependency failures like internal ones (no re-registration)")]
    UniformFailure,
    #[strum(message = "the specification also requires global publish order at the destination")]
    GlobalOrder,
    // Last, so that the sets stored in trace files keep their bits.
    #[strum(message = "regional databases and tables ignore a write of an id they hold (and still answer it)")]
    IdempotentStores,
}

impl Variant {
    /// Every variant, in the order sets list them.
    pub const ALL: &'static [Variant] = Self::VARIANTS;

    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn describe(self) -> &'static str {
        self.get_message().expect("every variant has a description")
    }
}

impl Member for Variant {
    const ALL: &'static [Self] = Self::VARIANTS;
    fn bit(self) -> u32 {
        self as u32
    }
}

impl FromStr for Variant {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Variant::VARIANTS.iter().copied().find(|v| v.name() == s).ok_or_else(|| {
            let names: Vec<_> = Variant::VARIANTS.iter().map(|v| v.name()).collect();
            let guess = super::did_you_mean(s, names.iter().copied());
            format!("unknown variant {s:?}{guess}; valid variants: {}", names.join(", "))
        })
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of variants.
pub type Variants = EnumSet<Variant>;

/// Everything besides the scenario and the latency profile that decides a run.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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

impl Options {
    pub const DEFAULT_BATCH_SIZE: u32 = 5;
    pub const MAX_BATCH_SIZE: u32 = 1000;
    pub const MAX_LINGER_MS: u64 = 3_600_000;
    pub const DEFAULT_TIME_BOUND_S: u64 = 600;
    pub const MAX_TIME_BOUND_S: u64 = 864_000;

    /// The bounds the command line keeps, checked again on options read
    /// from a trace file.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=Self::MAX_BATCH_SIZE).contains(&self.batch_size) {
            return Err(format!("a batch size of {}, not 1 to {}", self.batch_size, Self::MAX_BATCH_SIZE));
        }
        let ms = |ms: u64| ms * MILLISECOND;
        if let Some(linger) = self.linger.filter(|&l| !(ms(1)..=ms(Self::MAX_LINGER_MS)).contains(&l)) {
            return Err(format!("a linger of {linger} ns, not 1 to {} ms", Self::MAX_LINGER_MS));
        }
        if !(ms(1_000)..=ms(Self::MAX_TIME_BOUND_S * 1_000)).contains(&self.time_bound) {
            return Err(format!("a time bound of {} ns, not 1 to {} s", self.time_bound, Self::MAX_TIME_BOUND_S));
        }
        if let Routing::Weighted { region1_percent: p @ 101.. } = self.routing {
            return Err(format!("routing {p}% of records to region 1"));
        }
        if !self.variants.only_members() {
            return Err("variants this wl1 does not know".into());
        }
        Ok(())
    }
}

impl Default for Options {
    fn default() -> Self {
        Self {
            routing: Routing::Alternate,
            batch_size: Self::DEFAULT_BATCH_SIZE,
            linger: None,
            variants: Variants::EMPTY,
            time_bound: Self::DEFAULT_TIME_BOUND_S * 1_000 * MILLISECOND,
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
    fn huge_routing_weights_are_refused_not_wrapped() {
        assert!("weighted:4294967295,4294967295".parse::<Routing>().unwrap_err().contains("add up to"));
        assert_eq!("weighted:3000000000,1000000000".parse(), Ok(Routing::Weighted { region1_percent: 75 }));
    }

    #[test]
    fn variants_have_names_and_descriptions_and_form_a_set() {
        let set: Variants = [Variant::LossyKafka, Variant::GlobalOrder].into_iter().collect();
        assert!(set.has(Variant::LossyKafka) && !set.has(Variant::NonIdempotent));
        assert_eq!(set.to_string(), "lossy-kafka+global-order");
        assert_eq!(Variants::default().to_string(), "none");
        assert_eq!("remove-on-send-failure".parse(), Ok(Variant::RemoveOnSendFailure));
        assert!("nope".parse::<Variant>().unwrap_err().contains("non-idempotent"));
        assert!(Variant::VARIANTS.iter().all(|v| !v.describe().is_empty()));
    }
}
