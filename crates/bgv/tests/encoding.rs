//! Parameters, the batch encoder against the ring it encodes (schoolbook products and
//! automorphisms modulo t), and coefficient encoding with a composite t.

mod common;

use std::sync::Arc;

use blindfold_bgv::*;
use blindfold_modarith::primes::is_prime;
use blindfold_rns::{conjugation_element, rotation_element, sample};
use common::*;
use proptest::prelude::*;

#[test]
fn plaintext_modulus_is_checked() {
    let lit = |t| literal(10, vec![40, 30, 30], vec![41], 3, t);
    let refused = |t| match BgvParameters::insecure_for_tests(lit(t)) {
        Err(Error::InvalidPlaintextModulus { t: got, .. }) => assert_eq!(got, t),
        other => panic!("t = {t}: expected InvalidPlaintextModulus, got {other:?}"),
    };
    refused(0);
    refused(1);
    let params = BgvParameters::insecure_for_tests(lit(65537)).unwrap();
    let q = params.rlwe().q().to_vec();
    refused(q[0]); // not below q_0
    refused(q[0] + 1);
    refused(q[1]); // shares a prime with Q
    refused(2 * q[2]);
    let p = params.rlwe().p()[0];
    if p < q[0] {
        refused(p);
    }
    // t = 65537 ≡ 1 mod 2N batches; a prime ≢ 1 mod 2N and a power of two do not.
    assert!(params.has_batching());
    for t in [65539, 1 << 16, 3 * 5 * 7] {
        let p = BgvParameters::insecure_for_tests(lit(t)).unwrap();
        assert!(!p.has_batching(), "t = {t}");
        let enc = Encoder::new(&p);
        assert!(matches!(
            enc.encode_unsigned(&[1, 2], 0),
            Err(Error::NoBatching { .. })
        ));
        // Coefficient encoding works for any valid t.
        let pt = enc.encode_coeffs_signed(&[-1, 2, 3], 2).unwrap();
        assert_eq!(enc.decode_coeffs_signed(&pt).unwrap()[..4], [-1, 2, 3, 0]);
    }
}

