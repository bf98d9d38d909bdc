//! The latency profile (MODEL.md section 3): network delay inside and across
//! regions, service time per kind of component, and the range of the per-run
//! speed factor of each instance. All durations are in microseconds; the
//! model turns a profile into the engine's timing.

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

impl Default for Profile {
    fn default() -> Self {
        Self {
            intra_region_us: [200, 800],
            inter_region_us: [20_000, 45_000],
            service_us: ServiceTimes::default(),
            speed_factor: [0.5, 2.0],
        }
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
        ];
        for (name, [min, max]) in ranges {
            if min > max {
                return Err(format!("{name}: min {min} is above max {max}"));
            }
            if max > 3_600_000_000 {
                return Err(format!("{name}: {max} µs is over an hour"));
            }
        }
        let [lo, hi] = self.speed_factor;
        if !(lo > 0.0 && lo <= hi && hi <= 1000.0) {
            return Err(format!("speed_factor: [{lo}, {hi}] must satisfy 0 < min <= max <= 1000"));
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
}
