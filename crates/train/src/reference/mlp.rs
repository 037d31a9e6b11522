//! Nandakumar, Ratha, Pankanti and Halevi (2019), "Towards deep neural network training on
//! encrypted data": a fully connected network (784-128-32-10 by default), sigmoid (here a
//! polynomial stand-in) on every layer including the output, the quadratic loss
//! `1/2 ||a_L - y||^2` per sample, and plain mini-batch SGD
//! `theta -= (lr / B) sum_batch grad`.
//!
//! [`Loss::CrossEntropy`] is offered as an alternative: per-class sigmoid cross-entropy, whose
//! output delta is `a_L - y` (no derivative of the output activation, one level less when
//! encrypted).
//!
//! [`Precision::Fixed`] rounds every product (and every polynomial step) to `k` fractional
//! bits, which is what an integer encoding with rescaling by `2^k` computes; additions of
//! values on that grid are exact in `f64` as long as they stay below `2^(52 - k)`.
//!
//! Weights are stored `in x out` (row `i` = weights leaving input `i`), so the forward pass
//! and the weight update are AXPYs over contiguous rows that skip zero inputs (about 80 % of
//! MNIST pixels). Sums over a batch are taken in sample order, so results do not depend on
//! the number of threads.

use rand_core::RngCore;
use rayon::prelude::*;

use super::activation::softplus;
use super::{Activation, Polynomial, ReferenceError, argmax};
use crate::{Matrix, ShapeError};

/// Training objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loss {
    /// `1/2 sum_k (a_k - y_k)^2`, as in Nandakumar et al.
    Mse,
    /// `-sum_k [y_k ln a_k + (1 - y_k) ln(1 - a_k)]` on per-class sigmoids; output delta
    /// `a - y` (with a polynomial activation that delta is used as is).
    CrossEntropy,
}

/// Arithmetic used for training and inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Precision {
    /// Plain `f64`.
    Float,
    /// Round to `frac_bits` fractional bits after every multiplication.
    Fixed { frac_bits: u32 },
}

/// Settings of [`train_mlp`].
#[derive(Clone, Debug, PartialEq)]
pub struct MlpConfig {
    /// Layer widths, input first (e.g. `[784, 128, 32, 10]`).
    pub layers: Vec<usize>,
    pub activation: Activation,
    pub loss: Loss,
    pub batch_size: usize,
    /// Step `lr`; the update is `(lr / B) * sum of per-sample gradients`.
    pub learning_rate: f64,
    pub epochs: usize,
    /// Seed of the weight initialisation and the per-epoch shuffles.
    pub seed: u64,
    pub precision: Precision,
    /// Weights start uniform in `+-init_scale / sqrt(fan_in)`, biases at 0.
    pub init_scale: f64,
    /// L2 penalty `lambda/2 ||W||^2` per step: weights shrink by `lr * lambda * w` (biases
    /// are not penalised). Keeps pre-activations inside the polynomial's interval.
    pub weight_decay: f64,
}

impl MlpConfig {
    /// Nandakumar et al.'s shape with the given activation: 784-128-32-10, quadratic loss,
    /// mini-batches of 60.
    pub fn nandakumar(activation: Activation) -> Self {
        Self {
            layers: vec![784, 128, 32, 10],
            activation,
            loss: Loss::Mse,
            batch_size: 60,
            learning_rate: 2.0,
            epochs: 20,
            seed: 1,
            precision: Precision::Float,
            init_scale: 1.0,
            weight_decay: 0.0,
        }
    }

    fn validate(&self) -> Result<(), ReferenceError> {
        if self.layers.len() < 2 || self.layers.contains(&0) {
            return Err(ReferenceError::InvalidParameter {
                name: "layers",
                reason: "need at least an input and an output layer, none empty",
            });
        }
        if self.batch_size == 0 {
            return Err(ReferenceError::InvalidParameter {
                name: "batch size",
                reason: "must be positive",
            });
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(ReferenceError::InvalidParameter {
                name: "learning rate",
                reason: "must be positive and finite",
            });
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(ReferenceError::InvalidParameter {
                name: "weight decay",
                reason: "must be finite and non-negative",
            });
        }
        if !(self.init_scale.is_finite() && self.init_scale >= 0.0) {
            return Err(ReferenceError::InvalidParameter {
                name: "init scale",
                reason: "must be finite and non-negative",
            });
        }
        if let Precision::Fixed { frac_bits } = self.precision
            && !(1..=40).contains(&frac_bits)
        {
            return Err(ReferenceError::InvalidParameter {
                name: "fractional bits",
                reason: "must lie in 1..=40 so sums stay exact in f64",
            });
        }
        Ok(())
    }
}

