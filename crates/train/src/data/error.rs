use core::fmt;
use std::path::PathBuf;

/// Why an IDX file (MNIST's container format) was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdxProblem {
    /// The file ended inside the header or the payload.
    Truncated { needed: u64, available: u64 },
    /// The first two bytes of an IDX magic must be zero.
    BadMagic { found: [u8; 4] },
    /// Only element type `0x08` (unsigned byte) is used by MNIST.
    UnsupportedType { code: u8 },
    /// The number of dimensions does not match what this file must hold.
    WrongRank { expected: u8, found: u8 },
    /// A dimension is zero, or images are not the expected shape.
    BadDimensions { dims: Vec<u32> },
    /// The product of the dimensions does not fit in memory on this platform.
    SizeOverflow { dims: Vec<u32> },
    /// The header declares more bytes than a gzip stream of this length can expand to.
    ImplausibleSize { declared: u64, compressed: u64 },
    /// Bytes follow the declared payload.
    TrailingBytes { declared: u64, actual: u64 },
    /// A label is not a digit `0..=9`.
    LabelOutOfRange { index: usize, value: u8 },
}

impl fmt::Display for IdxProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated { needed, available } => write!(
                f,
                "truncated: needs {needed} bytes (header + declared payload) but only {available} are present"
            ),
            Self::BadMagic { found } => write!(
                f,
                "bad magic {:02x} {:02x} {:02x} {:02x}: an IDX file starts with 00 00 <type> <rank>",
                found[0], found[1], found[2], found[3]
            ),
            Self::UnsupportedType { code } => write!(
                f,
                "element type 0x{code:02x} is not supported (MNIST uses 0x08 = unsigned byte)"
            ),
            Self::WrongRank { expected, found } => {
                write!(f, "expected {expected} dimensions, header declares {found}")
            }
            Self::BadDimensions { dims } => write!(f, "unusable dimensions {dims:?}"),
            Self::SizeOverflow { dims } => {
                write!(
                    f,
                    "dimensions {dims:?} describe more bytes than fit in memory"
                )
            }
            Self::ImplausibleSize {
                declared,
                compressed,
            } => write!(
                f,
                "header declares {declared} payload bytes, more than a {compressed}-byte gzip stream can hold"
            ),
            Self::TrailingBytes { declared, actual } => write!(
                f,
                "{} unexpected bytes after the declared {declared}-byte payload",
                actual - declared
            ),
            Self::LabelOutOfRange { index, value } => {
                write!(f, "label {index} is {value}, not a digit 0..=9")
            }
        }
    }
}

impl std::error::Error for IdxProblem {}

/// Why a CSV field or line was rejected.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum CsvProblem {
    /// A line has the wrong number of comma-separated fields.
    ColumnCount { expected: usize, found: usize },
    /// A field is not a decimal number. `text` is the field, cut to 40 bytes.
    NotANumber { text: String },
    /// NaN or infinity.
    NotFinite { value: f64 },
    /// A finite number too large in magnitude for `f32`, the type features are stored in.
    OutOfF32Range { value: f64 },
    /// The label column must hold an integer such as `5.0`.
    LabelNotInteger { value: f64 },
    /// The label column must hold a digit `0..=9`.
    LabelOutOfRange { value: f64 },
    /// An empty line before the end of the file.
    EmptyLine,
    /// A carriage return that is not directly followed by a line feed.
    StrayCarriageReturn,
    /// A field is not valid UTF-8.
    InvalidUtf8,
    /// The file holds no rows at all.
    NoRows,
}

impl fmt::Display for CsvProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ColumnCount { expected, found } => {
                write!(f, "expected {expected} fields, found {found}")
            }
            Self::NotANumber { text } => write!(f, "{text:?} is not a number"),
            Self::NotFinite { value } => write!(f, "{value} is not a finite number"),
            Self::OutOfF32Range { value } => {
                write!(f, "{value} does not fit in a 32-bit float")
            }
            Self::LabelNotInteger { value } => write!(f, "label {value} is not an integer"),
            Self::LabelOutOfRange { value } => write!(f, "label {value} is not a digit 0..=9"),
            Self::EmptyLine => write!(f, "empty line"),
            Self::StrayCarriageReturn => write!(f, "carriage return not followed by line feed"),
            Self::InvalidUtf8 => write!(f, "field is not valid UTF-8"),
            Self::NoRows => write!(f, "no rows"),
        }
    }
}

