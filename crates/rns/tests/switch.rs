//! The fused key switch (`Poly::switch_keys`) against the step-by-step pipeline it replaces
//! (`decompose_mod_up`, automorphism of each digit, `set_inner_product`, `mod_down`), word
//! for word; and the base conversion against its definition computed with big integers.

use std::sync::Arc;

use blindfold_modarith::primes::ntt_primes;
use blindfold_rns::{Ntt, Poly, RingContext, SwitchKey, rotation_element, sample};
use num_bigint::BigInt;
use num_traits::{One, Zero};
use proptest::prelude::*;

fn ctx(log_n: u32, q_bits: &[u32], p_bits: &[u32]) -> Arc<RingContext> {
    let two_n = 2u64 << log_n;
    let mut used = Vec::new();
    let mut pick = |bits: u32| {
        let p = ntt_primes(bits, two_n, 1, &used).unwrap()[0];
        used.push(p);
        p
    };
    let q: Vec<u64> = q_bits.iter().map(|&b| pick(b)).collect();
    let p: Vec<u64> = p_bits.iter().map(|&b| pick(b)).collect();
    RingContext::new(log_n, &q, &p).unwrap()
}

fn uniform(ctx: &Arc<RingContext>, q_limbs: usize, p_limbs: usize, seed: u64) -> Poly<Ntt> {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    sample::uniform_from_seed(ctx, q_limbs, p_limbs, &s).unwrap()
}

/// A gadget key's `(b_d)` and `(a_d)`.
type KeyPair = (Vec<Poly<Ntt>>, Vec<Poly<Ntt>>);

/// The step-by-step reference for one key.
fn reference(
    c: &Poly<Ntt>,
    digit_size: usize,
    b: &[Poly<Ntt>],
    a: &[Poly<Ntt>],
    galois: Option<u64>,
) -> (Poly<Ntt>, Poly<Ntt>) {
    let digits: Vec<Poly<Ntt>> = c
        .decompose_mod_up(digit_size)
        .unwrap()
        .into_iter()
        .map(|d| match galois {
            Some(g) => d.automorphism(g).unwrap(),
            None => d,
        })
        .collect();
    let x: Vec<&Poly<Ntt>> = digits.iter().collect();
    let run = |key: &[Poly<Ntt>]| {
        let k: Vec<&Poly<Ntt>> = key.iter().take(x.len()).collect();
        let mut d = Poly::<Ntt>::zero(c.ctx(), c.q_limbs(), c.ctx().num_p()).unwrap();
        d.set_inner_product(&x, &k).unwrap();
        d.mod_down().unwrap();
        d
    };
    (run(b), run(a))
}

fn check(ctx: &Arc<RingContext>, q_limbs: usize, digit_size: usize, seed: u64) {
    let nq = ctx.num_q();
    let np = ctx.num_p();
    let digits = nq.div_ceil(digit_size);
    let c = uniform(ctx, q_limbs, 0, seed);
    // Keys at the top level, as stored; the input may sit lower.
    let keys: Vec<KeyPair> = (0..3)
        .map(|r| {
            let b = (0..digits)
                .map(|d| uniform(ctx, nq, np, seed ^ (100 + 10 * r + d as u64)))
                .collect();
            let a = (0..digits)
                .map(|d| uniform(ctx, nq, np, seed ^ (200 + 10 * r + d as u64)))
                .collect();
            (b, a)
        })
        .collect();
    let galois = [
        None,
        Some(rotation_element(ctx.log_n(), 1)),
        Some(rotation_element(ctx.log_n(), -3)),
    ];
    let switch: Vec<SwitchKey<'_>> = keys
        .iter()
        .zip(galois)
        .map(|((b, a), g)| SwitchKey { b, a, galois: g })
        .collect();
    let got = c.switch_keys(digit_size, &switch).unwrap();
    assert_eq!(got.len(), 3);
    for (((b, a), g), (d0, d1)) in keys.iter().zip(galois).zip(&got) {
        let (e0, e1) = reference(&c, digit_size, b, a, g);
        assert!(*d0 == e0 && *d1 == e1, "galois {g:?}");
    }
    // One key alone gives the same words as within a hoisted batch.
    let single = c.switch_keys(digit_size, &switch[1..2]).unwrap();
    assert!(single[0] == got[1]);
    // Stopped before the division by P, then divided: the same words.
    let ext = c.switch_keys_extended(digit_size, &switch).unwrap();
    for ((e0, e1), (d0, d1)) in ext.into_iter().zip(&got) {
        assert_eq!((e0.q_limbs(), e0.p_limbs()), (q_limbs, np));
        let down = Poly::mod_down_montgomery(vec![e0, e1]).unwrap();
        assert!(down[0] == *d0 && down[1] == *d1);
    }
}

#[test]
fn fused_switch_matches_pipeline() {
    // A 60-bit base prime, 50-bit primes and 52-bit special primes, like the N = 2^16 preset.
    let c = ctx(6, &[60, 50, 50, 50, 50, 50, 50], &[52, 52, 52]);
    for (q_limbs, digit_size) in [(7, 3), (5, 3), (7, 2), (1, 3), (4, 1)] {
        check(
            &c,
            q_limbs,
            digit_size,
            q_limbs as u64 * 31 + digit_size as u64,
        );
    }
}

