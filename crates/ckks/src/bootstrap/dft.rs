//! The special DFT of the canonical embedding as a product of sparse diagonal matrices.
//!
//! The encoder's special FFT is `V = S_{log n} ··· S_1 · BR` (`BR` the bit reversal,
//! `S_t` the radix-2 butterflies on blocks of `2^t` slots with twiddles `ω^{5^j}`). The
//! bootstrap never needs `BR`: SlotToCoeff applies `S_{log n} ··· S_1` (so the coefficients
//! come out bit-reversed) and CoeffToSlot applies `S_1^{-1} ··· S_{log n}^{-1}` (which puts
//! them back in order), since `BR` is an involution. Consecutive stages are merged into one
//! matrix per level; a group of `m` stages starting at butterfly distance `s` has non-zero
//! diagonals only at multiples of `s` in `(-2^m·s, 2^m·s)`.

use std::collections::BTreeMap;
use std::f64::consts::PI;

use crate::C64;

/// A linear map on `n` slots by its non-zero diagonals: `y_i = Σ_k d_k[i] · x_{(i+k) mod n}`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct DiagMatrix {
    n: usize,
    diags: BTreeMap<usize, Vec<C64>>,
}

impl DiagMatrix {
    pub(crate) fn identity(n: usize) -> Self {
        Self {
            n,
            diags: BTreeMap::from([(0, vec![C64::real(1.0); n])]),
        }
    }

    pub(crate) fn n(&self) -> usize {
        self.n
    }

    /// Non-zero diagonals by offset (`0 ≤ k < n`).
    pub(crate) fn diags(&self) -> &BTreeMap<usize, Vec<C64>> {
        &self.diags
    }

    fn entry(&mut self, k: usize) -> &mut Vec<C64> {
        let n = self.n;
        self.diags
            .entry(k % n)
            .or_insert_with(|| vec![C64::default(); n])
    }

    /// `self · b` (apply `b` first).
    pub(crate) fn mul(&self, b: &DiagMatrix) -> DiagMatrix {
        let n = self.n;
        let mut out = DiagMatrix {
            n,
            diags: BTreeMap::new(),
        };
        // (A·B x)_i = Σ_j a_j[i] Σ_k b_k[i+j] x_{i+j+k}.
        for (&j, a) in &self.diags {
            for (&k, bk) in &b.diags {
                let d = out.entry(j + k);
                for i in 0..n {
                    d[i] = d[i] + a[i] * bk[(i + j) % n];
                }
            }
        }
        out.diags.retain(|_, d| d.iter().any(|z| z.abs() > 1e-300));
        out
    }

    /// Multiplies every entry by `c`.
    pub(crate) fn scale(&mut self, c: f64) {
        for d in self.diags.values_mut() {
            d.iter_mut().for_each(|z| *z = z.scale(c));
        }
    }

    /// Largest entry modulus.
    pub(crate) fn max_abs(&self) -> f64 {
        self.diags
            .values()
            .flat_map(|d| d.iter().map(|z| z.abs()))
            .fold(0.0, f64::max)
    }

    /// `M·x` in the clear (tests and plans).
    #[cfg(test)]
    pub(crate) fn apply(&self, x: &[C64]) -> Vec<C64> {
        let n = self.n;
        (0..n)
            .map(|i| {
                self.diags
                    .iter()
                    .fold(C64::default(), |acc, (&k, d)| acc + d[i] * x[(i + k) % n])
            })
            .collect()
    }
}

/// `ω_j = e^{2πi·(5^j mod 4·len)/(4·len)}` for `j < len/2`: the twiddles of the stage on
/// blocks of `len` slots (those of `Encoder::special_fft`).
fn twiddles(len: usize) -> Vec<C64> {
    let m = 4 * len;
    let mut g = 1usize;
    (0..len / 2)
        .map(|_| {
            let w = C64::cis(2.0 * PI * g as f64 / m as f64);
            g = g * 5 % m;
            w
        })
        .collect()
}

/// Stage `S_t` (blocks of `len = 2^t`): `(a, b) ↦ (a + ω b, a − ω b)`, or its inverse
/// `(x, y) ↦ ((x + y)/2, (x − y)·ω̄/2)`.
fn stage(n: usize, len: usize, inverse: bool) -> DiagMatrix {
    let h = len / 2;
    let w = twiddles(len);
    let mut m = DiagMatrix {
        n,
        diags: BTreeMap::new(),
    };
    for start in (0..n).step_by(len) {
        for (p, &wp) in w.iter().enumerate() {
            let (lo, hi) = (start + p, start + p + h);
            if inverse {
                let half = C64::real(0.5);
                let wc = wp.conj().scale(0.5);
                m.entry(0)[lo] = half;
                m.entry(h)[lo] = half;
                m.entry(n - h)[hi] = wc;
                m.entry(0)[hi] = -wc;
            } else {
                m.entry(0)[lo] = C64::real(1.0);
                m.entry(h)[lo] = wp;
                m.entry(n - h)[hi] = C64::real(1.0);
                m.entry(0)[hi] = -wp;
            }
        }
    }
    m
}

