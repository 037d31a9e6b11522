//! `cargo xtask ci` and `cargo xtask proptest`: the check runners.

use std::env;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::fuzz;
use crate::util::{self, Args, Result};

/// The README's test command, `cargo test --workspace` (tests use the optimized test profile).
pub const TEST_COMMAND: [&str; 2] = ["test", "--workspace"];

/// Total fuzzing time in CI, split across the targets.
const CI_FUZZ_BUDGET_SECONDS: u64 = 60;
const DEFAULT_PROPTEST_CASES: usize = 2000;

pub const CI_USAGE: &str = "\
cargo xtask ci
    What .ci/run runs, in order, each step timed, all steps run even after a failure:
    cargo fmt --all --check (and fuzz/); cargo clippy --workspace --all-targets -- -D warnings;
    cargo test --workspace; cargo xtask fuzz --budget 60.";

pub const PROPTEST_USAGE: &str = "\
cargo xtask proptest [--cases N] [<cargo test args>]
    cargo test --workspace with PROPTEST_CASES=N (default 2000); extra arguments go to
    cargo test, and -p/--package replaces --workspace.";

fn test_command() -> Command {
    let mut cmd = util::cargo();
    cmd.args(TEST_COMMAND);
    util::with_default_data(&mut cmd);
    cmd
}

pub fn proptest(args: Vec<String>) -> Result {
    let mut args = Args::new(args);
    // Zero cases would pass every proptest without running it.
    let cases = args.count("--cases")?.unwrap_or(DEFAULT_PROPTEST_CASES);
    // Everything else belongs to cargo test.
    let cargo_args = args.into_rest();
    let one_package = cargo_args
        .iter()
        .any(|a| a == "-p" || a == "--package" || a.starts_with("--package="));
    let mut cmd = util::cargo();
    cmd.args(if one_package {
        &TEST_COMMAND[..1]
    } else {
        &TEST_COMMAND[..]
    })
    .args(&cargo_args)
    .env("PROPTEST_CASES", cases.to_string());
    util::run(util::with_default_data(&mut cmd))
}

struct Step {
    name: &'static str,
    run: fn() -> Result,
}

fn fmt() -> Result {
    let workspace = util::run(util::cargo().args(["fmt", "--all", "--check"]));
    // fuzz/ is its own workspace, outside `--all`; check it even when the first check failed.
    let fuzz =
        util::run(util::cargo().args(["fmt", "--manifest-path", "fuzz/Cargo.toml", "--check"]));
    workspace.and(fuzz)
}

fn clippy() -> Result {
    util::run(util::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

fn test() -> Result {
    util::run(&mut test_command())
}

fn fuzz_step() -> Result {
    fuzz::fuzz(
        &[],
        CI_FUZZ_BUDGET_SECONDS,
        Some(CI_FUZZ_BUDGET_SECONDS),
        &[],
    )
}

const STEPS: [Step; 4] = [
    Step {
        name: "fmt",
        run: fmt,
    },
    Step {
        name: "clippy",
        run: clippy,
    },
    Step {
        name: "test",
        run: test,
    },
    Step {
        name: "fuzz",
        run: fuzz_step,
    },
];

pub fn ci(args: Vec<String>) -> Result {
    Args::new(args).finish()?;
    let version = |cmd: &mut Command| {
        util::output(cmd).map_or_else(|e| e.to_string(), |s| s.trim().to_owned())
    };
    eprintln!("ci: {}", version(Command::new("rustc").arg("-V")));
    eprintln!("ci: {}", version(util::cargo().arg("-V")));
    eprintln!(
        "ci: {} CPUs, CI={}, BLINDFOLD_DATA={}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        env::var("CI").unwrap_or_default(),
        env::var_os("BLINDFOLD_DATA")
            .map(std::path::PathBuf::from)
            .or_else(|| util::data_dir(None))
            .map_or("(none)".to_owned(), |d| d.display().to_string()),
    );

    let total = Instant::now();
    let mut results: Vec<(&str, Duration, Result)> = Vec::new();
    for (i, step) in STEPS.iter().enumerate() {
        eprintln!("\n==> ci step {}/{}: {}", i + 1, STEPS.len(), step.name);
        let start = Instant::now();
        let outcome = (step.run)();
        let took = start.elapsed();
        match &outcome {
            Ok(()) => eprintln!("==> {} passed in {:.1} s", step.name, took.as_secs_f64()),
            Err(e) => eprintln!(
                "==> {} FAILED in {:.1} s: {e}",
                step.name,
                took.as_secs_f64()
            ),
        }
        results.push((step.name, took, outcome));
    }

    eprintln!("\nci summary:");
    for (name, took, outcome) in &results {
        let verdict = if outcome.is_ok() { "ok" } else { "FAILED" };
        eprintln!("  {name:<8} {verdict:<7} {:>7.1} s", took.as_secs_f64());
    }
    eprintln!(
        "  {:<8} {:<7} {:>7.1} s",
        "total",
        "",
        total.elapsed().as_secs_f64()
    );
    let failed: Vec<&str> = results
        .iter()
        .filter(|r| r.2.is_err())
        .map(|r| r.0)
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("ci failed: {}", failed.join(", ")).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The README must open with the two commands, and its test command must be the one CI runs.
    #[test]
    fn readme_opens_with_the_commands_ci_runs() {
        let readme = std::fs::read_to_string(util::repo_root().join("README.md")).unwrap();
        let commands: Vec<&str> = readme
            .lines()
            .skip_while(|l| !l.starts_with("```"))
            .skip(1)
            .take(2)
            .map(|l| l.split('#').next().unwrap().trim())
            .collect();
        let test = format!("cargo {}", TEST_COMMAND.join(" "));
        assert_eq!(commands, ["cargo xtask e2e", test.as_str()]);
        let title_and_blank = readme.lines().take_while(|l| !l.starts_with("```")).count();
        assert!(
            title_and_blank <= 2,
            "the commands must come right after the title"
        );
    }
}
