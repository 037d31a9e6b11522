//! Wire format: round trips, and rejection of corrupted, truncated and oversized input.

use std::sync::Arc;

use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::wire::*;
use blindfold_rlwe::*;
use blindfold_rns::{rotation_element, sample};

fn params() -> Arc<Parameters> {
    Parameters::insecure_for_tests(ParametersLiteral {
        log_n: 6,
        log_q: vec![50, 40, 40],
        log_p: vec![55, 55],
        dnum: 2,
        secret: SecretDistribution::Ternary,
        sigma: sample::SIGMA,
        security: SecurityLevel::Classical128,
    })
    .unwrap()
}

struct Fixture {
    params: Arc<Parameters>,
    sk: SecretKey,
    pk: PublicKey,
    keys: EvaluationKeys,
    ct: Ciphertext,
}

fn fixture() -> Fixture {
    let params = params();
    let mut rng = sample::seeded_rng([11; 32]);
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng).unwrap();
    let gs = [rotation_element(6, 1), rotation_element(6, 2)];
    let keys = kg.evaluation_keys(true, &gs, &mut rng).unwrap();
    let mut ct = Encryptor::with_public_key(&params, &pk, 1)
        .encrypt_zero(2, &mut rng)
        .unwrap();
    ct.meta.scale = 2f64.powi(40);
    Fixture {
        params,
        sk,
        pk,
        keys,
        ct,
    }
}

/// A decoder reduced to success or failure.
type Decode<'a> = Box<dyn Fn(&[u8]) -> Result<(), WireError> + 'a>;

/// Every encoded object with its decoder.
fn cases(f: &Fixture) -> Vec<(&'static str, Vec<u8>, Decode<'_>)> {
    let p = &f.params;
    let rk = f.keys.relin.as_ref().unwrap();
    let gk = f.keys.galois.values().next().unwrap();
    let pt = Plaintext {
        poly: f.ct.parts[0].clone(),
        meta: f.ct.meta,
    };
    vec![
        (
            "parameters",
            encode_parameters(p),
            Box::new(move |b| decode_parameters(b, true).map(|_| ())),
        ),
        (
            "public key",
            encode_public_key(p, &f.pk),
            Box::new(move |b| decode_public_key(b, p).map(|_| ())),
        ),
        (
            "relin key",
            encode_relinearization_key(p, rk),
            Box::new(move |b| decode_relinearization_key(b, p).map(|_| ())),
        ),
        (
            "galois key",
            encode_galois_key(p, gk),
            Box::new(move |b| decode_galois_key(b, p).map(|_| ())),
        ),
        (
            "evaluation keys",
            encode_evaluation_keys(p, &f.keys),
            Box::new(move |b| decode_evaluation_keys(b, p).map(|_| ())),
        ),
        (
            "ciphertext",
            encode_ciphertext(p, &f.ct),
            Box::new(move |b| decode_ciphertext(b, p).map(|_| ())),
        ),
        (
            "plaintext",
            encode_plaintext(p, &pt),
            Box::new(move |b| decode_plaintext(b, p).map(|_| ())),
        ),
        (
            "secret key",
            encode_secret_key(&f.sk).to_vec(),
            Box::new(move |b| decode_secret_key(b, p).map(|_| ())),
        ),
    ]
}

#[test]
fn round_trips() {
    let f = fixture();
    let p = &f.params;
    assert_eq!(
        *decode_parameters(&encode_parameters(p), true).unwrap(),
        **p
    );
    assert!(matches!(
        decode_parameters(&encode_parameters(p), false),
        Err(WireError::Parameters(_))
    ));
    assert_eq!(
        decode_public_key(&encode_public_key(p, &f.pk), p).unwrap(),
        f.pk
    );
    let rk = f.keys.relin.as_ref().unwrap();
    assert_eq!(
        &decode_relinearization_key(&encode_relinearization_key(p, rk), p).unwrap(),
        rk
    );
    for gk in f.keys.galois.values() {
        assert_eq!(
            &decode_galois_key(&encode_galois_key(p, gk), p).unwrap(),
            gk
        );
    }
    let keys = decode_evaluation_keys(&encode_evaluation_keys(p, &f.keys), p).unwrap();
    assert_eq!(keys.relin, f.keys.relin);
    assert_eq!(keys.galois, f.keys.galois);
    assert_eq!(
        decode_ciphertext(&encode_ciphertext(p, &f.ct), p).unwrap(),
        f.ct
    );
    // The decoded secret key decrypts what the original encrypted.
    let sk2 = decode_secret_key(&encode_secret_key(&f.sk), p).unwrap();
    let d1 = Decryptor::new(&f.sk).decrypt(&f.ct).unwrap();
    let d2 = Decryptor::new(&sk2).decrypt(&f.ct).unwrap();
    assert_eq!(*d1, *d2);
    // Packing is compact: each word takes its prime's bit width, not 64 bits.
    let bits: usize = p.q().iter().map(|q| 64 - q.leading_zeros() as usize).sum();
    let bytes = encode_ciphertext(p, &f.ct).len();
    assert!(
        bytes <= 2 * 64 * bits / 8 + 128,
        "{bytes} bytes for {bits} bits per coefficient"
    );
    assert!(bytes < 2 * 64 * 3 * 8 * 3 / 4);
}

