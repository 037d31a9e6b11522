//! `cargo xtask bench <area>`: runs one criterion bench of `blindfold-benches` and summarises
//! the medians it wrote as a Markdown table, with `blindfold / <peer>` ratios.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};

use crate::openfhe;
use crate::util::{self, Args, Result};

/// The function id of our implementation; every other id in a group is a peer.
const OURS: &str = "blindfold";

pub const USAGE: &str = "\
cargo xtask bench <area> [--threads N] [-- <criterion args>]
    Runs `cargo bench -p blindfold-benches --bench <area>`, then prints the median of each
    benchmark this run wrote and the ratio blindfold / <peer> (below 1: blindfold is faster).
    The table also goes to <target>/bench/<area>.md and .json.
    --threads N   RAYON_NUM_THREADS=N, and the run pinned to N CPUs with taskset
    When xtask/openfhe/<area>.py exists, OpenFHE's figures for the same groups are measured
    right after ours (same thread count and pinning) through its Python package, installed
    on first use into <target>/openfhe-venv, and shown as the `openfhe` column.
    --peer-threads M  run OpenFHE on M threads instead (e.g. ours on 2 vs theirs on 1)
    --no-openfhe  skip them";

pub fn run(args: Vec<String>) -> Result {
    let mut args = Args::new(args);
    let threads = args.count("--threads")?;
    let peer_threads = args.count("--peer-threads")?.or(threads);
    let no_openfhe = args.flag("--no-openfhe");
    let (pos, criterion_args) = args.positionals()?;
    let [area] = pos.as_slice() else {
        return Err(format!("expected one bench area, got {pos:?}\n{USAGE}").into());
    };

    let bench = |cmd: &mut Command| {
        cmd.args(["bench", "-p", "blindfold-benches", "--bench", area]);
    };
    let mut cmd = util::cargo();
    bench(&mut cmd);
    cmd.arg("--").args(&criterion_args);
    let mut pinned = None;
    if let Some(n) = threads {
        // Build unpinned first, so that only the measurement runs on N CPUs.
        let mut build = util::cargo();
        bench(&mut build);
        util::run(build.arg("--no-run"))?;
        cmd.env("RAYON_NUM_THREADS", n.to_string());
        (cmd, pinned) = pin(cmd, n)?;
    }

    // Criterion rewrites new/estimates.json for every benchmark it runs; older files belong to
    // other runs. The slack absorbs coarse file-system timestamps.
    let start = SystemTime::now() - Duration::from_secs(1);
    util::run(&mut cmd)?;

    let target = util::target_dir()?;
    let criterion = match std::env::var_os("CRITERION_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => target.join("criterion"),
    };
    let mut found = collect(&criterion, start)?;
    let peer_note = if no_openfhe {
        None
    } else {
        add_openfhe(area, &target, peer_threads, &mut found)
    };
    let table = Table::new(found);
    if table.rows.is_empty() {
        return Err(format!(
            "this run wrote no criterion results under {}",
            criterion.display()
        )
        .into());
    }

    let mut invocation = format!("cargo xtask bench {area}");
    if let Some(n) = threads {
        let _ = write!(invocation, " --threads {n}");
    }
    if peer_threads != threads
        && let Some(m) = peer_threads
    {
        let _ = write!(invocation, " --peer-threads {m}");
    }
    if !criterion_args.is_empty() {
        let _ = write!(invocation, " -- {}", criterion_args.join(" "));
    }
    let mut md = format!("## `{invocation}`\n\n");
    let threads_note = match (threads, pinned) {
        (None, _) => "default threads".to_owned(),
        (Some(n), None) => format!("RAYON_NUM_THREADS={n}"),
        (Some(n), Some(cpus)) => format!("RAYON_NUM_THREADS={n} pinned to CPUs {cpus}"),
    };
    let _ = writeln!(md, "{}, {threads_note}, {}.", cpu_model(), commit());
    if let Some(note) = peer_note {
        let _ = writeln!(md, "{note}");
    }
    md.push_str("Criterion medians; ratio below 1 means blindfold is faster.\n\n");
    md.push_str(&table.markdown());
    print!("\n{md}");

    let out = target.join("bench");
    fs::create_dir_all(&out)?;
    fs::write(out.join(format!("{area}.md")), &md)?;
    let json = serde_json::to_string_pretty(&table.json())?;
    fs::write(out.join(format!("{area}.json")), json + "\n")?;
    eprintln!("wrote {}/{area}.md and .json", out.display());
    Ok(())
}

