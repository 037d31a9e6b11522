//! CKKS against plaintext complex arithmetic: encoding against direct evaluation of the
//! polynomial at the roots, encryption precision, every operation, random circuits.

mod common;

use std::sync::Arc;

use blindfold_ckks::{C64, CkksParameters, Encoder, Error, Evaluator, precision_stats, presets};
use blindfold_rlwe::{ParametersLiteral, SlotAlgebra};
use blindfold_rns::sample::seeded_rng;
use common::{Setup, random_values, setup};
use proptest::prelude::*;

fn tiny(log_n: u32) -> Arc<CkksParameters> {
    let mut lit: ParametersLiteral = presets::insecure_test();
    lit.log_n = log_n;
    CkksParameters::insecure_for_tests(lit).unwrap()
}

/// Slot j of the embedding is m(ζ^{5^j}), ζ = e^{iπ/N}: evaluate the decoded
/// coefficients directly (O(N²), independent of the FFT).
#[test]
fn encoding_matches_direct_evaluation_at_the_roots() {
    for log_n in [4u32, 6, 8] {
        let params = tiny(log_n);
        let enc = Encoder::new(&params);
        let n = params.n();
        let mut rng = seeded_rng([1; 32]);
        for slots in [1usize, 2, n / 8, n / 2] {
            let values = random_values(&mut rng, slots, 1.0);
            let scale = 2f64.powi(30);
            let pt = enc.encode_complex(&values, slots, 0, scale).unwrap();
            // Coefficients through the public decode path of a level-0 plaintext.
            let coeff = pt.poly.clone().into_coeff();
            let m = coeff.modulus(0);
            let c: Vec<f64> = coeff
                .limb(0)
                .iter()
                .map(|&x| m.center(x) as f64 / scale)
                .collect();
            let mut g = 1usize;
            for (j, v) in values.iter().enumerate() {
                let mut acc = C64::default();
                for (i, &ci) in c.iter().enumerate() {
                    let e = (g * i) % (2 * n);
                    acc = acc + C64::cis(core::f64::consts::PI * e as f64 / n as f64).scale(ci);
                }
                assert!((acc - *v).abs() < 1e-6, "N=2^{log_n} slots={slots} j={j}");
                g = g * 5 % (2 * n);
            }
            // Sparse packing: only multiples of N/(2·slots) are used.
            let gap = n / 2 / slots;
            assert!(c.iter().enumerate().all(|(i, &x)| i % gap == 0 || x == 0.0));
            let back = enc.decode_complex(&pt, slots).unwrap();
            let st = precision_stats(&values, &back);
            assert!(st.min_bits > 25.0, "roundtrip {st:?}");
        }
    }
}

#[test]
fn encode_decode_at_every_level_and_large_values() {
    let params = tiny(10);
    let enc = Encoder::new(&params);
    let mut rng = seeded_rng([2; 32]);
    for level in [0, 3, params.max_level()] {
        let values = random_values(&mut rng, 512, 1e5);
        let pt = enc
            .encode_complex(&values, 512, level, params.scale(level))
            .unwrap();
        let back = enc.decode_complex(&pt, 512).unwrap();
        let st = precision_stats(&values, &back);
        assert!(st.min_bits > 5.0, "level {level}: {st:?}");
    }
    // Scaled values beyond 2^63 (reduced through the exponent) decode exactly too.
    let values = vec![C64::new(3.0e9, -1.5e9); 4];
    let pt = enc.encode_complex(&values, 4, 2, 2f64.powi(60)).unwrap();
    let back = enc.decode_complex(&pt, 4).unwrap();
    assert!(precision_stats(&values, &back).max_error < 1e-6 * 3.0e9);
}

#[test]
fn fresh_encryption_meets_lattigo_budget_both_key_kinds() {
    let mut s = setup(1024, &[], 3);
    let log_n = s.params.log_n() as f64;
    for public in [false, true] {
        let values = random_values(&mut s.rng, 1024, 1.0);
        let ct = s.encrypt(&values, s.params.max_level(), public);
        let st = precision_stats(&values, &s.decrypt(&ct));
        let log_delta = s.params.scale(s.params.max_level()).log2();
        assert!(
            st.mean_bits >= log_delta - (log_n + 2.0),
            "public={public}: {st:?}"
        );
    }
}

fn apply(values: &[C64], f: impl Fn(usize, C64) -> C64) -> Vec<C64> {
    values.iter().enumerate().map(|(i, &v)| f(i, v)).collect()
}

fn rotl(v: &[C64], k: i64) -> Vec<C64> {
    let n = v.len() as i64;
    (0..n)
        .map(|i| v[((i + k).rem_euclid(n)) as usize])
        .collect()
}

