//! Remez exchange for best uniform (minimax) approximation.
//!
//! Works in the mapped variable `t ∈ [-1, 1]` with the Chebyshev basis. For odd or even fits the
//! target must have that parity about the center, and the exchange runs on the half interval
//! `t ∈ [0, 1]` where the restricted basis is a Haar system.
//!
//! Each iteration: (1) solve `Σ c_k T_k(r_i) + (-1)^i E = f(r_i)` on the `m + 1` reference points
//! (`m` basis functions); (2) sample the error on a dense Chebyshev-spaced grid, take the largest
//! `|e|` of every maximal run of equal sign, and refine each by golden-section search; (3) keep
//! `m + 1` alternating extrema containing the global maximum (multi-point exchange). Stops when
//! `(max|e| - |E|) / max|e| <= tolerance` (de la Vallée Poussin: the best error then lies in
//! `[|E|, max|e|]`), or when `max|e| - |E|` has stopped shrinking below the rounding level of
//! evaluating the error, `8 (m+1) ε max(|f|, Σ|c_k|) + 4 ε max(|a|,|b|) |f'|` (then
//! [`MinimaxFit::at_noise_floor`] is set).

use crate::cheb::cos_pi_ratio;
use crate::error::ApproxError;
use crate::linalg::solve;
use crate::poly::{Interval, Polynomial, Terms, clenshaw};
use crate::quadrature::chebyshev_extrema_grid;
use crate::{MAX_DEGREE, MAX_POINTS};

/// Settings of [`remez`].
#[derive(Clone, Copy, Debug)]
pub struct RemezOptions {
    pub degree: usize,
    pub terms: Terms,
    pub max_iterations: usize,
    /// Stop when `(max|e| - |E|) / max|e|` is at most this.
    pub tolerance: f64,
    /// Dense sampling grid size; `None` = `max(2048, 32 (degree + 1))`.
    pub grid_points: Option<usize>,
}

impl RemezOptions {
    /// All terms, 100 iterations, relative levelling tolerance `1e-9`.
    pub fn new(degree: usize) -> Self {
        Self {
            degree,
            terms: Terms::All,
            max_iterations: 100,
            tolerance: 1e-9,
            grid_points: None,
        }
    }

    pub fn terms(mut self, terms: Terms) -> Self {
        self.terms = terms;
        self
    }

    pub fn tolerance(mut self, tolerance: f64) -> Self {
        self.tolerance = tolerance;
        self
    }

    pub fn max_iterations(mut self, n: usize) -> Self {
        self.max_iterations = n;
        self
    }
}

/// Result of [`remez`].
#[derive(Clone, Debug, PartialEq)]
pub struct MinimaxFit {
    /// The minimax polynomial, Chebyshev basis, zeros at excluded terms.
    pub polynomial: Polynomial,
    /// `|E|` of the last reference system: a lower bound on the best possible error.
    pub levelled_error: f64,
    /// `max |f - p|` over the refined extrema: an upper bound, equal to `|E|` within tolerance.
    pub max_error: f64,
    /// The final alternation points `(x, f(x) - p(x))`, increasing in `x`: `m + 1` points for
    /// `m` basis functions (`degree + 2` for `Terms::All`). For odd/even fits they lie in
    /// `[center, b]`; mirror them for the other half.
    pub alternation: Vec<(f64, f64)>,
    pub iterations: usize,
    /// True when rounding stopped the exchange before the tolerance was met: either the error
    /// itself is at the rounding level of evaluating `f - p` in f64 (the polynomial is as good as
    /// this arithmetic can tell, but need not equioscillate), or `max|e| - |E|` is below that
    /// level while still above `tolerance · max|e|`.
    pub at_noise_floor: bool,
}

