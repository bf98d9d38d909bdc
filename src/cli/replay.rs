//! `wl1 replay`: re-simulates one seed and prints its timeline.

use clap::Args;

use super::Verdict;

#[derive(Args, Clone, Debug)]
pub struct ReplayArgs {
    /// The seed to replay.
    #[arg(long)]
    pub seed: u64,
}

pub fn run(_args: &ReplayArgs) -> Result<Verdict, String> {
    Err("replay is not built yet".into())
}
