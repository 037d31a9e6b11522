//! CKKS operation costs (threads: rayon's global pool) at the shapes OpenFHE was measured with
//! (`../shared/peers.md`): N = 2^16 with depth 20 (60-bit base prime, 20 × 50-bit scale
//! primes, 7 special primes, dnum 3: 21 Q + 7 P primes like OpenFHE's HYBRID), N = 2^16 with
//! L = 24 levels of 40 bits, and N = 2^14 (60 + 6 × 40, dnum 4). Ciphertexts at the top level.

use std::hint::black_box;
use std::sync::Arc;

use blindfold_ckks::{CkksParameters, Evaluator, decrypt, presets};
use blindfold_rlwe::{Ciphertext, Encryptor, KeyGenerator, ParametersLiteral, SecretKey};
use blindfold_rns::sample;
use criterion::{Criterion, criterion_group, criterion_main};

fn bench_preset(c: &mut Criterion, name: &str, lit: ParametersLiteral) {
    let params = CkksParameters::new(lit).expect("preset");
    let slots = params.max_slots();
    let mut rng = sample::seeded_rng([3; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).expect("sk");
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng).expect("pk");
    let rotations: Vec<i64> = (1..=8).collect();
    let elements = blindfold_ckks::rotation_elements(&params, slots, &rotations);
    let keys = kg.evaluation_keys(true, &elements, &mut rng).expect("keys");
    let eval = Evaluator::new(&params, Arc::new(keys), slots).expect("evaluator");
    let l = params.max_level();
    let values: Vec<f64> = (0..slots).map(|i| (i as f64 * 0.001).sin()).collect();
    let pt = eval
        .encoder()
        .encode(&values, slots, l, params.scale(l))
        .expect("encode");
    let enc = Encryptor::with_public_key(params.rlwe(), &pk, 1);
    let a: Ciphertext = enc.encrypt(&pt, &mut rng).expect("ct");
    let b: Ciphertext = enc.encrypt(&pt, &mut rng).expect("ct");
    let prod = eval.mul_relin(&a, &b).expect("mul");
    // Threads: rayon's global pool (`cargo xtask bench ckks --threads N` pins and sizes it).
    let mut group = |op: &str, f: &mut dyn FnMut()| {
        let mut g = c.benchmark_group(format!("ckks/{name}/{op}"));
        g.sample_size(10);
        g.bench_function("blindfold", |b| b.iter(&mut *f));
        g.finish();
    };
    group("encode", &mut || {
        black_box(
            eval.encoder()
                .encode(&values, slots, l, params.scale(l))
                .expect("encode"),
        );
    });
    let mut r = sample::seeded_rng([5; 32]);
    group("encrypt-pk", &mut || {
        drop(black_box(enc.encrypt(&pt, &mut r).expect("ct")))
    });
    group("add", &mut || {
        drop(black_box(eval.add(&a, &b).expect("add")))
    });
    group("mul-plain", &mut || {
        drop(black_box(eval.mul_plain_no_rescale(&a, &pt).expect("mul")))
    });
    group("mul+relin", &mut || {
        drop(black_box(eval.mul_relin(&a, &b).expect("mul")))
    });
    group("rescale", &mut || {
        drop(black_box(eval.rescale(&prod).expect("rescale")))
    });
    group("rotate", &mut || {
        drop(black_box(eval.rotate(&a, 1).expect("rotate")))
    });
    group("rotate-8-hoisted", &mut || {
        drop(black_box(
            eval.rotate_hoisted(&a, &rotations).expect("rotate"),
        ))
    });
    group("decrypt+decode", &mut || {
        let m = decrypt(&sk, &a).expect("decrypt");
        black_box(eval.encoder().decode(&m, slots).expect("decode"));
    });
}

/// A named parameter preset.
type Preset = (&'static str, fn() -> ParametersLiteral);

fn bench(c: &mut Criterion) {
    let only = std::env::var("BLINDFOLD_CKKS_PRESETS").unwrap_or_default();
    let all: [Preset; 3] = [
        ("n16-depth20", presets::n16_depth20),
        ("n16-depth24", presets::n16_depth24),
        ("n14", presets::n14),
    ];
    for (name, lit) in all {
        if only.is_empty() || only.split(',').any(|s| s == name) {
            bench_preset(c, name, lit());
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
