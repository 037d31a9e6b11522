//! RNS arithmetic against independent references: schoolbook products, big-integer CRT.
#![allow(clippy::needless_range_loop)] // index loops mirror the math in the references

use std::sync::Arc;

use blindfold_modarith::primes::ntt_primes;
use blindfold_rns::{Coeff, Ntt, Poly, RingContext, conjugation_element, rotation_element, sample};
use num_bigint::{BigInt, BigUint};
use num_traits::{One, Signed, ToPrimitive, Zero};
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

fn random_poly(ctx: &Arc<RingContext>, q_limbs: usize, p_limbs: usize, seed: u64) -> Poly<Coeff> {
    let mut s = [0u8; 32];
    s[..8].copy_from_slice(&seed.to_le_bytes());
    sample::uniform_from_seed(ctx, q_limbs, p_limbs, &s)
        .unwrap()
        .into_coeff()
}

/// CRT value of coefficient `c` over the polynomial's limbs, and the product of its moduli.
fn crt(p: &Poly<Coeff>, c: usize) -> (BigUint, BigUint) {
    let mut modulus = BigUint::one();
    let mut value = BigUint::zero();
    for k in 0..p.num_limbs() {
        let q = BigUint::from(p.modulus(k).value());
        let r = BigUint::from(p.limb(k)[c]);
        // value' = value + modulus * ((r - value) * modulus^{-1} mod q)
        let diff = (r + &q - (&value % &q)) % &q;
        let inv = modulus.modpow(&(&q - 2u32), &q);
        let t = diff * inv % &q;
        value += &modulus * t;
        modulus *= q;
    }
    (value, modulus)
}

fn centered(v: &BigUint, m: &BigUint) -> BigInt {
    let v = BigInt::from(v.clone());
    let m = BigInt::from(m.clone());
    if &v * 2 > m { v - m } else { v }
}

