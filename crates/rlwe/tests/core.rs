//! Encryption, decryption and key switching measured as noise, and parameter validation at
//! the HE standard's edges.

use std::sync::Arc;

use blindfold_rlwe::cipher::{apply_galois, apply_galois_hoisted, relinearize};
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel, max_log_qp};
use blindfold_rlwe::*;
use blindfold_rns::{Coeff, Ntt, Poly, rotation_element, sample};

fn literal(log_n: u32, log_q: Vec<u32>, log_p: Vec<u32>, dnum: usize) -> ParametersLiteral {
    ParametersLiteral {
        log_n,
        log_q,
        log_p,
        dnum,
        secret: SecretDistribution::Ternary,
        sigma: sample::SIGMA,
        security: SecurityLevel::Classical128,
    }
}

/// Infinity norm of a polynomial known to be small: the centered value of limb 0, checked
/// against limb 1 so that a large value cannot alias into a small one.
fn small_norm(p: &Poly<Ntt>) -> u64 {
    let c: Poly<Coeff> = p.clone().into_coeff();
    let mut max = 0u64;
    for i in 0..c.ctx().n() {
        let v0 = c.modulus(0).center(c.limb(0)[i]);
        if c.num_limbs() > 1 {
            assert_eq!(c.modulus(1).center(c.limb(1)[i]), v0, "value is not small");
        }
        max = max.max(v0.unsigned_abs());
    }
    max
}

fn log2(x: u64) -> f64 {
    (x.max(1) as f64).log2()
}

/// Bound on the key-switching error `d0 + d1·s − c·s'`: the digit products with the key
/// errors, divided by P (`dnum · N · (α+1) · 19 · D/P`, with `D <= P`), plus the mod-down
/// rounding of `d0` and `d1·s` (`(k+1)(N+1)`).
fn key_switch_bound(params: &Parameters) -> u64 {
    let n = params.n() as u64;
    let (dnum, alpha, k) = (
        params.dnum() as u64,
        params.digit_size() as u64,
        params.p().len() as u64,
    );
    dnum * n * (alpha + 1) * 19 + (k + 1) * (n + 1)
}

