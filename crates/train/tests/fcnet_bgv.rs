//! The fully connected network in exact fixed point on BGV (small insecure parameters, the
//! 30-bit plaintext modulus of the n15_t30 preset): one SGD step equals the same step on
//! `Clear::integer` slot for slot, level for level; keys only for the plan's rotations.

mod fcnet_common;

use std::sync::Arc;
use std::time::Instant;

use blindfold_bgv::{BgvParameters, BgvParametersLiteral, Decryptor, Encryptor, Evaluator};
use blindfold_pack::Plan;
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{Clear, KeyGenerator, ParametersLiteral, SecretKey, SlotAlgebra};
use blindfold_train::fcnet::{
    Arithmetic, Batch, FcConfig, FcPlan, FcShape, FixedPoint, Model, owner_batch, owner_model,
    train_step,
};
use blindfold_train::reference::Polynomial;
use fcnet_common::problem;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

/// The largest 30-bit prime `≡ 1 mod 2^17` (`blindfold_bgv::presets::n15_t30`).
const T: u64 = 1_073_479_681;

/// **Insecure** N = 2^12 (2048 slots), t = T, 9 levels of 60-bit primes.
fn params() -> Arc<BgvParameters> {
    BgvParameters::insecure_for_tests(BgvParametersLiteral {
        rlwe: ParametersLiteral {
            log_n: 12,
            log_q: [vec![61], vec![60; 9]].concat(),
            log_p: vec![61; 4],
            dnum: 3,
            secret: SecretDistribution::Ternary,
            sigma: blindfold_rlwe::presets::n13().sigma,
            security: SecurityLevel::Classical128,
        },
        t: T,
    })
    .unwrap()
}

/// 1 bit for inputs and weights, 6 for coefficients; η = 1/4.
fn config(linear_output: bool) -> FcConfig {
    let mut c = FcConfig::cubic(4.0, 1.0).unwrap();
    if linear_output {
        c.output = Polynomial::new(vec![0.0, 1.0]).unwrap();
    }
    c.arithmetic = Arithmetic::Fixed(FixedPoint {
        input_bits: 1,
        weight_bits: 1,
        coeff_bits: 6,
        plaintext_modulus: T,
    });
    c
}

#[test]
fn encrypted_step_equals_the_integer_mirror() {
    let params = params();
    let slots = params.n() / 2;
    let top = params.max_level();
    let mut rng = ChaCha20Rng::from_seed([9; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng).unwrap();
    let encryptor = Encryptor::with_public_key(&params, &pk);
    let decryptor = Decryptor::new(&params, &sk).unwrap();
    // One layer with the paper's cubic output (the planner allows the step at 30 bits), and
    // two layers with a linear output (whose integers the planner shows outgrow t: the
    // equality with the mirror, modulo t, is still exact).
    for (dims, linear, fits) in [(vec![6, 3], false, true), (vec![6, 4, 3], true, false)] {
        let rows = 4;
        let (model, data) = problem(&dims, rows, 1, 12);
        let (x, labels) = &data[0];
        let shape = FcShape {
            layers: dims.clone(),
            batch: rows,
        };
        let plan = FcPlan::new(shape, config(linear), slots).unwrap();
        // Pixels in [0, 1], the initial weights' largest magnitude.
        let w_max = fcnet_common::Net::from_mlp(&model).scale();
        let report = plan.fixed_plan(1.0, w_max, 2).unwrap();
        eprintln!(
            "{dims:?}: {} steps below t = 2^{:.1} (bits per step {:?}); step cost {:?}",
            report.steps,
            report.t_bits,
            report.step_bits,
            plan.step_cost()
        );
        assert_eq!(report.steps >= 1, fits, "{report:?}");
        let needed = plan.levels_needed(1).unwrap();
        assert!(needed <= top);

        let elements: Vec<u64> = plan.galois_elements(params.log_n()).into_iter().collect();
        let keys = kg.evaluation_keys(true, &elements, &mut rng).unwrap();
        let eval = Evaluator::new(&params, Arc::new(keys));
        let clear = Clear::integer(slots, top, T);

        let m = owner_model::<i64>(&plan, &model).unwrap();
        let b = owner_batch::<i64>(&plan, x, labels).unwrap();
        let mut encrypt = |v: &[Vec<i64>]| -> Vec<_> {
            v.iter()
                .map(|s| {
                    let pt = SlotAlgebra::encode(&eval, s, top).unwrap();
                    encryptor.encrypt(&pt, &mut rng).unwrap()
                })
                .collect()
        };
        let state = Model::new(
            &plan,
            m.weights.iter().map(|l| encrypt(l)).collect(),
            m.biases.iter().map(|l| encrypt(l)).collect(),
        )
        .unwrap();
        let batch = Batch::new(&plan, encrypt(&b.x), encrypt(&b.y)).unwrap();
        let t = Instant::now();
        let got = train_step(&plan, &eval, &batch, state).unwrap();
        let seconds = t.elapsed().as_secs_f64();

        let mirror = |v: &[Vec<i64>]| -> Vec<_> {
            v.iter().map(|s| clear.encrypt(s, top).unwrap()).collect()
        };
        let state = Model::new(
            &plan,
            m.weights.iter().map(|l| mirror(l)).collect(),
            m.biases.iter().map(|l| mirror(l)).collect(),
        )
        .unwrap();
        let batch = Batch::new(&plan, mirror(&b.x), mirror(&b.y)).unwrap();
        let want = train_step(&plan, &clear, &batch, state).unwrap();

        assert_eq!(got.weight_exps(), want.weight_exps());
        assert_eq!(got.bias_exps(), want.bias_exps());
        let mut compared = 0;
        for (g, w) in got
            .weights()
            .iter()
            .chain(got.biases())
            .flatten()
            .zip(want.weights().iter().chain(want.biases()).flatten())
        {
            assert_eq!(eval.level(g), w.level);
            assert_eq!(decryptor.decrypt_replicated(g).unwrap(), w.values);
            compared += 1;
        }
        assert_eq!(compared, plan.layout().model_count());
        let budget = got
            .weights()
            .iter()
            .flatten()
            .map(|c| decryptor.noise_budget(c).unwrap())
            .min()
            .unwrap();
        eprintln!(
            "{dims:?}: encrypted step {seconds:.2} s, depth {needed}, {compared} ciphertexts equal to the mirror, noise budget left {budget} bits"
        );
    }
}
