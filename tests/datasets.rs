//! `galerkin simulate` end to end: files, resume, refusal, bad input.

mod common;

use std::path::Path;

use galerkin::data::{
    partial_path, simulate, DataError, Dataset, Recipe, RecipeOverrides, SimulateOptions,
};
use galerkin_solvers::{Schedule, Trajectory};

use common::{all_data, temp_dir};

fn recipe(path: &str, output: &Path, extra: &[&str]) -> Recipe {
    try_recipe(path, output, extra).unwrap()
}

/// [`recipe`] that returns the error: the output is a typed override, the rest `--set`.
fn try_recipe(path: &str, output: &Path, extra: &[&str]) -> Result<Recipe, DataError> {
    let overrides = RecipeOverrides {
        set: extra.iter().map(|s| s.to_string()).collect(),
        output: Some(output.to_path_buf()),
        ..Default::default()
    };
    Recipe::from_file_with(Path::new(path), &overrides)
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
        (&["grid.n=3", "grid.save_n=3"], "`grid.n` = 3"),
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

/// Stored snapshot `t` of trajectory `i` (1-D, one field).
fn stored(ds: &Dataset, i: usize, t: usize) -> Vec<f64> {
    ds.snapshots(i, t..t + 1).unwrap()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn expressions_use_constants_and_parameters() {
    let dir = temp_dir("expr-params");
    let out = dir.join("e.h5");
    let r = recipe(
        "datasets/burgers-tiny.toml",
        &out,
        &[
            "constants={ nu0 = \"0.01/pi\", scale = \"2*nu0\" }",
            "parameters.viscosity=[\"nu0\", \"scale\"]",
            "initial_condition={ kind = \"expression\", expression = \"-sin(2*pi*x)*viscosity/nu0\" }",
            "n_traj=2",
            "time.t_end=0.1",
        ],
    );
    simulate(&r, &quiet()).unwrap();
    let ds = Dataset::open(&out).unwrap();
    let nu0 = 0.01 / std::f64::consts::PI;
    // Evaluated once, the same bits as the arithmetic written out.
    assert_eq!(
        bits(&ds.read_vec("params/viscosity").unwrap()),
        bits(&[nu0, 2.0 * nu0])
    );
    // The initial condition of the second member is scaled by its ν / ν0 = 2.
    let x = ds.read_vec("x").unwrap();
    for (i, scale) in [(0, 1.0), (1, 2.0)] {
        let u0 = stored(&ds, i, 0);
        for (u, x) in u0.iter().zip(&x) {
            let want = -(2.0 * std::f64::consts::PI * x).sin() * (scale * nu0) / nu0;
            assert!((u - want).abs() < 1e-14, "member {i}: {u} vs {want}");
        }
    }
    // The canonical text keeps the formulas, not the values.
    let text = ds.attribute("recipe").unwrap();
    assert!(text.contains("nu0 = \"0.01/pi\""), "{text}");
    // Mistakes name the field and what is available.
    let dir2 = dir.join("bad");
    let err = |set: &[&str]| {
        try_recipe("datasets/burgers-tiny.toml", &dir2, set)
            .unwrap_err()
            .to_string()
    };
    let msg = err(&["parameters.viscosity=\"nu1/2\""]);
    assert!(
        msg.contains("parameters.viscosity") && msg.contains("unknown name `nu1`"),
        "{msg}"
    );
    let msg = err(&["constants={ a = \"b\", b = \"a\" }"]);
    assert!(
        msg.contains("constants.a") && msg.contains("cycles"),
        "{msg}"
    );
    let msg = err(&["constants={ pi = 3 }"]);
    assert!(msg.contains("constants.pi"), "{msg}");
    let msg = err(&["constants={ viscosity = 3 }"]);
    assert!(msg.contains("not also a parameter"), "{msg}");
    let msg = err(&["parameters.viscosity=\"0.1*x\""]);
    assert!(msg.contains("`x` is a coordinate"), "{msg}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_pinn_burgers_recipe_runs_on_minus_one_to_one() {
    let dir = temp_dir("pinn");
    let out = dir.join("p.h5");
    // The preset on a coarser grid and a shorter time (before the shock forms).
    let r = recipe(
        "datasets/burgers-pinn.toml",
        &out,
        &[
            "grid.n=256",
            "grid.save_n=64",
            "time.dt=1e-3",
            "time.t_end=0.2",
            "time.save_every=20",
        ],
    );
    simulate(&r, &quiet()).unwrap();
    let ds = Dataset::open(&out).unwrap();
    let x = ds.read_vec("x").unwrap();
    assert_eq!(x.len(), 64);
    assert_eq!((x[0], x[32]), (-1.0, 0.0));
    assert!((x[63] - (1.0 - 2.0 / 64.0)).abs() < 1e-15);
    assert_eq!(
        ds.read_vec("params/viscosity").unwrap()[0].to_bits(),
        (0.01 / std::f64::consts::PI).to_bits()
    );
    let u0 = stored(&ds, 0, 0);
    for (u, x) in u0.iter().zip(&x) {
        assert!(
            (u + (std::f64::consts::PI * x).sin()).abs() < 1e-14,
            "{u} at {x}"
        );
    }
    // Burgers keeps u odd about x = 0, so u(±1) = 0 as in the Dirichlet problem.
    let last = stored(&ds, 0, ds.times().unwrap().len() - 1);
    assert!(
        last[0].abs() < 1e-12 && last[32].abs() < 1e-12,
        "{} {}",
        last[0],
        last[32]
    );
    for i in 1..32 {
        assert!((last[32 + i] + last[32 - i]).abs() < 1e-12);
    }
    // The origin only relabels the points: on [0, 2) the same initial values are
    // sin(πx) (= −sin(π(x − 1))), and the run is the same.
    let r0 = recipe(
        "datasets/burgers-pinn.toml",
        &dir.join("p0.h5"),
        &[
            "grid.n=256",
            "grid.save_n=64",
            "time.dt=1e-3",
            "time.t_end=0.2",
            "time.save_every=20",
            "grid.origin=0.0",
            "initial_condition.expression=\"sin(pi*x)\"",
        ],
    );
    simulate(&r0, &quiet()).unwrap();
    let shifted = stored(&Dataset::open(&dir.join("p0.h5")).unwrap(), 0, 10);
    for i in 0..64 {
        assert!((shifted[i] - last[i]).abs() < 1e-12);
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn saves_in_a_window_at_listed_times_and_an_off_grid_end() {
    let dir = temp_dir("save-plan");
    let plain = dir.join("plain.h5");
    simulate(&recipe("datasets/burgers-tiny.toml", &plain, &[]), &quiet()).unwrap();
    let plain = Dataset::open(&plain).unwrap();
    let plain_t = plain.times().unwrap();
    // A window, explicit times (one off the step grid) and t_end = 0.5005 (500 steps of
    // 1e-3 and one of 5e-4).
    let out = dir.join("w.h5");
    let r = recipe(
        "datasets/burgers-tiny.toml",
        &out,
        &[
            "time.t_end=0.5005",
            "time.save={ from = 0.2, until = 0.4 }",
            "time.save_times=[0.0, 0.0125, 0.3, 0.5005]",
        ],
    );
    simulate(&r, &quiet()).unwrap();
    let ds = Dataset::open(&out).unwrap();
    let t = ds.times().unwrap();
    assert_eq!(t.len(), 8, "{t:?}");
    assert_eq!((t[0], t[1], t[7]), (0.0, 0.0125, 0.5005));
    assert_eq!(bits(&t[2..7]), bits(&plain_t[4..9]));
    // On-grid saves are the uniform run's, bit for bit (the short steps ran on copies).
    for i in 0..4 {
        assert_eq!(bits(&stored(&ds, i, 0)), bits(&stored(&plain, i, 0)));
        for k in 2..7 {
            assert_eq!(bits(&stored(&ds, i, k)), bits(&stored(&plain, i, k + 2)));
        }
        // The final shorter step moves the state a little past u(0.5).
        let (a, b) = (stored(&ds, i, 7), stored(&plain, i, 10));
        let diff = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(diff > 0.0 && diff < 1e-2, "{diff}");
    }
    // Only listed times, with `save_every` left out.
    let only = recipe(
        "datasets/burgers-tiny.toml",
        &dir.join("o.h5"),
        &["time.save_every=0", "time.save_times=[0.1, 0.2]"],
    );
    assert_eq!(only.save_plan().unwrap().times(), vec![0.1, 0.2]);
    assert!(!only.canonical_text().contains("save_every"));
    // Mistakes name the time.
    let err = |set: &[&str]| {
        try_recipe("datasets/burgers-tiny.toml", &dir.join("x.h5"), set)
            .unwrap_err()
            .to_string()
    };
    let msg = err(&["time.save_times=[0.2, 0.1]"]);
    assert!(
        msg.contains("`time.save_times` = 0.1") && msg.contains("increasing"),
        "{msg}"
    );
    let msg = err(&["time.save_times=[0.7]"]);
    assert!(
        msg.contains("`time.save_times` = 0.7") && msg.contains("[0, t_end = 0.5]"),
        "{msg}"
    );
    let msg = err(&["time.save_from=0.4", "time.save_until=0.3"]);
    assert!(msg.contains("time.save_from"), "{msg}");
    let msg = err(&["time.save_from=0.1", "time.save={ from = 0.2 }"]);
    assert!(msg.contains("not both"), "{msg}");
    let msg = err(&["time.save_every=0"]);
    assert!(msg.contains("time.save_every"), "{msg}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn parameter_ranges_are_checked_before_any_trajectory() {
    let dir = temp_dir("ranges");
    let out = dir.join("r.h5");
    let err = |set: &[&str]| {
        try_recipe("datasets/burgers-tiny.toml", &out, set)
            .unwrap_err()
            .to_string()
    };
    // A uniform range reaching below 0: the low bound is named, whatever member 0 draws.
    let msg = err(&["parameters.viscosity={ low = -0.1, high = 0.1 }"]);
    assert!(
        msg.contains("`parameters.viscosity`") && msg.contains("low = -0.1"),
        "{msg}"
    );
    let msg = err(&["parameters.viscosity=[0.1, -0.05]"]);
    assert!(msg.contains("entry 1 = -0.05"), "{msg}");
    let msg = err(&[
        "parameters.viscosity={ start = 0.1, stop = -0.1, num = 3 }",
        "n_traj=3",
    ]);
    assert!(msg.contains("entry 1 = 0"), "{msg}");
    let msg = err(&["parameters.viscosity={ low = 0.2, high = 0.1 }"]);
    assert!(msg.contains("low <= high"), "{msg}");
    let msg = err(&["parameters.viscosity=[0.1, 0.05, 0.02]"]);
    assert!(
        msg.contains("n_traj") && msg.contains("viscosity: 3"),
        "{msg}"
    );
    // low = high is one value.
    let r = recipe(
        "datasets/burgers-tiny.toml",
        &out,
        &["parameters.viscosity={ low = 0.1, high = 0.1 }"],
    );
    assert_eq!(r.plan().unwrap().len(), 4);
    assert!(!out.exists() && !partial_path(&out).exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unknown_keys_in_a_file_give_their_line() {
    let dir = temp_dir("lines");
    let text = std::fs::read_to_string("datasets/burgers-tiny.toml").unwrap();
    for (key, after) in [
        ("colour = 3", "seed = 0"),
        ("lenght = 2.0", "length = 1.0"),
        ("steps = 3", "dt = 1e-3"),
    ] {
        let line = text.lines().position(|l| l == after).unwrap() + 2;
        let path = dir.join("r.toml");
        std::fs::write(&path, text.replace(after, &format!("{after}\n{key}"))).unwrap();
        let msg = Recipe::from_file(&path, &[]).unwrap_err().to_string();
        let name = key.split(' ').next().unwrap();
        assert!(
            msg.contains(&format!("line {line},"))
                && msg.contains(&format!("unknown field `{name}`")),
            "{key}: {msg}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn typed_overrides_keep_any_output_path_and_seed() {
    let dir = temp_dir("typed");
    let out = dir.join("caf\u{e9} \"q\" \\ cafe\u{301}.h5");
    let r = recipe("datasets/burgers-tiny.toml", &out, &["n_traj=2"]);
    assert_eq!(r.output, out);
    let r = Recipe::from_file_with(
        Path::new("datasets/burgers-tiny.toml"),
        &RecipeOverrides {
            seed: Some(u64::MAX),
            ..Default::default()
        },
    );
    let msg = r.unwrap_err().to_string();
    assert!(msg.contains("`seed`") && msg.contains("2^63 - 1"), "{msg}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn health_is_tracked_over_the_whole_run_and_shown() {
    let dir = temp_dir("health");
    let out = dir.join("h.h5");
    simulate(&recipe("datasets/burgers-tiny.toml", &out, &[]), &quiet()).unwrap();
    let ds = Dataset::open(&out).unwrap();
    let (last, max) = (
        ds.read_vec("health/tail_ratio").unwrap(),
        ds.read_vec("health/max_tail_ratio").unwrap(),
    );
    assert!(
        last.iter().zip(&max).all(|(l, m)| m >= l),
        "{last:?} {max:?}"
    );
    // Viscous decay: the largest tail is before the end.
    assert!(
        last.iter().zip(&max).any(|(l, m)| m > l),
        "{last:?} {max:?}"
    );
    let info = ds.summary().unwrap();
    assert!(
        info.contains("stored as f64") && info.contains("default f32"),
        "{info}"
    );
    assert!(
        info.contains("over all saves: max CFL") && info.contains("max spectral tail ratio"),
        "{info}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn new_keys_leave_existing_canonical_texts_alone() {
    for entry in std::fs::read_dir("datasets").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let r = Recipe::from_file(&path, &[]).unwrap();
        let canonical = r.canonical_text();
        for key in [
            "constants",
            "origin",
            "x0",
            "y0",
            "save_from",
            "save_until",
            "save_times",
            "[time.save]",
        ] {
            assert_eq!(
                canonical.contains(key),
                text.contains(key),
                "{}: `{key}`\n{canonical}",
                path.display()
            );
        }
        // A uniform recipe's save plan is its schedule.
        if !text.contains("save_times") && !text.contains("save_from") {
            if let Ok(schedule) = r.schedule() {
                assert_eq!(
                    bits(&r.save_plan().unwrap().times()),
                    bits(&schedule.save_times())
                );
            }
        }
    }
}
