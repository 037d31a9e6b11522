//! CKKS bootstrapping at N = 2^16 (`blindfold_ckks::presets::n16_bootstrap`, 128-bit secure,
//! dense ternary secret), full 32,768 slots: one refresh from the input level (3) to the
//! output level (12, leaving 9 levels of 2^40). The group name matches
//! xtask/openfhe/bootstrap.py, so `cargo xtask bench bootstrap` prints OpenFHE's
//! `EvalBootstrap` beside it. Key generation, set-up, key memory and precision are printed
//! as notes (stderr).
//!
//! Times are the process's CPU time (all threads), as the OpenFHE script measures them; set
//! `BLINDFOLD_BENCH_WALL=1` for wall time. Ten refreshes (flat sampling).
//!
//! Measured (`cargo xtask bench bootstrap --threads 1`, shared 2-core EPYC at load ~5,
//! commit b17269f): blindfold 20.6 s (23.37 bits mean, 20.01 worst slot, 9 levels of 2^40
//! left, key generation 23.8 s, 8.4 GB peak) vs OpenFHE 1.6.1 `EvalBootstrap` 52.6 s (15.12 /
//! 12.30 bits, 3 levels of 2^59 left, key generation 66.5 s, 13.7 GB peak): 0.39x.

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use blindfold_ckks::bootstrap::{BootstrapConfig, BootstrapPlan, Bootstrapper};
use blindfold_ckks::{C64, CkksParameters, Evaluator, precision_stats, presets};
use blindfold_rlwe::{Encryptor, KeyGenerator, SecretKey, SlotAlgebra};
use blindfold_rns::sample;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, SamplingMode};

/// CPU time of every thread of the process, in ns, from `/proc/self/task/*/schedstat`.
struct CpuTime {
    wall: WallTime,
}

fn cpu_ns() -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return f64::NAN;
    };
    tasks
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .sum()
}

impl Measurement for CpuTime {
    type Intermediate = f64;
    type Value = f64;
    fn start(&self) -> f64 {
        cpu_ns()
    }
    fn end(&self, start: f64) -> f64 {
        cpu_ns() - start
    }
    fn add(&self, a: &f64, b: &f64) -> f64 {
        a + b
    }
    fn zero(&self) -> f64 {
        0.0
    }
    fn to_f64(&self, v: &f64) -> f64 {
        *v
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.wall.formatter()
    }
}

fn main() {
    if std::env::var_os("BLINDFOLD_BENCH_WALL").is_some() || cpu_ns().is_nan() {
        let mut c = Criterion::default().configure_from_args();
        bench(&mut c);
        c.final_summary();
    } else {
        let mut c = Criterion::default()
            .with_measurement(CpuTime { wall: WallTime })
            .configure_from_args();
        bench(&mut c);
        c.final_summary();
    }
}

fn bench<M: Measurement>(c: &mut Criterion<M>) {
    let params = CkksParameters::new(presets::n16_bootstrap()).expect("secure preset");
    let slots = params.max_slots();
    let mut rng = sample::seeded_rng([11; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).expect("secret key");
    let plan = BootstrapPlan::new(&params, BootstrapConfig::new(&params, slots)).expect("plan");
    let t = Instant::now();
    let keys = KeyGenerator::new(&sk)
        .evaluation_keys(true, plan.galois_elements(), &mut rng)
        .expect("keys");
    let keygen = t.elapsed();
    let galois = plan.galois_elements().len();
    let (input, output) = (plan.input_level(), plan.output_level());
    let t = Instant::now();
    let boot = Arc::new(Bootstrapper::new(plan).expect("bootstrapper"));
    let setup = t.elapsed();
    let eval = Evaluator::new(&params, Arc::new(keys), slots)
        .and_then(|e| e.with_bootstrapper(boot))
        .expect("evaluator");
    let values: Vec<f64> = (0..slots)
        .map(|i| (i as f64 * 0.618_033_988_7).fract() * 2.0 - 1.0)
        .collect();
    let pt = SlotAlgebra::encode(&eval, &values, input).expect("encode");
    let ct = Encryptor::with_secret_key(&sk, 1)
        .encrypt(pt.plaintext(), &mut rng)
        .expect("encrypt");
    let out = eval.refresh(&ct).expect("refresh");
    let got = eval
        .encoder()
        .decode(&blindfold_ckks::decrypt(&sk, &out).expect("decrypt"), slots)
        .expect("decode");
    let want: Vec<C64> = values.iter().map(|&v| C64::real(v)).collect();
    let got: Vec<C64> = got.into_iter().map(C64::real).collect();
    let st = precision_stats(&want, &got);
    eprintln!(
        "# blindfold bootstrap: N = 2^16, {slots} slots, level {input} -> {output}; key generation \
         {:.1} s wall (relinearization + {galois} Galois keys), set-up {:.1} s wall; precision \
         {:.2} bits mean, {:.2} bits worst slot",
        keygen.as_secs_f64(),
        setup.as_secs_f64(),
        st.mean_bits,
        st.min_bits
    );
    let mut g = c.benchmark_group("bootstrap/n16-full/refresh");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(1));
    g.bench_function("blindfold", |b| {
        b.iter(|| black_box(eval.refresh(&ct).expect("refresh")))
    });
    g.finish();
}
