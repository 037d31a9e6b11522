//! Random circuits on encrypted slots against the same arithmetic on plaintext vectors
//! modulo t (exact equality), and one generic circuit through `SlotAlgebra` on
//! `Clear::integer` and on BGV.

mod common;

use std::sync::Arc;

use blindfold_bgv::*;
use blindfold_rlwe::{Ciphertext, Clear, ClearCt, SlotAlgebra};
use blindfold_rns::sample;
use common::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Add(usize, usize),
    Sub(usize, usize),
    Neg(usize),
    Mul(usize, usize),
    Square(usize),
    MulRelinThenSwitch(usize, usize),
    MulPlain(usize, u64),
    AddPlain(usize, u64),
    SubPlain(usize, u64),
    MulScalar(usize, i64),
    AddScalar(usize, i64),
    Rotate(usize, usize),
    RotateHoisted(usize),
    SwapRows(usize),
    ModSwitch(usize),
    PlainLevel(usize, u64, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let i = 0usize..64;
    prop_oneof![
        1 => (i.clone(), i.clone()).prop_map(|(a, b)| Op::Add(a, b)),
        1 => (i.clone(), i.clone()).prop_map(|(a, b)| Op::Sub(a, b)),
        1 => i.clone().prop_map(Op::Neg),
        3 => (i.clone(), i.clone()).prop_map(|(a, b)| Op::Mul(a, b)),
        1 => i.clone().prop_map(Op::Square),
        1 => (i.clone(), i.clone()).prop_map(|(a, b)| Op::MulRelinThenSwitch(a, b)),
        1 => (i.clone(), any::<u64>()).prop_map(|(a, s)| Op::MulPlain(a, s)),
        1 => (i.clone(), any::<u64>()).prop_map(|(a, s)| Op::AddPlain(a, s)),
        1 => (i.clone(), any::<u64>()).prop_map(|(a, s)| Op::SubPlain(a, s)),
        1 => (i.clone(), any::<i64>()).prop_map(|(a, c)| Op::MulScalar(a, c)),
        1 => (i.clone(), -1000i64..1000).prop_map(|(a, c)| Op::MulScalar(a, c)),
        1 => (i.clone(), any::<i64>()).prop_map(|(a, c)| Op::AddScalar(a, c)),
        1 => (i.clone(), 0usize..ROTATIONS.len()).prop_map(|(a, r)| Op::Rotate(a, r)),
        1 => i.clone().prop_map(Op::RotateHoisted),
        1 => i.clone().prop_map(Op::SwapRows),
        1 => i.clone().prop_map(Op::ModSwitch),
        1 => (i.clone(), any::<u64>(), 0usize..5).prop_map(|(a, s, l)| Op::PlainLevel(a, s, l)),
    ]
}

/// Values of a plaintext operand drawn from `seed`.
fn plain_values(seed: u64, n: usize, t: u64) -> Vec<u64> {
    let mut rng = sample::seeded_rng([(seed % 251) as u8; 32]);
    (0..n)
        .map(|i| {
            let r = rand_core::RngCore::next_u64(&mut rng);
            // Mix small and full-range values.
            if i % 3 == 0 { r % 8 } else { r % t }
        })
        .collect()
}

