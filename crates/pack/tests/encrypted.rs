//! The same transforms on CKKS (within the precision budget) and BGV (exactly), at small
//! insecure parameters, with Galois keys generated only for the plan's rotations.

use std::sync::Arc;

use blindfold_bgv::{BgvParameters, BgvParametersLiteral};
use blindfold_ckks::{CkksParameters, presets};
use blindfold_pack::layout::replicate;
use blindfold_pack::{
    BlockLayout, Bsgs, Counting, InputLayout, LinearTransform, Matrix, Plan, Sequence,
};
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{Encryptor, KeyGenerator, ParametersLiteral, SecretKey, SlotAlgebra};
use blindfold_rns::sample;

fn unit(seed: u64, n: usize) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        })
        .collect()
}

#[test]
fn ckks_matvec_transpose_and_row_sums() {
    let params = CkksParameters::insecure_for_tests(presets::insecure_test()).unwrap();
    let slots = params.max_slots();
    let m = Matrix::new(32, 48, unit(1, 32 * 48)).unwrap();
    let sq = Matrix::new(64, 64, unit(2, 64 * 64)).unwrap();
    let layout = BlockLayout::new(8, 48, slots).unwrap();
    let lt = LinearTransform::matrix(&m, slots, InputLayout::ZeroPadded, Bsgs::Auto).unwrap();
    let ltt =
        LinearTransform::matrix_transpose(&m, slots, InputLayout::ZeroPadded, Bsgs::BabySteps(5))
            .unwrap();
    let rep = InputLayout::Replicated { period: 64 };
    let lsq = LinearTransform::matrix(&sq, slots, rep, Bsgs::LogRatio(1)).unwrap();
    let rows = layout.sum_within_blocks();
    let all = Sequence::new()
        .then(lt.plan())
        .then(ltt.plan())
        .then(lsq.plan())
        .then(&rows);

    let mut rng = sample::seeded_rng([3; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let elements: Vec<u64> = all.galois_elements(params.log_n()).into_iter().collect();
    let keys = kg.evaluation_keys(true, &elements, &mut rng).unwrap();
    let ev = blindfold_ckks::Evaluator::new(&params, Arc::new(keys), slots).unwrap();
    let alg = Counting::new(ev);
    let top = alg.max_level();
    let encrypt = |v: &[f64]| {
        let pt = alg
            .inner()
            .encoder()
            .encode(v, slots, top, params.scale(top))
            .unwrap();
        Encryptor::with_secret_key(&sk, 1)
            .encrypt(&pt, &mut sample::seeded_rng([9; 32]))
            .unwrap()
    };
    let decrypt = |ct: &blindfold_rlwe::Ciphertext| {
        let pt = blindfold_ckks::decrypt(&sk, ct).unwrap();
        alg.inner().encoder().decode(&pt, slots).unwrap()
    };

    // (transform, its matrix, slot input, logical input).
    type Case<'a> = (&'a LinearTransform<f64>, Matrix<f64>, Vec<f64>, Vec<f64>);
    let cases: [Case<'_>; 3] = {
        let x = unit(3, 48);
        let z = unit(4, 32);
        let w = unit(5, 64);
        [
            (&lt, m.clone(), x.clone(), x),
            (&ltt, m.transpose(), z.clone(), z),
            (&lsq, sq.clone(), replicate(&w, 64, slots).unwrap(), w),
        ]
    };
    for (t, mat, input, x) in cases {
        let enc = t.encode(&alg, top - 1).unwrap();
        let ct = encrypt(&input);
        alg.reset();
        let out = enc.apply(&alg, &ct).unwrap();
        assert_eq!(alg.counts().cost(top - 1), t.plan().cost());
        assert_eq!(alg.counts().offsets, t.plan().rotations_needed());
        assert_eq!(alg.level(&out), top - 2);
        let y = decrypt(&out);
        for (i, &yi) in y.iter().enumerate() {
            let want = if i < mat.rows() {
                (0..mat.cols()).map(|j| mat.get(i, j) * x[j]).sum()
            } else {
                0.0
            };
            assert!((yi - want).abs() < 1e-6, "slot {i}: {yi} vs {want}");
        }
    }

    // Row sums of a packed 8 × 48 matrix, log2(64) = 6 rotations, no level.
    let small = Matrix::new(8, 48, unit(6, 8 * 48)).unwrap();
    let ct = encrypt(&layout.pack(&small).unwrap());
    alg.reset();
    let s = decrypt(&rows.apply(&alg, &ct).unwrap());
    assert_eq!(alg.counts().rotations, 6);
    for i in 0..8 {
        let want: f64 = small.row(i).iter().sum();
        assert!((s[layout.slot(i, 0)] - want).abs() < 1e-6);
    }
}

#[test]
fn bgv_integer_matvec_is_exact() {
    let lit = BgvParametersLiteral {
        rlwe: ParametersLiteral {
            log_n: 11,
            log_q: vec![45, 36, 36, 36],
            log_p: vec![45, 45],
            dnum: 3,
            secret: SecretDistribution::Ternary,
            sigma: sample::SIGMA,
            security: SecurityLevel::Classical128,
        },
        t: 65537,
    };
    let params = BgvParameters::insecure_for_tests(lit).unwrap();
    let slots = params.n() / 2;
    let m = Matrix::from_fn(40, 24, |i, j| ((i * 13 + j * 7) % 201) as i64 - 100).unwrap();
    let lt = LinearTransform::matrix(&m, slots, InputLayout::ZeroPadded, Bsgs::Auto).unwrap();
    let ltt = LinearTransform::matrix_transpose(
        &m,
        slots,
        InputLayout::Replicated { period: 64 },
        Bsgs::BabySteps(6),
    )
    .unwrap();
    let all = Sequence::new().then(lt.plan()).then(ltt.plan());

    let mut rng = sample::seeded_rng([4; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).unwrap();
    let kg = KeyGenerator::new(&sk);
    let elements: Vec<u64> = all.galois_elements(params.log_n()).into_iter().collect();
    let keys = kg.evaluation_keys(true, &elements, &mut rng).unwrap();
    let alg = Counting::new(blindfold_bgv::Evaluator::new(&params, Arc::new(keys)));
    let encr = blindfold_bgv::Encryptor::with_secret_key(&params, &sk).unwrap();
    let dec = blindfold_bgv::Decryptor::new(&params, &sk).unwrap();
    let top = alg.max_level();
    let t = params.t() as i128;
    let center = |v: i128| {
        let r = v.rem_euclid(t);
        (if 2 * r > t { r - t } else { r }) as i64
    };

    let x: Vec<i64> = (0..24).map(|j| j * 1000 - 12000).collect();
    let z: Vec<i64> = (0..40).map(|i| 30000 - i * 1500).collect();
    for (tr, mat, input, v) in [
        (&lt, m.clone(), x.clone(), x),
        (&ltt, m.transpose(), replicate(&z, 64, slots).unwrap(), z),
    ] {
        let enc = tr.encode(&alg, top).unwrap();
        let pt = alg.inner().encode_replicated(&input, top).unwrap();
        let ct = encr.encrypt(&pt, &mut rng).unwrap();
        alg.reset();
        let out = enc.apply(&alg, &ct).unwrap();
        assert_eq!(alg.counts().cost(top), tr.plan().cost());
        assert_eq!(alg.level(&out), top - 1);
        let y = dec.decrypt_replicated(&out).unwrap();
        for (i, &yi) in y.iter().enumerate() {
            let want = if i < mat.rows() {
                center(
                    (0..mat.cols())
                        .map(|j| mat.get(i, j) as i128 * v[j] as i128)
                        .sum(),
                )
            } else {
                0
            };
            assert_eq!(yi, want, "slot {i}");
        }
    }
}
