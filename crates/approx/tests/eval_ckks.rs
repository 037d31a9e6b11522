//! The evaluator on CKKS (small insecure parameters): within the precision budget of the
//! same evaluation on `Clear`, at the level the plan says, with the plan's operation counts.

use std::sync::Arc;

use blindfold_approx::chiang::chiang_sigmoid3;
use blindfold_approx::targets::{Method, sigmoid_approx, tanh_approx};
use blindfold_approx::{EvalOptions, InputMap, Interval, PolyEvaluator, Polynomial};
use blindfold_ckks::{CkksParameters, Evaluator, presets};
use blindfold_pack::Counting;
use blindfold_rlwe::{Clear, Encryptor, KeyGenerator, SecretKey, SlotAlgebra};
use blindfold_rns::sample;

fn coeffs(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 52) as f64 - 1.0) / (1.0 + (n as f64).sqrt())
        })
        .collect()
}

#[test]
fn ckks_matches_clear_within_the_precision_budget() {
    let params = CkksParameters::insecure_for_tests(presets::insecure_test()).unwrap();
    let slots = params.max_slots();
    let mut rng = sample::seeded_rng([5; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let keys = KeyGenerator::new(&sk)
        .evaluation_keys(true, &[], &mut rng)
        .unwrap();
    let alg = Counting::new(Evaluator::new(&params, Arc::new(keys), slots).unwrap());
    let top = alg.max_level();

    let polys = [
        (chiang_sigmoid3(), 1e-6),
        (
            sigmoid_approx(8.0, 31, Method::Interpolation).unwrap(),
            1e-6,
        ),
        (tanh_approx(2.0, 27, Method::Minimax).unwrap(), 1e-6),
        (
            Polynomial::chebyshev(coeffs(1, 64), Interval::UNIT).unwrap(),
            1e-6,
        ),
        (
            Polynomial::chebyshev(coeffs(2, 32), Interval::new(-1.5, 2.5).unwrap()).unwrap(),
            1e-6,
        ),
    ];
    let clear = Clear::real(slots, top);
    for (poly, tol) in polys {
        let ev = PolyEvaluator::new(&poly, EvalOptions::default()).unwrap();
        let plan = ev.plan().clone();
        assert!(plan.depth <= top, "{plan:?}");
        let i = poly.interval();
        let xs: Vec<f64> = (0..slots)
            .map(|k| i.a() + (i.b() - i.a()) * k as f64 / (slots - 1) as f64)
            .collect();
        let pt = alg
            .inner()
            .encoder()
            .encode(&xs, slots, top, params.scale(top))
            .unwrap();
        let ct = Encryptor::with_secret_key(&sk, 1)
            .encrypt(&pt, &mut rng)
            .unwrap();
        alg.reset();
        let out = ev.evaluate(&alg, &ct).unwrap();
        let c = alg.counts();
        assert_eq!(alg.level(&out), top - plan.depth, "{plan:?}");
        assert_eq!(
            (c.ct_mul, c.scalar_mul, c.exact_scalar_mul),
            (plan.ct_mul, plan.scalar_mul, plan.exact_scalar_mul),
            "{plan:?}"
        );
        let got = alg
            .inner()
            .encoder()
            .decode(&blindfold_ckks::decrypt(&sk, &out).unwrap(), slots)
            .unwrap();
        let want = ev
            .evaluate(&clear, &clear.encrypt(&xs, top).unwrap())
            .unwrap();
        let worst = got
            .iter()
            .zip(&want.values)
            .map(|(g, w)| (g - w).abs())
            .fold(0.0f64, f64::max);
        println!(
            "{:?} d = {} depth {} ct_mul {}: max |ckks - clear| = {worst:.1e}",
            plan.map, plan.degree, plan.depth, plan.ct_mul
        );
        assert!(
            worst < tol,
            "{:?} d = {}: max error {worst:e}",
            plan.map,
            plan.degree
        );
        if plan.map == InputMap::Folded {
            assert!(plan.max_magnitude <= 256.0);
        }
    }
}