/// Best uniform approximation of `f` on `interval` by polynomials with the allowed terms.
///
/// With `Terms::All` and a target that is exactly odd or even about the center (checked on the
/// sampling grid to 1e-12 relative), the best approximation has that parity; the exchange then
/// runs on the restricted basis (a symmetric reference would otherwise make the levelled system
/// degenerate, `E = 0`), and the alternation set is mirrored back to the whole interval.
pub fn remez<F: Fn(f64) -> f64>(
    f: F,
    interval: Interval,
    options: &RemezOptions,
) -> Result<MinimaxFit, ApproxError> {
    let degree = options.degree;
    if degree > MAX_DEGREE {
        return Err(ApproxError::DegreeTooLarge {
            degree,
            max: MAX_DEGREE,
        });
    }
    if !(options.tolerance.is_finite() && options.tolerance > 0.0) {
        return Err(ApproxError::InvalidTolerance {
            tolerance: options.tolerance,
        });
    }
    let ks = options.terms.indices(degree)?;
    let n_grid = options
        .grid_points
        .unwrap_or_else(|| (32 * (degree + 1)).max(2048))
        .clamp(4 * (ks.len() + 2), MAX_POINTS);
    let g = |t: f64| -> Result<f64, ApproxError> {
        let x = interval.from_unit(t);
        let y = f(x);
        if y.is_finite() {
            Ok(y)
        } else {
            Err(ApproxError::NonFiniteValue { x, value: y })
        }
    };

    if options.terms != Terms::All {
        let grid = chebyshev_extrema_grid(n_grid, true);
        let gvals: Vec<f64> = grid.iter().map(|&t| g(t)).collect::<Result<_, _>>()?;
        check_parity(&g, options.terms, &grid, &gvals, interval)?;
        let ex = exchange(
            &g,
            &ks,
            degree,
            options.terms,
            grid,
            gvals,
            interval,
            options,
        )?;
        let alternation = ex
            .reference
            .iter()
            .map(|&(t, e)| (interval.from_unit(t), e))
            .collect();
        return ex.into_fit(interval, alternation);
    }

    let grid = chebyshev_extrema_grid(n_grid, false);
    let gvals: Vec<f64> = grid.iter().map(|&t| g(t)).collect::<Result<_, _>>()?;
    // Exact parity of the target: solve the restricted problem on [0, 1].
    for parity in [Terms::Odd, Terms::Even] {
        let Ok(pks) = parity.indices(degree) else {
            continue;
        };
        if !has_parity(parity, &grid, &gvals) {
            continue;
        }
        let half_grid = chebyshev_extrema_grid(n_grid, true);
        let half_vals: Vec<f64> = half_grid.iter().map(|&t| g(t)).collect::<Result<_, _>>()?;
        let ex = exchange(
            &g, &pks, degree, parity, half_grid, half_vals, interval, options,
        )?;
        let alternation = mirror(&ex.reference, parity, degree + 2)
            .into_iter()
            .map(|(t, e)| (interval.from_unit(t), e))
            .collect();
        return ex.into_fit(interval, alternation);
    }
    let ex = exchange(&g, &ks, degree, Terms::All, grid, gvals, interval, options)?;
    let alternation = ex
        .reference
        .iter()
        .map(|&(t, e)| (interval.from_unit(t), e))
        .collect();
    ex.into_fit(interval, alternation)
}

/// Outcome of the exchange in the mapped variable.
struct Exchange {
    coeffs: Vec<f64>,
    levelled: f64,
    max_error: f64,
    /// Final reference `(t, e(t))`, increasing.
    reference: Vec<(f64, f64)>,
    iterations: usize,
    at_noise_floor: bool,
}

impl Exchange {
    fn into_fit(
        self,
        interval: Interval,
        alternation: Vec<(f64, f64)>,
    ) -> Result<MinimaxFit, ApproxError> {
        Ok(MinimaxFit {
            polynomial: Polynomial::chebyshev(self.coeffs, interval)?,
            levelled_error: self.levelled,
            max_error: self.max_error,
            alternation,
            iterations: self.iterations,
            at_noise_floor: self.at_noise_floor,
        })
    }
}

