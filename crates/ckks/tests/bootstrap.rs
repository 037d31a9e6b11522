//! Bootstrapping against the plaintext input (the independent reference): precision after
//! one and after chained refreshes, levels, sparse and full slots, the key set against what
//! runs, typed errors, and the `Clear` mirror. Small insecure rings (N = 2^11) keep each
//! test to a few seconds; the N = 2^16 checks are `#[ignore]`d (see the end of the file).

use std::sync::{Arc, OnceLock};

use blindfold_ckks::bootstrap::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use blindfold_ckks::{C64, CkksParameters, Error, Evaluator, precision_stats};
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{
    Ciphertext, Clear, ClearCt, Encryptor, KeyGenerator, ParametersLiteral, SecretKey, SlotAlgebra,
};
use blindfold_rns::sample::seeded_rng;
use rand_chacha::ChaCha20Rng;

/// N = 2^11, insecure: q_0 (47 bits, R = 2^7 over Δ' ≈ 2^40), three SlotToCoeff levels and one
/// computation level at 40 bits, twelve EvalMod levels (50-bit scale, stepping down to 40
/// for the squarings at the end), three CoeffToSlot levels.
fn small_params() -> Arc<CkksParameters> {
    let log_q = vec![
        47, 40, 40, 40, 40, 46, 47, 49, 51, 51, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
    ];
    let lit = ParametersLiteral {
        log_n: 11,
        log_q,
        log_p: vec![55; 5],
        dnum: 4,
        secret: SecretDistribution::Ternary,
        sigma: blindfold_rns::sample::SIGMA,
        security: SecurityLevel::Classical128,
    };
    CkksParameters::insecure_for_tests(lit).unwrap()
}

fn config(params: &CkksParameters, slots: usize) -> BootstrapConfig {
    let c = BootstrapConfig::new(params, slots);
    assert_eq!(c.overflow_bound, 97, "K for N = 2^11 at 2^-40");
    c
}

struct Fixture {
    params: Arc<CkksParameters>,
    sk: SecretKey,
    eval: Evaluator,
    boot: Arc<Bootstrapper>,
}

fn fixture(params: Arc<CkksParameters>, cfg: BootstrapConfig, seed: u8) -> Fixture {
    let mut rng = seeded_rng([seed; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let plan = BootstrapPlan::new(&params, cfg.clone()).unwrap();
    let keys = KeyGenerator::new(&sk)
        .evaluation_keys(true, plan.galois_elements(), &mut rng)
        .unwrap();
    let boot = Arc::new(Bootstrapper::new(plan).unwrap());
    let eval = Evaluator::new(&params, Arc::new(keys), cfg.slots)
        .unwrap()
        .with_bootstrapper(Arc::clone(&boot))
        .unwrap();
    Fixture {
        params,
        sk,
        eval,
        boot,
    }
}

fn full() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let p = small_params();
        let c = config(&p, p.max_slots());
        fixture(p, c, 1)
    })
}

fn random(rng: &mut ChaCha20Rng, n: usize, complex: bool) -> Vec<C64> {
    use rand_core::RngCore;
    let mut f = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
    (0..n)
        .map(|_| C64::new(f(), if complex { f() } else { 0.0 }))
        .collect()
}

impl Fixture {
    fn encrypt(&self, values: &[C64], level: usize, rng: &mut ChaCha20Rng) -> Ciphertext {
        let n = self.eval.slot_count();
        let pt = self
            .eval
            .encoder()
            .encode_complex(values, n, level, self.params.scale(level))
            .unwrap();
        Encryptor::with_secret_key(&self.sk, 1)
            .encrypt(&pt, rng)
            .unwrap()
    }

    fn decrypt(&self, ct: &Ciphertext) -> Vec<C64> {
        let pt = blindfold_ckks::decrypt(&self.sk, ct).unwrap();
        self.eval
            .encoder()
            .decode_complex(&pt, self.eval.slot_count())
            .unwrap()
    }
}

