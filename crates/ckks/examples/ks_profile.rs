//! Times the stages of one key switch at N = 2^16 (OpenFHE's depth-20 shape), and the CKKS
//! operations built on it: `RAYON_NUM_THREADS=1 cargo run --release -p blindfold-ckks
//! --example ks_profile` (set `KS_REPS` to change the repetitions, default 5, and `KS_ONLY`
//! to a substring of a stage name to repeat only that stage, e.g. under `perf record`).

use std::sync::Arc;
use std::time::Instant;

use blindfold_ckks::{CkksParameters, Evaluator, presets};
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

/// Best wall time, and the best and median CPU time over `reps` runs. The scheduler's CPU
/// clock advances in ticks (a few ms), so one run's CPU time is off by up to a tick; the
/// best CPU time is the least disturbed run on a shared, loaded machine.
fn time<T>(what: &str, reps: usize, mut f: impl FnMut() -> T) -> T {
    // KS_ONLY=<substring>: repeat only the matching stages (others run once), for `perf`.
    let reps = match std::env::var("KS_ONLY") {
        Ok(only) if !what.contains(only.as_str()) => 1,
        _ => reps,
    };
    let mut best = f64::MAX;
    let mut cpus = Vec::with_capacity(reps);
    let mut out = None;
    for _ in 0..reps {
        let (t, c) = (Instant::now(), cpu_ns());
        out = Some(f());
        cpus.push((cpu_ns() - c) as f64 * 1e-6);
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
    }
    cpus.sort_by(f64::total_cmp);
    let (min, median) = (cpus[0], cpus[cpus.len() / 2]);
    println!(
        "{what:>30}: {best:8.2} ms wall (best), CPU {min:8.2} ms best, {median:8.2} ms median ({reps} runs)"
    );
    out.expect("reps > 0")
}

fn main() {
    let reps: usize = std::env::var("KS_REPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let params = CkksParameters::new(presets::n16_depth20()).expect("preset");
    let rlwe = params.rlwe();
    let mut rng = sample::seeded_rng([1; 32]);
    let sk = SecretKey::generate(rlwe, &mut rng).expect("sk");
    let slots = params.max_slots();
    let elements = blindfold_ckks::rotation_elements(&params, slots, &[1]);
    let keys = KeyGenerator::new(&sk)
        .evaluation_keys(true, &elements, &mut rng)
        .expect("keys");
    let rk = keys.relin.clone().expect("rk");
    let eval = Evaluator::new(&params, Arc::new(keys), slots).expect("evaluator");
    let enc = Encryptor::with_secret_key(&sk, 1);
    let ct = enc.encrypt_zero(params.max_level(), &mut rng).expect("ct");
    let ct2 = enc.encrypt_zero(params.max_level(), &mut rng).expect("ct");
    let c: Poly<Ntt> = ct.parts[1].clone();
    let ctx = c.ctx();
    println!("threads: {}", rayon::current_num_threads());
    let kernels: Vec<String> = (0..ctx.num_q() + ctx.num_p())
        .map(|i| format!("{}", 64 - ctx.moduli()[i].value().leading_zeros()))
        .collect();
    println!(
        "bit lengths of the primes (Q then P): {}",
        kernels.join(" ")
    );
    let bits = |i: usize| 64 - ctx.moduli()[i].value().leading_zeros();
    for i in [0, 1, 2, ctx.num_q(), ctx.num_q() + 1] {
        let what = format!("NTT fwd+inv {}-bit prime {i}", bits(i));
        let mut a = c.limb(i.min(c.q_limbs() - 1)).to_vec();
        if i >= ctx.num_q() {
            a.iter_mut().for_each(|x| *x %= ctx.moduli()[i].value());
        }
        let plan = ctx.plan(i);
        time(&what, reps * 10, || {
            plan.forward(&mut a);
            plan.inverse(&mut a);
        });
    }
    let coeff = time("inverse NTT (all Q limbs)", reps, || c.clone().into_coeff());
    let _ = time("forward NTT (all Q limbs)", reps, || {
        coeff.clone().into_ntt()
    });
    {
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
    let _ = time("automorphism (QP poly)", reps, || {
        d.automorphism(elements[0]).expect("auto")
    });
    let _ = time("key_switch total", reps, || {
        blindfold_rlwe::cipher::key_switch(&c, rk.key(), rlwe.digit_size()).expect("ks")
    });
    let prod = time("ckks tensor", reps, || {
        eval.tensor(&ct, &ct2).expect("tensor")
    });
    let prod = {
        let _ = prod;
        time("ckks mul+relin", reps, || {
            eval.mul_relin(&ct, &ct2).expect("mul")
        })
    };
    let _ = time("ckks rescale", reps, || {
        eval.rescale(&prod).expect("rescale")
    });
    let _ = time("ckks rotate", reps, || eval.rotate(&ct, 1).expect("rotate"));
}
