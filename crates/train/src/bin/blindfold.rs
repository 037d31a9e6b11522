//! `blindfold`: the three roles of encrypted transfer learning, exchanging files.
//!
//! ```text
//! blindfold keygen   --keys DIR [--preset n16-auto] [--task regnet|mnist] [--samples 128]
//!                    [--iterations 2]                                                (owner)
//! blindfold encrypt  --keys DIR --out FILE [--data DIR]                                (owner)
//! blindfold train    --keys DIR --dataset FILE --out FILE [--iterations 2]            (server)
//! blindfold decrypt  --keys DIR --model FILE --out FILE [--stat-sec 30] [--queries 1] (owner)
//! blindfold evaluate --weights FILE [--data DIR]                                       (owner)
//! blindfold mirror   [--task regnet] [--samples 128] [--iterations 2] [--data DIR]     (anyone)
//! ```
//! `--task fcnet` (or `nandakumar`) trains Nandakumar et al.'s fully connected network
//! instead: `--iterations` counts SGD steps, and keygen/mirror take the network options
//! `[--layers 196,128,32,10] [--batch 60] [--degree 3] [--sigmoid-r R] [--output sigmoid|linear] [--lr LR]
//! [--init S] [--seed N]`
//! (mirror also `--epochs E`: the same math over all 60,000 images, and `--out FILE`: its
//! networks as a weights file; evaluate `--against FILE` adds the largest weight difference
//! from such a file per step).
//! Every command accepts `--threads N` and ends with one `result:` line of `key=value` pairs
//! (times in seconds, peak resident memory in MiB) that `cargo xtask e2e` reads. The server
//! (`train`) reads only `params.bf` and `evaluation.bf` from the key directory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use blindfold_ckks::FloodingPolicy;
use blindfold_rlwe::SlotAlgebra;
use blindfold_train::data::DataDir;
use blindfold_train::files::{Container, FileKind};
use blindfold_train::reference::mlr::{MlrConfig, train_mlr};
use blindfold_train::roles::fcnet::{self as fc, FcSpec};
use blindfold_train::roles::{self, KeyDir, RoleError, Task};
use blindfold_train::transfer::train_clear;

const USAGE: &str = "usage: blindfold <keygen|encrypt|train|decrypt|evaluate|mirror> [options]
  keygen   --keys DIR [--preset n16-auto] [--task regnet|mnist] [--samples 128] [--iterations 2]
  encrypt  --keys DIR --out FILE [--data DIR]
  train    --keys DIR --dataset FILE --out FILE [--iterations 2]
  decrypt  --keys DIR --model FILE --out FILE [--stat-sec 30] [--queries 1] [--min-bits 3]
           [--private yes: no flooding, for the owner's own use only]
  evaluate --weights FILE [--data DIR]
  mirror   [--task regnet] [--samples 128] [--iterations 2] [--data DIR]
  --task fcnet: keygen and mirror take [--layers 196,128,32,10] [--batch 60] [--degree 3] [--sigmoid-r R]
           [--output sigmoid|linear] [--lr LR] [--init S] [--seed N]; mirror also [--epochs E]
           [--out FILE]; evaluate also [--against FILE] (largest weight gap per step)
  every command: [--threads N]; data defaults to $BLINDFOLD_DATA";

struct Args {
    command: String,
    opts: BTreeMap<String, String>,
}

impl Args {
    fn parse() -> Result<Self, RoleError> {
        let mut it = std::env::args().skip(1);
        let command = it.next().ok_or_else(|| RoleError::Usage(USAGE.into()))?;
        let mut opts = BTreeMap::new();
        while let Some(flag) = it.next() {
            let Some(name) = flag.strip_prefix("--") else {
                return Err(RoleError::Usage(format!(
                    "unexpected argument {flag:?}\n{USAGE}"
                )));
            };
            let value = it
                .next()
                .ok_or_else(|| RoleError::Usage(format!("--{name} needs a value")))?;
            opts.insert(name.to_string(), value);
        }
        Ok(Self { command, opts })
    }

    fn take(&mut self, name: &str) -> Option<String> {
        self.opts.remove(name)
    }

    fn required(&mut self, name: &str) -> Result<String, RoleError> {
        self.take(name)
            .ok_or_else(|| RoleError::Usage(format!("{} needs --{name}\n{USAGE}", self.command)))
    }

    fn path(&mut self, name: &str) -> Result<PathBuf, RoleError> {
        self.required(name).map(PathBuf::from)
    }

    fn number<T: core::str::FromStr>(&mut self, name: &str, default: T) -> Result<T, RoleError> {
        match self.take(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| RoleError::Usage(format!("--{name}: {v:?} is not a valid number"))),
        }
    }

    fn data(&mut self) -> Result<DataDir, RoleError> {
        let explicit = self.take("data").map(PathBuf::from);
        Ok(DataDir::resolve(explicit.as_deref())?)
    }

    fn finish(&self) -> Result<(), RoleError> {
        match self.opts.keys().next() {
            Some(k) => Err(RoleError::Usage(format!(
                "{} does not take --{k}\n{USAGE}",
                self.command
            ))),
            None => Ok(()),
        }
    }
}