/// Runs `xtask/openfhe/<area>.py` when it exists and adds its figures, as the `openfhe`
/// function, to the groups this run measured. Returns a line for the report; a failure
/// (no Python 3.10, no network for the wheel) is reported there, not raised.
fn add_openfhe(
    area: &str,
    target: &Path,
    threads: Option<usize>,
    found: &mut Vec<Measurement>,
) -> Option<String> {
    let script = util::repo_root()
        .join("xtask")
        .join("openfhe")
        .join(format!("{area}.py"));
    if !script.is_file() {
        return None;
    }
    // Same thread count as ours: rayon uses every CPU unless --threads says otherwise.
    let omp =
        threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let figures = (|| -> Result<Vec<(String, f64)>> {
        let mut cmd = openfhe::command(target, &script, &[])?;
        cmd.env("OMP_NUM_THREADS", omp.to_string());
        if let Some(n) = threads {
            cmd = pin(cmd, n)?.0;
        }
        eprintln!(
            "measuring OpenFHE for the same groups: {}",
            util::describe(&cmd)
        );
        openfhe::run(cmd)
    })();
    match figures {
        Ok(figures) => {
            let ours: BTreeSet<String> = found.iter().map(|m| m.group.clone()).collect();
            found.extend(
                figures
                    .into_iter()
                    .filter(|(name, _)| ours.contains(name))
                    .map(|(group, ms)| Measurement {
                        group,
                        function: "openfhe".to_owned(),
                        value: None,
                        median_ns: ms * 1e6,
                        median_ci_ns: (ms * 1e6, ms * 1e6),
                    }),
            );
            Some(format!(
                "`openfhe`: OpenFHE ({}, Python) measured right after ours, OMP_NUM_THREADS={omp}; see {} for its set-up.",
                openfhe::WHEEL,
                script
                    .strip_prefix(util::repo_root())
                    .unwrap_or(&script)
                    .display()
            ))
        }
        Err(e) => {
            eprintln!("note: OpenFHE figures unavailable: {e}");
            Some(format!("OpenFHE figures unavailable: {e}."))
        }
    }
}

/// Wraps `cmd` in `taskset -c <first n allowed CPUs>` when taskset and the CPU list exist.
fn pin(cmd: Command, n: usize) -> Result<(Command, Option<String>)> {
    let allowed = fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
                .map(|l| parse_cpu_list(l.trim()))
        })
        .flatten();
    let has_taskset = Command::new("taskset")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let (Some(allowed), true) = (allowed, has_taskset) else {
        eprintln!("note: taskset or the CPU list is unavailable; only RAYON_NUM_THREADS is set");
        return Ok((cmd, None));
    };
    if n > allowed.len() {
        return Err(format!("--threads {n}: only {} CPUs are available", allowed.len()).into());
    }
    let cpus = allowed[..n]
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut wrapped = Command::new("taskset");
    wrapped
        .arg("-c")
        .arg(&cpus)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    Ok((wrapped, Some(cpus)))
}

/// Parses a kernel CPU list such as `0-3,8,10-11`.
fn parse_cpu_list(list: &str) -> Option<Vec<usize>> {
    let mut cpus = Vec::new();
    for part in list.split(',') {
        match part.split_once('-') {
            Some((lo, hi)) => cpus.extend(lo.parse::<usize>().ok()?..=hi.parse().ok()?),
            None => cpus.push(part.parse().ok()?),
        }
    }
    Some(cpus)
}

fn cpu_model() -> String {
    fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

fn commit() -> String {
    let git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        cmd.current_dir(util::repo_root()).args(args);
        util::output(&mut cmd).ok()
    };
    match git(&["rev-parse", "--short", "HEAD"]) {
        Some(hash) => {
            let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.trim().is_empty());
            let suffix = if dirty {
                " with uncommitted changes"
            } else {
                ""
            };
            format!("commit {}{suffix}", hash.trim())
        }
        None => "unknown commit".to_owned(),
    }
}