fn check(s: &Setup, ct: &blindfold_rlwe::Ciphertext, want: &[C64], bits: f64, what: &str) {
    let st = precision_stats(want, &s.decrypt(ct));
    assert!(st.min_bits > bits, "{what}: {st:?}");
}

#[test]
fn every_operation_against_plaintext() {
    let slots = 256;
    let mut s = setup(slots, &[1, 5, -3, 64, 2, 4, 8], 4);
    let l = s.params.max_level();
    let x = random_values(&mut s.rng, slots, 1.0);
    let y = random_values(&mut s.rng, slots, 1.0);
    let cx = s.encrypt(&x, l, false);
    let cy = s.encrypt(&y, l, true);
    let ev = s.eval.clone();
    check(
        &s,
        &ev.add(&cx, &cy).unwrap(),
        &apply(&x, |i, v| v + y[i]),
        20.0,
        "add",
    );
    check(
        &s,
        &ev.sub(&cx, &cy).unwrap(),
        &apply(&x, |i, v| v - y[i]),
        20.0,
        "sub",
    );
    check(
        &s,
        &ev.neg(&cx).unwrap(),
        &apply(&x, |_, v| -v),
        20.0,
        "neg",
    );
    let m = ev.mul(&cx, &cy).unwrap();
    assert_eq!(m.level(), l - 1);
    check(&s, &m, &apply(&x, |i, v| v * y[i]), 18.0, "mul");
    check(
        &s,
        &ev.square(&cx).unwrap(),
        &apply(&x, |_, v| v * v),
        18.0,
        "square",
    );
    let c = C64::new(0.7, -1.3);
    check(
        &s,
        &ev.mul_const(&cx, c).unwrap(),
        &apply(&x, |_, v| v * c),
        18.0,
        "mul const",
    );
    check(
        &s,
        &ev.add_const(&cx, c).unwrap(),
        &apply(&x, |_, v| v + c),
        20.0,
        "add const",
    );
    let k = ev.mul_const(&cx, C64::real(-3.0)).unwrap();
    assert_eq!(k.level(), l, "integer constants keep the level");
    check(&s, &k, &apply(&x, |_, v| v.scale(-3.0)), 18.0, "mul int");
    check(
        &s,
        &ev.mul_by_i(&cx).unwrap(),
        &apply(&x, |_, v| v * C64::new(0.0, 1.0)),
        20.0,
        "mul i",
    );
    let pt = ev
        .encoder()
        .encode_complex(&y, slots, l, s.params.scale(l))
        .unwrap();
    check(
        &s,
        &ev.mul_plain(&cx, &pt).unwrap(),
        &apply(&x, |i, v| v * y[i]),
        18.0,
        "mul plain",
    );
    check(
        &s,
        &ev.add_plain(&cx, &pt).unwrap(),
        &apply(&x, |i, v| v + y[i]),
        20.0,
        "add plain",
    );
    check(
        &s,
        &ev.sub_plain(&cx, &pt).unwrap(),
        &apply(&x, |i, v| v - y[i]),
        20.0,
        "sub plain",
    );
    for k in [1i64, 5, -3, 64, 256 + 1] {
        check(
            &s,
            &ev.rotate(&cx, k).unwrap(),
            &rotl(&x, k),
            20.0,
            "rotate",
        );
    }
    let many = ev.rotate_hoisted(&cx, &[0, 1, 5, -3]).unwrap();
    for (ct, k) in many.iter().zip([0i64, 1, 5, -3]) {
        check(&s, ct, &rotl(&x, k), 20.0, "hoisted");
    }
    check(
        &s,
        &ev.conjugate(&cx).unwrap(),
        &apply(&x, |_, v| v.conj()),
        20.0,
        "conjugate",
    );
    let sum = ev.rotate_and_sum(&cx, 2, 4).unwrap();
    let want = apply(&x, |i, _| {
        (0..4).fold(C64::default(), |a, j| a + x[(i + 2 * j) % slots])
    });
    check(&s, &sum, &want, 18.0, "rotate and sum");
    // Mixed levels: the higher operand is brought down (onto the ladder) automatically.
    let low = ev.mul(&m, &cy).unwrap();
    let mixed = ev.add(&low, &cx).unwrap();
    assert_eq!(mixed.level(), l - 2);
    check(
        &s,
        &mixed,
        &apply(&x, |i, v| x[i] * y[i] * y[i] + v),
        16.0,
        "mixed add",
    );
    let mixed = ev.mul(&cx, &low).unwrap();
    check(
        &s,
        &mixed,
        &apply(&x, |i, v| x[i] * y[i] * y[i] * v),
        16.0,
        "mixed mul",
    );
}

