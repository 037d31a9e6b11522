//! The step's math in plain `f64`, batched and parallel: what the mirror computes, fast
//! enough to train on all of MNIST. Checked against the mirror (the generic step on
//! `Clear::real`) in the tests and in `examples/fcnet_clear.rs`.

use rayon::prelude::*;

use super::{FcConfig, SetupError};
use crate::Matrix;
use crate::reference::argmax;
use crate::reference::mlp::{DenseLayer, Loss, Mlp};

fn poly(c: &[f64], z: f64) -> f64 {
    c.iter().rev().fold(0.0, |a, &v| a * z + v)
}

fn derivative(c: &[f64]) -> Vec<f64> {
    c.iter()
        .enumerate()
        .skip(1)
        .map(|(k, &v)| k as f64 * v)
        .collect()
}

/// A network as `out × in` weight matrices and bias vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct PlainNet {
    dims: Vec<usize>,
    /// `w[l][o·d_l + n]`, layer `l + 1`.
    w: Vec<Vec<f64>>,
    b: Vec<Vec<f64>>,
}

/// Activations and their derivatives as monomial coefficients.
struct Polys {
    hidden: Vec<f64>,
    hidden_d: Vec<f64>,
    output: Vec<f64>,
    output_d: Vec<f64>,
}

impl Polys {
    fn new(c: &FcConfig) -> Result<Self, SetupError> {
        if c.fixed().is_some() {
            return Err(SetupError::Config {
                name: "arithmetic",
                reason: "the plain network computes in reals",
            });
        }
        let hidden = c.hidden.monomial_coeffs();
        let output = c.output.monomial_coeffs();
        Ok(Self {
            hidden_d: derivative(&hidden),
            output_d: derivative(&output),
            hidden,
            output,
        })
    }
}

impl PlainNet {
    pub fn from_mlp(m: &Mlp) -> Self {
        let mut dims = vec![m.input_dim()];
        let mut w = Vec::new();
        let mut b = Vec::new();
        for l in m.layers() {
            dims.push(l.weights.cols());
            w.push(l.weights.transpose().into_vec());
            b.push(l.bias.clone());
        }
        Self { dims, w, b }
    }

    pub fn to_mlp(&self) -> Result<Mlp, SetupError> {
        let layers = (0..self.w.len())
            .map(|l| {
                let (din, dout) = (self.dims[l], self.dims[l + 1]);
                Ok(DenseLayer {
                    weights: Matrix::from_vec(dout, din, self.w[l].clone())?.transpose(),
                    bias: self.b[l].clone(),
                })
            })
            .collect::<Result<Vec<_>, SetupError>>()?;
        Ok(Mlp::from_layers(layers)?)
    }

