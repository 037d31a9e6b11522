//! Where the network's matrices sit in the slots.
//!
//! The slot index is read as three bit fields, low to high: `P`, `Q` and the batch field `B`
//! on top (`slot = p + q·|P| + b·|P||Q|`). Layer `l` (from 1) works on the tensor
//! `(b, o, n)` of its batch rows, output neurons and inputs; odd layers put `n` on `P` and
//! `o` on `Q`, even layers the other way round, so that a layer's output field is the next
//! layer's input field. An axis longer than its field is split across ciphertexts
//! ("chunks"); so is the batch.
//!
//! | matrix | values at | replicated over | ciphertexts |
//! |---|---|---|---|
//! | `A_{l−1}` (layer input, `X` for `l = 1`) | `(b, n)` | `o` (the first `o`-extent positions) | `b`-chunks × `n`-chunks |
//! | `W_l` | `(o, n)` | every `b` position | `o`-chunks × `n`-chunks |
//! | bias `b_l` | `(o)` at `n = 0` | every `b` position | `o`-chunks |
//! | `Z_l`, `δ_l` (after a sum over `n`) | `(b, o)` at `n = 0` | — | `b`-chunks × `o`-chunks |
//!
//! Three sums close the three products of a step, each a log-depth rotate-and-sum:
//! `Z = A·Wᵀ` sums over `n` (left rotations inside the `n` field, valid at `n = 0`),
//! `δ_{l−1} ∝ δ_l·W` over `o` (valid at `o = 0`), and the gradient `δᵀ·A` over `b`. The
//! batch field is on top, so its rotations wrap around the whole ciphertext: the gradient
//! sum is an all-reduce and lands replicated over every `b`, which is exactly `W`'s layout.
//! The other two sums leave partial sums beside the valid slot; the masks that clear them
//! are folded into the coefficients of the activation polynomial (forward) and into the
//! masked derivative `σ'` (backward), and right rotations then spread the clean values over
//! the extent the next product needs.

use super::SetupError;

/// One of the three slot fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    P,
    Q,
    B,
}

/// The field layout of a network: field sizes, extents and chunks of every axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FcLayout {
    slots: usize,
    p_bits: u32,
    q_bits: u32,
    b_bits: u32,
    /// Logical widths `d_0 .. d_L`.
    dims: Vec<usize>,
    /// Widths rounded up to powers of two.
    padded: Vec<usize>,
    batch: usize,
    batch_padded: usize,
}

fn pow2(n: usize) -> usize {
    n.max(1).next_power_of_two()
}

impl FcLayout {
    /// The layout with `|P| = 2^p_bits`, `|Q| = 2^q_bits` and the batch field taking the
    /// remaining bits of `slots` (a power of two).
    pub fn new(
        dims: &[usize],
        batch: usize,
        slots: usize,
        p_bits: u32,
        q_bits: u32,
    ) -> Result<Self, SetupError> {
        if dims.len() < 2 || dims.contains(&0) {
            return Err(SetupError::Config {
                name: "layers",
                reason: "need an input and at least one layer, none empty",
            });
        }
        if batch == 0 {
            return Err(SetupError::Config {
                name: "batch",
                reason: "must be positive",
            });
        }
        if !slots.is_power_of_two() || slots < 2 {
            return Err(SetupError::Config {
                name: "slots",
                reason: "must be a power of two, at least 2",
            });
        }
        let log = slots.ilog2();
        if p_bits + q_bits > log {
            return Err(SetupError::Config {
                name: "field bits",
                reason: "P and Q together exceed the slot count",
            });
        }
        Ok(Self {
            slots,
            p_bits,
            q_bits,
            b_bits: log - p_bits - q_bits,
            dims: dims.to_vec(),
            padded: dims.iter().map(|&d| pow2(d)).collect(),
            batch,
            batch_padded: pow2(batch),
        })
    }

    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Number of weight layers `L`.
    pub fn layers(&self) -> usize {
        self.dims.len() - 1
    }