/// The Remez iteration for basis `T_k, k ∈ ks` on `grid` (`[0, 1]` for a parity restriction,
/// `[-1, 1]` otherwise).
#[allow(clippy::too_many_arguments)]
fn exchange(
    g: &dyn Fn(f64) -> Result<f64, ApproxError>,
    ks: &[usize],
    degree: usize,
    terms: Terms,
    grid: Vec<f64>,
    gvals: Vec<f64>,
    interval: Interval,
    options: &RemezOptions,
) -> Result<Exchange, ApproxError> {
    let m = ks.len();
    let scale = gvals.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    // Noise of f(x(t)) itself: x = m + h t is rounded by ~ε max(|a|, |b|), which moves f by
    // that much times |f'|; |dg/dt| = h |f'| is estimated by finite differences on the grid.
    let slope = grid
        .windows(2)
        .zip(gvals.windows(2))
        .fold(0.0f64, |s, (t, y)| {
            s.max((y[1] - y[0]).abs() / (t[1] - t[0]))
        });
    let reach = interval.a().abs().max(interval.b().abs()) / interval.half_width();
    let f_noise = 4.0 * f64::EPSILON * (scale + reach * slope);
    // Initial reference: the m + 1 extrema of a Chebyshev polynomial on the domain.
    let mut reference: Vec<f64> = match terms {
        Terms::All => (0..=m as u64)
            .rev()
            .map(|j| cos_pi_ratio(j, m as u64))
            .collect(),
        Terms::Odd => (0..=m as u64)
            .rev()
            .map(|j| cos_pi_ratio(j, 2 * m as u64 + 1))
            .collect(),
        Terms::Even => (0..=m as u64)
            .rev()
            .map(|j| cos_pi_ratio(j, 2 * m as u64))
            .collect(),
    };

    let mut coeffs = vec![0.0; degree + 1];
    let mut last = (0.0, 0.0);
    let mut previous_spread = f64::INFINITY;
    for iteration in 1..=options.max_iterations {
        // (1) Levelled solution on the reference.
        let size = m + 1;
        let mut mat = vec![0.0; size * size];
        let mut rhs = Vec::with_capacity(size);
        let mut row = vec![0.0; degree + 1];
        for (i, &t) in reference.iter().enumerate() {
            chebyshev_values(t, &mut row);
            for (j, &k) in ks.iter().enumerate() {
                mat[i * size + j] = row[k];
            }
            mat[i * size + m] = if i % 2 == 0 { 1.0 } else { -1.0 };
            rhs.push(g(t)?);
        }
        let z = solve(mat, size, rhs)?;
        coeffs.fill(0.0);
        for (j, &k) in ks.iter().enumerate() {
            coeffs[k] = z[j];
        }
        let levelled = z[m].abs();

        // (2) Extrema of the error: the largest |e| of each run of equal sign, refined.
        let err = |t: f64| -> Result<f64, ApproxError> { Ok(g(t)? - clenshaw(&coeffs, t)) };
        let evals: Vec<f64> = grid
            .iter()
            .zip(&gvals)
            .map(|(&t, &y)| y - clenshaw(&coeffs, t))
            .collect();
        let mut extrema = Vec::new();
        let mut start = 0;
        while start < grid.len() {
            let positive = evals[start] >= 0.0;
            let mut end = start;
            let mut best = start;
            while end < grid.len() && (evals[end] >= 0.0) == positive {
                if evals[end].abs() > evals[best].abs() {
                    best = end;
                }
                end += 1;
            }
            let lo = grid[best.saturating_sub(1)];
            let hi = grid[(best + 1).min(grid.len() - 1)];
            let sign = if positive { 1.0 } else { -1.0 };
            extrema.push(refine(&err, lo, hi, grid[best], evals[best], sign)?);
            start = end;
        }
        let max_error = extrema.iter().fold(0.0f64, |s, e| s.max(e.1.abs()));
        last = (levelled, max_error);
        // Rounding level of evaluating f - p (Clenshaw's error is ~ m ε Σ|c_k|): differences
        // below it carry no information.
        let coeff_sum: f64 = coeffs.iter().map(|c| c.abs()).sum();
        let noise = 8.0 * (m + 1) as f64 * f64::EPSILON * scale.max(coeff_sum) + f_noise;
        if max_error <= noise {
            let reference = reference
                .iter()
                .map(|&t| Ok((t, err(t)?)))
                .collect::<Result<_, ApproxError>>()?;
            return Ok(Exchange {
                coeffs: coeffs.clone(),
                levelled,
                max_error,
                reference,
                iterations: iteration,
                at_noise_floor: true,
            });
        }
        if extrema.len() < m + 1 {
            return Err(ApproxError::TooFewAlternations {
                found: extrema.len(),
                needed: m + 1,
            });
        }
        // (3) Keep m + 1 alternating extrema with the largest errors.
        trim_alternating(&mut extrema, m + 1);
        let spread = max_error - levelled;
        reference = extrema.iter().map(|e| e.0).collect();
        // Done when levelled to tolerance, or when the remaining spread is rounding noise that
        // has stopped shrinking.
        let levelled_ok = spread <= options.tolerance * max_error;
        let stalled = spread <= noise && spread > 0.5 * previous_spread;
        if levelled_ok || stalled {
            return Ok(Exchange {
                coeffs: coeffs.clone(),
                levelled,
                max_error,
                reference: extrema,
                iterations: iteration,
                at_noise_floor: !levelled_ok,
            });
        }
        previous_spread = spread;
    }
    Err(ApproxError::RemezNotConverged {
        iterations: options.max_iterations,
        levelled_error: last.0,
        max_error: last.1,
    })
}

/// Reduces an alternating list of extrema to `keep` points, never dropping the largest: drop
/// the smaller end when one point too many, otherwise the smallest point together with its
/// smaller neighbour (which keeps the signs alternating), or the smallest if it is an end.
fn trim_alternating(extrema: &mut Vec<(f64, f64)>, keep: usize) {
    while extrema.len() > keep {
        let last_i = extrema.len() - 1;
        if extrema.len() == keep + 1 {
            let drop = if extrema[0].1.abs() < extrema[last_i].1.abs() {
                0
            } else {
                last_i
            };
            extrema.remove(drop);
            continue;
        }
        let (i, _) = extrema
            .iter()
            .enumerate()
            .fold((0, f64::INFINITY), |b, (i, e)| {
                if e.1.abs() < b.1 { (i, e.1.abs()) } else { b }
            });
        if i == 0 || i == last_i {
            extrema.remove(i);
        } else {
            let j = if extrema[i - 1].1.abs() < extrema[i + 1].1.abs() {
                i - 1
            } else {
                i + 1
            };
            extrema.remove(i.max(j));
            extrema.remove(i.min(j));
        }
    }
}

