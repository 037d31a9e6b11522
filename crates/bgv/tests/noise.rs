//! Noise measured with the secret key: fresh, after switching and products (within the
//! ranges the error analysis gives), the budget shrinking with the modulus, failures
//! detected instead of decrypted; and the typed errors of the evaluator.

mod common;

use std::sync::Arc;

use blindfold_bgv::*;
use blindfold_rlwe::{Ciphertext, EvaluationKeys, Meta};
use blindfold_rns::sample;
use common::*;

fn log2(x: f64) -> f64 {
    x.log2()
}

/// The modulus-switching floor: `t·(ε_0 + ε_1 s)` with `|ε_i| <= 1/2`: at least one standard
/// deviation `t·√(N/18)` (ternary s has about 2N/3 non-zero coefficients), at most
/// `t·(N+1)/2`; plus the message (`<= t/2`).
fn floor_range(n: f64, t: f64) -> (f64, f64) {
    (log2(t * (n / 18.0).sqrt()), log2(t * (n + 2.0) / 2.0))
}

#[test]
fn noise_stays_in_its_ranges_down_to_level_0() {
    let k = small();
    let params = &k.params;
    let (n, t) = (params.n() as f64, params.t() as f64);
    let ev = Evaluator::new(params, Arc::clone(&k.eval_keys));
    let dec = Decryptor::new(params, &k.sk).unwrap();
    let mut rng = sample::seeded_rng([21; 32]);
    let values: Vec<u64> = (0..params.n() as u64)
        .map(|i| (i * 31 + 7) % 65537)
        .collect();
    let pt = ev
        .encoder()
        .encode_unsigned(&values, params.max_level())
        .unwrap();

    // Fresh, secret key: t·e + m with |e| <= 19 (6σ), at least one |e| >= 2.
    let fresh = Encryptor::with_secret_key(params, &k.sk)
        .unwrap()
        .encrypt(&pt, &mut rng)
        .unwrap();
    let noise = dec.noise(&fresh).unwrap();
    assert!(
        noise.log2_noise >= log2(1.5 * t) && noise.log2_noise <= log2(19.5 * t),
        "{noise:?}"
    );
    // Fresh, public key: t·(e·u + e_0 + e_1·s) + m: below t·19·(2N+1), above t·σ·√N/2.
    let fresh_pk = Encryptor::with_public_key(params, &k.pk)
        .encrypt(&pt, &mut rng)
        .unwrap();
    let noise_pk = dec.noise(&fresh_pk).unwrap();
    assert!(
        noise_pk.log2_noise >= log2(t * 3.19 * n.sqrt() / 2.0)
            && noise_pk.log2_noise <= log2(t * 19.0 * (2.0 * n + 1.0)),
        "{noise_pk:?}"
    );
    assert!(noise_pk.log2_noise > noise.log2_noise);
    let q_bits: Vec<f64> = params.rlwe().q().iter().map(|&q| log2(q as f64)).collect();
    assert!((noise.log2_modulus - q_bits.iter().sum::<f64>()).abs() < 1e-9);
    assert_eq!(
        noise.budget(),
        (noise.log2_modulus - 1.0 - noise.log2_noise).floor() as u32
    );

    // Each product lands at the floor one level down: the budget shrinks by about log2 q_l.
    let (lo, hi) = floor_range(n, t);
    let mut ct = fresh;
    let mut want = values.clone();
    let mut budget = dec.noise_budget(&ct).unwrap();
    while ct.level() > 0 {
        let l = ct.level();
        ct = ev.mul(&ct, &ct).unwrap();
        want = zip(&want, &want, 65537, |a, b| a * b);
        let noise = dec.noise(&ct).unwrap();
        assert!(
            noise.log2_noise >= lo && noise.log2_noise <= hi,
            "level {l}: {noise:?} not in [{lo}, {hi}]"
        );
        let b = noise.budget();
        assert!(b < budget, "budget must shrink: {budget} -> {b}");
        let drop = (budget - b) as f64;
        assert!(drop <= q_bits[l] + 4.0, "level {l}: lost {drop} bits");
        budget = b;
        assert_eq!(dec.decrypt_unsigned(&ct).unwrap(), want);
    }
    assert!(budget > 0);

    // A switch of a fresh ciphertext also lands at the floor; a scalar multiplies the noise.
    let pt_top = ev
        .encoder()
        .encode_unsigned(&values, params.max_level())
        .unwrap();
    let c = Encryptor::with_secret_key(params, &k.sk)
        .unwrap()
        .encrypt(&pt_top, &mut rng)
        .unwrap();
    let switched = ev.mod_switch(&c).unwrap();
    let ns = dec.noise(&switched).unwrap();
    assert!(ns.log2_noise >= lo && ns.log2_noise <= hi, "{ns:?}");
    let scaled = ev.mul_scalar(&switched, 200).unwrap();
    let nm = dec.noise(&scaled).unwrap();
    assert!(
        nm.log2_noise > ns.log2_noise + 5.0 && nm.log2_noise <= ns.log2_noise + log2(200.0) + 0.01,
        "{nm:?}"
    );
    // A large invertible scalar goes into the correction factor: no noise added.
    let big = ev.mul_scalar(&switched, 30000).unwrap();
    assert_eq!(big.parts, switched.parts);
    assert_eq!(dec.noise(&big).unwrap(), ns);
}

