//! OpenFHE through its Python package, for peer figures measured in the same run as ours.
//!
//! The wheel `openfhe==1.6.1.0.22.4` holds an extension module built for CPython 3.10 only,
//! so a virtual environment is made from a CPython 3.10 under `<target>/openfhe-venv` the
//! first time a script is asked for (never otherwise). Scripts print one figure per line,
//! `<name> <milliseconds>`; other lines are passed through to stderr as notes.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{self, Result};

/// The OpenFHE release we compare with.
pub const WHEEL: &str = "openfhe==1.6.1.0.22.4";

/// `python` of the venv, made (and OpenFHE installed) if needed.
pub fn python(target_dir: &Path) -> Result<PathBuf> {
    let venv = target_dir.join("openfhe-venv");
    let python = venv.join("bin").join("python");
    if python.is_file() && imports_openfhe(&python) {
        return Ok(python);
    }
    let base = python310().ok_or(
        "no CPython 3.10 found (the OpenFHE wheel needs 3.10): set BLINDFOLD_PYTHON310 or \
         install it under $PYENV_ROOT/versions/3.10.*",
    )?;
    eprintln!(
        "making {} from {} and installing {WHEEL}",
        venv.display(),
        base.display()
    );
    util::output(
        Command::new(&base)
            .args(["-m", "venv", "--clear"])
            .arg(&venv),
    )
    .map_err(|e| format!("cannot create the venv: {e}"))?;
    util::output(
        Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", WHEEL])
            .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"),
    )
    .map_err(|e| format!("cannot install {WHEEL} (no network to PyPI?): {e}"))?;
    if !imports_openfhe(&python) {
        return Err(format!("{WHEEL} installed but `import openfhe` fails").into());
    }
    Ok(python)
}

fn imports_openfhe(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import openfhe"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `BLINDFOLD_PYTHON310`, else the newest `$PYENV_ROOT/versions/3.10.*` (default
/// `~/.pyenv`), else `python3.10` on the PATH; each checked to really be 3.10.
fn python310() -> Option<PathBuf> {
    let is_310 = |p: &Path| {
        Command::new(p)
            .args(["-c", "import sys; assert sys.version_info[:2] == (3, 10)"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let mut candidates: Vec<PathBuf> = Vec::new();
    if let Some(p) = env::var_os("BLINDFOLD_PYTHON310") {
        candidates.push(PathBuf::from(p));
    }
    let pyenv = env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    if let Some(versions) = pyenv.map(|r| r.join("versions"))
        && let Ok(entries) = std::fs::read_dir(versions)
    {
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("3.10."))
            })
            .collect();
        // Newest patch release first.
        let patch = |p: &PathBuf| -> u32 {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.rsplit('.').next())
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        found.sort_by_key(|p| std::cmp::Reverse(patch(p)));
        candidates.extend(found.into_iter().map(|p| p.join("bin").join("python3")));
    }
    candidates.push(PathBuf::from("python3.10"));
    candidates.into_iter().find(|p| is_310(p))
}

/// The command running `script` with `args` in the OpenFHE venv (made if needed), with
/// `OMP_NUM_THREADS=1` unless the caller sets it again.
pub fn command(target_dir: &Path, script: &Path, args: &[String]) -> Result<Command> {
    let mut cmd = Command::new(python(target_dir)?);
    cmd.arg(script).args(args).env("OMP_NUM_THREADS", "1");
    Ok(cmd)
}

/// Runs a figure script (see [`command`]); returns its `(name, milliseconds)` lines in order.
pub fn run(mut cmd: Command) -> Result<Vec<(String, f64)>> {
    let out = util::output(&mut cmd)?;
    let (figures, notes) = parse(&out);
    for note in notes {
        eprintln!("{note}");
    }
    if figures.is_empty() {
        return Err(format!("`{}` printed no figures", util::describe(&cmd)).into());
    }
    Ok(figures)
}

/// [`command`] then [`run`], for callers that need no pinning.
#[allow(
    dead_code,
    reason = "API for figure scripts beyond `bench` (e.g. CKKS)"
)]
pub fn run_script(target_dir: &Path, script: &Path, args: &[String]) -> Result<Vec<(String, f64)>> {
    run(command(target_dir, script, args)?)
}

/// Splits a script's output into `name value` figures and the other (note) lines.
pub fn parse(output: &str) -> (Vec<(String, f64)>, Vec<&str>) {
    let mut figures = Vec::new();
    let mut notes = Vec::new();
    for line in output.lines() {
        let mut words = line.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some(name), Some(value), None) if !name.starts_with('#') => {
                match value.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => figures.push((name.to_owned(), v)),
                    _ => notes.push(line),
                }
            }
            (None, _, _) => {}
            _ => notes.push(line),
        }
    }
    (figures, notes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_figures_and_keeps_notes() {
        let out = "# OpenFHE set-up\nbgv/n=2^15/mul-relin 93.25\n\nbgv/x 1e2\nbad line here\nname NaN\nneg -1\n";
        let (figures, notes) = parse(out);
        assert_eq!(
            figures,
            vec![
                ("bgv/n=2^15/mul-relin".to_owned(), 93.25),
                ("bgv/x".to_owned(), 100.0)
            ]
        );
        assert_eq!(
            notes,
            ["# OpenFHE set-up", "bad line here", "name NaN", "neg -1"]
        );
    }
}