/// Activations per layer, deltas per layer, and the loss of one sample.
type SampleTrace = (Vec<Vec<f64>>, Vec<Vec<f64>>, f64);

/// Rounding applied after every product.
trait Rounding: Copy + Send + Sync {
    fn r(self, x: f64) -> f64;
}

#[derive(Clone, Copy)]
struct NoRounding;

impl Rounding for NoRounding {
    #[inline(always)]
    fn r(self, x: f64) -> f64 {
        x
    }
}

#[derive(Clone, Copy)]
struct FixedPoint {
    scale: f64,
    inv: f64,
}

impl FixedPoint {
    fn new(frac_bits: u32) -> Self {
        let scale = (frac_bits as f64).exp2();
        Self {
            scale,
            inv: 1.0 / scale,
        }
    }
}

/// `1.5 * 2^52`: adding and subtracting it rounds to an integer, ties to even, for
/// `|y| < 2^51` in plain SSE2 arithmetic. x86-64's baseline has no rounding instruction, so
/// `round_ties_even` is a libm call that keeps the training loops from vectorizing.
const ROUND_MAGIC: f64 = 6_755_399_441_055_744.0;

impl Rounding for FixedPoint {
    #[inline(always)]
    fn r(self, x: f64) -> f64 {
        let y = x * self.scale;
        let rounded = (y + ROUND_MAGIC) - ROUND_MAGIC;
        // A select, not a call: beyond 2^51 grid units (2^35 at 16 bits, far past any
        // trained value) the value is kept as is.
        let y = if y.abs() < 2_251_799_813_685_248.0 {
            rounded
        } else {
            y
        };
        y * self.inv
    }
}

/// One dense layer, weights `in x out`.
#[derive(Clone, Debug, PartialEq)]
pub struct DenseLayer {
    pub weights: Matrix,
    pub bias: Vec<f64>,
}

/// A fully connected network.
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    layers: Vec<DenseLayer>,
}

/// Uniform `f64` in `[0, 1)` from 53 random bits.
fn unit_f64(rng: &mut impl RngCore) -> f64 {
    (rng.next_u64() >> 11) as f64 * (-53f64).exp2()
}

/// Uniform index below `n` (multiply-shift; the bias is below `n / 2^64`).
fn below(rng: &mut impl RngCore, n: usize) -> usize {
    ((u128::from(rng.next_u64()) * n as u128) >> 64) as usize
}

impl Mlp {
    /// Random weights uniform in `+-init_scale / sqrt(fan_in)`, zero biases.
    pub fn new_random(sizes: &[usize], init_scale: f64, rng: &mut impl RngCore) -> Self {
        let layers = sizes
            .windows(2)
            .map(|w| {
                let (fan_in, fan_out) = (w[0], w[1]);
                let r = init_scale / (fan_in as f64).sqrt();
                let data = (0..fan_in * fan_out)
                    .map(|_| r * (2.0 * unit_f64(rng) - 1.0))
                    .collect();
                DenseLayer {
                    weights: Matrix::from_parts(fan_in, fan_out, data),
                    bias: vec![0.0; fan_out],
                }
            })
            .collect();
        Self { layers }
    }

    /// A network from explicit layers; consecutive widths must agree.
    pub fn from_layers(layers: Vec<DenseLayer>) -> Result<Self, ShapeError> {
        if layers.is_empty() {
            return Err(ShapeError::Empty);
        }
        for (l, layer) in layers.iter().enumerate() {
            if layer.bias.len() != layer.weights.cols() {
                return Err(ShapeError::DimensionMismatch {
                    what: "bias length",
                    expected: layer.weights.cols(),
                    found: layer.bias.len(),
                });
            }
            if l > 0 && layers[l - 1].weights.cols() != layer.weights.rows() {
                return Err(ShapeError::DimensionMismatch {
                    what: "layer input width",
                    expected: layers[l - 1].weights.cols(),
                    found: layer.weights.rows(),
                });
            }
        }
        Ok(Self { layers })
    }

    pub fn layers(&self) -> &[DenseLayer] {
        &self.layers
    }