    /// Pre-activations and activations of `rows` inputs (`acts[0]` = the inputs).
    fn forward(&self, p: &Polys, x: &[f64], rows: usize) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let layers = self.w.len();
        let mut zs = Vec::with_capacity(layers);
        let mut acts = vec![x.to_vec()];
        for l in 0..layers {
            let (din, dout) = (self.dims[l], self.dims[l + 1]);
            let (w, b, a) = (&self.w[l], &self.b[l], &acts[l]);
            let z: Vec<f64> = (0..rows * dout)
                .into_par_iter()
                .map(|i| {
                    let (s, o) = (i / dout, i % dout);
                    let wr = &w[o * din..(o + 1) * din];
                    let ar = &a[s * din..(s + 1) * din];
                    b[o] + wr.iter().zip(ar).map(|(x, y)| x * y).sum::<f64>()
                })
                .collect();
            let c = if l + 1 == layers {
                &p.output
            } else {
                &p.hidden
            };
            acts.push(z.iter().map(|&v| poly(c, v)).collect());
            zs.push(z);
        }
        (zs, acts)
    }

    fn check(&self, x: &Matrix, labels: &[u8]) -> Result<(), SetupError> {
        if x.cols() != self.dims[0] || labels.len() != x.rows() {
            return Err(crate::ShapeError::DimensionMismatch {
                what: "rows x inputs and labels",
                expected: self.dims[0],
                found: x.cols(),
            }
            .into());
        }
        let classes = self.dims[self.dims.len() - 1];
        if let Some((index, &label)) = labels
            .iter()
            .enumerate()
            .find(|(_, l)| usize::from(**l) >= classes)
        {
            return Err(crate::ShapeError::LabelOutOfRange {
                index,
                label,
                classes,
            }
            .into());
        }
        Ok(())
    }

    /// One SGD step on all rows of `x`: exactly the math of
    /// [`train_step`](super::train_step) with `config` (real arithmetic).
    pub fn step(&mut self, config: &FcConfig, x: &Matrix, labels: &[u8]) -> Result<(), SetupError> {
        self.check(x, labels)?;
        let p = Polys::new(config)?;
        let rows = x.rows();
        let layers = self.w.len();
        let classes = self.dims[layers];
        let (zs, acts) = self.forward(&p, x.as_slice(), rows);
        let mut d: Vec<f64> = (0..rows * classes)
            .map(|i| {
                let y = f64::from(u8::from(i % classes == usize::from(labels[i / classes])));
                let a = acts[layers][i];
                match config.loss {
                    Loss::Mse => (a - y) * poly(&p.output_d, zs[layers - 1][i]),
                    Loss::CrossEntropy => a - y,
                }
            })
            .collect();
        let eta = config.learning_rate / rows as f64;
        for l in (0..layers).rev() {
            let (din, dout) = (self.dims[l], self.dims[l + 1]);
            let prev = (l > 0).then(|| {
                let (w, d, z) = (&self.w[l], &d, &zs[l - 1]);
                (0..rows * din)
                    .into_par_iter()
                    .map(|i| {
                        let (s, n) = (i / din, i % din);
                        let sum: f64 = (0..dout).map(|o| w[o * din + n] * d[s * dout + o]).sum();
                        sum * poly(&p.hidden_d, z[i])
                    })
                    .collect::<Vec<f64>>()
            });
            let (a, dd) = (&acts[l], &d);
            let g: Vec<f64> = (0..dout * din)
                .into_par_iter()
                .map(|i| {
                    let (o, n) = (i / din, i % din);
                    (0..rows).map(|s| dd[s * dout + o] * a[s * din + n]).sum()
                })
                .collect();
            for (w, g) in self.w[l].iter_mut().zip(&g) {
                *w -= eta * g;
            }
            for (o, b) in self.b[l].iter_mut().enumerate() {
                let gb: f64 = (0..rows).map(|s| d[s * dout + o]).sum();
                *b -= eta * gb;
            }
            if let Some(p) = prev {
                d = p;
            }
        }
        Ok(())
    }

    /// Fraction of rows whose largest output pre-activation is the label's.
    pub fn accuracy(
        &self,
        config: &FcConfig,
        x: &Matrix,
        labels: &[u8],
    ) -> Result<f64, SetupError> {
        self.check(x, labels)?;
        let p = Polys::new(config)?;
        let classes = self.dims[self.dims.len() - 1];
        let correct: usize = labels
            .par_chunks(256)
            .enumerate()
            .map(|(c, chunk)| {
                let start = c * 256;
                let rows = chunk.len();
                let xs = &x.as_slice()[start * self.dims[0]..(start + rows) * self.dims[0]];
                let (zs, _) = self.forward(&p, xs, rows);
                let z = &zs[zs.len() - 1];
                chunk
                    .iter()
                    .enumerate()
                    .filter(|(s, l)| argmax(&z[s * classes..(s + 1) * classes]) == usize::from(**l))
                    .count()
            })
            .sum();
        Ok(correct as f64 / labels.len().max(1) as f64)
    }
}
