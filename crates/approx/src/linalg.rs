//! Dense solvers: Householder QR for least squares, LU with partial pivoting for square systems.

use crate::error::ApproxError;

/// Minimizes `‖A c - y‖₂` for `A` of shape `rows × cols` stored column-major, by Householder QR
/// (backward stable; never forms `AᵀA`). Errors with `RankDeficient` when a column is, to
/// working precision, a combination of the previous ones.
pub(crate) fn least_squares_qr(
    mut a: Vec<f64>,
    rows: usize,
    cols: usize,
    mut y: Vec<f64>,
) -> Result<Vec<f64>, ApproxError> {
    debug_assert_eq!(a.len(), rows * cols);
    debug_assert_eq!(y.len(), rows);
    if rows < cols {
        return Err(ApproxError::TooFewPoints {
            points: rows,
            needed: cols,
        });
    }
    let col_norm = |a: &[f64], j: usize, from: usize| -> f64 {
        // Scaled 2-norm to avoid overflow/underflow.
        let col = &a[j * rows + from..(j + 1) * rows];
        let scale = col.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        if scale == 0.0 {
            return 0.0;
        }
        scale * col.iter().map(|v| (v / scale).powi(2)).sum::<f64>().sqrt()
    };
    let max_norm = (0..cols).map(|j| col_norm(&a, j, 0)).fold(0.0f64, f64::max);
    let tiny = 64.0 * f64::EPSILON * (rows as f64).sqrt() * max_norm;
    let mut diag = vec![0.0; cols];
    for j in 0..cols {
        let norm = col_norm(&a, j, j);
        if norm <= tiny {
            return Err(ApproxError::RankDeficient { column: j });
        }
        let ajj = a[j * rows + j];
        let alpha = if ajj > 0.0 { -norm } else { norm };
        // v = x - alpha e1 stored in place; H = I - 2 v vᵀ / vᵀv, vᵀv = 2 norm (norm + |ajj|).
        a[j * rows + j] = ajj - alpha;
        let vtv = 2.0 * norm * (norm + ajj.abs());
        diag[j] = alpha;
        let (head, tail) = a.split_at_mut((j + 1) * rows);
        let v = &head[j * rows + j..(j + 1) * rows];
        for k in 0..cols - j - 1 {
            let col = &mut tail[k * rows + j..(k + 1) * rows];
            let s: f64 = v.iter().zip(col.iter()).map(|(vi, ci)| vi * ci).sum();
            let f = 2.0 * s / vtv;
            for (ci, vi) in col.iter_mut().zip(v) {
                *ci -= f * vi;
            }
        }
        let yt = &mut y[j..];
        let s: f64 = v.iter().zip(yt.iter()).map(|(vi, yi)| vi * yi).sum();
        let f = 2.0 * s / vtv;
        for (yi, vi) in yt.iter_mut().zip(v) {
            *yi -= f * vi;
        }
    }
    // Back substitution with R (diag in `diag`, strict upper part in a).
    let mut c = vec![0.0; cols];
    for j in (0..cols).rev() {
        let mut s = y[j];
        for k in j + 1..cols {
            s -= a[k * rows + j] * c[k];
        }
        c[j] = s / diag[j];
    }
    Ok(c)
}

/// Solves the square system `M z = b` (`M` row-major `n × n`) by LU with partial pivoting.
pub(crate) fn solve(mut m: Vec<f64>, n: usize, mut b: Vec<f64>) -> Result<Vec<f64>, ApproxError> {
    debug_assert_eq!(m.len(), n * n);
    let scale = m.iter().fold(0.0f64, |s, v| s.max(v.abs()));
    let tiny = f64::EPSILON * scale * n as f64 * 1e-3;
    for col in 0..n {
        let (piv, pval) =
            (col..n)
                .map(|r| (r, m[r * n + col].abs()))
                .fold(
                    (col, -1.0),
                    |best, cur| if cur.1 > best.1 { cur } else { best },
                );
        if pval <= tiny {
            return Err(ApproxError::SingularSystem { size: n });
        }
        if piv != col {
            for k in 0..n {
                m.swap(piv * n + k, col * n + k);
            }
            b.swap(piv, col);
        }
        let d = m[col * n + col];
        for r in col + 1..n {
            let f = m[r * n + col] / d;
            if f != 0.0 {
                for k in col..n {
                    m[r * n + k] -= f * m[col * n + k];
                }
                b[r] -= f * b[col];
            }
        }
    }
    let mut z = vec![0.0; n];
    for r in (0..n).rev() {
        let mut s = b[r];
        for k in r + 1..n {
            s -= m[r * n + k] * z[k];
        }
        z[r] = s / m[r * n + r];
    }
    Ok(z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_solves_overdetermined_system() {
        // Fit y = 1 + 2t exactly from 5 points: residual 0, coefficients recovered.
        let ts = [-1.0, -0.5, 0.0, 0.5, 1.0];
        let mut a = vec![1.0; 5];
        a.extend_from_slice(&ts);
        let y: Vec<f64> = ts.iter().map(|t| 1.0 + 2.0 * t).collect();
        let c = least_squares_qr(a, 5, 2, y).unwrap();
        assert!((c[0] - 1.0).abs() < 1e-15 && (c[1] - 2.0).abs() < 1e-15);
    }

    #[test]
    fn qr_matches_closed_form_regression() {
        // Simple linear regression has the closed form slope = cov/var.
        let ts = [0.0, 1.0, 2.0, 3.0];
        let ys = [1.0, 3.0, 2.0, 5.0];
        let mut a = vec![1.0; 4];
        a.extend_from_slice(&ts);
        let c = least_squares_qr(a, 4, 2, ys.to_vec()).unwrap();
        // mean t = 1.5, mean y = 2.75; Σ(t-1.5)(y-2.75) = 5.5; Σ(t-1.5)² = 5: slope 1.1.
        assert!((c[1] - 1.1).abs() < 1e-14);
        assert!((c[0] - (2.75 - 1.1 * 1.5)).abs() < 1e-14);
    }

    #[test]
    fn qr_reports_rank_deficiency() {
        // Two identical columns.
        let a = vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0];
        assert_eq!(
            least_squares_qr(a, 3, 2, vec![1.0, 1.0, 1.0]),
            Err(ApproxError::RankDeficient { column: 1 })
        );
    }

    #[test]
    fn lu_solves_and_detects_singularity() {
        let m = vec![0.0, 2.0, 1.0, 1.0, 1.0, 0.0, 3.0, 0.0, 1.0];
        // z = (1, 2, 3): b = M z.
        let b = vec![7.0, 3.0, 6.0];
        let z = solve(m, 3, b).unwrap();
        for (zi, want) in z.iter().zip([1.0, 2.0, 3.0]) {
            assert!((zi - want).abs() < 1e-14);
        }
        assert_eq!(
            solve(vec![1.0, 2.0, 2.0, 4.0], 2, vec![1.0, 1.0]),
            Err(ApproxError::SingularSystem { size: 2 })
        );
    }
}