    pub fn layers_mut(&mut self) -> &mut [DenseLayer] {
        &mut self.layers
    }

    /// Input width.
    pub fn input_dim(&self) -> usize {
        self.layers[0].weights.rows()
    }

    /// Output width.
    pub fn output_dim(&self) -> usize {
        self.layers[self.layers.len() - 1].weights.cols()
    }

    fn round_all<R: Rounding>(&mut self, r: R) {
        for layer in &mut self.layers {
            layer
                .weights
                .as_mut_slice()
                .iter_mut()
                .chain(layer.bias.iter_mut())
                .for_each(|w| *w = r.r(*w));
        }
    }

    /// Pre-activations `z_l` and activations `a_l` (with `a_0 = x`).
    fn forward_trace<R: Rounding>(
        &self,
        x: &[f64],
        act: &Activation,
        r: R,
    ) -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
        let mut zs = Vec::with_capacity(self.layers.len());
        let mut acts = Vec::with_capacity(self.layers.len() + 1);
        acts.push(x.to_vec());
        for layer in &self.layers {
            let input = &acts[acts.len() - 1];
            let out = layer.weights.cols();
            let mut z = layer.bias.clone();
            for (i, &ai) in input.iter().enumerate() {
                if ai == 0.0 {
                    continue;
                }
                let wi = &layer.weights.as_slice()[i * out..(i + 1) * out];
                for (zj, &wij) in z.iter_mut().zip(wi) {
                    *zj += r.r(ai * wij);
                }
            }
            let a = z.iter().map(|&v| activate(act, v, r)).collect();
            zs.push(z);
            acts.push(a);
        }
        (zs, acts)
    }

    /// Output activations for one input (plain `f64`).
    pub fn forward(&self, x: &[f64], act: &Activation) -> Result<Vec<f64>, ShapeError> {
        self.check_input(x.len())?;
        let (_, mut acts) = self.forward_trace(x, act, NoRounding);
        Ok(acts.pop().unwrap_or_default())
    }

    fn check_input(&self, len: usize) -> Result<(), ShapeError> {
        if len != self.input_dim() {
            return Err(ShapeError::DimensionMismatch {
                what: "network input width",
                expected: self.input_dim(),
                found: len,
            });
        }
        Ok(())
    }

    /// Loss of one sample with label `label` (plain `f64`). For cross-entropy the exact
    /// sigmoid of the output pre-activation is used.
    pub fn loss(
        &self,
        x: &[f64],
        label: u8,
        act: &Activation,
        loss: Loss,
    ) -> Result<f64, ShapeError> {
        self.check_input(x.len())?;
        self.check_label(label)?;
        let (zs, acts) = self.forward_trace(x, act, NoRounding);
        Ok(sample_loss(
            &zs[zs.len() - 1],
            &acts[acts.len() - 1],
            label,
            loss,
        ))
    }

    fn check_label(&self, label: u8) -> Result<(), ShapeError> {
        if usize::from(label) >= self.output_dim() {
            return Err(ShapeError::LabelOutOfRange {
                index: 0,
                label,
                classes: self.output_dim(),
            });
        }
        Ok(())
    }

    /// Per-layer deltas `dLoss/dz_l` of one sample, from a forward trace.
    fn deltas<R: Rounding>(
        &self,
        zs: &[Vec<f64>],
        acts: &[Vec<f64>],
        label: u8,
        act: &Activation,
        loss: Loss,
        r: R,
    ) -> Vec<Vec<f64>> {
        let depth = self.layers.len();
        let mut deltas = vec![Vec::new(); depth];
        let out = &acts[depth];
        deltas[depth - 1] = out
            .iter()
            .zip(&zs[depth - 1])
            .enumerate()
            .map(|(k, (&a, &z))| {
                let y = if k == usize::from(label) { 1.0 } else { 0.0 };
                match loss {
                    Loss::Mse => r.r((a - y) * activate_derivative(act, z, r)),
                    Loss::CrossEntropy => a - y,
                }
            })
            .collect();
        for l in (1..depth).rev() {
            let w = &self.layers[l].weights;
            let out_w = w.cols();
            let next = &deltas[l];
            let d: Vec<f64> = (0..w.rows())
                .map(|i| {
                    let row = &w.as_slice()[i * out_w..(i + 1) * out_w];
                    let s: f64 = row.iter().zip(next).map(|(&wij, &dj)| r.r(wij * dj)).sum();
                    r.r(s * activate_derivative(act, zs[l - 1][i], r))
                })
                .collect();
            deltas[l - 1] = d;
        }
        deltas
    }

    /// Gradient of the summed loss over `samples` (plain `f64`): `(weights, biases)` per layer.
    pub fn gradient(
        &self,
        inputs: &Matrix,
        labels: &[u8],
        act: &Activation,
        loss: Loss,
    ) -> Result<Vec<DenseLayer>, ShapeError> {
        self.check_input(inputs.cols())?;
        if labels.len() != inputs.rows() {
            return Err(ShapeError::DimensionMismatch {
                what: "labels",
                expected: inputs.rows(),
                found: labels.len(),
            });
        }
        let mut grads: Vec<DenseLayer> = self
            .layers
            .iter()
            .map(|l| DenseLayer {
                weights: Matrix::zeros(l.weights.rows(), l.weights.cols()),
                bias: vec![0.0; l.bias.len()],
            })
            .collect();
        for (x, &label) in inputs.row_iter().zip(labels) {
            self.check_label(label)?;
            let (zs, acts) = self.forward_trace(x, act, NoRounding);
            let deltas = self.deltas(&zs, &acts, label, act, loss, NoRounding);
            for (l, g) in grads.iter_mut().enumerate() {
                let out = g.weights.cols();
                for (i, &ai) in acts[l].iter().enumerate() {
                    for (gij, &dj) in g.weights.row_mut(i).iter_mut().zip(&deltas[l]) {
                        *gij += ai * dj;
                    }
                }
                debug_assert_eq!(out, deltas[l].len());
                for (gb, &dj) in g.bias.iter_mut().zip(&deltas[l]) {
                    *gb += dj;
                }
            }
        }
        Ok(grads)
    }

    /// One SGD step on the samples `batch` (row indices into `inputs`); returns the summed loss
    /// of the batch before the step.
    fn sgd_step<R: Rounding>(
        &mut self,
        inputs: &Matrix,
        labels: &[u8],
        batch: &[usize],
        config: &MlpConfig,
        r: R,
    ) -> f64 {
        let act = &config.activation;
        // Forward and backward per sample, in parallel; kept in batch order.
        let traces: Vec<SampleTrace> = batch
            .par_iter()
            .map(|&s| {
                let (zs, acts) = self.forward_trace(inputs.row(s), act, r);
                let l = sample_loss(
                    &zs[zs.len() - 1],
                    &acts[acts.len() - 1],
                    labels[s],
                    config.loss,
                );
                let deltas = self.deltas(&zs, &acts, labels[s], act, config.loss, r);
                (acts, deltas, l)
            })
            .collect();
        let step = r.r(config.learning_rate / batch.len() as f64);
        let decay = r.r(config.learning_rate * config.weight_decay);
        for (l, layer) in self.layers.iter_mut().enumerate() {
            let out = layer.weights.cols();
            layer
                .weights
                .as_mut_slice()
                .par_chunks_mut(out)
                .enumerate()
                .for_each_init(
                    || vec![0.0; out],
                    |acc, (i, row)| {
                        acc.iter_mut().for_each(|v| *v = 0.0);
                        let mut any = false;
                        for (acts, deltas, _) in &traces {
                            let ai = acts[l][i];
                            if ai == 0.0 {
                                continue;
                            }
                            any = true;
                            for (g, &dj) in acc.iter_mut().zip(&deltas[l]) {
                                *g += r.r(ai * dj);
                            }
                        }
                        if any || decay != 0.0 {
                            for (w, &g) in row.iter_mut().zip(acc.iter()) {
                                *w -= r.r(step * g) + r.r(decay * *w);
                            }
                        }
                    },
                );
            for (j, b) in layer.bias.iter_mut().enumerate() {
                let g: f64 = traces.iter().map(|(_, d, _)| d[l][j]).sum();
                *b -= r.r(step * g);
            }
        }
        traces.iter().map(|t| t.2).sum()
    }

    /// One mini-batch SGD step on rows `batch` of `inputs`, in the arithmetic of
    /// `config.precision` (inputs are rounded to the grid first); returns the batch's summed
    /// loss before the step.
    pub fn train_step(
        &mut self,
        inputs: &Matrix,
        labels: &[u8],
        batch: &[usize],
        config: &MlpConfig,
    ) -> Result<f64, ReferenceError> {
        config.validate()?;
        self.check_input(inputs.cols())?;
        if labels.len() != inputs.rows() {
            return Err(ShapeError::DimensionMismatch {
                what: "labels",
                expected: inputs.rows(),
                found: labels.len(),
            }
            .into());
        }
        if batch.is_empty() {
            return Err(ShapeError::Empty.into());
        }
        for &i in batch {
            if i >= inputs.rows() {
                return Err(ShapeError::DimensionMismatch {
                    what: "batch row index bound",
                    expected: inputs.rows(),
                    found: i,
                }
                .into());
            }
            self.check_label(labels[i])?;
        }
        Ok(match config.precision {
            Precision::Float => self.sgd_step(inputs, labels, batch, config, NoRounding),
            Precision::Fixed { frac_bits } => {
                let r = FixedPoint::new(frac_bits);
                let mut q = inputs.clone();
                q.as_mut_slice().iter_mut().for_each(|v| *v = r.r(*v));
                self.sgd_step(&q, labels, batch, config, r)
            }
        })
    }

    /// Predictions and, per layer, the largest `|z|` seen (the interval an encrypted
    /// polynomial activation has to cover).
    fn predict_all<R: Rounding>(
        &self,
        inputs: &Matrix,
        act: &Activation,
        r: R,
    ) -> (Vec<u8>, Vec<f64>) {
        let per_sample: Vec<(u8, Vec<f64>)> = (0..inputs.rows())
            .into_par_iter()
            .map(|i| {
                let x: Vec<f64> = inputs.row(i).iter().map(|&v| r.r(v)).collect();
                let (zs, _) = self.forward_trace(&x, act, r);
                let peaks = zs
                    .iter()
                    .map(|z| z.iter().fold(0.0f64, |m, v| m.max(v.abs())))
                    .collect();
                // Argmax of z equals argmax of a for a monotone activation and is what a key
                // holder computes after decrypting the output layer.
                (argmax(&zs[zs.len() - 1]) as u8, peaks)
            })
            .collect();
        let mut peaks = vec![0.0f64; self.layers.len()];
        for (_, p) in &per_sample {
            for (m, &v) in peaks.iter_mut().zip(p) {
                *m = m.max(v);
            }
        }
        (per_sample.into_iter().map(|(c, _)| c).collect(), peaks)
    }

    /// Predicted digits (plain `f64`).
    pub fn predict(&self, inputs: &Matrix, act: &Activation) -> Result<Vec<u8>, ShapeError> {
        self.check_input(inputs.cols())?;
        Ok(self.predict_all(inputs, act, NoRounding).0)
    }
}