#[test]
fn rotations_and_relinearization_add_little_noise() {
    let k = small();
    let params = &k.params;
    let ev = Evaluator::new(params, Arc::clone(&k.eval_keys));
    let dec = Decryptor::new(params, &k.sk).unwrap();
    let mut rng = sample::seeded_rng([22; 32]);
    let pt = ev
        .encoder()
        .encode_unsigned(&[5, 6, 7], params.max_level())
        .unwrap();
    let ct = Encryptor::with_public_key(params, &k.pk)
        .encrypt(&pt, &mut rng)
        .unwrap();
    let before = dec.noise(&ct).unwrap().log2_noise;
    // Key switching adds t·ε with ε far below the fresh public-key noise at this P.
    for r in ev.rotate_rows_hoisted(&ct, &ROTATIONS).unwrap() {
        let after = dec.noise(&r).unwrap().log2_noise;
        assert!(after < before + 1.0, "{before} -> {after}");
    }
    let sw = ev.rotate_columns(&ct).unwrap();
    assert!(dec.noise(&sw).unwrap().log2_noise < before + 1.0);
}

#[test]
fn exhausted_budget_is_an_error_not_a_wrong_answer() {
    let k = small();
    let params = &k.params;
    let ev = Evaluator::new(params, Arc::clone(&k.eval_keys));
    let dec = Decryptor::new(params, &k.sk).unwrap();
    let mut rng = sample::seeded_rng([23; 32]);
    let values: Vec<u64> = (0..params.n() as u64)
        .map(|i| (i * 101 + 5) % 65537)
        .collect();
    let pt = ev
        .encoder()
        .encode_unsigned(&values, params.max_level())
        .unwrap();
    let mut ct = Encryptor::with_secret_key(params, &k.sk)
        .unwrap()
        .encrypt(&pt, &mut rng)
        .unwrap();
    let mut want = values;
    // Squaring without switching doubles the noise's bit size: it overflows Q within 4 steps.
    let mut failed = false;
    for _ in 0..5 {
        ct = ev.mul_relin(&ct, &ct).unwrap();
        want = zip(&want, &want, 65537, |a, b| a * b);
        match dec.decrypt_unsigned(&ct) {
            Ok(got) => {
                assert!(dec.noise_budget(&ct).unwrap() > 0);
                assert_eq!(got, want, "a decryption that succeeds is right");
            }
            Err(Error::DecryptionFailure {
                log2_noise,
                log2_modulus,
            }) => {
                assert!(log2_noise > log2_modulus - 2.0);
                assert_eq!(dec.noise_budget(&ct).unwrap(), 0);
                assert!(dec.decrypt(&ct).is_err() && dec.decrypt_coeffs(&ct).is_err());
                failed = true;
                break;
            }
            Err(e) => panic!("{e}"),
        }
    }
    assert!(failed, "the noise never overflowed");

    // Uniformly random parts: noise fills the modulus.
    let ring = params.rlwe().ring();
    let random = Ciphertext::new(
        (0..2)
            .map(|_| sample::uniform(ring, 5, 0, &mut rng).unwrap())
            .collect(),
        Meta::default(),
    );
    assert!(matches!(
        dec.decrypt_signed(&random),
        Err(Error::DecryptionFailure { .. })
    ));
    assert_eq!(dec.noise_budget(&random).unwrap(), 0);
}

