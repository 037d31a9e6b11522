//! Command-line parsing, process running and workspace paths shared by the subcommands.

use std::env;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The arguments of one subcommand. Everything after the first `--` is kept apart, unparsed,
/// for the program the subcommand runs.
#[derive(Debug)]
pub struct Args {
    own: Vec<String>,
    passthrough: Vec<String>,
}

impl Args {
    pub fn new(args: Vec<String>) -> Self {
        let mut own = args;
        let passthrough = match own.iter().position(|a| a == "--") {
            Some(i) => {
                let rest = own.split_off(i);
                rest[1..].to_vec()
            }
            None => Vec::new(),
        };
        Self { own, passthrough }
    }

    /// Removes every `--name` and says whether there was one.
    pub fn flag(&mut self, name: &str) -> bool {
        let before = self.own.len();
        self.own.retain(|a| a != name);
        self.own.len() != before
    }

    /// Removes `--name VALUE` or `--name=VALUE`; the last one wins.
    pub fn value(&mut self, name: &str) -> Result<Option<String>> {
        let mut found = None;
        let prefix = format!("{name}=");
        let mut i = 0;
        while i < self.own.len() {
            if self.own[i] == name {
                if i + 1 >= self.own.len() {
                    return Err(format!("{name} needs a value").into());
                }
                found = Some(self.own.remove(i + 1));
                self.own.remove(i);
            } else if let Some(v) = self.own[i].strip_prefix(&prefix) {
                found = Some(v.to_owned());
                self.own.remove(i);
            } else {
                i += 1;
            }
        }
        Ok(found)
    }

    /// [`value`](Self::value), parsed.
    pub fn parsed<T: FromStr>(&mut self, name: &str) -> Result<Option<T>>
    where
        T::Err: std::fmt::Display,
    {
        match self.value(name)? {
            None => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|e| format!("{name} {v}: {e}").into()),
        }
    }

    /// A positive count such as `--threads 2`.
    pub fn count(&mut self, name: &str) -> Result<Option<usize>> {
        match self.parsed::<usize>(name)? {
            Some(0) => Err(format!("{name} must be at least 1").into()),
            n => Ok(n),
        }
    }

    /// Takes the remaining arguments as positionals; any option left over is an error.
    pub fn positionals(self) -> Result<(Vec<String>, Vec<String>)> {
        if let Some(unknown) = self.own.iter().find(|a| a.starts_with('-')) {
            return Err(format!("unknown option {unknown}").into());
        }
        Ok((self.own, self.passthrough))
    }

    /// Everything not yet taken, unchecked, with `--` before the passthrough part if any: for
    /// subcommands that hand unknown options to the program they run.
    pub fn into_rest(self) -> Vec<String> {
        let mut rest = self.own;
        if !self.passthrough.is_empty() {
            rest.push("--".to_owned());
            rest.extend(self.passthrough);
        }
        rest
    }

    /// Like [`positionals`](Self::positionals) when the subcommand takes none.
    pub fn finish(self) -> Result<Vec<String>> {
        let (pos, passthrough) = self.positionals()?;
        if let Some(extra) = pos.first() {
            return Err(format!("unexpected argument {extra}").into());
        }
        Ok(passthrough)
    }
}

/// The workspace root (the parent of `xtask/`).
pub fn repo_root() -> PathBuf {
    // `cargo run` sets the variable at run time too; prefer that, since cargo does not rebuild
    // the binary when only the checkout's path changed.
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .expect("xtask/ sits inside the workspace")
        .to_path_buf()
}

/// `cargo` (the one that runs xtask), working in the workspace root.
pub fn cargo() -> Command {
    let mut cmd = Command::new(env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")));
    cmd.current_dir(repo_root());
    cmd
}

/// The command as a shell line, with the variables it sets in front.
pub fn describe(cmd: &Command) -> String {
    let mut line = String::new();
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            let _ = write!(line, "{}={} ", k.to_string_lossy(), v.to_string_lossy());
        }
    }
    let program = Path::new(cmd.get_program());
    let name = program.file_name().unwrap_or(program.as_os_str());
    line.push_str(&name.to_string_lossy());
    for a in cmd.get_args() {
        line.push(' ');
        line.push_str(&a.to_string_lossy());
    }
    line
}

