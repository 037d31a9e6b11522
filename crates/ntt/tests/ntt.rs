//! NTT plans against independent references: u128 schoolbook products, direct polynomial
//! evaluation at the odd powers of psi, closed forms for monomials.

use blindfold_modarith::primes::ntt_primes;
use blindfold_ntt::{Error, Kernel, MAX_DEGREE, MIN_DEGREE, ModulusIssue, NttPlan};
use proptest::prelude::*;

type Transform = fn(&NttPlan, &mut [u64]);

fn kernels() -> Vec<Kernel> {
    [Kernel::Scalar, Kernel::Avx2]
        .into_iter()
        .filter(|k| k.is_available())
        .collect()
}

fn bitrev(i: usize, log_n: u32) -> usize {
    i.reverse_bits() >> (usize::BITS - log_n)
}

fn mulmod(a: u64, b: u64, q: u64) -> u64 {
    (a as u128 * b as u128 % q as u128) as u64
}

fn powmod(mut b: u64, mut e: u64, q: u64) -> u64 {
    let mut acc = 1 % q;
    while e > 0 {
        if e & 1 == 1 {
            acc = mulmod(acc, b, q);
        }
        b = mulmod(b, b, q);
        e >>= 1;
    }
    acc
}

/// `a * b mod (X^N + 1, q)` by the schoolbook method in u128.
fn negacyclic_schoolbook(a: &[u64], b: &[u64], q: u64) -> Vec<u64> {
    let n = a.len();
    let q128 = q as u128;
    let mut pos = vec![0u128; n];
    let mut neg = vec![0u128; n];
    for i in 0..n {
        for j in 0..n {
            let p = a[i] as u128 * b[j] as u128 % q128;
            if i + j < n {
                pos[i + j] = (pos[i + j] + p) % q128;
            } else {
                neg[i + j - n] = (neg[i + j - n] + p) % q128;
            }
        }
    }
    (0..n)
        .map(|k| ((pos[k] + q128 - neg[k]) % q128) as u64)
        .collect()
}

/// `a(x) mod q` by Horner's rule in u128.
fn eval(a: &[u64], x: u64, q: u64) -> u64 {
    a.iter().rev().fold(0u64, |acc, &c| {
        ((acc as u128 * x as u128 + c as u128) % q as u128) as u64
    })
}

/// A prime of `bits` bits that is 1 mod 2N (the `idx`-th largest).
fn prime(bits: u32, n: usize, idx: usize) -> u64 {
    ntt_primes(bits, 2 * n as u64, idx + 1, &[]).unwrap()[idx]
}

/// (log N, q) with q an NTT prime of 20..=62 bits.
fn params(max_log_n: u32) -> impl Strategy<Value = (u32, u64)> {
    (4u32..=max_log_n, 20u32..=62, 0usize..3)
        .prop_map(|(log_n, bits, idx)| (log_n, prime(bits, 1 << log_n, idx)))
}

/// (log N, q) with q an NTT prime in `[2^49, 2^53)`, around the AVX2 floating-point paths'
/// limits (`2^50`, `2^52`), including the largest primes below each.
fn params_float_edges(max_log_n: u32) -> impl Strategy<Value = (u32, u64)> {
    (4u32..=max_log_n, 50u32..=53, 0usize..4)
        .prop_map(|(log_n, bits, idx)| (log_n, prime(bits, 1 << log_n, idx)))
}

