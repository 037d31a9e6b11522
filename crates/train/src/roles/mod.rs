//! The transfer-learning deployment on CKKS, role by role, through files:
//!
//! - data owner: [`keygen`] (parameters, secret key, public and evaluation keys — exactly the
//!   Galois keys the plan needs), [`encrypt`] (the packed training set, secret-key encrypted:
//!   seeded ciphertexts travel at half size), [`decrypt`] (noise-flooded release of the
//!   model) and [`evaluate`];
//! - server: [`train`], with the public parameters, the evaluation keys and the ciphertexts
//!   only.
//!
//! Every file is a [`Container`] checked on load: a file of the wrong kind, for other
//! parameters, or for another task is refused with a [`RoleError`].

pub mod fcnet;

use core::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use blindfold_ckks::{CkksParameters, Evaluator, FloodingPolicy, decrypt_for_release};
use blindfold_pack::{Counting, Plan};
use blindfold_rlwe::{Ciphertext, Encryptor, KeyGenerator, ParametersLiteral, SecretKey, wire};
use rand_core::{CryptoRng, RngCore};

use crate::Matrix;
use crate::data::preprocess::{
    add_bias_column, downsample_2x2, features_matrix, pad_to_power_of_two, pixels_unit,
};
use crate::data::{DataDir, DataError, RegnetFile};
use crate::files::{Container, FileError, FileKind};
use crate::reference::accuracy;
use crate::reference::mlr::scores;
use crate::transfer::{
    OwnerData, ServerData, SetupError, TrainState, TransferConfig, TransferPlan, TransferShape,
    decode_weights, owner_prepare, train_step,
};

/// What is trained on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// Chiang's RegNetX-400MF features (400 + bias, padded to 512); evaluated on rows
    /// `samples..512` of the 512-row file (the test-set features are not published).
    Regnet,
    /// MNIST pixels downsampled 28→14 (196 + bias, padded to 256); evaluated on the full
    /// 10,000-image test set.
    Mnist,
}

impl Task {
    /// The task's name in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Regnet => "regnet",
            Self::Mnist => "mnist",
        }
    }

    /// Parses a task name.
    pub fn parse(s: &str) -> Result<Self, RoleError> {
        match s {
            "regnet" | "chiang" => Ok(Self::Regnet),
            "mnist" => Ok(Self::Mnist),
            _ => Err(RoleError::Usage(format!(
                "unknown task {s:?} (regnet or mnist)"
            ))),
        }
    }
}

/// CKKS parameter presets by name (`test` is insecure, for fast tests only).
pub fn preset(name: &str) -> Result<(ParametersLiteral, bool), RoleError> {
    use blindfold_ckks::presets as p;
    Ok(match name {
        "n16" => (p::n16(), true),
        "n16-scale55" => (p::n16_scale55(), true),
        "n16-depth24" => (p::n16_depth24(), true),
        "n15" => (p::n15(), true),
        "n14" => (p::n14(), true),
        // Insecure N = 2^12, Δ = 2^55, 12 levels: the whole flow in seconds, tests only.
        "test" => (
            ParametersLiteral {
                log_n: 12,
                log_q: [vec![60], vec![55; 12]].concat(),
                log_p: vec![60; 5],
                ..p::insecure_test()
            },
            false,
        ),
        // Bootstrapping (see `bootstrap_preset`).
        "n16-boot" => (p::n16_bootstrap(), true),
        // Insecure N = 2^12 shaped like n16-boot: bootstrapped runs in tests only.
        "test-boot" => (
            ParametersLiteral {
                log_n: 12,
                ..p::n16_bootstrap()
            },
            false,
        ),
        _ => {
            return Err(RoleError::Usage(format!(
                "unknown preset {name:?} (n16-auto, n16-boot, n16-scale55, n16, n16-depth24, \
                 n15, n14, test, test-boot)"
            )));
        }
    })
}

/// The parameters of a preset and whether they are checked secure; `n16-auto` sizes its
/// chain by `levels` (only evaluated for it): fewer limbs, smaller keys, faster everything.
pub(crate) fn preset_params(
    name: &str,
    levels: impl FnOnce() -> Result<usize, RoleError>,
) -> Result<(Arc<CkksParameters>, bool), RoleError> {
    let (lit, secure) = if name == "n16-auto" {
        (auto_n16(levels()?)?, true)
    } else {
        preset(name)?
    };
    let params = if secure {
        CkksParameters::new(lit)?
    } else {
        CkksParameters::insecure_for_tests(lit)?
    };
    Ok((params, secure))
}

