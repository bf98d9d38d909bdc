//! What a command says on standard error besides errors and warnings:
//! progress bars, counted in runs with their rate ("12,345 runs/s") and
//! shown only on a terminal; notes of what was written; with `-v`, how
//! long each phase took. `-q` silences all of it.

use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// 0 with `-q`, 1 by default, 2 and more with `-v`.
static VERBOSITY: AtomicU8 = AtomicU8::new(1);

pub fn set_verbosity(level: u8) {
    VERBOSITY.store(level, Ordering::Relaxed);
}

fn verbosity() -> u8 {
    VERBOSITY.load(Ordering::Relaxed)
}

/// Says what was done, unless `-q`.
pub fn note(text: &str) {
    if verbosity() >= 1 {
        text.lines().for_each(|line| eprint!("{}", wl1_analysis::text::wrap(line, wl1_analysis::text::WIDTH, 2)));
    }
}

/// Says how long a phase that started at `started` took, with `-v`.
pub fn timed(what: &str, runs: u64, started: Instant) {
    if verbosity() >= 2 {
        let seconds = started.elapsed().as_secs_f64();
        note(&format!("{what} {} runs in {seconds:.3} s ({})", HumanCount(runs), rate(runs, seconds)));
    }
}

/// A bar for one phase of a command. Its length is in runs, or in bytes
/// when the number of runs is not known beforehand; it always shows runs.
pub struct Bar {
    bar: ProgressBar,
    runs: Arc<AtomicU64>,
}

impl Bar {
    /// A bar of `runs` runs, labelled `what`.
    pub fn runs(runs: u64, what: &str) -> Bar {
        Bar::new(runs, what, "{human_pos}/{human_len} runs")
    }

    /// A bar of bytes of input, labelled `what`, that shows the runs
    /// counted with [`Bar::set_bytes`].
    pub fn bytes(what: &str) -> Bar {
        Bar::new(0, what, "{runs} runs")
    }

    fn new(len: u64, what: &str, counted: &str) -> Bar {
        let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        if verbosity() == 0 || !std::io::stderr().is_terminal() {
            bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        let runs = Arc::new(AtomicU64::new(0));
        let (counted_runs, rate_runs) = (runs.clone(), runs.clone());
        let by_bytes = counted.contains("{runs}");
        let template = format!("{{msg:>9}} [{{bar:30}}] {counted}  {{rate}}  eta {{eta}}");
        let style = ProgressStyle::with_template(&template)
            .expect("the template is valid")
            .with_key("runs", move |_: &ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{}", HumanCount(counted_runs.load(Ordering::Relaxed)));
            })
            .with_key("rate", move |s: &ProgressState, w: &mut dyn std::fmt::Write| {
                let done = if by_bytes { rate_runs.load(Ordering::Relaxed) } else { s.pos() };
                let _ = w.write_str(&rate(done, s.elapsed().as_secs_f64()));
            })
            .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(what.to_string());
        Bar { bar, runs }
    }

    /// Adds `runs` runs done (to a bar in runs).
    pub fn inc(&self, runs: u64) {
        self.bar.inc(runs);
    }

    /// Sets the runs done (of a bar in runs).
    pub fn set(&self, runs: u64) {
        self.bar.set_position(runs);
    }

    /// Sets the runs done and the bytes read of `total` (of a bar in bytes).
    pub fn set_bytes(&self, runs: u64, bytes: u64, total: u64) {
        self.runs.store(runs, Ordering::Relaxed);
        self.bar.set_length(total);
        self.bar.set_position(bytes);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// `done` runs in `seconds`, as a whole number of runs a second.
fn rate(done: u64, seconds: f64) -> String {
    let per_second = done as f64 / seconds.max(1e-3);
    format!("{} runs/s", HumanCount(per_second.round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_is_a_whole_number_of_runs_a_second_with_its_unit() {
        // The bar of issue 14 showed "5,607.2451/s".
        assert_eq!(rate(56_072, 10.0), "5,607 runs/s");
        assert_eq!(rate(123_456_789, 1.0), "123,456,789 runs/s");
        assert_eq!(rate(0, 0.0), "0 runs/s");
    }
}