#[test]
fn presets_are_secure_and_batch() {
    for (name, lit) in [
        ("n13", presets::n13()),
        ("n14", presets::n14()),
        ("n15", presets::n15()),
        ("n15_t30", presets::n15_t30()),
    ] {
        let params = BgvParameters::new(lit.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(params.rlwe().is_secure(), "{name}");
        assert!(params.has_batching(), "{name}");
        assert_eq!(params.t(), lit.t);
    }
    assert_eq!(presets::n13().rlwe.log_n, 13);
    assert_eq!(presets::n15().rlwe.log_q.len(), 13, "depth 12");
    // T_30BIT is the largest 30-bit prime ≡ 1 mod 2^17.
    let m = 1u64 << 17;
    assert!(is_prime(presets::T_30BIT) && presets::T_30BIT % m == 1);
    assert_eq!(presets::T_30BIT >> 29, 1);
    let mut c = presets::T_30BIT + m;
    while c < 1 << 30 {
        assert!(!is_prime(c), "{c} is a larger one");
        c += m;
    }
}

fn random(n: usize, t: u64, rng: &mut impl rand_core::RngCore) -> Vec<u64> {
    (0..n).map(|_| rng.next_u64() % t).collect()
}

#[test]
fn slots_are_the_ring_isomorphism() {
    // N = 2^6 keeps the schoolbook reference cheap; t = 257 ≡ 1 mod 128.
    let params =
        BgvParameters::insecure_for_tests(literal(6, vec![40, 30], vec![41], 2, 257)).unwrap();
    let enc = Encoder::new(&params);
    let (n, t) = (params.n(), params.t());
    let mut rng = sample::seeded_rng([3; 32]);
    for _ in 0..4 {
        let a = random(n, t, &mut rng);
        let b = random(n, t, &mut rng);
        let ca = enc.slots_to_coeffs(&a).unwrap();
        let cb = enc.slots_to_coeffs(&b).unwrap();
        assert_eq!(enc.coeffs_to_slots(&ca).unwrap(), a);
        // Products of polynomials are slot-wise products.
        let prod = negacyclic(&ca, &cb, t);
        assert_eq!(
            enc.coeffs_to_slots(&prod).unwrap(),
            zip(&a, &b, t, |x, y| x * y)
        );
        // X -> X^{5^k} rotates both rows left by k; X -> X^{-1} swaps them.
        for k in [1i64, 3, -1] {
            let g = rotation_element(6, k);
            let rotated = enc.coeffs_to_slots(&automorphism(&ca, g, t)).unwrap();
            assert_eq!(rotated, rotate_rows(&a, k), "k = {k}");
        }
        let swapped = automorphism(&ca, conjugation_element(6), t);
        assert_eq!(enc.coeffs_to_slots(&swapped).unwrap(), swap_rows(&a));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn encode_decode_round_trips(
        values in proptest::collection::vec(any::<i64>(), 0..=2048),
        level in 0usize..=4,
    ) {
        let k = small();
        let enc = Encoder::new(&k.params);
        let t = k.params.t();
        let pt = enc.encode_signed(&values, level).unwrap();
        prop_assert_eq!(pt.level(), level);
        let mut want: Vec<i64> = values.iter().map(|&v| {
            let r = signed_mod(v, t);
            if 2 * r > t { r as i64 - t as i64 } else { r as i64 }
        }).collect();
        want.resize(2048, 0);
        prop_assert_eq!(enc.decode_signed(&pt).unwrap(), want.clone());
        let unsigned: Vec<u64> = want.iter().map(|&v| signed_mod(v, t)).collect();
        let pu = enc.encode_unsigned(&unsigned, level).unwrap();
        prop_assert_eq!(enc.decode_unsigned(&pu).unwrap(), unsigned);
        // The plaintext polynomial has centered coefficients below t/2.
        let coeffs = enc.decode_coeffs_signed(&pt).unwrap();
        prop_assert!(coeffs.iter().all(|c| c.unsigned_abs() <= t / 2));
    }

    #[test]
    fn adapt_rescales_the_correction(
        values in proptest::collection::vec(0u64..65537, 1..64),
        correction in 1u64..65537,
        level in 0usize..=4,
    ) {
        let k = small();
        let enc = Encoder::new(&k.params);
        let pt = enc.encode_unsigned(&values, 4).unwrap();
        let moved = enc.adapt(&pt, level, correction).unwrap();
        prop_assert_eq!(moved.level(), level);
        prop_assert_eq!(moved.meta.correction, correction);
        // Same message, and the raw polynomial is correction · m.
        prop_assert_eq!(enc.decode_unsigned(&moved).unwrap(), enc.decode_unsigned(&pt).unwrap());
        let back = enc.adapt(&moved, 4, 1).unwrap();
        prop_assert_eq!(back.poly, pt.poly);
    }
}

#[test]
fn encoder_errors() {
    let k = small();
    let enc = Encoder::new(&k.params);
    let t = k.params.t();
    assert!(matches!(
        enc.encode_unsigned(&[t], 0),
        Err(Error::ValueOutOfRange { value, .. }) if value == t
    ));
    assert!(matches!(
        enc.encode_signed(&vec![0; 2049], 0),
        Err(Error::TooManyValues {
            values: 2049,
            slots: 2048
        })
    ));
    assert!(matches!(
        enc.encode_signed(&[1], 5),
        Err(Error::InvalidLevel { level: 5, max: 4 })
    ));
    let mut pt = enc.encode_signed(&[1], 0).unwrap();
    pt.meta.correction = 0;
    assert!(matches!(
        enc.decode_signed(&pt),
        Err(Error::InvalidCorrection { .. })
    ));
    pt.meta.correction = t;
    assert!(matches!(
        enc.decode_signed(&pt),
        Err(Error::InvalidCorrection { .. })
    ));
    // A plaintext of other parameters.
    let other =
        BgvParameters::insecure_for_tests(literal(11, vec![45, 36], vec![50], 2, 65537)).unwrap();
    let foreign = Encoder::new(&other).encode_signed(&[1], 0).unwrap();
    assert!(matches!(
        enc.decode_signed(&foreign),
        Err(Error::ParametersMismatch)
    ));
}

/// Coefficient encoding with t = 2^16 (no slots): encrypted products are negacyclic
/// products modulo 2^16, through modulus switches and mismatched correction factors.
#[test]
fn coefficient_circuit_with_composite_t() {
    let t = 1u64 << 16;
    let keys = keys_for(literal(10, vec![45, 36, 36], vec![45, 45], 2, t), 9);
    let params = &keys.params;
    let ev = Evaluator::new(params, Arc::clone(&keys.eval_keys));
    let enc = ev.encoder();
    let n = params.n();
    let mut rng = sample::seeded_rng([4; 32]);
    let a = random(n, t, &mut rng);
    let b = random(n, t, &mut rng);
    let encryptor = Encryptor::with_public_key(params, &keys.pk);
    let dec = Decryptor::new(params, &keys.sk).unwrap();
    let ca = encryptor
        .encrypt(&enc.encode_coeffs_unsigned(&a, 2).unwrap(), &mut rng)
        .unwrap();
    let cb = encryptor
        .encrypt(&enc.encode_coeffs_unsigned(&b, 2).unwrap(), &mut rng)
        .unwrap();
    let ab = ev.mul(&ca, &cb).unwrap();
    assert_eq!(ab.level(), 1);
    assert_ne!(
        ab.meta.correction, 1,
        "the switch leaves a correction factor"
    );
    let want = negacyclic(&a, &b, t);
    assert_eq!(*dec.decrypt_coeffs(&ab).unwrap(), want);
    // ab + a: levels and corrections matched automatically.
    let sum = ev.add(&ab, &ca).unwrap();
    assert_eq!(
        *dec.decrypt_coeffs(&sum).unwrap(),
        zip(&want, &a, t, |x, y| x + y)
    );
    let sq = ev.mul(&sum, &sum).unwrap();
    let s = zip(&want, &a, t, |x, y| x + y);
    assert_eq!(*dec.decrypt_coeffs(&sq).unwrap(), negacyclic(&s, &s, t));
    // Decrypt to a plaintext and decode it.
    let pt = dec.decrypt(&sq).unwrap();
    assert_eq!(
        enc.decode_coeffs_unsigned(&pt).unwrap(),
        negacyclic(&s, &s, t)
    );
}

#[test]
fn shared_types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<BgvParameters>();
    check::<Encoder>();
    check::<Evaluator>();
    check::<Decryptor<'static>>();
    check::<Encryptor<'static>>();
}
