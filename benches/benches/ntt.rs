//! Forward + inverse + normalization at N = 2^14 and 2^16 for 50- and 60-bit primes:
//! our NTT (best kernel and scalar kernel) against tfhe-ntt on the same prime.
//!
//! Groups are named `ntt/n=2^{logn}/q={bits}bit` with function ids `blindfold`,
//! `blindfold-scalar` and `tfhe-ntt`; `cargo xtask bench` reads them back by these names.
//! Run single-threaded: `taskset -c 0 cargo bench -p blindfold-benches --bench ntt`.

use std::hint::black_box;
use std::time::Duration;

use blindfold_modarith::primes::ntt_primes;
use blindfold_ntt::{Kernel, NttPlan};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn random_poly(n: usize, q: u64, seed: u64) -> Vec<u64> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s % q
        })
        .collect()
}

fn bench_ntt(c: &mut Criterion) {
    for log_n in [14u32, 16] {
        let n = 1usize << log_n;
        for bits in [50u32, 60] {
            let q = ntt_primes(bits, 2 * n as u64, 1, &[]).expect("NTT prime exists")[0];
            let ours = NttPlan::new(n, q).expect("valid parameters");
            let scalar = NttPlan::with_kernel(n, q, Kernel::Scalar).expect("valid parameters");
            let theirs =
                tfhe_ntt::prime64::Plan::try_new(n, q).expect("tfhe-ntt accepts the prime");
            let input = random_poly(n, q, 0x1234_5678 ^ u64::from(bits));

            // Sanity: both libraries round-trip the same data.
            let mut check = input.clone();
            ours.forward(&mut check);
            ours.inverse(&mut check);
            assert_eq!(check, input);
            theirs.fwd(&mut check);
            theirs.inv(&mut check);
            theirs.normalize(&mut check);
            assert_eq!(check, input);

            let mut group = c.benchmark_group(format!("ntt/n=2^{log_n}/q={bits}bit"));
            group.sample_size(30);
            group.warm_up_time(Duration::from_millis(500));
            group.measurement_time(Duration::from_secs(3));
            for (id, plan) in [("blindfold", &ours), ("blindfold-scalar", &scalar)] {
                group.bench_function(id, |b| {
                    b.iter_batched_ref(
                        || input.clone(),
                        |a| {
                            plan.forward(a);
                            plan.inverse(a);
                            black_box(a);
                        },
                        BatchSize::LargeInput,
                    )
                });
            }
            group.bench_function("tfhe-ntt", |b| {
                b.iter_batched_ref(
                    || input.clone(),
                    |a| {
                        theirs.fwd(a);
                        theirs.inv(a);
                        theirs.normalize(a);
                        black_box(a);
                    },
                    BatchSize::LargeInput,
                )
            });
            group.finish();
        }
    }
}

criterion_group!(benches, bench_ntt);
criterion_main!(benches);
