//! The whole deployment through its files on fast insecure parameters (N = 2^12): keys,
//! encrypted upload, server training, flooded release, evaluation — encrypted accuracy equal
//! to the mirror's, and mismatched or damaged files refused with typed errors.

use std::path::PathBuf;

use blindfold_ckks::FloodingPolicy;
use blindfold_rns::sample::seeded_rng;
use blindfold_train::data::DataDir;
use blindfold_train::files::{Container, FileError, FileKind};
use blindfold_train::roles::{self, KeyDir, RoleError, Task};
use blindfold_train::transfer::train_clear;

fn data() -> Option<DataDir> {
    match DataDir::resolve(None) {
        Ok(d) => Some(d),
        Err(e) if std::env::var_os("BLINDFOLD_SKIP_DATA_TESTS").is_some() => {
            eprintln!("skipped: {e}");
            None
        }
        Err(e) => panic!("{e} (set BLINDFOLD_DATA, or BLINDFOLD_SKIP_DATA_TESTS=1)"),
    }
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("blindfold-roles-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn encrypted_training_through_files_matches_the_mirror() {
    let Some(data) = data() else { return };
    let dir = tmp("flow");
    let keys = KeyDir(dir.join("keys"));
    let mut rng = seeded_rng([1; 32]);
    let (samples, iterations) = (32, 2);
    let r = roles::keygen(&keys, "test", Task::Regnet, samples, iterations, &mut rng).unwrap();
    assert!(r.iterations_possible >= iterations);
    let dataset = dir.join("data.bf");
    roles::encrypt(&keys, &data, &dataset, &mut rng).unwrap();
    let model = dir.join("model.bf");
    let report = roles::train(&keys, &dataset, iterations, &model, |_, _| {}).unwrap();
    assert_eq!(report.iteration_seconds.len(), iterations);
    // Private decryption: the weights themselves, against the mirror.
    let weights = dir.join("w.bf");
    let (enc, _) = roles::decrypt(&keys, &model, &weights, None, &mut rng).unwrap();
    let (x, labels) = roles::training_rows(Task::Regnet, &data, samples).unwrap();
    let plan = roles::plan(Task::Regnet, samples, 1 << 11).unwrap();
    let mirror = train_clear(&plan, &x, &labels, iterations).unwrap();
    for (e, m) in enc.iter().zip(&mirror) {
        let scale = m.as_slice().iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let gap = e
            .as_slice()
            .iter()
            .zip(m.as_slice())
            .fold(0.0f64, |a, (u, v)| a.max((u - v).abs()));
        assert!(
            gap < 1e-3 * scale.max(1e-9),
            "gap {gap} on weights of size {scale}"
        );
    }
    // Flooded release: accuracy within a point of the mirror's.
    let (released, bits) = roles::decrypt(
        &keys,
        &model,
        &weights,
        Some(FloodingPolicy::default()),
        &mut rng,
    )
    .unwrap();
    assert!(bits >= FloodingPolicy::default().min_precision_bits);
    let (task, s, read) = roles::read_weights(&weights).unwrap();
    assert_eq!((task, s, read.len()), (Task::Regnet, samples, iterations));
    assert_eq!(read, released);
    for (r, m) in released.iter().zip(&mirror) {
        let (a, b) = (
            roles::evaluate(Task::Regnet, samples, r, &data).unwrap(),
            roles::evaluate(Task::Regnet, samples, m, &data).unwrap(),
        );
        assert!((a - b).abs() <= 0.01, "released {a} vs mirror {b}");
    }

    // Refusals: more iterations than prepared, a model given as dataset, damaged files,
    // keys of another session.
    assert!(matches!(
        roles::train(&keys, &dataset, iterations + 1, &model, |_, _| {}),
        Err(RoleError::Train(_))
    ));
    assert!(matches!(
        roles::train(&keys, &model, 1, &dir.join("m2.bf"), |_, _| {}),
        Err(RoleError::File(FileError::WrongKind { .. }))
    ));
    let mut bytes = std::fs::read(&dataset).unwrap();
    let cut = bytes.len() / 2;
    bytes.truncate(cut);
    let damaged = dir.join("damaged.bf");
    std::fs::write(&damaged, &bytes).unwrap();
    assert!(matches!(
        roles::train(&keys, &damaged, 1, &dir.join("m3.bf"), |_, _| {}),
        Err(RoleError::File(_))
    ));
    let other = KeyDir(dir.join("other"));
    roles::keygen(&other, "test", Task::Regnet, 16, 1, &mut rng).unwrap();
    assert!(matches!(
        roles::train(&other, &dataset, 1, &dir.join("m4.bf"), |_, _| {}),
        Err(RoleError::Mismatch(_))
    ));
    // A dataset whose ciphertexts belong to other parameters (same task header).
    let mut c = Container::read(&dataset, FileKind::Dataset).unwrap();
    c.set("samples", 16);
    c.write(&dir.join("relabelled.bf")).unwrap();
    assert!(
        roles::train(
            &other,
            &dir.join("relabelled.bf"),
            1,
            &dir.join("m5.bf"),
            |_, _| {}
        )
        .is_err()
    );
    assert!(matches!(
        roles::keygen(&other, "n99", Task::Regnet, 16, 1, &mut rng),
        Err(RoleError::Usage(_))
    ));
    std::fs::remove_dir_all(&dir).ok();
}

/// A bootstrapping preset (insecure N = 2^12 shaped like n16-boot): more iterations than the
/// chain holds, the weights refreshed by the server when the planner says so, the model
/// after every iteration within the bootstrap's precision of the mirror.
#[test]
fn bootstrapped_training_runs_past_the_chain() {
    let Some(data) = data() else { return };
    let dir = tmp("boot");
    let keys = KeyDir(dir.join("keys"));
    let mut rng = seeded_rng([7; 32]);
    let (samples, iterations) = (16, 3);
    let r = roles::keygen(
        &keys,
        "test-boot",
        Task::Regnet,
        samples,
        iterations,
        &mut rng,
    )
    .unwrap();
    assert!(r.iterations_possible >= 1000);
    let plan = roles::plan(Task::Regnet, samples, 1 << 11).unwrap();
    assert!(plan.levels_needed(iterations) > 12);
    let dataset = dir.join("data.bf");
    roles::encrypt(&keys, &data, &dataset, &mut rng).unwrap();
    let model = dir.join("model.bf");
    roles::train(&keys, &dataset, iterations, &model, |_, _| {}).unwrap();
    let weights = dir.join("w.bf");
    let (enc, _) = roles::decrypt(&keys, &model, &weights, None, &mut rng).unwrap();
    let (x, labels) = roles::training_rows(Task::Regnet, &data, samples).unwrap();
    let mirror = train_clear(&plan, &x, &labels, iterations).unwrap();
    assert_eq!(enc.len(), iterations);
    for (t, (e, m)) in enc.iter().zip(&mirror).enumerate() {
        let scale = m.as_slice().iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let gap = e
            .as_slice()
            .iter()
            .zip(m.as_slice())
            .fold(0.0f64, |a, (u, v)| a.max((u - v).abs()));
        eprintln!(
            "iteration {}: gap {gap:.2e} on weights up to {scale:.3}",
            t + 1
        );
        assert!(
            gap < 1e-3 * scale.max(1e-9),
            "iteration {}: gap {gap}",
            t + 1
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}