fn is_fcnet(task: &str) -> bool {
    matches!(task, "fcnet" | "nandakumar")
}

impl Args {
    fn fc_spec(&mut self) -> Result<FcSpec, RoleError> {
        let d = FcSpec::default();
        let layers = match self.take("layers") {
            None => d.layers,
            Some(v) => v
                .split(',')
                .map(|w| w.parse::<usize>())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    RoleError::Usage(format!("--layers: {v:?} is not a list of widths"))
                })?,
        };
        Ok(FcSpec {
            layers,
            batch: self.number("batch", d.batch)?,
            degree: self.number("degree", d.degree)?,
            sigmoid_r: self.number("sigmoid-r", d.sigmoid_r)?,
            linear_output: match self.take("output").as_deref() {
                None => d.linear_output,
                Some("linear") => true,
                Some("sigmoid") => false,
                Some(v) => {
                    return Err(RoleError::Usage(format!(
                        "--output {v:?}: linear or sigmoid"
                    )));
                }
            },
            learning_rate: self.number("lr", d.learning_rate)?,
            init_scale: self.number("init", d.init_scale)?,
            seed: self.number("seed", d.seed)?,
        })
    }
}

fn joined(v: &[f64]) -> String {
    v.iter()
        .map(|a| format!("{a:.6}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Peak resident set size of this process in MiB (Linux; 0 elsewhere).
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn file_size(p: &std::path::Path) -> u64 {
    std::fs::metadata(p).map_or(0, |m| m.len())
}

fn run() -> Result<Vec<(String, String)>, RoleError> {
    let mut a = Args::parse()?;
    let threads: usize = a.number("threads", 0)?;
    if threads > 0 {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global()
            .map_err(|e| RoleError::Usage(format!("--threads: {e}")))?;
    }
    let mut rng = blindfold_rns::sample::os_rng();
    let start = Instant::now();
    let mut out: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| out.push((k.to_string(), v));
    match a.command.as_str() {
        "keygen" => {
            let keys = KeyDir(a.path("keys")?);
            let preset = a.take("preset").unwrap_or_else(|| "n16-auto".into());
            let task_name = a.take("task").unwrap_or_else(|| "regnet".into());
            let r = if is_fcnet(&task_name) {
                let spec = a.fc_spec()?;
                let steps = a.number("iterations", 1usize)?;
                a.finish()?;
                fc::keygen(&keys, &preset, &spec, steps, &mut rng)?
            } else {
                let task = Task::parse(&task_name)?;
                let samples = a.number("samples", 128usize)?;
                let iterations = a.number("iterations", 2usize)?;
                a.finish()?;
                roles::keygen(&keys, &preset, task, samples, iterations, &mut rng)?
            };
            put("preset", r.preset.clone());
            put("galois_keys", r.galois_elements.to_string());
            put("levels", r.levels.to_string());
            put("iterations_possible", r.iterations_possible.to_string());
            put("public_key_bytes", file_size(&keys.public()).to_string());
            put(
                "evaluation_key_bytes",
                file_size(&keys.evaluation()).to_string(),
            );
            put("secret_key_bytes", file_size(&keys.secret()).to_string());
        }
        "encrypt" => {
            let keys = KeyDir(a.path("keys")?);
            let out_path = a.path("out")?;
            let data = a.data()?;
            a.finish()?;
            let bytes = if is_fcnet(&roles::task_of(&keys)?) {
                fc::encrypt(&keys, &data, &out_path, &mut rng)?
            } else {
                roles::encrypt(&keys, &data, &out_path, &mut rng)?
            };
            put("dataset_bytes", bytes.to_string());
        }
        "train" => {
            let keys = KeyDir(a.path("keys")?);
            let dataset = a.path("dataset")?;
            let out_path = a.path("out")?;
            let fcnet = is_fcnet(&roles::task_of(&keys)?);
            let iterations = a.number("iterations", if fcnet { 1 } else { 2usize })?;
            a.finish()?;
            let progress = |i, secs: f64| {
                eprintln!("  iteration {i}/{iterations}: {secs:.1} s");
            };
            let r = if fcnet {
                fc::train(&keys, &dataset, iterations, &out_path, progress)?
            } else {
                roles::train(&keys, &dataset, iterations, &out_path, progress)?
            };
            put("setup_seconds", format!("{:.3}", r.setup_seconds));
            put(
                "iteration_seconds",
                r.iteration_seconds
                    .iter()
                    .map(|s| format!("{s:.3}"))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            put("levels_left", r.levels_left.to_string());
            put("refreshes", r.refreshes.to_string());
            put("model_bytes", file_size(&out_path).to_string());
        }
        "decrypt" => {
            let keys = KeyDir(a.path("keys")?);
            let model = a.path("model")?;
            let out_path = a.path("out")?;
            let policy = FloodingPolicy {
                statistical_security: a.number("stat-sec", 30u32)?,
                queries: a.number("queries", 1u64)?,
                min_precision_bits: a.number("min-bits", 3.0f64)?,
                ..FloodingPolicy::default()
            };
            let private = a.take("private").is_some_and(|v| v == "yes");
            a.finish()?;
            let policy = (!private).then_some(policy);
            let (count, bits) = if is_fcnet(&roles::task_of(&keys)?) {
                let (nets, bits) = fc::decrypt(&keys, &model, &out_path, policy, &mut rng)?;
                (nets.len(), bits)
            } else {
                let (models, bits) = roles::decrypt(&keys, &model, &out_path, policy, &mut rng)?;
                (models.len(), bits)
            };
            put("flooded", (!private).to_string());
            put("iterations", count.to_string());
            if !private {
                put("release_precision_bits", format!("{bits:.1}"));
            }
        }
        "evaluate" => {
            let weights = a.path("weights")?;
            let against = a.take("against").map(std::path::PathBuf::from);
            let data = a.data()?;
            a.finish()?;
            let c = Container::read(&weights, FileKind::Weights)?;
            let acc = if is_fcnet(c.get("task")?) {
                let (spec, nets) = fc::weights_from_container(&c)?;
                if let Some(path) = against {
                    // Per step, the largest weight difference from another run's networks.
                    let other = Container::read(&path, FileKind::Weights)?;
                    let (other_spec, other_nets) = fc::weights_from_container(&other)?;
                    if other_spec != spec {
                        return Err(RoleError::Mismatch(
                            "--against: weights of another network".into(),
                        ));
                    }
                    let gaps = fc::weight_gaps(&nets, &other_nets)?;
                    let sci = |f: fn(&(f64, f64)) -> f64| {
                        gaps.iter()
                            .map(|g| format!("{:.3e}", f(g)))
                            .collect::<Vec<_>>()
                            .join(",")
                    };
                    put("weight_gap", sci(|g| g.0));
                    put("weight_scale", sci(|g| g.1));
                }
                nets.iter()
                    .map(|m| fc::evaluate(&spec, m, &data))
                    .collect::<Result<Vec<_>, _>>()?
            } else {
                let (task, samples, models) = roles::weights_from_container(&c)?;
                models
                    .iter()
                    .map(|w| roles::evaluate(task, samples, w, &data))
                    .collect::<Result<Vec<_>, _>>()?
            };
            put("accuracy", joined(&acc));
        }
        "mirror" if a.opts.get("task").is_some_and(|t| is_fcnet(t)) => {
            a.take("task");
            let spec = a.fc_spec()?;
            let steps = a.number("iterations", 1usize)?;
            let epochs = a.number("epochs", 0usize)?;
            let out_path = a.take("out").map(std::path::PathBuf::from);
            let data = a.data()?;
            a.finish()?;
            let run = fc::mirror(&spec, steps, epochs, &data, |e, acc, secs| {
                eprintln!(
                    "  epoch {e}/{epochs}: test {:.2}% ({secs:.1} s)",
                    100.0 * acc
                );
            })?;
            let acc = run
                .steps
                .iter()
                .map(|m| fc::evaluate(&spec, m, &data))
                .collect::<Result<Vec<_>, _>>()?;
            put("mirror_accuracy", joined(&acc));
            if let Some(p) = &out_path {
                fc::write_weights(&spec, &run.steps, false, p)?;
            }
            if epochs > 0 {
                put("epoch_accuracy", joined(&run.epoch_accuracy));
            }
            let plan = spec.plan(1 << 15)?;
            let cost = plan.step_cost();
            put("slots", (1usize << 15).to_string());
            put("rotations_per_iteration", cost.rotations.to_string());
            put("ct_mul_per_iteration", cost.ct_mul.to_string());
            put("pt_mul_per_iteration", cost.pt_mul.to_string());
            put("depth_per_iteration", cost.depth.to_string());
            put(
                "levels_needed",
                plan.levels_needed(steps).unwrap_or(0).to_string(),
            );
        }
        "mirror" => {
            let task = Task::parse(&a.take("task").unwrap_or_else(|| "regnet".into()))?;
            let samples = a.number("samples", 128usize)?;
            let iterations = a.number("iterations", 2usize)?;
            let data = a.data()?;
            a.finish()?;
            let (x, labels) = roles::training_rows(task, &data, samples)?;
            let (test_x, test_labels) = roles::evaluation_rows(task, &data, samples)?;
            let plan = roles::plan(task, samples, 1 << 15)?;
            let mirror = train_clear(&plan, &x, &labels, iterations)
                .map_err(|e| RoleError::Train(e.to_string()))?;
            let mirror_acc = mirror
                .iter()
                .map(|w| roles::evaluate(task, samples, w, &data).map(|a| format!("{a:.6}")))
                .collect::<Result<Vec<_>, _>>()?;
            let float = train_mlr(
                &x,
                &labels,
                &test_x,
                &test_labels,
                10,
                &MlrConfig {
                    iterations,
                    activation: blindfold_train::reference::Activation::Sigmoid,
                    ..MlrConfig::chiang_paper()
                },
            )
            .map_err(|e| RoleError::Train(e.to_string()))?;
            let float_acc: Vec<String> = float
                .history
                .iter()
                .map(|h| format!("{:.6}", h.test_accuracy))
                .collect();
            let clear = blindfold_rlwe::Clear::real(plan.layout().slots(), 0);
            put("slots", clear.slots().to_string());
            put("mirror_accuracy", mirror_acc.join(","));
            put("float_accuracy", float_acc.join(","));
            let per_iter = plan.iteration_cost(1);
            put("rotations_per_iteration", per_iter.rotations.to_string());
            put("ct_mul_per_iteration", per_iter.ct_mul.to_string());
            put("pt_mul_per_iteration", per_iter.pt_mul.to_string());
            put("levels_needed", plan.levels_needed(iterations).to_string());
            let run = plan.run_cost(iterations);
            put("rotations_total", run.rotations.to_string());
            put("ct_mul_total", run.ct_mul.to_string());
        }
        _ => return Err(RoleError::Usage(USAGE.into())),
    }
    out.push((
        "seconds".into(),
        format!("{:.3}", start.elapsed().as_secs_f64()),
    ));
    out.push(("peak_rss_mib".into(), format!("{:.1}", peak_rss_mib())));
    Ok(out)
}

fn main() -> ExitCode {
    match run() {
        Ok(fields) => {
            let line: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
            println!("result: {}", line.join(" "));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("blindfold: {e}");
            ExitCode::from(2)
        }
    }
}
