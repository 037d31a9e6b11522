//! Chiang (2023), "Privacy-preserving CNN training with transfer learning: multiclass logistic
//! regression": a linear head on frozen RegNet features, trained without a softmax.
//!
//! * Model: `C` independent sigmoids, `p_ik = sigma(w_k . x_i)`, `x_i = [1, features, 0-pad]`.
//! * Objective ("squared likelihood error" in the paper; in its code the per-class Bernoulli
//!   log-likelihood) `L(W) = sum_i sum_k ln|p_ik - 1 + y_ik|`, maximised. Its gradient is
//!   `G = (Y - P)^T X` (`C x d`). With a polynomial in place of the sigmoid the same formula
//!   is used with `P = poly(X W^T)`, as the encrypted code does.
//! * Quadratic gradient: every class block of the Hessian is `-X^T diag(p(1-p)) X`, bounded
//!   below by `-X^T X / 4`. Chiang's diagonal replacement is
//!   `B_jj = eps + 1/4 sum_k sum_i |x_ij| |x_ik|` (HE.CNNtraining, `Tools::zInvBFromTraindata`),
//!   which dominates `X^T X / 4` (a diagonally dominant difference), so `B^-1 G` is a safe
//!   Newton-like step. The data owner computes it from its own data.
//! * Kim et al. (2018) NAG: `lambda_0` given, `lambda_{t+1} = (1 + sqrt(1 + 4 lambda_t^2)) / 2`,
//!   `eta_t = (1 - lambda_t) / lambda_{t+1}`, and
//!   `w_{t+1} = v_t + alpha_t B^-1 G(v_t)`, `v_{t+1} = (1 - eta_t) w_{t+1} + eta_t w_t`,
//!   with Chiang's quadratic-gradient rate `alpha_t = 1 + 1 / ((t + 1) n)`.
//!   Chiang's Python replay evaluates the gradient at `w_t` instead and reports `v`; that
//!   variant is kept as [`NagVariant::ChiangReplay`] to reproduce its numbers.

use rayon::prelude::*;

use super::activation::softplus;
use super::{Activation, Polynomial, ReferenceError, accuracy};
use crate::data::preprocess::one_hot;
use crate::{Matrix, ShapeError};

/// How the gradient is scaled before the NAG step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Preconditioner {
    /// Chiang's diagonal `B^-1` with step `1 + 1/((t+1) n)`.
    QuadraticGradient { epsilon: f64 },
    /// Plain NAG with step `1/((t+1) n)` (Chiang's baseline).
    Identity,
}

/// Which sequence the gradient is taken at, and which one is the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NagVariant {
    /// Kim et al.: gradient at the look-ahead `v_t`, model `w`.
    Kim,
    /// Chiang's Python: gradient at `w_t`, step from `v_t`, model `v`.
    ChiangReplay,
}

/// Training settings.
#[derive(Clone, Debug, PartialEq)]
pub struct MlrConfig {
    pub iterations: usize,
    pub activation: Activation,
    pub preconditioner: Preconditioner,
    pub nag: NagVariant,
    /// Every weight starts at this value (Chiang's Python: 0; his C++: 0.022).
    pub initial_weight: f64,
    /// `lambda_0` of the NAG schedule (Chiang: 0.01).
    pub lambda0: f64,
}

impl MlrConfig {
    /// The paper's setting: 2 iterations, degree-3 sigmoid, quadratic gradient (eps = 1e-10),
    /// Kim's NAG from zero weights.
    pub fn chiang_paper() -> Self {
        Self {
            iterations: 2,
            activation: Activation::Polynomial(Polynomial::chiang_sigmoid3()),
            preconditioner: Preconditioner::QuadraticGradient { epsilon: 1e-10 },
            nag: NagVariant::Kim,
            initial_weight: 0.0,
            lambda0: 0.01,
        }
    }
}

/// Kim et al.'s momentum weights `eta_t`.
#[derive(Clone, Debug)]
pub struct NagSchedule {
    lambda: f64,
}

impl NagSchedule {
    pub fn new(lambda0: f64) -> Self {
        Self { lambda: lambda0 }
    }

    /// `eta_t`, advancing `lambda`.
    pub fn next_eta(&mut self) -> f64 {
        let next = (1.0 + (1.0 + 4.0 * self.lambda * self.lambda).sqrt()) / 2.0;
        let eta = (1.0 - self.lambda) / next;
        self.lambda = next;
        eta
    }
}