/// Full slots, complex values in the unit square: one refresh, against the plaintext
/// input. The noise at N = 2^11 is 2^5 below N = 2^16's: measured ≈ 24.8 bits mean, 22
/// worst (23.7 / 21.8 with inputs filling the square, where the sine's φ⁴/30 shows).
#[test]
fn full_slots_refresh_matches_the_input() {
    let f = full();
    let plan = f.boot.plan();
    assert_eq!(plan.input_level(), 3);
    assert_eq!(plan.output_level(), 4);
    assert_eq!(plan.depths(), (3, 3, 12));
    assert_eq!(plan.computation_levels(), 1);
    let mut rng = seeded_rng([2; 32]);
    let values = random(&mut rng, f.eval.slot_count(), true);
    let ct = f.encrypt(&values, plan.input_level(), &mut rng);
    let out = f.eval.refresh(&ct).unwrap();
    assert_eq!(f.eval.level(&out), plan.output_level());
    assert_eq!(f.eval.refresh_level(), Some(plan.output_level()));
    assert_eq!(f.eval.refresh_input_level(), plan.input_level());
    let st = precision_stats(&values, &f.decrypt(&out));
    eprintln!("full slots, one refresh: {st:?}");
    assert!(st.mean_bits > 22.5 && st.min_bits > 20.0, "{st:?}");
    // The output is on the scale ladder: it adds to fresh ciphertexts of its level.
    let fresh = f.encrypt(&values, plan.output_level(), &mut rng);
    let sum = f.eval.add(&out, &fresh).unwrap();
    let twice: Vec<C64> = values.iter().map(|v| v.scale(2.0)).collect();
    assert!(precision_stats(&twice, &f.decrypt(&sum)).mean_bits > 21.5);
}

/// Input above the input level (dropped first), real values, through `SlotAlgebra`: three
/// refreshes in a row, each followed by a product, against the same product in the clear.
#[test]
fn chained_refreshes_keep_the_precision() {
    let f = full();
    let plan = f.boot.plan();
    let mut rng = seeded_rng([3; 32]);
    let n = f.eval.slot_count();
    let values = random(&mut rng, n, false);
    let mut want: Vec<f64> = values.iter().map(|v| v.re).collect();
    let mut ct = f.encrypt(&values, plan.output_level(), &mut rng);
    let coef: Vec<f64> = (0..n).map(|i| 0.5 + 0.5 * ((i % 7) as f64 / 7.0)).collect();
    for round in 0..3 {
        ct = f.eval.refresh(&ct).unwrap();
        assert_eq!(f.eval.level(&ct), plan.output_level());
        let pt = f.eval.encode(&coef, f.eval.level(&ct)).unwrap();
        ct = SlotAlgebra::mul_plain(&f.eval, &ct, &pt).unwrap();
        want.iter_mut().zip(&coef).for_each(|(w, c)| *w *= c);
        let got: Vec<C64> = f.decrypt(&ct);
        let want_c: Vec<C64> = want.iter().map(|&w| C64::real(w)).collect();
        let st = precision_stats(&want_c, &got);
        eprintln!("after refresh {}: {st:?}", round + 1);
        assert!(
            st.mean_bits > 22.0 && st.min_bits > 19.0,
            "round {round}: {st:?}"
        );
    }
}

/// Sparse packing: the trace onto the subring, then the same pipeline on n slots.
#[test]
fn sparse_slots_refresh_matches_the_input() {
    for slots in [1usize, 16, 256] {
        let p = small_params();
        let f = fixture(Arc::clone(&p), config(&p, slots), 4);
        let plan = f.boot.plan();
        assert_eq!(
            plan.input_level(),
            3.min(slots.trailing_zeros().max(1) as usize)
        );
        let mut rng = seeded_rng([5; 32]);
        let values = random(&mut rng, slots, true);
        let ct = f.encrypt(&values, plan.input_level(), &mut rng);
        let out = f.eval.refresh(&ct).unwrap();
        assert_eq!(out.level(), plan.output_level());
        let st = precision_stats(&values, &f.decrypt(&out));
        eprintln!("{slots} slots: {st:?}");
        assert!(
            st.mean_bits > 22.5 && st.min_bits > 20.0,
            "{slots} slots: {st:?}"
        );
        assert_eq!(f.boot.used_galois_elements(), plan.galois_elements());
    }
}

