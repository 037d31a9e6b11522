//! A dense row-major matrix of slot values: the plaintext side of packed linear algebra.

use blindfold_rlwe::SlotScalar;

use crate::error::ShapeError;

/// A dense `rows × cols` matrix, row-major, at least 1 × 1.
#[derive(Clone, Debug, PartialEq)]
pub struct Matrix<S> {
    rows: usize,
    cols: usize,
    data: Vec<S>,
}

impl<S: SlotScalar> Matrix<S> {
    /// From row-major `data` of length `rows · cols`.
    pub fn new(rows: usize, cols: usize, data: Vec<S>) -> Result<Self, ShapeError> {
        if rows == 0 || cols == 0 {
            return Err(ShapeError::Empty { rows, cols });
        }
        let expected = rows.saturating_mul(cols);
        if data.len() != expected {
            return Err(ShapeError::LengthMismatch {
                expected,
                found: data.len(),
            });
        }
        Ok(Self { rows, cols, data })
    }

    /// From rows of equal length.
    pub fn from_rows(rows: &[Vec<S>]) -> Result<Self, ShapeError> {
        let cols = rows.first().map_or(0, Vec::len);
        let mut data = Vec::with_capacity(rows.len() * cols);
        for r in rows {
            if r.len() != cols {
                return Err(ShapeError::LengthMismatch {
                    expected: cols,
                    found: r.len(),
                });
            }
            data.extend_from_slice(r);
        }
        Self::new(rows.len(), cols, data)
    }

    /// `m[i][j] = f(i, j)`.
    pub fn from_fn(
        rows: usize,
        cols: usize,
        mut f: impl FnMut(usize, usize) -> S,
    ) -> Result<Self, ShapeError> {
        let mut data = Vec::with_capacity(rows.saturating_mul(cols).min(1 << 24));
        for i in 0..rows {
            for j in 0..cols {
                data.push(f(i, j));
            }
        }
        Self::new(rows, cols, data)
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Entry `(i, j)`; panics outside the matrix like slice indexing.
    pub fn get(&self, i: usize, j: usize) -> S {
        assert!(
            i < self.rows && j < self.cols,
            "({i}, {j}) outside the matrix"
        );
        self.data[i * self.cols + j]
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[S] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }

    /// Row-major entries.
    pub fn data(&self) -> &[S] {
        &self.data
    }

    /// `mᵀ`.
    pub fn transpose(&self) -> Self {
        let mut data = Vec::with_capacity(self.data.len());
        for j in 0..self.cols {
            for i in 0..self.rows {
                data.push(self.data[i * self.cols + j]);
            }
        }
        Self {
            rows: self.cols,
            cols: self.rows,
            data,
        }
    }
}
