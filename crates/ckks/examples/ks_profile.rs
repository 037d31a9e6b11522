//! Times the stages of one key switch at N = 2^16 (OpenFHE's depth-20 shape), one thread:
//! `RAYON_NUM_THREADS=1 cargo run --release -p blindfold-ckks --example ks_profile`.

use std::time::Instant;

use blindfold_ckks::{CkksParameters, presets};
use blindfold_rlwe::{Encryptor, KeyGenerator, SecretKey};
use blindfold_rns::{Ntt, Poly, sample};

/// On-CPU time of all this process's threads (ns), from the scheduler: robust to a machine
/// loaded by other processes, unlike wall time (Linux only; 0 elsewhere).
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn time<T>(what: &str, reps: usize, mut f: impl FnMut() -> T) -> T {
    let (mut best, mut best_cpu) = (f64::MAX, f64::MAX);
    let mut out = None;
    for _ in 0..reps {
        let (t, c) = (Instant::now(), cpu_ns());
        out = Some(f());
        best_cpu = best_cpu.min((cpu_ns() - c) as f64 * 1e-6);
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    println!("{what:>28}: {best:8.2} ms wall, {best_cpu:8.2} ms CPU (best of {reps})");
    out.expect("reps > 0")
}

fn main() {
    let params = CkksParameters::new(presets::n16_depth20()).expect("preset");
    let rlwe = params.rlwe();
    let mut rng = sample::seeded_rng([1; 32]);
    let sk = SecretKey::generate(rlwe, &mut rng).expect("sk");
    let rk = KeyGenerator::new(&sk)
        .relinearization_key(&mut rng)
        .expect("rk");
    let ct = Encryptor::with_secret_key(&sk, 1)
        .encrypt_zero(params.max_level(), &mut rng)
        .expect("ct");
    let c: Poly<Ntt> = ct.parts[1].clone();
    let reps = 5;
    let coeff = time("inverse NTT (all Q limbs)", reps, || c.clone().into_coeff());
    let _ = time("forward NTT (all Q limbs)", reps, || {
        coeff.clone().into_ntt()
    });
    {
        let ctx = c.ctx();
        let from: Vec<usize> = (0..7).collect();
        let to: Vec<usize> = (7..ctx.num_q() + ctx.num_p()).collect();
        let conv = ctx.converter(&from, &to);
        let inputs: Vec<&[u64]> = (0..7).map(|k| coeff.limb(k)).collect();
        let mut out = vec![0u64; to.len() * ctx.n()];
        time("convert 7 -> 21 limbs", reps, || {
            let mut outs: Vec<&mut [u64]> = out.chunks_mut(ctx.n()).collect();
            conv.convert(&inputs, &mut outs);
        });
    }
    let digits = time("decompose_mod_up", reps, || {
        c.decompose_mod_up(rlwe.digit_size()).expect("modup")
    });
    let x: Vec<&Poly<Ntt>> = digits.iter().collect();
    let b = x.clone(); // same shape as the key's polynomials
    let d = time("inner product (one of two)", reps, || {
        let mut d = Poly::<Ntt>::zero(c.ctx(), c.q_limbs(), c.ctx().num_p()).expect("zero");
        d.set_inner_product(&x, &b).expect("ip");
        d
    });
    let _ = time("mod_down (one of two)", reps, || {
        let mut e = d.clone();
        e.mod_down().expect("down");
        e
    });
    let _ = time("clone (QP poly)", reps, || d.clone());
    let _ = time("key_switch total", reps, || {
        blindfold_rlwe::cipher::key_switch(&c, rk.key(), rlwe.digit_size()).expect("ks")
    });
}
