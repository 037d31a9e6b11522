//! Least-squares fits: continuous (weighted) L2 by quadrature, discrete weighted points, and a
//! Sobolev (value + derivative) variant.
//!
//! All of them build the design matrix in the Chebyshev basis of the interval (columns are
//! orthogonal-ish and bounded by 1) and solve it by Householder QR, so degree 63 is as easy as
//! degree 3. The result is a Chebyshev-basis [`Polynomial`] with zeros at excluded terms.

use core::fmt;

use crate::error::ApproxError;
use crate::linalg::least_squares_qr;
use crate::poly::{Interval, Polynomial, Terms};
use crate::quadrature::{Quadrature, gauss_chebyshev, gauss_legendre};
use crate::{MAX_DEGREE, MAX_POINTS};

/// Weight function of a continuous least-squares fit.
#[derive(Clone, Copy)]
pub enum Weight<'a> {
    /// `w = 1`: plain L2 on the interval (Gauss–Legendre quadrature).
    Uniform,
    /// `w = 1/√(1 - t²)` in the mapped variable: the fit is the truncated Chebyshev series
    /// (Gauss–Chebyshev quadrature).
    Chebyshev,
    /// `w(x) >= 0` given in the raw variable (Gauss–Legendre quadrature of `w (f - p)²`).
    Custom(&'a dyn Fn(f64) -> f64),
}

impl fmt::Debug for Weight<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Weight::Uniform => write!(f, "Uniform"),
            Weight::Chebyshev => write!(f, "Chebyshev"),
            Weight::Custom(_) => write!(f, "Custom(..)"),
        }
    }
}

/// Settings of [`least_squares`].
#[derive(Clone, Copy, Debug)]
pub struct LeastSquaresOptions<'a> {
    pub degree: usize,
    pub terms: Terms,
    pub weight: Weight<'a>,
    /// Quadrature points; `None` = `max(512, 4(degree + 1))`.
    pub quadrature_points: Option<usize>,
}

impl<'a> LeastSquaresOptions<'a> {
    /// All terms, uniform weight, default quadrature.
    pub fn new(degree: usize) -> Self {
        Self {
            degree,
            terms: Terms::All,
            weight: Weight::Uniform,
            quadrature_points: None,
        }
    }

    pub fn terms(mut self, terms: Terms) -> Self {
        self.terms = terms;
        self
    }

    pub fn weight(mut self, weight: Weight<'a>) -> Self {
        self.weight = weight;
        self
    }

    pub fn quadrature_points(mut self, n: usize) -> Self {
        self.quadrature_points = Some(n);
        self
    }
}

fn check_degree(degree: usize) -> Result<(), ApproxError> {
    if degree > MAX_DEGREE {
        Err(ApproxError::DegreeTooLarge {
            degree,
            max: MAX_DEGREE,
        })
    } else {
        Ok(())
    }
}

/// `T_0(t) … T_n(t)` (and optionally `T_k'(t) = k U_{k-1}(t)`) by the three-term recurrences.
fn chebyshev_row(t: f64, n: usize, values: &mut [f64], derivs: Option<&mut [f64]>) {
    values[0] = 1.0;
    if n >= 1 {
        values[1] = t;
    }
    for k in 2..=n {
        values[k] = 2.0 * t * values[k - 1] - values[k - 2];
    }
    if let Some(d) = derivs {
        // U_0 = 1, U_1 = 2t, U_k = 2t U_{k-1} - U_{k-2}; T_k' = k U_{k-1}.
        let (mut u_prev, mut u) = (0.0, 1.0);
        d[0] = 0.0;
        for (k, dk) in d.iter_mut().enumerate().take(n + 1).skip(1) {
            *dk = k as f64 * u;
            let next = 2.0 * t * u - u_prev;
            u_prev = u;
            u = next;
        }
    }
}

/// The quadrature rule (mapped to `x`) and per-point weights `λ_i · h · w(x_i)` of a fit.
struct WeightedPoints {
    xs: Vec<f64>,
    ts: Vec<f64>,
    ws: Vec<f64>,
}