/// One benchmark as criterion recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct Measurement {
    pub group: String,
    pub function: String,
    /// The parameter of `BenchmarkId::new(function, value)`, if any.
    pub value: Option<String>,
    pub median_ns: f64,
    /// 95% confidence interval of the median.
    pub median_ci_ns: (f64, f64),
}

/// Every `new/` result under `dir` whose estimates were written at or after `since`.
pub fn collect(dir: &Path, since: SystemTime) -> Result<Vec<Measurement>> {
    let mut found = Vec::new();
    if dir.is_dir() {
        walk(dir, since, &mut found)?;
    }
    Ok(found)
}

fn walk(dir: &Path, since: SystemTime, found: &mut Vec<Measurement>) -> Result {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let estimates = path.join("estimates.json");
        if path.file_name().is_some_and(|n| n == "new") && estimates.is_file() {
            if fs::metadata(&estimates)?.modified()? >= since {
                found.push(read_measurement(&path)?);
            }
        } else {
            walk(&path, since, found)?;
        }
    }
    Ok(())
}

fn read_measurement(new_dir: &Path) -> Result<Measurement> {
    let read = |name: &str| -> Result<Value> {
        let path = new_dir.join(name);
        let text = fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()).into())
    };
    let (bench, est) = (read("benchmark.json")?, read("estimates.json")?);
    let bad = |what: &str| format!("{}: no {what}", new_dir.display());
    let text = |v: &Value, what: &str| v.as_str().map(str::to_owned).ok_or_else(|| bad(what));
    let num = |v: &Value, what: &str| v.as_f64().ok_or_else(|| bad(what));
    let median = &est["median"];
    Ok(Measurement {
        group: text(&bench["group_id"], "group_id")?,
        // `c.bench_function` outside a group records no function id.
        function: text(&bench["function_id"], "function_id")
            .unwrap_or_else(|_| String::from("median")),
        value: bench["value_str"].as_str().map(str::to_owned),
        median_ns: num(&median["point_estimate"], "median")?,
        median_ci_ns: (
            num(
                &median["confidence_interval"]["lower_bound"],
                "median lower bound",
            )?,
            num(
                &median["confidence_interval"]["upper_bound"],
                "median upper bound",
            )?,
        ),
    })
}

/// Medians by row (group, plus the parameter when there is one) and function.
#[derive(Debug)]
pub struct Table {
    /// `blindfold` first, then the peers by name.
    functions: Vec<String>,
    rows: Vec<(String, BTreeMap<String, Measurement>)>,
}

impl Table {
    pub fn new(measurements: Vec<Measurement>) -> Self {
        let mut rows: BTreeMap<String, BTreeMap<String, Measurement>> = BTreeMap::new();
        let mut functions = BTreeSet::new();
        for m in measurements {
            let label = match &m.value {
                Some(v) => format!("{}/{v}", m.group),
                None => m.group.clone(),
            };
            functions.insert(m.function.clone());
            rows.entry(label).or_default().insert(m.function.clone(), m);
        }
        let mut functions: Vec<String> = functions.into_iter().collect();
        functions.sort_by_key(|f| f != OURS);
        let mut rows: Vec<_> = rows.into_iter().collect();
        rows.sort_by(|a, b| natural_cmp(&a.0, &b.0));
        Self { functions, rows }
    }

    fn peers(&self) -> impl Iterator<Item = &String> {
        self.functions.iter().filter(|f| *f != OURS)
    }

    fn has_ours(&self) -> bool {
        self.functions.first().is_some_and(|f| f == OURS)
    }

    fn ratio(cells: &BTreeMap<String, Measurement>, peer: &str) -> Option<f64> {
        Some(cells.get(OURS)?.median_ns / cells.get(peer)?.median_ns)
    }

