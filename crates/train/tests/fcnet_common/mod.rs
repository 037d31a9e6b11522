//! Shared by the fcnet tests: an independent plain-f64 implementation of the step, tiny
//! random problems, model comparisons.
#![allow(dead_code)]

use blindfold_train::Matrix;
use blindfold_train::reference::mlp::{DenseLayer, Loss, Mlp};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// `Σ c_k z^k` (Horner).
pub fn poly(c: &[f64], z: f64) -> f64 {
    c.iter().rev().fold(0.0, |acc, &v| acc * z + v)
}

/// Coefficients of the derivative.
pub fn derivative(c: &[f64]) -> Vec<f64> {
    if c.len() <= 1 {
        return vec![0.0];
    }
    c.iter()
        .enumerate()
        .skip(1)
        .map(|(k, &v)| k as f64 * v)
        .collect()
}

/// `x` rounded to a multiple of `2^-bits`.
pub fn quantize(x: f64, bits: i32) -> f64 {
    (x * 2f64.powi(bits)).round() / 2f64.powi(bits)
}

/// Weights `[l][o][n]` and biases `[l][o]`.
#[derive(Clone, Debug)]
pub struct Net {
    pub w: Vec<Vec<Vec<f64>>>,
    pub b: Vec<Vec<f64>>,
}

impl Net {
    pub fn from_mlp(m: &Mlp) -> Self {
        let mut w = Vec::new();
        let mut b = Vec::new();
        for l in m.layers() {
            let (din, dout) = (l.weights.rows(), l.weights.cols());
            w.push(
                (0..dout)
                    .map(|o| (0..din).map(|n| l.weights.get(n, o)).collect())
                    .collect(),
            );
            b.push(l.bias.clone());
        }
        Self { w, b }
    }

