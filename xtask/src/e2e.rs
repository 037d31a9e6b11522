//! `cargo xtask e2e`: the end-to-end encrypted MNIST training run.
//!
//! The harness is a binary of `blindfold-train` (crates/train): the `[[bin]]` named `e2e`, or the
//! package's only binary. xtask resolves the data directory, then runs the harness in release
//! mode with the options below passed on. Until the harness exists it says which layers of the
//! stack are still missing and fails.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::{self, Args, Result};

pub const USAGE: &str = "\
cargo xtask e2e [--paper] [--iterations N] [--samples N] [--threads N] [--preset NAME]
                [--data DIR] [-- <more harness args>]
    End-to-end encrypted MNIST training; without options, the quick default configuration.
    --paper          the full configuration of the paper instead of the quick one
    --iterations N   training iterations      --samples N   training samples
    --threads N      worker threads (also RAYON_NUM_THREADS)
    --preset NAME    parameter preset of the harness
    --data DIR       data directory (default: $BLINDFOLD_DATA, else ../shared/data)";

const HARNESS_PACKAGE: &str = "blindfold-train";
const HARNESS_BIN: &str = "e2e";

/// The crates of the stack, bottom up; each is the package `blindfold-<dir>` in `crates/<dir>`.
const LAYERS: [&str; 9] = [
    "modarith", "ntt", "rns", "rlwe", "ckks", "bgv", "pack", "approx", "train",
];

#[derive(Debug, Default, PartialEq)]
struct Options {
    paper: bool,
    iterations: Option<usize>,
    samples: Option<usize>,
    threads: Option<usize>,
    preset: Option<String>,
    data: Option<PathBuf>,
    extra: Vec<String>,
}

impl Options {
    fn parse(args: Vec<String>) -> Result<Self> {
        let mut args = Args::new(args);
        Ok(Self {
            paper: args.flag("--paper"),
            iterations: args.count("--iterations")?,
            samples: args.count("--samples")?,
            threads: args.count("--threads")?,
            preset: args.value("--preset")?,
            data: args.value("--data")?.map(PathBuf::from),
            extra: args.finish()?,
        })
    }

    /// The harness's command line: the same options, with the data directory resolved.
    fn harness_args(&self, data: &Path) -> Vec<String> {
        let mut out = Vec::new();
        if self.paper {
            out.push("--paper".to_owned());
        }
        let counts = [
            ("--iterations", self.iterations),
            ("--samples", self.samples),
            ("--threads", self.threads),
        ];
        for (name, v) in counts {
            if let Some(v) = v {
                out.extend([name.to_owned(), v.to_string()]);
            }
        }
        if let Some(p) = &self.preset {
            out.extend(["--preset".to_owned(), p.clone()]);
        }
        out.extend(["--data".to_owned(), data.display().to_string()]);
        out.extend(self.extra.iter().cloned());
        out
    }
}

pub fn run(args: Vec<String>) -> Result {
    let opts = Options::parse(args)?;
    let meta = util::metadata()?;
    let data = util::data_dir(opts.data.clone());
    let Some(bin) = harness_binary(&meta)? else {
        eprint!("{}", missing_report(&meta, data.as_deref()));
        return Err("the end-to-end harness is not built yet".into());
    };
    let data = data.ok_or("no data directory: pass --data DIR or set BLINDFOLD_DATA")?;
    if !data.is_dir() {
        return Err(format!("data directory {} does not exist", data.display()).into());
    }
    let mut cmd = util::cargo();
    cmd.args([
        "run",
        "--release",
        "-p",
        HARNESS_PACKAGE,
        "--bin",
        &bin,
        "--",
    ])
    .args(opts.harness_args(&data))
    .env("BLINDFOLD_DATA", &data);
    if let Some(n) = opts.threads {
        cmd.env("RAYON_NUM_THREADS", n.to_string());
    }
    util::run(&mut cmd)
}

fn package<'a>(meta: &'a Value, name: &str) -> Option<&'a Value> {
    meta["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
}

