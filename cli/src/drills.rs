//! Shrunk drills as files: written atomically, with the command that
//! replays them (for `wl1 shrink` and the reports' `--shrink N`).

use std::path::Path;

use wl1::run::RunSpec;
use wl1::scenario::to_drill;
use wl1::shrink::{Shrunk, drill_spec, named, replay_arguments};
use wl1_analysis::shell_quote;

/// Writes the drill `shrunk` found to `out`, named after its run, and
/// returns the command that replays it.
pub fn write(shrunk: &Shrunk, spec: &RunSpec, out: &Path) -> Result<String, String> {
    let drill = named(&shrunk.after.0, shrunk.seed, &shrunk.target);
    wl1_analysis::write_atomically(out, to_drill(&drill).as_bytes())?;
    let path = out.display().to_string();
    let words = replay_arguments(&drill_spec(drill, spec), &path);
    let quoted: Vec<String> = words.iter().map(|w| shell_quote(w)).collect();
    Ok(format!("wl1 replay {} --seed {}", quoted.join(" "), shrunk.seed))
}

/// The file a shrunk drill of `shrunk`'s run goes to by default.
pub fn file_name(shrunk: &Shrunk) -> String {
    format!("{}.toml", wl1::shrink::shrunk_name(&shrunk.before.0.name, shrunk.seed))
}

/// The file of a shrunk drill of a run of `spec`: named after the spec's
/// digest too, as trace files are, so that groups of one scenario differ.
pub fn file_name_in_group(shrunk: &Shrunk, spec: &RunSpec) -> String {
    let digest = format!("{:016x}", spec.identity());
    format!("{}-{}-{}-shrunk.toml", shrunk.before.0.name, &digest[8..], shrunk.seed)
}
