//! RNS and key-switching costs at N = 2^16 with the `presets::n16` chain (a 60-bit base prime,
//! 30 primes of 40 bits, 8 special primes of 58 bits, dnum = 3: log2(QP) = 1725), on one and
//! on two threads: NTT of all limbs, the gadget mod-up (base conversion), one key switch,
//! and 8 rotations hoisted vs one by one.

use std::hint::black_box;
use std::sync::Arc;

use blindfold_rlwe::cipher::{apply_galois, apply_galois_hoisted, key_switch};
use blindfold_rlwe::*;
use blindfold_rns::{Coeff, Ntt, Poly, rotation_element, sample};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

struct Setup {
    params: Arc<Parameters>,
    keys: EvaluationKeys,
    ct: Ciphertext,
    poly: Poly<Ntt>,
    elements: Vec<u64>,
}

fn setup() -> Setup {
    let params = Parameters::new(presets::n16()).expect("preset");
    let mut rng = sample::seeded_rng([1; 32]);
    let sk = SecretKey::generate(&params, &mut rng).expect("secret key");
    let elements: Vec<u64> = (1..=8).map(|k| rotation_element(16, k)).collect();
    let keys = KeyGenerator::new(&sk)
        .evaluation_keys(true, &elements, &mut rng)
        .expect("keys");
    let ct = Encryptor::with_secret_key(&sk, 1)
        .encrypt_zero(params.max_level(), &mut rng)
        .expect("ct");
    let poly = ct.parts[1].clone();
    Setup {
        params,
        keys,
        ct,
        poly,
        elements,
    }
}

fn bench(c: &mut Criterion) {
    let s = setup();
    let alpha = s.params.digit_size();
    let rk = s.keys.relin().expect("relin key");
    let gks: Vec<&GaloisKey> = s
        .elements
        .iter()
        .map(|&e| s.keys.galois(e).expect("key"))
        .collect();
    let coeff: Poly<Coeff> = s.poly.clone().into_coeff();
    for threads in [1usize, 2] {
        // Criterion is not Send: each measured call hops into the pool (a few µs, against ms).
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let id = if threads == 1 {
            "1-thread"
        } else {
            "2-threads"
        };
        let mut g = c.benchmark_group("rlwe/n=2^16/ntt-all-limbs");
        g.sample_size(10);
        g.bench_function(id, |b| {
            b.iter_batched(
                || coeff.clone(),
                |p| pool.install(|| black_box(p.into_ntt())),
                BatchSize::LargeInput,
            )
        });
        g.finish();

        let mut g = c.benchmark_group("rlwe/n=2^16/mod-up");
        g.sample_size(10);
        g.bench_function(id, |b| {
            b.iter(|| pool.install(|| black_box(s.poly.decompose_mod_up(alpha).expect("mod-up"))))
        });
        g.finish();

        let mut g = c.benchmark_group("rlwe/n=2^16/key-switch");
        g.sample_size(10);
        g.bench_function(id, |b| {
            b.iter(|| pool.install(|| black_box(key_switch(&s.poly, rk.key(), alpha).expect("ks"))))
        });
        g.finish();

        let mut g = c.benchmark_group("rlwe/n=2^16/8-rotations");
        g.sample_size(10);
        g.bench_function(format!("hoisted-{id}"), |b| {
            b.iter(|| {
                pool.install(|| {
                    black_box(apply_galois_hoisted(&s.params, &s.ct, &gks).expect("rot"))
                })
            })
        });
        g.bench_function(format!("separate-{id}"), |b| {
            b.iter(|| {
                pool.install(|| {
                    for gk in &gks {
                        black_box(apply_galois(&s.params, &s.ct, gk).expect("rot"));
                    }
                })
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
