//! The fully connected network through the roles' files on fast insecure parameters
//! (N = 2^12): keys for the plan's rotations, the encrypted model and batches, server
//! steps, flooded and private release — weights within CKKS precision of the mirror, equal
//! test accuracy — and files of another network or pipeline refused.

mod common;

use blindfold_ckks::FloodingPolicy;
use blindfold_rns::sample::seeded_rng;
use blindfold_train::files::{Container, FileKind};
use blindfold_train::reference::mlp::Mlp;
use blindfold_train::roles::fcnet::{self as fc, FcSpec};
use blindfold_train::roles::{self, KeyDir, RoleError, Task};

/// 196-8-10 on batches of 8: small enough for N = 2^12 and the `test` preset's levels.
fn spec() -> FcSpec {
    FcSpec {
        layers: vec![196, 8, 10],
        batch: 8,
        ..FcSpec::default()
    }
}

fn gap(a: &Mlp, b: &Mlp) -> (f64, f64) {
    let mut gap = 0.0f64;
    let mut scale = 0.0f64;
    for (x, y) in a.layers().iter().zip(b.layers()) {
        for (u, v) in x
            .weights
            .as_slice()
            .iter()
            .chain(&x.bias)
            .zip(y.weights.as_slice().iter().chain(&y.bias))
        {
            gap = gap.max((u - v).abs());
            scale = scale.max(v.abs());
        }
    }
    (gap, scale)
}

#[test]
fn encrypted_fc_steps_through_files_match_the_mirror() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let tmp = common::TempDir::new("fc-flow");
    let dir = tmp.path();
    let keys = KeyDir(dir.join("keys"));
    let mut rng = seeded_rng([3; 32]);
    let spec = spec();
    let r = fc::keygen(&keys, "test", &spec, 1, &mut rng).unwrap();
    assert!(r.iterations_possible >= 1);
    assert_eq!(roles::task_of(&keys).unwrap(), fc::TASK);
    let dataset = dir.join("data.bf");
    fc::encrypt(&keys, &data, &dataset, &mut rng).unwrap();
    let model = dir.join("model.bf");
    let report = fc::train(&keys, &dataset, 1, &model, |_, _| {}).unwrap();
    assert_eq!(report.iteration_seconds.len(), 1);

    let mirror = fc::mirror(&spec, 1, 0, &data, |_, _, _| {}).unwrap();
    let moved = gap(&mirror.steps[0], &spec.initial_model()).0;
    assert!(moved > 1e-4, "the step moved the weights by {moved}");

    // Private release: the weights themselves, against the mirror.
    let private = dir.join("private.bf");
    let (nets, _) = fc::decrypt(&keys, &model, &private, None, &mut rng).unwrap();
    let (g, scale) = gap(&nets[0], &mirror.steps[0]);
    assert!(g < 1e-6 * scale, "gap {g} on weights of size {scale}");
    // Flooded release: still the mirror's model to a few digits, same test accuracy.
    let released = dir.join("released.bf");
    let (nets, bits) = fc::decrypt(
        &keys,
        &model,
        &released,
        Some(FloodingPolicy::default()),
        &mut rng,
    )
    .unwrap();
    assert!(bits > 10.0, "{bits} bits left after flooding");
    let (g, scale) = gap(&nets[0], &mirror.steps[0]);
    assert!(
        g < 1e-3 * scale,
        "flooded gap {g} on weights of size {scale}"
    );
    let c = Container::read(&released, FileKind::Weights).unwrap();
    let (read_spec, read) = fc::weights_from_container(&c).unwrap();
    assert_eq!(read_spec, spec);
    assert_eq!(read, nets);
    let enc_acc = fc::evaluate(&spec, &read[0], &data).unwrap();
    let mirror_acc = fc::evaluate(&spec, &mirror.steps[0], &data).unwrap();
    assert!(
        (enc_acc - mirror_acc).abs() <= 2e-4,
        "{enc_acc} vs {mirror_acc}"
    );

    // More steps than the owner prepared, and a dataset made for another network.
    assert!(matches!(
        fc::train(&keys, &dataset, 2, &dir.join("m2.bf"), |_, _| {}),
        Err(RoleError::Train(_))
    ));
    let other = KeyDir(dir.join("other"));
    let wider = FcSpec {
        layers: vec![196, 12, 10],
        ..spec.clone()
    };
    fc::keygen(&other, "test", &wider, 1, &mut rng).unwrap();
    assert!(matches!(
        fc::train(&other, &dataset, 1, &dir.join("m3.bf"), |_, _| {}),
        Err(RoleError::Mismatch(_))
    ));
    // A transfer-learning key directory is not an FC one, and the other way round.
    let transfer = KeyDir(dir.join("transfer"));
    roles::keygen(&transfer, "test", Task::Regnet, 16, 1, &mut rng).unwrap();
    assert!(matches!(
        fc::encrypt(&transfer, &data, &dir.join("d2.bf"), &mut rng),
        Err(RoleError::Mismatch(_))
    ));
    assert!(roles::train(&keys, &dataset, 1, &dir.join("m4.bf"), |_, _| {}).is_err());
}

