//! Sigmoid and its polynomial stand-ins (monomial coefficients, as an encrypted evaluator
//! would receive them).

use super::ReferenceError;

/// `c[0] + c[1] t + c[2] t^2 + ...` with `t = x / scale`: monomial coefficients in a scaled
/// variable, so that a fit on a wide interval keeps coefficients of size O(1) (which a
/// fixed-point or CKKS encoding needs). `scale = 1` gives plain monomials in `x`.
#[derive(Clone, Debug, PartialEq)]
pub struct Polynomial {
    coeffs: Vec<f64>,
    scale: f64,
}

impl Polynomial {
    /// Chiang's degree-3 sigmoid (README of HE.CNNtraining, "lambda = 128"):
    /// `0.5 + 0.10679534503216294 x - 0.00038503259805075 x^3`.
    pub const CHIANG_SIGMOID3: [f64; 4] = [
        0.5,
        0.106_795_345_032_162_94,
        0.0,
        -0.000_385_032_598_050_75,
    ];

    /// Monomial coefficients, lowest degree first; at least one, all finite.
    pub fn new(coeffs: Vec<f64>) -> Result<Self, ReferenceError> {
        if coeffs.is_empty() {
            return Err(ReferenceError::InvalidParameter {
                name: "polynomial coefficients",
                reason: "at least one coefficient is needed",
            });
        }
        if coeffs.iter().any(|c| !c.is_finite()) {
            return Err(ReferenceError::InvalidParameter {
                name: "polynomial coefficients",
                reason: "coefficients must be finite",
            });
        }
        Ok(Self { coeffs, scale: 1.0 })
    }

    /// Coefficients in `t = x / scale`.
    pub fn scaled(coeffs: Vec<f64>, scale: f64) -> Result<Self, ReferenceError> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(ReferenceError::InvalidParameter {
                name: "polynomial scale",
                reason: "must be positive and finite",
            });
        }
        let mut p = Self::new(coeffs)?;
        p.scale = scale;
        Ok(p)
    }

    /// The input scale: coefficients apply to `x / scale`.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Coefficients as plain monomials in `x` (`c_k / scale^k`).
    pub fn monomial_coeffs(&self) -> Vec<f64> {
        let mut f = 1.0;
        self.coeffs
            .iter()
            .map(|&c| {
                let v = c * f;
                f /= self.scale;
                v
            })
            .collect()
    }

    /// Chiang's degree-3 sigmoid.
    pub fn chiang_sigmoid3() -> Self {
        Self {
            coeffs: Self::CHIANG_SIGMOID3.to_vec(),
            scale: 1.0,
        }
    }

    /// Coefficients in `t = x / scale`, lowest degree first.
    pub fn coeffs(&self) -> &[f64] {
        &self.coeffs
    }

    /// Highest index (trailing zeros included).
    pub fn degree(&self) -> usize {
        self.coeffs.len() - 1
    }

    /// Horner evaluation in `t = x / scale`.
    pub fn eval(&self, x: f64) -> f64 {
        let t = x / self.scale;
        self.coeffs.iter().rev().fold(0.0, |acc, &c| acc * t + c)
    }

    /// Horner evaluation with `round` applied after every multiplication (fixed-point
    /// arithmetic; the scaling `x / scale` counts as one multiplication by `1 / scale`).
    pub fn eval_rounded(&self, x: f64, round: impl Fn(f64) -> f64) -> f64 {
        let t = if self.scale == 1.0 {
            x
        } else {
            round(x * round(1.0 / self.scale))
        };
        self.coeffs
            .iter()
            .rev()
            .fold(0.0, |acc, &c| round(acc * t) + round(c))
    }

    /// Derivative with respect to `x` at `x`.
    pub fn derivative_at(&self, x: f64) -> f64 {
        let t = x / self.scale;
        let c = &self.coeffs;
        let mut acc = 0.0;
        for k in (1..c.len()).rev() {
            acc = acc * t + k as f64 * c[k];
        }
        acc / self.scale
    }

    /// The derivative, as a polynomial in the same scaled variable.
    pub fn derivative(&self) -> Self {
        let coeffs: Vec<f64> = if self.coeffs.len() <= 1 {
            vec![0.0]
        } else {
            self.coeffs
                .iter()
                .enumerate()
                .skip(1)
                .map(|(k, &c)| k as f64 * c / self.scale)
                .collect()
        };
        Self {
            coeffs,
            scale: self.scale,
        }
    }

    /// Least-squares fit of `f` on `[lo, hi]` by a polynomial of `degree`, sampled at 4096
    /// equispaced points, returned in the scaled variable `x / max(|lo|, |hi|)` (which also
    /// keeps the normal equations well conditioned).
    pub fn fit_least_squares(
        f: impl Fn(f64) -> f64,
        degree: usize,
        lo: f64,
        hi: f64,
    ) -> Result<Self, ReferenceError> {
        if !(lo.is_finite() && hi.is_finite() && lo < hi) {
            return Err(ReferenceError::InvalidParameter {
                name: "fit interval",
                reason: "need finite lo < hi",
            });
        }
        if degree > 24 {
            return Err(ReferenceError::InvalidParameter {
                name: "fit degree",
                reason: "monomial least squares is ill-conditioned beyond degree 24",
            });
        }
        const SAMPLES: usize = 4096;
        let scale = lo.abs().max(hi.abs());
        let m = degree + 1;
        // Normal equations A^T A a = A^T y with A_ik = t_i^k.
        let mut ata = vec![0.0f64; m * m];
        let mut aty = vec![0.0f64; m];
        let mut powers = vec![0.0f64; m];
        for i in 0..SAMPLES {
            let x = lo + (hi - lo) * (i as f64) / ((SAMPLES - 1) as f64);
            let t = x / scale;
            let y = f(x);
            let mut p = 1.0;
            for pk in powers.iter_mut() {
                *pk = p;
                p *= t;
            }
            for r in 0..m {
                aty[r] += powers[r] * y;
                for c in 0..m {
                    ata[r * m + c] += powers[r] * powers[c];
                }
            }
        }
        let a = solve_dense(&mut ata, &mut aty, m).ok_or(ReferenceError::InvalidParameter {
            name: "fit degree",
            reason: "normal equations are singular",
        })?;
        Self::scaled(a, scale)
    }
}