/// Whether a preset bootstraps: its keys then include the bootstrap's Galois elements, the
/// data and weights start where a refresh lands, and training runs as many iterations as
/// asked, refreshing the weights when the level planner says so.
pub fn bootstrap_preset(name: &str) -> bool {
    matches!(name, "n16-boot" | "test-boot")
}

/// The bootstrap plan of bootstrapping parameters, full slots.
pub(crate) fn bootstrap_plan(
    params: &Arc<CkksParameters>,
) -> Result<blindfold_ckks::bootstrap::BootstrapPlan, RoleError> {
    let config = blindfold_ckks::bootstrap::BootstrapConfig::new(params, params.max_slots());
    Ok(blindfold_ckks::bootstrap::BootstrapPlan::new(
        params, config,
    )?)
}

/// The most levels `n16-auto` gives one chain; longer runs get `n16-boot`.
const AUTO_MAX_LEVELS: usize = 22;

/// `n16-auto` for a run needing `levels` levels becomes `n16-boot` beyond one chain.
pub(crate) fn resolve_preset(name: &str, levels: usize) -> &str {
    if name == "n16-auto" && levels > AUTO_MAX_LEVELS {
        "n16-boot"
    } else {
        name
    }
}

/// The bootstrap a parameter file asks for (`bootstrap = true`), if any.
pub(crate) fn bootstrap_of(
    c: &Container,
    params: &Arc<CkksParameters>,
) -> Result<Option<blindfold_ckks::bootstrap::BootstrapPlan>, RoleError> {
    if c.get("bootstrap").is_ok_and(|v| v == "true") {
        Ok(Some(bootstrap_plan(params)?))
    } else {
        Ok(None)
    }
}

/// Server: the evaluator over the evaluation keys (refused unless they hold `elements` and
/// the bootstrap's), refreshing through `boot` when the run bootstraps.
pub(crate) fn server_evaluator(
    keys: &KeyDir,
    params: &Arc<CkksParameters>,
    mut elements: std::collections::BTreeSet<u64>,
    boot: Option<&blindfold_ckks::bootstrap::BootstrapPlan>,
) -> Result<Evaluator, RoleError> {
    if let Some(b) = boot {
        elements.extend(b.galois_elements());
    }
    let evk = load_evaluation_keys(keys, params, elements)?;
    let eval = Evaluator::new(params, Arc::new(evk), params.max_slots())?;
    Ok(match boot {
        Some(b) => {
            let boot = blindfold_ckks::bootstrap::Bootstrapper::new(b.clone())?;
            eval.with_bootstrapper(Arc::new(boot))?
        }
        None => eval,
    })
}

/// N = 2^16 with Δ = 2^55 and exactly `levels` levels (60-bit base prime), dnum 3, the
/// special primes sized to the largest digit: 128-bit secure up to 22 levels (checked).
pub fn auto_n16(levels: usize) -> Result<ParametersLiteral, RoleError> {
    if levels == 0 || levels > AUTO_MAX_LEVELS {
        return Err(RoleError::Usage(format!(
            "n16-auto holds 1..=22 levels at Δ = 2^55 (128-bit bound); this run needs {levels}"
        )));
    }
    let primes = levels + 1;
    let dnum = 3.min(primes);
    let digit = primes.div_ceil(dnum);
    let digit_bits = 60 + 55 * (digit - 1);
    let p_count = digit_bits.div_ceil(58);
    Ok(ParametersLiteral {
        log_q: [vec![60], vec![55; levels]].concat(),
        log_p: vec![58; p_count],
        dnum,
        ..blindfold_ckks::presets::n16_scale55()
    })
}

/// Why a role's step failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum RoleError {
    /// Bad command-line usage or option value.
    Usage(String),
    /// A data file is missing or malformed.
    Data(DataError),
    /// A Blindfold file was refused.
    File(FileError),
    /// Shapes or configuration.
    Setup(SetupError),
    /// Shapes or configuration of the fully connected network.
    Network(crate::fcnet::SetupError),
    /// CKKS refused an operation (levels, keys, scales).
    Ckks(blindfold_ckks::Error),
    /// The training loop refused a state.
    Train(String),
    /// Files that do not belong together.
    Mismatch(String),
}

