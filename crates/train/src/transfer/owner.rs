//! The data owner's side: slot vectors to encrypt, and reading the decrypted model.

use super::{SetupError, TransferPlan};
use crate::Matrix;
use crate::data::preprocess::one_hot;
use crate::reference::mlr::quadratic_gradient_diagonal;

/// What the owner encrypts and uploads (slot vectors, one per ciphertext).
#[derive(Clone, Debug, PartialEq)]
pub struct OwnerData {
    /// The training rows in the Volley data layout.
    pub x: Vec<Vec<f64>>,
    /// One-hot labels in the score layout (zero outside its entries).
    pub y: Vec<Vec<f64>>,
    /// `1 / B̄_jj` of every feature column in the weight layout (zero for all-zero columns,
    /// whose gradient is zero anyway).
    pub b_inverse: Vec<Vec<f64>>,
    /// The initial weights in the weight layout, unless they are public zeros.
    pub initial_weights: Option<Vec<Vec<f64>>>,
}

fn to_pack(m: &Matrix) -> Result<blindfold_pack::Matrix<f64>, SetupError> {
    Ok(blindfold_pack::Matrix::new(
        m.rows(),
        m.cols(),
        m.as_slice().to_vec(),
    )?)
}

/// Prepares the owner's upload from its training rows (`samples × features`, bias and padding
/// included) and labels.
pub fn owner_prepare(
    plan: &TransferPlan,
    x: &Matrix,
    labels: &[u8],
) -> Result<OwnerData, SetupError> {
    let shape = plan.shape();
    if (x.rows(), x.cols()) != (shape.samples, shape.features) {
        return Err(crate::ShapeError::DimensionMismatch {
            what: "training rows x features",
            expected: shape.samples * shape.features,
            found: x.rows() * x.cols(),
        }
        .into());
    }
    if labels.len() != shape.samples {
        return Err(crate::ShapeError::DimensionMismatch {
            what: "labels",
            expected: shape.samples,
            found: labels.len(),
        }
        .into());
    }
    if x.as_slice().iter().any(|v| !v.is_finite()) {
        return Err(SetupError::Config {
            name: "training rows",
            reason: "features must be finite",
        });
    }
    let layout = plan.layout();
    let y = one_hot(labels, shape.classes)?;
    let epsilon = plan.config().epsilon;
    let b_inverse: Vec<f64> = quadratic_gradient_diagonal(x, epsilon)
        .into_iter()
        .map(|b| if b == epsilon { 0.0 } else { 1.0 / b })
        .collect();
    let per_class = |row: &[f64]| {
        Matrix::from_vec(
            shape.classes,
            shape.features,
            (0..shape.classes)
                .flat_map(|_| row.iter().copied())
                .collect(),
        )
    };
    let initial_weights = if plan.zero_start() {
        None
    } else {
        let w0 = per_class(&vec![plan.config().initial_weight; shape.features])?;
        Some(layout.encode_b(&to_pack(&w0)?)?)
    };
    Ok(OwnerData {
        x: layout.encode_a(&to_pack(x)?)?,
        y: layout.encode_scores(&to_pack(&y)?)?,
        b_inverse: layout.encode_b(&to_pack(&per_class(&b_inverse)?)?)?,
        initial_weights,
    })
}

/// The `classes × features` model held in decrypted weight slot vectors.
pub fn decode_weights(plan: &TransferPlan, slots: &[Vec<f64>]) -> Result<Matrix, SetupError> {
    let m = plan.layout().decode_b(slots)?;
    Ok(Matrix::from_vec(m.rows(), m.cols(), m.data().to_vec())?)
}
