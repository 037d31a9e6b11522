//! The versioned files the three roles exchange (keys, encrypted datasets, encrypted models,
//! released weights): a small container around `blindfold-rlwe`'s wire encodings.
//!
//! Layout: magic `BFCNTNR1`, format version (u16 LE), kind (u8), then a metadata block
//! (`key=value` lines, UTF-8) and named binary sections. Lengths are checked against the
//! bytes present before anything is allocated; unknown kinds, newer versions, malformed
//! metadata and trailing bytes are refused with a [`FileError`].

use core::fmt;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

/// Magic bytes of every container.
pub const MAGIC: [u8; 8] = *b"BFCNTNR1";
/// Current container version.
pub const VERSION: u16 = 1;
const MAX_SECTIONS: usize = 1 << 16;
const MAX_NAME: usize = 256;

/// What a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FileKind {
    /// Public parameters.
    Parameters = 1,
    /// The data owner's secret key (never leaves the owner).
    SecretKey = 2,
    /// Public key.
    PublicKey = 3,
    /// Relinearization and Galois keys for the server.
    EvaluationKeys = 4,
    /// An encrypted, packed training set.
    Dataset = 5,
    /// An encrypted model (the server's output).
    Model = 6,
    /// Released (decrypted, flooded) weights.
    Weights = 7,
}

impl FileKind {
    fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => Self::Parameters,
            2 => Self::SecretKey,
            3 => Self::PublicKey,
            4 => Self::EvaluationKeys,
            5 => Self::Dataset,
            6 => Self::Model,
            7 => Self::Weights,
            _ => return None,
        })
    }
}

/// Why a file was refused.
#[derive(Debug)]
#[non_exhaustive]
pub enum FileError {
    /// Reading or writing failed.
    Io { path: String, error: std::io::Error },
    /// Not a Blindfold container.
    BadMagic,
    /// A newer or unknown container version.
    UnsupportedVersion { found: u16 },
    /// Another kind of file than expected (or an unknown kind).
    WrongKind { expected: FileKind, found: u8 },
    /// The file ended early.
    Truncated { needed: usize, available: usize },
    /// Too many sections, or a name too long.
    Limit { what: &'static str, value: usize },
    /// Metadata or a section name is not valid UTF-8 / not `key=value`.
    InvalidMetadata { line: String },
    /// A required metadata field or section is missing.
    Missing { what: String },
    /// A metadata field has an unusable value.
    InvalidField { field: String, value: String },
    /// A key, ciphertext or parameter set inside was refused.
    Wire {
        section: String,
        error: blindfold_rlwe::wire::WireError,
    },
    /// Bytes after the last section.
    TrailingBytes { count: usize },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, error } => write!(f, "{path}: {error}"),
            Self::BadMagic => write!(f, "not a Blindfold file (bad magic bytes)"),
            Self::UnsupportedVersion { found } => {
                write!(
                    f,
                    "file format version {found} is not supported (this build reads {VERSION})"
                )
            }
            Self::WrongKind { expected, found } => {
                write!(f, "expected a {expected:?} file, found kind {found}")
            }
            Self::Truncated { needed, available } => {
                write!(
                    f,
                    "file truncated: needed {needed} more bytes, {available} left"
                )
            }
            Self::Limit { what, value } => write!(f, "{what} {value} exceeds the format's limit"),
            Self::InvalidMetadata { line } => write!(f, "malformed metadata line {line:?}"),
            Self::Missing { what } => write!(f, "missing {what}"),
            Self::InvalidField { field, value } => write!(f, "invalid {field} = {value:?}"),
            Self::Wire { section, error } => write!(f, "section {section}: {error}"),
            Self::TrailingBytes { count } => {
                write!(f, "{count} unexpected bytes after the last section")
            }
        }
    }
}

impl std::error::Error for FileError {}

/// A decoded container: kind, metadata and named sections (in file order).
#[derive(Clone, Debug, PartialEq)]
pub struct Container {
    pub kind: FileKind,
    pub meta: BTreeMap<String, String>,
    pub sections: Vec<(String, Vec<u8>)>,
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= MAX_NAME
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

impl Container {
    /// An empty container of `kind`.
    pub fn new(kind: FileKind) -> Self {
        Self {
            kind,
            meta: BTreeMap::new(),
            sections: Vec::new(),
        }
    }

    /// Sets a metadata field (keys: `[A-Za-z0-9_.-]`, values: one line).
    pub fn set(&mut self, key: &str, value: impl fmt::Display) -> &mut Self {
        let v = value.to_string().replace(['\n', '\r'], " ");
        debug_assert!(valid_key(key), "metadata key {key:?}");
        self.meta.insert(key.to_string(), v);
        self
    }

    /// Appends a named section.
    pub fn push(&mut self, name: impl Into<String>, bytes: Vec<u8>) -> &mut Self {
        self.sections.push((name.into(), bytes));
        self
    }

    /// A metadata field.
    pub fn get(&self, key: &str) -> Result<&str, FileError> {
        self.meta
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| FileError::Missing {
                what: format!("metadata field {key}"),
            })
    }

