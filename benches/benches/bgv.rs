//! BGV at N = 2^14 (depth 5) and N = 2^15 (depth 12, `presets::n15`), t = 65537: encode,
//! encrypt, decrypt, add, products, modulus switch and rotations. The ring degrees, depths,
//! t and group names match xtask/openfhe/bgv.py, so `cargo xtask bench bgv` prints
//! OpenFHE's BGVRNS figures beside these.
//!
//! Times are the process's CPU time (all threads), as the OpenFHE script measures them: on
//! a shared machine other processes inflate wall time but not CPU time, so the ratios stay
//! meaningful. Set `BLINDFOLD_BENCH_WALL=1` for wall time (latency with several threads).
//!
//! Measured (`cargo xtask bench bgv --threads 1`, shared 2-core EPYC at load ~6, commit
//! 677bb77): N = 2^15 mul+relin 42.5 ms vs OpenFHE 111 ms (0.38x), rotate 39.3 vs 96.7
//! (0.41x), modulus switch 8.5 vs 25.0 (0.34x); N = 2^14: 11.3 vs 21.5 (0.52x), 8.0 vs 26.6
//! (0.30x), 1.8 vs 5.6 (0.32x).

use std::hint::black_box;
use std::sync::Arc;

use blindfold_bgv::*;
use blindfold_rlwe::security::{SecretDistribution, SecurityLevel};
use blindfold_rlwe::{
    Ciphertext, KeyGenerator, ParametersLiteral, Plaintext, PublicKey, SecretKey,
};
use blindfold_rns::sample;
use criterion::Criterion;
use criterion::measurement::{Measurement, ValueFormatter, WallTime};

/// N = 2^14, depth 5: Q = 45 + 5×36 bits, P = 3×40, dnum 2 (345 of 438 bits).
fn n14_depth5() -> BgvParametersLiteral {
    BgvParametersLiteral {
        rlwe: ParametersLiteral {
            log_n: 14,
            log_q: [vec![45], vec![36; 5]].concat(),
            log_p: vec![40; 3],
            dnum: 2,
            secret: SecretDistribution::Ternary,
            sigma: sample::SIGMA,
            security: SecurityLevel::Classical128,
        },
        t: presets::T_65537,
    }
}

struct Setup {
    params: Arc<BgvParameters>,
    sk: SecretKey,
    pk: PublicKey,
    eval: Evaluator,
    values: Vec<u64>,
    pa: Plaintext,
    ca: Ciphertext,
    cb: Ciphertext,
    product: Ciphertext,
}

fn setup(literal: BgvParametersLiteral) -> Setup {
    let params = BgvParameters::new(literal).expect("parameters");
    let mut rng = sample::seeded_rng([5; 32]);
    let sk = SecretKey::generate(params.rlwe(), &mut rng).expect("secret key");
    let kg = KeyGenerator::new(&sk);
    let pk = kg.public_key(&mut rng).expect("public key");
    let elements = rotation_elements(&params, &(1..=8).collect::<Vec<_>>());
    let keys = kg
        .evaluation_keys(true, &elements, &mut rng)
        .expect("evaluation keys");
    let eval = Evaluator::new(&params, Arc::new(keys));
    let t = params.t();
    let n = params.n() as u64;
    let values: Vec<u64> = (0..n).map(|i| (7 * i + 3) % t).collect();
    let other: Vec<u64> = (0..n).map(|i| (i * i + 11) % t).collect();
    let top = params.max_level();
    let pa = eval
        .encoder()
        .encode_unsigned(&values, top)
        .expect("encode");
    let pb = eval.encoder().encode_unsigned(&other, top).expect("encode");
    let enc = Encryptor::with_public_key(&params, &pk);
    let ca = enc.encrypt(&pa, &mut rng).expect("encrypt");
    let cb = enc.encrypt(&pb, &mut rng).expect("encrypt");
    let product = eval.mul_relin(&ca, &cb).expect("product");
    Setup {
        params,
        sk,
        pk,
        eval,
        values,
        pa,
        ca,
        cb,
        product,
    }
}

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
    for (name, literal) in [("n=2^14", n14_depth5()), ("n=2^15", presets::n15())] {
        let s = setup(literal);
        let top = s.params.max_level();
        let mut rng = sample::seeded_rng([6; 32]);
        let enc_pk = Encryptor::with_public_key(&s.params, &s.pk);
        let enc_sk = Encryptor::with_secret_key(&s.params, &s.sk).expect("encryptor");
        let dec = Decryptor::new(&s.params, &s.sk).expect("decryptor");
        let ev = &s.eval;
        let mut group = |op: &str, f: &mut dyn FnMut()| {
            let mut g = c.benchmark_group(format!("bgv/{name}/{op}"));
            g.sample_size(10);
            g.bench_function("blindfold", |b| b.iter(&mut *f));
            g.finish();
        };
        group("encode", &mut || {
            black_box(
                ev.encoder()
                    .encode_unsigned(&s.values, top)
                    .expect("encode"),
            );
        });
        group("encrypt-pk", &mut || {
            black_box(enc_pk.encrypt(&s.pa, &mut rng).expect("encrypt"));
        });
        let mut rng = sample::seeded_rng([7; 32]);
        group("encrypt-sk", &mut || {
            black_box(enc_sk.encrypt(&s.pa, &mut rng).expect("encrypt"));
        });
        group("decrypt", &mut || {
            black_box(dec.decrypt_unsigned(&s.ca).expect("decrypt"));
        });
        group("add", &mut || {
            black_box(ev.add(&s.ca, &s.cb).expect("add"));
        });
        group("mul-plain", &mut || {
            black_box(ev.mul_plain_no_switch(&s.ca, &s.pa).expect("mul"));
        });
        group("mul-relin", &mut || {
            black_box(ev.mul_relin(&s.ca, &s.cb).expect("mul"));
        });
        group("mod-switch", &mut || {
            black_box(ev.mod_switch(&s.product).expect("switch"));
        });
        group("rotate", &mut || {
            black_box(ev.rotate_rows(&s.ca, 1).expect("rotate"));
        });
        let ks: Vec<i64> = (1..=8).collect();
        group("8-rotations-hoisted", &mut || {
            black_box(ev.rotate_rows_hoisted(&s.ca, &ks).expect("rotate"));
        });
        group("8-rotations-separate", &mut || {
            for &k in &ks {
                black_box(ev.rotate_rows(&s.ca, k).expect("rotate"));
            }
        });
    }
}
