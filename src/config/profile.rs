//! The latency profile (MODEL.md, "Time"): network delay inside and across
//! regions, service time per kind of component, the range of the per-run
//! speed factor of each instance, and the tails: an occasional extra delay
//! on a message and pauses of an instance. Durations are in microseconds
//! unless a name says otherwise; the model turns a profile into the
//! engine's timing.

use serde::{Deserialize, Serialize};

/// A `[min, max]` range in microseconds, drawn uniformly.
pub type RangeUs = [u64; 2];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Profile {
    /// Between two machines of the same region.
    pub intra_region_us: RangeUs,
    /// Between machines of different regions.
    pub inter_region_us: RangeUs,
    pub service_us: ServiceTimes,
    /// Each instance's service times are multiplied by a factor drawn from
    /// this range once per run, so components run at different speeds.
    pub speed_factor: [f64; 2],
    pub tail: Tail,
    pub pause: Pause,
}

/// Now and then a message takes longer: a retransmission, a congested link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tail {
    /// The share of network messages that take an extra delay, 0 to 1.
    pub probability: f64,
    /// The extra delay, drawn log-uniformly by octaves (min at least 1).
    pub extra_us: RangeUs,
}

/// Now and then an instance stalls: a garbage-collection pause, a stalled
/// process, a slow failover. While paused it starts nothing new.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Pause {
    /// Each instance pauses on average once every this many milliseconds
    /// (the gaps uniform in 0 to twice this); 0 for never.
    pub every_ms: u64,
    /// How long a pause lasts, drawn log-uniformly by octaves (min at least 1).
    pub duration_us: RangeUs,
}

/// How long one message takes to handle, per kind of component.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceTimes {
    pub source: RangeUs,
    pub dns: RangeUs,
    pub receiver: RangeUs,
    pub validator: RangeUs,
    pub processor: RangeUs,
    pub database: RangeUs,
    pub replica: RangeUs,
    pub kafka: RangeUs,
    pub destination: RangeUs,
}

impl ServiceTimes {
    /// The entries, as an architecture's instances name them (`service`).
    pub const NAMES: [&'static str; 9] =
        ["source", "dns", "receiver", "validator", "processor", "database", "replica", "kafka", "destination"];

    /// The entry named `name`, one of [`ServiceTimes::NAMES`].
    pub fn by_name(&self, name: &str) -> Option<RangeUs> {
        let all = [
            self.source,
            self.dns,
            self.receiver,
            self.validator,
            self.processor,
            self.database,
            self.replica,
            self.kafka,
            self.destination,
        ];
        Self::NAMES.iter().position(|&n| n == name).map(|i| all[i])
    }
}

impl Default for Profile {
    fn default() -> Self {
        Self {
            intra_region_us: [200, 800],
            inter_region_us: [20_000, 45_000],
            service_us: ServiceTimes::default(),
            speed_factor: [0.5, 2.0],
            tail: Tail::default(),
            pause: Pause::default(),
        }
    }
}

impl Default for Tail {
    fn default() -> Self {
        Self { probability: 0.01, extra_us: [1_000, 100_000] }
    }
}

impl Default for Pause {
    fn default() -> Self {
        Self { every_ms: 30_000, duration_us: [1_000, 200_000] }
    }
}

impl Default for ServiceTimes {
    fn default() -> Self {
        Self {
            source: [10, 30],
            dns: [20, 60],
            receiver: [150, 500],
            validator: [150, 500],
            processor: [150, 500],
            database: [50, 150],
            replica: [300, 1_000],
            kafka: [50, 200],
            destination: [50, 150],
        }
    }
}

/// The longest duration a profile may name: an hour.
pub const MAX_US: u64 = 3_600_000_000;
/// The shortest mean time between pauses: what bounds the pauses an idle
/// instance skips over.
pub const MIN_PAUSE_EVERY_MS: u64 = 100;

impl Profile {
    /// Reads a TOML profile; keys left out keep their defaults.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        every_array_a_pair(&table, "")?;
        let profile: Profile = table.try_into().map_err(|e: toml::de::Error| e.to_string())?;
        profile.validate()?;
        Ok(profile)
    }

    /// Reads the profile file at `path` (at most 64 KiB; errors name it).
    pub fn read(path: &std::path::Path) -> Result<Self, String> {
        let text = super::read_text_file(path, 64 << 10)?;
        Self::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("a profile always serializes")
    }