fn check_key_switching(params: &Arc<Parameters>, seed: u8) {
    let mut rng = sample::seeded_rng([seed; 32]);
    let sk = SecretKey::generate(params, &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let ring = params.ring();
    let top = ring.num_q();
    let s = sk.poly().restricted(top, false).unwrap();
    let bound = key_switch_bound(params);

    // Encryption: fresh noise is one Gaussian (secret key) or e·u + e0 + e1·s (public key).
    let pk = kg.public_key(&mut rng).unwrap();
    let m = sample::uniform(ring, top, 0, &mut rng).unwrap();
    let pt = Plaintext {
        poly: m.clone(),
        meta: Meta::default(),
    };
    let n = params.n() as u64;
    for (enc, bound) in [
        (Encryptor::with_secret_key(&sk, 1), 19),
        (Encryptor::with_public_key(params, &pk, 1), 19 * (2 * n + 1)),
    ] {
        let ct = enc.encrypt(&pt, &mut rng).unwrap();
        let dec = Decryptor::new(&sk).decrypt(&ct).unwrap();
        let noise = small_norm(&dec.sub(&m).unwrap());
        assert!(noise <= bound, "fresh noise {noise} > {bound}");
    }

    // Relinearization: (0, 0, c2) decrypts to c2·s²; after relinearization to c2·s² + e.
    let rk = kg.relinearization_key(&mut rng).unwrap();
    let c2 = sample::uniform(ring, top, 0, &mut rng).unwrap();
    let zero = Poly::<Ntt>::zero(ring, top, 0).unwrap();
    let ct = Ciphertext::new(
        vec![zero.clone(), zero.clone(), c2.clone()],
        Meta::default(),
    );
    let relin = relinearize(params, &ct, &rk).unwrap();
    let expect = c2.mul(&s).unwrap().mul(&s).unwrap();
    let dec = Decryptor::new(&sk).decrypt(&relin).unwrap();
    let noise = small_norm(&dec.sub(&expect).unwrap());
    eprintln!(
        "N=2^{}: relinearization noise 2^{:.1} (bound 2^{:.1})",
        params.log_n(),
        log2(noise),
        log2(bound)
    );
    assert!(noise <= bound, "relinearization noise {noise} > {bound}");

    // The same at a lower level (fewer digits, key limbs restricted).
    let low = top.div_ceil(2);
    let c2l = c2.restricted(low, false).unwrap();
    let zl = zero.restricted(low, false).unwrap();
    let ct = Ciphertext::new(vec![zl.clone(), zl, c2l.clone()], Meta::default());
    let relin = relinearize(params, &ct, &rk).unwrap();
    assert_eq!(relin.level(), low - 1);
    let sl = s.restricted(low, false).unwrap();
    let expect = c2l.mul(&sl).unwrap().mul(&sl).unwrap();
    let dec = Decryptor::new(&sk).decrypt(&relin).unwrap();
    let noise = small_norm(&dec.sub(&expect).unwrap());
    assert!(
        noise <= bound,
        "low-level relinearization noise {noise} > {bound}"
    );

    // Galois: (0, c1) decrypts to c1·s; after X -> X^g and key switching, to σ(c1·s) + e.
    let elements: Vec<u64> = [1i64, 5, -3]
        .iter()
        .map(|&k| rotation_element(params.log_n(), k))
        .collect();
    let keys = kg.evaluation_keys(false, &elements, &mut rng).unwrap();
    assert_eq!(keys.galois.keys().copied().collect::<Vec<_>>(), {
        let mut e = elements.clone();
        e.sort();
        e
    });
    let c1 = sample::uniform(ring, top, 0, &mut rng).unwrap();
    let ct = Ciphertext::new(vec![zero.clone(), c1.clone()], Meta::default());
    let gks: Vec<&GaloisKey> = elements.iter().map(|&g| keys.galois(g).unwrap()).collect();
    let hoisted = apply_galois_hoisted(params, &ct, &gks).unwrap();
    for (&g, h) in elements.iter().zip(&hoisted) {
        let expect = c1.mul(&s).unwrap().automorphism(g).unwrap();
        let single = apply_galois(params, &ct, keys.galois(g).unwrap()).unwrap();
        for (name, out) in [("hoisted", h), ("single", &single)] {
            let dec = Decryptor::new(&sk).decrypt(out).unwrap();
            let noise = small_norm(&dec.sub(&expect).unwrap());
            eprintln!(
                "N=2^{}: Galois {g} ({name}) noise 2^{:.1}",
                params.log_n(),
                log2(noise)
            );
            assert!(noise <= bound, "Galois noise {noise} > {bound}");
        }
    }
    // Missing keys are typed errors.
    assert!(matches!(
        keys.galois(3),
        Err(Error::MissingKey {
            galois_element: Some(3),
            ..
        })
    ));
    assert!(keys.relin().is_err());
}

#[test]
fn key_switching_noise_n12() {
    let params =
        Parameters::insecure_for_tests(literal(12, vec![55, 40, 40, 40, 40], vec![56, 56], 3))
            .unwrap();
    check_key_switching(&params, 1);
}

#[test]
fn key_switching_noise_n12_single_digit_per_prime() {
    let params =
        Parameters::insecure_for_tests(literal(12, vec![50, 40, 40], vec![52], 3)).unwrap();
    check_key_switching(&params, 2);
}

#[test]
fn key_switching_noise_n16_preset() {
    // A secure N = 2^16 set with fewer levels than the preset, to keep the test quick.
    let params = Parameters::new(literal(
        16,
        [vec![60], vec![40; 8]].concat(),
        vec![61, 61, 61],
        3,
    ))
    .unwrap();
    assert!(params.is_secure());
    check_key_switching(&params, 3);
}

#[test]
fn presets_are_secure() {
    for lit in [
        presets::n13(),
        presets::n14(),
        presets::n15(),
        presets::n16(),
        presets::n17(),
    ] {
        let log_qp = Parameters::check(&lit).unwrap_or_else(|e| panic!("2^{}: {e}", lit.log_n));
        let max = max_log_qp(lit.log_n, lit.secret, lit.security).unwrap();
        assert!(log_qp <= max);
        eprintln!("preset N=2^{}: log QP = {log_qp} of {max}", lit.log_n);
    }
    let p = Parameters::new(presets::n13()).unwrap();
    assert_eq!(p.q().len(), 3);
    assert!(p.q().iter().chain(p.p()).all(|&q| q % (2 << 13) == 1));
}

/// For every N, a chain whose exact log2(QP) equals the table's maximum is accepted and
/// one bit more is refused (OpenFHE's UnitTestLatticeParams edge, on the exact product).
#[test]
fn security_edges() {
    for log_n in 10..=17u32 {
        let max = max_log_qp(
            log_n,
            SecretDistribution::Ternary,
            SecurityLevel::Classical128,
        )
        .unwrap();
        let mut found = [false, false];
        // Q = [x, y] + [61; k] (no P, dnum 1), with x + y aimed at the remaining bits.
        let k = max.saturating_sub(122).div_ceil(61) as usize;
        // Small rings: one prime alone reaches the bound.
        let single = max <= 62;
        let rest = (max - 61 * k as u32) as i64;
        'outer: for x in 20..=61i64 {
            for y in (rest - x - 2)..=(rest - x + 1) {
                if !single && !(20..=61).contains(&y) {
                    continue;
                }
                let q = if single {
                    vec![x as u32]
                } else {
                    [vec![x as u32, y as u32], vec![61; k]].concat()
                };
                let lit = literal(log_n, q, vec![], 1);
                let bits = match Parameters::check(&lit) {
                    Ok(bits) => bits,
                    Err(Error::Params(ParamsError::Insecure { log_qp, max: m, .. })) => {
                        assert_eq!(m, max);
                        assert!(log_qp > max);
                        log_qp
                    }
                    Err(e) => panic!("{e}"),
                };
                found[0] |= bits == max;
                found[1] |= bits == max + 1;
                if found == [true, true] {
                    break 'outer;
                }
            }
        }
        assert_eq!(found, [true, true], "N = 2^{log_n}: edges not reached");
    }
}

