//! ROM files and the file-to-file workflow (`reduce` → save → load → `evaluate`).

use std::collections::BTreeMap;

use galerkin::basis::Truncation;
use galerkin::data::Dataset;
use galerkin::rom::{
    PodOptions, PointSelection, ReducedModel, Reduction, RomIntegrator, RomKind, RunOptions,
};
use galerkin::workflow::{evaluate_on_dataset, reduce, ReduceOptions};

use super::common::{self, temp_dir};

fn tiny(dir: &std::path::Path, name: &str) -> Dataset {
    let path = dir.join(format!("{name}.h5"));
    common::simulate_recipe(&format!("datasets/{name}.toml"), &path);
    Dataset::open(&path).unwrap()
}

fn options(kind: Reduction) -> ReduceOptions {
    ReduceOptions {
        pod: PodOptions {
            truncation: Truncation::Rank(6),
            ..PodOptions::default()
        },
        kind,
        trajectories: vec![],
        times: None,
    }
}

#[test]
fn rom_file_round_trip_runs_without_the_full_model() {
    let dir = temp_dir("rom-io");
    let data = tiny(&dir, "ns-tiny");
    let run = RunOptions {
        dt: 0.01,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    };
    for kind in [
        Reduction::Galerkin,
        Reduction::Hyper {
            points: 0,
            selection: PointSelection::Qdeim,
        },
    ] {
        let (model, pod) = reduce(&data, &options(kind)).unwrap();
        assert_eq!(model.rank(), 6);
        assert_eq!(pod.n_snapshots, data.n_traj() * data.shape()[1]);
        let path = dir.join("rom.h5");
        model.save(&path).unwrap();
        let loaded = ReducedModel::load(&path).unwrap();
        assert_eq!(loaded.kind(), model.kind());
        assert_eq!(loaded.grid_shape, vec![16, 16]);
        // Any kind through the one loader, as the one interface; saved again unchanged.
        let stored = galerkin::workflow::StoredRom::load(&path).unwrap();
        assert_eq!(stored.model().kind(), model.kind());
        assert_eq!(stored.model().rank(), 6);
        let again = dir.join("rom-again.h5");
        stored.save(&again).unwrap();
        assert_eq!(galerkin::workflow::kind_of(&again).unwrap(), model.kind());
        std::fs::remove_file(&again).unwrap();
        assert_eq!(loaded.training_parameters["viscosity"].len(), 2);
        for i in 0..data.n_traj() {
            let a = evaluate_on_dataset(&model, &data, i, &run, None).unwrap();
            let b = evaluate_on_dataset(&loaded, &data, i, &run, None).unwrap();
            assert_eq!(a.error, b.error, "bit-identical after a round trip");
            // 16² stored from 32²: the ROM projects the 16² full model, a few % off the data.
            assert!(
                a.relative_error < 0.05,
                "{kind:?} trajectory {i}: {}",
                a.relative_error
            );
        }
        if let galerkin::rom::model::Nonlinear::Hyper(h) = &loaded.nonlinear {
            assert_eq!(h.points.len(), 12, "default m = 2r");
        }
    }
}

#[test]
fn wrong_files_get_clear_errors() {
    let dir = temp_dir("rom-wrong");
    let ns = tiny(&dir, "ns-tiny");
    let burgers = tiny(&dir, "burgers-tiny");
    let (model, _) = reduce(&ns, &options(Reduction::Galerkin)).unwrap();
    let run = RunOptions {
        dt: 0.01,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    };
    let err = evaluate_on_dataset(&model, &burgers, 0, &run, None).unwrap_err();
    assert!(
        err.to_string().contains("built for `navier-stokes`"),
        "{err}"
    );
    // A trajectory file is not a ROM file.
    let err = ReducedModel::load(&dir.join("ns-tiny.h5")).unwrap_err();
    assert!(err.to_string().contains("not a ROM file"), "{err}");
    let err = ReducedModel::load(&dir.join("missing.h5")).unwrap_err();
    assert!(err.to_string().contains("missing.h5"), "{err}");
    // dt that does not divide the save interval.
    let bad = RunOptions { dt: 0.03, ..run };
    let err = evaluate_on_dataset(&model, &ns, 0, &bad, None).unwrap_err();
    assert!(
        err.to_string().contains("divisor of the save interval"),
        "{err}"
    );
    // Out-of-range trajectories and time windows.
    let mut opts = options(Reduction::Galerkin);
    opts.trajectories = vec![5];
    assert!(reduce(&ns, &opts)
        .unwrap_err()
        .to_string()
        .contains("indices below 2"));
    let mut opts = options(Reduction::Galerkin);
    opts.times = Some(3..99);
    assert!(reduce(&ns, &opts)
        .unwrap_err()
        .to_string()
        .contains("time window"));
}

