//! Placeholder until the analysis lands.
use wl1::cli::{AnalyzeArgs, Analyzer, Verdict};

pub struct PolarsAnalyzer;

impl Analyzer for PolarsAnalyzer {
    fn analyze(&self, _args: &AnalyzeArgs) -> Result<Verdict, String> {
        Err("analysis not built yet".into())
    }
}