#[inline]
fn activate<R: Rounding>(act: &Activation, z: f64, r: R) -> f64 {
    match act {
        Activation::Sigmoid => r.r(super::sigmoid(z)),
        Activation::Polynomial(p) => eval_poly(p, z, r),
    }
}

#[inline]
fn eval_poly<R: Rounding>(p: &Polynomial, x: f64, r: R) -> f64 {
    p.eval_rounded(x, |v| r.r(v))
}

#[inline]
fn activate_derivative<R: Rounding>(act: &Activation, z: f64, r: R) -> f64 {
    match act {
        Activation::Sigmoid => r.r(act.derivative(z)),
        Activation::Polynomial(p) => {
            // p'(x) = q'(x / s) / s with q the polynomial in the scaled variable.
            let t = if p.scale() == 1.0 {
                z
            } else {
                r.r(z * r.r(1.0 / p.scale()))
            };
            let c = p.coeffs();
            let inv = r.r(1.0 / p.scale());
            let mut acc = 0.0;
            for k in (1..c.len()).rev() {
                acc = r.r(acc * t) + r.r(k as f64 * c[k] * inv);
            }
            acc
        }
    }
}

fn sample_loss(z_out: &[f64], a_out: &[f64], label: u8, loss: Loss) -> f64 {
    let y = |k: usize| if k == usize::from(label) { 1.0 } else { 0.0 };
    match loss {
        Loss::Mse => {
            0.5 * a_out
                .iter()
                .enumerate()
                .map(|(k, &a)| (a - y(k)).powi(2))
                .sum::<f64>()
        }
        Loss::CrossEntropy => z_out
            .iter()
            .enumerate()
            .map(|(k, &z)| {
                if y(k) > 0.5 {
                    softplus(-z)
                } else {
                    softplus(z)
                }
            })
            .sum(),
    }
}