    /// Pre-activations and activations per layer (activations[0] = input).
    fn forward(&self, x: &[f64], hidden: &[f64], output: &[f64]) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let layers = self.w.len();
        let mut zs = Vec::new();
        let mut acts = vec![x.to_vec()];
        for l in 0..layers {
            let a = &acts[l];
            let z: Vec<f64> = self.w[l]
                .iter()
                .zip(&self.b[l])
                .map(|(row, &bias)| row.iter().zip(a).map(|(w, v)| w * v).sum::<f64>() + bias)
                .collect();
            let p = if l + 1 == layers { output } else { hidden };
            acts.push(z.iter().map(|&v| poly(p, v)).collect());
            zs.push(z);
        }
        (zs, acts)
    }

    /// `Σ_rows ½ ||a_L − y||²`.
    pub fn mse(&self, x: &Matrix, labels: &[u8], hidden: &[f64], output: &[f64]) -> f64 {
        let mut s = 0.0;
        for (r, &label) in labels.iter().enumerate() {
            let (_, acts) = self.forward(x.row(r), hidden, output);
            for (k, a) in acts[acts.len() - 1].iter().enumerate() {
                let y = f64::from(u8::from(k == usize::from(label)));
                s += 0.5 * (a - y) * (a - y);
            }
        }
        s
    }

    /// One SGD step: `θ ← θ − (lr / rows) Σ_rows ∇θ`.
    pub fn step(
        &self,
        x: &Matrix,
        labels: &[u8],
        hidden: &[f64],
        output: &[f64],
        loss: Loss,
        lr: f64,
    ) -> Self {
        let (hd, od) = (derivative(hidden), derivative(output));
        self.step_with([hidden, &hd, output, &od], x, labels, loss, lr)
    }

    /// One SGD step with the activations and their derivatives given separately
    /// (`[hidden, hidden', output, output']`, monomial coefficients).
    pub fn step_with(
        &self,
        polys: [&[f64]; 4],
        x: &Matrix,
        labels: &[u8],
        loss: Loss,
        lr: f64,
    ) -> Self {
        let [hidden, hidden_d, output, output_d] = polys;
        let layers = self.w.len();
        let mut gw: Vec<Vec<Vec<f64>>> = self
            .w
            .iter()
            .map(|l| l.iter().map(|r| vec![0.0; r.len()]).collect())
            .collect();
        let mut gb: Vec<Vec<f64>> = self.b.iter().map(|l| vec![0.0; l.len()]).collect();
        for (r, &label) in labels.iter().enumerate() {
            let (zs, acts) = self.forward(x.row(r), hidden, output);
            let mut delta: Vec<f64> = acts[layers]
                .iter()
                .zip(&zs[layers - 1])
                .enumerate()
                .map(|(k, (&a, &z))| {
                    let y = f64::from(u8::from(k == usize::from(label)));
                    match loss {
                        Loss::Mse => (a - y) * poly(output_d, z),
                        Loss::CrossEntropy => a - y,
                    }
                })
                .collect();
            for l in (0..layers).rev() {
                for (o, &d) in delta.iter().enumerate() {
                    gb[l][o] += d;
                    for (n, &a) in acts[l].iter().enumerate() {
                        gw[l][o][n] += d * a;
                    }
                }
                if l > 0 {
                    delta = (0..self.w[l][0].len())
                        .map(|n| {
                            let s: f64 = (0..delta.len()).map(|o| self.w[l][o][n] * delta[o]).sum();
                            s * poly(hidden_d, zs[l - 1][n])
                        })
                        .collect();
                }
            }
        }
        let eta = lr / labels.len() as f64;
        let mut out = self.clone();
        for l in 0..layers {
            for (o, (wrow, grow)) in out.w[l].iter_mut().zip(&gw[l]).enumerate() {
                out.b[l][o] -= eta * gb[l][o];
                for (w, g) in wrow.iter_mut().zip(grow) {
                    *w -= eta * g;
                }
            }
        }
        out
    }

    /// Every parameter rounded to a multiple of `2^-bits`.
    pub fn quantized(&self, bits: i32) -> Self {
        let mut out = self.clone();
        out.w
            .iter_mut()
            .flatten()
            .flatten()
            .for_each(|v| *v = quantize(*v, bits));
        out.b
            .iter_mut()
            .flatten()
            .for_each(|v| *v = quantize(*v, bits));
        out
    }

    /// Back to the reference's model type.
    pub fn to_mlp(&self) -> Mlp {
        let layers = self
            .w
            .iter()
            .zip(&self.b)
            .map(|(w, b)| {
                let (dout, din) = (w.len(), w[0].len());
                let data = (0..din)
                    .flat_map(|n| (0..dout).map(move |o| w[o][n]))
                    .collect();
                DenseLayer {
                    weights: Matrix::from_vec(din, dout, data).unwrap(),
                    bias: b.clone(),
                }
            })
            .collect();
        Mlp::from_layers(layers).unwrap()
    }

    /// Largest `|a − b|` over all parameters.
    pub fn gap(&self, m: &Mlp) -> f64 {
        let other = Net::from_mlp(m);
        let mut g = 0.0f64;
        for l in 0..self.w.len() {
            for o in 0..self.w[l].len() {
                g = g.max((self.b[l][o] - other.b[l][o]).abs());
                for n in 0..self.w[l][o].len() {
                    g = g.max((self.w[l][o][n] - other.w[l][o][n]).abs());
                }
            }
        }
        g
    }

    /// Largest `|parameter|`.
    pub fn scale(&self) -> f64 {
        self.w
            .iter()
            .flatten()
            .flatten()
            .chain(self.b.iter().flatten())
            .fold(0.0f64, |m, v| m.max(v.abs()))
    }
}

pub fn unit(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// `batches` batches of `rows` inputs in `[0, 1)` (a few exact zeros, like pixels) and labels
/// below `classes`, and a random model of widths `dims`.
pub fn problem(
    dims: &[usize],
    rows: usize,
    batches: usize,
    seed: u8,
) -> (Mlp, Vec<(Matrix, Vec<u8>)>) {
    let mut rng = ChaCha20Rng::from_seed([seed; 32]);
    let model = Mlp::new_random(dims, 1.5, &mut rng);
    let mut model_layers: Vec<DenseLayer> = model.layers().to_vec();
    for l in &mut model_layers {
        for b in &mut l.bias {
            *b = 0.2 * (unit(&mut rng) - 0.5);
        }
    }
    let model = Mlp::from_layers(model_layers).unwrap();
    let classes = dims[dims.len() - 1] as u64;
    let data = (0..batches)
        .map(|_| {
            let x: Vec<f64> = (0..rows * dims[0])
                .map(|_| {
                    let u = unit(&mut rng);
                    if u < 0.2 { 0.0 } else { u }
                })
                .collect();
            let labels = (0..rows)
                .map(|_| (rng.next_u64() % classes) as u8)
                .collect();
            (Matrix::from_vec(rows, dims[0], x).unwrap(), labels)
        })
        .collect();
    (model, data)
}