/// A CSV problem with its position: `line` is 1-based, `field` is the 0-based column index
/// (column 0 holds the label in every file this crate reads).
#[derive(Clone, Debug, PartialEq)]
pub struct CsvError {
    pub line: usize,
    pub field: usize,
    pub problem: CsvProblem,
}

impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.field, self.problem
        )
    }
}

impl std::error::Error for CsvError {}

/// Errors while locating, reading, decoding or downloading data files. Every variant names
/// the file (or URL) involved.
#[derive(Debug)]
#[non_exhaustive]
pub enum DataError {
    /// Opening or reading a file failed.
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The path exists but is not a regular file (a directory, a device, ...).
    NotAFile { path: PathBuf },
    /// The file starts like gzip but does not decompress.
    Gzip {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The IDX container is malformed.
    Idx { path: PathBuf, problem: IdxProblem },
    /// The CSV is malformed.
    Csv { path: PathBuf, error: CsvError },
    /// An image file and its label file hold different numbers of items.
    CountMismatch {
        images: PathBuf,
        labels: PathBuf,
        image_count: usize,
        label_count: usize,
    },
    /// No data directory could be determined.
    NoDataDir {
        /// The environment variable that was consulted.
        env_var: &'static str,
    },
    /// None of the candidate files exists.
    NotFound { looked_for: Vec<PathBuf> },
    /// A file's SHA-256 is not the expected one.
    ChecksumMismatch {
        path: PathBuf,
        expected: [u8; 32],
        actual: [u8; 32],
    },
    /// A file's length is not the expected one.
    SizeMismatch {
        path: PathBuf,
        expected: u64,
        actual: u64,
    },
    /// The server answered with a non-success HTTP status.
    HttpStatus { url: String, status: u16 },
    /// The HTTP transfer failed (connection, TLS, protocol, timeout).
    Transfer {
        url: String,
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        // Writing to a String cannot fail.
        let _ = write!(s, "{b:02x}");
    }
    s
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "{}: {source}", path.display()),
            Self::NotAFile { path } => write!(f, "{}: not a regular file", path.display()),
            Self::Gzip { path, source } => {
                write!(f, "{}: gzip stream is corrupt: {source}", path.display())
            }
            Self::Idx { path, problem } => write!(f, "{}: IDX {problem}", path.display()),
            Self::Csv { path, error } => write!(f, "{}: CSV {error}", path.display()),
            Self::CountMismatch {
                images,
                labels,
                image_count,
                label_count,
            } => write!(
                f,
                "{} holds {image_count} images but {} holds {label_count} labels",
                images.display(),
                labels.display()
            ),
            Self::NoDataDir { env_var } => write!(
                f,
                "no data directory: pass one explicitly or set {env_var} \
                 (expected layout: <dir>/mnist/*-ubyte.gz, <dir>/regnet/*.csv)"
            ),
            Self::NotFound { looked_for } => {
                write!(f, "data file not found; looked for:")?;
                for p in looked_for {
                    write!(f, " {}", p.display())?;
                }
                Ok(())
            }
            Self::ChecksumMismatch {
                path,
                expected,
                actual,
            } => write!(
                f,
                "{}: SHA-256 {} does not match the expected {}",
                path.display(),
                hex(actual),
                hex(expected)
            ),
            Self::SizeMismatch {
                path,
                expected,
                actual,
            } => write!(f, "{}: {actual} bytes, expected {expected}", path.display()),
            Self::HttpStatus { url, status } => write!(f, "{url}: HTTP status {status}"),
            Self::Transfer { url, source } => write!(f, "{url}: transfer failed: {source}"),
        }
    }
}

impl std::error::Error for DataError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } | Self::Gzip { source, .. } => Some(source),
            Self::Idx { problem, .. } => Some(problem),
            Self::Csv { error, .. } => Some(error),
            Self::Transfer { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}