/// Loss and accuracy after one epoch.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochReport {
    pub epoch: usize,
    /// Mean training loss over the epoch (taken before each step).
    pub train_loss: f64,
    pub test_accuracy: f64,
    /// Largest `|z|` per layer over the test set.
    pub max_abs_z: Vec<f64>,
    pub seconds: f64,
}

/// Result of [`train_mlp`].
#[derive(Clone, Debug, PartialEq)]
pub struct MlpRun {
    pub model: Mlp,
    pub epochs: Vec<EpochReport>,
}

/// Trains on all rows of `train` (shuffled every epoch) and reports test accuracy per epoch.
/// `on_epoch` is called after each epoch (for progress output).
pub fn train_mlp(
    train: &Matrix,
    train_labels: &[u8],
    test: &Matrix,
    test_labels: &[u8],
    config: &MlpConfig,
    mut on_epoch: impl FnMut(&EpochReport),
) -> Result<MlpRun, ReferenceError> {
    config.validate()?;
    if train.rows() == 0 || test.rows() == 0 {
        return Err(ShapeError::Empty.into());
    }
    for (what, m, labels) in [
        ("training", train, train_labels),
        ("test", test, test_labels),
    ] {
        if m.cols() != config.layers[0] {
            return Err(ShapeError::DimensionMismatch {
                what: "input width",
                expected: config.layers[0],
                found: m.cols(),
            }
            .into());
        }
        if labels.len() != m.rows() {
            return Err(ShapeError::DimensionMismatch {
                what,
                expected: m.rows(),
                found: labels.len(),
            }
            .into());
        }
        let classes = config.layers[config.layers.len() - 1];
        if let Some((index, &label)) = labels
            .iter()
            .enumerate()
            .find(|(_, l)| usize::from(**l) >= classes)
        {
            return Err(ShapeError::LabelOutOfRange {
                index,
                label,
                classes,
            }
            .into());
        }
    }
    match config.precision {
        Precision::Float => train_with(
            train,
            train_labels,
            test,
            test_labels,
            config,
            NoRounding,
            &mut on_epoch,
        ),
        Precision::Fixed { frac_bits } => train_with(
            train,
            train_labels,
            test,
            test_labels,
            config,
            FixedPoint::new(frac_bits),
            &mut on_epoch,
        ),
    }
}