/// Runs `cmd` with inherited stdio; a non-zero exit is an error naming the command.
pub fn run(cmd: &mut Command) -> Result {
    let line = describe(cmd);
    eprintln!("$ {line}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start `{line}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{line}` failed ({status})").into())
    }
}

/// Runs `cmd` and returns its stdout; a non-zero exit is an error carrying its stderr.
pub fn output(cmd: &mut Command) -> Result<String> {
    let line = describe(cmd);
    let out = cmd
        .output()
        .map_err(|e| format!("cannot start `{line}`: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("`{line}` failed ({}): {}", out.status, err.trim()).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// `cargo metadata --no-deps` for the workspace.
pub fn metadata() -> Result<serde_json::Value> {
    let json = output(cargo().args(["metadata", "--no-deps", "--format-version", "1"]))?;
    Ok(serde_json::from_str(&json)?)
}

/// The target directory cargo uses here (honours `CARGO_TARGET_DIR` and cargo config).
pub fn target_dir() -> Result<PathBuf> {
    metadata()?["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .ok_or_else(|| "cargo metadata has no target_directory".into())
}

/// The data directory: `--data` if given, else `BLINDFOLD_DATA`, else `../shared/data` next to
/// the checkout when it exists.
pub fn data_dir(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| env::var_os("BLINDFOLD_DATA").map(PathBuf::from))
        .or_else(|| {
            let shared = repo_root().join("../shared/data");
            shared
                .is_dir()
                .then(|| shared.canonicalize().unwrap_or(shared))
        })
}

/// Sets `BLINDFOLD_DATA` on `cmd` when the caller's environment leaves it unset and the
/// default data directory exists.
pub fn with_default_data(cmd: &mut Command) -> &mut Command {
    if env::var_os("BLINDFOLD_DATA").is_none()
        && let Some(dir) = data_dir(None)
    {
        cmd.env("BLINDFOLD_DATA", dir);
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Args {
        Args::new(s.split_whitespace().map(str::to_owned).collect())
    }

    #[test]
    fn options_positionals_and_passthrough() {
        let mut a = args("ntt --threads 2 --quick --seconds=7 x -- --save-baseline b --threads 9");
        assert!(a.flag("--quick"));
        assert!(!a.flag("--quick"));
        assert_eq!(a.count("--threads").unwrap(), Some(2));
        assert_eq!(a.parsed::<u64>("--seconds").unwrap(), Some(7));
        assert_eq!(a.value("--absent").unwrap(), None);
        let (pos, pass) = a.positionals().unwrap();
        assert_eq!(pos, ["ntt", "x"]);
        assert_eq!(pass, ["--save-baseline", "b", "--threads", "9"]);
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(args("--threads").value("--threads").is_err());
        assert!(args("--threads 0").count("--threads").is_err());
        assert!(args("--threads two").count("--threads").is_err());
        assert!(args("--bogus").finish().is_err());
        assert!(args("stray").finish().is_err());
        assert_eq!(args("-- a").finish().unwrap(), ["a"]);
        assert_eq!(
            args("-p x -- --nocapture").into_rest(),
            ["-p", "x", "--", "--nocapture"]
        );
        assert_eq!(args("-p x").into_rest(), ["-p", "x"]);
    }

    #[test]
    fn last_value_wins() {
        let mut a = args("--cases 5 --cases=9");
        assert_eq!(a.parsed::<u32>("--cases").unwrap(), Some(9));
        assert!(a.finish().unwrap().is_empty());
    }

    #[test]
    fn describe_shows_env_and_args() {
        let mut cmd = Command::new("/usr/bin/cargo");
        cmd.env("PROPTEST_CASES", "2000")
            .args(["test", "--workspace"]);
        assert_eq!(describe(&cmd), "PROPTEST_CASES=2000 cargo test --workspace");
    }
}
