//! Training neural operators from trajectory files: FNO-1D learns the Burgers solution
//! operator with AdamW and with Muon, a resumed run equals an uninterrupted one bit for
//! bit, k-step rollout training of an FNO-2D on Navier–Stokes beats persistence, and bad
//! settings are refused with the recipe key named.
#![cfg(feature = "operators")]

mod common;

use std::ops::ControlFlow;

use galerkin::data::Dataset;
use galerkin::operators::cpu_f64;
use galerkin::operators::data::{Task, Trajectories};
use galerkin::operators::error::OperatorError;
use galerkin::operators::loss::LossKind;
use galerkin::operators::train::{
    rollout_errors, Optimizer, Schedule, TrainJob, TrainOptions, TrainState,
};
use galerkin::workflow::training::checkpoint;
use galerkin::workflow::training::samples::read_trajectories;

/// Trajectories `train` and `test` of the dataset recipe `recipe`, simulated into a temp dir.
fn data(
    recipe: &str,
    test_name: &str,
    split: (usize, usize, usize),
) -> (Trajectories, Trajectories) {
    let dir = common::temp_dir(test_name);
    let path = dir.join("data.h5");
    common::simulate_recipe(recipe, &path);
    let dataset = Dataset::open(&path).unwrap();
    let (a, b, c) = split;
    (
        read_trajectories(&dataset, a..b).unwrap(),
        read_trajectories(&dataset, b..c).unwrap(),
    )
}

fn burgers(test_name: &str) -> (Trajectories, Trajectories) {
    data(
        "datasets/operator-burgers-small.toml",
        test_name,
        (0, 40, 48),
    )
}

/// The Burgers job of the two optimizer tests: 60 epochs of batch 8, cosine from 1e-2, f64.
fn burgers_job<'a>(
    train: &'a Trajectories,
    test: &'a Trajectories,
    optimizer: Optimizer,
) -> TrainJob<'a> {
    TrainJob {
        train,
        test,
        task: Task::Final {
            input: 0,
            output: train.saves() - 1,
        },
        normalize: false,
        options: TrainOptions {
            epochs: 60,
            batch: 8,
            lr: 1e-2,
            schedule: Schedule::Cosine,
            weight_decay: 1e-4,
            optimizer,
            loss: LossKind::L2,
            seed: 1,
        },
        device: cpu_f64(),
    }
}

/// Trains the small FNO-1D (width 12, 8 modes, 3 layers) of `job` from its seed.
fn train_small(job: &TrainJob) -> TrainState {
    let fresh = job.fresh(12, 8, 3, 24).unwrap();
    job.run(fresh, &mut |_| {}, &mut |_| Ok(ControlFlow::Continue(())))
        .unwrap()
}

#[test]
fn fno_learns_the_burgers_solution_operator() {
    let (train, test) = burgers("train-adamw");
    let job = burgers_job(&train, &test, Optimizer::AdamW);
    let state = train_small(&job);
    let h = &state.history;
    let (first, last) = (h.train_loss[0], *h.train_loss.last().unwrap());
    let held_out = *h.test_error.last().unwrap();
    // Measured: training loss 12.5 → 0.003, held-out relative L² 0.010.
    assert!(last < 0.01 * first, "training loss {first} → {last}");
    assert!(held_out < 0.02, "held-out relative L2 {held_out}");
    assert_eq!(h.test_error.len(), 60);
    assert_eq!(state.step, 60 * 5);
}

#[test]
fn muon_trains_the_same_operator() {
    let (train, test) = burgers("train-muon");
    let job = burgers_job(&train, &test, Optimizer::Muon { lr_ratio: 2.0 });
    let h = train_small(&job).history;
    let (first, last) = (h.train_loss[0], *h.train_loss.last().unwrap());
    let held_out = *h.test_error.last().unwrap();
    // Measured: held-out relative L² 0.03.
    assert!(last < 0.01 * first, "training loss {first} → {last}");
    assert!(held_out < 0.05, "held-out relative L2 {held_out}");
}

