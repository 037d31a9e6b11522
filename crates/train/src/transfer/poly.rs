//! `mask ⊙ p(x)` without a level for the mask: each coefficient is multiplied into the
//! shallower factor of its term as a plaintext (`c_k·mask`), so Chiang's cubic costs depth 2
//! like the unmasked polynomial.

use std::collections::BTreeMap;

use blindfold_pack::Cost;
use blindfold_rlwe::SlotAlgebra;

/// Largest power of two strictly below `k ≥ 2`.
fn split(k: usize) -> usize {
    1 << (usize::BITS - 1 - (k - 1).leading_zeros())
}

/// The non-constant part of a monomial polynomial, `Σ_{k≥1} c_k x^k`, with a mask.
///
/// Term `k ≥ 2` is `((c_k·mask) ⊙ x^{k−a}) · x^a` with `a` the largest power of two below
/// `k`; powers are built as `x^j = x^a·x^{j−a}` (depth `⌈log2 j⌉`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct MaskedPoly {
    coeffs: Vec<f64>,
}

impl MaskedPoly {
    /// Monomial coefficients, lowest first.
    pub(crate) fn new(coeffs: Vec<f64>) -> Self {
        Self { coeffs }
    }

    pub(crate) fn constant(&self) -> f64 {
        self.coeffs.first().copied().unwrap_or(0.0)
    }

    fn terms(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.coeffs
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, c)| **c != 0.0)
            .map(|(k, &c)| (k, c))
    }

    /// Powers `j ≥ 2` to compute, with their depth.
    fn powers(&self) -> BTreeMap<usize, usize> {
        fn need(j: usize, out: &mut BTreeMap<usize, usize>) -> usize {
            if j <= 1 {
                return 0;
            }
            if let Some(&d) = out.get(&j) {
                return d;
            }
            let a = split(j);
            let d = need(a, out).max(need(j - a, out)) + 1;
            out.insert(j, d);
            d
        }
        let mut out = BTreeMap::new();
        for (k, _) in self.terms() {
            if k >= 2 {
                let a = split(k);
                need(a, &mut out);
                need(k - a, &mut out);
            }
        }
        out
    }

    /// Products and depth of one evaluation (no rotations).
    pub(crate) fn cost(&self) -> Cost {
        let powers = self.powers();
        let depth_of = |j: usize| if j <= 1 { 0 } else { powers[&j] };
        let mut cost = Cost {
            ct_mul: powers.len(),
            ..Cost::default()
        };
        for (k, _) in self.terms() {
            cost.pt_mul += 1;
            let d = if k == 1 {
                1
            } else {
                cost.ct_mul += 1;
                let a = split(k);
                (depth_of(k - a) + 1).max(depth_of(a)) + 1
            };
            cost.depth = cost.depth.max(d);
        }
        cost
    }

    /// `Σ_{k≥1} (c_k·mask) x^k`, or `None` for a constant polynomial.
    pub(crate) fn eval<A: SlotAlgebra<Scalar = f64>>(
        &self,
        alg: &A,
        x: &A::Ct,
        mask: &[f64],
    ) -> Result<Option<A::Ct>, A::Error> {
        let mut pow: BTreeMap<usize, A::Ct> = BTreeMap::new();
        pow.insert(1, x.clone());
        for &j in self.powers().keys() {
            // Ascending order: both factors of x^j are already there.
            let a = split(j);
            let p = if a == j - a {
                alg.square(&pow[&a])?
            } else {
                alg.mul(&pow[&a], &pow[&(j - a)])?
            };
            pow.insert(j, p);
        }
        let mut acc: Option<A::Ct> = None;
        for (k, c) in self.terms() {
            let low = if k == 1 { 1 } else { k - split(k) };
            let scaled: Vec<f64> = mask.iter().map(|m| c * m).collect();
            let pt = alg.encode(&scaled, alg.level(&pow[&low]))?;
            let mut term = alg.mul_plain(&pow[&low], &pt)?;
            if k >= 2 {
                term = alg.mul(&term, &pow[&split(k)])?;
            }
            acc = Some(match acc {
                None => term,
                Some(s) => alg.add(&s, &term)?,
            });
        }
        Ok(acc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blindfold_rlwe::Clear;

    #[test]
    fn matches_direct_evaluation_with_planned_depth() {
        let alg = Clear::real(8, 8);
        let xs = [0.3, -1.2, 2.0, 0.0, 5.5, -3.0, 1.0, 0.7];
        let mask = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0];
        let x = alg.encrypt(&xs, 8).unwrap();
        for coeffs in [
            vec![0.5, 0.1068, 0.0, -0.000385],
            vec![1.0, -2.0, 0.5, 3.0, 0.25, -0.125, 0.0, 0.01],
            vec![0.0, 0.0, 0.0, 0.0, 0.0, 1.0],
            vec![2.0],
            vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1e-6],
        ] {
            let p = MaskedPoly::new(coeffs.clone());
            let r = p.eval(&alg, &x, &mask).unwrap();
            for (i, &xi) in xs.iter().enumerate() {
                let direct: f64 = coeffs
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(k, c)| c * xi.powi(k as i32))
                    .sum();
                let got = r.as_ref().map_or(0.0, |r| r.values[i]);
                assert!((got - mask[i] * direct).abs() <= 1e-12 * (1.0 + direct.abs()));
            }
            let depth = r.map_or(0, |r| 8 - r.level);
            assert_eq!(depth, p.cost().depth, "{coeffs:?}");
        }
        assert_eq!(
            MaskedPoly::new(vec![0.5, 0.1068, 0.0, -0.000385]).cost(),
            Cost {
                rotations: 0,
                ct_mul: 2,
                pt_mul: 2,
                depth: 2
            }
        );
    }
}
