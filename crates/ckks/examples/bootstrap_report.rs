//! Bootstrapping at N = 2^16 on the secure preset `presets::n16_bootstrap`: key generation
//! time and key memory, set-up time, time per refresh (wall and CPU), precision after one
//! and after a chain of refreshes (mean and worst log2 precision against the plaintext input,
//! real parts, inputs uniform in [−1, 1]), levels.
//!
//! `cargo run --release -p blindfold-ckks --example bootstrap_report -- [--threads 1]
//!  [--chain 10] [--slots 32768,1024]`
//!
//! Measured with `--threads 1 --chain 10` (shared 2-core EPYC at load ~5, commit 9084161):
//! full slots — keys (relinearization + 28 Galois) 25.6 s CPU, 5.63 GB; set-up 7.1 s; refresh
//! 19.2 s CPU best (21.5 s wall median); 23.40 bits mean / 20.00 worst after one refresh,
//! 21.79 / 18.63 after five, 21.02 / 17.90 after ten; peak 8.46 GB. 1,024 slots — 30 Galois
//! keys, 6.01 GB; set-up 1.6 s; refresh 15.5 s CPU; 24.61 / 22.19 bits after one, 21.50 /
//! 18.95 after ten. Every refresh: level 3 -> 12 (9 levels of 2^40 for computation).

use std::sync::Arc;
use std::time::{Duration, Instant};

use blindfold_ckks::bootstrap::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use blindfold_ckks::{C64, CkksParameters, Evaluator, precision_stats, presets};
use blindfold_rlwe::{Encryptor, KeyGenerator, SecretKey, SlotAlgebra};
use blindfold_rns::sample::seeded_rng;
use rand_core::RngCore;

/// CPU time of this process (user + system).
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name: utime is field 14, stime 15 (1-based).
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let field = |i: usize| f.get(i).and_then(|w| w.parse::<u64>().ok()).unwrap_or(0);
    // `rest` starts at the state (field 3): utime and stime are fields 14 and 15.
    let ticks = field(11) + field(12);
    Duration::from_secs_f64(ticks as f64 / 100.0)
}

/// Peak resident memory (VmHWM) in GB.
fn peak_gb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|k| k.parse::<f64>().ok())
        .map_or(0.0, |kb| kb * 1024.0 / 1e9)
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let threads: usize = arg("--threads").map_or(0, |s| s.parse().expect("--threads N"));
    let chain: usize = arg("--chain").map_or(10, |s| s.parse().expect("--chain N"));
    let slots: Vec<usize> = arg("--slots").map_or(vec![1 << 15, 1 << 10], |s| {
        s.split(',')
            .map(|x| x.parse().expect("--slots a,b"))
            .collect()
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| run(&slots, chain));
}

fn run(slot_counts: &[usize], chain: usize) {
    let params = CkksParameters::new(presets::n16_bootstrap()).expect("secure preset");
    let rlwe = params.rlwe();
    println!(
        "N = 2^{}, log2 QP = {} (128-bit bound 1747, dense ternary), {} Q + {} P primes, {} digits, {} thread(s)",
        params.log_n(),
        rlwe.log_qp(),
        rlwe.q().len(),
        rlwe.p().len(),
        rlwe.dnum(),
        rayon::current_num_threads()
    );
    let mut rng = seeded_rng([42; 32]);
    let sk = SecretKey::generate(rlwe, &mut rng).expect("secret key");
    for &n in slot_counts {
        let cfg = BootstrapConfig::new(&params, n);
        let plan = BootstrapPlan::new(&params, cfg.clone()).expect("plan");
        let (s, c, e) = plan.depths();
        println!(
            "\n## {n} slots: K = {}, r = {}, degree {}, interpolation error 2^{:.1}; levels StC {s} + CtS {c} + EvalMod {e}; refresh takes level {} -> {} ({} computation levels)",
            cfg.overflow_bound,
            cfg.double_angle,
            cfg.degree,
            plan.interpolation_error().log2(),
            plan.input_level(),
            plan.output_level(),
            plan.computation_levels()
        );
        println!(
            "key set: relinearization + {} Galois keys; per refresh {:?}",
            plan.galois_elements().len(),
            plan.cost()
        );
        let (t, c0) = (Instant::now(), cpu());
        let keys = KeyGenerator::new(&sk)
            .evaluation_keys(true, plan.galois_elements(), &mut rng)
            .expect("keys");
        let key_bytes: usize = keys
            .relin
            .iter()
            .map(|k| k.key().digits())
            .chain(keys.galois.values().map(|k| k.key().digits()))
            .map(|d| d * 2 * (rlwe.q().len() + rlwe.p().len()) * params.n() * 8)
            .sum();
        println!(
            "key generation: {:.1} s wall, {:.1} s CPU; key memory {:.2} GB",
            t.elapsed().as_secs_f64(),
            (cpu() - c0).as_secs_f64(),
            key_bytes as f64 / 1e9
        );
        let (t, c0) = (Instant::now(), cpu());
        let boot = Arc::new(Bootstrapper::new(plan).expect("bootstrapper"));
        println!(
            "set-up (diagonals encoded): {:.1} s wall, {:.1} s CPU; peak memory so far {:.2} GB",
            t.elapsed().as_secs_f64(),
            (cpu() - c0).as_secs_f64(),
            peak_gb()
        );
        let eval = Evaluator::new(&params, Arc::new(keys), n)
            .and_then(|e| e.with_bootstrapper(Arc::clone(&boot)))
            .expect("evaluator");
        let values: Vec<f64> = (0..n)
            .map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0)
            .collect();
        let want: Vec<C64> = values.iter().map(|&v| C64::real(v)).collect();
        let level = eval.refresh_input_level();
        let pt = SlotAlgebra::encode(&eval, &values, level).expect("encode");
        let mut ct = Encryptor::with_secret_key(&sk, 1)
            .encrypt(pt.plaintext(), &mut rng)
            .expect("encrypt");
        let mut times = Vec::new();
        for round in 1..=chain.max(1) {
            let (t, c0) = (Instant::now(), cpu());
            ct = eval.refresh(&ct).expect("refresh");
            times.push((t.elapsed(), cpu() - c0));
            let got = eval
                .encoder()
                .decode(&blindfold_ckks::decrypt(&sk, &ct).expect("decrypt"), n)
                .expect("decode");
            let got: Vec<C64> = got.into_iter().map(C64::real).collect();
            let st = precision_stats(&want, &got);
            if round == 1 || round == chain || round % 5 == 0 {
                println!(
                    "after {round:>2} refresh(es): {:.2} bits mean, {:.2} bits worst slot (level {}); {:.1} s wall, {:.1} s CPU",
                    st.mean_bits,
                    st.min_bits,
                    ct.level(),
                    times[round - 1].0.as_secs_f64(),
                    times[round - 1].1.as_secs_f64()
                );
            }
        }
        let best_cpu = times.iter().map(|t| t.1).min().unwrap_or_default();
        let median_wall = {
            let mut w: Vec<f64> = times.iter().map(|t| t.0.as_secs_f64()).collect();
            w.sort_by(f64::total_cmp);
            w[w.len() / 2]
        };
        println!(
            "per refresh: median {median_wall:.1} s wall, best {:.1} s CPU; peak memory {:.2} GB",
            best_cpu.as_secs_f64(),
            peak_gb()
        );
    }
}
