//! The transfer-learning pipeline's plan and its plaintext mirror (the encrypted code run on
//! `Clear`) against the float64 references, on Chiang's RegNet features.
//!
//! ```text
//! cargo run --release -p blindfold-train --example transfer_clear -- \
//!     [--data DIR] [--iterations N] [--samples N] [--hoisted]
//! ```
//! Trains on the first `samples` rows (128: paper mode) of the 512-row file and evaluates on
//! rows 128..512. The data directory defaults to `$BLINDFOLD_DATA`.

use std::path::PathBuf;
use std::time::Instant;

use blindfold_pack::Plan;
use blindfold_train::Matrix;
use blindfold_train::data::preprocess::{add_bias_column, features_matrix, pad_to_power_of_two};
use blindfold_train::data::{DataDir, RegnetFile};
use blindfold_train::reference::mlr::{MlrConfig, scores, train_mlr};
use blindfold_train::reference::{Activation, accuracy};
use blindfold_train::transfer::{
    RotationStyle, TransferConfig, TransferPlan, TransferShape, train_clear,
};

/// CKKS slots at N = 2^16.
const SLOTS: usize = 1 << 15;

struct Args {
    data: Option<PathBuf>,
    iterations: usize,
    samples: usize,
    hoisted: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        data: None,
        iterations: 2,
        samples: 128,
        hoisted: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--data" => args.data = Some(PathBuf::from(value("--data")?)),
            "--iterations" => {
                args.iterations = value("--iterations")?
                    .parse()
                    .map_err(|e| format!("--iterations: {e}"))?
            }
            "--samples" => {
                args.samples = value("--samples")?
                    .parse()
                    .map_err(|e| format!("--samples: {e}"))?
            }
            "--hoisted" => args.hoisted = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !(1..=128).contains(&args.samples) {
        return Err("--samples must be in 1..=128 (rows 128..512 are the test set)".into());
    }
    Ok(args)
}

fn pct(x: f64) -> String {
    format!("{:6.2}%", 100.0 * x)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let dir = DataDir::resolve(args.data.as_deref())?;
    let set = dir.regnet(RegnetFile::First512)?;
    let x = pad_to_power_of_two(&add_bias_column(&features_matrix(&set)));
    let (train, test) = (x.slice_rows(0..args.samples), x.slice_rows(128..512));
    let (ly, lt) = (&set.labels()[..args.samples], &set.labels()[128..]);

    let config = TransferConfig {
        rotations: if args.hoisted {
            RotationStyle::Hoisted
        } else {
            RotationStyle::Chain
        },
        ..TransferConfig::chiang_paper()
    };
    let shape = TransferShape {
        samples: args.samples,
        features: x.cols(),
        classes: 10,
    };
    let plan = TransferPlan::new(shape, config, SLOTS)?;
    let l = plan.layout();
    println!(
        "# Transfer learning (Chiang 2023) on {} rows x {} features, {} slots, {:?} rotations",
        args.samples,
        x.cols(),
        SLOTS,
        plan.config().rotations
    );
    println!(
        "\nlayout: one row per block of {} slots, {} rows per ciphertext; X in {} ciphertext(s), \
         W/V/B̄⁻¹ in {}, Y/scores in {} (class period {}, {} items, {} per ciphertext)",
        l.width(),
        l.height(),
        l.a_count(),
        l.b_count(),
        l.score_count(),
        l.period(),
        l.items(),
        l.group()
    );
    println!("\n| phase | rotations | ct x ct | ct x pt | depth |");
    println!("|---|---:|---:|---:|---:|");
    let row = |name: &str, c: blindfold_pack::Cost| {
        println!(
            "| {name} | {} | {} | {} | {} |",
            c.rotations, c.ct_mul, c.pt_mul, c.depth
        )
    };
    row("setup (cycle X, once)", plan.setup_cost());
    row("iteration 1 (zero start)", plan.iteration_cost(0));
    row("iteration t >= 2", plan.iteration_cost(1));
    row(
        &format!("run of {} iterations", args.iterations),
        plan.run_cost(args.iterations),
    );
    println!("| Chiang's code, per iteration | ~3040 | ~421 | | |");
    println!(
        "\nrelinearizations per iteration when sums of products are relinearized once \
         (SlotAlgebra::mul_sum): {} (first), {} (later)",
        plan.iteration_relinearizations(0),
        plan.iteration_relinearizations(1)
    );
    let keys = plan.rotations_needed();
    println!(
        "\nrotation keys: {} (offsets {:?}); levels for {} iterations: {}; iterations in 30 levels \
         (preset n16): {}",
        keys.len(),
        keys,
        args.iterations,
        plan.levels_needed(args.iterations),
        plan.iterations_within(30)
    );

    let t0 = Instant::now();
    let models = train_clear(&plan, &train, ly, args.iterations)?;
    let mirror_time = t0.elapsed().as_secs_f64();
    let poly = train_mlr(&train, ly, &test, lt, 10, &{
        let mut c = MlrConfig::chiang_paper();
        c.iterations = args.iterations;
        c
    })?;
    let exact = train_mlr(&train, ly, &test, lt, 10, &{
        let mut c = MlrConfig::chiang_paper();
        c.iterations = args.iterations;
        c.activation = Activation::Sigmoid;
        c
    })?;
    println!(
        "\n## Accuracy on rows 128..512 (mirror: {mirror_time:.2} s for {} iterations)",
        args.iterations
    );
    println!(
        "\n| iteration | mirror (encrypted code on Clear) | reference, same cubic | reference, exact sigmoid | max relative weight gap |"
    );
    println!("|---:|---:|---:|---:|---:|");
    for (t, model) in models.iter().enumerate() {
        let acc = accuracy(&scores(&test, model)?, lt)?;
        let gap = relative_gap(
            model,
            &train_mlr(&train, ly, &test, lt, 10, &{
                let mut c = MlrConfig::chiang_paper();
                c.iterations = t + 1;
                c
            })?
            .weights,
        );
        println!(
            "| {} | {} | {} | {} | {gap:.1e} |",
            t + 1,
            pct(acc),
            pct(poly.history[t + 1].test_accuracy),
            pct(exact.history[t + 1].test_accuracy)
        );
    }
    Ok(())
}

fn relative_gap(a: &Matrix, b: &Matrix) -> f64 {
    let scale = b.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let gap = a
        .as_slice()
        .iter()
        .zip(b.as_slice())
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    gap / scale.max(f64::MIN_POSITIVE)
}