/// Gaussian elimination with partial pivoting; `None` if singular.
fn solve_dense(a: &mut [f64], b: &mut [f64], n: usize) -> Option<Vec<f64>> {
    for col in 0..n {
        let pivot =
            (col..n).max_by(|&i, &j| a[i * n + col].abs().total_cmp(&a[j * n + col].abs()))?;
        if a[pivot * n + col].abs() < 1e-300 {
            return None;
        }
        if pivot != col {
            for k in 0..n {
                a.swap(pivot * n + k, col * n + k);
            }
            b.swap(pivot, col);
        }
        for row in col + 1..n {
            let factor = a[row * n + col] / a[col * n + col];
            for k in col..n {
                a[row * n + k] -= factor * a[col * n + k];
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let mut s = b[row];
        for k in row + 1..n {
            s -= a[row * n + k] * x[k];
        }
        x[row] = s / a[row * n + row];
    }
    Some(x)
}

/// The logistic function, computed without overflow for large `|x|`.
pub fn sigmoid(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

/// `ln(1 + e^x)` without overflow.
pub(crate) fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// The activation a pipeline uses in place of the sigmoid.
#[derive(Clone, Debug, PartialEq)]
pub enum Activation {
    /// `1 / (1 + e^-x)`.
    Sigmoid,
    /// A polynomial approximation (what an encrypted evaluation computes).
    Polynomial(Polynomial),
}

impl Activation {
    /// Value at `x`.
    pub fn eval(&self, x: f64) -> f64 {
        match self {
            Self::Sigmoid => sigmoid(x),
            Self::Polynomial(p) => p.eval(x),
        }
    }

    /// Derivative at `x` (of the function actually evaluated, so gradients are exact).
    pub fn derivative(&self, x: f64) -> f64 {
        match self {
            Self::Sigmoid => {
                let s = sigmoid(x);
                s * (1.0 - s)
            }
            Self::Polynomial(p) => p.derivative_at(x),
        }
    }
}
