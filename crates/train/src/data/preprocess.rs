//! Preprocessing shared by the pipelines: design matrices in `f64`, scaling fitted on training
//! data only, 2x2 average downsampling, a bias column, zero padding to a power of two (the
//! slot layouts of the encrypted pipelines need power-of-two row lengths), one-hot labels.

use super::{Dataset, FeatureSet};
use crate::{Matrix, ShapeError};

/// Pixels scaled to `[0, 1]` (divided by 255), one image per row.
pub fn pixels_unit(data: &Dataset) -> Matrix {
    let per = data.rows() * data.cols();
    let values = data
        .images()
        .iter()
        .map(|&p| f64::from(p) / 255.0)
        .collect();
    Matrix::from_parts(data.len(), per, values)
}

/// Features as an `f64` matrix, one row per sample.
pub fn features_matrix(data: &FeatureSet) -> Matrix {
    let values = data.features().iter().map(|&v| f64::from(v)).collect();
    Matrix::from_parts(data.len(), data.dim(), values)
}

/// Averages each 2x2 block of every `height x width` image (row-major in one matrix row).
pub fn downsample_2x2(images: &Matrix, height: usize, width: usize) -> Result<Matrix, ShapeError> {
    if !height.is_multiple_of(2)
        || !width.is_multiple_of(2)
        || height * width != images.cols()
        || height == 0
    {
        return Err(ShapeError::BadImageShape {
            height,
            width,
            cols: images.cols(),
        });
    }
    let (h2, w2) = (height / 2, width / 2);
    let mut out = Matrix::zeros(images.rows(), h2 * w2);
    for n in 0..images.rows() {
        let src = images.row(n);
        let dst = out.row_mut(n);
        for r in 0..h2 {
            for c in 0..w2 {
                let top = 2 * r * width + 2 * c;
                let bottom = top + width;
                dst[r * w2 + c] = 0.25 * (src[top] + src[top + 1] + src[bottom] + src[bottom + 1]);
            }
        }
    }
    Ok(out)
}

/// Per-column affine scaling `x -> (x - offset) * factor`, fitted on training data and then
/// applied unchanged to held-out data.
#[derive(Clone, Debug, PartialEq)]
pub struct ColumnScaler {
    offset: Vec<f64>,
    factor: Vec<f64>,
}

impl ColumnScaler {
    /// Zero mean and unit variance per column (constant columns are only centred).
    pub fn standardize(train: &Matrix) -> Result<Self, ShapeError> {
        let (n, d) = (train.rows(), train.cols());
        if n == 0 {
            return Err(ShapeError::Empty);
        }
        let mut mean = vec![0.0; d];
        for row in train.row_iter() {
            for (m, &x) in mean.iter_mut().zip(row) {
                *m += x;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut var = vec![0.0; d];
        for row in train.row_iter() {
            for ((v, &x), &m) in var.iter_mut().zip(row).zip(&mean) {
                *v += (x - m) * (x - m);
            }
        }
        let factor = var
            .iter()
            .map(|&v| {
                let sd = (v / n as f64).sqrt();
                if sd > 0.0 { 1.0 / sd } else { 1.0 }
            })
            .collect();
        Ok(Self {
            offset: mean,
            factor,
        })
    }

    /// Maps each column's training range `[min, max]` onto `[0, 1]` (constant columns map to 0).
    pub fn min_max(train: &Matrix) -> Result<Self, ShapeError> {
        if train.rows() == 0 {
            return Err(ShapeError::Empty);
        }
        let d = train.cols();
        let mut lo = vec![f64::INFINITY; d];
        let mut hi = vec![f64::NEG_INFINITY; d];
        for row in train.row_iter() {
            for ((l, h), &x) in lo.iter_mut().zip(hi.iter_mut()).zip(row) {
                *l = l.min(x);
                *h = h.max(x);
            }
        }
        let factor = lo
            .iter()
            .zip(&hi)
            .map(|(&l, &h)| if h > l { 1.0 / (h - l) } else { 0.0 })
            .collect();
        Ok(Self { offset: lo, factor })
    }

    /// Applies the fitted scaling in place.
    pub fn apply(&self, data: &mut Matrix) -> Result<(), ShapeError> {
        if data.cols() != self.offset.len() {
            return Err(ShapeError::DimensionMismatch {
                what: "columns of data to scale",
                expected: self.offset.len(),
                found: data.cols(),
            });
        }
        let d = data.cols();
        if d == 0 {
            return Ok(());
        }
        for row in data.as_mut_slice().chunks_exact_mut(d) {
            for ((x, &o), &f) in row.iter_mut().zip(&self.offset).zip(&self.factor) {
                *x = (*x - o) * f;
            }
        }
        Ok(())
    }
}

/// Prepends a column of ones (Chiang's layout: `[1, x_1, ..., x_d]`).
pub fn add_bias_column(data: &Matrix) -> Matrix {
    let d = data.cols() + 1;
    let mut out = Matrix::zeros(data.rows(), d);
    for (i, row) in data.row_iter().enumerate() {
        let dst = out.row_mut(i);
        dst[0] = 1.0;
        dst[1..].copy_from_slice(row);
    }
    out
}

/// Appends zero columns up to `width`.
pub fn pad_columns(data: &Matrix, width: usize) -> Result<Matrix, ShapeError> {
    if width < data.cols() {
        return Err(ShapeError::PadTooSmall {
            cols: data.cols(),
            width,
        });
    }
    let mut out = Matrix::zeros(data.rows(), width);
    for (i, row) in data.row_iter().enumerate() {
        out.row_mut(i)[..row.len()].copy_from_slice(row);
    }
    Ok(out)
}

/// Zero-pads rows to the next power of two (401 -> 512, 197 -> 256).
pub fn pad_to_power_of_two(data: &Matrix) -> Matrix {
    let width = data.cols().max(1).next_power_of_two();
    let mut out = Matrix::zeros(data.rows(), width);
    for (i, row) in data.row_iter().enumerate() {
        out.row_mut(i)[..row.len()].copy_from_slice(row);
    }
    out
}

/// One-hot rows: `labels.len() x classes`, a 1 in the label's column.
pub fn one_hot(labels: &[u8], classes: usize) -> Result<Matrix, ShapeError> {
    let mut out = Matrix::zeros(labels.len(), classes);
    for (i, &l) in labels.iter().enumerate() {
        if usize::from(l) >= classes {
            return Err(ShapeError::LabelOutOfRange {
                index: i,
                label: l,
                classes,
            });
        }
        out.set(i, usize::from(l), 1.0);
    }
    Ok(out)
}