fn weighted_points(
    interval: Interval,
    degree: usize,
    weight: Weight<'_>,
    quadrature_points: Option<usize>,
) -> Result<WeightedPoints, ApproxError> {
    let n = quadrature_points.unwrap_or_else(|| (4 * (degree + 1)).max(512));
    if n < degree + 1 {
        return Err(ApproxError::TooFewPoints {
            points: n,
            needed: degree + 1,
        });
    }
    let Quadrature { nodes, weights } = match weight {
        Weight::Chebyshev => gauss_chebyshev(n)?,
        Weight::Uniform | Weight::Custom(_) => gauss_legendre(n)?,
    };
    let h = interval.half_width();
    let xs: Vec<f64> = nodes.iter().map(|&t| interval.from_unit(t)).collect();
    let mut ws = Vec::with_capacity(n);
    for (i, (&x, &lam)) in xs.iter().zip(&weights).enumerate() {
        let w = match weight {
            Weight::Uniform | Weight::Chebyshev => 1.0,
            Weight::Custom(w) => w(x),
        };
        if !(w.is_finite() && w >= 0.0) {
            return Err(ApproxError::InvalidWeight {
                index: i,
                weight: w,
            });
        }
        ws.push(lam * h * w);
    }
    Ok(WeightedPoints { xs, ts: nodes, ws })
}

fn sample<F: Fn(f64) -> f64>(f: &F, xs: &[f64]) -> Result<Vec<f64>, ApproxError> {
    xs.iter()
        .map(|&x| {
            let y = f(x);
            if y.is_finite() {
                Ok(y)
            } else {
                Err(ApproxError::NonFiniteValue { x, value: y })
            }
        })
        .collect()
}

/// Solves `min Σ_i w_i (y_i - Σ_k c_k T_k(t_i))²` over the allowed `k`.
fn solve_weighted(
    ts: &[f64],
    ys: &[f64],
    ws: &[f64],
    interval: Interval,
    degree: usize,
    terms: Terms,
) -> Result<Polynomial, ApproxError> {
    let ks = terms.indices(degree)?;
    let rows = ts.len();
    let mut a = vec![0.0; rows * ks.len()];
    let mut rhs = Vec::with_capacity(rows);
    let mut row = vec![0.0; degree + 1];
    for (i, ((&t, &y), &w)) in ts.iter().zip(ys).zip(ws).enumerate() {
        let sw = w.sqrt();
        chebyshev_row(t, degree, &mut row, None);
        for (j, &k) in ks.iter().enumerate() {
            a[j * rows + i] = sw * row[k];
        }
        rhs.push(sw * y);
    }
    let c = least_squares_qr(a, rows, ks.len(), rhs)?;
    let mut coeffs = vec![0.0; degree + 1];
    for (&k, v) in ks.iter().zip(c) {
        coeffs[k] = v;
    }
    Polynomial::chebyshev(coeffs, interval)
}

/// Minimizes `∫ w(x) (f(x) - p(x))² dx` over polynomials of degree `<= degree` with the allowed
/// terms. The integral is replaced by a Gauss rule with `quadrature_points` nodes (exact when
/// `w (f - p)²` is a polynomial of degree `< 2n`), so this is the continuous fit up to the
/// quadrature error of the integrand.
pub fn least_squares<F: Fn(f64) -> f64>(
    f: F,
    interval: Interval,
    options: &LeastSquaresOptions<'_>,
) -> Result<Polynomial, ApproxError> {
    check_degree(options.degree)?;
    let pts = weighted_points(
        interval,
        options.degree,
        options.weight,
        options.quadrature_points,
    )?;
    let ys = sample(&f, &pts.xs)?;
    solve_weighted(
        &pts.ts,
        &ys,
        &pts.ws,
        interval,
        options.degree,
        options.terms,
    )
}

/// The objective of [`least_squares`] for a given polynomial, `Σ_i λ_i h w(x_i) (f(x_i) - p(x_i))²`,
/// with the same quadrature as the fit (so a fitted `p` is its exact minimizer).
pub fn weighted_l2_error_squared<F: Fn(f64) -> f64>(
    f: F,
    p: &Polynomial,
    options: &LeastSquaresOptions<'_>,
) -> Result<f64, ApproxError> {
    let pts = weighted_points(
        p.interval(),
        options.degree,
        options.weight,
        options.quadrature_points,
    )?;
    let ys = sample(&f, &pts.xs)?;
    Ok(pts
        .xs
        .iter()
        .zip(&ys)
        .zip(&pts.ws)
        .map(|((&x, &y), &w)| w * (y - p.eval(x)).powi(2))
        .sum())
}

