//! Gauss quadrature rules on `[-1, 1]`.

use crate::MAX_POINTS;
use crate::cheb::{cos_pi_ratio, unit_nodes};
use crate::error::ApproxError;

/// A quadrature rule: `∫ w(t) g(t) dt ≈ Σ weights[i] g(nodes[i])` on `[-1, 1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Quadrature {
    pub nodes: Vec<f64>,
    pub weights: Vec<f64>,
}

fn check_points(n: usize) -> Result<(), ApproxError> {
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
    Ok(())
}

/// `(P_n(x), P_n'(x))` by the three-term recurrence.
fn legendre_and_derivative(n: usize, x: f64) -> (f64, f64) {
    let (mut p0, mut p1) = (1.0, x);
    for k in 2..=n {
        let kf = k as f64;
        let p2 = ((2.0 * kf - 1.0) * x * p1 - (kf - 1.0) * p0) / kf;
        p0 = p1;
        p1 = p2;
    }
    let pn = if n == 0 { 1.0 } else { p1 };
    let pnm1 = if n == 0 { 0.0 } else { p0 };
    // (1 - x²) P_n' = n (P_{n-1} - x P_n).
    let dp = n as f64 * (pnm1 - x * pn) / (1.0 - x * x);
    (pn, dp)
}

/// `n`-point Gauss–Legendre rule (weight 1), exact for polynomials of degree `2n - 1`.
/// Nodes by Newton's method on `P_n` from the asymptotic guesses `cos(π(k + 3/4)/(n + 1/2))`,
/// weights `2 / ((1 - x²) P_n'(x)²)`; nodes in increasing order, exactly symmetric.
pub fn gauss_legendre(n: usize) -> Result<Quadrature, ApproxError> {
    check_points(n)?;
    let mut nodes = vec![0.0; n];
    let mut weights = vec![0.0; n];
    for i in 0..n.div_ceil(2) {
        // The i-th largest root.
        let mut x = (core::f64::consts::PI * (i as f64 + 0.75) / (n as f64 + 0.5)).cos();
        if 2 * i + 1 == n {
            x = 0.0;
        } else {
            for _ in 0..100 {
                let (p, dp) = legendre_and_derivative(n, x);
                let dx = p / dp;
                x -= dx;
                if dx.abs() <= 1e-16 * x.abs().max(1e-3) {
                    break;
                }
            }
        }
        let (_, dp) = legendre_and_derivative(n, x);
        let w = 2.0 / ((1.0 - x * x) * dp * dp);
        nodes[n - 1 - i] = x;
        nodes[i] = -x;
        weights[n - 1 - i] = w;
        weights[i] = w;
    }
    Ok(Quadrature { nodes, weights })
}

/// `n`-point Gauss–Chebyshev rule for the weight `1/√(1 - t²)`: nodes the zeros of `T_n`
/// (increasing), weights `π/n`. Exact for polynomials of degree `2n - 1` times the weight.
pub fn gauss_chebyshev(n: usize) -> Result<Quadrature, ApproxError> {
    check_points(n)?;
    Ok(Quadrature {
        nodes: unit_nodes(n),
        weights: vec![core::f64::consts::PI / n as f64; n],
    })
}

/// Equally spaced points on `[-1, 1]` (both ends included), exactly symmetric.
pub(crate) fn uniform_unit_grid(n: usize) -> Vec<f64> {
    let last = (n - 1) as f64;
    (0..n)
        .map(|i| {
            // Pair i with n-1-i so the grid is exactly symmetric.
            let j = n - 1 - i;
            if i <= j {
                -((j - i) as f64) / last
            } else {
                (i - j) as f64 / last
            }
        })
        .collect()
}

/// `cos(π i / m)` grid, used for dense sampling near the ends (increasing).
pub(crate) fn chebyshev_extrema_grid(n: usize, half: bool) -> Vec<f64> {
    let last = (n - 1) as u64;
    let q = if half { 2 * last } else { last };
    (0..=last).rev().map(|i| cos_pi_ratio(i, q)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ∫_{-1}^{1} t^k dt in closed form.
    fn moment(k: usize) -> f64 {
        if k % 2 == 1 {
            0.0
        } else {
            2.0 / (k as f64 + 1.0)
        }
    }

    #[test]
    fn gauss_legendre_integrates_polynomials_exactly() {
        for n in [1usize, 2, 3, 4, 5, 10, 33, 64, 200] {
            let q = gauss_legendre(n).unwrap();
            assert!(q.nodes.windows(2).all(|w| w[0] < w[1]), "n={n}");
            for k in 0..2 * n {
                let s: f64 = q
                    .nodes
                    .iter()
                    .zip(&q.weights)
                    .map(|(t, w)| w * t.powi(k as i32))
                    .sum();
                assert!((s - moment(k)).abs() < 1e-13, "n={n} k={k}: {s}");
            }
        }
    }

    #[test]
    fn gauss_legendre_large_n_weights_sum_to_two() {
        let q = gauss_legendre(3001).unwrap();
        let s: f64 = q.weights.iter().sum();
        assert!((s - 2.0).abs() < 1e-13);
        // ∫ cos(t) = 2 sin 1.
        let c: f64 = q
            .nodes
            .iter()
            .zip(&q.weights)
            .map(|(t, w)| w * t.cos())
            .sum();
        assert!((c - 2.0 * 1f64.sin()).abs() < 1e-13);
    }

    #[test]
    fn gauss_chebyshev_integrates_against_its_weight() {
        // ∫ t^{2j} / √(1-t²) = π (2j-1)!! / (2j)!!.
        let q = gauss_chebyshev(12).unwrap();
        let mut want = core::f64::consts::PI;
        for j in 0..12 {
            if j > 0 {
                want *= (2 * j - 1) as f64 / (2 * j) as f64;
            }
            let s: f64 = q
                .nodes
                .iter()
                .zip(&q.weights)
                .map(|(t, w)| w * t.powi(2 * j))
                .sum();
            assert!((s - want).abs() < 1e-14, "j={j}");
        }
    }

    #[test]
    fn grids_are_symmetric() {
        let g = uniform_unit_grid(101);
        assert_eq!(g[0], -1.0);
        assert_eq!(g[100], 1.0);
        assert_eq!(g[50], 0.0);
        assert!((0..101).all(|i| g[i] == -g[100 - i]));
        let h = chebyshev_extrema_grid(9, true);
        assert_eq!((h[0], h[8]), (0.0, 1.0));
        let f = chebyshev_extrema_grid(9, false);
        assert_eq!((f[0], f[8]), (-1.0, 1.0));
    }
}
