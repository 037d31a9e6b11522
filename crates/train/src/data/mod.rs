//! Data sets: MNIST in IDX files, Chiang's RegNet feature CSVs, the MNIST test CSV, how to find
//! them on disk, how to fetch MNIST, and the preprocessing the training pipelines share.

pub mod csv;
#[cfg(feature = "download")]
pub mod download;
mod error;
pub mod idx;
pub mod preprocess;
mod sha256;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use csv::{CLASSES, FeatureSet, load_labelled_csv, parse_labelled_csv};
pub use error::{CsvError, CsvProblem, DataError, IdxProblem};
pub use idx::{load_idx_images, load_idx_labels, load_mnist};
pub use sha256::{ExpectedFile, sha256_file, verify_file};

use crate::ShapeError;

/// MNIST-style images with their labels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    images: Vec<u8>,
    labels: Vec<u8>,
    rows: usize,
    cols: usize,
}

impl Dataset {
    /// Builds a data set; `images.len()` must be `labels.len() * rows * cols` and every label
    /// a digit.
    pub fn new(
        images: Vec<u8>,
        labels: Vec<u8>,
        rows: usize,
        cols: usize,
    ) -> Result<Self, ShapeError> {
        let per = rows.saturating_mul(cols);
        if per == 0 || images.len() != labels.len().saturating_mul(per) {
            return Err(ShapeError::LengthMismatch {
                expected: labels.len().saturating_mul(per),
                found: images.len(),
            });
        }
        if let Some((index, &label)) = labels
            .iter()
            .enumerate()
            .find(|(_, l)| usize::from(**l) >= CLASSES)
        {
            return Err(ShapeError::LabelOutOfRange {
                index,
                label,
                classes: CLASSES,
            });
        }
        Ok(Self {
            images,
            labels,
            rows,
            cols,
        })
    }

    /// For loaders that have already validated the parts.
    pub(crate) fn from_parts_unchecked(
        images: Vec<u8>,
        labels: Vec<u8>,
        rows: usize,
        cols: usize,
    ) -> Self {
        debug_assert_eq!(images.len(), labels.len() * rows * cols);
        Self {
            images,
            labels,
            rows,
            cols,
        }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Pixel rows per image.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Pixel columns per image.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// All pixels, image after image, each row-major; 0 is background, 255 full ink.
    pub fn images(&self) -> &[u8] {
        &self.images
    }

    /// Labels `0..=9`.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let per = self.rows * self.cols;
        &self.images[i * per..(i + 1) * per]
    }

    /// Images `range` as a new data set.
    pub fn slice(&self, range: core::ops::Range<usize>) -> Self {
        let per = self.rows * self.cols;
        Self {
            images: self.images[range.start * per..range.end * per].to_vec(),
            labels: self.labels[range].to_vec(),
            rows: self.rows,
            cols: self.cols,
        }
    }

    /// How many images carry each digit.
    pub fn label_counts(&self) -> [usize; CLASSES] {
        count_labels(&self.labels)
    }
}

pub(crate) fn count_labels(labels: &[u8]) -> [usize; CLASSES] {
    let mut counts = [0usize; CLASSES];
    for &l in labels {
        counts[usize::from(l)] += 1;
    }
    counts
}

/// Reads a whole regular file (devices and directories are refused, so a path like
/// `/dev/zero` cannot make us read forever).
pub(crate) fn read_regular_file(path: &Path) -> Result<Vec<u8>, DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(DataError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// Decompresses a whole single-member gzip file, refusing to expand beyond DEFLATE's maximum
/// ratio, and checks its trailer.
pub(crate) fn gunzip_all(path: &Path, bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    let gz_err = |source| DataError::Gzip {
        path: path.to_path_buf(),
        source,
    };
    let limit = (bytes.len() as u64).saturating_mul(1032);
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(gz_err)?;
    let mut crc = flate2::Crc::new();
    crc.update(&out);
    idx::check_gzip_trailer(bytes, crc.sum(), out.len() as u64).map_err(gz_err)?;
    Ok(out)
}

/// The four MNIST files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MnistFile {
    TrainImages,
    TrainLabels,
    TestImages,
    TestLabels,
}

impl MnistFile {
    /// All four, in download order.
    pub const ALL: [Self; 4] = [
        Self::TrainImages,
        Self::TrainLabels,
        Self::TestImages,
        Self::TestLabels,
    ];