fn schoolbook(a: &[u64], b: &[u64], q: u64) -> Vec<u64> {
    let n = a.len();
    let mut out = vec![0u128; n];
    let q128 = q as u128;
    for i in 0..n {
        for j in 0..n {
            let prod = a[i] as u128 * b[j] as u128 % q128;
            let k = i + j;
            if k < n {
                out[k] = (out[k] + prod) % q128;
            } else {
                out[k - n] = (out[k - n] + q128 - prod) % q128;
            }
        }
    }
    out.into_iter().map(|x| x as u64).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn ntt_product_is_negacyclic_schoolbook(seed in any::<u64>(), log_n in 4u32..=7) {
        let c = ctx(log_n, &[50, 40, 61], &[]);
        let a = random_poly(&c, 3, 0, seed);
        let b = random_poly(&c, 3, 0, seed ^ 0xdead);
        let prod = a.clone().into_ntt().mul(&b.clone().into_ntt()).unwrap().into_coeff();
        for k in 0..3 {
            prop_assert_eq!(prod.limb(k), &schoolbook(a.limb(k), b.limb(k), a.modulus(k).value())[..]);
        }
        // Fused multiply-add and the lazy inner product agree with separate operations.
        let (an, bn) = (a.clone().into_ntt(), b.clone().into_ntt());
        let mut acc = an.clone();
        acc.mul_add_assign(&an, &bn).unwrap();
        let expect = an.add(&an.mul(&bn).unwrap()).unwrap();
        prop_assert!(acc == expect);
        let mut ip = Poly::<Ntt>::zero(&c, 3, 0).unwrap();
        ip.set_inner_product(&[&an, &bn, &an], &[&bn, &an, &an]).unwrap();
        let expect = an.mul(&bn).unwrap().add(&bn.mul(&an).unwrap()).unwrap().add(&an.mul(&an).unwrap()).unwrap();
        prop_assert!(ip == expect);
    }

    #[test]
    fn rescale_is_rounded_division(seed in any::<u64>(), ntt in any::<bool>()) {
        let c = ctx(5, &[60, 45, 40, 50], &[]);
        let a = random_poly(&c, 4, 0, seed);
        let r = if ntt {
            let mut x = a.clone().into_ntt();
            x.rescale().unwrap();
            x.into_coeff()
        } else {
            let mut x = a.clone();
            x.rescale().unwrap();
            x
        };
        prop_assert_eq!(r.q_limbs(), 3);
        let ql = BigInt::from(c.moduli()[3].value());
        for i in 0..c.n() {
            let (v, m) = crt(&a, i);
            let x = centered(&v, &m);
            // round(x / q_l), ties away from zero differ from +half flooring only at exact .5,
            // impossible for odd q_l.
            let twice = &x * 2 + &ql;
            let expect = num_integer_floor_div(&twice, &(&ql * 2));
            for k in 0..3 {
                let q = BigInt::from(r.modulus(k).value());
                let e = ((&expect % &q) + &q) % &q;
                prop_assert_eq!(BigInt::from(r.limb(k)[i]), e);
            }
        }
    }

    /// The out-of-place batch rescale equals the in-place one, word for word, in both
    /// representations (and a wide last prime, whose rounding offset exceeds smaller limbs'
    /// moduli).
    #[test]
    fn rescaled_many_equals_rescale(seed in any::<u64>(), ntt in any::<bool>(), count in 1usize..4) {
        let c = ctx(5, &[40, 45, 60, 50, 61], &[]);
        let polys: Vec<Poly<Coeff>> =
            (0..count).map(|j| random_poly(&c, 5, 0, seed ^ j as u64)).collect();
        if ntt {
            let polys: Vec<Poly<Ntt>> = polys.into_iter().map(Poly::into_ntt).collect();
            let refs: Vec<&Poly<Ntt>> = polys.iter().collect();
            let got = Poly::rescaled_many(&refs).unwrap();
            for (p, g) in polys.iter().zip(&got) {
                let mut want = p.clone();
                want.rescale().unwrap();
                prop_assert_eq!(g, &want);
            }
        } else {
            let refs: Vec<&Poly<Coeff>> = polys.iter().collect();
            let got = Poly::rescaled_many(&refs).unwrap();
            for (p, g) in polys.iter().zip(&got) {
                let mut want = p.clone();
                want.rescale().unwrap();
                prop_assert_eq!(g, &want);
            }
        }
    }

    #[test]
    fn rescaled_many_refuses_mismatched_limbs(seed in any::<u64>()) {
        let c = ctx(5, &[40, 45, 60], &[]);
        let full = random_poly(&c, 3, 0, seed);
        let short = random_poly(&c, 2, 0, seed);
        prop_assert!(Poly::rescaled_many(&[&full, &short]).is_err());
        let one = random_poly(&c, 1, 0, seed);
        prop_assert!(Poly::rescaled_many(&[&one]).is_err());
        prop_assert!(Poly::<Coeff>::rescaled_many(&[]).unwrap().is_empty());
    }

    #[test]
    fn base_conversion_within_bound(seed in any::<u64>()) {
        let c = ctx(4, &[40, 41, 42], &[50, 51]);
        let a = random_poly(&c, 3, 0, seed);
        let conv = c.converter(&[0, 1, 2], &[3, 4]);
        let mut out = vec![vec![0u64; c.n()]; 2];
        {
            let inputs: Vec<&[u64]> = (0..3).map(|k| a.limb(k)).collect();
            let mut outputs: Vec<&mut [u64]> = out.iter_mut().map(|v| v.as_mut_slice()).collect();
            conv.convert(&inputs, &mut outputs);
        }
        for i in 0..c.n() {
            let (x, f) = crt(&a, i);
            // Centered digits: x + u*F with x in [0, F) and -|F| <= u <= |F| - 1 (the
            // centered CRT value shifted by at most |F|/2 + 1 multiples of F).
            let x = BigInt::from(x);
            let f = BigInt::from(f);
            let ok = (-3i32..=2).any(|u| {
                (0..2).all(|j| {
                    let t = BigInt::from(c.moduli()[3 + j].value());
                    let v = ((&x + &f * u) % &t + &t) % &t;
                    v == BigInt::from(out[j][i])
                })
            });
            prop_assert!(ok, "coefficient {}", i);
        }
    }

    #[test]
    fn mod_down_divides_by_p(seed in any::<u64>()) {
        let c = ctx(4, &[50, 45, 45], &[55, 56]);
        let x = random_poly(&c, 2, 2, seed);
        let mut y = x.clone().into_ntt();
        y.mod_down().unwrap();
        let y = y.into_coeff();
        prop_assert_eq!((y.q_limbs(), y.p_limbs()), (2, 0));
        let p = BigInt::from(c.moduli()[3].value()) * BigInt::from(c.moduli()[4].value());
        for i in 0..c.n() {
            let (v, m) = crt(&x, i);
            let exact = centered(&v, &m);
            let (got, gm) = crt(&y, i);
            let got = centered(&got, &gm);
            // |got - exact / P| <= |P| + 1 (fast-conversion overshoot plus flooring).
            let diff = (got * &p - exact).abs();
            prop_assert!(diff <= &p * 4, "coefficient {}", i);
        }
    }

    #[test]
    fn mod_up_digits_extend_each_digit(seed in any::<u64>()) {
        let c = ctx(4, &[50, 45, 45, 44, 43], &[60, 59]);
        let x = random_poly(&c, 4, 0, seed).into_ntt();
        let digits = x.decompose_mod_up(2).unwrap();
        prop_assert_eq!(digits.len(), 2);
        let xc = x.clone().into_coeff();
        for (d, dig) in digits.iter().enumerate() {
            let dig = dig.clone().into_coeff();
            prop_assert_eq!((dig.q_limbs(), dig.p_limbs()), (4, 2));
            let digit_limbs = [2 * d, 2 * d + 1];
            for &k in &digit_limbs {
                prop_assert_eq!(dig.limb(k), xc.limb(k));
            }
            for i in 0..c.n() {
                // CRT value of the digit alone.
                let mut part = Poly::<Coeff>::zero(&c, 1, 0).unwrap();
                let _ = &mut part;
                let qa = BigUint::from(c.moduli()[digit_limbs[0]].value());
                let qb = BigUint::from(c.moduli()[digit_limbs[1]].value());
                let ra = BigUint::from(xc.limb(digit_limbs[0])[i]);
                let rb = BigUint::from(xc.limb(digit_limbs[1])[i]);
                let inv = qa.modpow(&(&qb - 2u32), &qb);
                let t = ((&rb + &qb - (&ra % &qb)) % &qb) * inv % &qb;
                let xd = &ra + &qa * t;
                let fd = &qa * &qb;
                for k in (0..6).filter(|k| !digit_limbs.contains(k)) {
                    let m = BigUint::from(dig.modulus(k).value());
                    let (xd, fd, m) = (BigInt::from(xd.clone()), BigInt::from(fd.clone()), BigInt::from(m));
                    let ok = (-2i32..=1).any(|u| ((&xd + &fd * u) % &m + &m) % &m == BigInt::from(dig.limb(k)[i]));
                    prop_assert!(ok);
                }
            }
        }
    }

    #[test]
    fn automorphisms(seed in any::<u64>(), k in -20i64..20) {
        let c = ctx(5, &[50, 40], &[]);
        let a = random_poly(&c, 2, 0, seed);
        let g = rotation_element(5, k);
        let n = c.n();
        // Coefficient form against the definition a(X^g).
        let ag = a.automorphism(g).unwrap();
        for l in 0..2 {
            let q = a.modulus(l).value();
            let mut expect = vec![0u64; n];
            for (i, &x) in a.limb(l).iter().enumerate() {
                let e = (i as u64 * g) % (2 * n as u64);
                if e < n as u64 { expect[e as usize] = x } else { expect[(e - n as u64) as usize] = (q - x) % q }
            }
            prop_assert_eq!(ag.limb(l), &expect[..]);
        }
        // NTT form agrees with coefficient form.
        let an = a.clone().into_ntt().automorphism(g).unwrap().into_coeff();
        prop_assert!(an == ag);
        // Composition: σ_g ∘ σ_h = σ_{gh mod 2N}; conjugation is an involution.
        let h = conjugation_element(5);
        let gh = g * h % (2 * n as u64);
        prop_assert!(ag.automorphism(h).unwrap() == a.automorphism(gh).unwrap());
        prop_assert!(a.automorphism(h).unwrap().automorphism(h).unwrap() == a);
    }

    #[test]
    fn monomials(seed in any::<u64>(), k in -100i64..100) {
        let c = ctx(5, &[50, 40], &[30]);
        let a = random_poly(&c, 2, 1, seed);
        prop_assert!(a.mul_monomial(k).mul_monomial(-k) == a);
        let mut neg = a.clone();
        neg.neg_assign();
        prop_assert!(a.mul_monomial(c.n() as i64) == neg);
        let viantt = a.clone().into_ntt().mul_monomial(k).unwrap().into_coeff();
        prop_assert!(viantt == a.mul_monomial(k));
    }
}

