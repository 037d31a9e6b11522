//! Developer commands for the Blindfold workspace, run as `cargo xtask <command>`.
//!
//! Cargo commands started from here use cargo's own target directory (`CARGO_TARGET_DIR` when
//! set, else `target/`).

mod bench;
mod checks;
mod e2e;
mod fuzz;
mod openfhe;
mod util;

use std::process::ExitCode;

fn usage() -> String {
    format!(
        "usage: cargo xtask <command> [options]\n\n{}\n\n{}\n\n{}\n\n{}\n\n{}\n",
        e2e::USAGE,
        bench::USAGE,
        checks::PROPTEST_USAGE,
        fuzz::USAGE,
        checks::CI_USAGE
    )
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        eprint!("{}", usage());
        return ExitCode::from(2);
    }
    let command = args.remove(0);
    let result = match command.as_str() {
        "e2e" => e2e::run(args),
        "bench" => bench::run(args),
        "proptest" => checks::proptest(args),
        "fuzz" => fuzz::run(args),
        "ci" => checks::ci(args),
        "help" | "-h" | "--help" => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        other => {
            eprint!("unknown command {other}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