impl fmt::Display for RoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(s) | Self::Train(s) => write!(f, "{s}"),
            Self::Data(e) => write!(f, "{e}"),
            Self::File(e) => write!(f, "{e}"),
            Self::Setup(e) => write!(f, "{e}"),
            Self::Network(e) => write!(f, "{e}"),
            Self::Ckks(e) => write!(f, "CKKS: {e}"),
            Self::Mismatch(s) => write!(f, "files do not belong together: {s}"),
        }
    }
}

impl std::error::Error for RoleError {}

impl From<DataError> for RoleError {
    fn from(e: DataError) -> Self {
        Self::Data(e)
    }
}
impl From<FileError> for RoleError {
    fn from(e: FileError) -> Self {
        Self::File(e)
    }
}
impl From<SetupError> for RoleError {
    fn from(e: SetupError) -> Self {
        Self::Setup(e)
    }
}
impl From<crate::fcnet::SetupError> for RoleError {
    fn from(e: crate::fcnet::SetupError) -> Self {
        Self::Network(e)
    }
}
impl From<blindfold_ckks::Error> for RoleError {
    fn from(e: blindfold_ckks::Error) -> Self {
        Self::Ckks(e)
    }
}
impl From<blindfold_rlwe::Error> for RoleError {
    fn from(e: blindfold_rlwe::Error) -> Self {
        Self::Ckks(e.into())
    }
}
impl From<crate::ShapeError> for RoleError {
    fn from(e: crate::ShapeError) -> Self {
        Self::Setup(e.into())
    }
}

fn wire_err(section: &str) -> impl FnOnce(wire::WireError) -> RoleError + '_ {
    move |error| {
        RoleError::File(FileError::Wire {
            section: section.to_string(),
            error,
        })
    }
}

/// The design matrix (bias, padding) and labels of the first `samples` training rows.
pub fn training_rows(
    task: Task,
    data: &DataDir,
    samples: usize,
) -> Result<(Matrix, Vec<u8>), RoleError> {
    let (x, labels) = match task {
        Task::Regnet => {
            let set = data.regnet(RegnetFile::First512)?;
            if samples == 0 || samples >= set.len() {
                return Err(RoleError::Usage(format!(
                    "samples must be in 1..{} for the RegNet task",
                    set.len()
                )));
            }
            let x = features_matrix(&set).slice_rows(0..samples);
            (x, set.labels()[..samples].to_vec())
        }
        Task::Mnist => {
            let train = data.mnist_train()?;
            if samples == 0 || samples > train.len() {
                return Err(RoleError::Usage(format!(
                    "samples must be in 1..={}",
                    train.len()
                )));
            }
            let train = train.slice(0..samples);
            let x = downsample_2x2(&pixels_unit(&train), 28, 28)?;
            (x, train.labels().to_vec())
        }
    };
    Ok((pad_to_power_of_two(&add_bias_column(&x)), labels))
}

/// The evaluation rows: RegNet rows `samples..512`, or the MNIST test set.
pub fn evaluation_rows(
    task: Task,
    data: &DataDir,
    samples: usize,
) -> Result<(Matrix, Vec<u8>), RoleError> {
    let (x, labels) = match task {
        Task::Regnet => {
            let set = data.regnet(RegnetFile::First512)?;
            let x = features_matrix(&set).slice_rows(samples..set.len());
            (x, set.labels()[samples..].to_vec())
        }
        Task::Mnist => {
            let test = data.mnist_test()?;
            let x = downsample_2x2(&pixels_unit(&test), 28, 28)?;
            (x, test.labels().to_vec())
        }
    };
    Ok((pad_to_power_of_two(&add_bias_column(&x)), labels))
}

/// Features per row (bias and padding included) of a task.
pub fn task_features(task: Task) -> usize {
    match task {
        Task::Regnet => 512,
        Task::Mnist => 256,
    }
}