fn num_integer_floor_div(a: &BigInt, b: &BigInt) -> BigInt {
    let (q, r) = (a / b, a % b);
    if !r.is_zero() && (r.is_negative() != b.is_negative()) {
        q - 1
    } else {
        q
    }
}

#[test]
fn limb_sets_and_errors() {
    let c = ctx(4, &[50, 40], &[45]);
    assert!(Poly::<Coeff>::zero(&c, 0, 0).is_err());
    assert!(Poly::<Coeff>::zero(&c, 3, 0).is_err());
    assert!(Poly::<Coeff>::zero(&c, 1, 2).is_err());
    let q0 = c.moduli()[0].value();
    assert!(Poly::<Coeff>::from_words(&c, 1, 0, vec![q0; 16]).is_err());
    assert!(Poly::<Coeff>::from_words(&c, 1, 0, vec![0; 15]).is_err());
    let a = Poly::<Coeff>::from_words(&c, 1, 0, vec![q0 - 1; 16]).unwrap();
    let b = Poly::<Coeff>::zero(&c, 2, 0).unwrap();
    assert!(a.add(&b).is_err());
    let other = ctx(4, &[51, 40], &[45]);
    assert!(a.add(&Poly::<Coeff>::zero(&other, 1, 0).unwrap()).is_err());
    let mut one = a.clone();
    assert!(one.rescale().is_err());
    assert!(one.automorphism(4).is_err());
    assert!(RingContext::new(4, &[], &[]).is_err());
    assert!(RingContext::new(20, &[q0], &[]).is_err());
    assert!(RingContext::new(4, &[q0, q0], &[]).is_err());
    assert!(RingContext::new(4, &[103], &[]).is_err()); // 102 is not a multiple of 32
    // Dropping levels keeps the P limbs in place.
    let x = random_poly(&c, 2, 1, 7);
    let mut y = x.clone();
    y.drop_to_q_limbs(1).unwrap();
    assert_eq!(y.limb(0), x.limb(0));
    assert_eq!(y.limb(1), x.limb(2));
    assert_eq!(x.restricted(1, true).unwrap(), y);
}

#[test]
fn crt_reference_round_trip() {
    // Lifting a signed vector and CRT-composing it gives the vector back.
    let c = ctx(4, &[60, 50, 40], &[]);
    let v: Vec<i64> = (0..16).map(|i| (i as i64 - 8) * 1_000_000_007).collect();
    let p = Poly::<Coeff>::from_signed(&c, &v, 3, 0).unwrap();
    for (i, &x) in v.iter().enumerate() {
        let (val, m) = crt(&p, i);
        assert_eq!(centered(&val, &m).to_i64(), Some(x));
    }
}
