//! Masked polynomials `mask ⊙ p(z)` sharing the powers of one input, at depth
//! `⌊log2 deg⌋ + 1` with the mask (and any scale factor) folded into the coefficients.
//!
//! Term `c_k z^k` is built along the binary digits of `k`: `(c_k·mask) ⊙ z^{2^{j0}}` (the
//! lowest digit, a plaintext product) times the squares `z^{2^j}` of its higher digits, so
//! a term costs `popcount(k) − 1` ciphertext products on top of the shared squarings and
//! ends at depth `⌊log2 k⌋ + 1`. Slots the mask clears end at exactly zero whatever `z`
//! held there (partial sums of a rotate-and-sum).
//!
//! In fixed point, with `z` at exponent `e`, the coefficient of term `k` is encoded at
//! exponent `coeff_bits + (deg − k)·e`, so every term lands on `coeff_bits + deg·e`.

use blindfold_rlwe::SlotAlgebra;

use super::FcError;
use super::arith::{FcScalar, Num, Val};

/// `2^{−shift} · Σ c_k z^k`: a polynomial with a factor that is folded into the coefficients
/// (reals) or, when it is a power of two in fixed point, kept as an exponent shift (exact).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Scaled {
    pub coeffs: Vec<f64>,
    pub shift: u32,
}

impl Scaled {
    /// `factor · Σ coeffs_k z^k`.
    pub fn new(coeffs: &[f64], factor: f64, fixed: bool) -> Self {
        if fixed && factor > 0.0 && factor <= 1.0 {
            let s = (-factor.log2()).round();
            if (s as i32) >= 0 && (-s).exp2() == factor {
                return Self {
                    coeffs: coeffs.to_vec(),
                    shift: s as u32,
                };
            }
        }
        Self {
            coeffs: coeffs.iter().map(|c| c * factor).collect(),
            shift: 0,
        }
    }

    /// Index of the highest non-zero coefficient (0 for a constant).
    pub fn degree(&self) -> usize {
        self.coeffs.iter().rposition(|&c| c != 0.0).unwrap_or(0)
    }
}

/// Monomial coefficients of `p'` from those of `p`.
pub(crate) fn derivative(coeffs: &[f64]) -> Vec<f64> {
    if coeffs.len() <= 1 {
        return vec![0.0];
    }
    coeffs
        .iter()
        .enumerate()
        .skip(1)
        .map(|(k, &c)| k as f64 * c)
        .collect()
}

/// Depth of a degree-`d` evaluation (`d ≥ 1`).
pub(crate) fn depth(d: usize) -> usize {
    d.ilog2() as usize + 1
}

