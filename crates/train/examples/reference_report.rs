//! Prints the plaintext reference accuracies (and timings) of the two pipelines.
//!
//! ```text
//! cargo run --release -p blindfold-train --example reference_report -- \
//!     [--data DIR] [--mlr-iterations N] [--mlp-epochs N] [--fixed-epochs N]
//!     [--skip-mlp] [--skip-float-mlp] [--skip-fixed]
//! ```
//! The data directory defaults to `$BLINDFOLD_DATA`.

use std::path::PathBuf;
use std::time::Instant;

use blindfold_train::Matrix;
use blindfold_train::data::preprocess::{
    add_bias_column, downsample_2x2, features_matrix, pad_to_power_of_two, pixels_unit,
};
use blindfold_train::data::{DataDir, RegnetFile};
use blindfold_train::reference::mlp::{MlpConfig, Precision, train_mlp};
use blindfold_train::reference::mlr::{MlrConfig, NagVariant, Preconditioner, train_mlr};
use blindfold_train::reference::{Activation, Polynomial, sigmoid};

struct Args {
    data: Option<PathBuf>,
    mlr_iterations: usize,
    mlp_epochs: usize,
    fixed_epochs: usize,
    skip_mlp: bool,
    skip_float_mlp: bool,
    skip_fixed: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        data: None,
        mlr_iterations: 30,
        mlp_epochs: 30,
        fixed_epochs: 5,
        skip_mlp: false,
        skip_float_mlp: false,
        skip_fixed: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match a.as_str() {
            "--data" => args.data = Some(PathBuf::from(value("--data")?)),
            "--mlr-iterations" => {
                args.mlr_iterations = value("--mlr-iterations")?
                    .parse()
                    .map_err(|e| format!("--mlr-iterations: {e}"))?
            }
            "--mlp-epochs" => {
                args.mlp_epochs = value("--mlp-epochs")?
                    .parse()
                    .map_err(|e| format!("--mlp-epochs: {e}"))?
            }
            "--fixed-epochs" => {
                args.fixed_epochs = value("--fixed-epochs")?
                    .parse()
                    .map_err(|e| format!("--fixed-epochs: {e}"))?
            }
            "--skip-mlp" => args.skip_mlp = true,
            "--skip-float-mlp" => args.skip_float_mlp = true,
            "--skip-fixed" => args.skip_fixed = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn pct(x: f64) -> String {
    format!("{:6.2}%", 100.0 * x)
}

fn design(x: &Matrix) -> Matrix {
    pad_to_power_of_two(&add_bias_column(x))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let dir = DataDir::resolve(args.data.as_deref())?;
    let threads = rayon::current_num_threads();
    println!(
        "# Blindfold plaintext references (data: {}, {threads} threads)",
        dir.root().display()
    );

    let t = Instant::now();
    let regnet = dir.regnet(RegnetFile::First512)?;
    let train_ds = dir.mnist_train()?;
    let test_ds = dir.mnist_test()?;
    println!(
        "\nloaded first512.csv ({} x {}), MNIST train {} and test {} in {:.2} s",
        regnet.len(),
        regnet.dim(),
        train_ds.len(),
        test_ds.len(),
        t.elapsed().as_secs_f64()
    );

    // --- Chiang 2023: RegNet features, first 128 rows train, rows 128..512 held out.
    let x = design(&features_matrix(&regnet));
    let (train_x, test_x) = (x.slice_rows(0..128), x.slice_rows(128..512));
    let (train_y, test_y) = (&regnet.labels()[..128], &regnet.labels()[128..]);
    println!(
        "\n## Chiang 2023 head on RegNet features (train rows 0..128, evaluate rows 128..512, d = {})",
        x.cols()
    );
    println!(
        "{:<44} {:>8} {:>8} {:>8} {:>8}",
        "variant", "it 1", "it 2", "it 10", "last"
    );
    let poly = Activation::Polynomial(Polynomial::chiang_sigmoid3());
    let variants: Vec<(&str, Activation, Preconditioner, NagVariant)> = vec![
        (
            "QG + Kim NAG, poly3 sigmoid (paper)",
            poly.clone(),
            Preconditioner::QuadraticGradient { epsilon: 1e-10 },
            NagVariant::Kim,
        ),
        (
            "QG + Kim NAG, exact sigmoid",
            Activation::Sigmoid,
            Preconditioner::QuadraticGradient { epsilon: 1e-10 },
            NagVariant::Kim,
        ),
        (
            "QG + Chiang replay NAG, poly3",
            poly.clone(),
            Preconditioner::QuadraticGradient { epsilon: 1e-10 },
            NagVariant::ChiangReplay,
        ),
        (
            "QG + Chiang replay NAG, exact",
            Activation::Sigmoid,
            Preconditioner::QuadraticGradient { epsilon: 1e-10 },
            NagVariant::ChiangReplay,
        ),
        (
            "plain NAG (no QG), exact sigmoid",
            Activation::Sigmoid,
            Preconditioner::Identity,
            NagVariant::Kim,
        ),
    ];
    for (name, activation, preconditioner, nag) in variants {
        let config = MlrConfig {
            iterations: args.mlr_iterations,
            activation,
            preconditioner,
            nag,
            ..MlrConfig::chiang_paper()
        };
        let t = Instant::now();
        let run = match train_mlr(&train_x, train_y, &test_x, test_y, 10, &config) {
            Ok(r) => r,
            Err(e) => {
                println!("{name:<44} {e}");
                continue;
            }
        };
        let h = &run.history;
        let at = |i: usize| h.get(i).map_or("-".to_string(), |r| pct(r.test_accuracy));
        println!(
            "{name:<44} {:>8} {:>8} {:>8} {:>8}   ({:.1} ms)",
            at(1),
            at(2),
            at(10),
            at(h.len() - 1),
            1e3 * t.elapsed().as_secs_f64()
        );
    }

    // --- The same head on MNIST pixels, 14x14, full test set.
    let t = Instant::now();
    let px_train = design(&downsample_2x2(&pixels_unit(&train_ds), 28, 28)?);
    let px_test = design(&downsample_2x2(&pixels_unit(&test_ds), 28, 28)?);
    println!(
        "\n## Same head on MNIST pixels 14x14 (+bias, d = {}), train 60k, test 10k (prep {:.2} s)",
        px_train.cols(),
        t.elapsed().as_secs_f64()
    );
    for (name, activation) in [
        ("poly3 sigmoid", poly.clone()),
        ("exact sigmoid", Activation::Sigmoid),
    ] {
        let config = MlrConfig {
            iterations: args.mlr_iterations,
            activation,
            ..MlrConfig::chiang_paper()
        };
        let t = Instant::now();
        match train_mlr(
            &px_train,
            train_ds.labels(),
            &px_test,
            test_ds.labels(),
            10,
            &config,
        ) {
            Ok(run) => {
                let h = &run.history;
                let line: Vec<String> = [1usize, 2, 5, 10, 20, h.len() - 1]
                    .iter()
                    .filter(|&&i| i < h.len())
                    .map(|&i| format!("it {i}: {}", pct(h[i].test_accuracy)))
                    .collect();
                println!(
                    "{name:<16} {}   ({:.2} s)",
                    line.join("  "),
                    t.elapsed().as_secs_f64()
                );
            }
            Err(e) => println!("{name:<16} {e}"),
        }
    }

    if args.skip_mlp {
        return Ok(());
    }

    // --- Nandakumar 2019 network.
    let train_px = pixels_unit(&train_ds);
    let test_px = pixels_unit(&test_ds);
    let small_train = downsample_2x2(&train_px, 28, 28)?;
    let small_test = downsample_2x2(&test_px, 28, 28)?;
    // Pre-activations of a trained network reach |z| ~ 30-40 (reported per epoch below), so a
    // cubic fitted on [-8, 8] leaves its interval and blows up; degree 15 on [-40, 40] holds.
    let wide = Polynomial::fit_least_squares(sigmoid, 15, -40.0, 40.0)?;
    let kim3 = Polynomial::fit_least_squares(sigmoid, 3, -8.0, 8.0)?;
    println!(
        "\n## Nandakumar 2019 network, MNIST 60k train / 10k test, batch 60, quadratic loss, lr 2"
    );
    println!(
        "poly15 = least-squares sigmoid, degree 15 on [-40, 40], coefficients in x/40: {:?}",
        wide.coeffs()
    );
    let base = |activation: Activation, epochs: usize| MlpConfig {
        epochs,
        ..MlpConfig::nandakumar(activation)
    };
    let poly15 = Activation::Polynomial(wide);
    let e = args.mlp_epochs;
    let mut runs: Vec<(String, MlpConfig, bool)> = vec![
        (
            "784-128-32-10 exact sigmoid, float".into(),
            base(Activation::Sigmoid, e),
            false,
        ),
        (
            "784-128-32-10 poly15, weight decay 1e-5, float".into(),
            MlpConfig {
                weight_decay: 1e-5,
                ..base(poly15.clone(), e)
            },
            false,
        ),
        (
            "196-128-32-10 (14x14) poly15, weight decay 1e-5, float".into(),
            MlpConfig {
                layers: vec![196, 128, 32, 10],
                weight_decay: 1e-5,
                ..base(poly15.clone(), e)
            },
            true,
        ),
        (
            "784-128-32-10 cubic on [-8, 8] (Kim et al.), float".into(),
            base(Activation::Polynomial(kim3), e.min(5)),
            false,
        ),
        (
            "784-128-32-10 Chiang's cubic, float".into(),
            base(
                Activation::Polynomial(Polynomial::chiang_sigmoid3()),
                e.min(5),
            ),
            false,
        ),
    ];
    if args.skip_float_mlp {
        runs.clear();
    }
    if !args.skip_fixed {
        for bits in [16u32, 12, 8] {
            runs.push((
                format!("784-128-32-10 poly15, weight decay 1e-5, fixed point {bits} bits"),
                MlpConfig {
                    weight_decay: 1e-5,
                    precision: Precision::Fixed { frac_bits: bits },
                    ..base(poly15.clone(), args.fixed_epochs)
                },
                false,
            ));
        }
    }
    for (name, config, small) in runs {
        let (tr, te) = if small {
            (&small_train, &small_test)
        } else {
            (&train_px, &test_px)
        };
        let t = Instant::now();
        println!("{name}, {} epochs:", config.epochs);
        let result = train_mlp(tr, train_ds.labels(), te, test_ds.labels(), &config, |ep| {
            let z: Vec<String> = ep.max_abs_z.iter().map(|v| format!("{v:.1}")).collect();
            println!(
                "  epoch {:>3}: loss {:.4}  test {}  max|z| per layer [{}]  ({:.1} s)",
                ep.epoch,
                ep.train_loss,
                pct(ep.test_accuracy),
                z.join(", "),
                ep.seconds
            );
        });
        match result {
            Ok(run) => println!(
                "  => test accuracy {} after {} epochs, {:.1} s",
                pct(run.epochs.last().map_or(0.0, |ep| ep.test_accuracy)),
                run.epochs.len(),
                t.elapsed().as_secs_f64()
            ),
            Err(err) => println!("  => {err} ({:.1} s)", t.elapsed().as_secs_f64()),
        }
    }
    Ok(())
}
