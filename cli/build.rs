//! Gives `wl1 --version` the commit it was built from: `WL1_COMMIT` if set
//! when building (a build without its git history, such as an image's),
//! else what git says, else "unknown commit" (no git, or not a clone).
//! And keeps the binary small: its line tables (for backtraces) are
//! stored compressed, which backtraces read as they are.

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib");
    }
    println!("cargo:rerun-if-env-changed=WL1_COMMIT");
    let given = std::env::var("WL1_COMMIT").ok().filter(|c| !c.is_empty());
    let commit = given.map(|c| format!("commit {c}")).or_else(|| {
        // Built again when HEAD moves: to another branch, or to a new commit on it.
        for path in ["HEAD", "packed-refs"].into_iter().filter_map(|p| git(&["rev-parse", "--git-path", p])) {
            println!("cargo:rerun-if-changed={path}");
        }
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]).and_then(|r| git(&["rev-parse", "--git-path", &r])) {
            println!("cargo:rerun-if-changed={branch}");
        }
        git(&["rev-parse", "--short=12", "HEAD"]).map(|c| format!("commit {c}"))
    });
    println!("cargo:rustc-env=WL1_COMMIT={}", commit.unwrap_or_else(|| "unknown commit".into()));
}
