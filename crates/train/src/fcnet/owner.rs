//! The data owner's side: slot vectors to encrypt, and reading the decrypted model.

use super::arith::FcScalar;
use super::{FcPlan, SetupError};
use crate::reference::mlp::{DenseLayer, Mlp};
use crate::{Matrix, ShapeError};

/// One mini-batch as slot vectors: inputs in the layer-1 input layout, one-hot targets in
/// the output layout.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchSlots<S> {
    pub x: Vec<Vec<S>>,
    pub y: Vec<Vec<S>>,
}

/// A model as slot vectors (per layer: weight and bias vectors) with its fixed-point
/// exponents (0 on reals).
#[derive(Clone, Debug, PartialEq)]
pub struct ModelSlots<S> {
    pub weights: Vec<Vec<Vec<S>>>,
    pub biases: Vec<Vec<Vec<S>>>,
    pub weight_exps: Vec<u32>,
    pub bias_exps: Vec<u32>,
}

fn convert<S: FcScalar>(v: Vec<Vec<f64>>, exp: u32) -> Result<Vec<Vec<S>>, SetupError> {
    v.into_iter()
        .map(|ct| {
            ct.into_iter()
                .map(|x| {
                    S::from_real(x, exp).ok_or(SetupError::Config {
                        name: "value",
                        reason: "not finite, or too large for its fixed-point exponent",
                    })
                })
                .collect()
        })
        .collect()
}

/// The slot vectors of `model` (its widths must be the plan's), at the plan's weight bits.
pub fn owner_model<S: FcScalar>(plan: &FcPlan, model: &Mlp) -> Result<ModelSlots<S>, SetupError> {
    let lay = plan.layout();
    let dims = lay.dims();
    if model.layers().len() != lay.layers()
        || model.input_dim() != dims[0]
        || model
            .layers()
            .iter()
            .zip(&dims[1..])
            .any(|(l, &d)| l.weights.cols() != d)
    {
        return Err(SetupError::Config {
            name: "model",
            reason: "its layer widths differ from the plan's",
        });
    }
    let e = plan.config().fixed().map_or(0, |f| f.weight_bits);
    let mut weights = Vec::with_capacity(lay.layers());
    let mut biases = Vec::with_capacity(lay.layers());
    for (i, layer) in model.layers().iter().enumerate() {
        let w = layer.weights.transpose();
        weights.push(convert(lay.encode_weights(i + 1, w.as_slice()), e)?);
        biases.push(convert(lay.encode_bias(i + 1, &layer.bias), e)?);
    }
    Ok(ModelSlots {
        weights,
        biases,
        weight_exps: vec![e; lay.layers()],
        bias_exps: vec![e; lay.layers()],
    })
}

/// The slot vectors of one mini-batch: `x` has the plan's batch of rows and `d_0` columns,
/// `labels` one class below `d_L` per row.
pub fn owner_batch<S: FcScalar>(
    plan: &FcPlan,
    x: &Matrix,
    labels: &[u8],
) -> Result<BatchSlots<S>, SetupError> {
    let lay = plan.layout();
    let (rows, d0) = (lay.batch(), lay.dims()[0]);
    let classes = lay.dims()[lay.layers()];
    if (x.rows(), x.cols()) != (rows, d0) {
        return Err(ShapeError::DimensionMismatch {
            what: "batch rows x inputs",
            expected: rows * d0,
            found: x.rows() * x.cols(),
        }
        .into());
    }
    if labels.len() != rows {
        return Err(ShapeError::DimensionMismatch {
            what: "labels",
            expected: rows,
            found: labels.len(),
        }
        .into());
    }
    if let Some((index, &label)) = labels
        .iter()
        .enumerate()
        .find(|(_, l)| usize::from(**l) >= classes)
    {
        return Err(ShapeError::LabelOutOfRange {
            index,
            label,
            classes,
        }
        .into());
    }
    let mut y = vec![0.0; rows * classes];
    for (i, &l) in labels.iter().enumerate() {
        y[i * classes + usize::from(l)] = 1.0;
    }
    let e = plan.config().fixed().map_or(0, |f| f.input_bits);
    Ok(BatchSlots {
        x: convert(lay.encode_input(1, x.as_slice(), rows), e)?,
        y: convert(lay.encode_output(lay.layers(), &y, rows), 0)?,
    })
}

/// The model held in decrypted slot vectors.
pub fn decode_model<S: FcScalar>(plan: &FcPlan, m: &ModelSlots<S>) -> Result<Mlp, SetupError> {
    let lay = plan.layout();
    let layers = lay.layers();
    let bad = |reason| SetupError::Config {
        name: "decrypted model",
        reason,
    };
    if m.weights.len() != layers
        || m.biases.len() != layers
        || m.weight_exps.len() != layers
        || m.bias_exps.len() != layers
    {
        return Err(bad("one entry per layer is needed"));
    }
    let real = |v: &[Vec<S>], exp: u32| -> Result<Vec<Vec<f64>>, SetupError> {
        v.iter()
            .map(|ct| {
                if ct.len() < lay.slots() {
                    return Err(bad("a slot vector is shorter than the slot count"));
                }
                Ok(ct.iter().map(|&s| s.to_real(exp)).collect())
            })
            .collect()
    };
    let dims = lay.dims();
    let mut out = Vec::with_capacity(layers);
    for l in 1..=layers {
        if m.weights[l - 1].len() != lay.weight_count(l) || m.biases[l - 1].len() != lay.o_chunks(l)
        {
            return Err(bad("ciphertext counts do not match the plan's layout"));
        }
        let w = lay.decode_weights(l, &real(&m.weights[l - 1], m.weight_exps[l - 1])?);
        let w = Matrix::from_vec(dims[l], dims[l - 1], w)?.transpose();
        let bias = lay.decode_bias(l, &real(&m.biases[l - 1], m.bias_exps[l - 1])?);
        out.push(DenseLayer { weights: w, bias });
    }
    Ok(Mlp::from_layers(out)?)
}