fn run_circuit(ops: &[Op], public_key: bool, seed: u8) -> Result<(), TestCaseError> {
    let k = small();
    let params = &k.params;
    let (n, t, top) = (params.n(), params.t(), params.max_level());
    let ev = Evaluator::new(params, Arc::clone(&k.eval_keys));
    let enc = ev.encoder();
    let dec = Decryptor::new(params, &k.sk).unwrap();
    let mut rng = sample::seeded_rng([seed; 32]);
    let encryptor = if public_key {
        Encryptor::with_public_key(params, &k.pk)
    } else {
        Encryptor::with_secret_key(params, &k.sk).unwrap()
    };
    let mut pool: Vec<(Ciphertext, Vec<u64>)> = Vec::new();
    for s in 0..2u64 {
        let v = plain_values(seed as u64 * 7 + s, n, t);
        let ct = encryptor
            .encrypt(&enc.encode_unsigned(&v, top).unwrap(), &mut rng)
            .unwrap();
        pool.push((ct, v));
    }
    for op in ops {
        let pick = |i: usize| &pool[i % pool.len()];
        let result: Result<(Ciphertext, Vec<u64>), Error> = (|| {
            Ok(match *op {
                Op::Add(a, b) => {
                    let ((x, u), (y, v)) = (pick(a), pick(b));
                    (ev.add(x, y)?, zip(u, v, t, |p, q| p + q))
                }
                Op::Sub(a, b) => {
                    let ((x, u), (y, v)) = (pick(a), pick(b));
                    (ev.sub(x, y)?, zip(u, v, t, |p, q| p + t as u128 - q))
                }
                Op::Neg(a) => {
                    let (x, u) = pick(a);
                    (ev.neg(x)?, u.iter().map(|&p| (t - p) % t).collect())
                }
                Op::Mul(a, b) => {
                    let ((x, u), (y, v)) = (pick(a), pick(b));
                    (ev.mul(x, y)?, zip(u, v, t, |p, q| p * q))
                }
                Op::Square(a) => {
                    let (x, u) = pick(a);
                    (ev.square(x)?, zip(u, u, t, |p, q| p * q))
                }
                Op::MulRelinThenSwitch(a, b) => {
                    let ((x, u), (y, v)) = (pick(a), pick(b));
                    if x.level().min(y.level()) == 0 {
                        return Err(Error::OutOfLevels { op: "mul" });
                    }
                    let p = ev.mul_relin(x, y)?;
                    (ev.mod_switch(&p)?, zip(u, v, t, |p, q| p * q))
                }
                Op::MulPlain(a, s) => {
                    let (x, u) = pick(a);
                    let w = plain_values(s, n, t);
                    let pt = enc.encode_unsigned(&w, top)?;
                    (ev.mul_plain(x, &pt)?, zip(u, &w, t, |p, q| p * q))
                }
                Op::AddPlain(a, s) | Op::PlainLevel(a, s, _) => {
                    let (x, u) = pick(a);
                    let w = plain_values(s, n, t);
                    let level = match *op {
                        Op::PlainLevel(_, _, l) => l,
                        _ => top,
                    };
                    let pt = enc.encode_unsigned(&w, level)?;
                    let r = ev.add_plain(x, &pt)?;
                    assert_eq!(r.level(), x.level().min(level));
                    (r, zip(u, &w, t, |p, q| p + q))
                }
                Op::SubPlain(a, s) => {
                    let (x, u) = pick(a);
                    let w = plain_values(s, n, t);
                    let pt = enc.encode_unsigned(&w, top)?;
                    (
                        ev.sub_plain(x, &pt)?,
                        zip(u, &w, t, |p, q| p + t as u128 - q),
                    )
                }
                Op::MulScalar(a, c) => {
                    let (x, u) = pick(a);
                    let c = signed_mod(c, t);
                    let r = ev.mul_scalar(x, c as i64)?;
                    assert_eq!(r.level(), x.level(), "scalars keep the level");
                    (
                        r,
                        u.iter()
                            .map(|&p| (p as u128 * c as u128 % t as u128) as u64)
                            .collect(),
                    )
                }
                Op::AddScalar(a, c) => {
                    let (x, u) = pick(a);
                    let c = signed_mod(c, t);
                    (
                        ev.add_scalar(x, c as i64)?,
                        u.iter().map(|&p| (p + c) % t).collect(),
                    )
                }
                Op::Rotate(a, r) => {
                    let (x, u) = pick(a);
                    (
                        ev.rotate_rows(x, ROTATIONS[r])?,
                        rotate_rows(u, ROTATIONS[r]),
                    )
                }
                Op::RotateHoisted(a) => {
                    let (x, u) = pick(a);
                    let all = ev.rotate_rows_hoisted(x, &ROTATIONS)?;
                    for (ct, &k) in all.iter().zip(&ROTATIONS).skip(1) {
                        assert_eq!(dec.decrypt_unsigned(ct).unwrap(), rotate_rows(u, k));
                    }
                    (all[0].clone(), rotate_rows(u, ROTATIONS[0]))
                }
                Op::SwapRows(a) => {
                    let (x, u) = pick(a);
                    (ev.rotate_columns(x)?, swap_rows(u))
                }
                Op::ModSwitch(a) => {
                    let (x, u) = pick(a);
                    (ev.mod_switch(x)?, u.clone())
                }
            })
        })();
        match result {
            Ok((ct, want)) => {
                let got = dec
                    .decrypt_unsigned(&ct)
                    .map_err(|e| TestCaseError::fail(format!("{op:?}: {e}")))?;
                prop_assert_eq!(&got, &want, "{:?}", op);
                pool.push((ct, want));
            }
            // Products and switches of level-0 operands are refused, nothing else is.
            Err(Error::OutOfLevels { .. }) => {}
            Err(e) => return Err(TestCaseError::fail(format!("{op:?}: {e}"))),
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn random_circuits_secret_key(ops in proptest::collection::vec(op(), 1..24), seed in any::<u8>()) {
        run_circuit(&ops, false, seed)?;
    }

    #[test]
    fn random_circuits_public_key(ops in proptest::collection::vec(op(), 1..24), seed in any::<u8>()) {
        run_circuit(&ops, true, seed)?;
    }

    /// One circuit written against the trait: the same values and levels on `Clear` and on
    /// BGV, down to level 0.
    #[test]
    fn slot_algebra_matches_clear(
        xs in proptest::collection::vec(any::<i64>(), 1..=1024),
        ys in proptest::collection::vec(-100i64..100, 1..=1024),
        c in any::<i64>(),
        small_c in -30i64..30,
        k in 0usize..ROTATIONS.len(),
    ) {
        let keys = small();
        let ev = Evaluator::new(&keys.params, Arc::clone(&keys.eval_keys));
        let (slots, top, t) = (ev.slots(), SlotAlgebra::max_level(&ev), keys.params.t());
        prop_assert_eq!(slots, 1024);
        let clear = Clear::integer(slots, top, t);
        let want = generic(&clear, &clear.encrypt(&xs, top).unwrap(), &clear.encrypt(&ys, top - 1).unwrap(), c, small_c, ROTATIONS[k]).unwrap();
        let mut rng = sample::seeded_rng([11; 32]);
        let encryptor = Encryptor::with_secret_key(&keys.params, &keys.sk).unwrap();
        let x = encryptor.encrypt(&SlotAlgebra::encode(&ev, &xs, top).unwrap(), &mut rng).unwrap();
        let y = encryptor.encrypt(&SlotAlgebra::encode(&ev, &ys, top - 1).unwrap(), &mut rng).unwrap();
        let got = generic(&ev, &x, &y, c, small_c, ROTATIONS[k]).unwrap();
        let dec = Decryptor::new(&keys.params, &keys.sk).unwrap();
        prop_assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            prop_assert_eq!(SlotAlgebra::level(&ev, g), w.level);
            prop_assert_eq!(&dec.decrypt_replicated(g).unwrap(), &w.values);
        }
    }
}

/// Exercises every `SlotAlgebra` method; returns intermediate results to compare.
fn generic<A: SlotAlgebra<Scalar = i64>>(
    alg: &A,
    x: &A::Ct,
    y: &A::Ct,
    c: i64,
    small_c: i64,
    k: i64,
) -> Result<Vec<A::Ct>, A::Error> {
    let mut out = Vec::new();
    let top = alg.max_level();
    let s = alg.add(x, y)?; // x at top, y one below: matched down
    out.push(s.clone());
    let r = alg.rotate(x, k)?;
    let p = alg.mul(&s, &r)?;
    out.push(p.clone());
    let q = alg.mul_scalar(&p, c)?;
    let q = alg.add_scalar(&q, small_c)?;
    out.push(q.clone());
    let w = alg.encode(&[3, -1, 4, -1, 5], top)?;
    let v = alg.encode(&[2, 7, -1, 8], top - 2)?;
    let m = alg.mul_plain(x, &w)?;
    out.push(m.clone());
    let m2 = alg.mul_plain(x, &v)?; // plaintext below the ciphertext
    out.push(m2.clone());
    let d = alg.sub(&alg.add_plain(&m, &w)?, &alg.neg(&q)?)?;
    out.push(d.clone());
    let rs = alg.rotate_many(&d, &[1, -3, 0, 100])?;
    out.extend(rs.iter().cloned());
    let sum = alg
        .mul_plain_sum(&[(&rs[0], &w), (&rs[1], &v), (&p, &w), (&x.clone(), &w)])?
        .expect("non-empty");
    out.push(sum.clone());
    let sq = alg.square(&sum)?;
    out.push(sq.clone());
    // Products of operands at different levels and with different histories.
    let ms = alg
        .mul_sum(&[(x, y), (&r, &d), (&s, &s), (&p, &q)])?
        .expect("non-empty");
    out.push(ms);
    let lowered = alg.drop_to_level(&sq, 0)?;
    out.push(lowered.clone());
    out.push(alg.add(&lowered, &alg.mul_scalar(x, small_c)?)?);
    Ok(out)
}

#[test]
fn slot_algebra_errors_mirror_clear() {
    let keys = small();
    let ev = Evaluator::new(&keys.params, Arc::clone(&keys.eval_keys));
    let clear: Clear<i64> = Clear::integer(1024, 4, keys.params.t());
    let mut rng = sample::seeded_rng([12; 32]);
    let encryptor = Encryptor::with_secret_key(&keys.params, &keys.sk).unwrap();
    let x = encryptor
        .encrypt(&SlotAlgebra::encode(&ev, &[1, 2], 0).unwrap(), &mut rng)
        .unwrap();
    let cx: ClearCt<i64> = clear.encrypt(&[1, 2], 0).unwrap();
    assert!(SlotAlgebra::mul(&clear, &cx, &cx).is_err());
    assert_eq!(
        SlotAlgebra::mul(&ev, &x, &x),
        Err(Error::OutOfLevels { op: "mul" })
    );
    let pt = SlotAlgebra::encode(&ev, &[1], 0).unwrap();
    assert_eq!(
        SlotAlgebra::mul_plain(&ev, &x, &pt),
        Err(Error::OutOfLevels { op: "mul_plain" })
    );
    assert_eq!(
        SlotAlgebra::mul_plain_sum(&ev, &[(&x, &pt)]),
        Err(Error::OutOfLevels { op: "mul_plain" })
    );
    assert_eq!(SlotAlgebra::mul_plain_sum(&ev, &[]), Ok(None));
    assert_eq!(SlotAlgebra::mul_sum(&ev, &[]), Ok(None));
    assert_eq!(
        SlotAlgebra::mul_sum(&ev, &[(&x, &x)]),
        Err(Error::OutOfLevels { op: "mul" })
    );
    assert!(matches!(
        SlotAlgebra::encode(&ev, &[0; 1025], 0),
        Err(Error::TooManyValues {
            values: 1025,
            slots: 1024
        })
    ));
    assert!(matches!(
        SlotAlgebra::drop_to_level(&ev, &x, 1),
        Err(Error::InvalidLevel { level: 1, max: 0 })
    ));
    // No bootstrapping for BGV: the mirror without a refresh level fails the same way.
    assert_eq!(SlotAlgebra::refresh_level(&ev), None);
    assert_eq!(
        SlotAlgebra::refresh(&ev, &x),
        Err(Error::Unsupported { op: "refresh" })
    );
    assert!(SlotAlgebra::refresh(&clear, &cx).is_err());
}
