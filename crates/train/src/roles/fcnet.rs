//! The fully connected network of Nandakumar et al. through the same roles and files as the
//! transfer head: the owner makes keys for exactly the plan's rotations and encrypts the
//! initial model and one mini-batch per SGD step; the server runs the steps on ciphertexts
//! with the evaluation keys only; the owner releases the model after every step
//! (noise-flooded) and evaluates it on the 10,000 MNIST test images.
//!
//! Inputs are MNIST pixels in `[0, 1]` downsampled 28→14 (196 values); step `k` trains on
//! training rows `k·batch .. (k+1)·batch`. The initial weights come from a public seed, so
//! the mirror starts from the same model.

use std::sync::Arc;
use std::time::Instant;

use blindfold_ckks::bootstrap::BootstrapPlan;
use blindfold_ckks::{CkksParameters, FloodingPolicy};
use blindfold_pack::{Counting, Plan};
use blindfold_rlwe::{Ciphertext, Encryptor, wire};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;
use rand_core::{CryptoRng, RngCore};

use super::{
    KeyDir, KeygenReport, RoleError, TrainReport, bootstrap_of, bootstrap_plan, bootstrap_preset,
    ciphertexts, load_params, load_secret, preset_params, release_real, resolve_preset,
    server_evaluator, write_keys,
};
use crate::Matrix;
use crate::data::DataDir;
use crate::data::preprocess::{downsample_2x2, pixels_unit};
use crate::fcnet::{
    Batch, FcConfig, FcPlan, FcShape, Model, PlainNet, RefreshSchedule, decode_model, owner_batch,
    owner_model, train_clear, train_step,
};
use crate::files::{Container, FileError, FileKind};
use crate::reference::mlp::{DenseLayer, Mlp};

/// The task name in files and on the command line.
pub const TASK: &str = "fcnet";

/// What the network is and how it trains; public, carried in every file.
#[derive(Clone, Debug, PartialEq)]
pub struct FcSpec {
    /// Widths, the 196 inputs first.
    pub layers: Vec<usize>,
    /// Rows per mini-batch.
    pub batch: usize,
    /// The sigmoid is replaced by its least-squares fit of this odd degree on `[−r, r]`.
    pub degree: usize,
    pub sigmoid_r: f64,
    /// The output layer is linear (a least-squares fit of the one-hot targets) instead of
    /// the cubic sigmoid: no cubic outside its interval there, one level less per step.
    pub linear_output: bool,
    pub learning_rate: f64,
    /// Initial weights uniform in `±init_scale/√fan_in`, biases 0.
    pub init_scale: f64,
    /// Seed of the initial weights (public: the mirror starts from the same model).
    pub seed: u64,
}

impl Default for FcSpec {
    /// The paper's network on 14×14 inputs: 196-128-32-10, mini-batches of 60, quadratic
    /// loss, a cubic sigmoid on every layer.
    fn default() -> Self {
        Self {
            layers: vec![196, 128, 32, 10],
            batch: 60,
            degree: 3,
            sigmoid_r: 8.0,
            linear_output: false,
            learning_rate: 2.0,
            init_scale: 1.0,
            seed: 1,
        }
    }
}

impl FcSpec {
    pub fn config(&self) -> Result<FcConfig, RoleError> {
        let mut c = FcConfig::cubic(self.sigmoid_r, self.learning_rate)?;
        if self.degree != 3 {
            let p = crate::reference::Polynomial::fit_least_squares(
                crate::reference::sigmoid,
                self.degree,
                -self.sigmoid_r,
                self.sigmoid_r,
            )
            .map_err(|e| RoleError::Usage(format!("sigmoid fit: {e}")))?;
            c.hidden = p.clone();
            c.output = p;
        }
        if self.linear_output {
            c.output = crate::reference::Polynomial::new(vec![0.0, 1.0])
                .map_err(|e| RoleError::Usage(e.to_string()))?;
        }
        Ok(c)
    }