/// The plan of a task.
pub fn plan(task: Task, samples: usize, slots: usize) -> Result<TransferPlan, RoleError> {
    Ok(TransferPlan::new(
        TransferShape {
            samples,
            features: task_features(task),
            classes: crate::data::CLASSES,
        },
        TransferConfig::chiang_paper(),
        slots,
    )?)
}

/// Paths of the key directory.
#[derive(Clone, Debug)]
pub struct KeyDir(pub PathBuf);

impl KeyDir {
    pub fn params(&self) -> PathBuf {
        self.0.join("params.bf")
    }
    pub fn secret(&self) -> PathBuf {
        self.0.join("secret.bf")
    }
    pub fn public(&self) -> PathBuf {
        self.0.join("public.bf")
    }
    pub fn evaluation(&self) -> PathBuf {
        self.0.join("evaluation.bf")
    }
}

/// The public description of a run, carried in the parameter file.
#[derive(Clone, Debug)]
pub struct Session {
    pub params: Arc<CkksParameters>,
    pub task: Task,
    pub samples: usize,
    /// Iterations the owner prepared the data for (ciphertexts start at the level they need).
    pub iterations: usize,
    pub plan: TransferPlan,
    /// The bootstrap of a bootstrapping preset.
    pub bootstrap: Option<blindfold_ckks::bootstrap::BootstrapPlan>,
}

fn load_session(keys: &KeyDir) -> Result<Session, RoleError> {
    let (params, c) = load_params(keys)?;
    let task = Task::parse(c.get("task")?)?;
    let samples: usize = c.parse("samples")?;
    let iterations: usize = c.parse("iterations")?;
    let plan = plan(task, samples, params.max_slots())?;
    let bootstrap = bootstrap_of(&c, &params)?;
    Ok(Session {
        params,
        task,
        samples,
        iterations,
        plan,
        bootstrap,
    })
}

/// What key generation reports.
#[derive(Clone, Debug)]
pub struct KeygenReport {
    /// The preset used (`n16-auto` becomes `n16-boot` for runs longer than one chain).
    pub preset: String,
    pub galois_elements: usize,
    pub levels: usize,
    pub iterations_possible: usize,
    pub seconds: f64,
}

