//! Opt-in download of MNIST (feature `download`). Every file is streamed to a temporary file
//! in the destination directory while its SHA-256 is computed, checked against the published
//! size and digest, and only then renamed into place; a mismatch removes the temporary file
//! and leaves any existing target untouched.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::error::DataError;
use super::{DataDir, ExpectedFile, MnistFile, verify_file};

/// How to reach the server.
#[derive(Clone, Debug)]
pub struct DownloadOptions {
    /// Limit for each whole transfer.
    pub timeout: Duration,
    /// Honour `HTTP_PROXY`/`HTTPS_PROXY`/`ALL_PROXY` from the environment.
    pub use_env_proxy: bool,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            use_env_proxy: true,
        }
    }
}

/// What happened to one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub path: PathBuf,
    /// `false` when a verified copy was already there.
    pub downloaded: bool,
}

/// Removes the temporary file unless the download completed.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn join_url(base: &str, name: &str) -> String {
    format!("{}/{name}", base.trim_end_matches('/'))
}

/// Fetches `files` from `<base_url>/<name>` into `dest_dir`, skipping those already present
/// with the right size and SHA-256.
pub fn download_files(
    base_url: &str,
    dest_dir: &Path,
    files: &[ExpectedFile],
    options: &DownloadOptions,
) -> Result<Vec<Fetched>, DataError> {
    std::fs::create_dir_all(dest_dir).map_err(|source| DataError::Io {
        path: dest_dir.to_path_buf(),
        source,
    })?;
    let mut config = ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(true);
    if !options.use_env_proxy {
        config = config.proxy(None);
    }
    let agent: ureq::Agent = config.build().into();
    let mut out = Vec::with_capacity(files.len());
    for file in files {
        let target = dest_dir.join(&file.name);
        if target.is_file() && verify_file(&target, file).is_ok() {
            out.push(Fetched {
                path: target,
                downloaded: false,
            });
            continue;
        }
        fetch_one(&agent, &join_url(base_url, &file.name), &target, file)?;
        out.push(Fetched {
            path: target,
            downloaded: true,
        });
    }
    Ok(out)
}

/// Fetches the four MNIST files into `<data>/mnist/`, verifying the published digests.
pub fn download_mnist(
    base_url: &str,
    data: &DataDir,
    options: &DownloadOptions,
) -> Result<Vec<Fetched>, DataError> {
    let files: Vec<ExpectedFile> = MnistFile::ALL.iter().map(|f| f.expected_gz()).collect();
    download_files(base_url, &data.mnist_dir(), &files, options)
}

fn fetch_one(
    agent: &ureq::Agent,
    url: &str,
    target: &Path,
    expected: &ExpectedFile,
) -> Result<(), DataError> {
    let transfer = |e: ureq::Error| match e {
        ureq::Error::StatusCode(status) => DataError::HttpStatus {
            url: url.to_owned(),
            status,
        },
        other => DataError::Transfer {
            url: url.to_owned(),
            source: Box::new(other),
        },
    };
    let response = agent.get(url).call().map_err(transfer)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let temp_path = dir.join(format!(".{}.partial-{}", expected.name, std::process::id()));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DataError::Io { path, source }
    };
    let _ = std::fs::remove_file(&temp_path);
    let mut temp = TempFile {
        path: temp_path.clone(),
        keep: false,
    };
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&temp_path)
        .map_err(io(&temp_path))?;
    // One byte past the expected size is enough to know the body is too long.
    let mut body = response.into_body().into_reader().take(expected.size + 1);
    let mut hasher = Sha256::new();
    let mut received: u64 = 0;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(DataError::Transfer {
                    url: url.to_owned(),
                    source: Box::new(e),
                });
            }
        };
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n]).map_err(io(&temp_path))?;
        received += n as u64;
    }
    if received != expected.size {
        return Err(DataError::SizeMismatch {
            path: target.to_path_buf(),
            expected: expected.size,
            actual: received,
        });
    }
    let actual: [u8; 32] = hasher.finalize().into();
    if actual != expected.sha256 {
        return Err(DataError::ChecksumMismatch {
            path: target.to_path_buf(),
            expected: expected.sha256,
            actual,
        });
    }
    file.sync_all().map_err(io(&temp_path))?;
    drop(file);
    std::fs::rename(&temp_path, target).map_err(io(target))?;
    temp.keep = true;
    // Make the rename durable where the platform allows syncing a directory.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