/// Residues with the extremes over-represented.
fn poly(n: usize, q: u64, seed: u64) -> Vec<u64> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            match s % 16 {
                0 => 0,
                1 => q - 1,
                2 => 1,
                _ => (s >> 4) % q,
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn round_trip_is_identity((log_n, q) in params(12), seed: u64) {
        let n = 1usize << log_n;
        let a = poly(n, q, seed);
        for k in kernels() {
            let plan = NttPlan::with_kernel(n, q, k).unwrap();
            let mut x = a.clone();
            plan.forward(&mut x);
            prop_assert!(x.iter().all(|&v| v < q));
            plan.inverse(&mut x);
            prop_assert_eq!(&x, &a, "kernel {:?}", k);

            // Lazy forward: within [0, 2q), congruent to the reduced forward output.
            let mut f = a.clone();
            plan.forward(&mut f);
            let mut l = a.clone();
            plan.forward_lazy(&mut l);
            for (&lv, &fv) in l.iter().zip(&f) {
                prop_assert!(lv < 2 * q);
                prop_assert_eq!(lv % q, fv);
            }

            // Unnormalized inverse is N times the inverse.
            let mut u = f.clone();
            plan.inverse_unnormalized(&mut u);
            prop_assert!(u.iter().all(|&v| v < q));
            let expect: Vec<u64> = a.iter().map(|&v| mulmod(v, n as u64 % q, q)).collect();
            prop_assert_eq!(u, expect);
        }
    }

    #[test]
    fn kernels_are_bit_identical_near_float_limits((log_n, q) in params_float_edges(12), seed: u64) {
        kernels_agree(log_n, q, seed);
    }

    #[test]
    fn kernels_are_bit_identical((log_n, q) in params(12), seed: u64) {
        kernels_agree(log_n, q, seed);
    }

    #[test]
    fn pointwise_product_is_negacyclic_product((log_n, q) in params(10), s1: u64, s2: u64) {
        let n = 1usize << log_n;
        let a = poly(n, q, s1);
        let b = poly(n, q, s2);
        let expect = negacyclic_schoolbook(&a, &b, q);
        for k in kernels() {
            let plan = NttPlan::with_kernel(n, q, k).unwrap();
            let (mut fa, mut fb) = (a.clone(), b.clone());
            plan.forward(&mut fa);
            plan.forward(&mut fb);
            let mut c: Vec<u64> = fa.iter().zip(&fb).map(|(&x, &y)| mulmod(x, y, q)).collect();
            plan.inverse(&mut c);
            prop_assert_eq!(&c, &expect, "kernel {:?}", k);
        }
    }

    #[test]
    fn forward_is_evaluation_at_odd_powers((log_n, q) in params(7), seed: u64) {
        let n = 1usize << log_n;
        let a = poly(n, q, seed);
        for k in kernels() {
            let plan = NttPlan::with_kernel(n, q, k).unwrap();
            let psi = plan.psi();
            prop_assert_eq!(powmod(psi, n as u64, q), q - 1, "psi is a primitive 2N-th root");
            let mut x = a.clone();
            plan.forward(&mut x);
            for (i, &xi) in x.iter().enumerate() {
                let point = powmod(psi, 2 * bitrev(i, log_n) as u64 + 1, q);
                prop_assert_eq!(xi, eval(&a, point, q), "index {}", i);
            }
        }
    }
}

/// Every kernel's transforms equal the scalar kernel's, word for word.
fn kernels_agree(log_n: u32, q: u64, seed: u64) {
    let n = 1usize << log_n;

    let a = poly(n, q, seed);
    let reference = NttPlan::with_kernel(n, q, Kernel::Scalar).unwrap();
    for k in kernels() {
        let plan = NttPlan::with_kernel(n, q, k).unwrap();
        let ops: [(&str, Transform); 4] = [
            ("forward", NttPlan::forward),
            ("forward_lazy", NttPlan::forward_lazy),
            ("inverse", NttPlan::inverse),
            ("inverse_unnormalized", NttPlan::inverse_unnormalized),
        ];
        for (name, op) in ops {
            let mut x = a.clone();
            let mut y = a.clone();
            op(&reference, &mut x);
            op(&plan, &mut y);
            assert_eq!(x, y, "{name} with {k:?}, n={n}, q={q}");
        }
    }
}

#[test]
fn edge_inputs() {
    for log_n in [4u32, 5, 8, 11] {
        let n = 1usize << log_n;
        for bits in [20u32, 31, 32, 50, 51, 52, 53, 60, 61, 62] {
            let q = prime(bits, n, 0);
            for k in kernels() {
                let plan = NttPlan::with_kernel(n, q, k).unwrap();
                let mut z = vec![0u64; n];
                plan.forward(&mut z);
                assert!(z.iter().all(|&v| v == 0));
                let mut lz = vec![0u64; n];
                plan.forward_lazy(&mut lz);
                // Lazy zeros may come out as q.
                assert!(lz.iter().all(|&v| v == 0 || v == q));
                plan.inverse(&mut z);
                assert!(z.iter().all(|&v| v == 0));

                // All q-1 is -(1 + X + ... + X^(N-1)).
                let top = vec![q - 1; n];
                let mut x = top.clone();
                plan.forward(&mut x);
                let psi = plan.psi();
                for (i, &xi) in x.iter().enumerate() {
                    let point = powmod(psi, 2 * bitrev(i, log_n) as u64 + 1, q);
                    assert_eq!(xi, eval(&top, point, q), "n={n} q={q} {k:?} index {i}");
                }
                let mut l = top.clone();
                plan.forward_lazy(&mut l);
                assert!(
                    l.iter()
                        .zip(&x)
                        .all(|(&lv, &xv)| lv < 2 * q && lv % q == xv)
                );
                plan.inverse(&mut x);
                assert_eq!(x, top);
                let mut y = top.clone();
                plan.inverse(&mut y);
                plan.forward(&mut y);
                assert_eq!(y, top);
            }
        }
    }
}

