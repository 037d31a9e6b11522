//! The Volley Revolver products of one transfer-learning iteration at N = 2^16 CKKS
//! (`presets::n16_scale55`, 32,768 slots): scores X·Wᵀ with X 128 × 512 and W 10 × 512,
//! and the gradient product Eᵀ·X. Printed first: the plans' rotations and products against
//! Chiang's ≈ 3,040 rotations and ≈ 421 ct × ct products per iteration, and the error of
//! both products against the plain matrix products; then criterion times each product
//! (threads: rayon's global pool, `cargo xtask bench volley --threads N`).

use std::hint::black_box;
use std::sync::Arc;

use blindfold_ckks::{CkksParameters, Evaluator, decrypt, presets};
use blindfold_pack::volley::{self, RotationStyle, Stage, VolleyLayout, VolleyShape};
use blindfold_pack::{Matrix, Plan};
use blindfold_rlwe::{Encryptor, KeyGenerator, SecretKey};
use blindfold_rns::sample;
use criterion::{Criterion, criterion_group, criterion_main};

const SHAPE: VolleyShape = VolleyShape {
    rows: 128,
    cols: 512,
    classes: 10,
};

fn bench(c: &mut Criterion) {
    let params = CkksParameters::new(presets::n16_scale55()).expect("preset");
    let slots = params.max_slots();
    let layout = VolleyLayout::new(SHAPE, slots).expect("layout");
    let style = RotationStyle::Chain;
    for (name, stages) in [
        ("cycle X (once per dataset)", vec![Stage::Cycle]),
        ("scores X·Wᵀ", vec![Stage::Product]),
        ("gradient Eᵀ·X", vec![Stage::Transpose]),
        (
            "one iteration (scores + gradient)",
            vec![Stage::Product, Stage::Transpose],
        ),
    ] {
        let cost = layout.plan_stages(&stages, style).cost();
        println!(
            "volley/{name}: {} rotations, {} ct x ct, {} ct x pt, depth {}",
            cost.rotations, cost.ct_mul, cost.pt_mul, cost.depth
        );
    }
    println!("Chiang 2023, per iteration: ~3040 rotations, ~421 ct x ct");

    let mut s = 9u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 52) as f64 - 0.5
    };
    let x = Matrix::from_fn(SHAPE.rows, SHAPE.cols, |_, _| next()).expect("X");
    let w = Matrix::from_fn(SHAPE.classes, SHAPE.cols, |_, _| next()).expect("W");
    let e = Matrix::from_fn(SHAPE.rows, SHAPE.classes, |_, _| next()).expect("E");

    let mut rng = sample::seeded_rng([11; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).expect("sk");
    let all = layout.plan_stages(&[Stage::Cycle, Stage::Product, Stage::Transpose], style);
    let elements: Vec<u64> = all.galois_elements(params.log_n()).into_iter().collect();
    let keys = KeyGenerator::new(&sk)
        .evaluation_keys(true, &elements, &mut rng)
        .expect("keys");
    let eval = Evaluator::new(&params, Arc::new(keys), slots).expect("evaluator");
    let depth = layout.plan_stages(&[Stage::Product], style).cost().depth
        + layout.plan_stages(&[Stage::Transpose], style).cost().depth;
    let level = depth.min(params.max_level());
    let enc = Encryptor::with_secret_key(&sk, 1);
    let encrypt = |vs: Vec<Vec<f64>>| -> Vec<_> {
        let mut r = sample::seeded_rng([12; 32]);
        vs.iter()
            .map(|v| {
                let pt = eval
                    .encoder()
                    .encode(v, slots, level, params.scale(level))
                    .expect("encode");
                enc.encrypt(&pt, &mut r).expect("encrypt")
            })
            .collect()
    };
    let xs = encrypt(layout.encode_a(&x).expect("X layout"));
    let ws = encrypt(layout.encode_b(&w).expect("W layout"));
    let es = encrypt(layout.encode_scores(&e).expect("E layout"));
    let cycled = volley::cycle(&eval, &layout, style, &xs).expect("cycle");

    // Errors against the plain products.
    let dec = |cts: &[blindfold_rlwe::Ciphertext]| -> Vec<Vec<f64>> {
        cts.iter()
            .map(|ct| {
                let m = decrypt(&sk, ct).expect("decrypt");
                eval.encoder().decode(&m, slots).expect("decode")
            })
            .collect()
    };
    let scores = volley::product(&eval, &layout, &cycled, &ws).expect("product");
    let got = layout.decode_scores(&dec(&scores)).expect("scores");
    let mut err = 0.0f64;
    for i in 0..SHAPE.rows {
        for k in 0..SHAPE.classes {
            let want: f64 = (0..SHAPE.cols).map(|j| x.get(i, j) * w.get(k, j)).sum();
            err = err.max((got.get(i, k) - want).abs());
        }
    }
    let grad = volley::transposed_product(&eval, &layout, style, &cycled, &es).expect("grad");
    let got = layout.decode_b(&dec(&grad)).expect("gradient");
    let mut gerr = 0.0f64;
    for k in 0..SHAPE.classes {
        for j in 0..SHAPE.cols {
            let want: f64 = (0..SHAPE.rows).map(|i| e.get(i, k) * x.get(i, j)).sum();
            gerr = gerr.max((got.get(k, j) - want).abs());
        }
    }
    println!("volley: max |error| scores {err:.2e}, gradient {gerr:.2e} (level {level} start)");

    let mut g = c.benchmark_group("volley/scores-XWt");
    g.sample_size(10);
    g.bench_function("blindfold", |b| {
        b.iter(|| black_box(volley::product(&eval, &layout, &cycled, &ws).expect("product")))
    });
    g.finish();
    let mut g = c.benchmark_group("volley/gradient-EtX");
    g.sample_size(10);
    g.bench_function("blindfold", |b| {
        b.iter(|| {
            black_box(
                volley::transposed_product(&eval, &layout, style, &cycled, &es).expect("grad"),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