/// `mask ⊙ p(z)` for each of `polys` (each of degree `≥ 1`).
pub(crate) fn eval_masked<A: SlotAlgebra>(
    num: &Num<'_, A>,
    z: &Val<A::Ct>,
    polys: &[&Scaled],
    coeff_bits: u32,
    mask: &[f64],
) -> Result<Vec<Val<A::Ct>>, FcError<A::Error>>
where
    A::Scalar: FcScalar,
{
    let fixed = num.fixed();
    let top = polys.iter().map(|p| p.degree()).max().unwrap_or(0);
    if polys.iter().any(|p| p.degree() == 0) {
        return Err(FcError::State {
            reason: "a masked polynomial of degree 0",
        });
    }
    // squares[j] = z^(2^j).
    let mut squares: Vec<Val<A::Ct>> = vec![z.clone()];
    while (1usize << squares.len()) <= top {
        let last = &squares[squares.len() - 1];
        squares.push(num.mul(last, last)?);
    }
    let e = z.exp;
    let mut out = Vec::with_capacity(polys.len());
    for p in polys {
        let d = p.degree();
        let out_exp = if fixed { coeff_bits + d as u32 * e } else { 0 };
        let mut acc: Option<Val<A::Ct>> = None;
        for (k, &c) in p.coeffs.iter().enumerate().skip(1) {
            if c == 0.0 {
                continue;
            }
            let j0 = k.trailing_zeros() as usize;
            let base = &squares[j0];
            let c_exp = if fixed {
                coeff_bits + (d - k) as u32 * e
            } else {
                0
            };
            let scaled: Vec<f64> = mask.iter().map(|m| c * m).collect();
            let pt = num.encode(&scaled, c_exp, num.alg.level(&base.ct))?;
            let mut term = Val::new(
                num.alg.mul_plain(&base.ct, &pt).map_err(FcError::Backend)?,
                num.times(base.exp, c_exp),
            );
            for (j, sq) in squares.iter().enumerate().skip(j0 + 1) {
                if k >> j & 1 == 1 {
                    term = num.mul(&term, sq)?;
                }
            }
            acc = Some(match acc {
                None => term,
                Some(a) => num.add(&a, &term)?,
            });
        }
        let mut v = acc.ok_or(FcError::State {
            reason: "a masked polynomial of degree 0",
        })?;
        if v.exp != out_exp {
            return Err(FcError::State {
                reason: "polynomial terms at different exponents",
            });
        }
        if p.coeffs[0] != 0.0 {
            let c0: Vec<f64> = mask.iter().map(|m| p.coeffs[0] * m).collect();
            let pt = num.encode(&c0, out_exp, num.alg.level(&v.ct))?;
            v.ct = num.alg.add_plain(&v.ct, &pt).map_err(FcError::Backend)?;
        }
        if fixed {
            v.exp += p.shift;
        }
        out.push(v);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use blindfold_rlwe::Clear;

    /// Against direct evaluation, masked slots exactly zero, depth `⌊log2 d⌋ + 1`, on reals
    /// and in fixed point (integers modulo a large prime).
    #[test]
    fn masked_polynomials_match_direct_evaluation() {
        let xs = [0.375, -1.25, 2.0, 0.0, 5.5, -3.0, 1.0, 0.75];
        let mask = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0];
        let polys = [
            vec![0.5, 0.1068, 0.0, -0.000385],
            vec![1.0, -2.0, 0.5, 3.0, 0.25, -0.125, 0.0, 0.01],
            vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
            vec![0.25, 1.0],
        ];
        let direct = |c: &[f64], x: f64| c.iter().rev().fold(0.0, |a, &v| a * x + v);
        let real = Clear::real(8, 8);
        let num = Num::new(&real, true);
        let z = Val::new(real.encrypt(&xs, 8).unwrap(), 0);
        for c in &polys {
            for factor in [1.0, 0.25, 0.3] {
                let p = Scaled::new(c, factor, false);
                let r = eval_masked(&num, &z, &[&p], 0, &mask).unwrap().remove(0);
                for (i, &x) in xs.iter().enumerate() {
                    let want = mask[i] * factor * direct(c, x);
                    assert!((r.ct.values[i] - want).abs() <= 1e-12 * (1.0 + want.abs()));
                }
                assert_eq!(8 - r.ct.level, depth(p.degree()), "{c:?}");
            }
        }
        // Fixed point: z at exponent 3, coefficients at 10 bits, η = 1/4 as a shift.
        let t = (1u64 << 61) - 1;
        let int = Clear::integer(8, 8, t);
        let num = Num::new(&int, true);
        let zi: Vec<i64> = xs.iter().map(|x| (x * 8.0) as i64).collect();
        let z = Val::new(int.encrypt(&zi, 8).unwrap(), 3);
        let c = &polys[0];
        let p = Scaled::new(c, 0.25, true);
        assert_eq!(p.shift, 2);
        let r = eval_masked(&num, &z, &[&p], 10, &mask).unwrap().remove(0);
        assert_eq!(r.exp, 10 + 3 * 3 + 2);
        for (i, &x) in xs.iter().enumerate() {
            let q = |k: usize| {
                let e = (10 + (3 - k) * 3) as i32;
                (c[k] * 2f64.powi(e)).round() / 2f64.powi(e)
            };
            let want = mask[i] * 0.25 * (0..4).map(|k| q(k) * x.powi(k as i32)).sum::<f64>();
            assert_eq!(r.ct.values[i].to_real(r.exp), want);
        }
    }
}