#[test]
fn invalid_literals() {
    let ok = literal(12, vec![50, 40], vec![52], 2);
    let mut l = ok.clone();
    l.log_n = 9;
    assert!(matches!(
        Parameters::new(l),
        Err(Error::Params(ParamsError::InvalidDegree { log_n: 9 }))
    ));
    let mut l = ok.clone();
    l.log_q = vec![];
    assert!(matches!(
        Parameters::insecure_for_tests(l),
        Err(Error::Params(ParamsError::EmptyChain))
    ));
    let mut l = ok.clone();
    l.log_q = vec![62];
    assert!(matches!(
        Parameters::insecure_for_tests(l),
        Err(Error::Params(ParamsError::PrimeSize { bits: 62 }))
    ));
    let mut l = ok.clone();
    l.dnum = 3;
    assert!(matches!(
        Parameters::insecure_for_tests(l),
        Err(Error::Params(ParamsError::InvalidDnum { .. }))
    ));
    let mut l = ok.clone();
    l.sigma = 3.2;
    assert!(matches!(
        Parameters::insecure_for_tests(l),
        Err(Error::Params(ParamsError::UnsupportedSigma { .. }))
    ));
    let mut l = ok.clone();
    l.log_p = vec![30];
    assert!(matches!(
        Parameters::insecure_for_tests(l),
        Err(Error::Params(ParamsError::SpecialModulusTooSmall { .. }))
    ));
    let mut l = ok.clone();
    l.secret = SecretDistribution::SparseTernary { hamming_weight: 64 };
    assert!(matches!(
        Parameters::new(l.clone()),
        Err(Error::Params(ParamsError::NoSecurityEstimate { .. }))
    ));
    assert!(Parameters::insecure_for_tests(l).is_ok());
    // N = 2^12 allows 109 bits: 50 + 40 + 52 > 109.
    assert!(matches!(
        Parameters::new(ok.clone()),
        Err(Error::Params(ParamsError::Insecure { max: 109, .. }))
    ));
    let p = Parameters::insecure_for_tests(ok).unwrap();
    assert!(!p.is_secure());
}

#[test]
fn operand_errors() {
    let params = Parameters::insecure_for_tests(literal(10, vec![50, 40], vec![52], 2)).unwrap();
    let other = Parameters::insecure_for_tests(literal(10, vec![51, 40], vec![52], 2)).unwrap();
    let mut rng = sample::seeded_rng([4; 32]);
    let sk = SecretKey::generate(&params, &mut rng).unwrap();
    let rk = KeyGenerator::new(&sk)
        .relinearization_key(&mut rng)
        .unwrap();
    let ct = Encryptor::with_secret_key(&sk, 1)
        .encrypt_zero(1, &mut rng)
        .unwrap();
    // Degree 1 cannot be relinearized; a ciphertext of other parameters is refused.
    assert!(matches!(
        relinearize(&params, &ct, &rk),
        Err(Error::InvalidDegree { .. })
    ));
    assert!(matches!(
        relinearize(&other, &ct, &rk),
        Err(Error::ParametersMismatch)
    ));
    assert!(
        Encryptor::with_secret_key(&sk, 1)
            .encrypt_zero(2, &mut rng)
            .is_err()
    );
    let mut low = ct.clone();
    low.drop_to_level(0).unwrap();
    assert!(low.drop_to_level(1).is_err());
    assert_eq!(format!("{sk:?}"), "SecretKey(..)");
    let no_p = Parameters::insecure_for_tests(literal(10, vec![50, 40], vec![], 2)).unwrap();
    let sk2 = SecretKey::generate(&no_p, &mut rng).unwrap();
    assert!(matches!(
        KeyGenerator::new(&sk2).relinearization_key(&mut rng),
        Err(Error::NoSpecialPrimes)
    ));
}
