//! `galerkin simulate` end to end: files, resume, refusal, bad input.

mod common;

use std::path::Path;

use galerkin::data::{partial_path, simulate, DataError, Dataset, Recipe, SimulateOptions};
use galerkin_solvers::{Schedule, Trajectory};

use common::{all_data, temp_dir};

fn recipe(path: &str, output: &Path, extra: &[&str]) -> Recipe {
    let mut overrides = vec![format!("output={:?}", output.display().to_string())];
    overrides.extend(extra.iter().map(|s| s.to_string()));
    Recipe::from_file(Path::new(path), &overrides).unwrap()
}

fn quiet() -> SimulateOptions {
    SimulateOptions::default()
}

#[test]
fn simulate_writes_the_native_schema_and_the_solver_output() {
    let dir = temp_dir("schema");
    let out = dir.join("b.h5");
    let r = recipe("datasets/burgers-tiny.toml", &out, &[]);
    let summary = simulate(&r, &quiet()).unwrap();
    assert_eq!((summary.written, summary.skipped), (4, 0));
    assert!(!partial_path(&out).exists());
    let ds = Dataset::open(&out).unwrap();
    assert_eq!(ds.shape(), &[4, 11, 64, 1]);
    assert_eq!(ds.done().unwrap(), vec![1; 4]);
    assert_eq!(ds.times().unwrap().len(), 11);
    assert_eq!(ds.read_vec("x").unwrap().len(), 64);
    assert_eq!(
        ds.read_vec("params/viscosity").unwrap(),
        vec![0.1, 0.1, 0.05, 0.05]
    );
    assert_eq!(ds.attribute("pde").as_deref(), Some("burgers"));
    assert_eq!(ds.attribute("recipe").unwrap(), r.canonical_text());
    // The stored trajectory is the solver's, subsampled 4:1, bit for bit (f64 storage).
    let plan = r.plan().unwrap();
    let (mut sim, _) = r.simulation(&plan.member(3)).unwrap();
    let traj = Trajectory::collect(&mut sim, &r.schedule().unwrap()).unwrap();
    let stored = ds.trajectory(3).unwrap();
    for t in 0..11 {
        for i in 0..64 {
            assert_eq!(
                stored[t * 64 + i].to_bits(),
                traj.snapshot(t)[4 * i].to_bits()
            );
        }
    }
    let info = ds.summary().unwrap();
    assert!(
        info.contains("complete  4/4") && info.contains("viscosity"),
        "{info}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_interrupted_run_resumes_to_identical_bytes() {
    let dir = temp_dir("resume");
    let (a, b) = (dir.join("a.h5"), dir.join("b.h5"));
    simulate(
        &recipe("datasets/ns-tiny.toml", &a, &["n_traj=4"]),
        &quiet(),
    )
    .unwrap();
    let rb = recipe("datasets/ns-tiny.toml", &b, &["n_traj=4"]);
    let fail = SimulateOptions {
        fail_after: Some(2),
        ..Default::default()
    };
    let err = simulate(&rb, &fail).unwrap_err();
    assert!(matches!(err, DataError::Interrupted(_)), "{err}");
    // Nothing looks complete: only the partial file exists, with 2 trajectories marked.
    assert!(!b.exists() && partial_path(&b).exists());
    let summary = simulate(&rb, &quiet()).unwrap();
    assert_eq!((summary.written, summary.skipped), (2, 2));
    assert_eq!(all_data(&a), all_data(&b));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_partial_file_of_another_recipe_is_refused() {
    let dir = temp_dir("mismatch");
    let out = dir.join("k.h5");
    let first = recipe("datasets/ks-tiny.toml", &out, &[]);
    let fail = SimulateOptions {
        fail_after: Some(1),
        ..Default::default()
    };
    assert!(simulate(&first, &fail).is_err());
    let other = recipe("datasets/ks-tiny.toml", &out, &["seed=99"]);
    let err = simulate(&other, &quiet()).unwrap_err();
    assert!(matches!(err, DataError::RecipeMismatch { .. }), "{err}");
    assert!(err.to_string().contains("different recipe"));
    // The original partial file is untouched and still resumes.
    assert_eq!(simulate(&first, &quiet()).unwrap().skipped, 1);
    // A finished file of another recipe is never overwritten either.
    let err = simulate(&other, &quiet()).unwrap_err();
    assert!(err.to_string().contains("never overwritten"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

/// Parses the tiny Burgers recipe with overrides and returns the error text.
fn bad(overrides: &[&str]) -> String {
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    Recipe::from_file(Path::new("datasets/burgers-tiny.toml"), &overrides)
        .unwrap_err()
        .to_string()
}

#[test]
fn bad_recipes_name_the_field() {
    let cases: [(&[&str], &str); 9] = [
        (&["colour=3"], "unknown field `colour`"),
        (&["time.steps=3"], "unknown field `steps`"),
        (&["parameters.viscosity=nan"], "parameters.viscosity"),
        (&["parameters.viscosity=-0.1"], "viscosity"),
        (&["time.dt=0.0"], "dt"),
        (&["time.t_end=1e-4"], "t_end"),
        (&["grid.n=3", "grid.save_n=3"], "`n` = 3"),
        (&["initial_condition.kind=\"teapot\""], "teapot"),
        (&["grid.save_n=100"], "grid.save_n"),
    ];
    for (overrides, expected) in cases {
        let msg = bad(overrides);
        assert!(msg.contains(expected), "{overrides:?}: {msg}");
    }
    // An unreadable initial-condition file is reported with its path when the run starts.
    let dir = temp_dir("badic");
    let r = recipe(
        "datasets/burgers-tiny.toml",
        &dir.join("x.h5"),
        &["initial_condition={ kind = \"file\", path = \"/nonexistent/u0.npy\" }"],
    );
    let err = simulate(&r, &quiet()).unwrap_err().to_string();
    assert!(err.contains("/nonexistent/u0.npy"), "{err}");
    assert!(!dir.join("x.h5").exists() && !partial_path(&dir.join("x.h5")).exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_wave_recipes_name_the_field() {
    let bad_wave = |overrides: &[&str]| {
        let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
        Recipe::from_file(Path::new("datasets/wave-tiny.toml"), &overrides)
            .unwrap_err()
            .to_string()
    };
    let cases: [(&[&str], &str); 4] = [
        (&["time.integrator=\"etdrk4\""], "implicit-midpoint"),
        (&["wave.nonlinearity=\"quartic\""], "sine-gordon"),
        (&["parameters.mass=-1.0"], "mass"),
        (&["wave.shape=2"], "unknown field `shape`"),
    ];
    for (overrides, expected) in cases {
        let msg = bad_wave(overrides);
        assert!(msg.contains(expected), "{overrides:?}: {msg}");
    }
    assert!(bad(&["wave={ nonlinearity = \"cubic\" }"]).contains("only for pde = \"wave\""));
}

#[test]
fn an_unwritable_output_is_reported_with_its_path() {
    let dir = temp_dir("unwritable");
    let blocker = dir.join("not-a-dir");
    std::fs::write(&blocker, b"file").unwrap();
    let out = blocker.join("out.h5");
    let err = simulate(&recipe("datasets/burgers-tiny.toml", &out, &[]), &quiet()).unwrap_err();
    assert!(err.to_string().contains("not-a-dir"), "{err}");
    assert!(!out.exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_preset_is_a_valid_recipe() {
    let mut count = 0;
    for entry in std::fs::read_dir("datasets").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let r =
                Recipe::from_file(&path, &[]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let schedule: Schedule = r.schedule().unwrap();
            assert!(schedule.n_saves() >= 2, "{}", path.display());
            count += 1;
        }
    }
    assert!(count >= 9, "expected the documented presets, found {count}");
}

#[test]
fn stopped_trajectories_are_flagged_and_listed() {
    let dir = temp_dir("flagged");
    let out = dir.join("f.h5");
    // A CFL limit no state can meet: every trajectory stops at its first save.
    let r = recipe(
        "datasets/burgers-tiny.toml",
        &out,
        &["time.cfl_limit=1e-12"],
    );
    let summary = simulate(&r, &quiet()).unwrap();
    assert_eq!(summary.unhealthy.len(), 4);
    assert!(summary.to_string().contains("CFL violation"), "{summary}");
    let ds = Dataset::open(&out).unwrap();
    assert!(ds.summary().unwrap().contains("flagged: [0, 1, 2, 3]"));
    std::fs::remove_dir_all(&dir).ok();
}
