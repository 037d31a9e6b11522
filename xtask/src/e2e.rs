//! `cargo xtask e2e`: the end-to-end encrypted training run, role by role, through files.
//!
//! Builds the `blindfold` CLI (crates/train), then runs the data owner's `keygen` and
//! `encrypt`, the server's `train` (which sees only the parameters, the evaluation keys and
//! the encrypted dataset), the owner's noise-flooded `decrypt` and `evaluate`, and the
//! plaintext `mirror` (the same encrypted code on `Clear`, plus the float64 reference). It
//! prints a table and writes it as JSON and Markdown under `<target>/e2e/`, and fails if the
//! encrypted accuracy differs from the mirror's by more than one point at any iteration.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use serde_json::{Value, json};

use crate::util::{self, Args, Result};

pub const USAGE: &str = "\
cargo xtask e2e [--paper chiang|nandakumar] [--task regnet|mnist|fcnet] [--iterations N]
                [--samples N] [--epochs E] [--threads N] [--preset NAME] [--data DIR] [--out DIR]
    End-to-end encrypted training through the roles' files; without options, the quick
    default: Chiang's head on 128 RegNet rows, 2 iterations, then one SGD step of
    Nandakumar et al.'s 196-128-32-10 network on a batch of 60 images, both at N = 2^16
    (preset n16-auto: Δ = 2^55 and exactly the levels the run needs).
    --paper chiang   the transfer-learning paper's setting (128 rows, 2 iterations, RegNet)
    --paper nandakumar  the FC network (batch 60, 1 encrypted step) and its mirror trained
                     on all 60,000 images for 40 epochs (--epochs)
    --task           regnet (Chiang's features), mnist (downsampled pixels, 10k test set)
                     or fcnet (the FC network alone)
    --iterations N   training iterations (SGD steps for fcnet)
    --samples N      training rows (the batch for fcnet)
    --epochs E       fcnet: epochs of the full-data mirror (0: none)
    --threads N      worker threads           --preset NAME CKKS preset (see blindfold keygen)
    --data DIR       data directory (default: $BLINDFOLD_DATA, else ../shared/data)
    --out DIR        where files and the report go (default: <target>/e2e)";

/// Largest allowed gap between encrypted and mirror accuracy.
const MAX_GAP: f64 = 0.01;
/// The CLI's name of the FC-network task.
const FCNET: &str = "fcnet";

#[derive(Clone, Debug, PartialEq)]
struct Options {
    task: String,
    iterations: usize,
    samples: usize,
    /// The default run: the transfer head, then a short FC run.
    both: bool,
    epochs: usize,
    threads: Option<usize>,
    preset: String,
    data: Option<PathBuf>,
    out: Option<PathBuf>,
}

impl Options {
    fn parse(args: Vec<String>) -> Result<Self> {
        let mut args = Args::new(args);
        let paper = args.value("--paper")?;
        let mut o = Self {
            task: "regnet".into(),
            iterations: 2,
            samples: 128,
            both: false,
            epochs: 0,
            threads: None,
            preset: "n16-auto".into(),
            data: None,
            out: None,
        };
        let task = args.value("--task")?;
        let iterations = args.count("--iterations")?;
        let samples = args.count("--samples")?;
        let epochs = args.parsed::<usize>("--epochs")?;
        if paper.is_some() && (task.is_some() || iterations.is_some() || samples.is_some()) {
            return Err("--paper fixes the task, rows and iterations".into());
        }
        match paper.as_deref() {
            Some("chiang") => {}
            Some("nandakumar") => o.task = FCNET.into(),
            None => o.both = task.is_none() && iterations.is_none() && samples.is_none(),
            Some(other) => {
                return Err(
                    format!("--paper {other}: known papers: chiang, nandakumar\n{USAGE}").into(),
                );
            }
        }
        if let Some(t) = task {
            if !["regnet", "mnist", FCNET].contains(&t.as_str()) {
                return Err(format!("--task {t}: regnet, mnist or fcnet").into());
            }
            o.task = t;
        }
        if o.task == FCNET {
            o.iterations = 1;
            o.samples = 60;
            if paper.is_some() {
                o.epochs = 40;
            }
        }
        if let Some(e) = epochs {
            if o.task != FCNET {
                return Err("--epochs is for the FC network (--task fcnet)".into());
            }
            o.epochs = e;
        }
        o.iterations = iterations.unwrap_or(o.iterations);
        o.samples = samples.unwrap_or(o.samples);
        o.threads = args.count("--threads")?;
        if let Some(p) = args.value("--preset")? {
            o.preset = p;
        }
        o.data = args.value("--data")?.map(PathBuf::from);
        o.out = args.value("--out")?.map(PathBuf::from);
        let rest = args.finish()?;
        if !rest.is_empty() {
            return Err(format!("unexpected arguments {rest:?}\n{USAGE}").into());
        }
        Ok(o)
    }
}

/// One CLI step: its `result:` fields and wall time.
struct Step {
    fields: BTreeMap<String, String>,
    wall: f64,
}

impl Step {
    fn get(&self, k: &str) -> Result<&str> {
        self.fields
            .get(k)
            .map(String::as_str)
            .ok_or_else(|| format!("the CLI reported no {k}").into())
    }
    fn num(&self, k: &str) -> Result<f64> {
        Ok(self.get(k)?.parse()?)
    }
    fn list(&self, k: &str) -> Result<Vec<f64>> {
        self.get(k)?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<f64>().map_err(Into::into))
            .collect()
    }
}

