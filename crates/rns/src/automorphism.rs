use blindfold_modarith::Modulus;

use crate::Error;

/// Tables for the ring automorphism `X -> X^g` (`g` odd, `0 < g < 2N`).
///
/// In coefficient form coefficient `i` moves to `i*g mod 2N`, changing sign when it wraps past
/// `N`. In NTT form (slot `i` holds `a(ψ^(2·bitrev(i)+1))`) the map is a pure permutation of
/// slots, because `σ_g(a)(ψ^e) = a(ψ^(g·e))`.
#[derive(Clone, Debug)]
pub struct Automorphism {
    g: u64,
    /// Coefficient form: destination index, and whether the coefficient is negated.
    coeff_dest: Vec<(u32, bool)>,
    /// NTT form: `out[i] = in[ntt_src[i]]`.
    ntt_src: Vec<u32>,
}

fn bit_reverse(x: usize, bits: u32) -> usize {
    if bits == 0 {
        0
    } else {
        x.reverse_bits() >> (usize::BITS - bits)
    }
}

impl Automorphism {
    /// Builds the tables for `g`; fails unless `g` is odd and below `2N`.
    pub fn new(log_n: u32, g: u64) -> Result<Self, Error> {
        let n = 1usize << log_n;
        let two_n = 2 * n as u64;
        if g.is_multiple_of(2) || g >= two_n {
            return Err(Error::InvalidGaloisElement { element: g, two_n });
        }
        let mask = two_n - 1;
        let coeff_dest = (0..n as u64)
            .map(|i| {
                let j = (i * g) & mask;
                if j < n as u64 {
                    (j as u32, false)
                } else {
                    ((j - n as u64) as u32, true)
                }
            })
            .collect();
        let ntt_src = (0..n)
            .map(|i| {
                let e = 2 * bit_reverse(i, log_n) as u64 + 1;
                let ge = (e * g) & mask;
                bit_reverse(((ge - 1) / 2) as usize, log_n) as u32
            })
            .collect();
        Ok(Self {
            g,
            coeff_dest,
            ntt_src,
        })
    }

    /// The Galois element `g`.
    pub fn element(&self) -> u64 {
        self.g
    }

    /// NTT form: `out[i] = in[ntt_source()[i]]`.
    pub(crate) fn ntt_source(&self) -> &[u32] {
        &self.ntt_src
    }

    /// Applies the map to one coefficient-form limb modulo `q` (`out` is overwritten).
    pub fn apply_coeff(&self, input: &[u64], out: &mut [u64], q: &Modulus) {
        for (&x, &(dst, neg)) in input.iter().zip(&self.coeff_dest) {
            // The sign depends only on g and the index (public); the negation is branch-free.
            out[dst as usize] = if neg { q.neg(x) } else { x };
        }
    }

    /// Applies the map to one NTT-form limb (`out` is overwritten).
    pub fn apply_ntt(&self, input: &[u64], out: &mut [u64]) {
        for (o, &src) in out.iter_mut().zip(&self.ntt_src) {
            *o = input[src as usize];
        }
    }
}

/// Galois element of the slot rotation by `k` steps: `5^k mod 2N` (negative `k` rotates the
/// other way). Slots are ordered along powers of 5, as in CKKS and BGV batching.
pub fn rotation_element(log_n: u32, k: i64) -> u64 {
    let two_n = 2u64 << log_n;
    let slots = (1i64 << log_n) / 2;
    let k = k.rem_euclid(slots.max(1)) as u64;
    let mut acc = 1u64;
    let mut base = 5u64;
    let mut e = k;
    while e > 0 {
        if e & 1 == 1 {
            acc = acc * base % two_n;
        }
        base = base * base % two_n;
        e >>= 1;
    }
    acc
}

/// Galois element of complex conjugation (CKKS) / swapping the two rows (BGV): `2N - 1`.
pub fn conjugation_element(log_n: u32) -> u64 {
    (2u64 << log_n) - 1
}