    fn check(&self) -> Result<(), RoleError> {
        let usage = |m: &str| Err(RoleError::Usage(m.into()));
        if self.layers.len() < 2 || self.layers.contains(&0) {
            return usage("layers: at least an input and an output width, none zero");
        }
        if self.layers[0] != INPUTS || self.layers[self.layers.len() - 1] != CLASSES {
            return usage("layers: 196 inputs (14×14 pixels) first and 10 classes last");
        }
        if !(1..=15).contains(&self.degree) {
            return usage("degree: 1..=15");
        }
        if self.batch == 0 {
            return usage("batch: at least one row");
        }
        if !(self.init_scale.is_finite() && self.init_scale > 0.0) {
            return usage("init scale: positive and finite");
        }
        Ok(())
    }

    /// The plan for `slots` slots.
    pub fn plan(&self, slots: usize) -> Result<FcPlan, RoleError> {
        self.check()?;
        let shape = FcShape {
            layers: self.layers.clone(),
            batch: self.batch,
        };
        Ok(FcPlan::new(shape, self.config()?, slots)?)
    }

    /// The initial model (from the public seed).
    pub fn initial_model(&self) -> Mlp {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        Mlp::new_random(&self.layers, self.init_scale, &mut rng)
    }

    fn write(&self, c: &mut Container) {
        let layers: Vec<String> = self.layers.iter().map(usize::to_string).collect();
        c.set("task", TASK)
            .set("layers", layers.join(","))
            .set("batch", self.batch)
            .set("degree", self.degree)
            .set("sigmoid_r", self.sigmoid_r)
            .set("linear_output", self.linear_output)
            .set("learning_rate", self.learning_rate)
            .set("init_scale", self.init_scale)
            .set("seed", self.seed);
    }

    fn read(c: &Container) -> Result<Self, RoleError> {
        if c.get("task")? != TASK {
            return Err(RoleError::Mismatch(format!(
                "a {} file where an {TASK} one was expected",
                c.get("task")?
            )));
        }
        let layers = c
            .get("layers")?
            .split(',')
            .map(|v| v.parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                RoleError::File(FileError::InvalidField {
                    field: "layers".into(),
                    value: c.get("layers").unwrap_or_default().into(),
                })
            })?;
        let spec = Self {
            layers,
            batch: c.parse("batch")?,
            degree: c.parse("degree")?,
            sigmoid_r: c.parse("sigmoid_r")?,
            linear_output: c.parse("linear_output")?,
            learning_rate: c.parse("learning_rate")?,
            init_scale: c.parse("init_scale")?,
            seed: c.parse("seed")?,
        };
        spec.check()?;
        Ok(spec)
    }
}

const INPUTS: usize = 196;
const CLASSES: usize = crate::data::CLASSES;

/// Rows `k·batch .. (k+1)·batch` of the MNIST training set for each of `steps` steps.
pub fn training_batches(
    spec: &FcSpec,
    data: &DataDir,
    steps: usize,
) -> Result<Vec<(Matrix, Vec<u8>)>, RoleError> {
    let train = data.mnist_train()?;
    let rows = steps * spec.batch;
    if steps == 0 || rows > train.len() {
        return Err(RoleError::Usage(format!(
            "{steps} steps of {} rows: 1..={} rows are available",
            spec.batch,
            train.len()
        )));
    }
    (0..steps)
        .map(|k| {
            let part = train.slice(k * spec.batch..(k + 1) * spec.batch);
            Ok((
                downsample_2x2(&pixels_unit(&part), 28, 28)?,
                part.labels().to_vec(),
            ))
        })
        .collect()
}

/// All 60,000 training images (for the full-data mirror).
pub fn all_training_rows(data: &DataDir) -> Result<(Matrix, Vec<u8>), RoleError> {
    let train = data.mnist_train()?;
    Ok((
        downsample_2x2(&pixels_unit(&train), 28, 28)?,
        train.labels().to_vec(),
    ))
}