#[test]
fn large_sizes_round_trip_and_monomials() {
    for log_n in [16u32, 17] {
        let n = 1usize << log_n;
        for bits in [50u32, 60, 62] {
            let q = prime(bits, n, 0);
            let a = poly(n, q, 0x9e37_79b9_7f4a_7c15 ^ u64::from(bits));
            for k in kernels() {
                let plan = NttPlan::with_kernel(n, q, k).unwrap();
                let mut x = a.clone();
                plan.forward(&mut x);
                plan.inverse(&mut x);
                assert_eq!(x, a, "round trip n={n} q={q} {k:?}");

                // X^e maps to psi^(e * (2 bitrev(i) + 1)): a closed form at full size.
                let psi = plan.psi();
                for e in [1usize, 3, n - 1] {
                    let mut m = vec![0u64; n];
                    m[e] = 1;
                    plan.forward(&mut m);
                    for i in (0..n).step_by(97) {
                        let expo = (e as u64) * (2 * bitrev(i, log_n) as u64 + 1);
                        assert_eq!(m[i], powmod(psi, expo, q), "X^{e} n={n} {k:?} index {i}");
                    }
                }
            }
        }
    }
}

#[test]
fn kernels_agree_at_large_sizes() {
    // Sizes beyond the proptests, where the SIMD kernels tile their passes.
    if !Kernel::Avx2.is_available() {
        return;
    }
    for log_n in 13u32..=17 {
        let n = 1usize << log_n;
        for bits in [30u32, 49, 50, 51, 52, 53, 60, 62] {
            let q = prime(bits, n, 1);
            let a = poly(n, q, u64::from(log_n * 100 + bits));
            let scalar = NttPlan::with_kernel(n, q, Kernel::Scalar).unwrap();
            let simd = NttPlan::with_kernel(n, q, Kernel::Avx2).unwrap();
            let ops: [(&str, Transform); 4] = [
                ("forward", NttPlan::forward),
                ("forward_lazy", NttPlan::forward_lazy),
                ("inverse", NttPlan::inverse),
                ("inverse_unnormalized", NttPlan::inverse_unnormalized),
            ];
            for (name, op) in ops {
                let mut x = a.clone();
                let mut y = a.clone();
                op(&scalar, &mut x);
                op(&simd, &mut y);
                assert!(x == y, "{name} differs at n=2^{log_n}, q={q}");
            }
        }
    }
}

#[test]
fn plan_accessors_and_debug() {
    let q = prime(40, 1024, 0);
    let plan = NttPlan::new(1024, q).unwrap();
    assert_eq!(plan.n(), 1024);
    assert_eq!(plan.log_n(), 10);
    assert_eq!(plan.q(), q);
    assert_eq!(plan.modulus().value(), q);
    assert_eq!(plan.kernel(), Kernel::best());
    let text = format!("{plan:?}");
    assert_eq!(
        text,
        format!(
            "NttPlan {{ n: 1024, q: {q}, kernel: {:?} }}",
            Kernel::best()
        )
    );
    fn shareable<T: Send + Sync + Clone>() {}
    shareable::<NttPlan>();
}

#[test]
fn invalid_parameters_are_rejected() {
    let q = prime(50, 1 << 12, 0);
    for n in [0usize, 1, 3, 8, 100, 1000, 1 << 18, 3 << 10] {
        assert_eq!(NttPlan::new(n, q).unwrap_err(), Error::InvalidDegree { n });
    }
    assert!(NttPlan::new(MIN_DEGREE, q).is_ok());
    let big = prime(50, MAX_DEGREE, 0);
    assert!(NttPlan::new(MAX_DEGREE, big).is_ok());

    let n = 1 << 10;
    let cases = [
        (0u64, ModulusIssue::OutOfRange),
        (1, ModulusIssue::OutOfRange),
        (1 << 62, ModulusIssue::OutOfRange),
        (u64::MAX, ModulusIssue::OutOfRange),
        (2049 * 4097, ModulusIssue::NotPrime),
        ((1 << 61) - 1, ModulusIssue::NotOneMod2N), // Mersenne prime, 2N does not divide q-1
    ];
    for (q, issue) in cases {
        let err = NttPlan::new(n, q).unwrap_err();
        assert_eq!(err, Error::InvalidModulus { q, n, issue }, "q = {q}");
        assert!(!err.to_string().is_empty());
    }
    // 12289 = 3 * 2^12 + 1 is fine for N = 2^11 and rejected for N = 2^12.
    assert!(NttPlan::new(1 << 11, 12289).is_ok());
    assert_eq!(
        NttPlan::new(1 << 12, 12289).unwrap_err(),
        Error::InvalidModulus {
            q: 12289,
            n: 1 << 12,
            issue: ModulusIssue::NotOneMod2N
        }
    );
    // A 62-bit NTT prime is the largest accepted.
    let q62 = prime(62, n, 0);
    assert!(q62 < 1 << 62);
    assert!(NttPlan::new(n, q62).is_ok());

    if !Kernel::Avx2.is_available() {
        assert_eq!(
            NttPlan::with_kernel(n, q, Kernel::Avx2).unwrap_err(),
            Error::KernelUnavailable {
                kernel: Kernel::Avx2
            }
        );
    }
}

#[test]
#[should_panic(expected = "slice length")]
fn wrong_length_panics() {
    let q = prime(40, 64, 0);
    let plan = NttPlan::new(64, q).unwrap();
    plan.forward(&mut [0u64; 32]);
}
