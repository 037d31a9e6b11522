//! `NttPlan` against its definition: construction accepts exactly the valid `(N, q)`; for a
//! prime near a fuzzed target, `inverse(forward(a)) == a`, every output is in range, the lazy
//! and unnormalized forms agree with the full ones, two forward outputs match a direct `u128`
//! evaluation at `psi^(2*bitrev(i)+1)`, and every available kernel gives the scalar kernel's
//! bits.
#![no_main]

use blindfold_modarith::primes::{PrimesNear, is_prime};
use blindfold_ntt::{Kernel, MIN_DEGREE, NttPlan};
use libfuzzer_sys::fuzz_target;

#[path = "common/words.rs"]
mod words;
use words::Words;

fn pow_mod(mut base: u128, mut e: u64, q: u128) -> u128 {
    let mut acc = 1 % q;
    base %= q;
    while e != 0 {
        if e & 1 == 1 {
            acc = acc * base % q;
        }
        base = base * base % q;
        e >>= 1;
    }
    acc
}

/// `a(x) mod q` by Horner's rule in `u128`.
fn eval(a: &[u64], x: u128, q: u128) -> u128 {
    a.iter().rev().fold(0, |acc, &c| (acc * x + c as u128) % q)
}

fuzz_target!(|data: &[u8]| {
    let mut w = Words(data);

    // Construction on raw parameters: never panics, and succeeds exactly for valid ones.
    // Sizes are capped at 2^12 so that a valid plan stays cheap to build.
    let (raw_n, raw_q) = ((w.u32() & 0x1fff) as usize, w.u64());
    let valid = raw_n.is_power_of_two()
        && raw_n >= MIN_DEGREE
        && raw_q < 1 << 62
        && is_prime(raw_q)
        && raw_q % (2 * raw_n as u64) == 1;
    assert_eq!(
        NttPlan::new(raw_n, raw_q).is_ok(),
        valid,
        "NttPlan::new({raw_n}, {raw_q})"
    );

    // A plan for N = 2^4..2^11 and a prime near a target of `bits` bits.
    let log_n = 4 + u32::from(w.u8()) % 8;
    let n = 1usize << log_n;
    let two_n = 2 * n as u64;
    let bits = log_n + 2 + u32::from(w.u8()) % (61 - log_n);
    let target = (w.u64() >> (64 - bits)) | (1 << (bits - 1));
    let Some(q) = PrimesNear::new(target, two_n)
        .ok()
        .and_then(|mut p| p.next())
    else {
        return;
    };
    let plan = NttPlan::with_kernel(n, q, Kernel::Scalar).expect("q is an NTT prime for N");
    let q1 = q as u128;
    let psi = plan.psi() as u128;
    assert_eq!(
        pow_mod(psi, n as u64, q1),
        q1 - 1,
        "psi^N != -1: n={n} q={q} psi={psi}"
    );

    let a: Vec<u64> = (0..n).map(|_| w.u64() % q).collect();
    let mut fwd = a.clone();
    plan.forward(&mut fwd);
    assert!(
        fwd.iter().all(|&x| x < q),
        "forward output not reduced: n={n} q={q}"
    );

    // Two outputs against the definition, at indices picked by the input.
    for i in [w.u32() as usize % n, w.u32() as usize % n] {
        let rev = i.reverse_bits() >> (usize::BITS - log_n);
        let point = pow_mod(psi, 2 * rev as u64 + 1, q1);
        assert_eq!(
            fwd[i] as u128,
            eval(&a, point, q1),
            "forward[{i}] n={n} q={q}"
        );
    }

    let mut lazy = a.clone();
    plan.forward_lazy(&mut lazy);
    for (i, (&l, &f)) in lazy.iter().zip(&fwd).enumerate() {
        assert!(
            l == f || l == f + q,
            "forward_lazy[{i}] = {l}, forward = {f}, n={n} q={q}"
        );
    }

    let mut back = fwd.clone();
    plan.inverse(&mut back);
    assert_eq!(back, a, "inverse(forward(a)) != a: n={n} q={q}");

    let mut scaled = fwd.clone();
    plan.inverse_unnormalized(&mut scaled);
    for (i, (&s, &x)) in scaled.iter().zip(&a).enumerate() {
        assert_eq!(
            s as u128,
            x as u128 * n as u128 % q1,
            "inverse_unnormalized[{i}] n={n} q={q}"
        );
    }

    // Every other kernel this CPU runs must reproduce the scalar kernel bit for bit.
    let best = Kernel::best();
    if best != Kernel::Scalar {
        let simd = NttPlan::with_kernel(n, q, best).expect("best kernel is available");
        let mut f = a.clone();
        simd.forward(&mut f);
        assert_eq!(f, fwd, "{best:?} forward differs from scalar: n={n} q={q}");
        let mut l = a.clone();
        simd.forward_lazy(&mut l);
        assert_eq!(
            l, lazy,
            "{best:?} forward_lazy differs from scalar: n={n} q={q}"
        );
        simd.inverse(&mut f);
        assert_eq!(f, a, "{best:?} inverse differs from scalar: n={n} q={q}");
        let mut u = fwd.clone();
        simd.inverse_unnormalized(&mut u);
        assert_eq!(
            u, scaled,
            "{best:?} inverse_unnormalized differs: n={n} q={q}"
        );
    }
});