#[test]
fn typed_errors() {
    let k = small();
    let params = &k.params;
    let ev = Evaluator::new(params, Arc::clone(&k.eval_keys));
    let mut rng = sample::seeded_rng([24; 32]);
    let enc = Encryptor::with_secret_key(params, &k.sk).unwrap();
    let pt = ev
        .encoder()
        .encode_unsigned(&[1, 2, 3], params.max_level())
        .unwrap();
    let ct = enc.encrypt(&pt, &mut rng).unwrap();

    // Other parameters.
    let other = keys_for(literal(11, vec![45, 36, 36], vec![50], 3, 65537), 2);
    let foreign = Encryptor::with_secret_key(&other.params, &other.sk)
        .unwrap()
        .encrypt(
            &Encoder::new(&other.params)
                .encode_unsigned(&[1], 1)
                .unwrap(),
            &mut rng,
        )
        .unwrap();
    assert_eq!(ev.add(&ct, &foreign), Err(Error::ParametersMismatch));
    assert_eq!(ev.mul(&ct, &foreign), Err(Error::ParametersMismatch));
    assert_eq!(ev.rotate_rows(&foreign, 1), Err(Error::ParametersMismatch));
    assert!(matches!(
        Encryptor::with_secret_key(params, &other.sk),
        Err(Error::ParametersMismatch)
    ));
    assert!(matches!(
        Decryptor::new(params, &other.sk),
        Err(Error::ParametersMismatch)
    ));
    let dec = Decryptor::new(params, &k.sk).unwrap();
    assert_eq!(dec.decrypt_signed(&foreign), Err(Error::ParametersMismatch));
    let foreign_pt = Encoder::new(&other.params)
        .encode_unsigned(&[1], 1)
        .unwrap();
    assert_eq!(
        ev.add_plain(&ct, &foreign_pt),
        Err(Error::ParametersMismatch)
    );
    assert!(enc.encrypt(&foreign_pt, &mut rng).is_err());

    // Missing keys.
    let bare = Evaluator::new(params, Arc::new(EvaluationKeys::default()));
    assert!(matches!(
        bare.mul(&ct, &ct),
        Err(Error::Rlwe(blindfold_rlwe::Error::MissingKey {
            galois_element: None,
            ..
        }))
    ));
    let g = ev.rotation_element(7);
    assert!(matches!(
        ev.rotate_rows(&ct, 7),
        Err(Error::Rlwe(blindfold_rlwe::Error::MissingKey { galois_element: Some(e), .. })) if e == g
    ));
    assert!(bare.rotate_columns(&ct).is_err());
    // A zero rotation needs no key.
    assert_eq!(bare.rotate_rows(&ct, 0).unwrap(), ct);
    assert_eq!(
        bare.rotate_rows(&ct, 1024).unwrap(),
        ct,
        "N/2 is a full turn"
    );

    // Levels and degrees.
    let bottom = ev.mod_switch_to(&ct, 0).unwrap();
    assert_eq!(
        ev.mod_switch(&bottom),
        Err(Error::OutOfLevels { op: "mod_switch" })
    );
    assert_eq!(ev.mul(&bottom, &ct), Err(Error::OutOfLevels { op: "mul" }));
    assert_eq!(
        ev.mod_switch_to(&bottom, 1),
        Err(Error::InvalidLevel { level: 1, max: 0 })
    );
    let degree2 = ev.tensor(&ct, &ct).unwrap();
    assert!(ev.rotate_rows(&degree2, 1).is_err());
    assert!(matches!(
        ev.tensor(&degree2, &ct),
        Err(Error::InvalidDegree { .. })
    ));
    // Adding a degree-2 and a degree-1 ciphertext is fine, and relinearizes to the sum.
    let sum = ev.relinearize(&ev.add(&degree2, &ct).unwrap()).unwrap();
    let got = dec.decrypt_unsigned(&sum).unwrap();
    assert_eq!(got[..4], [2, 6, 12, 0]);

    // Malformed ciphertexts.
    let mut bad = ct.clone();
    bad.meta.correction = 0;
    assert!(matches!(
        ev.add(&bad, &ct),
        Err(Error::InvalidCorrection { .. })
    ));
    bad.meta.correction = params.t();
    assert!(matches!(
        dec.decrypt_signed(&bad),
        Err(Error::InvalidCorrection { .. })
    ));
    let mut short = ct.clone();
    short.parts.truncate(1);
    assert!(matches!(ev.neg(&short), Err(Error::InvalidDegree { .. })));
    let mut ragged = ct.clone();
    ragged.parts[1].drop_to_q_limbs(2).unwrap();
    assert_eq!(ev.neg(&ragged), Err(Error::ParametersMismatch));
}
