use std::process::ExitCode;

fn main() -> ExitCode {
    wl1::cli::main(&wl1_analysis::PolarsAnalyzer)
}
