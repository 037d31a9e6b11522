//! `cargo xtask fuzz`: every cargo-fuzz target in `fuzz/` for a bounded time.
//!
//! cargo-fuzz passes `-Z` flags (`-Zsanitizer=address`) that stable rustc refuses, and this
//! machine has only the stable toolchain: `RUSTC_BOOTSTRAP=1` lets stable accept them, and
//! stable ships the AddressSanitizer runtime, so the targets run under ASan.

use std::fs;
use std::process::Command;

use crate::util::{self, Args, Result};

pub const USAGE: &str = "\
cargo xtask fuzz [--seconds N] [--budget T] [TARGET...] [-- <libFuzzer args>]
    Runs each cargo-fuzz target (default: all of `cargo fuzz list`) for N seconds (default 10)
    under AddressSanitizer, with debug assertions, starting from fuzz/corpus/<t> and the
    committed seeds in fuzz/seeds/<t>. --budget T caps the total fuzzing time at T seconds by
    shortening each target's run. Installs cargo-fuzz when it is missing.";

const DEFAULT_SECONDS: u64 = 10;
/// A single input running this long is a hang, reported as a finding.
const INPUT_TIMEOUT_SECONDS: u64 = 10;

pub fn run(args: Vec<String>) -> Result {
    let mut args = Args::new(args);
    let seconds = args.parsed("--seconds")?.unwrap_or(DEFAULT_SECONDS);
    let budget = args.parsed("--budget")?;
    let (targets, libfuzzer_args) = args.positionals()?;
    fuzz(&targets, seconds, budget, &libfuzzer_args)
}

/// Seconds per target: `seconds`, shortened so that all targets fit in `budget`.
fn per_target_seconds(seconds: u64, budget: Option<u64>, targets: usize) -> Result<u64> {
    let per = match budget {
        Some(b) => seconds.min(b / targets.max(1) as u64),
        None => seconds,
    };
    // libFuzzer reads -max_total_time=0 as "no limit".
    if per == 0 {
        return Err(format!(
            "{targets} targets get 0 s each (--seconds {seconds}, --budget {budget:?})"
        )
        .into());
    }
    Ok(per)
}

fn cargo_fuzz() -> Command {
    let mut cmd = util::cargo();
    cmd.arg("fuzz").env("RUSTC_BOOTSTRAP", "1");
    cmd
}

fn ensure_cargo_fuzz() -> Result {
    if util::output(cargo_fuzz().arg("--version")).is_ok() {
        return Ok(());
    }
    eprintln!("cargo-fuzz is not installed; installing it from crates.io");
    util::run(util::cargo().args(["install", "cargo-fuzz", "--locked"]))
}

pub fn fuzz(
    targets: &[String],
    seconds: u64,
    budget: Option<u64>,
    libfuzzer_args: &[String],
) -> Result {
    ensure_cargo_fuzz()?;
    let listed = util::output(cargo_fuzz().arg("list"))?;
    let all: Vec<String> = listed
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(unknown) = targets.iter().find(|t| !all.contains(t)) {
        return Err(format!("no fuzz target {unknown}; targets: {all:?}").into());
    }
    let targets = if targets.is_empty() { &all } else { targets };
    let per = per_target_seconds(seconds, budget, targets.len())?;
    eprintln!("fuzzing {} target(s) for {per} s each", targets.len());

    let fuzz_dir = util::repo_root().join("fuzz");
    let mut build = cargo_fuzz();
    build.args(["build", "--debug-assertions"]);
    if targets.len() == 1 {
        build.arg(&targets[0]);
    }
    util::run(&mut build)?;

    let mut failed = Vec::new();
    for t in targets {
        let corpus = fuzz_dir.join("corpus").join(t);
        fs::create_dir_all(&corpus)?;
        let mut cmd = cargo_fuzz();
        // New inputs go to the first directory; the committed seeds are only read.
        cmd.args(["run", "--debug-assertions", t]).arg(&corpus);
        let seeds = fuzz_dir.join("seeds").join(t);
        if seeds.is_dir() {
            cmd.arg(seeds);
        }
        cmd.arg("--")
            .arg(format!("-max_total_time={per}"))
            .arg(format!("-timeout={INPUT_TIMEOUT_SECONDS}"))
            .args(libfuzzer_args);
        if let Err(e) = util::run(&mut cmd) {
            eprintln!("fuzz target {t} FAILED: {e}");
            failed.push(t.clone());
        }
    }
    if failed.is_empty() {
        eprintln!(
            "fuzz: {} target(s) ran {per} s each without findings",
            targets.len()
        );
        Ok(())
    } else {
        Err(format!("fuzz targets with findings (inputs under fuzz/artifacts/): {failed:?}").into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_splits_evenly_and_never_reaches_zero() {
        assert_eq!(per_target_seconds(10, None, 5).unwrap(), 10);
        assert_eq!(per_target_seconds(10, Some(60), 2).unwrap(), 10);
        assert_eq!(per_target_seconds(45, Some(60), 2).unwrap(), 30);
        assert_eq!(per_target_seconds(45, Some(60), 7).unwrap(), 8);
        assert!(per_target_seconds(10, Some(3), 4).is_err());
        assert!(per_target_seconds(0, None, 1).is_err());
    }
}
