//! Shared set-up: small insecure parameters and cached keys, and plaintext references.
#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use blindfold_bgv::{BgvParameters, BgvParametersLiteral, rotation_elements};
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{EvaluationKeys, KeyGenerator, ParametersLiteral, PublicKey, SecretKey};
use blindfold_rns::{conjugation_element, sample};

pub fn literal(
    log_n: u32,
    log_q: Vec<u32>,
    log_p: Vec<u32>,
    dnum: usize,
    t: u64,
) -> BgvParametersLiteral {
    BgvParametersLiteral {
        rlwe: ParametersLiteral {
            log_n,
            log_q,
            log_p,
            dnum,
            secret: SecretDistribution::Ternary,
            sigma: sample::SIGMA,
            security: SecurityLevel::Classical128,
        },
        t,
    }
}

/// Rotations every key set supports.
pub const ROTATIONS: [i64; 6] = [1, 2, 5, -1, -3, 100];

pub struct Keys {
    pub params: Arc<BgvParameters>,
    pub sk: SecretKey,
    pub pk: PublicKey,
    pub eval_keys: Arc<EvaluationKeys>,
}

pub fn keys_for(literal: BgvParametersLiteral, seed: u8) -> Keys {
    let params = BgvParameters::insecure_for_tests(literal).unwrap();
    let mut rng = sample::seeded_rng([seed; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng).unwrap();
    let mut elements = rotation_elements(&params, &ROTATIONS);
    elements.push(conjugation_element(params.log_n()));
    let eval_keys = Arc::new(kg.evaluation_keys(true, &elements, &mut rng).unwrap());
    Keys {
        params,
        sk,
        pk,
        eval_keys,
    }
}

/// N = 2^11, t = 65537 (batching), depth 4: Q = 45 + 4×36 bits, P = 2×45, dnum 3.
pub fn small() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        keys_for(
            literal(11, vec![45, 36, 36, 36, 36], vec![45, 45], 3, 65537),
            1,
        )
    })
}

/// Row-wise left rotation by `k` of a row-major 2 × N/2 slot vector.
pub fn rotate_rows(v: &[u64], k: i64) -> Vec<u64> {
    let half = v.len() / 2;
    let k = k.rem_euclid(half as i64) as usize;
    let mut out = Vec::with_capacity(v.len());
    for row in v.chunks(half) {
        out.extend((0..half).map(|j| row[(j + k) % half]));
    }
    out
}

/// The two rows swapped.
pub fn swap_rows(v: &[u64]) -> Vec<u64> {
    let half = v.len() / 2;
    [&v[half..], &v[..half]].concat()
}

pub fn zip(a: &[u64], b: &[u64], t: u64, f: impl Fn(u128, u128) -> u128) -> Vec<u64> {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| (f(x as u128, y as u128) % t as u128) as u64)
        .collect()
}

pub fn signed_mod(v: i64, t: u64) -> u64 {
    (v as i128).rem_euclid(t as i128) as u64
}

/// Schoolbook negacyclic product modulo `t` (u128 arithmetic).
pub fn negacyclic(a: &[u64], b: &[u64], t: u64) -> Vec<u64> {
    let n = a.len();
    let t = t as u128;
    let mut out = vec![0u128; n];
    for (i, &x) in a.iter().enumerate() {
        for (j, &y) in b.iter().enumerate() {
            let p = x as u128 * y as u128 % t;
            let k = i + j;
            if k < n {
                out[k] = (out[k] + p) % t;
            } else {
                out[k - n] = (out[k - n] + t - p) % t;
            }
        }
    }
    out.into_iter().map(|x| x as u64).collect()
}

/// `m(X^g)` modulo `t`, coefficient by coefficient.
pub fn automorphism(a: &[u64], g: u64, t: u64) -> Vec<u64> {
    let n = a.len() as u64;
    let mut out = vec![0u64; a.len()];
    for (i, &c) in a.iter().enumerate() {
        let j = (i as u64 * g) % (2 * n);
        if j < n {
            out[j as usize] = c;
        } else {
            out[(j - n) as usize] = (t - c) % t;
        }
    }
    out
}