/// The 10,000 test images.
pub fn test_rows(data: &DataDir) -> Result<(Matrix, Vec<u8>), RoleError> {
    let test = data.mnist_test()?;
    Ok((
        downsample_2x2(&pixels_unit(&test), 28, 28)?,
        test.labels().to_vec(),
    ))
}

/// Accuracy of `model` on the test images: the largest output pre-activation wins (what
/// the mirror and the encrypted model compute).
pub fn evaluate(spec: &FcSpec, model: &Mlp, data: &DataDir) -> Result<f64, RoleError> {
    let (x, labels) = test_rows(data)?;
    Ok(PlainNet::from_mlp(model).accuracy(&spec.config()?, &x, &labels)?)
}

struct Session {
    params: Arc<CkksParameters>,
    spec: FcSpec,
    steps: usize,
    plan: FcPlan,
    /// The bootstrap of a bootstrapping preset.
    bootstrap: Option<BootstrapPlan>,
}

impl Session {
    fn load(keys: &KeyDir) -> Result<Self, RoleError> {
        let (params, c) = load_params(keys)?;
        let spec = FcSpec::read(&c)?;
        let steps: usize = c.parse("iterations")?;
        let bootstrap = bootstrap_of(&c, &params)?;
        let mut plan = spec.plan(params.max_slots())?;
        if bootstrap.is_some() {
            // The schedule key generation tuned (public, like the plan).
            plan = plan.with_refresh_schedule(RefreshSchedule {
                forward_ahead: c.parse("refresh_forward")?,
                backward_ahead: c.parse("refresh_backward")?,
            });
        }
        Ok(Self {
            params,
            spec,
            steps,
            plan,
            bootstrap,
        })
    }

    /// The level the model starts at: exactly what the steps need, or where a refresh lands
    /// (bootstrapped).
    fn top(&self) -> Result<usize, RoleError> {
        if let Some(b) = &self.bootstrap {
            return Ok(b.output_level());
        }
        self.plan
            .levels_needed(self.steps)
            .filter(|&l| l <= self.params.max_level())
            .ok_or_else(|| RoleError::Train(format!("{} steps do not fit", self.steps)))
    }

    fn check_file(&self, c: &Container) -> Result<(), RoleError> {
        let spec = FcSpec::read(c)?;
        if spec != self.spec {
            return Err(RoleError::Mismatch(
                "the file was made for another network or batch than the keys".into(),
            ));
        }
        Ok(())
    }
}