#[test]
fn fused_switch_many_digits_and_wide_primes() {
    // Nine digits (sums split in lazy chunks) and 61-bit primes.
    let c = ctx(5, &[61, 61, 60, 59, 61, 58, 61, 60, 59], &[61, 61]);
    check(&c, 9, 1, 7);
    check(&c, 8, 2, 8);
}

#[test]
fn fused_switch_rejects_bad_input() {
    let c = ctx(5, &[50, 50, 50], &[52]);
    let x = uniform(&c, 3, 0, 1);
    let keys: Vec<Poly<Ntt>> = (0..3).map(|d| uniform(&c, 3, 1, d)).collect();
    let short = &keys[..2];
    let ok = SwitchKey {
        b: &keys,
        a: &keys,
        galois: None,
    };
    assert!(x.switch_keys(1, &[ok]).is_ok());
    assert!(x.switch_keys(0, &[ok]).is_err());
    assert!(x.switch_keys_extended(0, &[ok]).is_err());
    // mod_down_montgomery needs P limbs and one limb set.
    assert!(Poly::mod_down_montgomery(vec![x.clone()]).is_err());
    let (e0, _) = x.switch_keys_extended(1, &[ok]).unwrap().remove(0);
    let lower = uniform(&c, 2, 1, 9);
    assert!(Poly::mod_down_montgomery(vec![e0, lower]).is_err());
    assert!(Poly::mod_down_montgomery(Vec::new()).unwrap().is_empty());
    let bad = SwitchKey { b: short, ..ok };
    assert!(x.switch_keys(1, &[bad]).is_err());
    let bad = SwitchKey {
        galois: Some(2),
        ..ok
    };
    assert!(x.switch_keys(1, &[bad]).is_err());
    let with_p = uniform(&c, 3, 1, 2);
    assert!(with_p.switch_keys(1, &[ok]).is_err());
    let no_p: Vec<Poly<Ntt>> = (0..3).map(|d| uniform(&c, 3, 0, d)).collect();
    let bad = SwitchKey {
        b: &no_p,
        a: &keys,
        galois: None,
    };
    assert!(x.switch_keys(1, &[bad]).is_err());
}

/// `Σ_j center([x_j·(F/f_j)^{-1}]_{f_j})·(F/f_j) mod t`, with big integers.
fn conversion_reference(x: &[u64], from: &[u64], t: u64) -> u64 {
    let f: BigInt = from.iter().fold(BigInt::one(), |acc, &q| acc * q);
    let mut sum = BigInt::zero();
    for (&xj, &fj) in x.iter().zip(from) {
        let fj = BigInt::from(fj);
        let hat = &f / &fj;
        let inv = (&hat % &fj).modpow(&(&fj - 2u32), &fj);
        let mut y = BigInt::from(xj) * inv % &fj;
        if &y * 2 > fj {
            y -= &fj;
        }
        sum += y * hat;
    }
    let t = BigInt::from(t);
    let r = ((sum % &t) + &t) % &t;
    r.try_into().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn conversion_is_exact_centered_sum(seed in any::<u64>(), shape in 0usize..4) {
        // Shapes: the preset's 7 -> 21 kind, 60-bit inputs, more inputs than one lazy sum
        // (chunks), and a single input.
        let (from_bits, to_bits): (Vec<u32>, Vec<u32>) = match shape {
            0 => (vec![60, 50, 50, 50, 50, 50, 50], vec![50, 52, 52]),
            1 => (vec![61, 61, 61], vec![61, 40]),
            2 => (vec![58; 10], vec![61, 59, 45]),
            _ => (vec![45], vec![61, 30]),
        };
        let c = ctx(9, &[from_bits.clone(), to_bits.clone()].concat(), &[]);
        let k = from_bits.len();
        let from: Vec<usize> = (0..k).collect();
        let to: Vec<usize> = (k..k + to_bits.len()).collect();
        let x = uniform(&c, k, 0, seed).into_coeff();
        let conv = c.converter(&from, &to);
        let mut out = vec![vec![0u64; c.n()]; to.len()];
        {
            let inputs: Vec<&[u64]> = (0..k).map(|j| x.limb(j)).collect();
            let mut outputs: Vec<&mut [u64]> = out.iter_mut().map(|v| v.as_mut_slice()).collect();
            conv.convert(&inputs, &mut outputs);
        }
        let fv: Vec<u64> = from.iter().map(|&j| c.moduli()[j].value()).collect();
        for coeff in (0..c.n()).step_by(7) {
            let xs: Vec<u64> = (0..k).map(|j| x.limb(j)[coeff]).collect();
            for (i, &ti) in to.iter().enumerate() {
                let expect = conversion_reference(&xs, &fv, c.moduli()[ti].value());
                prop_assert_eq!(out[i][coeff], expect, "coefficient {} output {}", coeff, i);
            }
        }
    }
}