#[test]
fn typed_errors() {
    let slots = 64;
    let mut s = setup(slots, &[1], 5);
    let l = s.params.max_level();
    let x = random_values(&mut s.rng, slots, 1.0);
    let cx = s.encrypt(&x, l, false);
    let ev = s.eval.clone();
    assert!(matches!(
        ev.rotate(&cx, 2),
        Err(Error::MissingRotationKey {
            rotation: Some(2),
            ..
        })
    ));
    let no_relin = Evaluator::new(&s.params, Arc::new(Default::default()), slots).unwrap();
    assert!(matches!(
        no_relin.mul(&cx, &cx),
        Err(Error::MissingRelinearizationKey)
    ));
    let mut bottom = cx.clone();
    bottom.drop_to_level(0).unwrap();
    assert!(matches!(
        ev.mul(&bottom, &bottom),
        Err(Error::OutOfLevels { .. })
    ));
    // Same level, different scales: no unambiguous match.
    let mut odd = cx.clone();
    odd.meta.scale *= 1.5;
    assert!(matches!(
        ev.add(&cx, &odd),
        Err(Error::ScaleMismatch { .. })
    ));
    // Degree 2 cannot be rotated.
    let t = ev.tensor(&cx, &cx).unwrap();
    assert!(matches!(ev.rotate(&t, 1), Err(Error::InvalidDegree { .. })));
    // Too many values, bad slot counts, non-finite values.
    let enc = ev.encoder();
    assert!(matches!(
        enc.encode(&[0.0; 65], 64, 0, 1e6),
        Err(Error::TooManyValues { .. })
    ));
    assert!(matches!(
        enc.encode(&[0.0], 3, 0, 1e6),
        Err(Error::InvalidSlots { .. })
    ));
    assert!(matches!(
        enc.encode(&[f64::NAN], 4, 0, 1e6),
        Err(Error::NonFiniteValue)
    ));
    assert!(matches!(
        enc.encode(&[1.0], 4, l + 1, 1e6),
        Err(Error::InvalidLevel { .. })
    ));
    // A ciphertext of other parameters.
    let other = setup_other();
    assert!(ev.add(&cx, &other).is_err());
    // A plaintext below the ciphertext's level.
    let pt = enc.encode(&[1.0], slots, 0, s.params.scale(0)).unwrap();
    assert!(matches!(
        ev.mul_plain(&cx, &pt),
        Err(Error::PlaintextLevel { .. })
    ));
}

fn setup_other() -> blindfold_rlwe::Ciphertext {
    let mut s = common::setup_with(tiny(10), 64, &[], 9);
    let l = s.params.max_level();
    s.encrypt(&[C64::real(1.0)], l, false)
}

/// A circuit written once against the trait.
fn circuit<A: SlotAlgebra<Scalar = f64>>(
    alg: &A,
    x: &A::Ct,
    y: &A::Ct,
    w: &[f64],
) -> Result<A::Ct, A::Error> {
    let p = alg.encode(w, alg.level(x))?;
    let a = alg.mul_plain(x, &p)?;
    let b = alg.add(&a, &alg.rotate(y, 3)?)?;
    let c = alg.mul(&b, &alg.rotate(x, -1)?)?;
    let d = alg.mul_scalar(&c, 0.25)?;
    let e = alg.add_scalar(&alg.sub(&d, y)?, 0.5)?;
    let rs = alg.rotate_many(&e, &[1, 2])?;
    let f = alg
        .mul_plain_sum(&[(&rs[0], &p), (&rs[1], &p), (&e, &p)])?
        .unwrap();
    let f = alg.add(&f, &alg.mul_sum(&[(&f, &rs[0]), (&rs[1], &e)])?.unwrap())?;
    let g = alg.square(&f)?;
    let h = alg.drop_to_level(&g, alg.level(&g) - 1)?;
    alg.add(&h, &alg.neg(x)?)
}

