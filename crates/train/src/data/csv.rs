//! Strict CSV reader for the numeric files of Chiang's HE.CNNtraining repository: no header,
//! comma-separated decimals, column 0 the label as a float string (`5.0`), the rest features.
//! Lines end in CRLF (Python's `csv` default); plain LF is accepted too, a lone CR is not.
//! A trailing line break at the end of the file is allowed, an empty line elsewhere is not.

use std::path::Path;

use super::error::{CsvError, CsvProblem, DataError};
use super::idx::is_gzip;
use super::read_regular_file;

/// Number of label classes (MNIST digits).
pub const CLASSES: usize = 10;

/// Labelled feature vectors as parsed from a CSV file.
#[derive(Clone, Debug, PartialEq)]
pub struct FeatureSet {
    features: Vec<f32>,
    labels: Vec<u8>,
    dim: usize,
}

impl FeatureSet {
    /// Builds a set from row-major features; `features.len()` must be `labels.len() * dim`.
    pub fn new(features: Vec<f32>, labels: Vec<u8>, dim: usize) -> Result<Self, crate::ShapeError> {
        if dim == 0 || features.len() != labels.len() * dim {
            return Err(crate::ShapeError::LengthMismatch {
                expected: labels.len().saturating_mul(dim),
                found: features.len(),
            });
        }
        if let Some((index, &label)) = labels
            .iter()
            .enumerate()
            .find(|(_, l)| usize::from(**l) >= CLASSES)
        {
            return Err(crate::ShapeError::LabelOutOfRange {
                index,
                label,
                classes: CLASSES,
            });
        }
        Ok(Self {
            features,
            labels,
            dim,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Features per row (label excluded).
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// All features, row-major.
    pub fn features(&self) -> &[f32] {
        &self.features
    }

    /// Labels `0..=9`.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Features of row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.features[i * self.dim..(i + 1) * self.dim]
    }

    /// Rows `range` as a new set.
    pub fn slice(&self, range: core::ops::Range<usize>) -> Self {
        Self {
            features: self.features[range.start * self.dim..range.end * self.dim].to_vec(),
            labels: self.labels[range].to_vec(),
            dim: self.dim,
        }
    }

    /// How many rows carry each digit.
    pub fn label_counts(&self) -> [usize; CLASSES] {
        super::count_labels(&self.labels)
    }
}

fn parse_label(field: &str) -> Result<u8, CsvProblem> {
    let value = parse_number(field)?;
    if value.fract() != 0.0 {
        return Err(CsvProblem::LabelNotInteger { value });
    }
    if !(0.0..CLASSES as f64).contains(&value) {
        return Err(CsvProblem::LabelOutOfRange { value });
    }
    Ok(value as u8)
}

fn parse_number(field: &str) -> Result<f64, CsvProblem> {
    // Rust's float parser accepts "inf" and "NaN"; a decimal data file never holds those.
    let value: f64 = field.parse().map_err(|_| CsvProblem::NotANumber {
        text: field.chars().take(40).collect(),
    })?;
    if !value.is_finite() {
        return Err(CsvProblem::NotFinite { value });
    }
    Ok(value)
}

/// Parses a labelled CSV with exactly `columns` fields per line (label + `columns - 1`
/// features). Features are stored as `f32`, which is how both upstream files were written.
pub fn parse_labelled_csv(bytes: &[u8], columns: usize) -> Result<FeatureSet, CsvError> {
    let dim = columns.saturating_sub(1);
    let at = |line: usize, field: usize, problem: CsvProblem| CsvError {
        line,
        field,
        problem,
    };
    // Rows are not counted up front: memory follows the bytes, which are already in memory.
    let mut features: Vec<f32> = Vec::new();
    let mut labels: Vec<u8> = Vec::new();
    let mut rest = bytes;
    let mut line_no = 0usize;
    while !rest.is_empty() {
        line_no += 1;
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return Err(at(line_no, 0, CsvProblem::EmptyLine));
        }
        let found = line.iter().filter(|&&b| b == b',').count() + 1;
        if found != columns {
            return Err(at(
                line_no,
                found.min(columns),
                CsvProblem::ColumnCount {
                    expected: columns,
                    found,
                },
            ));
        }
        for (field_no, field) in line.split(|&b| b == b',').enumerate() {
            if field.contains(&b'\r') {
                return Err(at(line_no, field_no, CsvProblem::StrayCarriageReturn));
            }
            let text = core::str::from_utf8(field)
                .map_err(|_| at(line_no, field_no, CsvProblem::InvalidUtf8))?;
            if field_no == 0 {
                labels.push(parse_label(text).map_err(|p| at(line_no, 0, p))?);
            } else {
                let v = parse_number(text).map_err(|p| at(line_no, field_no, p))?;
                let single = v as f32;
                if !single.is_finite() {
                    return Err(at(
                        line_no,
                        field_no,
                        CsvProblem::OutOfF32Range { value: v },
                    ));
                }
                features.push(single);
            }
        }
    }
    if labels.is_empty() {
        return Err(at(1, 0, CsvProblem::NoRows));
    }
    Ok(FeatureSet {
        features,
        labels,
        dim,
    })
}

/// Loads a labelled CSV (raw, or gzip-compressed as `Original_MNIST_testdata.csv.gz`).
pub fn load_labelled_csv(path: &Path, columns: usize) -> Result<FeatureSet, DataError> {
    let bytes = read_regular_file(path)?;
    let text = if is_gzip(&bytes) {
        super::gunzip_all(path, &bytes)?
    } else {
        bytes
    };
    parse_labelled_csv(&text, columns).map_err(|error| DataError::Csv {
        path: path.to_path_buf(),
        error,
    })
}