/// The plan's Galois elements are exactly the keys a refresh fetches, and key generation
/// from the plan is enough; one key less is a typed error naming it.
#[test]
fn key_set_is_what_the_refresh_uses() {
    let f = full();
    let plan = f.boot.plan();
    let mut rng = seeded_rng([6; 32]);
    let values = random(&mut rng, f.eval.slot_count(), true);
    let ct = f.encrypt(&values, plan.input_level(), &mut rng);
    f.eval.refresh(&ct).unwrap();
    assert_eq!(f.boot.used_galois_elements(), plan.galois_elements());
    // Rotations per transform level: 7 hoisted babies and the two giant steps (Horner),
    // shared by SlotToCoeff and CoeffToSlot, plus conjugation.
    let cost = plan.cost();
    eprintln!("{} Galois keys, {cost:?}", plan.galois_elements().len());
    assert!(plan.galois_elements().len() <= 3 * 9 + 1);
    assert_eq!(cost.conjugations, 2);
    let mut keys = f.eval.keys().as_ref().clone();
    let dropped = plan.galois_elements()[1];
    keys.galois.remove(&dropped);
    let eval = Evaluator::new(&f.params, Arc::new(keys), f.eval.slot_count()).unwrap();
    match eval.with_bootstrapper(Arc::clone(&f.boot)) {
        Err(Error::MissingRotationKey { galois_element, .. }) => {
            assert_eq!(galois_element, dropped)
        }
        other => panic!("expected a missing key, got {other:?}"),
    }
    let mut keys = f.eval.keys().as_ref().clone();
    keys.relin = None;
    let eval = Evaluator::new(&f.params, Arc::new(keys), f.eval.slot_count()).unwrap();
    assert!(matches!(
        eval.with_bootstrapper(Arc::clone(&f.boot)),
        Err(Error::MissingRelinearizationKey)
    ));
}

#[test]
fn typed_errors() {
    let f = full();
    let plan = f.boot.plan();
    let mut rng = seeded_rng([7; 32]);
    let values = random(&mut rng, 4, false);
    // An evaluator without bootstrapping cannot refresh.
    let plain = Evaluator::new(&f.params, Arc::clone(f.eval.keys()), f.eval.slot_count()).unwrap();
    let ct = f.encrypt(&values, plan.input_level(), &mut rng);
    assert_eq!(plain.refresh_level(), None);
    assert_eq!(plain.refresh(&ct), Err(Error::NoBootstrapping));
    // Below the input level.
    let low = f.encrypt(&values, plan.input_level() - 1, &mut rng);
    assert_eq!(
        f.eval.refresh(&low),
        Err(Error::RefreshInput {
            level: plan.input_level() - 1,
            min: plan.input_level()
        })
    );
    // Degree 2 (not relinearized).
    let t = f.eval.tensor(&ct, &ct).unwrap();
    assert!(matches!(
        f.eval.refresh(&t),
        Err(Error::InvalidDegree { degree: 2, .. })
    ));
    // Off the scale ladder at exactly the input level: cannot be matched without a level.
    let mut off = ct.clone();
    off.meta.scale *= 1.5;
    assert!(matches!(
        f.eval.refresh(&off),
        Err(Error::ScaleMismatch { .. })
    ));
    // Another slot count than the plan's.
    let other = Evaluator::new(&f.params, Arc::clone(f.eval.keys()), 16).unwrap();
    assert!(matches!(
        other.with_bootstrapper(Arc::clone(&f.boot)),
        Err(Error::InvalidBootstrap { .. })
    ));
    // Plans that do not fit, or make no sense.
    let p = &f.params;
    let mut c = config(p, p.max_slots());
    c.double_angle += 2;
    assert!(matches!(
        BootstrapPlan::new(p, c),
        Err(Error::InvalidBootstrap { .. })
    ));
    let mut c = config(p, p.max_slots());
    c.slot_to_coeff_levels = 0;
    assert!(matches!(
        BootstrapPlan::new(p, c),
        Err(Error::InvalidBootstrap { .. })
    ));
    let c = config(p, 3);
    assert!(matches!(
        BootstrapPlan::new(p, c),
        Err(Error::InvalidSlots { slots: 3, .. })
    ));
}