#[test]
fn bad_specs_are_refused_before_any_key() {
    let mut rng = seeded_rng([4; 32]);
    let tmp = common::TempDir::new("fc-bad");
    let keys = KeyDir(tmp.path().join("keys"));
    for (spec, why) in [
        (
            FcSpec {
                layers: vec![100, 8, 10],
                ..spec()
            },
            "inputs",
        ),
        (
            FcSpec {
                layers: vec![196, 8, 7],
                ..spec()
            },
            "classes",
        ),
        (FcSpec { batch: 0, ..spec() }, "batch"),
    ] {
        assert!(
            matches!(
                fc::keygen(&keys, "test", &spec, 1, &mut rng),
                Err(RoleError::Usage(_))
            ),
            "{why}"
        );
    }
    // More steps than the preset's levels hold.
    assert!(matches!(
        fc::keygen(&keys, "test", &spec(), 50, &mut rng),
        Err(RoleError::Usage(_))
    ));
    assert!(!keys.params().exists());
}

/// Past one chain: `test-boot` (insecure N = 2^12 shaped like n16-boot) refreshes inside
/// every step, where the plan says; three steps through the files stay within CKKS
/// precision of the mirror and the model stays refreshable.
#[test]
fn bootstrapped_fc_steps_match_the_mirror() {
    let Some(data) = common::data_dir() else {
        return;
    };
    let tmp = common::TempDir::new("fc-boot");
    let dir = tmp.path();
    let keys = KeyDir(dir.join("keys"));
    let mut rng = seeded_rng([5; 32]);
    let spec = spec();
    let steps = 3;
    // More steps than any one chain of `test` holds: refused there, bootstrapped here.
    assert!(matches!(
        fc::keygen(&keys, "test", &spec, 8, &mut rng),
        Err(RoleError::Usage(_))
    ));
    let r = fc::keygen(&keys, "test-boot", &spec, steps, &mut rng).unwrap();
    assert_eq!(r.iterations_possible, usize::MAX);
    let dataset = dir.join("data.bf");
    fc::encrypt(&keys, &data, &dataset, &mut rng).unwrap();
    let model = dir.join("model.bf");
    let report = fc::train(&keys, &dataset, steps, &model, |_, _| {}).unwrap();
    assert_eq!(report.iteration_seconds.len(), steps);
    assert!(
        report.levels_left >= 3,
        "{} levels left",
        report.levels_left
    );
    assert!(report.refreshes > 0);
    assert_eq!(
        Some(report.refreshes),
        fc::planned_refreshes(&keys, steps).unwrap()
    );

    let mirror = fc::mirror(&spec, steps, 0, &data, |_, _, _| {}).unwrap();
    let private = dir.join("private.bf");
    let (nets, _) = fc::decrypt(&keys, &model, &private, None, &mut rng).unwrap();
    let gaps = fc::weight_gaps(&nets, &mirror.steps).unwrap();
    for (k, (net, want)) in nets.iter().zip(&mirror.steps).enumerate() {
        let (g, scale) = gap(net, want);
        assert!(
            g < 1e-5 * scale,
            "step {}: gap {g} on weights of size {scale}",
            k + 1
        );
        assert_eq!(gaps[k], (g, scale));
    }
    assert!(matches!(
        fc::weight_gaps(&nets[..1], &mirror.steps),
        Err(RoleError::Mismatch(_))
    ));
    // The mirror's networks as a weights file (what `blindfold mirror --out` writes).
    let mirror_file = dir.join("mirror.bf");
    fc::write_weights(&spec, &mirror.steps, false, &mirror_file).unwrap();
    let c = Container::read(&mirror_file, FileKind::Weights).unwrap();
    assert_eq!(
        fc::weights_from_container(&c).unwrap(),
        (spec, mirror.steps)
    );
}