#[test]
fn a_resumed_run_equals_an_uninterrupted_one() {
    let (train, test) = burgers("train-resume");
    for optimizer in [Optimizer::AdamW, Optimizer::Muon { lr_ratio: 2.0 }] {
        let mut job = burgers_job(&train, &test, optimizer);
        job.options.epochs = 4;
        let straight = train_small(&job);
        // Two epochs, a checkpoint written and read back, then the last two.
        let dir = common::temp_dir("train-resume-ckpt");
        let path = dir.join("checkpoint.h5");
        let fresh = job.fresh(12, 8, 3, 24).unwrap();
        let mut save_and_stop_at_2 = |s: &TrainState| {
            checkpoint::save(&path, s, "recipe text")?;
            Ok(if s.epoch == 2 {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            })
        };
        job.run(fresh, &mut |_| {}, &mut save_and_stop_at_2)
            .unwrap();
        let loaded = checkpoint::load(&path).unwrap();
        assert_eq!(loaded.recipe, "recipe text");
        assert_eq!(loaded.state.epoch, 2);
        let resumed = job
            .run(loaded.state, &mut |_| {}, &mut |_| {
                Ok(ControlFlow::Continue(()))
            })
            .unwrap();
        assert_eq!(resumed.weights, straight.weights, "{optimizer:?}");
        assert_eq!(resumed.optimizer, straight.optimizer, "{optimizer:?}");
        assert_eq!(resumed.history.train_loss, straight.history.train_loss);
    }
}

#[test]
fn rollout_training_of_an_fno_2d_beats_persistence() {
    let (train, test) = data("datasets/operator-ns-small.toml", "train-ns", (0, 10, 12));
    let task = Task::Autoregressive {
        stride: 1,
        history: 2,
        rollout: 2,
    };
    let job = TrainJob {
        train: &train,
        test: &test,
        task,
        normalize: false,
        options: TrainOptions {
            epochs: 15,
            batch: 10,
            lr: 5e-3,
            schedule: Schedule::Cosine,
            weight_decay: 1e-4,
            optimizer: Optimizer::AdamW,
            loss: LossKind::H1,
            seed: 0,
        },
        device: cpu_f64(),
    };
    let fresh = job.fresh(12, 6, 2, 24).unwrap();
    let state = job
        .run(fresh, &mut |_| {}, &mut |_| Ok(ControlFlow::Continue(())))
        .unwrap();
    let one_step = *state.history.test_error.last().unwrap();
    // Persistence (u_{t+Δ} ≈ u_t) on the held-out trajectories, same samples.
    let samples = test.samples(&task).unwrap();
    let persistence = samples
        .iter()
        .map(|&(i, t)| {
            let (now, next) = (&test.fields[i][t - 1], &test.fields[i][t]);
            let err: f64 = now.iter().zip(next).map(|(a, b)| (a - b).powi(2)).sum();
            let norm: f64 = next.iter().map(|b| b * b).sum();
            (err / norm).sqrt()
        })
        .sum::<f64>()
        / samples.len() as f64;
    println!("one-step {one_step:.4}, persistence {persistence:.4}");
    assert!(
        one_step < 0.5 * persistence,
        "one-step {one_step} vs persistence {persistence}"
    );
    let rollout =
        rollout_errors((&state.weights, state.scales), &test, (1, 2), &cpu_f64()).unwrap();
    // Frames 2…10 predicted from frames 0 and 1: nine steps at t = 1, 1.5, …, 5.
    assert_eq!(rollout.len(), 9);
    assert!((rollout[0].0 - 1.0).abs() < 1e-12 && (rollout[8].0 - 5.0).abs() < 1e-12);
    assert!(rollout.iter().all(|(_, e)| e.is_finite()));
}

