//! SHA-256 of files, and the expected name, size and digest of a file to fetch.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::error::DataError;

/// A file we know the exact contents of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedFile {
    /// File name (also the last URL segment when downloading).
    pub name: String,
    /// Length in bytes.
    pub size: u64,
    /// SHA-256 digest.
    pub sha256: [u8; 32],
}

/// Parses 64 hex digits; meant for constants, where a bad literal stops compilation.
pub(crate) const fn parse_hex32(s: &str) -> [u8; 32] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => panic!("not a hex digit"),
        }
    }
    let b = s.as_bytes();
    assert!(b.len() == 64, "a SHA-256 digest has 64 hex digits");
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = (nibble(b[2 * i]) << 4) | nibble(b[2 * i + 1]);
        i += 1;
    }
    out
}

/// SHA-256 of a file, streamed.
pub fn sha256_file(path: &Path) -> Result<[u8; 32], DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// Checks a file's size and SHA-256 against `expected`.
pub fn verify_file(path: &Path, expected: &ExpectedFile) -> Result<(), DataError> {
    let size = std::fs::metadata(path)
        .map_err(|source| DataError::Io {
            path: path.to_path_buf(),
            source,
        })?
        .len();
    if size != expected.size {
        return Err(DataError::SizeMismatch {
            path: path.to_path_buf(),
            expected: expected.size,
            actual: size,
        });
    }
    let actual = sha256_file(path)?;
    if actual != expected.sha256 {
        return Err(DataError::ChecksumMismatch {
            path: path.to_path_buf(),
            expected: expected.sha256,
            actual,
        });
    }
    Ok(())
}