    /// Name of the uncompressed file, as published.
    pub fn raw_name(self) -> &'static str {
        match self {
            Self::TrainImages => "train-images-idx3-ubyte",
            Self::TrainLabels => "train-labels-idx1-ubyte",
            Self::TestImages => "t10k-images-idx3-ubyte",
            Self::TestLabels => "t10k-labels-idx1-ubyte",
        }
    }

    /// Name of the gzip file, as published.
    pub fn gz_name(self) -> String {
        format!("{}.gz", self.raw_name())
    }

    /// Size and SHA-256 of the published gzip file (values from `shared/data/README.md`,
    /// which match LeCun and Cortes's published MD5s).
    pub fn expected_gz(self) -> ExpectedFile {
        // Parsed at compile time: a typo in a digest fails the build, not a download.
        const TRAIN_IMAGES: [u8; 32] =
            sha256::parse_hex32("440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609");
        const TRAIN_LABELS: [u8; 32] =
            sha256::parse_hex32("3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c");
        const TEST_IMAGES: [u8; 32] =
            sha256::parse_hex32("8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6");
        const TEST_LABELS: [u8; 32] =
            sha256::parse_hex32("f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6");
        let (size, digest) = match self {
            Self::TrainImages => (9_912_422, TRAIN_IMAGES),
            Self::TrainLabels => (28_881, TRAIN_LABELS),
            Self::TestImages => (1_648_877, TEST_IMAGES),
            Self::TestLabels => (4_542, TEST_LABELS),
        };
        ExpectedFile {
            name: self.gz_name(),
            size,
            sha256: digest,
        }
    }
}

/// Chiang's feature CSVs and the MNIST test CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RegnetFile {
    /// RegNetX-400MF features of MNIST training images 0..128.
    First128,
    /// Images 0..256.
    First256,
    /// Images 0..512.
    First512,
    /// The 10k MNIST test images as pixels/255 (785 columns), gzip-compressed.
    OriginalMnistTest,
}

impl RegnetFile {
    /// File name under `<data>/regnet/`.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::First128 => "REGNET_X_400MF_MNIST_TRAININGfirst128.csv",
            Self::First256 => "REGNET_X_400MF_MNIST_TRAININGfirst256.csv",
            Self::First512 => "REGNET_X_400MF_MNIST_TRAININGfirst512.csv",
            Self::OriginalMnistTest => "Original_MNIST_testdata.csv.gz",
        }
    }

    /// Fields per line: the label plus 400 features or 784 pixels.
    pub fn columns(self) -> usize {
        match self {
            Self::OriginalMnistTest => 785,
            _ => 401,
        }
    }
}

/// Where the data lives: `<root>/mnist/*` and `<root>/regnet/*`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Environment variable naming the data directory.
    pub const ENV_VAR: &'static str = "BLINDFOLD_DATA";

    /// Uses `root` as given (it is checked when files are opened).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// An explicit path wins; otherwise `$BLINDFOLD_DATA`; otherwise an error naming both.
    pub fn resolve(explicit: Option<&Path>) -> Result<Self, DataError> {
        if let Some(p) = explicit {
            return Ok(Self::new(p));
        }
        match std::env::var_os(Self::ENV_VAR) {
            Some(v) if !v.is_empty() => Ok(Self::new(PathBuf::from(v))),
            _ => Err(DataError::NoDataDir {
                env_var: Self::ENV_VAR,
            }),
        }
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `<root>/mnist`.
    pub fn mnist_dir(&self) -> PathBuf {
        self.root.join("mnist")
    }

    /// `<root>/regnet`.
    pub fn regnet_dir(&self) -> PathBuf {
        self.root.join("regnet")
    }

    /// Finds an MNIST file: the `.gz` as published, or an already decompressed copy.
    pub fn mnist_path(&self, file: MnistFile) -> Result<PathBuf, DataError> {
        let dir = self.mnist_dir();
        let candidates = [dir.join(file.gz_name()), dir.join(file.raw_name())];
        first_existing(&candidates)
    }

    /// Finds one of the CSV files.
    pub fn regnet_path(&self, file: RegnetFile) -> Result<PathBuf, DataError> {
        first_existing(&[self.regnet_dir().join(file.file_name())])
    }

    /// The 60k MNIST training images.
    pub fn mnist_train(&self) -> Result<Dataset, DataError> {
        load_mnist(
            &self.mnist_path(MnistFile::TrainImages)?,
            &self.mnist_path(MnistFile::TrainLabels)?,
        )
    }

    /// The 10k MNIST test images.
    pub fn mnist_test(&self) -> Result<Dataset, DataError> {
        load_mnist(
            &self.mnist_path(MnistFile::TestImages)?,
            &self.mnist_path(MnistFile::TestLabels)?,
        )
    }

    /// One of the CSV files, parsed with its column count.
    pub fn regnet(&self, file: RegnetFile) -> Result<FeatureSet, DataError> {
        load_labelled_csv(&self.regnet_path(file)?, file.columns())
    }
}

fn first_existing(candidates: &[PathBuf]) -> Result<PathBuf, DataError> {
    candidates
        .iter()
        .find(|p| p.exists())
        .cloned()
        .ok_or_else(|| DataError::NotFound {
            looked_for: candidates.to_vec(),
        })
}
