//! Which runs `simulate` and `check` make: each scenario named, of each
//! architecture named. With `--architecture all`, `--scenario all` is each
//! architecture's own built-in scenarios, and a scenario named (or a
//! drill file) runs in every architecture that has it; one that none has
//! is refused.

use wl1::scenario::Scenario;

use super::{Resolved, SimulateArgs};

/// A scenario with its drill text (empty for a built-in one).
type Named = (Scenario, String);

/// An architecture and one of its scenarios.
pub type Chosen = (Resolved, Named);

impl SimulateArgs {
    /// The architectures and scenarios to run, architecture by
    /// architecture, each scenario once per architecture.
    pub fn selection(&self) -> Result<Vec<Chosen>, String> {
        let architectures = self.architecture.resolve_all()?;
        if !self.architecture.is_all() {
            let architecture = architectures.into_iter().next().expect("one architecture");
            let scenarios = self.scenarios(&architecture.0)?;
            return Ok(scenarios.into_iter().map(|s| (architecture.clone(), s)).collect());
        }
        let mut taken: Vec<Vec<String>> = vec![Vec::new(); architectures.len()];
        for given in &self.scenarios {
            let one = std::slice::from_ref(given);
            let tried: Vec<Result<_, String>> =
                architectures.iter().map(|(a, _)| self.scenarios_named(a, one)).collect();
            if tried.iter().all(Result::is_err) {
                return Err(none_has(given, &architectures, &tried));
            }
            for (names, _) in taken.iter_mut().zip(&tried).filter(|(_, t)| t.is_ok()) {
                names.push(given.clone());
            }
        }
        let mut out = Vec::new();
        for (architecture, names) in architectures.iter().zip(&taken).filter(|(_, n)| !n.is_empty()) {
            let scenarios = self.scenarios_named(&architecture.0, names)?;
            out.extend(scenarios.into_iter().map(|s| (architecture.clone(), s)));
        }
        Ok(out)
    }
}

/// Why no architecture runs the scenario `given`: each one's reason.
fn none_has(given: &str, architectures: &[Resolved], tried: &[Result<Vec<Named>, String>]) -> String {
    let reasons: Vec<String> = architectures
        .iter()
        .zip(tried)
        .filter_map(|((a, _), t)| t.as_ref().err().map(|e| format!("{}: {e}", a.name)))
        .collect();
    format!("--scenario {given}: none of the built-in architectures has it ({})", reasons.join("; "))
}