/// The same circuit on CKKS with refreshes and on its `Clear` mirror: the same levels at
/// every step and the same values.
#[test]
fn clear_mirror_tracks_the_refresh() {
    fn circuit<A: SlotAlgebra<Scalar = f64>>(alg: &A, x: &A::Ct) -> Result<Vec<A::Ct>, A::Error> {
        let mut out = Vec::new();
        let mut c = x.clone();
        for _ in 0..2 {
            if alg.level(&c) <= alg.refresh_input_level() {
                c = alg.refresh(&c)?;
            }
            c = alg.mul(&c, &c)?;
            c = alg.add_scalar(&c, -0.25)?;
            out.push(c.clone());
        }
        Ok(out)
    }
    let f = full();
    let plan = f.boot.plan();
    let n = f.eval.slot_count();
    let clear = Clear::real(n, f.params.max_level())
        .with_refresh(plan.output_level())
        .with_refresh_input_level(plan.input_level());
    let mut rng = seeded_rng([8; 32]);
    let values = random(&mut rng, n, false);
    let re: Vec<f64> = values.iter().map(|v| v.re).collect();
    let ct = f.encrypt(&values, plan.input_level(), &mut rng);
    let cx: ClearCt<f64> = clear.encrypt(&re, plan.input_level()).unwrap();
    let enc = circuit(&f.eval, &ct).unwrap();
    let mirror = circuit(&clear, &cx).unwrap();
    for (e, m) in enc.iter().zip(&mirror) {
        assert_eq!(f.eval.level(e), m.level);
        let want: Vec<C64> = m.values.iter().map(|&v| C64::real(v)).collect();
        let st = precision_stats(&want, &f.decrypt(e));
        assert!(st.mean_bits > 21.0, "{st:?}");
    }
}

/// N = 2^16 on the secure preset `presets::n16_bootstrap`, full and sparse (1,024) slots:
/// precision of one refresh against the plaintext input, levels 3 -> 12, the key set used.
/// About five minutes and 9 GB on one core:
/// `cargo test --release -p blindfold-ckks --test bootstrap -- --ignored --nocapture`
#[test]
#[ignore]
fn n16_refresh_keeps_20_bits() {
    let params = CkksParameters::new(blindfold_ckks::presets::n16_bootstrap()).unwrap();
    assert!(params.rlwe().is_secure());
    for slots in [params.max_slots(), 1 << 10] {
        let f = fixture(
            Arc::clone(&params),
            BootstrapConfig::new(&params, slots),
            12,
        );
        let plan = f.boot.plan();
        assert_eq!((plan.input_level(), plan.output_level()), (3, 12));
        assert_eq!(plan.computation_levels(), 9);
        let mut rng = seeded_rng([13; 32]);
        let values = random(&mut rng, slots, false);
        let ct = f.encrypt(&values, plan.input_level(), &mut rng);
        let out = f.eval.refresh(&ct).unwrap();
        assert_eq!(out.level(), 12);
        let got: Vec<C64> = f.decrypt(&out).iter().map(|z| C64::real(z.re)).collect();
        let st = precision_stats(&values, &got);
        eprintln!("N = 2^16, {slots} slots: {st:?}");
        assert!(
            st.mean_bits > 21.0 && st.min_bits > 18.0,
            "{slots} slots: {st:?}"
        );
        assert_eq!(f.boot.used_galois_elements(), plan.galois_elements());
    }
}