/// Stages `1 ..= log2 n` split into `levels` consecutive groups, as equal as possible (the
/// first groups one larger), each as `(first stage, count)`.
pub(crate) fn groups(log_n: u32, levels: usize) -> Vec<(u32, u32)> {
    let levels = levels.max(1).min(log_n.max(1) as usize) as u32;
    let (base, extra) = (log_n / levels, log_n % levels);
    let mut out = Vec::new();
    let mut t = 1;
    for g in 0..levels {
        let c = base + u32::from(g < extra);
        out.push((t, c));
        t += c;
    }
    out
}

/// SlotToCoeff: `S_{log n} ··· S_1` as `levels` matrices in the order they are applied
/// (first the group holding `S_1`), with the butterfly distance of their first stage.
pub(crate) fn slots_to_coeffs(n: usize, levels: usize) -> Vec<(DiagMatrix, usize)> {
    let log_n = n.trailing_zeros();
    groups(log_n, levels)
        .into_iter()
        .map(|(first, count)| {
            let mut m = DiagMatrix::identity(n);
            for t in first..first + count {
                m = stage(n, 1 << t, false).mul(&m);
            }
            (m, 1usize << (first - 1))
        })
        .collect()
}

/// CoeffToSlot: `S_1^{-1} ··· S_{log n}^{-1}` as `levels` matrices in the order they are
/// applied (first the group holding `S_{log n}^{-1}`), with their butterfly distance.
pub(crate) fn coeffs_to_slots(n: usize, levels: usize) -> Vec<(DiagMatrix, usize)> {
    let log_n = n.trailing_zeros();
    let mut g = groups(log_n, levels);
    g.reverse();
    g.into_iter()
        .map(|(first, count)| {
            let mut m = DiagMatrix::identity(n);
            for t in (first..first + count).rev() {
                m = stage(n, 1 << t, true).mul(&m);
            }
            (m, 1usize << (first - 1))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bit_reverse(v: &[C64]) -> Vec<C64> {
        let n = v.len();
        let bits = n.trailing_zeros();
        (0..n)
            .map(|i| {
                if bits == 0 {
                    v[i]
                } else {
                    v[i.reverse_bits() >> (usize::BITS - bits)]
                }
            })
            .collect()
    }

    /// `Σ_k c_k ζ_j^k` with `ζ_j = e^{2πi·5^j/(4n)}`: the embedding evaluated directly.
    fn embed(c: &[C64]) -> Vec<C64> {
        let n = c.len();
        let m = 4 * n;
        let mut g = 1usize;
        (0..n)
            .map(|_| {
                let s = c.iter().enumerate().fold(C64::default(), |acc, (k, &ck)| {
                    acc + ck * C64::cis(2.0 * PI * ((g * k) % m) as f64 / m as f64)
                });
                g = g * 5 % m;
                s
            })
            .collect()
    }

    fn sample(n: usize) -> Vec<C64> {
        (0..n)
            .map(|i| C64::new((i as f64 * 0.37).sin(), (i as f64 * 0.91 + 1.0).cos()))
            .collect()
    }

    #[test]
    fn stc_is_the_embedding_of_bit_reversed_coefficients() {
        for n in [1usize, 2, 8, 32, 64] {
            for levels in 1..=3 {
                let z = sample(n);
                let mut y = z.clone();
                for (m, _) in slots_to_coeffs(n, levels) {
                    y = m.apply(&y);
                }
                // StC(z) are the slots of the polynomial with coefficients BR·z.
                let expect = embed(&bit_reverse(&z));
                for (a, b) in y.iter().zip(&expect) {
                    assert!((*a - *b).abs() < 1e-9, "n={n} levels={levels}");
                }
            }
        }
    }

    #[test]
    fn cts_inverts_stc_and_diagonals_are_sparse() {
        for n in [4usize, 16, 128] {
            for levels in 1..=3 {
                let z = sample(n);
                let mut y = z.clone();
                for (m, _) in slots_to_coeffs(n, levels) {
                    y = m.apply(&y);
                }
                for (m, stride) in coeffs_to_slots(n, levels) {
                    // Non-zero diagonals at multiples of the stride, at most 2^{m+1} − 1.
                    assert!(m.diags().keys().all(|k| k % stride == 0));
                    y = m.apply(&y);
                }
                for (a, b) in y.iter().zip(&z) {
                    assert!((*a - *b).abs() < 1e-9, "n={n} levels={levels}");
                }
            }
        }
        let g = groups(15, 3);
        assert_eq!(g, vec![(1, 5), (6, 5), (11, 5)]);
        let cts = coeffs_to_slots(1 << 10, 2);
        // The group holding the n/2-distance stage wraps: 2^5 diagonals, not 2^6 − 1.
        assert_eq!(cts[0].0.diags().len(), 32);
        assert_eq!(cts[1].0.diags().len(), 63);
    }
}