/// Owner: parameters and keys for `task` on `samples` rows, written to `keys`.
pub fn keygen<G: RngCore + CryptoRng>(
    keys: &KeyDir,
    preset_name: &str,
    task: Task,
    samples: usize,
    iterations: usize,
    rng: &mut G,
) -> Result<KeygenReport, RoleError> {
    let start = Instant::now();
    let levels = plan(task, samples, 1 << 15)?.levels_needed(iterations);
    // Runs longer than one N = 2^16 chain bootstrap.
    let preset_name = resolve_preset(preset_name, levels);
    let (params, secure) = preset_params(preset_name, || Ok(levels))?;
    let plan = plan(task, samples, params.max_slots())?;
    let boot = if bootstrap_preset(preset_name) {
        Some(bootstrap_plan(&params)?)
    } else {
        None
    };
    let possible = match &boot {
        Some(b) => {
            // Refreshed weights must take one iteration and still be refreshable.
            let worst = (0..2).map(|t| plan.iteration_depth(t)).max().unwrap_or(0);
            if b.output_level() < worst + b.input_level() {
                return Err(RoleError::Usage(format!(
                    "preset {preset_name}: a refresh lands at level {} but an iteration needs {} \
                     and the next refresh {}",
                    b.output_level(),
                    worst,
                    b.input_level()
                )));
            }
            usize::MAX
        }
        None => plan.iterations_within(params.max_level()),
    };
    if iterations == 0 || iterations > possible {
        return Err(RoleError::Usage(format!(
            "{iterations} iterations: preset {preset_name} holds 1..={possible} without bootstrapping"
        )));
    }
    let mut elements: std::collections::BTreeSet<u64> =
        plan.galois_elements(params.log_n()).into_iter().collect();
    if let Some(b) = &boot {
        elements.extend(b.galois_elements());
    }
    let elements: Vec<u64> = elements.into_iter().collect();
    write_keys(
        keys,
        &params,
        &elements,
        |c| {
            c.set("scheme", "ckks")
                .set("preset", preset_name)
                .set("secure", secure)
                .set("task", task.name())
                .set("samples", samples)
                .set("iterations", iterations)
                .set("bootstrap", boot.is_some());
        },
        rng,
    )?;
    let levels = params.max_level();
    Ok(KeygenReport {
        preset: preset_name.to_string(),
        galois_elements: elements.len(),
        levels,
        iterations_possible: possible,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Owner: a fresh secret key, its public key and the evaluation keys (relinearization and
/// exactly `elements`), written to `keys` beside the parameter file (`meta` fills its fields).
pub(crate) fn write_keys<G: RngCore + CryptoRng>(
    keys: &KeyDir,
    params: &Arc<CkksParameters>,
    elements: &[u64],
    meta: impl FnOnce(&mut Container),
    rng: &mut G,
) -> Result<(), RoleError> {
    let sk = SecretKey::generate(params.rlwe(), rng)?;
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(rng)?;
    std::fs::create_dir_all(&keys.0).map_err(|error| FileError::Io {
        path: keys.0.display().to_string(),
        error,
    })?;
    let mut c = Container::new(FileKind::Parameters);
    meta(&mut c);
    c.push("params", wire::encode_parameters(params.rlwe()));
    c.write(&keys.params())?;
    let mut c = Container::new(FileKind::SecretKey);
    c.push("secret", wire::encode_secret_key(&sk).to_vec());
    c.write(&keys.secret())?;
    let mut c = Container::new(FileKind::PublicKey);
    c.push("public", wire::encode_public_key(params.rlwe(), &pk));
    c.write(&keys.public())?;
    // One section per key, each encoded as soon as it exists: at N = 2^16 a bootstrapping
    // key set is several GB, and it is never held twice.
    let mut c = Container::new(FileKind::EvaluationKeys);
    c.set("galois_elements", elements.len());
    let evk = kg.evaluation_keys(true, &[], rng)?;
    c.push("keys.0", wire::encode_evaluation_keys(params.rlwe(), &evk));
    for (i, g) in elements.iter().enumerate() {
        let evk = kg.evaluation_keys(false, &[*g], rng)?;
        c.push(
            format!("keys.{}", i + 1),
            wire::encode_evaluation_keys(params.rlwe(), &evk),
        );
    }
    c.write(&keys.evaluation())?;
    Ok(())
}

/// The parameters in a key directory's parameter file and that file.
pub(crate) fn load_params(keys: &KeyDir) -> Result<(Arc<CkksParameters>, Container), RoleError> {
    let c = Container::read(&keys.params(), FileKind::Parameters)?;
    let secure: bool = c.parse("secure")?;
    let rlwe =
        wire::decode_parameters(c.section("params")?, !secure).map_err(wire_err("params"))?;
    Ok((CkksParameters::from_rlwe(rlwe), c))
}

/// Which pipeline a key directory was made for: `fcnet` or a transfer [`Task`]'s name.
pub fn task_of(keys: &KeyDir) -> Result<String, RoleError> {
    let c = Container::read(&keys.params(), FileKind::Parameters)?;
    Ok(c.get("task")?.to_string())
}

/// Server: the evaluation keys, refused unless they hold every Galois element in `needed`.
pub(crate) fn load_evaluation_keys(
    keys: &KeyDir,
    params: &CkksParameters,
    needed: impl IntoIterator<Item = u64>,
) -> Result<blindfold_rlwe::EvaluationKeys, RoleError> {
    let mut c = Container::read(&keys.evaluation(), FileKind::EvaluationKeys)?;
    // Sections `keys.0`, `keys.1`, ... (one key each), decoded and freed one at a time.
    let names: Vec<String> = c
        .sections_with_prefix("keys.")
        .map(|(n, _)| n.to_string())
        .collect();
    if names.is_empty() {
        return Err(FileError::Missing {
            what: "section keys.0".into(),
        }
        .into());
    }
    let mut evk = blindfold_rlwe::EvaluationKeys::default();
    for name in names {
        let bytes = c.take_section(&name)?;
        let part = wire::decode_evaluation_keys(&bytes, params.rlwe()).map_err(wire_err(&name))?;
        if part.relin.is_some() {
            if evk.relin.is_some() {
                return Err(RoleError::Mismatch("two relinearization keys".into()));
            }
            evk.relin = part.relin;
        }
        for (g, k) in part.galois {
            if evk.galois.insert(g, k).is_some() {
                return Err(RoleError::Mismatch(format!("two Galois keys for {g}")));
            }
        }
    }
    let missing: Vec<u64> = needed
        .into_iter()
        .filter(|g| !evk.galois.contains_key(g))
        .collect();
    if !missing.is_empty() {
        return Err(RoleError::Mismatch(format!(
            "the evaluation keys lack Galois elements {missing:?} the plan needs"
        )));
    }
    Ok(evk)
}

/// Owner: the real parts of `ct`'s slots, noise-flooded for release under `policy`, or
/// exact for the owner's own use when `policy` is `None`. With the precision (bits) the
/// flooding leaves (infinite without it).
pub(crate) fn release_real<G: RngCore + CryptoRng>(
    sk: &SecretKey,
    encoder: &blindfold_ckks::Encoder,
    params: &CkksParameters,
    ct: &Ciphertext,
    policy: Option<FloodingPolicy>,
    rng: &mut G,
) -> Result<(Vec<f64>, f64), RoleError> {
    let slots = params.max_slots();
    let plain = blindfold_ckks::decrypt(sk, ct)?;
    let z = encoder.decode_complex(&plain, slots)?;
    let Some(policy) = policy else {
        return Ok((z.iter().map(|v| v.re).collect(), f64::INFINITY));
    };
    // The imaginary parts of real data are pure noise: half its energy. With N/2 slots fed
    // by N coefficients of error variance v, E|slot|² = N·v/Δ², so the coefficient error's
    // standard deviation is rms(im)·Δ·√(2/N); six bound it.
    let rms_im = (z.iter().map(|v| v.im * v.im).sum::<f64>() / z.len() as f64).sqrt();
    let bound = 6.0 * rms_im * ct.meta.scale * (2.0 / params.n() as f64).sqrt();
    let policy = FloodingPolicy {
        noise_log2: bound.max(1.0).log2(),
        ..policy
    };
    let bits = policy.precision_after(params.n(), ct.meta.scale);
    let released = decrypt_for_release(sk, encoder, ct, slots, &policy, rng)?;
    Ok((released.into_iter().map(|v| v.re).collect(), bits))
}

pub(crate) fn load_secret(keys: &KeyDir, params: &CkksParameters) -> Result<SecretKey, RoleError> {
    let c = Container::read(&keys.secret(), FileKind::SecretKey)?;
    wire::decode_secret_key(c.section("secret")?, params.rlwe()).map_err(wire_err("secret"))
}

fn encrypt_all<G: RngCore + CryptoRng>(
    s: &Session,
    enc: &Encryptor<'_>,
    encoder: &blindfold_ckks::Encoder,
    vectors: &[Vec<f64>],
    rng: &mut G,
) -> Result<Vec<Ciphertext>, RoleError> {
    // Start exactly as high as the planned iterations need: every limb less is faster;
    // bootstrapped runs where a refresh lands.
    let l = match &s.bootstrap {
        Some(b) => b.output_level(),
        None => s.plan.levels_needed(s.iterations).min(s.params.max_level()),
    };
    vectors
        .iter()
        .map(|v| {
            let pt = encoder.encode(v, s.params.max_slots(), l, s.params.scale(l))?;
            Ok(enc.encrypt(&pt, rng)?)
        })
        .collect()
}

/// Owner: packs and encrypts the training rows into `out`. Returns the bytes written.
pub fn encrypt<G: RngCore + CryptoRng>(
    keys: &KeyDir,
    data: &DataDir,
    out: &Path,
    rng: &mut G,
) -> Result<u64, RoleError> {
    let s = load_session(keys)?;
    let sk = load_secret(keys, &s.params)?;
    let (x, labels) = training_rows(s.task, data, s.samples)?;
    let OwnerData {
        x: xs,
        y,
        b_inverse,
        initial_weights,
    } = owner_prepare(&s.plan, &x, &labels)?;
    let encoder = blindfold_ckks::Encoder::new(&s.params);
    let enc = Encryptor::with_secret_key(&sk, 1);
    let mut c = Container::new(FileKind::Dataset);
    c.set("task", s.task.name()).set("samples", s.samples);
    for (name, vectors) in [("x", xs), ("y", y), ("binv", b_inverse)]
        .into_iter()
        .chain(initial_weights.map(|w| ("w0", w)))
    {
        for (i, ct) in encrypt_all(&s, &enc, &encoder, &vectors, rng)?
            .iter()
            .enumerate()
        {
            c.push(
                format!("{name}.{i}"),
                wire::encode_ciphertext(s.params.rlwe(), ct),
            );
        }
    }
    let bytes = c.encode();
    std::fs::write(out, &bytes).map_err(|error| FileError::Io {
        path: out.display().to_string(),
        error,
    })?;
    Ok(bytes.len() as u64)
}

fn check_task(s: &Session, c: &Container) -> Result<(), RoleError> {
    let task = Task::parse(c.get("task")?)?;
    let samples: usize = c.parse("samples")?;
    if task != s.task || samples != s.samples {
        return Err(RoleError::Mismatch(format!(
            "file made for {} rows of {}, keys for {} rows of {}",
            samples,
            task.name(),
            s.samples,
            s.task.name()
        )));
    }
    Ok(())
}

pub(crate) fn ciphertexts(
    params: &CkksParameters,
    c: &Container,
    prefix: &str,
) -> Result<Vec<Ciphertext>, RoleError> {
    let mut out = Vec::new();
    loop {
        let name = format!("{prefix}.{}", out.len());
        match c.section(&name) {
            Ok(bytes) => {
                out.push(wire::decode_ciphertext(bytes, params.rlwe()).map_err(wire_err(&name))?)
            }
            Err(_) => return Ok(out),
        }
    }
}

/// What a server run reports.
#[derive(Clone, Debug, Default)]
pub struct TrainReport {
    pub setup_seconds: f64,
    pub iteration_seconds: Vec<f64>,
    pub levels_left: usize,
    /// Ciphertext refreshes (bootstraps) done.
    pub refreshes: usize,
}

/// Server: trains `iterations` iterations on the encrypted dataset with the evaluation keys
/// only, writing the encrypted model to `out`. `progress` is called after each iteration.
pub fn train(
    keys: &KeyDir,
    dataset: &Path,
    iterations: usize,
    out: &Path,
    mut progress: impl FnMut(usize, f64),
) -> Result<TrainReport, RoleError> {
    let start = Instant::now();
    let s = load_session(keys)?;
    if iterations > s.iterations {
        return Err(RoleError::Train(format!(
            "the owner prepared the data for {} iterations (levels for more were not spent): \
             {iterations} asked",
            s.iterations
        )));
    }
    let elements = s
        .plan
        .galois_elements(s.params.log_n())
        .into_iter()
        .collect();
    let eval = Counting::new(server_evaluator(
        keys,
        &s.params,
        elements,
        s.bootstrap.as_ref(),
    )?);
    let d = Container::read(dataset, FileKind::Dataset)?;
    check_task(&s, &d)?;
    let x = ciphertexts(&s.params, &d, "x")?;
    let y = ciphertexts(&s.params, &d, "y")?;
    let binv = ciphertexts(&s.params, &d, "binv")?;
    let w0 = ciphertexts(&s.params, &d, "w0")?;
    let train_err =
        |e: crate::transfer::TransferError<blindfold_ckks::Error>| RoleError::Train(e.to_string());
    let data = ServerData::new(&s.plan, &eval, &x, y, binv).map_err(train_err)?;
    let mut state = if w0.is_empty() {
        TrainState::zero(&s.plan)
    } else {
        TrainState::from_encrypted(&s.plan, w0)
    };
    let mut report = TrainReport {
        setup_seconds: start.elapsed().as_secs_f64(),
        ..TrainReport::default()
    };
    if iterations == 0 {
        return Err(RoleError::Usage("at least one iteration".into()));
    }
    let mut c = Container::new(FileKind::Model);
    c.set("task", s.task.name())
        .set("samples", s.samples)
        .set("iterations", iterations);
    for i in 0..iterations {
        let t = Instant::now();
        state = train_step(&s.plan, &eval, &data, state).map_err(train_err)?;
        let secs = t.elapsed().as_secs_f64();
        report.iteration_seconds.push(secs);
        progress(i + 1, secs);
        // The model after every iteration: the owner can see how training went.
        let w = state
            .weights()
            .ok_or_else(|| RoleError::Train("an iteration left no weights".into()))?;
        report.levels_left = w.iter().map(Ciphertext::level).min().unwrap_or(0);
        for (j, ct) in w.iter().enumerate() {
            c.push(
                format!("w{}.{j}", i + 1),
                wire::encode_ciphertext(s.params.rlwe(), ct),
            );
        }
    }
    c.write(out)?;
    report.refreshes = eval.counts().refreshes;
    Ok(report)
}

/// Owner: decrypts the model after every iteration with noise flooding (`policy.noise_log2`
/// is replaced by an estimate from the imaginary parts, which carry only noise for real
/// data) and writes the released weights (`classes × features` per iteration) to `out`.
/// `policy: None` skips the flooding: the owner's private use only, never for weights that
/// are published. Returns the weights and the precision (bits) the flooding leaves.
pub fn decrypt<G: RngCore + CryptoRng>(
    keys: &KeyDir,
    model: &Path,
    out: &Path,
    policy: Option<FloodingPolicy>,
    rng: &mut G,
) -> Result<(Vec<Matrix>, f64), RoleError> {
    let s = load_session(keys)?;
    let sk = load_secret(keys, &s.params)?;
    let c = Container::read(model, FileKind::Model)?;
    check_task(&s, &c)?;
    let iterations: usize = c.parse("iterations")?;
    let encoder = blindfold_ckks::Encoder::new(&s.params);
    let mut models = Vec::with_capacity(iterations);
    let mut worst_bits = f64::INFINITY;
    for it in 1..=iterations {
        let w = ciphertexts(&s.params, &c, &format!("w{it}"))?;
        let mut vectors = Vec::with_capacity(w.len());
        for ct in &w {
            let (v, bits) = release_real(&sk, &encoder, &s.params, ct, policy, rng)?;
            worst_bits = worst_bits.min(bits);
            vectors.push(v);
        }
        models.push(decode_weights(&s.plan, &vectors)?);
    }
    let mut c = Container::new(FileKind::Weights);
    c.set("task", s.task.name())
        .set("samples", s.samples)
        .set("iterations", iterations)
        .set("flooded", policy.is_some());
    for (it, w) in models.iter().enumerate() {
        c.set(&format!("rows{}", it + 1), w.rows())
            .set(&format!("cols{}", it + 1), w.cols());
        c.push(
            format!("weights{}", it + 1),
            w.as_slice().iter().flat_map(|v| v.to_le_bytes()).collect(),
        );
    }
    c.write(out)?;
    Ok((models, worst_bits))
}

/// Reads released weights: the task, its sample count, and the model after each iteration.
pub fn read_weights(path: &Path) -> Result<(Task, usize, Vec<Matrix>), RoleError> {
    weights_from_container(&Container::read(path, FileKind::Weights)?)
}

/// The released weights held in a decoded [`FileKind::Weights`] container.
pub fn weights_from_container(c: &Container) -> Result<(Task, usize, Vec<Matrix>), RoleError> {
    let task = Task::parse(c.get("task")?)?;
    let samples: usize = c.parse("samples")?;
    let iterations: usize = c.parse("iterations")?;
    let mut out = Vec::new();
    for it in 1..=iterations {
        let (rows, cols): (usize, usize) = (
            c.parse(&format!("rows{it}"))?,
            c.parse(&format!("cols{it}"))?,
        );
        let name = format!("weights{it}");
        let bytes = c.section(&name)?;
        if rows.checked_mul(cols).and_then(|n| n.checked_mul(8)) != Some(bytes.len()) {
            return Err(RoleError::File(FileError::InvalidField {
                field: name,
                value: format!("{} bytes for {rows} x {cols}", bytes.len()),
            }));
        }
        let values: Vec<f64> = bytes
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
            .collect();
        if values.iter().any(|v| !v.is_finite()) {
            return Err(RoleError::File(FileError::InvalidField {
                field: name,
                value: "non-finite value".into(),
            }));
        }
        out.push(Matrix::from_vec(rows, cols, values)?);
    }
    Ok((task, samples, out))
}

/// Accuracy of `weights` on the task's evaluation rows.
pub fn evaluate(
    task: Task,
    samples: usize,
    weights: &Matrix,
    data: &DataDir,
) -> Result<f64, RoleError> {
    let (x, labels) = evaluation_rows(task, data, samples)?;
    Ok(accuracy(&scores(&x, weights)?, &labels)?)
}