#[test]
fn wave_files_reduce_to_lifted_roms_that_run_from_the_file() {
    use galerkin::workflow::lifted::{evaluate_lifted, reduce_lifted};
    use galerkin::workflow::LiftedRomFile;
    let dir = temp_dir("rom-wave");
    let data = tiny(&dir, "wave-tiny");
    assert_eq!(data.fields(), 2);
    assert_eq!(data.shape(), &[2, 41, 24, 24, 2]);
    // The stored fields are the solver's: q at t = 0 is the initial expression, p is 0.
    let first = data.solver_snapshots(0, 0..1).unwrap();
    let centre = 12 * 24 + 12;
    assert!((first[centre] - 2.0).abs() < 1e-12, "{}", first[centre]);
    assert!(first[24 * 24..].iter().all(|p| *p == 0.0));
    let file = reduce_lifted(&data, 8, &[0, 1]).unwrap();
    let path = dir.join("lifted.h5");
    file.save(&path).unwrap();
    assert_eq!(
        galerkin::workflow::kind_of(&path).unwrap(),
        RomKind::LiftedQuadratic
    );
    let loaded = LiftedRomFile::load(&path).unwrap();
    assert_eq!(loaded.rom.dim(), 4 * 8);
    let stored = galerkin::workflow::StoredRom::load(&path).unwrap();
    assert_eq!(stored.model().kind(), RomKind::LiftedQuadratic);
    assert_eq!(stored.model().rank(), 4 * 8);
    assert_eq!(loaded.training_parameters["mass"], vec![0.0, 0.5]);
    for i in 0..2 {
        let a = evaluate_lifted(&file, &data, i).unwrap();
        let b = evaluate_lifted(&loaded, &data, i).unwrap();
        assert_eq!(a.squared, b.squared, "bit-identical after a round trip");
        let drift = a.lifted_energy_error.iter().fold(0f64, |m, e| m.max(*e));
        assert!(
            drift < 1e-12,
            "trajectory {i}: lifted energy drift {drift:e}"
        );
        assert!(a.error < 0.05, "trajectory {i}: {}", a.error);
    }
    // A lifted ROM file is not a Galerkin one, and a Burgers file is not a wave file.
    let err = ReducedModel::load(&path).unwrap_err();
    assert!(err.to_string().contains("lifted-quadratic"), "{err}");
    let burgers = tiny(&dir, "burgers-tiny");
    let err = evaluate_lifted(&file, &burgers, 0).unwrap_err();
    assert!(err.to_string().contains("holds `burgers`"), "{err}");
    let err = reduce_lifted(&burgers, 4, &[]).unwrap_err();
    assert!(err.to_string().contains("wave"), "{err}");
}

#[test]
fn evaluation_refuses_missing_or_blown_up_trajectories() {
    let dir = temp_dir("rom-eval-bad");
    let data = tiny(&dir, "burgers-tiny");
    let (model, _) = reduce(&data, &options(Reduction::Galerkin)).unwrap();
    let run = RunOptions {
        dt: 1e-3,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    };
    let err = evaluate_on_dataset(&model, &data, 9, &run, None).unwrap_err();
    assert!(
        err.to_string().contains("complete trajectory below 4"),
        "{err}"
    );
    // A stopped trajectory is stored as NaN: named, not compared.
    let path = dir.join("blown.h5");
    common::simulate_recipe_with(
        "datasets/burgers-tiny.toml",
        &path,
        &[
            "parameters.viscosity=[1e-6]",
            "n_traj=1",
            "time.cfl_limit=1e-3",
        ],
    );
    let blown = Dataset::open(&path).unwrap();
    let err = evaluate_on_dataset(&model, &blown, 0, &run, None).unwrap_err();
    assert!(err.to_string().contains("not finite"), "{err}");
}
