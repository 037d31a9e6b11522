//! A dense row-major `f64` matrix: just what the data pipelines and references need.

use core::fmt;

/// Shape problems in in-memory data (preprocessing and training inputs).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ShapeError {
    /// A buffer has the wrong length for the declared shape.
    LengthMismatch { expected: usize, found: usize },
    /// Two inputs that must agree on a dimension do not.
    DimensionMismatch {
        what: &'static str,
        expected: usize,
        found: usize,
    },
    /// 2x2 downsampling needs even image sides that multiply to the row length.
    BadImageShape {
        height: usize,
        width: usize,
        cols: usize,
    },
    /// Padding cannot shrink a row.
    PadTooSmall { cols: usize, width: usize },
    /// A label is not below the number of classes.
    LabelOutOfRange {
        index: usize,
        label: u8,
        classes: usize,
    },
    /// The input has no rows (or no columns) where some are needed.
    Empty,
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::LengthMismatch { expected, found } => {
                write!(f, "expected {expected} values, found {found}")
            }
            Self::DimensionMismatch {
                what,
                expected,
                found,
            } => write!(f, "{what}: expected {expected}, found {found}"),
            Self::BadImageShape {
                height,
                width,
                cols,
            } => write!(
                f,
                "cannot downsample {height}x{width} images stored in rows of {cols}: sides must be even and multiply to the row length"
            ),
            Self::PadTooSmall { cols, width } => {
                write!(f, "cannot pad rows of {cols} values to {width}")
            }
            Self::LabelOutOfRange {
                index,
                label,
                classes,
            } => write!(f, "label {index} is {label}, not below {classes}"),
            Self::Empty => write!(f, "empty input"),
        }
    }
}

impl std::error::Error for ShapeError {}

/// Dense row-major matrix of `f64`.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix {
    rows: usize,
    cols: usize,
    data: Vec<f64>,
}

impl Matrix {
    /// All-zero `rows x cols` matrix.
    pub fn zeros(rows: usize, cols: usize) -> Self {
        Self {
            rows,
            cols,
            data: vec![0.0; rows * cols],
        }
    }

    /// Wraps row-major `data`; its length must be `rows * cols`.
    pub fn from_vec(rows: usize, cols: usize, data: Vec<f64>) -> Result<Self, ShapeError> {
        let expected = rows.checked_mul(cols).ok_or(ShapeError::LengthMismatch {
            expected: usize::MAX,
            found: data.len(),
        })?;
        if data.len() != expected {
            return Err(ShapeError::LengthMismatch {
                expected,
                found: data.len(),
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// For callers whose lengths agree by construction.
    pub(crate) fn from_parts(rows: usize, cols: usize, data: Vec<f64>) -> Self {
        debug_assert_eq!(data.len(), rows * cols);
        Self { rows, cols, data }
    }

    /// Builds a matrix from equally long rows.
    pub fn from_rows(rows: &[&[f64]]) -> Result<Self, ShapeError> {
        let cols = rows.first().map_or(0, |r| r.len());
        let mut data = Vec::with_capacity(rows.len() * cols);
        for r in rows {
            if r.len() != cols {
                return Err(ShapeError::DimensionMismatch {
                    what: "row length",
                    expected: cols,
                    found: r.len(),
                });
            }
            data.extend_from_slice(r);
        }
        Ok(Self {
            rows: rows.len(),
            cols,
            data,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Row-major contents.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    /// Row-major contents, mutable.
    pub fn as_mut_slice(&mut self) -> &mut [f64] {
        &mut self.data
    }

    /// Consumes the matrix, returning its row-major contents.
    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row `i`, mutable.
    pub fn row_mut(&mut self, i: usize) -> &mut [f64] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Entry `(r, c)`.
    pub fn get(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols + c]
    }

    /// Sets entry `(r, c)`.
    pub fn set(&mut self, r: usize, c: usize, v: f64) {
        self.data[r * self.cols + c] = v;
    }

    /// Iterator over rows.
    pub fn row_iter(&self) -> impl ExactSizeIterator<Item = &[f64]> + '_ {
        // chunks_exact(0) would panic; an empty-column matrix has empty rows.
        (0..self.rows).map(move |i| &self.data[i * self.cols..(i + 1) * self.cols])
    }

    /// Rows `range` as a new matrix.
    pub fn slice_rows(&self, range: core::ops::Range<usize>) -> Self {
        Self {
            rows: range.len(),
            cols: self.cols,
            data: self.data[range.start * self.cols..range.end * self.cols].to_vec(),
        }
    }

    /// The transpose.
    pub fn transpose(&self) -> Self {
        let mut t = Self::zeros(self.cols, self.rows);
        for r in 0..self.rows {
            for c in 0..self.cols {
                t.data[c * self.rows + r] = self.data[r * self.cols + c];
            }
        }
        t
    }
}