fn train_with<R: Rounding>(
    train: &Matrix,
    train_labels: &[u8],
    test: &Matrix,
    test_labels: &[u8],
    config: &MlpConfig,
    r: R,
    on_epoch: &mut impl FnMut(&EpochReport),
) -> Result<MlpRun, ReferenceError> {
    use rand_chacha::rand_core::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(config.seed);
    let mut model = Mlp::new_random(&config.layers, config.init_scale, &mut rng);
    model.round_all(r);
    // Inputs on the fixed-point grid once, as an encoder would put them.
    let mut train_q = train.clone();
    train_q.as_mut_slice().iter_mut().for_each(|v| *v = r.r(*v));
    let mut order: Vec<usize> = (0..train.rows()).collect();
    let mut epochs = Vec::with_capacity(config.epochs);
    let mut steps = 0usize;
    for epoch in 1..=config.epochs {
        let start = std::time::Instant::now();
        for i in (1..order.len()).rev() {
            order.swap(i, below(&mut rng, i + 1));
        }
        let mut total = 0.0;
        for batch in order.chunks(config.batch_size) {
            total += model.sgd_step(&train_q, train_labels, batch, config, r);
            steps += 1;
        }
        if model.layers.iter().any(|l| {
            l.weights
                .as_slice()
                .iter()
                .chain(&l.bias)
                .any(|w| !w.is_finite())
        }) {
            return Err(ReferenceError::Diverged { step: steps });
        }
        let (predicted, max_abs_z) = model.predict_all(test, &config.activation, r);
        let correct = predicted
            .iter()
            .zip(test_labels)
            .filter(|(p, l)| p == l)
            .count();
        let report = EpochReport {
            epoch,
            train_loss: total / train.rows() as f64,
            test_accuracy: correct as f64 / test.rows() as f64,
            max_abs_z,
            seconds: start.elapsed().as_secs_f64(),
        };
        on_epoch(&report);
        epochs.push(report);
    }
    Ok(MlpRun { model, epochs })
}