#[test]
fn generic_circuit_agrees_with_clear() {
    let slots = 128;
    let mut s = setup(slots, &[3, -1, 1, 2], 6);
    let l = s.params.max_level();
    let x: Vec<f64> = random_values(&mut s.rng, slots, 1.0)
        .iter()
        .map(|z| z.re)
        .collect();
    let y: Vec<f64> = random_values(&mut s.rng, slots, 1.0)
        .iter()
        .map(|z| z.re)
        .collect();
    let w: Vec<f64> = random_values(&mut s.rng, slots, 1.0)
        .iter()
        .map(|z| z.re)
        .collect();
    let clear = blindfold_rlwe::Clear::real(slots, l);
    let want = circuit(
        &clear,
        &clear.encrypt(&x, l).unwrap(),
        &clear.encrypt(&y, l).unwrap(),
        &w,
    )
    .unwrap();
    let cx = s.encrypt(
        &x.iter().map(|&v| C64::real(v)).collect::<Vec<_>>(),
        l,
        false,
    );
    let cy = s.encrypt(
        &y.iter().map(|&v| C64::real(v)).collect::<Vec<_>>(),
        l,
        true,
    );
    let got = circuit(&s.eval, &cx, &cy, &w).unwrap();
    assert_eq!(got.level(), want.level, "levels mirror Clear");
    let want: Vec<C64> = want.values.iter().map(|&v| C64::real(v)).collect();
    let st = precision_stats(&want, &s.decrypt(&got));
    assert!(st.min_bits > 14.0, "{st:?}");
}

#[derive(Clone, Debug)]
enum Op {
    Add,
    Sub,
    Mul,
    MulPlain,
    MulConst(f64, f64),
    AddConst(f64),
    Rotate(i64),
    Conj,
    MulI,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        Just(Op::Add),
        Just(Op::Sub),
        Just(Op::Mul),
        Just(Op::MulPlain),
        (-1.0..1.0f64, -1.0..1.0f64).prop_map(|(a, b)| Op::MulConst(a, b)),
        (-1.0..1.0f64).prop_map(Op::AddConst),
        prop::sample::select(vec![1i64, -1, 7, 16]).prop_map(Op::Rotate),
        Just(Op::Conj),
        Just(Op::MulI),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Random circuits mixing every operation up to the full depth; precision bound for
    /// values in the unit disc with depth d: 40-bit scale minus noise growth.
    #[test]
    fn random_circuits_match_complex_arithmetic(ops in prop::collection::vec(op(), 4..24), seed in 0u8..255, public in any::<bool>()) {
        let slots = 64;
        let mut s = setup(slots, &[1, -1, 7, 16], seed);
        let l = s.params.max_level();
        let x = random_values(&mut s.rng, slots, 1.0);
        let y = random_values(&mut s.rng, slots, 1.0);
        let mut ct = s.encrypt(&x, l, public);
        let cy = s.encrypt(&y, l, !public);
        let mut want = x.clone();
        let ev = s.eval.clone();
        for op in &ops {
            // Keep magnitudes bounded: products are only applied when levels remain.
            let depth_left = ct.level();
            match op {
                Op::Add => { ct = ev.add(&ct, &cy).unwrap(); want = apply(&want, |i, v| v + y[i]); }
                Op::Sub => { ct = ev.sub(&ct, &cy).unwrap(); want = apply(&want, |i, v| v - y[i]); }
                Op::Mul if depth_left > 0 => { ct = ev.mul(&ct, &cy).unwrap(); want = apply(&want, |i, v| v * y[i]); }
                Op::MulPlain if depth_left > 0 => {
                    let pt = ev.encoder().encode_complex(&y, slots, ct.level(), ev.multiplier_scale(&ct)).unwrap();
                    ct = ev.mul_plain(&ct, &pt).unwrap(); want = apply(&want, |i, v| v * y[i]);
                }
                Op::MulConst(a, b) if depth_left > 0 => {
                    let c = C64::new(*a, *b);
                    ct = ev.mul_const(&ct, c).unwrap(); want = apply(&want, |_, v| v * c);
                }
                Op::AddConst(a) => { ct = ev.add_const(&ct, C64::real(*a)).unwrap(); want = apply(&want, |_, v| v + C64::real(*a)); }
                Op::Rotate(k) => { ct = ev.rotate(&ct, *k).unwrap(); want = rotl(&want, *k); }
                Op::Conj => { ct = ev.conjugate(&ct).unwrap(); want = apply(&want, |_, v| v.conj()); }
                Op::MulI => { ct = ev.mul_by_i(&ct).unwrap(); want = apply(&want, |_, v| v * C64::new(0.0, 1.0)); }
                _ => {}
            }
        }
        let got = s.decrypt(&ct);
        let mag = want.iter().map(|v| v.abs()).fold(1.0f64, f64::max);
        let st = precision_stats(&want, &got);
        // Error relative to the largest magnitude reached: at least 15 bits after up to 8
        // products and 24 operations at Δ = 2^40, N = 2^11.
        prop_assert!(st.max_error / mag < 2f64.powi(-15), "{st:?} mag {mag} ops {ops:?}");
    }
}