/// Whole-interval alternation set from a half-interval one for an error of the given parity,
/// cut to `keep` alternating points.
fn mirror(half: &[(f64, f64)], parity: Terms, keep: usize) -> Vec<(f64, f64)> {
    let s = if parity == Terms::Odd { -1.0 } else { 1.0 };
    let mut all: Vec<(f64, f64)> = half
        .iter()
        .rev()
        .filter(|p| p.0 > 0.0)
        .map(|&(t, e)| (-t, s * e))
        .collect();
    all.extend(half.iter().copied());
    // Merge neighbours of equal sign (the mirrored pair around 0 of an even error), keeping
    // the larger.
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(all.len());
    for p in all {
        match out.last_mut() {
            Some(q) if (q.1 >= 0.0) == (p.1 >= 0.0) => {
                if p.1.abs() > q.1.abs() {
                    *q = p;
                }
            }
            _ => out.push(p),
        }
    }
    trim_alternating(&mut out, keep);
    out
}

fn chebyshev_values(t: f64, out: &mut [f64]) {
    out[0] = 1.0;
    if out.len() > 1 {
        out[1] = t;
    }
    for k in 2..out.len() {
        out[k] = 2.0 * t * out[k - 1] - out[k - 2];
    }
}

/// Golden-section search for the maximum of `sign · e(t)` on `[lo, hi]`, starting from the grid
/// point `(t0, e0)`; never returns a worse point than the start.
fn refine(
    err: &dyn Fn(f64) -> Result<f64, ApproxError>,
    mut lo: f64,
    mut hi: f64,
    t0: f64,
    e0: f64,
    sign: f64,
) -> Result<(f64, f64), ApproxError> {
    const INV_PHI: f64 = 0.618_033_988_749_894_8;
    let mut best = (t0, e0);
    let mut x1 = hi - INV_PHI * (hi - lo);
    let mut x2 = lo + INV_PHI * (hi - lo);
    let mut f1 = err(x1)?;
    let mut f2 = err(x2)?;
    for _ in 0..60 {
        if hi - lo <= 1e-15 * (1.0 + lo.abs().max(hi.abs())) {
            break;
        }
        if sign * f1 > sign * f2 {
            hi = x2;
            x2 = x1;
            f2 = f1;
            x1 = hi - INV_PHI * (hi - lo);
            f1 = err(x1)?;
        } else {
            lo = x1;
            x1 = x2;
            f1 = f2;
            x2 = lo + INV_PHI * (hi - lo);
            f2 = err(x2)?;
        }
    }
    for (x, e) in [(x1, f1), (x2, f2)] {
        if sign * e > sign * best.1 {
            best = (x, e);
        }
    }
    Ok(best)
}

/// Checks `f(m + s) = ±f(m - s)` on the half grid (relative 1e-9 of the largest `|f|`).
fn check_parity(
    g: &dyn Fn(f64) -> Result<f64, ApproxError>,
    terms: Terms,
    grid: &[f64],
    gvals: &[f64],
    interval: Interval,
) -> Result<(), ApproxError> {
    let s = if terms == Terms::Odd { 1.0 } else { -1.0 };
    let mut mirrored = Vec::with_capacity(grid.len());
    for &t in grid {
        mirrored.push(g(-t)?);
    }
    let scale = gvals
        .iter()
        .chain(&mirrored)
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let tol = 1e-9 * scale.max(f64::MIN_POSITIVE);
    for ((&t, &y), &ym) in grid.iter().zip(gvals).zip(&mirrored) {
        if (y + s * ym).abs() > tol {
            return Err(ApproxError::TargetParity {
                terms,
                x: interval.from_unit(t),
                value: y,
                mirrored: ym,
            });
        }
    }
    Ok(())
}

/// Whether values on the symmetric full grid are odd (`Terms::Odd`) or even to 1e-12 relative.
fn has_parity(parity: Terms, grid: &[f64], gvals: &[f64]) -> bool {
    let n = grid.len();
    let scale = gvals.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if scale == 0.0 {
        return false;
    }
    let s = if parity == Terms::Odd { 1.0 } else { -1.0 };
    (0..n).all(|i| (gvals[i] + s * gvals[n - 1 - i]).abs() <= 1e-12 * scale)
}
