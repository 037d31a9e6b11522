//! A 128 × 128 plaintext matrix times an encrypted vector with Halevi–Shoup diagonals and
//! baby-step/giant-step, at N = 2^16 CKKS (`presets::n16`: 32,768 slots, L = 30), the input
//! replicated with period 128 so the matrix has exactly 128 diagonals. Printed first: the
//! plan (rotations used vs the naive 127, plaintext products, Galois keys), the counts of one
//! run through `Counting`, the error against the plain product, and the one-time costs
//! (keys, encoding the diagonals); then criterion times `apply` at a low and at the top level,
//! next to one rotation at that level (the naive method costs 127 of them).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use blindfold_ckks::{CkksParameters, Evaluator, decrypt, presets};
use blindfold_pack::layout::replicate;
use blindfold_pack::{Bsgs, Counting, InputLayout, LinearTransform, Matrix, Plan};
use blindfold_rlwe::{Encryptor, KeyGenerator, SecretKey, SlotAlgebra};
use blindfold_rns::sample;
use criterion::{Criterion, criterion_group, criterion_main};

const D: usize = 128;

fn bench(c: &mut Criterion) {
    let params = CkksParameters::new(presets::n16()).expect("preset");
    let slots = params.max_slots();
    let mut s = 1u64;
    let mut next = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / (1u64 << 52) as f64 - 1.0
    };
    let m = Matrix::from_fn(D, D, |_, _| next()).expect("matrix");
    let x: Vec<f64> = (0..D).map(|_| next()).collect();
    let layout = InputLayout::Replicated { period: D };
    let lt = LinearTransform::matrix(&m, slots, layout, Bsgs::Auto).expect("transform");
    let plan = lt.plan();
    let zero_padded =
        LinearTransform::matrix(&m, slots, InputLayout::ZeroPadded, Bsgs::Auto).expect("transform");
    println!(
        "pack/matvec{D}: {} diagonals, n1 = {} baby steps: {} rotations ({} baby + {} giant) vs {} \
         naive, {} pt products, depth {}, {} Galois keys (zero-padded input: {} diagonals, {} \
         rotations vs {} naive)",
        plan.diagonals().len(),
        plan.baby_steps(),
        plan.cost().rotations,
        plan.babies().len(),
        plan.giants().len(),
        plan.naive_rotations(),
        plan.cost().pt_mul,
        plan.cost().depth,
        plan.galois_elements(params.log_n()).len(),
        zero_padded.plan().diagonals().len(),
        zero_padded.plan().cost().rotations,
        zero_padded.plan().naive_rotations(),
    );

    let mut rng = sample::seeded_rng([7; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).expect("sk");
    let t = Instant::now();
    let elements: Vec<u64> = plan.galois_elements(params.log_n()).into_iter().collect();
    let keys = KeyGenerator::new(&sk)
        .evaluation_keys(false, &elements, &mut rng)
        .expect("keys");
    println!(
        "pack/matvec{D}: {} rotation keys in {:.1?}",
        elements.len(),
        t.elapsed()
    );
    let ev = Evaluator::new(&params, Arc::new(keys), slots).expect("evaluator");
    let top = params.max_level();
    let input = replicate(&x, D, slots).expect("replicate");
    let want: Vec<f64> = (0..D)
        .map(|i| (0..D).map(|j| m.get(i, j) * x[j]).sum())
        .collect();

    for level in [2, top] {
        let pt = ev
            .encoder()
            .encode(&input, slots, level, params.scale(level))
            .expect("encode");
        let ct = Encryptor::with_secret_key(&sk, 1)
            .encrypt(&pt, &mut rng)
            .expect("encrypt");
        let t = Instant::now();
        let enc = lt.encode(&ev, level).expect("encode diagonals");
        println!(
            "pack/matvec{D}/level={level}: {} diagonals encoded in {:.1?}",
            plan.diagonals().len(),
            t.elapsed()
        );
        let counting = Counting::new(ev.clone());
        let enc_c = lt.encode(&counting, level).expect("encode diagonals");
        let out = enc_c.apply(&counting, &ct).expect("apply");
        let counts = counting.counts();
        let y = ev
            .encoder()
            .decode(&decrypt(&sk, &out).expect("decrypt"), slots)
            .expect("decode");
        let err = (0..D).map(|i| (y[i] - want[i]).abs()).fold(0.0, f64::max);
        println!(
            "pack/matvec{D}/level={level}: ran {} rotations in {} hoisted batch, {} pt products in \
             {} sums, output level {}, max |error| {err:.1e}",
            counts.rotations,
            counts.hoisted_batches,
            counts.pt_mul,
            counts.pt_mul_sums,
            ev.level(&out),
        );
        assert!(err < 1e-5, "matvec error {err}");
        assert_eq!(counts.cost(level), plan.cost());

        for threads in [1usize, 2] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool");
            let mut g = c.benchmark_group(format!("pack/matvec{D}/n=2^16/{threads}-thread"));
            g.sample_size(10);
            g.bench_function(format!("bsgs/level={level}"), |b| {
                b.iter(|| pool.install(|| black_box(enc.apply(&ev, &ct).expect("apply"))))
            });
            // One key-switched rotation at the same level: the naive method needs 127.
            g.bench_function(format!("rotate-1/level={level}"), |b| {
                b.iter(|| pool.install(|| black_box(ev.rotate(&ct, 1).expect("rotate"))))
            });
            g.finish();
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