    pub fn validate(&self) -> Result<(), String> {
        let s = &self.service_us;
        let ranges = [
            ("intra_region_us", self.intra_region_us),
            ("inter_region_us", self.inter_region_us),
            ("service_us.source", s.source),
            ("service_us.dns", s.dns),
            ("service_us.receiver", s.receiver),
            ("service_us.validator", s.validator),
            ("service_us.processor", s.processor),
            ("service_us.database", s.database),
            ("service_us.replica", s.replica),
            ("service_us.kafka", s.kafka),
            ("service_us.destination", s.destination),
            ("tail.extra_us", self.tail.extra_us),
            ("pause.duration_us", self.pause.duration_us),
        ];
        for (name, [min, max]) in ranges {
            if min > max {
                return Err(format!("{name}: min {min} is above max {max}"));
            }
            if max > MAX_US {
                return Err(format!("{name}: {max} µs is over an hour"));
            }
        }
        for (name, [min, _]) in [("tail.extra_us", self.tail.extra_us), ("pause.duration_us", self.pause.duration_us)] {
            if min == 0 {
                return Err(format!("{name}: min must be at least 1 (the range is drawn by octaves)"));
            }
        }
        let [lo, hi] = self.speed_factor;
        if !(lo > 0.0 && lo <= hi && hi <= 1000.0) {
            return Err(format!("speed_factor: [{lo}, {hi}] must satisfy 0 < min <= max <= 1000"));
        }
        let p = self.tail.probability;
        if !(0.0..=1.0).contains(&p) {
            return Err(format!("tail.probability: {p} is not between 0 and 1"));
        }
        let every = self.pause.every_ms;
        if every != 0 && !(MIN_PAUSE_EVERY_MS..=MAX_US / 1_000).contains(&every) {
            return Err(format!("pause.every_ms: {every} must be 0 (never) or {MIN_PAUSE_EVERY_MS} to 3600000"));
        }
        Ok(())
    }
}

/// Every value of a profile that is an array is a `[min, max]` pair: one
/// of three values is refused rather than cut short.
fn every_array_a_pair(table: &toml::Table, prefix: &str) -> Result<(), String> {
    for (key, value) in table {
        match value {
            toml::Value::Array(values) if values.len() != 2 => {
                return Err(format!("{prefix}{key}: expected [min, max], found {} values", values.len()));
            }
            toml::Value::Table(inner) => every_array_a_pair(inner, &format!("{prefix}{key}."))?,
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip_through_toml() {
        let p = Profile::default();
        assert_eq!(Profile::from_toml(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn partial_profiles_keep_defaults_and_bad_ones_are_refused() {
        let p = Profile::from_toml("inter_region_us = [1000, 2000]").unwrap();
        assert_eq!(p.inter_region_us, [1000, 2000]);
        assert_eq!(p.service_us, ServiceTimes::default());
        assert!(Profile::from_toml("intra_region_us = [-5, 10]").is_err());
        assert!(Profile::from_toml("nonsense = 1").unwrap_err().contains("nonsense"));
        assert!(Profile::from_toml("[service_us]\nkafka = [9, 3]").unwrap_err().contains("service_us.kafka"));
        assert!(Profile::from_toml("speed_factor = [0.0, 1.0]").is_err());
        let e = Profile::from_toml("[service_us]\nkafka = [1, 2, 3]").unwrap_err();
        assert_eq!(e, "service_us.kafka: expected [min, max], found 3 values");
    }

    #[test]
    fn tails_and_pauses_are_read_and_checked() {
        let p = Profile::from_toml("[tail]\nprobability = 0.5\n[pause]\nevery_ms = 0").unwrap();
        assert_eq!((p.tail.probability, p.tail.extra_us, p.pause.every_ms), (0.5, Tail::default().extra_us, 0));
        let refused = |toml: &str, says: &str| {
            let e = Profile::from_toml(toml).unwrap_err();
            assert!(e.contains(says), "{toml}: {e}");
        };
        refused("[tail]\nprobability = 1.5", "tail.probability");
        refused("[tail]\nprobability = nan", "tail.probability");
        refused("[tail]\nextra_us = [0, 10]", "tail.extra_us: min must be at least 1");
        refused("[pause]\nduration_us = [20, 10]", "pause.duration_us: min 20 is above max 10");
        refused("[pause]\nevery_ms = 5", "pause.every_ms");
        refused("[pause]\nduration_us = [1, 3600000001]", "over an hour");
        refused("[pause]\noften = 1", "often");
    }
}
