//! One encrypted SGD step of the FC network on BGV in exact fixed point, at 128-bit secure
//! N = 2^16, checked slot for slot against the integer mirror (`Clear::integer`), with the
//! overflow planner's verdict for the plaintext modulus.
//!
//! ```text
//! cargo run --release -p blindfold-train --example fcnet_bgv -- [--layers 196,128,32,10]
//!     [--batch 60] [--input-bits 1] [--weight-bits 1] [--coeff-bits 6]
//! ```
//! Reads the first batch of MNIST from `$BLINDFOLD_DATA`.

use std::sync::Arc;
use std::time::Instant;

use blindfold_bgv::{BgvParameters, BgvParametersLiteral, Decryptor, Encryptor, Evaluator};
use blindfold_pack::Plan;
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{Clear, KeyGenerator, ParametersLiteral, SecretKey, SlotAlgebra};
use blindfold_train::data::DataDir;
use blindfold_train::fcnet::{
    Arithmetic, Batch, FcPlan, FcShape, FixedPoint, Model, owner_batch, owner_model, train_step,
};
use blindfold_train::roles::fcnet::{FcSpec, training_batches};

/// The largest 30-bit prime `≡ 1 mod 2^17`, as in `blindfold_bgv::presets::n15_t30`.
const T: u64 = 1_073_479_681;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let layers: Vec<usize> = arg(&args, "--layers", "196,128,32,10".to_string())
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let fixed = FixedPoint {
        input_bits: arg(&args, "--input-bits", 1),
        weight_bits: arg(&args, "--weight-bits", 1),
        coeff_bits: arg(&args, "--coeff-bits", 6),
        plaintext_modulus: T,
    };
    let spec = FcSpec {
        layers: layers.clone(),
        batch: arg(&args, "--batch", 60),
        ..FcSpec::default()
    };
    let mut config = spec.config()?;
    config.arithmetic = Arithmetic::Fixed(fixed);
    let shape = FcShape {
        layers: layers.clone(),
        batch: spec.batch,
    };
    let slots = 1 << 15;
    let plan = FcPlan::new(shape, config, slots)?;
    let depth = plan.levels_needed(1).ok_or("the plan fails")?;
    let cost = plan.step_cost();
    let model = spec.initial_model();
    let w_max = model
        .layers()
        .iter()
        .flat_map(|l| l.weights.as_slice().iter().chain(&l.bias))
        .fold(0.0f64, |a, v| a.max(v.abs()));
    let verdict = plan.fixed_plan(1.0, w_max, 2)?;
    println!(
        "{layers:?}, batch {}, fixed point {fixed:?}\nstep: {} rotations ({} keys), {} ct x ct \
         ({} relinearizations), {} ct x pt, depth {depth}\nplanner: {} steps below t = 2^{:.1} \
         (largest integer of each step run: 2^{:?} bits)",
        spec.batch,
        cost.rotations,
        plan.rotations_needed().len(),
        cost.ct_mul,
        cost.relinearizations,
        cost.pt_mul,
        verdict.steps,
        verdict.t_bits,
        verdict.step_bits
    );

    // 128-bit secure N = 2^16: 60-bit primes for the step's depth and two more of noise
    // room (a level-0 ciphertext must hold t·√N times the products' correction factors).
    let levels = depth + 2;
    let q = levels + 1;
    let digit = q.div_ceil(3);
    let params = BgvParameters::new(BgvParametersLiteral {
        rlwe: ParametersLiteral {
            log_n: 16,
            log_q: [vec![61], vec![60; levels]].concat(),
            log_p: vec![61; digit],
            dnum: 3,
            secret: SecretDistribution::Ternary,
            sigma: blindfold_rlwe::presets::n13().sigma,
            security: SecurityLevel::Classical128,
        },
        t: T,
    })?;
    let top = params.max_level();
    let mut rng = blindfold_rns::sample::os_rng();
    let t0 = Instant::now();
    let sk = SecretKey::generate(params.rlwe(), &mut rng)?;
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng)?;
    let elements: Vec<u64> = plan.galois_elements(params.log_n()).into_iter().collect();
    let keys = kg.evaluation_keys(true, &elements, &mut rng)?;
    println!(
        "BGV N = 2^16, {} primes + {} special, t = 2^{:.1}: keys in {:.1} s",
        q,
        digit,
        (T as f64).log2(),
        t0.elapsed().as_secs_f64()
    );
    let eval = Evaluator::new(&params, Arc::new(keys));
    let encryptor = Encryptor::with_public_key(&params, &pk);
    let decryptor = Decryptor::new(&params, &sk)?;
    let clear = Clear::integer(slots, top, T);

    let data = DataDir::resolve(None)?;
    let (x, labels) = training_batches(&spec, &data, 1)?.remove(0);
    let m = owner_model::<i64>(&plan, &model)?;
    let b = owner_batch::<i64>(&plan, &x, &labels)?;
    let t0 = Instant::now();
    let mut encrypt = |v: &[Vec<i64>]| -> Result<Vec<_>, Box<dyn std::error::Error>> {
        v.iter()
            .map(|s| Ok(encryptor.encrypt(&SlotAlgebra::encode(&eval, s, top)?, &mut rng)?))
            .collect()
    };
    let state = Model::new(
        &plan,
        m.weights
            .iter()
            .map(|l| encrypt(l))
            .collect::<Result<_, _>>()?,
        m.biases
            .iter()
            .map(|l| encrypt(l))
            .collect::<Result<_, _>>()?,
    )?;
    let batch = Batch::new(&plan, encrypt(&b.x)?, encrypt(&b.y)?)?;
    println!("encrypted in {:.1} s", t0.elapsed().as_secs_f64());
    let t0 = Instant::now();
    let got = train_step(&plan, &eval, &batch, state)?;
    let step = t0.elapsed().as_secs_f64();

    let mirror = |v: &[Vec<i64>]| -> Result<Vec<_>, blindfold_rlwe::ClearError> {
        v.iter().map(|s| clear.encrypt(s, top)).collect()
    };
    let state = Model::new(
        &plan,
        m.weights
            .iter()
            .map(|l| mirror(l))
            .collect::<Result<_, _>>()?,
        m.biases
            .iter()
            .map(|l| mirror(l))
            .collect::<Result<_, _>>()?,
    )?;
    let batch = Batch::new(&plan, mirror(&b.x)?, mirror(&b.y)?)?;
    let want = train_step(&plan, &clear, &batch, state)?;
    let mut equal = 0;
    let mut budget = u32::MAX;
    for (g, w) in got
        .weights()
        .iter()
        .chain(got.biases())
        .flatten()
        .zip(want.weights().iter().chain(want.biases()).flatten())
    {
        if decryptor.decrypt_replicated(g)? != w.values || eval.level(g) != w.level {
            return Err("an encrypted ciphertext differs from the integer mirror".into());
        }
        budget = budget.min(decryptor.noise_budget(g)?);
        equal += 1;
    }
    println!(
        "one encrypted step: {step:.1} s; {equal} model ciphertexts equal to the integer mirror \
         (mod t), noise budget left {budget} bits"
    );
    Ok(())
}