/// Owner: parameters and keys for `steps` SGD steps of `spec`, written to `keys`.
pub fn keygen<G: RngCore + CryptoRng>(
    keys: &KeyDir,
    preset_name: &str,
    spec: &FcSpec,
    steps: usize,
    rng: &mut G,
) -> Result<KeygenReport, RoleError> {
    let start = Instant::now();
    let levels = spec
        .plan(1 << 15)?
        .levels_needed(steps)
        .ok_or_else(|| RoleError::Usage(format!("{steps} steps: the plan fails")))?;
    // Runs longer than one N = 2^16 chain bootstrap.
    let preset_name = resolve_preset(preset_name, levels);
    let (params, secure) = preset_params(preset_name, || Ok(levels))?;
    let mut plan = spec.plan(params.max_slots())?;
    let boot = if bootstrap_preset(preset_name) {
        Some(bootstrap_plan(&params)?)
    } else {
        None
    };
    let possible = match &boot {
        Some(b) => {
            // The steps refresh inside themselves: a refresh must carry a layer's work. Where
            // they refresh is tuned on dry runs of three steps (steady state from the second).
            plan = plan
                .tune_refreshes(b.output_level(), b.input_level(), 3)
                .map_err(|e| {
                    RoleError::Usage(format!(
                        "preset {preset_name}: a refresh to level {} above {} cannot carry a \
                         step: {e}",
                        b.output_level(),
                        b.input_level()
                    ))
                })?;
            usize::MAX
        }
        None => plan.steps_within(params.max_level(), 64),
    };
    let schedule = plan.refresh_schedule();
    if steps == 0 || steps > possible {
        return Err(RoleError::Usage(format!(
            "{steps} steps: preset {preset_name} holds 1..={possible} without bootstrapping"
        )));
    }
    let mut elements = plan.galois_elements(params.log_n());
    if let Some(b) = &boot {
        elements.extend(b.galois_elements());
    }
    let elements: Vec<u64> = elements.into_iter().collect();
    write_keys(
        keys,
        &params,
        &elements,
        |c| {
            spec.write(c);
            c.set("scheme", "ckks")
                .set("preset", preset_name)
                .set("secure", secure)
                .set("iterations", steps)
                .set("bootstrap", boot.is_some())
                .set("refresh_forward", schedule.forward_ahead)
                .set("refresh_backward", schedule.backward_ahead);
        },
        rng,
    )?;
    Ok(KeygenReport {
        preset: preset_name.to_string(),
        galois_elements: elements.len(),
        levels: params.max_level(),
        iterations_possible: possible,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn encode_all<G: RngCore + CryptoRng>(
    s: &Session,
    enc: &Encryptor<'_>,
    encoder: &blindfold_ckks::Encoder,
    vectors: &[Vec<f64>],
    level: usize,
    rng: &mut G,
) -> Result<Vec<Ciphertext>, RoleError> {
    vectors
        .iter()
        .map(|v| {
            let pt = encoder.encode(v, s.params.max_slots(), level, s.params.scale(level))?;
            Ok(enc.encrypt(&pt, rng)?)
        })
        .collect()
}

/// Owner: encrypts the initial model and one mini-batch per step into `out` (each batch at
/// the level the model will be at when its step starts). Returns the bytes written.
pub fn encrypt<G: RngCore + CryptoRng>(
    keys: &KeyDir,
    data: &DataDir,
    out: &std::path::Path,
    rng: &mut G,
) -> Result<u64, RoleError> {
    let s = Session::load(keys)?;
    let sk = load_secret(keys, &s.params)?;
    let top = s.top()?;
    let encoder = blindfold_ckks::Encoder::new(&s.params);
    let enc = Encryptor::with_secret_key(&sk, 1);
    let mut c = Container::new(FileKind::Dataset);
    s.spec.write(&mut c);
    c.set("steps", s.steps);
    let put = |c: &mut Container, name: String, cts: Vec<Ciphertext>| {
        for (i, ct) in cts.iter().enumerate() {
            c.push(
                format!("{name}.{i}"),
                wire::encode_ciphertext(s.params.rlwe(), ct),
            );
        }
    };
    let m = owner_model::<f64>(&s.plan, &s.spec.initial_model())?;
    for (l, (w, b)) in m.weights.iter().zip(&m.biases).enumerate() {
        put(
            &mut c,
            format!("w{l}"),
            encode_all(&s, &enc, &encoder, w, top, rng)?,
        );
        put(
            &mut c,
            format!("b{l}"),
            encode_all(&s, &enc, &encoder, b, top, rng)?,
        );
    }
    for (k, (x, labels)) in training_batches(&s.spec, data, s.steps)?.iter().enumerate() {
        let level = match s.bootstrap {
            Some(_) => top,
            None => s
                .plan
                .data_level(k, top)
                .ok_or_else(|| RoleError::Train(format!("no level for step {}", k + 1)))?,
        };
        let b = owner_batch::<f64>(&s.plan, x, labels)?;
        put(
            &mut c,
            format!("x{k}"),
            encode_all(&s, &enc, &encoder, &b.x, level, rng)?,
        );
        put(
            &mut c,
            format!("y{k}"),
            encode_all(&s, &enc, &encoder, &b.y, level, rng)?,
        );
    }
    let bytes = c.encode();
    std::fs::write(out, &bytes).map_err(|error| FileError::Io {
        path: out.display().to_string(),
        error,
    })?;
    Ok(bytes.len() as u64)
}

/// Ciphertexts per layer.
type Layers = Vec<Vec<Ciphertext>>;

fn layers_of(s: &Session, c: &Container, prefix: &str) -> Result<(Layers, Layers), RoleError> {
    let n = s.spec.layers.len() - 1;
    let mut w = Vec::with_capacity(n);
    let mut b = Vec::with_capacity(n);
    for l in 0..n {
        w.push(ciphertexts(&s.params, c, &format!("{prefix}w{l}"))?);
        b.push(ciphertexts(&s.params, c, &format!("{prefix}b{l}"))?);
    }
    Ok((w, b))
}

/// Server: `steps` SGD steps on the encrypted batches with the evaluation keys only; the
/// encrypted model after every step goes to `out`. `progress` is called after each step.
pub fn train(
    keys: &KeyDir,
    dataset: &std::path::Path,
    steps: usize,
    out: &std::path::Path,
    mut progress: impl FnMut(usize, f64),
) -> Result<TrainReport, RoleError> {
    let start = Instant::now();
    let s = Session::load(keys)?;
    if steps == 0 || steps > s.steps {
        return Err(RoleError::Train(format!(
            "the owner prepared 1..={} steps: {steps} asked",
            s.steps
        )));
    }
    let elements = s.plan.galois_elements(s.params.log_n());
    let eval = Counting::new(server_evaluator(
        keys,
        &s.params,
        elements,
        s.bootstrap.as_ref(),
    )?);
    let d = Container::read(dataset, FileKind::Dataset)?;
    s.check_file(&d)?;
    let (w, b) = layers_of(&s, &d, "")?;
    let train_err =
        |e: crate::fcnet::FcError<blindfold_ckks::Error>| RoleError::Train(e.to_string());
    let mut model = Model::new(&s.plan, w, b)?;
    let mut report = TrainReport {
        setup_seconds: start.elapsed().as_secs_f64(),
        ..TrainReport::default()
    };
    let mut c = Container::new(FileKind::Model);
    s.spec.write(&mut c);
    c.set("iterations", steps);
    for k in 0..steps {
        let batch = Batch::new(
            &s.plan,
            ciphertexts(&s.params, &d, &format!("x{k}"))?,
            ciphertexts(&s.params, &d, &format!("y{k}"))?,
        )?;
        let t = Instant::now();
        model = train_step(&s.plan, &eval, &batch, model).map_err(train_err)?;
        let secs = t.elapsed().as_secs_f64();
        report.iteration_seconds.push(secs);
        progress(k + 1, secs);
        report.levels_left = model
            .weights()
            .iter()
            .chain(model.biases())
            .flatten()
            .map(Ciphertext::level)
            .min()
            .unwrap_or(0);
        for (l, (w, b)) in model.weights().iter().zip(model.biases()).enumerate() {
            for (name, cts) in [
                (format!("s{}.w{l}", k + 1), w),
                (format!("s{}.b{l}", k + 1), b),
            ] {
                for (i, ct) in cts.iter().enumerate() {
                    c.push(
                        format!("{name}.{i}"),
                        wire::encode_ciphertext(s.params.rlwe(), ct),
                    );
                }
            }
        }
    }
    c.write(out)?;
    report.refreshes = eval.counts().refreshes;
    Ok(report)
}

/// The refreshes (bootstraps) `steps` steps of a bootstrapped run do, from the plan alone
/// (`None` for a run within one chain).
pub fn planned_refreshes(keys: &KeyDir, steps: usize) -> Result<Option<usize>, RoleError> {
    let s = Session::load(keys)?;
    let Some(b) = &s.bootstrap else {
        return Ok(None);
    };
    let per_step = s
        .plan
        .refreshes(b.output_level(), b.input_level(), steps)
        .map_err(|e| RoleError::Train(e.to_string()))?;
    Ok(Some(per_step.iter().sum()))
}

/// Owner: decrypts the model after every step (noise-flooded under `policy`; `None` only
/// for the owner's own use) and writes the released networks to `out`. Returns them and the
/// precision (bits) the flooding leaves.
pub fn decrypt<G: RngCore + CryptoRng>(
    keys: &KeyDir,
    model: &std::path::Path,
    out: &std::path::Path,
    policy: Option<FloodingPolicy>,
    rng: &mut G,
) -> Result<(Vec<Mlp>, f64), RoleError> {
    let s = Session::load(keys)?;
    let sk = load_secret(keys, &s.params)?;
    let c = Container::read(model, FileKind::Model)?;
    s.check_file(&c)?;
    let steps: usize = c.parse("iterations")?;
    let encoder = blindfold_ckks::Encoder::new(&s.params);
    let mut worst_bits = f64::INFINITY;
    let mut nets = Vec::with_capacity(steps);
    for k in 1..=steps {
        let (w, b) = layers_of(&s, &c, &format!("s{k}."))?;
        let model = Model::new(&s.plan, w, b)?;
        let slots = model.decrypted(|ct| {
            let (v, bits) = release_real(&sk, &encoder, &s.params, ct, policy, rng)?;
            worst_bits = worst_bits.min(bits);
            Ok::<_, RoleError>(v)
        })?;
        nets.push(decode_model(&s.plan, &slots)?);
    }
    write_weights(&s.spec, &nets, policy.is_some(), out)?;
    Ok((nets, worst_bits))
}

/// A weights file of `nets` (one network per step), as [`weights_from_container`] reads it.
pub fn write_weights(
    spec: &FcSpec,
    nets: &[Mlp],
    flooded: bool,
    out: &std::path::Path,
) -> Result<(), RoleError> {
    let mut w = Container::new(FileKind::Weights);
    spec.write(&mut w);
    w.set("iterations", nets.len()).set("flooded", flooded);
    for (k, net) in nets.iter().enumerate() {
        for (l, layer) in net.layers().iter().enumerate() {
            let name = format!("s{}.w{l}", k + 1);
            w.push(name, floats(layer.weights.as_slice()));
            w.push(format!("s{}.b{l}", k + 1), floats(&layer.bias));
        }
    }
    Ok(w.write(out)?)
}

/// Per step, the largest difference between any weight or bias of `a` and of `b` (networks
/// of one shape, e.g. a decrypted run and its mirror), and the largest magnitude in `b`.
pub fn weight_gaps(a: &[Mlp], b: &[Mlp]) -> Result<Vec<(f64, f64)>, RoleError> {
    if a.len() != b.len() {
        return Err(RoleError::Mismatch(format!(
            "{} steps against {}",
            a.len(),
            b.len()
        )));
    }
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let (mut gap, mut scale) = (0.0f64, 0.0f64);
            if x.layers().len() != y.layers().len() {
                return Err(RoleError::Mismatch("networks of different depth".into()));
            }
            for (p, q) in x.layers().iter().zip(y.layers()) {
                let (u, v) = (p.weights.as_slice(), q.weights.as_slice());
                if u.len() != v.len() || p.bias.len() != q.bias.len() {
                    return Err(RoleError::Mismatch("layers of different shapes".into()));
                }
                for (s, t) in u.iter().chain(&p.bias).zip(v.iter().chain(&q.bias)) {
                    gap = gap.max((s - t).abs());
                    scale = scale.max(t.abs());
                }
            }
            Ok((gap, scale))
        })
        .collect()
}

fn floats(v: &[f64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn read_floats(c: &Container, name: &str, len: usize) -> Result<Vec<f64>, RoleError> {
    let bytes = c.section(name)?;
    let bad = |value: String| {
        RoleError::File(FileError::InvalidField {
            field: name.to_string(),
            value,
        })
    };
    if len.checked_mul(8) != Some(bytes.len()) {
        return Err(bad(format!("{} bytes for {len} values", bytes.len())));
    }
    let v: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
        .collect();
    if v.iter().any(|x| !x.is_finite()) {
        return Err(bad("non-finite value".into()));
    }
    Ok(v)
}

/// The released networks in a decoded weights file (one per step) and their spec.
pub fn weights_from_container(c: &Container) -> Result<(FcSpec, Vec<Mlp>), RoleError> {
    let spec = FcSpec::read(c)?;
    let steps: usize = c.parse("iterations")?;
    let mut nets = Vec::new();
    for k in 1..=steps {
        let mut layers = Vec::new();
        for (l, pair) in spec.layers.windows(2).enumerate() {
            let (din, dout) = (pair[0], pair[1]);
            let w = read_floats(c, &format!("s{k}.w{l}"), din * dout)?;
            let bias = read_floats(c, &format!("s{k}.b{l}"), dout)?;
            layers.push(DenseLayer {
                weights: Matrix::from_vec(din, dout, w)?,
                bias,
            });
        }
        nets.push(Mlp::from_layers(layers)?);
    }
    Ok((spec, nets))
}

#[derive(Clone, Debug)]
/// What the mirror reports: per step of the encrypted run, the mirror's model; with
/// `epochs`, the same math trained on all 60,000 images and its test accuracy per epoch.
pub struct MirrorRun {
    pub steps: Vec<Mlp>,
    pub epoch_accuracy: Vec<f64>,
}

/// The plaintext mirror of an encrypted run (the generic step on `Clear::real`, levels
/// tracked), and optionally `epochs` epochs of the same step over all of MNIST in plain
/// `f64` (checked equal to the mirror in the tests), the rows shuffled every epoch.
pub fn mirror(
    spec: &FcSpec,
    steps: usize,
    epochs: usize,
    data: &DataDir,
    mut on_epoch: impl FnMut(usize, f64, f64),
) -> Result<MirrorRun, RoleError> {
    let plan = spec.plan(1 << 15)?;
    let levels = plan
        .levels_needed(steps)
        .ok_or_else(|| RoleError::Usage(format!("{steps} steps: the plan fails")))?;
    let batches = training_batches(spec, data, steps)?;
    let mut out = Vec::with_capacity(steps);
    train_clear::<f64>(
        &plan,
        &spec.initial_model(),
        levels,
        batches.iter().map(|(x, l)| (x, l.as_slice())),
        |_, m| out.push(m.clone()),
    )
    .map_err(|e| RoleError::Train(e.to_string()))?;
    let mut epoch_accuracy = Vec::with_capacity(epochs);
    if epochs > 0 {
        let config = spec.config()?;
        let (x, labels) = all_training_rows(data)?;
        let (tx, tl) = test_rows(data)?;
        let mut net = PlainNet::from_mlp(&spec.initial_model());
        let mut order: Vec<usize> = (0..x.rows()).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed ^ 0x5eed);
        for e in 1..=epochs {
            let t = Instant::now();
            for i in (1..order.len()).rev() {
                let j = ((u128::from(rng.next_u64()) * (i as u128 + 1)) >> 64) as usize;
                order.swap(i, j);
            }
            for chunk in order.chunks_exact(spec.batch) {
                let xb: Vec<f64> = chunk.iter().flat_map(|&r| x.row(r).to_vec()).collect();
                let lb: Vec<u8> = chunk.iter().map(|&r| labels[r]).collect();
                net.step(&config, &Matrix::from_vec(spec.batch, x.cols(), xb)?, &lb)?;
            }
            let acc = net.accuracy(&config, &tx, &tl)?;
            on_epoch(e, acc, t.elapsed().as_secs_f64());
            epoch_accuracy.push(acc);
        }
    }
    Ok(MirrorRun {
        steps: out,
        epoch_accuracy,
    })
}
