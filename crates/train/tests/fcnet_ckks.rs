//! The fully connected network trained on CKKS ciphertexts (small insecure parameters)
//! against its plaintext mirror: keys only for the plan's Galois elements, the server holding
//! evaluation keys and ciphertexts, two SGD steps of a three-layer network at exactly the
//! planned levels, the decrypted model within CKKS precision of the mirror.

mod fcnet_common;

use std::sync::Arc;
use std::time::Instant;

use blindfold_ckks::{CkksParameters, Evaluator};
use blindfold_pack::Plan;
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{Encryptor, KeyGenerator, ParametersLiteral, SecretKey, SlotAlgebra};
use blindfold_train::fcnet::{
    Batch, FcConfig, FcPlan, FcShape, Model, decode_model, owner_batch, owner_model, train_clear,
    train_step,
};
use fcnet_common::{Net, problem};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

/// **Insecure** N = 2^12 (2048 slots), Δ = 2^40, 30 levels: two steps of 15.
fn params() -> Arc<CkksParameters> {
    CkksParameters::insecure_for_tests(ParametersLiteral {
        log_n: 12,
        log_q: [vec![60], vec![40; 30]].concat(),
        log_p: vec![55; 4],
        dnum: 8,
        secret: SecretDistribution::Ternary,
        sigma: blindfold_rlwe::presets::n13().sigma,
        security: SecurityLevel::Classical128,
    })
    .unwrap()
}

#[test]
fn encrypted_steps_match_the_mirror() {
    let dims = [12, 8, 6, 4];
    let rows = 8;
    let steps = 2;
    let (model, data) = problem(&dims, rows, steps, 11);
    let shape = FcShape {
        layers: dims.to_vec(),
        batch: rows,
    };
    let params = params();
    let slots = params.max_slots();
    let plan = FcPlan::new(shape, FcConfig::cubic(8.0, 1.0).unwrap(), slots).unwrap();
    let top = params.max_level();
    assert_eq!(plan.levels_needed(steps), Some(top));
    let cost = plan.step_cost();
    eprintln!(
        "plan: fields {:?}, {} rotations ({} keys), {} ct x ct ({} relinearizations), {} pt x ct, depth {}",
        plan.layout().field_bits(),
        cost.rotations,
        plan.rotations_needed().len(),
        cost.ct_mul,
        cost.relinearizations,
        cost.pt_mul,
        cost.depth
    );

    // Data owner: keys for exactly the plan's rotations, then the initial model.
    let mut rng = ChaCha20Rng::from_seed([5; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng).unwrap();
    let elements: Vec<u64> = plan.galois_elements(params.log_n()).into_iter().collect();
    let keys = kg.evaluation_keys(true, &elements, &mut rng).unwrap();
    let eval = Evaluator::new(&params, Arc::new(keys), slots).unwrap();
    let encryptor = Encryptor::with_public_key(params.rlwe(), &pk, 1);
    let mut enc = |vs: &[Vec<f64>], level: usize| -> Vec<_> {
        vs.iter()
            .map(|v| {
                let pt = eval
                    .encoder()
                    .encode(v, slots, level, params.scale(level))
                    .unwrap();
                encryptor.encrypt(&pt, &mut rng).unwrap()
            })
            .collect()
    };
    let m = owner_model::<f64>(&plan, &model).unwrap();
    let weights = m.weights.iter().map(|l| enc(l, top)).collect();
    let biases = m.biases.iter().map(|l| enc(l, top)).collect();
    let mut state = Model::new(&plan, weights, biases).unwrap();

    let mut mirror = Vec::new();
    train_clear::<f64>(
        &plan,
        &model,
        top,
        data.iter().map(|(x, l)| (x, l.as_slice())),
        |_, m| mirror.push(m.clone()),
    )
    .unwrap();

    for (k, ((x, labels), want)) in data.iter().zip(&mirror).enumerate() {
        let level = plan.data_level(k, top).unwrap();
        let b = owner_batch::<f64>(&plan, x, labels).unwrap();
        let batch = Batch::new(&plan, enc(&b.x, level), enc(&b.y, level)).unwrap();
        // Server: evaluation keys and ciphertexts only.
        let t = Instant::now();
        state = train_step(&plan, &eval, &batch, state).unwrap();
        let seconds = t.elapsed().as_secs_f64();
        let lowest = state
            .weights()
            .iter()
            .flatten()
            .map(|c| eval.level(c))
            .min();
        assert_eq!(lowest, Some(top - plan.levels_needed(k + 1).unwrap()));

        // Owner: decrypt and compare with the mirror.
        let slots_back = state
            .decrypted(|c| {
                let pt = blindfold_ckks::decrypt(&sk, c)?;
                eval.encoder().decode(&pt, slots)
            })
            .unwrap();
        let got = decode_model(&plan, &slots_back).unwrap();
        let want = Net::from_mlp(want);
        let gap = want.gap(&got);
        let moved = want.gap(if k == 0 { &model } else { &mirror[k - 1] });
        eprintln!(
            "step {}: {seconds:.2} s, max |encrypted - mirror| = {gap:.2e} (max |w| {:.2}, step moved {moved:.2e})",
            k + 1,
            want.scale()
        );
        // Fresh encryptions at Δ = 2^40 are ~1e-8 off; 15 levels of products, sums over up
        // to 12 terms and the cubic's powers: measured 3.6e-8 and 4.5e-8 (max |w| 0.51).
        assert!(gap < 1e-6 * want.scale(), "step {}: gap {gap:e}", k + 1);
        assert!(gap < 1e-3 * moved, "step {}: gap {gap:e}", k + 1);
    }
}
