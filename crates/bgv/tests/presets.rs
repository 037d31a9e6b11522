//! The 128-bit presets at full size: a product chain down to level 0 stays correct with
//! budget left, for both plaintext moduli. Slow (keys at N = 2^15): run with
//! `cargo test --release -p blindfold-bgv --test presets -- --ignored`.

use std::sync::Arc;

use blindfold_bgv::*;
use blindfold_rlwe::KeyGenerator;
use blindfold_rlwe::SecretKey;
use blindfold_rns::sample;

fn full_depth(literal: BgvParametersLiteral) {
    let params = BgvParameters::new(literal).unwrap();
    let mut rng = sample::seeded_rng([31; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng).unwrap();
    let elements = rotation_elements(&params, &[1]);
    let keys = kg.evaluation_keys(true, &elements, &mut rng).unwrap();
    let ev = Evaluator::new(&params, Arc::new(keys));
    let dec = Decryptor::new(&params, &sk).unwrap();
    let t = params.t() as u128;
    let n = params.n() as u64;
    // Full-range values: the worst case for the message part of the noise.
    let a: Vec<u64> = (0..n).map(|i| (i * 7919 + 13) % params.t()).collect();
    let b: Vec<u64> = (0..n).map(|i| (i * i + 3) % params.t()).collect();
    let top = params.max_level();
    let enc = Encryptor::with_public_key(&params, &pk);
    let mut x = enc
        .encrypt(&ev.encoder().encode_unsigned(&a, top).unwrap(), &mut rng)
        .unwrap();
    let y = enc
        .encrypt(&ev.encoder().encode_unsigned(&b, top).unwrap(), &mut rng)
        .unwrap();
    let mut want = a.clone();
    let mut budgets = vec![dec.noise_budget(&x).unwrap()];
    while x.level() > 0 {
        // x ← rot(x)·y + x: one product, one rotation, one addition per level.
        let r = ev.rotate_rows(&x, 1).unwrap();
        let p = ev.mul(&r, &y).unwrap();
        x = ev.add(&p, &x).unwrap();
        let half = n as usize / 2;
        let rotated: Vec<u64> = (0..n as usize)
            .map(|i| want[(i / half) * half + (i % half + 1) % half])
            .collect();
        want = (0..n as usize)
            .map(|i| ((rotated[i] as u128 * b[i] as u128 + want[i] as u128) % t) as u64)
            .collect();
        assert_eq!(
            dec.decrypt_unsigned(&x).unwrap(),
            want,
            "level {}",
            x.level()
        );
        budgets.push(dec.noise_budget(&x).unwrap());
    }
    println!("t = {t}: budgets by level (top first): {budgets:?}");
    assert!(*budgets.last().unwrap() >= 3, "{budgets:?}");
}

#[test]
#[ignore = "slow: N = 2^13 … 2^15 keys; run with --ignored"]
fn n13_full_depth() {
    full_depth(presets::n13());
}

#[test]
#[ignore = "slow: N = 2^13 … 2^15 keys; run with --ignored"]
fn n14_full_depth() {
    full_depth(presets::n14());
}

#[test]
#[ignore = "slow: N = 2^13 … 2^15 keys; run with --ignored"]
fn n15_full_depth() {
    full_depth(presets::n15());
}

#[test]
#[ignore = "slow: N = 2^13 … 2^15 keys; run with --ignored"]
fn n15_t30_full_depth() {
    full_depth(presets::n15_t30());
}