fn binaries(package: &Value) -> Vec<String> {
    let targets = package["targets"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    targets
        .iter()
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect()
}

/// The harness binary: `e2e` if `blindfold-train` has it, else its only binary.
fn harness_binary(meta: &Value) -> Result<Option<String>> {
    let Some(train) = package(meta, HARNESS_PACKAGE) else {
        return Ok(None);
    };
    let bins = binaries(train);
    if bins.iter().any(|b| b == HARNESS_BIN) {
        return Ok(Some(HARNESS_BIN.to_owned()));
    }
    match bins.as_slice() {
        [] => Ok(None),
        [only] => Ok(Some(only.clone())),
        _ => Err(format!(
            "{HARNESS_PACKAGE} has several binaries {bins:?} and none named `{HARNESS_BIN}`"
        )
        .into()),
    }
}

/// Which layers exist, and what the harness still lacks.
fn missing_report(meta: &Value, data: Option<&Path>) -> String {
    let mut out = String::from("cargo xtask e2e: the end-to-end harness is not built yet.\n");
    for layer in LAYERS {
        let name = format!("blindfold-{layer}");
        let status = match package(meta, &name) {
            None => "missing".to_owned(),
            Some(p) if name == HARNESS_PACKAGE && binaries(p).is_empty() => {
                format!(
                    "present, without the `{HARNESS_BIN}` binary (crates/{layer}/src/bin/{HARNESS_BIN}.rs)"
                )
            }
            Some(_) => "present".to_owned(),
        };
        out.push_str(&format!("  crates/{layer:<9} {name:<20} {status}\n"));
    }
    match data {
        Some(d) if d.is_dir() => out.push_str(&format!("  data: {}\n", d.display())),
        Some(d) => out.push_str(&format!("  data: {} (does not exist)\n", d.display())),
        None => out.push_str("  data: not found (pass --data DIR or set BLINDFOLD_DATA)\n"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn meta(packages: &[(&str, &[(&str, &str)])]) -> Value {
        let packages: Vec<Value> = packages
            .iter()
            .map(|(name, targets)| {
                let targets: Vec<Value> = targets
                    .iter()
                    .map(|(kind, t)| json!({"kind": [kind], "name": t}))
                    .collect();
                json!({"name": name, "targets": targets})
            })
            .collect();
        json!({ "packages": packages })
    }

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_pass_through_to_the_harness() {
        let opts = Options::parse(strings(&[
            "--paper",
            "--iterations",
            "3",
            "--samples=64",
            "--threads",
            "2",
            "--preset",
            "n14",
            "--",
            "--verbose",
        ]))
        .unwrap();
        assert_eq!(
            opts.harness_args(Path::new("/d")),
            strings(&[
                "--paper",
                "--iterations",
                "3",
                "--samples",
                "64",
                "--threads",
                "2",
                "--preset",
                "n14",
                "--data",
                "/d",
                "--verbose",
            ])
        );
        let quick = Options::parse(Vec::new()).unwrap();
        assert_eq!(quick, Options::default());
        assert_eq!(
            quick.harness_args(Path::new("/d")),
            strings(&["--data", "/d"])
        );
        assert!(Options::parse(strings(&["--iterations", "0"])).is_err());
        assert!(Options::parse(strings(&["--epochs", "2"])).is_err());
    }

    #[test]
    fn harness_is_found_only_when_train_has_a_binary() {
        let lib: &[(&str, &str)] = &[("lib", "blindfold_train")];
        let with_e2e: &[(&str, &str)] = &[("lib", "blindfold_train"), ("bin", "x"), ("bin", "e2e")];
        let one_bin: &[(&str, &str)] = &[("bin", "train")];
        let two_bins: &[(&str, &str)] = &[("bin", "a"), ("bin", "b")];
        let ntt: (&str, &[(&str, &str)]) = ("blindfold-ntt", &[("lib", "blindfold_ntt")]);

        assert_eq!(harness_binary(&meta(&[ntt])).unwrap(), None);
        assert_eq!(
            harness_binary(&meta(&[ntt, ("blindfold-train", lib)])).unwrap(),
            None
        );
        let found = |t| harness_binary(&meta(&[("blindfold-train", t)])).unwrap();
        assert_eq!(found(with_e2e), Some("e2e".to_owned()));
        assert_eq!(found(one_bin), Some("train".to_owned()));
        assert!(harness_binary(&meta(&[("blindfold-train", two_bins)])).is_err());
    }

    #[test]
    fn report_lists_every_layer() {
        let m = meta(&[
            ("blindfold-modarith", &[("lib", "m")]),
            ("blindfold-train", &[("lib", "t")]),
        ]);
        let report = missing_report(&m, None);
        assert!(
            report.contains("crates/modarith  blindfold-modarith   present\n"),
            "{report}"
        );
        assert!(
            report.contains("crates/rlwe      blindfold-rlwe       missing\n"),
            "{report}"
        );
        assert!(
            report.contains("without the `e2e` binary (crates/train/src/bin/e2e.rs)"),
            "{report}"
        );
        assert!(report.contains("data: not found"), "{report}");
        assert_eq!(report.lines().count(), 1 + LAYERS.len() + 1);
    }
}