    pub fn markdown(&self) -> String {
        let ratios: Vec<&String> = if self.has_ours() {
            self.peers().collect()
        } else {
            Vec::new()
        };
        let mut out = String::from("| group |");
        for f in &self.functions {
            let _ = write!(out, " {f} |");
        }
        for p in &ratios {
            let _ = write!(out, " {OURS} / {p} |");
        }
        out.push_str("\n|---|");
        out.push_str(&"---:|".repeat(self.functions.len() + ratios.len()));
        out.push('\n');
        for (label, cells) in &self.rows {
            let _ = write!(out, "| {label} |");
            for f in &self.functions {
                let cell = cells
                    .get(f)
                    .map_or("—".to_owned(), |m| format_ns(m.median_ns));
                let _ = write!(out, " {cell} |");
            }
            for p in &ratios {
                let cell = Self::ratio(cells, p).map_or("—".to_owned(), |r| format!("{r:.2}"));
                let _ = write!(out, " {cell} |");
            }
            out.push('\n');
        }
        out
    }

    pub fn json(&self) -> Value {
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|(label, cells)| {
                let medians: serde_json::Map<String, Value> = cells
                    .iter()
                    .map(|(f, m)| {
                        let v = json!({
                            "median_ns": m.median_ns,
                            "median_ci_ns": [m.median_ci_ns.0, m.median_ci_ns.1],
                        });
                        (f.clone(), v)
                    })
                    .collect();
                let ratios: serde_json::Map<String, Value> = self
                    .peers()
                    .filter_map(|p| Some((format!("{OURS}/{p}"), json!(Self::ratio(cells, p)?))))
                    .collect();
                json!({ "group": label, "medians": medians, "ratios": ratios })
            })
            .collect();
        json!({ "functions": self.functions, "rows": rows })
    }
}

