//! The transfer-learning pipeline encrypted with CKKS on small insecure parameters, against
//! its plaintext mirror: the roles separated (keys from the plan's Galois elements, the server
//! holding only the evaluation keys), the decrypted model within CKKS precision of the mirror.

use std::sync::Arc;

use blindfold_ckks::{CkksParameters, Evaluator};
use blindfold_pack::Plan;
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{Encryptor, KeyGenerator, ParametersLiteral, SecretKey, SlotAlgebra};
use blindfold_train::Matrix;
use blindfold_train::data::preprocess::{add_bias_column, pad_to_power_of_two};
use blindfold_train::reference::accuracy;
use blindfold_train::reference::mlr::scores;
use blindfold_train::transfer::{
    ServerData, TrainState, TransferConfig, TransferPlan, TransferShape, decode_weights,
    owner_prepare, train_clear, train_step,
};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// **Insecure** N = 2^12 (2048 slots), Δ = 2^40, 11 levels: two iterations (3 + 7 levels).
fn params() -> Arc<CkksParameters> {
    CkksParameters::insecure_for_tests(ParametersLiteral {
        log_n: 12,
        log_q: [vec![60], vec![40; 11]].concat(),
        log_p: vec![50; 4],
        dnum: 3,
        secret: SecretDistribution::Ternary,
        sigma: blindfold_rlwe::presets::n13().sigma,
        security: SecurityLevel::Classical128,
    })
    .unwrap()
}

#[test]
fn encrypted_training_matches_the_mirror() {
    let mut rng = ChaCha20Rng::from_seed([7; 32]);
    // 37 rows of 20 non-negative features + bias (32 columns), 3 classes.
    let (n, f, classes) = (37, 20, 3);
    let labels: Vec<u8> = (0..n).map(|_| (rng.next_u64() % classes) as u8).collect();
    let data: Vec<f64> = (0..n * f)
        .map(|i| {
            let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            u + if i % f == usize::from(labels[i / f]) {
                1.5
            } else {
                0.0
            }
        })
        .collect();
    let x = pad_to_power_of_two(&add_bias_column(&Matrix::from_vec(n, f, data).unwrap()));
    let shape = TransferShape {
        samples: n,
        features: x.cols(),
        classes: classes as usize,
    };

    let params = params();
    let slots = params.max_slots();
    let plan = TransferPlan::new(shape, TransferConfig::chiang_paper(), slots).unwrap();
    let iterations = 2;
    let levels = plan.levels_needed(iterations);
    assert!(levels <= params.max_level());

    // Data owner: keys for exactly the plan's rotations, then the upload.
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng).unwrap();
    let elements: Vec<u64> = plan.galois_elements(params.log_n()).into_iter().collect();
    let keys = kg.evaluation_keys(true, &elements, &mut rng).unwrap();
    let owner = owner_prepare(&plan, &x, &labels).unwrap();
    let eval = Evaluator::new(&params, Arc::new(keys), slots).unwrap();
    let encryptor = Encryptor::with_public_key(params.rlwe(), &pk, 1);
    let top = params.max_level();
    let mut enc = |vs: &[Vec<f64>]| -> Vec<_> {
        vs.iter()
            .map(|v| {
                let pt = eval
                    .encoder()
                    .encode(v, slots, top, params.scale(top))
                    .unwrap();
                encryptor.encrypt(&pt, &mut rng).unwrap()
            })
            .collect()
    };
    let (xc, yc, bc) = (enc(&owner.x), enc(&owner.y), enc(&owner.b_inverse));

    // Server: evaluation keys and ciphertexts only.
    let server = ServerData::new(&plan, &eval, &xc, yc, bc).unwrap();
    let mut state = TrainState::zero(&plan);
    let mirror = train_clear(&plan, &x, &labels, iterations).unwrap();
    for model in &mirror {
        state = train_step(&plan, &eval, &server, state).unwrap();
        let w = state.weights().unwrap();
        assert_eq!(
            eval.level(&w[0]),
            top - plan.levels_needed(state.iteration())
        );

        // Owner: decrypt and compare with the mirror.
        let slots_back: Vec<Vec<f64>> = w
            .iter()
            .map(|c| {
                let pt = blindfold_ckks::decrypt(&sk, c).unwrap();
                eval.encoder().decode(&pt, slots).unwrap()
            })
            .collect();
        let decrypted = decode_weights(&plan, &slots_back).unwrap();
        let scale = model.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let gap = decrypted
            .as_slice()
            .iter()
            .zip(model.as_slice())
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        eprintln!(
            "iteration {}: max |encrypted - mirror| = {gap:.2e} (max |w| = {scale:.2e})",
            state.iteration()
        );
        // A fresh public-key encryption at Δ = 2^40, N = 2^12 is already ~4e-8 off (measured);
        // the gradient sums 37 rows and B̄⁻¹ rescales it, which leaves ~2e-6 relative.
        assert!(
            gap <= 2e-5 * scale,
            "iteration {}: gap {gap:e}",
            state.iteration()
        );
        let predictions = |w: &Matrix| scores(&x, w).unwrap();
        assert_eq!(
            accuracy(&predictions(&decrypted), &labels).unwrap(),
            accuracy(&predictions(model), &labels).unwrap()
        );
    }
}