    /// Logical widths `d_0 .. d_L`.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    pub fn batch(&self) -> usize {
        self.batch
    }

    /// `log2` of the field sizes `(|P|, |Q|, |B|)`.
    pub fn field_bits(&self) -> (u32, u32, u32) {
        (self.p_bits, self.q_bits, self.b_bits)
    }

    fn bits(&self, f: Field) -> u32 {
        match f {
            Field::P => self.p_bits,
            Field::Q => self.q_bits,
            Field::B => self.b_bits,
        }
    }

    /// Slot distance between neighbours along field `f`.
    pub fn stride(&self, f: Field) -> usize {
        match f {
            Field::P => 1,
            Field::Q => 1 << self.p_bits,
            Field::B => 1 << (self.p_bits + self.q_bits),
        }
    }

    /// Positions of field `f`.
    pub fn size(&self, f: Field) -> usize {
        1 << self.bits(f)
    }

    /// Field of layer `l`'s inputs (`1 ≤ l ≤ L`).
    pub fn n_field(&self, l: usize) -> Field {
        if l % 2 == 1 { Field::P } else { Field::Q }
    }

    /// Field of layer `l`'s outputs.
    pub fn o_field(&self, l: usize) -> Field {
        if l % 2 == 1 { Field::Q } else { Field::P }
    }

    /// Positions of field `f` used by an axis of padded width `width`.
    fn extent(&self, width: usize, f: Field) -> usize {
        width.min(self.size(f))
    }

    /// In-ciphertext extent of layer `l`'s input axis.
    pub fn n_extent(&self, l: usize) -> usize {
        self.extent(self.padded[l - 1], self.n_field(l))
    }

    /// In-ciphertext extent of layer `l`'s output axis.
    pub fn o_extent(&self, l: usize) -> usize {
        self.extent(self.padded[l], self.o_field(l))
    }

    /// Ciphertexts along layer `l`'s input axis.
    pub fn n_chunks(&self, l: usize) -> usize {
        self.padded[l - 1] / self.n_extent(l)
    }

    /// Ciphertexts along layer `l`'s output axis.
    pub fn o_chunks(&self, l: usize) -> usize {
        self.padded[l] / self.o_extent(l)
    }

    /// In-ciphertext extent of the batch.
    pub fn b_extent(&self) -> usize {
        self.batch_padded.min(self.size(Field::B))
    }

    /// Ciphertexts along the batch.
    pub fn b_chunks(&self) -> usize {
        self.batch_padded / self.b_extent()
    }

    /// Slot of `(b, o, n)` (in-ciphertext positions) in layer `l`'s tensor.
    pub fn slot(&self, l: usize, b: usize, o: usize, n: usize) -> usize {
        b * self.stride(Field::B)
            + o * self.stride(self.o_field(l))
            + n * self.stride(self.n_field(l))
    }

    /// Ciphertexts of layer `l`'s input (`b`-chunk major).
    pub fn input_count(&self, l: usize) -> usize {
        self.b_chunks() * self.n_chunks(l)
    }

    /// Ciphertexts of `W_l` (`o`-chunk major).
    pub fn weight_count(&self, l: usize) -> usize {
        self.o_chunks(l) * self.n_chunks(l)
    }

    /// Ciphertexts of `Z_l` and `δ_l` (`b`-chunk major).
    pub fn output_count(&self, l: usize) -> usize {
        self.b_chunks() * self.o_chunks(l)
    }

    /// Ciphertexts of all weights and biases.
    pub fn model_count(&self) -> usize {
        (1..=self.layers())
            .map(|l| self.weight_count(l) + self.o_chunks(l))
            .sum()
    }

    /// Split of a batch row into (chunk, position).
    fn split_b(&self, b: usize) -> (usize, usize) {
        (b / self.b_extent(), b % self.b_extent())
    }

    /// Slot vectors of layer `l`'s input `a` (`rows ≤ batch` rows of `d_{l−1}` values,
    /// row-major), replicated over the first `o`-extent positions.
    pub fn encode_input(&self, l: usize, a: &[f64], rows: usize) -> Vec<Vec<f64>> {
        let d = self.dims[l - 1];
        let (ne, nc) = (self.n_extent(l), self.n_chunks(l));
        let oe = self.o_extent(l);
        let mut out = vec![vec![0.0; self.slots]; self.input_count(l)];
        for b in 0..rows.min(self.batch) {
            let (bc, bi) = self.split_b(b);
            for n in 0..d {
                let v = a[b * d + n];
                if v == 0.0 {
                    continue;
                }
                let ct = &mut out[bc * nc + n / ne];
                for o in 0..oe {
                    ct[self.slot(l, bi, o, n % ne)] = v;
                }
            }
        }
        out
    }

    /// Slot vectors of layer `l`'s output-shaped matrix `m` (`rows × d_l`, row-major) at
    /// `n = 0`: the layout of `Z_l`, `δ_l` and the targets.
    pub fn encode_output(&self, l: usize, m: &[f64], rows: usize) -> Vec<Vec<f64>> {
        let d = self.dims[l];
        let (oe, oc) = (self.o_extent(l), self.o_chunks(l));
        let mut out = vec![vec![0.0; self.slots]; self.output_count(l)];
        for b in 0..rows.min(self.batch) {
            let (bc, bi) = self.split_b(b);
            for o in 0..d {
                out[bc * oc + o / oe][self.slot(l, bi, o % oe, 0)] = m[b * d + o];
            }
        }
        out
    }

    /// The `rows × d_l` matrix held at `n = 0` in output-layout slot vectors.
    pub fn decode_output(&self, l: usize, cts: &[Vec<f64>], rows: usize) -> Vec<f64> {
        let d = self.dims[l];
        let (oe, oc) = (self.o_extent(l), self.o_chunks(l));
        let mut m = vec![0.0; rows * d];
        for b in 0..rows.min(self.batch) {
            let (bc, bi) = self.split_b(b);
            for o in 0..d {
                m[b * d + o] = cts[bc * oc + o / oe][self.slot(l, bi, o % oe, 0)];
            }
        }
        m
    }

    /// Slot vectors of `W_l` given as `w[o][n]` (`d_l × d_{l−1}`, row-major), replicated over
    /// every batch position.
    pub fn encode_weights(&self, l: usize, w: &[f64]) -> Vec<Vec<f64>> {
        let (din, dout) = (self.dims[l - 1], self.dims[l]);
        let (ne, nc) = (self.n_extent(l), self.n_chunks(l));
        let oe = self.o_extent(l);
        let mut out = vec![vec![0.0; self.slots]; self.weight_count(l)];
        for o in 0..dout {
            for n in 0..din {
                let v = w[o * din + n];
                let ct = &mut out[(o / oe) * nc + n / ne];
                for b in 0..self.size(Field::B) {
                    ct[self.slot(l, b, o % oe, n % ne)] = v;
                }
            }
        }
        out
    }

    /// `W_l` (`d_l × d_{l−1}`, row-major) read at batch position 0.
    pub fn decode_weights(&self, l: usize, cts: &[Vec<f64>]) -> Vec<f64> {
        let (din, dout) = (self.dims[l - 1], self.dims[l]);
        let (ne, nc, oe) = (self.n_extent(l), self.n_chunks(l), self.o_extent(l));
        let mut w = vec![0.0; din * dout];
        for o in 0..dout {
            for n in 0..din {
                w[o * din + n] = cts[(o / oe) * nc + n / ne][self.slot(l, 0, o % oe, n % ne)];
            }
        }
        w
    }

    /// Slot vectors of the bias of layer `l` (at `n = 0`, every batch position).
    pub fn encode_bias(&self, l: usize, bias: &[f64]) -> Vec<Vec<f64>> {
        let oe = self.o_extent(l);
        let mut out = vec![vec![0.0; self.slots]; self.o_chunks(l)];
        for (o, &v) in bias.iter().enumerate().take(self.dims[l]) {
            for b in 0..self.size(Field::B) {
                out[o / oe][self.slot(l, b, o % oe, 0)] = v;
            }
        }
        out
    }

    /// The bias of layer `l` read at batch position 0.
    pub fn decode_bias(&self, l: usize, cts: &[Vec<f64>]) -> Vec<f64> {
        let oe = self.o_extent(l);
        (0..self.dims[l])
            .map(|o| cts[o / oe][self.slot(l, 0, o % oe, 0)])
            .collect()
    }

    /// The mask of `Z_l`'s ciphertext `ct` (`b`-chunk major): one at `n = 0` for real batch
    /// rows and real neurons, zero elsewhere.
    pub fn output_mask(&self, l: usize, ct: usize) -> Vec<f64> {
        let oc = self.o_chunks(l);
        let (bc, occ) = (ct / oc, ct % oc);
        let (be, oe) = (self.b_extent(), self.o_extent(l));
        let mut m = vec![0.0; self.slots];
        for bi in 0..be {
            if bc * be + bi >= self.batch {
                break;
            }
            for oi in 0..oe {
                if occ * oe + oi < self.dims[l] {
                    m[self.slot(l, bi, oi, 0)] = 1.0;
                }
            }
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_chunks_and_round_trips() {
        // 196-128-32-10, batch 60 at 2^15 slots with |P| = 32, |Q| = 16: |B| = 64.
        let l = FcLayout::new(&[196, 128, 32, 10], 60, 1 << 15, 5, 4).unwrap();
        assert_eq!(l.field_bits(), (5, 4, 6));
        assert_eq!((l.n_extent(1), l.n_chunks(1)), (32, 8));
        assert_eq!((l.o_extent(1), l.o_chunks(1)), (16, 8));
        assert_eq!((l.n_extent(2), l.n_chunks(2)), (16, 8));
        assert_eq!((l.o_extent(2), l.o_chunks(2)), (32, 1));
        assert_eq!((l.n_extent(3), l.o_extent(3)), (32, 16));
        assert_eq!((l.b_extent(), l.b_chunks()), (64, 1));
        let w: Vec<f64> = (0..128 * 196).map(|i| i as f64).collect();
        assert_eq!(l.decode_weights(1, &l.encode_weights(1, &w)), w);
        let bias: Vec<f64> = (0..32).map(|i| i as f64 - 3.0).collect();
        assert_eq!(l.decode_bias(2, &l.encode_bias(2, &bias)), bias);
        let z: Vec<f64> = (0..60 * 10).map(|i| i as f64 + 0.5).collect();
        assert_eq!(l.decode_output(3, &l.encode_output(3, &z, 60), 60), z);
        let m = l.output_mask(3, 0);
        assert_eq!(m.iter().filter(|&&v| v == 1.0).count(), 60 * 10);
    }

    #[test]
    fn rejects_bad_shapes() {
        assert!(FcLayout::new(&[4], 4, 64, 2, 2).is_err());
        assert!(FcLayout::new(&[4, 0], 4, 64, 2, 2).is_err());
        assert!(FcLayout::new(&[4, 2], 0, 64, 2, 2).is_err());
        assert!(FcLayout::new(&[4, 2], 4, 48, 2, 2).is_err());
        assert!(FcLayout::new(&[4, 2], 4, 64, 4, 3).is_err());
    }
}
