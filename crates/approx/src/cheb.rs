//! Chebyshev nodes and interpolation.

use crate::error::ApproxError;
use crate::poly::{Interval, Polynomial};
use crate::{MAX_DEGREE, MAX_POINTS};

/// `cos(π p / q)` with the argument reduced exactly to `[0, π/4]` first, so that symmetric
/// arguments give exactly opposite values and `cos(π/2) = 0` exactly.
pub(crate) fn cos_pi_ratio(p: u64, q: u64) -> f64 {
    let two_q = 2 * q;
    let mut p = p % two_q;
    if p > q {
        p = two_q - p;
    }
    // p/q in [0, 1].
    if 2 * p > q {
        return -cos_pi_ratio(q - p, q);
    }
    // p/q in [0, 1/2].
    if 4 * p > q {
        // cos θ = sin(π/2 - θ), π/2 - θ = π (q - 2p) / (2q) in [0, π/4).
        return (core::f64::consts::PI * (q - 2 * p) as f64 / two_q as f64).sin();
    }
    (core::f64::consts::PI * p as f64 / q as f64).cos()
}

/// The `n` Chebyshev points of the first kind on `interval`, in increasing order:
/// `x_k = m + h·cos(π(2k+1)/(2n))`, the zeros of `T_n`.
pub fn chebyshev_nodes(n: usize, interval: Interval) -> Result<Vec<f64>, ApproxError> {
    if n == 0 {
        return Err(ApproxError::TooFewPoints {
            points: 0,
            needed: 1,
        });
    }
    if n > MAX_POINTS {
        return Err(ApproxError::TooManyPoints {
            points: n,
            max: MAX_POINTS,
        });
    }
    Ok(unit_nodes(n)
        .into_iter()
        .map(|t| interval.from_unit(t))
        .collect())
}

/// Zeros of `T_n` on `[-1, 1]`, increasing.
pub(crate) fn unit_nodes(n: usize) -> Vec<f64> {
    let q = 2 * n as u64;
    (0..n as u64)
        .rev()
        .map(|k| cos_pi_ratio(2 * k + 1, q))
        .collect()
}

/// The degree-`degree` polynomial interpolating `f` at the `degree + 1` Chebyshev points of the
/// first kind, in the Chebyshev basis. Exact (to rounding) when `f` is a polynomial of degree
/// `<= degree`; otherwise within a factor `2 + (2/π) ln(d+1)` of the best uniform approximation.
///
/// Coefficients by the discrete orthogonality of `T_j` at the nodes:
/// `c_j = (2/n) Σ_k f(x_k) cos(jπ(2k+1)/(2n))`, `c_0` halved (an O(n²) cosine transform with
/// exactly reduced angles).
pub fn interpolate<F: Fn(f64) -> f64>(
    f: F,
    interval: Interval,
    degree: usize,
) -> Result<Polynomial, ApproxError> {
    if degree > MAX_DEGREE {
        return Err(ApproxError::DegreeTooLarge {
            degree,
            max: MAX_DEGREE,
        });
    }
    let n = degree + 1;
    let q = 2 * n as u64;
    // Node k (in cos order, decreasing x) is cos(π(2k+1)/(2n)).
    let mut values = Vec::with_capacity(n);
    for k in 0..n as u64 {
        let x = interval.from_unit(cos_pi_ratio(2 * k + 1, q));
        let y = f(x);
        if !y.is_finite() {
            return Err(ApproxError::NonFiniteValue { x, value: y });
        }
        values.push(y);
    }
    // cos(π r / (2n)) for r in [0, 4n): every angle j(2k+1)π/(2n) reduces to one of these.
    let table: Vec<f64> = (0..2 * q).map(|r| cos_pi_ratio(r, q)).collect();
    let modulus = 2 * q;
    let coeffs = (0..n as u64)
        .map(|j| {
            let s: f64 = values
                .iter()
                .zip(0..n as u64)
                .map(|(y, k)| y * table[((j * (2 * k + 1)) % modulus) as usize])
                .sum();
            let c = 2.0 * s / n as f64;
            if j == 0 { c / 2.0 } else { c }
        })
        .collect();
    Polynomial::chebyshev(coeffs, interval)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cos_pi_ratio_matches_std_and_is_symmetric() {
        for q in 1..40u64 {
            for p in 0..4 * q {
                let want = (core::f64::consts::PI * p as f64 / q as f64).cos();
                let got = cos_pi_ratio(p, q);
                // std's own error grows with the rounded argument π·p/q.
                let tol = 1e-15 * (1.0 + p as f64 / q as f64);
                assert!((got - want).abs() < tol, "{p}/{q}: {got} vs {want}");
                assert_eq!(cos_pi_ratio(q - p % q, q), -cos_pi_ratio(p % q, q));
            }
        }
        assert_eq!(cos_pi_ratio(1, 2), 0.0);
        assert_eq!(cos_pi_ratio(3, 2), 0.0);
    }

    #[test]
    fn nodes_are_zeros_of_t_n() {
        for n in 1..30 {
            let t = chebyshev_nodes(n, Interval::UNIT).unwrap();
            assert!(t.windows(2).all(|w| w[0] < w[1]));
            for &x in &t {
                // T_n(x) = cos(n arccos x).
                let tn = (n as f64 * x.acos()).cos();
                assert!(tn.abs() < 1e-13, "n={n} x={x} T_n={tn}");
            }
        }
    }
}