    /// A metadata field parsed as `T`.
    pub fn parse<T: core::str::FromStr>(&self, key: &str) -> Result<T, FileError> {
        let v = self.get(key)?;
        v.parse().map_err(|_| FileError::InvalidField {
            field: key.to_string(),
            value: v.to_string(),
        })
    }

    /// The first section called `name`.
    pub fn section(&self, name: &str) -> Result<&[u8], FileError> {
        self.sections
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, b)| b.as_slice())
            .ok_or_else(|| FileError::Missing {
                what: format!("section {name}"),
            })
    }

    /// Every section whose name starts with `prefix`, in file order.
    pub fn sections_with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a [u8])> {
        self.sections
            .iter()
            .filter(move |(n, _)| n.starts_with(prefix))
            .map(|(n, b)| (n.as_str(), b.as_slice()))
    }

    /// Serializes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing into a Vec cannot fail.
        let _ = self.write_to(&mut out);
        out
    }

    /// Serializes into `w`, section by section (no copy of the whole file in memory).
    pub fn write_to(&self, w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(&MAGIC)?;
        w.write_all(&VERSION.to_le_bytes())?;
        w.write_all(&[self.kind as u8])?;
        let meta: String = self
            .meta
            .iter()
            .map(|(k, v)| format!("{k}={v}\n"))
            .collect();
        w.write_all(&(meta.len() as u64).to_le_bytes())?;
        w.write_all(meta.as_bytes())?;
        w.write_all(&(self.sections.len() as u32).to_le_bytes())?;
        for (name, bytes) in &self.sections {
            w.write_all(&(name.len() as u16).to_le_bytes())?;
            w.write_all(name.as_bytes())?;
            w.write_all(&(bytes.len() as u64).to_le_bytes())?;
            w.write_all(bytes)?;
        }
        Ok(())
    }

    /// Parses and checks a container of the `expected` kind.
    pub fn decode(bytes: &[u8], expected: FileKind) -> Result<Self, FileError> {
        let mut r = Reader {
            r: bytes,
            left: bytes.len() as u64,
        };
        Self::read_from(&mut r, expected)
    }

    fn read_from<R: Read>(r: &mut Reader<R>, expected: FileKind) -> Result<Self, FileError> {
        if r.take(MAGIC.len())? != MAGIC {
            return Err(FileError::BadMagic);
        }
        let version = u16::from_le_bytes(r.array()?);
        if version != VERSION {
            return Err(FileError::UnsupportedVersion { found: version });
        }
        let kind_byte = r.array::<1>()?[0];
        match FileKind::from_u8(kind_byte) {
            Some(k) if k == expected => {}
            _ => {
                return Err(FileError::WrongKind {
                    expected,
                    found: kind_byte,
                });
            }
        }
        let meta_len = r.len()?;
        let raw = r.take(meta_len)?;
        let text = core::str::from_utf8(&raw).map_err(|_| FileError::InvalidMetadata {
            line: "(not UTF-8)".into(),
        })?;
        let mut meta = BTreeMap::new();
        for line in text.lines() {
            match line.split_once('=') {
                Some((k, v)) if valid_key(k) && !v.contains('\r') && !meta.contains_key(k) => {
                    meta.insert(k.to_string(), v.to_string());
                }
                _ => {
                    return Err(FileError::InvalidMetadata {
                        line: line.chars().take(80).collect(),
                    });
                }
            }
        }
        let count = u32::from_le_bytes(r.array()?) as usize;
        if count > MAX_SECTIONS {
            return Err(FileError::Limit {
                what: "section count",
                value: count,
            });
        }
        let mut sections = Vec::with_capacity(count.min(64));
        for _ in 0..count {
            let name_len = u16::from_le_bytes(r.array()?) as usize;
            if name_len > MAX_NAME {
                return Err(FileError::Limit {
                    what: "section name length",
                    value: name_len,
                });
            }
            let raw = r.take(name_len)?;
            let name = core::str::from_utf8(&raw)
                .ok()
                .filter(|n| valid_key(n))
                .ok_or_else(|| FileError::InvalidMetadata {
                    line: "(section name)".into(),
                })?
                .to_string();
            let len = r.len()?;
            sections.push((name, r.take(len)?));
        }
        if r.left != 0 {
            return Err(FileError::TrailingBytes {
                count: usize::try_from(r.left).unwrap_or(usize::MAX),
            });
        }
        Ok(Self {
            kind: expected,
            meta,
            sections,
        })
    }

    /// Removes and returns the first section called `name` (its memory goes with it).
    pub fn take_section(&mut self, name: &str) -> Result<Vec<u8>, FileError> {
        let i = self
            .sections
            .iter()
            .position(|(n, _)| n == name)
            .ok_or_else(|| FileError::Missing {
                what: format!("section {name}"),
            })?;
        Ok(self.sections.remove(i).1)
    }

    /// Writes to `path`, streaming the sections.
    pub fn write(&self, path: &Path) -> Result<(), FileError> {
        let io = |error| FileError::Io {
            path: path.display().to_string(),
            error,
        };
        let mut w = BufWriter::new(File::create(path).map_err(io)?);
        self.write_to(&mut w).map_err(io)?;
        w.flush().map_err(io)
    }

    /// Reads a container of the `expected` kind from `path`, section by section: each
    /// length is checked against what the file has left before anything is allocated.
    pub fn read(path: &Path, expected: FileKind) -> Result<Self, FileError> {
        let io = |error| FileError::Io {
            path: path.display().to_string(),
            error,
        };
        let file = File::open(path).map_err(io)?;
        let left = file.metadata().map_err(io)?.len();
        let mut r = Reader {
            r: BufReader::new(file),
            left,
        };
        Self::read_from(&mut r, expected).map_err(|e| match e {
            FileError::Io { error, .. } => io(error),
            e => e,
        })
    }
}