/// Minimizes `Σ_i w_i (y_i - p(x_i))²` over the given points (weights default to 1). Every
/// point must lie in `interval` (the Chebyshev basis is only well conditioned there).
pub fn least_squares_discrete(
    xs: &[f64],
    ys: &[f64],
    weights: Option<&[f64]>,
    interval: Interval,
    degree: usize,
    terms: Terms,
) -> Result<Polynomial, ApproxError> {
    check_degree(degree)?;
    if ys.len() != xs.len() {
        return Err(ApproxError::LengthMismatch {
            expected: xs.len(),
            found: ys.len(),
        });
    }
    if xs.len() > MAX_POINTS {
        return Err(ApproxError::TooManyPoints {
            points: xs.len(),
            max: MAX_POINTS,
        });
    }
    let ws: Vec<f64> = match weights {
        Some(w) if w.len() != xs.len() => {
            return Err(ApproxError::LengthMismatch {
                expected: xs.len(),
                found: w.len(),
            });
        }
        Some(w) => w.to_vec(),
        None => vec![1.0; xs.len()],
    };
    for (index, &x) in xs.iter().enumerate() {
        if !interval.contains(x) {
            return Err(ApproxError::PointOutsideInterval { index, x });
        }
    }
    for (index, &y) in ys.iter().enumerate() {
        if !y.is_finite() {
            return Err(ApproxError::NonFiniteValue {
                x: xs[index],
                value: y,
            });
        }
    }
    for (index, &weight) in ws.iter().enumerate() {
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(ApproxError::InvalidWeight { index, weight });
        }
    }
    let ts: Vec<f64> = xs.iter().map(|&x| interval.to_unit(x)).collect();
    solve_weighted(&ts, ys, &ws, interval, degree, terms)
}

/// Settings of [`sobolev_least_squares`].
#[derive(Clone, Copy, Debug)]
pub struct SobolevOptions {
    pub degree: usize,
    pub terms: Terms,
    /// Weight of the value term relative to the derivative term.
    pub lambda: f64,
    /// Gauss–Legendre points; `None` = `max(512, 4(degree + 1))`.
    pub quadrature_points: Option<usize>,
}

/// Minimizes `λ ∫ (p - f)² dx + ∫ (p' - g)² dx` on the interval (uniform weight), where `g` is
/// the target for the derivative (normally `f'`). This is the fitting criterion of J. Chiang,
/// "On Polynomial Approximation of Activation Function" (arXiv 2202.00004), which produced the
/// sigmoid cubic of his transfer-learning CNN paper (see [`crate::chiang`]).
pub fn sobolev_least_squares<F, G>(
    f: F,
    g: G,
    interval: Interval,
    options: &SobolevOptions,
) -> Result<Polynomial, ApproxError>
where
    F: Fn(f64) -> f64,
    G: Fn(f64) -> f64,
{
    let degree = options.degree;
    check_degree(degree)?;
    if !(options.lambda.is_finite() && options.lambda > 0.0) {
        return Err(ApproxError::InvalidSobolevWeight {
            lambda: options.lambda,
        });
    }
    let ks = options.terms.indices(degree)?;
    let pts = weighted_points(interval, degree, Weight::Uniform, options.quadrature_points)?;
    let ys = sample(&f, &pts.xs)?;
    let dys = sample(&g, &pts.xs)?;
    let n = pts.xs.len();
    let rows = 2 * n;
    let inv_h = 1.0 / interval.half_width();
    let sqrt_lambda = options.lambda.sqrt();
    let mut a = vec![0.0; rows * ks.len()];
    let mut rhs = vec![0.0; rows];
    let mut vals = vec![0.0; degree + 1];
    let mut ders = vec![0.0; degree + 1];
    for i in 0..n {
        let sw = pts.ws[i].sqrt();
        chebyshev_row(pts.ts[i], degree, &mut vals, Some(&mut ders));
        for (j, &k) in ks.iter().enumerate() {
            a[j * rows + i] = sqrt_lambda * sw * vals[k];
            a[j * rows + n + i] = sw * ders[k] * inv_h;
        }
        rhs[i] = sqrt_lambda * sw * ys[i];
        rhs[n + i] = sw * dys[i];
    }
    let c = least_squares_qr(a, rows, ks.len(), rhs)?;
    let mut coeffs = vec![0.0; degree + 1];
    for (&k, v) in ks.iter().zip(c) {
        coeffs[k] = v;
    }
    Polynomial::chebyshev(coeffs, interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chebyshev_row_derivatives() {
        let mut v = vec![0.0; 6];
        let mut d = vec![0.0; 6];
        let t = 0.3;
        chebyshev_row(t, 5, &mut v, Some(&mut d));
        // T_5 = 16t^5 - 20t^3 + 5t, T_5' = 80t^4 - 60t^2 + 5.
        assert!((v[5] - (16.0 * t.powi(5) - 20.0 * t.powi(3) + 5.0 * t)).abs() < 1e-15);
        assert!((d[5] - (80.0 * t.powi(4) - 60.0 * t * t + 5.0)).abs() < 1e-14);
        // T_2' = 4t.
        assert!((d[2] - 4.0 * t).abs() < 1e-15);
    }
}