/// Chiang's diagonal `B_jj = eps + 1/4 sum_k sum_i |x_ij| |x_ik|`, in `O(n d)`:
/// `sum_i |x_ij| s_i` with row sums `s_i = sum_k |x_ik|`.
pub fn quadratic_gradient_diagonal(x: &Matrix, epsilon: f64) -> Vec<f64> {
    let mut b = vec![0.0; x.cols()];
    for row in x.row_iter() {
        let s: f64 = row.iter().map(|v| v.abs()).sum();
        for (bj, &xj) in b.iter_mut().zip(row) {
            *bj += xj.abs() * s;
        }
    }
    b.iter_mut().for_each(|bj| *bj = epsilon + 0.25 * *bj);
    b
}

/// `X W^T`: one row of class scores per sample.
pub fn scores(x: &Matrix, w: &Matrix) -> Result<Matrix, ShapeError> {
    if x.cols() != w.cols() {
        return Err(ShapeError::DimensionMismatch {
            what: "weight columns vs features",
            expected: x.cols(),
            found: w.cols(),
        });
    }
    let c = w.rows();
    let mut out = vec![0.0; x.rows() * c];
    if c > 0 {
        out.par_chunks_mut(c).enumerate().for_each(|(i, dst)| {
            let xi = x.row(i);
            for (k, d) in dst.iter_mut().enumerate() {
                *d = dot(xi, w.row(k));
            }
        });
    }
    Ok(Matrix::from_parts(x.rows(), c, out))
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Rows per work item; fixed so that sums do not depend on the thread count.
const CHUNK_ROWS: usize = 256;

/// `(Y - act(X W^T))^T X`.
pub fn sle_gradient(
    x: &Matrix,
    y: &Matrix,
    w: &Matrix,
    activation: &Activation,
) -> Result<Matrix, ShapeError> {
    if y.rows() != x.rows() || y.cols() != w.rows() {
        return Err(ShapeError::DimensionMismatch {
            what: "one-hot labels",
            expected: x.rows(),
            found: y.rows(),
        });
    }
    let z = scores(x, w)?;
    let (c, d) = (w.rows(), x.cols());
    let partials: Vec<Vec<f64>> = (0..x.rows().div_ceil(CHUNK_ROWS))
        .into_par_iter()
        .map(|chunk| {
            let mut g = vec![0.0; c * d];
            let end = ((chunk + 1) * CHUNK_ROWS).min(x.rows());
            for i in chunk * CHUNK_ROWS..end {
                let xi = x.row(i);
                for k in 0..c {
                    let r = y.get(i, k) - activation.eval(z.get(i, k));
                    for (gj, &xj) in g[k * d..(k + 1) * d].iter_mut().zip(xi) {
                        *gj += r * xj;
                    }
                }
            }
            g
        })
        .collect();
    let mut g = vec![0.0; c * d];
    for p in partials {
        for (a, b) in g.iter_mut().zip(p) {
            *a += b;
        }
    }
    Ok(Matrix::from_parts(c, d, g))
}

/// `sum_i sum_k ln|sigma(z_ik) - 1 + y_ik|` with the exact sigmoid (one-hot `y`).
pub fn sle_log_likelihood(x: &Matrix, y: &Matrix, w: &Matrix) -> Result<f64, ShapeError> {
    let z = scores(x, w)?;
    if y.rows() != z.rows() || y.cols() != z.cols() {
        return Err(ShapeError::DimensionMismatch {
            what: "one-hot labels",
            expected: z.rows(),
            found: y.rows(),
        });
    }
    // ln sigma(z) = -softplus(-z), ln(1 - sigma(z)) = -softplus(z).
    Ok(z.as_slice()
        .iter()
        .zip(y.as_slice())
        .map(|(&zik, &yik)| {
            if yik > 0.5 {
                -softplus(-zik)
            } else {
                -softplus(zik)
            }
        })
        .sum())
}

/// Accuracy and objective after one iteration (iteration 0 is the initial model).
#[derive(Clone, Debug, PartialEq)]
pub struct MlrIteration {
    pub iteration: usize,
    pub train_accuracy: f64,
    pub test_accuracy: f64,
    /// Training objective with the exact sigmoid (higher is better, at most 0).
    pub log_likelihood: f64,
}

/// Result of [`train_mlr`].
#[derive(Clone, Debug, PartialEq)]
pub struct MlrRun {
    /// The model, `classes x d`.
    pub weights: Matrix,
    /// `B_jj` when the quadratic gradient was used.
    pub b_diagonal: Option<Vec<f64>>,
    pub history: Vec<MlrIteration>,
}

/// Trains the head on `train_x` (rows already `[1, x, pad]`) and reports accuracy on
/// `test_x` after every iteration.
pub fn train_mlr(
    train_x: &Matrix,
    train_labels: &[u8],
    test_x: &Matrix,
    test_labels: &[u8],
    classes: usize,
    config: &MlrConfig,
) -> Result<MlrRun, ReferenceError> {
    let n = train_x.rows();
    if n == 0 || test_x.rows() == 0 || classes == 0 {
        return Err(ShapeError::Empty.into());
    }
    if train_labels.len() != n {
        return Err(ShapeError::DimensionMismatch {
            what: "training labels",
            expected: n,
            found: train_labels.len(),
        }
        .into());
    }
    if test_x.cols() != train_x.cols() {
        return Err(ShapeError::DimensionMismatch {
            what: "test feature columns",
            expected: train_x.cols(),
            found: test_x.cols(),
        }
        .into());
    }
    if !config.initial_weight.is_finite() || !config.lambda0.is_finite() {
        return Err(ReferenceError::InvalidParameter {
            name: "MLR config",
            reason: "initial weight and lambda0 must be finite",
        });
    }
    let y = one_hot(train_labels, classes)?;
    let d = train_x.cols();
    let b_diagonal = match config.preconditioner {
        Preconditioner::QuadraticGradient { epsilon } => {
            if !(epsilon > 0.0 && epsilon.is_finite()) {
                return Err(ReferenceError::InvalidParameter {
                    name: "quadratic-gradient epsilon",
                    reason: "must be positive and finite",
                });
            }
            Some(quadratic_gradient_diagonal(train_x, epsilon))
        }
        Preconditioner::Identity => None,
    };
    let inv_b: Option<Vec<f64>> = b_diagonal
        .as_ref()
        .map(|b| b.iter().map(|v| 1.0 / v).collect());

    let mut w = Matrix::from_parts(classes, d, vec![config.initial_weight; classes * d]);
    let mut v = w.clone();
    let mut schedule = NagSchedule::new(config.lambda0);
    let mut history = Vec::with_capacity(config.iterations + 1);
    let report = |iteration: usize, model: &Matrix| -> Result<MlrIteration, ReferenceError> {
        Ok(MlrIteration {
            iteration,
            train_accuracy: accuracy(&scores(train_x, model)?, train_labels)?,
            test_accuracy: accuracy(&scores(test_x, model)?, test_labels)?,
            log_likelihood: sle_log_likelihood(train_x, &y, model)?,
        })
    };
    history.push(report(0, &w)?);
    for t in 0..config.iterations {
        let at = match config.nag {
            NagVariant::Kim => &v,
            NagVariant::ChiangReplay => &w,
        };
        let g = sle_gradient(train_x, &y, at, &config.activation)?;
        let step = 1.0 / ((t + 1) as f64 * n as f64);
        let (alpha, scale) = match &inv_b {
            Some(ib) => (1.0 + step, Some(ib)),
            None => (step, None),
        };
        let mut w_next = v.clone();
        for k in 0..classes {
            let dst = w_next.row_mut(k);
            for (j, (wj, &gj)) in dst.iter_mut().zip(g.row(k)).enumerate() {
                let p = scale.map_or(1.0, |ib| ib[j]);
                *wj += alpha * p * gj;
            }
        }
        let eta = schedule.next_eta();
        let mut v_next = w_next.clone();
        for (vn, &wo) in v_next.as_mut_slice().iter_mut().zip(w.as_slice()) {
            *vn = (1.0 - eta) * *vn + eta * wo;
        }
        w = w_next;
        v = v_next;
        let model = match config.nag {
            NagVariant::Kim => &w,
            NagVariant::ChiangReplay => &v,
        };
        if model.as_slice().iter().any(|x| !x.is_finite()) {
            return Err(ReferenceError::Diverged { step: t + 1 });
        }
        history.push(report(t + 1, model)?);
    }
    let weights = match config.nag {
        NagVariant::Kim => w,
        NagVariant::ChiangReplay => v,
    };
    Ok(MlrRun {
        weights,
        b_diagonal,
        history,
    })
}