#[test]
fn every_truncation_is_refused() {
    let f = fixture();
    for (name, bytes, decode) in cases(&f) {
        assert!(decode(&bytes).is_ok(), "{name}");
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "{name} truncated to {len}");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(
            matches!(decode(&long), Err(WireError::TrailingBytes { count: 1 })),
            "{name} oversized"
        );
    }
}

#[test]
fn header_errors() {
    let f = fixture();
    for (name, bytes, decode) in cases(&f) {
        let mut b = bytes.clone();
        b[0] ^= 1;
        assert_eq!(decode(&b), Err(WireError::BadMagic), "{name}");
        let mut b = bytes.clone();
        b[4] = 2;
        assert_eq!(
            decode(&b),
            Err(WireError::UnsupportedVersion { found: 2 }),
            "{name}"
        );
        let mut b = bytes.clone();
        b[6] = 99;
        assert!(
            matches!(decode(&b), Err(WireError::WrongKind { found: 99, .. })),
            "{name}"
        );
    }
}

#[test]
fn corrupted_bytes_never_panic_and_words_are_range_checked() {
    let f = fixture();
    let mut rng = sample::seeded_rng([12; 32]);
    use rand_core::RngCore;
    for (_, bytes, decode) in cases(&f) {
        for _ in 0..300 {
            let mut b = bytes.clone();
            let i = (rng.next_u32() as usize) % b.len();
            b[i] ^= 1 << (rng.next_u32() % 8);
            let _ = decode(&b);
        }
    }
    // All-ones words are above every modulus: refused as out of range.
    let mut b = encode_ciphertext(&f.params, &f.ct);
    let n = b.len();
    b[n - 10..].fill(0xff);
    assert!(matches!(
        decode_ciphertext(&b, &f.params),
        Err(WireError::WordOutOfRange { .. })
    ));
}

#[test]
fn objects_of_other_parameters_are_refused() {
    let f = fixture();
    let other = Parameters::insecure_for_tests(ParametersLiteral {
        log_q: vec![51, 40, 40],
        ..f.params.literal().clone()
    })
    .unwrap();
    let ct = encode_ciphertext(&f.params, &f.ct);
    assert_eq!(
        decode_ciphertext(&ct, &other),
        Err(WireError::ParametersMismatch)
    );
    let pk = encode_public_key(&f.params, &f.pk);
    assert_eq!(
        decode_public_key(&pk, &other),
        Err(WireError::ParametersMismatch)
    );
}

#[test]
fn metadata_rules() {
    let f = fixture();
    let p = &f.params;
    let mut bad = f.ct.clone();
    bad.meta.scale = f64::NAN;
    assert_eq!(
        decode_ciphertext(&encode_ciphertext(p, &bad), p),
        Err(WireError::InvalidScale)
    );
    bad.meta.scale = -1.0;
    assert_eq!(
        decode_ciphertext(&encode_ciphertext(p, &bad), p),
        Err(WireError::InvalidScale)
    );
    let mut bad = f.ct.clone();
    bad.meta.correction = 0;
    assert!(matches!(
        decode_ciphertext(&encode_ciphertext(p, &bad), p),
        Err(WireError::InvalidField { .. })
    ));
    let mut one = f.ct.clone();
    one.parts.truncate(1);
    assert!(matches!(
        decode_ciphertext(&encode_ciphertext(p, &one), p),
        Err(WireError::InvalidField { field: "parts", .. })
    ));
}

#[test]
fn fresh_secret_key_ciphertexts_travel_as_seed_and_c0() {
    let f = fixture();
    let p = &f.params;
    let mut rng = sample::seeded_rng([13; 32]);
    let ct = Encryptor::with_secret_key(&f.sk, 1)
        .encrypt_zero(2, &mut rng)
        .unwrap();
    assert!(ct.seed.is_some());
    let seeded = encode_ciphertext(p, &ct);
    let back = decode_ciphertext(&seeded, p).unwrap();
    assert_eq!(back, ct);
    let full = encode_ciphertext(p, &Ciphertext::new(ct.parts.clone(), ct.meta));
    assert!(
        seeded.len() * 10 < full.len() * 6,
        "{} vs {}",
        seeded.len(),
        full.len()
    );
    assert_eq!(decode_ciphertext(&full, p).unwrap().parts, ct.parts);
    // Dropping a level keeps the seed valid (limbs expand independently).
    let mut low = ct.clone();
    low.drop_to_level(1).unwrap();
    assert_eq!(
        decode_ciphertext(&encode_ciphertext(p, &low), p).unwrap(),
        low
    );
    // A stale seed is detected at encoding: the full form is written and decodes correctly.
    let mut stale = ct.clone();
    stale.parts[1] = stale.parts[0].clone();
    let bytes = encode_ciphertext(p, &stale);
    assert_eq!(bytes.len(), full.len());
    assert_eq!(decode_ciphertext(&bytes, p).unwrap().parts, stale.parts);
}