/// Reads from a stream of known length: every length field is checked against what is
/// left before a buffer is allocated.
struct Reader<R> {
    r: R,
    left: u64,
}

impl<R: Read> Reader<R> {
    fn take(&mut self, n: usize) -> Result<Vec<u8>, FileError> {
        let available = usize::try_from(self.left).unwrap_or(usize::MAX);
        if n > available {
            return Err(FileError::Truncated {
                needed: n,
                available,
            });
        }
        let mut v = vec![0u8; n];
        self.r.read_exact(&mut v).map_err(|error| FileError::Io {
            path: String::new(),
            error,
        })?;
        self.left -= n as u64;
        Ok(v)
    }

    fn array<const K: usize>(&mut self) -> Result<[u8; K], FileError> {
        let mut a = [0u8; K];
        a.copy_from_slice(&self.take(K)?);
        Ok(a)
    }

    /// A u64 length that must fit in what is left.
    fn len(&mut self) -> Result<usize, FileError> {
        let v = u64::from_le_bytes(self.array()?);
        let available = usize::try_from(self.left).unwrap_or(usize::MAX);
        usize::try_from(v)
            .ok()
            .filter(|&n| n <= available)
            .ok_or(FileError::Truncated {
                needed: usize::try_from(v).unwrap_or(usize::MAX),
                available,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Container {
        let mut c = Container::new(FileKind::Dataset);
        c.set("task", "chiang").set("samples", 128);
        c.push("x.0", vec![1, 2, 3]).push("y", vec![]);
        c
    }

    #[test]
    fn roundtrip_and_typed_refusals() {
        let c = sample();
        let bytes = c.encode();
        assert_eq!(Container::decode(&bytes, FileKind::Dataset).unwrap(), c);
        assert_eq!(c.parse::<usize>("samples").unwrap(), 128);
        assert!(matches!(
            c.parse::<usize>("task"),
            Err(FileError::InvalidField { .. })
        ));
        assert!(matches!(c.section("z"), Err(FileError::Missing { .. })));
        assert!(matches!(
            Container::decode(&bytes, FileKind::Model),
            Err(FileError::WrongKind { .. })
        ));
        for cut in 0..bytes.len() {
            assert!(
                Container::decode(&bytes[..cut], FileKind::Dataset).is_err(),
                "cut {cut}"
            );
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(matches!(
            Container::decode(&extra, FileKind::Dataset),
            Err(FileError::TrailingBytes { count: 1 })
        ));
        let mut bad = bytes.clone();
        bad[0] ^= 1;
        assert!(matches!(
            Container::decode(&bad, FileKind::Dataset),
            Err(FileError::BadMagic)
        ));
        // The streaming reader agrees with `decode`, on whole and on cut files.
        let dir = std::env::temp_dir().join(format!("bf-files-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("c.bf");
        c.write(&path).unwrap();
        let mut read = Container::read(&path, FileKind::Dataset).unwrap();
        assert_eq!(read, c);
        assert_eq!(read.take_section("x.0").unwrap(), vec![1, 2, 3]);
        assert!(read.take_section("x.0").is_err());
        for cut in [0, 9, bytes.len() - 1] {
            std::fs::write(&path, &bytes[..cut]).unwrap();
            assert!(
                Container::read(&path, FileKind::Dataset).is_err(),
                "cut {cut}"
            );
        }
        std::fs::write(&path, &extra).unwrap();
        assert!(matches!(
            Container::read(&path, FileKind::Dataset),
            Err(FileError::TrailingBytes { count: 1 })
        ));
        std::fs::remove_dir_all(&dir).ok();
        // A bare carriage return would not survive a re-encoding (fuzz find): refused.
        let mut cr = bytes.clone();
        let at = cr
            .windows(11)
            .position(|w| w == b"task=chiang")
            .expect("metadata present")
            + 11;
        assert_eq!(cr[at], b'\n');
        cr[at] = b'\r';
        assert!(matches!(
            Container::decode(&cr, FileKind::Dataset),
            Err(FileError::InvalidMetadata { .. })
        ));
        let mut newer = bytes;
        newer[8] = 9;
        assert!(matches!(
            Container::decode(&newer, FileKind::Dataset),
            Err(FileError::UnsupportedVersion { found: 9 })
        ));
    }
}