#[test]
fn bad_settings_name_the_key() {
    let (train, test) = burgers("train-errors");
    let job = burgers_job(&train, &test, Optimizer::AdamW);
    let fresh = || job.fresh(12, 8, 3, 24).unwrap();
    let refused = |job: &TrainJob, state: TrainState, key: &str| match job.run(
        state,
        &mut |_| {},
        &mut |_| Ok(ControlFlow::Continue(())),
    ) {
        Err(e) => assert!(e.to_string().contains(key), "{key}: {e}"),
        Ok(_) => panic!("{key}: accepted"),
    };
    let mut bad = job.clone();
    bad.options.batch = 0;
    refused(&bad, fresh(), "train.batch");
    let mut bad = job.clone();
    bad.options.lr = f64::NAN;
    refused(&bad, fresh(), "train.lr");
    // 40 modes on 64 points: the FNO keeps at most 32.
    refused(&job, job.fresh(12, 40, 3, 24).unwrap(), "model.modes");
    let mut bad = job.clone();
    bad.task = Task::Final {
        input: 1,
        output: 1,
    };
    refused(&bad, fresh(), "data.input_save");
    let mut bad = job.clone();
    bad.task = Task::Autoregressive {
        stride: 1,
        history: 1,
        rollout: 5,
    };
    refused(&bad, fresh(), "data.history");
    // A learning rate far too large makes the loss non-finite: the run stops and says so.
    let mut bad = job.clone();
    bad.options.lr = 1e150;
    bad.options.epochs = 3;
    match bad.run(fresh(), &mut |_| {}, &mut |_| Ok(ControlFlow::Continue(()))) {
        Err(OperatorError::Diverged { .. }) => {}
        other => panic!("expected Diverged, got {other:?}"),
    }
}

#[test]
fn every_training_recipe_is_valid_and_fits_its_dataset() {
    use galerkin::data::Recipe;
    use galerkin::workflow::training::recipe::TrainRecipe;
    let mut count = 0;
    for entry in std::fs::read_dir("training").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let recipe = TrainRecipe::from_file(&path, &[])
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let dataset = Recipe::from_file(&recipe.data.dataset, &[])
            .unwrap_or_else(|e| panic!("{}: dataset: {e}", path.display()));
        for [_, end] in [recipe.data.train, recipe.data.test] {
            assert!(
                end <= dataset.n_traj,
                "{}: trajectory range ends at {end}, the dataset has {}",
                path.display(),
                dataset.n_traj
            );
        }
        count += 1;
    }
    assert!(count >= 7, "expected the documented recipes, found {count}");
}

#[test]
fn recipe_choices_are_typed_and_unknown_names_are_refused() {
    use galerkin::data::Precision;
    use galerkin::workflow::training::recipe::{
        OptimizerName, ScheduleName, TaskName, TrainRecipe,
    };
    let path = std::path::Path::new("training/smoke-ns.toml");
    let set = |overrides: &[&str]| {
        let overrides: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
        TrainRecipe::from_file(path, &overrides)
    };
    let recipe = set(&[]).unwrap();
    assert_eq!(recipe.data.task, TaskName::Autoregressive);
    assert_eq!(recipe.train.schedule, ScheduleName::Cosine);
    assert_eq!(recipe.train.optimizer, OptimizerName::AdamW);
    assert_eq!(recipe.train.loss, LossKind::H1);
    assert_eq!(recipe.train.precision, Precision::F64);
    // `--set` overrides reach the typed fields, and the canonical text keeps the names.
    let muon = set(&[
        "train.optimizer=muon",
        "train.muon_lr_ratio=3",
        "train.schedule=step",
        "data.task=final",
    ])
    .unwrap();
    assert_eq!(
        muon.options().unwrap().optimizer,
        Optimizer::Muon { lr_ratio: 3.0 }
    );
    assert!(matches!(
        muon.options().unwrap().schedule,
        Schedule::Step { .. }
    ));
    assert_eq!(
        muon.task_for(5),
        Task::Final {
            input: 0,
            output: 4
        }
    );
    let text = muon.canonical_text();
    assert!(text.contains(r#"optimizer = "muon""#), "{text}");
    assert!(text.contains(r#"task = "final""#), "{text}");
    // An unknown name is refused with the key and every allowed name.
    for (key, value, allowed) in [
        ("train.optimizer", "sgd", ["`adamw`", "`muon`"]),
        ("train.schedule", "linear", ["`cosine`", "`step`"]),
        ("train.loss", "l1", ["`l2`", "`h1`"]),
        ("train.precision", "f16", ["`f32`", "`f64`"]),
        ("data.task", "pairs", ["`final`", "`autoregressive`"]),
    ] {
        let e = set(&[&format!("{key}={value}")]).unwrap_err().to_string();
        assert!(e.contains(key) && e.contains(value), "{key}: {e}");
        for name in allowed {
            assert!(e.contains(name), "{key}: {e}");
        }
    }
}
