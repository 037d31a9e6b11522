//! `cargo xtask fuzz`: every cargo-fuzz target in `fuzz/` for a bounded time.
//!
//! cargo-fuzz passes `-Z` flags (`-Zsanitizer=address`) that stable rustc refuses, and this
//! machine has only the stable toolchain: `RUSTC_BOOTSTRAP=1` lets stable accept them, and
//! stable ships the AddressSanitizer runtime, so the targets run under ASan.

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::util::{self, Args, Result};

pub const USAGE: &str = "\
cargo xtask fuzz [--seconds N] [--budget T] [TARGET...] [-- <libFuzzer args>]
    Runs each cargo-fuzz target (default: all of `cargo fuzz list`) for N seconds (default 10)
    under AddressSanitizer, with debug assertions, starting from fuzz/corpus/<t> and the
    committed seeds in fuzz/seeds/<t>. --budget T shortens the runs so that all of them take
    about T seconds (libFuzzer may overrun by a second; the build is not counted). Installs
    cargo-fuzz when it is missing.";

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

/// libFuzzer stops up to about a second after `-max_total_time` (start-up, loading the corpus).
const LIBFUZZER_OVERRUN_SECONDS: u64 = 1;

/// Checks that every target can get at least one second (libFuzzer reads `-max_total_time=0`
/// as "no limit") within the budget, overrun included.
fn check_budget(seconds: u64, budget: Option<u64>, targets: usize) -> Result {
    let share = budget.map(|b| b / targets.max(1) as u64);
    if seconds == 0 || share.is_some_and(|s| s < 1 + LIBFUZZER_OVERRUN_SECONDS) {
        return Err(format!(
            "{targets} target(s) cannot each run at least 1 s (--seconds {seconds}, --budget {budget:?})"
        )
        .into());
    }
    Ok(())
}

/// `-max_total_time` for the next target: `seconds`, or less so that it and the targets after
/// it, each overrunning, still fit in what is left of the budget.
fn next_run_seconds(seconds: u64, budget_left: Option<Duration>, targets_left: usize) -> u64 {
    match budget_left {
        None => seconds,
        Some(left) => (left.as_secs() / targets_left.max(1) as u64)
            .saturating_sub(LIBFUZZER_OVERRUN_SECONDS)
            .clamp(1, seconds.max(1)),
    }
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
    check_budget(seconds, budget, targets.len())?;
    let cap = budget.map_or(String::new(), |b| format!(", {b} s in all"));
    eprintln!(
        "fuzzing {} target(s), up to {seconds} s each{cap}",
        targets.len()
    );
    let fuzz_dir = util::repo_root().join("fuzz");
    let mut build = cargo_fuzz();
    build.args(["build", "--debug-assertions"]);
    if targets.len() == 1 {
        build.arg(&targets[0]);
    }
    util::run(&mut build)?;

    // The budget counts fuzzing only, from here: the build above is not part of it.
    let start = Instant::now();
    let deadline = budget.map(|b| start + Duration::from_secs(b));
    let mut failed = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let left = deadline.map(|d| d.saturating_duration_since(Instant::now()));
        let secs = next_run_seconds(seconds, left, targets.len() - i);
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
            .arg(format!("-max_total_time={secs}"))
            .arg(format!("-timeout={INPUT_TIMEOUT_SECONDS}"))
            .args(libfuzzer_args);
        if let Err(e) = util::run(&mut cmd) {
            eprintln!("fuzz target {t} FAILED: {e}");
            failed.push(t.clone());
        }
    }
    let took = start.elapsed().as_secs_f64();
    if failed.is_empty() {
        eprintln!(
            "fuzz: {} target(s), {took:.1} s of fuzzing, no findings",
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
    fn budget_is_shared_by_the_targets_left() {
        let secs = Duration::from_secs;
        assert_eq!(next_run_seconds(10, None, 5), 10);
        assert_eq!(next_run_seconds(10, Some(secs(60)), 2), 10);
        assert_eq!(next_run_seconds(45, Some(secs(60)), 2), 29);
        // 12 targets in 60 s: 4 s each plus the overrun.
        assert_eq!(next_run_seconds(45, Some(secs(60)), 12), 4);
        // A target that overran leaves less to the next ones, never less than 1 s.
        assert_eq!(next_run_seconds(45, Some(secs(7)), 2), 2);
        assert_eq!(next_run_seconds(45, Some(Duration::ZERO), 3), 1);
        assert!(check_budget(10, Some(60), 12).is_ok());
        assert!(check_budget(10, Some(23), 12).is_err());
        assert!(check_budget(0, None, 1).is_err());
        assert!(check_budget(1, None, 100).is_ok());
    }
}
