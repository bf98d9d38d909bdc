//! An architecture file as written: TOML read with the place of every value,
//! so that what the checks find wrong is told by line.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ArchitectureFile {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// The active regions, which take traffic.
    pub regions: Spanned<Vec<u8>>,
    /// Regions that host database replicas only.
    #[serde(default)]
    pub replica_regions: Option<Spanned<Vec<u8>>>,
    #[serde(default, rename = "instance")]
    pub instances: Vec<InstanceFile>,
    #[serde(default)]
    pub faults: FaultsFile,
    #[serde(default, rename = "stage")]
    pub stages: Vec<StageFile>,
    #[serde(default, rename = "order")]
    pub orders: Vec<OrderFile>,
}

/// One instance, or a family of them (a name with `{r}`: one per region).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InstanceFile {
    pub name: Spanned<String>,
    pub kind: Spanned<String>,
    /// The home region of a single instance; a family's are its regions.
    pub region: Option<Spanned<u8>>,
    /// A family's regions: `active` (the default) or `all`.
    pub over: Option<Spanned<String>>,
    pub dns: Option<Spanned<String>>,
    pub routes: Option<Spanned<String>>,
    pub db: Option<Spanned<String>>,
    pub next: Option<Spanned<String>>,
    pub input: Option<Spanned<String>>,
    pub output: Option<Spanned<String>>,
    pub replicas: Option<Spanned<String>>,
    pub replicator: Option<Spanned<String>>,
    pub policy: Option<Spanned<String>>,
    pub primary: Option<Spanned<u8>>,
    /// The entry of the latency profile's service times it takes.
    pub service: Option<Spanned<String>>,
}

impl InstanceFile {
    /// The wires and text parameters, by key.
    fn texts(&self) -> [(&'static str, &Option<Spanned<String>>); 10] {
        [
            ("dns", &self.dns),
            ("routes", &self.routes),
            ("db", &self.db),
            ("next", &self.next),
            ("input", &self.input),
            ("output", &self.output),
            ("replicas", &self.replicas),
            ("replicator", &self.replicator),
            ("policy", &self.policy),
            ("service", &self.service),
        ]
    }

    /// The wire or text parameter named `key`, if the file sets it.
    pub fn text(&self, key: &str) -> Option<&Spanned<String>> {
        self.texts().into_iter().find(|(k, _)| *k == key).and_then(|(_, v)| v.as_ref())
    }

    /// Every wire or parameter the file sets, with where.
    pub fn settings(&self) -> Vec<(&'static str, Range<usize>)> {
        let texts = self.texts().into_iter().filter_map(|(k, v)| v.as_ref().map(|v| (k, v.span())));
        texts.chain(self.primary.as_ref().map(|p| ("primary", p.span()))).collect()
    }
}

/// Which instances each fault command may target, by name or family.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FaultsFile {
    #[serde(default)]
    pub fail: Vec<Spanned<String>>,
    #[serde(default)]
    pub switch_primary: Vec<Spanned<String>>,
    #[serde(default)]
    pub region_offline: Vec<Spanned<String>>,
    #[serde(default)]
    pub switch_regions: Vec<Spanned<String>>,
    #[serde(default)]
    pub fail_replication: Vec<Spanned<String>>,
}

/// A stage every record must reach: a trace event at an instance or family.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StageFile {
    pub event: Spanned<String>,
    pub at: Spanned<String>,
    /// Which action of `at`'s kind; needed where the kind has several.
    pub on: Option<Spanned<String>>,
    /// The stage whose reaching causes this one; the one before by default.
    pub after: Option<Spanned<String>>,
}

/// A safety property: no record reaches stage `then` before stage `first`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OrderFile {
    pub name: Spanned<String>,
    pub first: Spanned<String>,
    pub then: Spanned<String>,
}