/// Three significant digits in ns, µs, ms or s.
fn format_ns(ns: f64) -> String {
    let (v, unit) = match ns {
        x if x < 1e3 => (x, "ns"),
        x if x < 1e6 => (x / 1e3, "µs"),
        x if x < 1e9 => (x / 1e6, "ms"),
        x => (x / 1e9, "s"),
    };
    let decimals = if v >= 100.0 {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    format!("{v:.decimals$} {unit}")
}

/// Orders `n=2^9` before `n=2^10`: digit runs compare as numbers, the rest as text.
fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (&(da, x), &(db, y)) in ca.iter().zip(&cb) {
        let ord = if da && db {
            let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
            x.len().cmp(&y.len()).then_with(|| x.cmp(y))
        } else {
            x.cmp(y)
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len()).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;

    /// A throwaway directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("xtask-{tag}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&dir);
            fs::create_dir_all(&dir).unwrap();
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    /// Writes one result the way criterion lays it out: `<group>/<function>/new/*.json`.
    fn fake(root: &Path, group: &str, function: &str, median: f64) -> PathBuf {
        let dir = root
            .join(group.replace('/', "_"))
            .join(function)
            .join("new");
        fs::create_dir_all(&dir).unwrap();
        let bench = json!({
            "group_id": group, "function_id": function, "value_str": null, "throughput": null,
            "full_id": format!("{group}/{function}"), "directory_name": "x", "title": "x",
        });
        let est = |v: f64| {
            json!({
                "confidence_interval": {"confidence_level": 0.95, "lower_bound": v * 0.9, "upper_bound": v * 1.1},
                "point_estimate": v, "standard_error": 1.0,
            })
        };
        let estimates = json!({
            "mean": est(median * 1.05), "median": est(median), "median_abs_dev": est(1.0),
            "slope": null, "std_dev": est(2.0),
        });
        fs::write(dir.join("benchmark.json"), bench.to_string()).unwrap();
        fs::write(dir.join("estimates.json"), estimates.to_string()).unwrap();
        dir
    }

    #[test]
    fn table_from_fake_criterion_dir() {
        let tmp = TempDir::new("bench-table");
        let root = &tmp.0;
        let start = SystemTime::now() - Duration::from_secs(60);
        fake(root, "ntt/n=2^10/q=50bit", "blindfold", 2_000.0);
        fake(root, "ntt/n=2^10/q=50bit", "tfhe-ntt", 4_000.0);
        fake(root, "ntt/n=2^10/q=50bit", "blindfold-scalar", 8_000.0);
        fake(root, "ntt/n=2^9/q=50bit", "blindfold", 1_500.0);
        fake(root, "ntt/n=2^9/q=50bit", "tfhe-ntt", 1_000.0);
        // A result from an earlier run: must not appear.
        let old = fake(root, "ntt/n=2^16/q=60bit", "blindfold", 9e6);
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        File::options()
            .write(true)
            .open(old.join("estimates.json"))
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        // Criterion's other snapshots sit beside new/ and must be ignored.
        let base = root.join("ntt_n=2^9_q=50bit/blindfold/base");
        fs::create_dir_all(&base).unwrap();
        fs::copy(old.join("estimates.json"), base.join("estimates.json")).unwrap();

        let table = Table::new(collect(root, start).unwrap());
        assert_eq!(
            table.markdown(),
            "\
| group | blindfold | blindfold-scalar | tfhe-ntt | blindfold / blindfold-scalar | blindfold / tfhe-ntt |
|---|---:|---:|---:|---:|---:|
| ntt/n=2^9/q=50bit | 1.50 µs | — | 1.00 µs | — | 1.50 |
| ntt/n=2^10/q=50bit | 2.00 µs | 8.00 µs | 4.00 µs | 0.25 | 0.50 |
"
        );
        let json = table.json();
        assert_eq!(
            json["functions"],
            json!(["blindfold", "blindfold-scalar", "tfhe-ntt"])
        );
        assert_eq!(json["rows"][1]["group"], "ntt/n=2^10/q=50bit");
        assert_eq!(json["rows"][1]["ratios"]["blindfold/tfhe-ntt"], 0.5);
        assert_eq!(
            json["rows"][1]["medians"]["tfhe-ntt"]["median_ci_ns"],
            json!([3600.0, 4400.0])
        );
        assert_eq!(
            json["rows"][0]["ratios"],
            json!({"blindfold/tfhe-ntt": 1.5})
        );
    }

    #[test]
    fn parameterised_ids_get_their_own_rows_and_no_ours_means_no_ratios() {
        let m = |f: &str, v: Option<&str>, ns: f64| Measurement {
            group: "mul".into(),
            function: f.into(),
            value: v.map(str::to_owned),
            median_ns: ns,
            median_ci_ns: (ns, ns),
        };
        let table = Table::new(vec![
            m("seal", Some("4096"), 2.5e6),
            m("openfhe", Some("4096"), 3e9),
        ]);
        assert_eq!(
            table.markdown(),
            "| group | openfhe | seal |\n|---|---:|---:|\n| mul/4096 | 3.00 s | 2.50 ms |\n"
        );
        assert!(
            collect(Path::new("/nonexistent/criterion"), SystemTime::UNIX_EPOCH)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn malformed_results_name_the_file() {
        let tmp = TempDir::new("bench-bad");
        let dir = fake(&tmp.0, "g", "blindfold", 1.0);
        fs::write(dir.join("estimates.json"), "{\"median\": {}}").unwrap();
        let err = collect(&tmp.0, SystemTime::UNIX_EPOCH)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no median"), "{err}");
    }

    #[test]
    fn formatting_and_ordering() {
        assert_eq!(format_ns(999.0), "999 ns");
        assert_eq!(format_ns(1_234.0), "1.23 µs");
        assert_eq!(format_ns(23_600.0), "23.6 µs");
        assert_eq!(format_ns(236_000.0), "236 µs");
        assert_eq!(format_ns(1_062_000.0), "1.06 ms");
        assert_eq!(format_ns(40.4e9), "40.4 s");
        let mut v = ["n=2^16", "n=2^9", "n=2^10", "a", "n=2^010x"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["a", "n=2^9", "n=2^10", "n=2^010x", "n=2^16"]);
        assert_eq!(parse_cpu_list("0-2,5"), Some(vec![0, 1, 2, 5]));
        assert_eq!(parse_cpu_list("3"), Some(vec![3]));
        assert_eq!(parse_cpu_list("x"), None);
    }
}