fn step(bin: &Path, phase: &str, args: &[&str], threads: Option<usize>) -> Result<Step> {
    let mut cmd = Command::new(bin);
    cmd.arg(phase).args(args);
    if let Some(n) = threads {
        cmd.args(["--threads", &n.to_string()]);
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::inherit());
    eprintln!("[e2e] {}", util::describe(&cmd));
    let start = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let wall = start.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("`blindfold {phase}` failed ({})", out.status).into());
    }
    let stdout = String::from_utf8(out.stdout)?;
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("result: "))
        .ok_or_else(|| format!("`blindfold {phase}` printed no result line"))?;
    let fields = line
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    eprintln!("[e2e] {phase}: {wall:.1} s");
    Ok(Step { fields, wall })
}

fn mib(bytes: f64) -> String {
    format!("{:.1} MiB", bytes / (1024.0 * 1024.0))
}

pub fn run(args: Vec<String>) -> Result {
    let o = Options::parse(args)?;
    let data = util::data_dir(o.data.clone())
        .ok_or("no data directory: pass --data DIR or set BLINDFOLD_DATA")?;
    if !data.is_dir() {
        return Err(format!("data directory {} does not exist", data.display()).into());
    }
    let target = util::target_dir()?;
    let out = o.out.clone().unwrap_or_else(|| target.join("e2e"));
    fs::create_dir_all(&out)?;
    util::run(util::cargo().args([
        "build",
        "--release",
        "-p",
        "blindfold-train",
        "--bin",
        "blindfold",
    ]))?;
    let bin = target.join("release").join("blindfold");
    let mut sections = Vec::new();
    if o.task != FCNET {
        sections.push(transfer(&o, &bin, &data, &out)?);
    }
    if o.task == FCNET || o.both {
        let fc = Options {
            task: FCNET.into(),
            iterations: if o.both { 1 } else { o.iterations },
            samples: if o.both { 60 } else { o.samples },
            ..o.clone()
        };
        let dir = out.join(FCNET);
        fs::create_dir_all(&dir)?;
        sections.push(fcnet(&fc, &bin, &data, &dir)?);
    }
    let md: String = sections
        .iter()
        .map(|s| s.md.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let report = if let [one] = sections.as_slice() {
        one.json.clone()
    } else {
        Value::Array(sections.iter().map(|s| s.json.clone()).collect())
    };
    fs::write(out.join("report.md"), &md)?;
    fs::write(
        out.join("report.json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    println!("{md}");
    eprintln!("wrote {}/report.md and report.json", out.display());
    match sections.iter().find(|s| !s.pass) {
        None => Ok(()),
        Some(s) => Err(s.verdict.clone().into()),
    }
}

/// One pipeline's part of the report.
struct Section {
    md: String,
    json: Value,
    pass: bool,
    verdict: String,
}

/// Whether key generation chose a bootstrapping preset.
fn bootstrapped(keygen: &Step) -> bool {
    keygen
        .get("preset")
        .is_ok_and(|p| p == "n16-boot" || p == "test-boot")
}

/// The owner's decryption: flooded for release, or private for a bootstrapped model.
fn decrypt_step(
    bin: &Path,
    keys: &str,
    model: &str,
    out: &str,
    boot: bool,
    t: Option<usize>,
) -> Result<Step> {
    let mut args = vec!["--keys", keys, "--model", model, "--out", out];
    if boot {
        // Flooding a bootstrapped model at Δ = 2^40 leaves no precision (its error is the
        // refresh's 2^-20 or so, and the flood must hide it 2^30 times over).
        args.extend(["--private", "yes"]);
    }
    step(bin, "decrypt", &args, t)
}

fn decrypt_label(boot: bool) -> &'static str {
    if boot {
        "decrypt, private (owner)"
    } else {
        "decrypt, flooded (owner)"
    }
}

/// The largest peak memory of the phases.
fn peak_mib(phases: &[(&str, &Step)]) -> f64 {
    phases
        .iter()
        .filter_map(|(_, s)| s.num("peak_rss_mib").ok())
        .fold(0.0f64, f64::max)
}

/// The phase table and the quantity table.
fn tables(md: &mut String, phases: &[(&str, &Step)], rows: &[(&str, String)]) {
    let _ = writeln!(md, "\n| phase | wall | peak memory |\n|---|---:|---:|");
    for (name, s) in phases {
        let _ = writeln!(
            md,
            "| {name} | {:.1} s | {} MiB |",
            s.wall,
            s.get("peak_rss_mib").unwrap_or("?")
        );
    }
    let _ = writeln!(md, "\n| quantity | value |\n|---|---:|");
    for (k, v) in rows {
        let _ = writeln!(md, "| {k} | {v} |");
    }
}

/// PASS within one point of the mirror at every step, FAIL beyond.
fn gap_verdict(worst_gap: f64) -> String {
    if worst_gap <= MAX_GAP {
        format!(
            "PASS: encrypted within {:.2} points of the mirror",
            100.0 * worst_gap
        )
    } else {
        format!(
            "FAIL: encrypted and mirror differ by {:.2} points (> 1)",
            100.0 * worst_gap
        )
    }
}

/// The release row of the quantity table.
fn release_row(boot: bool, decrypt: &Step) -> String {
    if boot {
        "none: not released (flooding a bootstrapped model leaves < 3 bits)".to_string()
    } else {
        format!(
            "{} bits",
            decrypt.get("release_precision_bits").unwrap_or("?")
        )
    }
}

/// Chiang's transfer-learning head, role by role.
fn transfer(o: &Options, bin: &Path, data: &Path, out: &Path) -> Result<Section> {
    let keys = out.join("keys");
    let dataset = out.join("dataset.bf");
    let model = out.join("model.bf");
    let weights = out.join("weights.bf");
    let (p, d, k) = (path(&keys), path(data), path(&dataset));
    let (m, w) = (path(&model), path(&weights));
    let samples = o.samples.to_string();
    let iterations = o.iterations.to_string();
    let t = o.threads;

    let keygen = step(
        bin,
        "keygen",
        &[
            "--keys",
            &p,
            "--preset",
            &o.preset,
            "--task",
            &o.task,
            "--samples",
            &samples,
            "--iterations",
            &iterations,
        ],
        t,
    )?;
    let boot = bootstrapped(&keygen);
    let encrypt = step(
        bin,
        "encrypt",
        &["--keys", &p, "--out", &k, "--data", &d],
        t,
    )?;
    let train = step(
        bin,
        "train",
        &[
            "--keys",
            &p,
            "--dataset",
            &k,
            "--out",
            &m,
            "--iterations",
            &iterations,
        ],
        t,
    )?;
    let decrypt = decrypt_step(bin, &p, &m, &w, boot, t)?;
    let evaluate = step(bin, "evaluate", &["--weights", &w, "--data", &d], t)?;
    let mirror = step(
        bin,
        "mirror",
        &[
            "--task",
            &o.task,
            "--samples",
            &samples,
            "--iterations",
            &iterations,
            "--data",
            &d,
        ],
        t,
    )?;

    let enc = evaluate.list("accuracy")?;
    let mir = mirror.list("mirror_accuracy")?;
    let flt = mirror.list("float_accuracy")?;
    let iter_secs = train.list("iteration_seconds")?;
    let phases = [
        ("keygen (owner)", &keygen),
        ("encrypt (owner)", &encrypt),
        ("train (server)", &train),
        (decrypt_label(boot), &decrypt),
        ("evaluate (owner)", &evaluate),
        ("mirror + float reference", &mirror),
    ];
    let peak = peak_mib(&phases);
    let eval_key_bytes = keygen.num("evaluation_key_bytes")?;
    let dataset_bytes = encrypt.num("dataset_bytes")?;
    let threads = o
        .threads
        .map_or_else(|| "all".to_string(), |n| n.to_string());

    let mut md = String::new();
    let _ = writeln!(
        md,
        "# cargo xtask e2e: {} rows of {}, {} iterations, preset {}, threads {}\n",
        o.samples,
        o.task,
        o.iterations,
        keygen.get("preset").unwrap_or(&o.preset),
        threads
    );
    let _ = writeln!(
        md,
        "| iteration | encrypted ({}) | mirror (same code on Clear) | float64, exact sigmoid | train time |",
        if boot {
            "bootstrapped, owner's private decryption"
        } else {
            "flooded release"
        }
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|");
    let mut worst_gap = 0.0f64;
    for i in 0..o.iterations {
        let (e, mi) = (enc.get(i).copied(), mir.get(i).copied());
        if let (Some(e), Some(mi)) = (e, mi) {
            worst_gap = worst_gap.max((e - mi).abs());
        } else {
            worst_gap = f64::INFINITY;
        }
        let pct = |v: Option<f64>| v.map_or("—".into(), |v| format!("{:.2}%", 100.0 * v));
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} |",
            i + 1,
            pct(e),
            pct(mi),
            pct(flt.get(i + 1).copied()),
            iter_secs.get(i).map_or("—".into(), |s| format!("{s:.1} s"))
        );
    }
    let rows = [
        (
            "server setup (load keys, cycle X)",
            format!("{:.1} s", train.num("setup_seconds")?),
        ),
        (
            "bytes uploaded (dataset + evaluation keys)",
            mib(dataset_bytes + eval_key_bytes),
        ),
        ("encrypted dataset", mib(dataset_bytes)),
        (
            "evaluation keys",
            format!(
                "{} ({} Galois keys + relinearization)",
                mib(eval_key_bytes),
                keygen.get("galois_keys")?
            ),
        ),
        (
            "public key / secret key",
            format!(
                "{} / {}",
                mib(keygen.num("public_key_bytes")?),
                mib(keygen.num("secret_key_bytes")?)
            ),
        ),
        (
            "rotations per iteration (steady state)",
            mirror.get("rotations_per_iteration")?.to_string(),
        ),
        (
            "ct x ct / ct x pt products per iteration",
            format!(
                "{} / {}",
                mirror.get("ct_mul_per_iteration")?,
                mirror.get("pt_mul_per_iteration")?
            ),
        ),
        (
            "rotations / ct x ct in the whole run",
            format!(
                "{} / {}",
                mirror.get("rotations_total")?,
                mirror.get("ct_mul_total")?
            ),
        ),
        (
            "levels used / available",
            format!(
                "{} / {}",
                mirror.get("levels_needed")?,
                keygen.get("levels")?
            ),
        ),
        ("flooded release precision", release_row(boot, &decrypt)),
        (
            "refreshes (bootstraps)",
            train.get("refreshes").unwrap_or("0").to_string(),
        ),
        ("peak memory (any phase)", format!("{peak:.0} MiB")),
        (
            "Chiang's code per iteration",
            "≈ 3,040 rotations, ≈ 421 ct x ct".to_string(),
        ),
    ];
    tables(&mut md, &phases, &rows);
    let verdict = gap_verdict(worst_gap);
    let _ = writeln!(md, "\n{verdict}");
    let json = json!({
        "task": o.task, "samples": o.samples, "iterations": o.iterations, "preset": o.preset,
        "threads": threads,
        "accuracy": {"encrypted": enc, "mirror": mir, "float_exact_sigmoid": flt},
        "iteration_seconds": iter_secs,
        "phases": phases.iter().map(|(n, s)| json!({"phase": n, "seconds": s.wall, "fields": s.fields})).collect::<Vec<Value>>(),
        "peak_rss_mib": peak,
        "bytes_uploaded": dataset_bytes + eval_key_bytes,
        "worst_gap": worst_gap,
    });
    Ok(Section {
        md,
        json,
        pass: worst_gap <= MAX_GAP,
        verdict,
    })
}

/// Nandakumar et al.'s fully connected network, role by role, and its mirror.
fn fcnet(o: &Options, bin: &Path, data: &Path, out: &Path) -> Result<Section> {
    let (keys, dataset) = (out.join("keys"), out.join("dataset.bf"));
    let (model, weights) = (out.join("model.bf"), out.join("weights.bf"));
    let (p, d, k) = (path(&keys), path(data), path(&dataset));
    let (m, w) = (path(&model), path(&weights));
    let batch = o.samples.to_string();
    let steps = o.iterations.to_string();
    let epochs = o.epochs.to_string();
    let t = o.threads;
    let keygen = step(
        bin,
        "keygen",
        &[
            "--keys",
            &p,
            "--preset",
            &o.preset,
            "--task",
            FCNET,
            "--batch",
            &batch,
            "--iterations",
            &steps,
        ],
        t,
    )?;
    let encrypt = step(
        bin,
        "encrypt",
        &["--keys", &p, "--out", &k, "--data", &d],
        t,
    )?;
    let train = step(
        bin,
        "train",
        &[
            "--keys",
            &p,
            "--dataset",
            &k,
            "--out",
            &m,
            "--iterations",
            &steps,
        ],
        t,
    )?;
    let boot = bootstrapped(&keygen);
    let decrypt = decrypt_step(bin, &p, &m, &w, boot, t)?;
    let mirror_weights = path(&out.join("mirror-weights.bf"));
    let mirror = step(
        bin,
        "mirror",
        &[
            "--out",
            &mirror_weights,
            "--task",
            FCNET,
            "--batch",
            &batch,
            "--iterations",
            &steps,
            "--epochs",
            &epochs,
            "--data",
            &d,
        ],
        t,
    )?;
    let evaluate = step(
        bin,
        "evaluate",
        &["--weights", &w, "--against", &mirror_weights, "--data", &d],
        t,
    )?;
    let enc = evaluate.list("accuracy")?;
    let mir = mirror.list("mirror_accuracy")?;
    let gaps = evaluate.list("weight_gap")?;
    let scales = evaluate.list("weight_scale")?;
    let full = if o.epochs > 0 {
        mirror.list("epoch_accuracy")?
    } else {
        Vec::new()
    };
    let step_secs = train.list("iteration_seconds")?;
    let phases = [
        ("keygen (owner)", &keygen),
        ("encrypt (owner)", &encrypt),
        ("train (server)", &train),
        (decrypt_label(boot), &decrypt),
        ("evaluate (owner)", &evaluate),
        ("mirror", &mirror),
    ];
    let peak = peak_mib(&phases);
    let threads = o
        .threads
        .map_or_else(|| "all".to_string(), |n| n.to_string());
    let mut md = String::new();
    let _ = writeln!(
        md,
        "# cargo xtask e2e: FC network 196-128-32-10 (Nandakumar et al.), batches of {}, {} \
         encrypted SGD steps, preset {}, threads {}\n",
        o.samples,
        o.iterations,
        keygen.get("preset").unwrap_or(&o.preset),
        threads
    );
    let _ = writeln!(
        md,
        "| step | encrypted ({}) | mirror (same code on Clear) | largest weight gap (weights up to) | step time |",
        if boot {
            "bootstrapped, owner's private decryption"
        } else {
            "flooded release"
        }
    );
    let _ = writeln!(md, "|---:|---:|---:|---:|---:|");
    let mut worst_gap = 0.0f64;
    let pct = |v: Option<f64>| v.map_or("—".into(), |v| format!("{:.2}%", 100.0 * v));
    for i in 0..o.iterations {
        let (e, mi) = (enc.get(i).copied(), mir.get(i).copied());
        worst_gap = match (e, mi) {
            (Some(e), Some(mi)) => worst_gap.max((e - mi).abs()),
            _ => f64::INFINITY,
        };
        let gap = match (gaps.get(i), scales.get(i)) {
            (Some(g), Some(s)) => format!("{g:.1e} ({s:.2})"),
            _ => "—".into(),
        };
        let _ = writeln!(
            md,
            "| {} | {} | {} | {gap} | {} |",
            i + 1,
            pct(e),
            pct(mi),
            step_secs.get(i).map_or("—".into(), |s| format!("{s:.1} s"))
        );
    }
    if !full.is_empty() {
        let best = full.iter().copied().fold(0.0f64, f64::max);
        let _ = writeln!(
            md,
            "\nThe same step (cubic sigmoid, quadratic loss) trained on all 60,000 images, \
             {} epochs: test accuracy {} after the last, {} at best (per epoch: {}).",
            full.len(),
            pct(full.last().copied()),
            pct(Some(best)),
            full.iter()
                .map(|a| format!("{:.1}", 100.0 * a))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let eval_key_bytes = keygen.num("evaluation_key_bytes")?;
    let dataset_bytes = encrypt.num("dataset_bytes")?;
    let rows = [
        (
            "server setup (load keys)",
            format!("{:.1} s", train.num("setup_seconds")?),
        ),
        ("encrypted model + batches", mib(dataset_bytes)),
        (
            "evaluation keys",
            format!(
                "{} ({} Galois keys + relinearization)",
                mib(eval_key_bytes),
                keygen.get("galois_keys")?
            ),
        ),
        (
            "rotations / ct x ct / ct x pt per step",
            format!(
                "{} / {} / {}",
                mirror.get("rotations_per_iteration")?,
                mirror.get("ct_mul_per_iteration")?,
                mirror.get("pt_mul_per_iteration")?
            ),
        ),
        (
            "levels per step / used / available",
            format!(
                "{} / {} / {}",
                mirror.get("depth_per_iteration")?,
                mirror.get("levels_needed")?,
                keygen.get("levels")?
            ),
        ),
        ("flooded release precision", release_row(boot, &decrypt)),
        (
            "refreshes (bootstraps) in the run",
            train.get("refreshes").unwrap_or("0").to_string(),
        ),
        ("peak memory (any phase)", format!("{peak:.0} MiB")),
    ];
    tables(&mut md, &phases, &rows);
    let pass = worst_gap <= MAX_GAP;
    let verdict = gap_verdict(worst_gap);
    let _ = writeln!(md, "\n{verdict}");
    let json = json!({
        "task": FCNET, "batch": o.samples, "steps": o.iterations, "preset": o.preset,
        "threads": threads,
        "accuracy": {"encrypted": enc, "mirror": mir, "full_data_epochs": full},
        "step_seconds": step_secs,
        "phases": phases.iter().map(|(n, s)| json!({"phase": n, "seconds": s.wall, "fields": s.fields})).collect::<Vec<Value>>(),
        "peak_rss_mib": peak,
        "refreshes": train.get("refreshes").unwrap_or("0"),
        "weight_gap": gaps,
        "worst_gap": worst_gap,
    });
    Ok(Section {
        md,
        json,
        pass,
        verdict,
    })
}

fn path(p: &Path) -> String {
    p.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options() {
        let quick = Options::parse(Vec::new()).unwrap();
        assert_eq!(
            (quick.task.as_str(), quick.samples, quick.iterations),
            ("regnet", 128, 2)
        );
        let paper = Options::parse(strings(&["--paper", "chiang"])).unwrap();
        assert_eq!(
            Options {
                both: true,
                ..paper
            },
            quick
        );
        let o = Options::parse(strings(&[
            "--task",
            "mnist",
            "--iterations",
            "3",
            "--threads",
            "2",
        ]))
        .unwrap();
        assert_eq!(
            (o.task.as_str(), o.iterations, o.threads),
            ("mnist", 3, Some(2))
        );
        assert!(Options::parse(strings(&["--paper", "nope"])).is_err());
        assert!(Options::parse(strings(&["--paper", "chiang", "--samples", "64"])).is_err());
        assert!(Options::parse(strings(&["--task", "cifar"])).is_err());
        assert!(Options::parse(strings(&["--iterations", "0"])).is_err());
        assert!(Options::parse(strings(&["--epochs", "2"])).is_err());
        assert!(quick.both);
        let fc = Options::parse(strings(&["--paper", "nandakumar"])).unwrap();
        assert_eq!(
            (
                fc.task.as_str(),
                fc.samples,
                fc.iterations,
                fc.epochs,
                fc.both
            ),
            (FCNET, 60, 1, 40, false)
        );
        let fc = Options::parse(strings(&["--task", "fcnet", "--epochs", "2"])).unwrap();
        assert_eq!((fc.samples, fc.iterations, fc.epochs), (60, 1, 2));
        assert!(!o.both);
    }
}
