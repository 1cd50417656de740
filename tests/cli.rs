//! The command line end to end: simulate → reduce → evaluate (Galerkin, Q-DEIM, adaptive,
//! lifted), and the errors users see for wrong combinations.

mod common;

use std::path::Path;

use common::{galerkin, path, temp_dir};

#[test]
fn reduce_and_evaluate_from_the_command_line() {
    let dir = common::temp_dir("cli");
    let data = dir.join("b.h5");
    let (ok, text) = galerkin(&[
        "simulate",
        "datasets/burgers-tiny.toml",
        "--quiet",
        "-o",
        path(&data),
    ]);
    assert!(ok, "{text}");
    for (method, rom) in [("galerkin", "g.h5"), ("qdeim", "q.h5")] {
        let rom = dir.join(rom);
        let (ok, text) = galerkin(&[
            "reduce",
            path(&data),
            "--rank",
            "6",
            "--method",
            method,
            "-o",
            path(&rom),
        ]);
        assert!(ok && text.contains(&format!("ROM `{method}`")), "{text}");
        // The same ROM as a portable file: converted from the HDF5 file, refused over an
        // existing file without --force.
        let portable = dir.join(format!("{method}.safetensors"));
        let (ok, text) = galerkin(&["export-rom", path(&rom), "-o", path(&portable)]);
        assert!(
            ok && text.contains(&format!("portable `{method}` ROM")),
            "{text}"
        );
        let (ok, text) = galerkin(&["export-rom", path(&rom), "-o", path(&portable)]);
        assert!(!ok && text.contains("--force"), "{text}");
        let (ok, text) = galerkin(&["export-rom", path(&rom), "-o", path(&portable), "--force"]);
        assert!(ok, "{text}");
        let loaded = galerkin::workflow::read_portable(&portable).unwrap();
        assert_eq!(loaded.kind().name(), method);
        let (ok, text) = galerkin(&["evaluate", path(&rom), path(&data), "--trajectory", "0,2"]);
        assert!(ok && text.contains("rel. error"), "{text}");
    }
    // The adaptive ROM from a Q-DEIM file; a Galerkin file is refused with the reason.
    let (ok, text) = galerkin(&[
        "evaluate",
        path(&dir.join("q.h5")),
        path(&data),
        "--trajectory",
        "0",
        "--adaptive",
        "--tol",
        "1e-2",
    ]);
    assert!(ok && text.contains("full steps"), "{text}");
    let (ok, text) = galerkin(&[
        "evaluate",
        path(&dir.join("g.h5")),
        path(&data),
        "--adaptive",
    ]);
    assert!(!ok && text.contains("`deim` or `qdeim`"), "{text}");
    // Wrong combinations name the problem.
    let (ok, text) = galerkin(&[
        "reduce",
        path(&data),
        "--rank",
        "500",
        "-o",
        path(&dir.join("x.h5")),
    ]);
    assert!(!ok && text.contains("rank"), "{text}");
    // `reduce --portable` writes both files, and refuses an existing portable file before
    // reducing unless --force.
    let (rom, portable) = (dir.join("p.h5"), dir.join("p.safetensors"));
    let reduce = |extra: &[&str]| {
        let mut args = vec!["reduce", path(&data), "--rank", "4", "-o", path(&rom)];
        args.extend_from_slice(&["--portable", path(&portable)]);
        args.extend_from_slice(extra);
        galerkin(&args)
    };
    let (ok, text) = reduce(&[]);
    assert!(ok && text.contains("portable ROM"), "{text}");
    assert_eq!(
        galerkin::workflow::read_portable(&portable).unwrap().rank(),
        4
    );
    let (ok, text) = reduce(&[]);
    assert!(!ok && text.contains("--force"), "{text}");
    let (ok, text) = reduce(&["--force"]);
    assert!(ok, "{text}");
    let (ok, text) = galerkin(&["evaluate", path(&data), path(&data)]);
    assert!(!ok && text.contains("not a ROM file"), "{text}");
    let (ok, text) = galerkin(&["reduce", path(&data), "--method", "lifted-quadratic"]);
    assert!(!ok && text.contains("needs a wave file"), "{text}");
}

#[test]
fn lifted_roms_from_the_command_line() {
    let dir = common::temp_dir("cli-wave");
    let data = dir.join("w.h5");
    let (ok, text) = galerkin(&[
        "simulate",
        "datasets/wave-tiny.toml",
        "--quiet",
        "-o",
        path(&data),
    ]);
    assert!(ok, "{text}");
    let rom = dir.join("lifted.h5");
    let (ok, text) = galerkin(&[
        "reduce",
        path(&data),
        "--method",
        "lifted-quadratic",
        "--rank",
        "6",
        "-o",
        path(&rom),
    ]);
    assert!(ok && text.contains("lifted-quadratic ROM"), "{text}");
    let (ok, text) = galerkin(&["evaluate", path(&rom), path(&data)]);
    assert!(ok && text.contains("lifted energy drift"), "{text}");
    // A lifted ROM converts to a portable file of its own kind.
    let portable = dir.join("lifted.safetensors");
    let (ok, text) = galerkin(&["export-rom", path(&rom), "-o", path(&portable)]);
    assert!(ok && text.contains("`lifted-quadratic`"), "{text}");
    assert!(portable.exists());
    let (ok, text) = galerkin(&["reduce", path(&data), "--rank", "4"]);
    assert!(!ok && text.contains("lifted-quadratic"), "{text}");
}

/// `galerkin train` on the smoke recipes: trains, writes a checkpoint and a report,
/// resumes from the checkpoint when run again (and goes on when `train.epochs` grows),
/// reports the rollout of an autoregressive FNO-2D, and names the key of a bad setting.
#[cfg(feature = "operators")]
#[test]
fn train_and_resume_from_the_command_line() {
    let dir = common::temp_dir("cli-train");
    // The dataset recipes, pointed at files in the temp dir.
    let dataset = |name: &str| {
        let text = std::fs::read_to_string(format!("datasets/{name}.toml")).unwrap();
        let out = dir.join(format!("{name}.h5"));
        let text = text.replace(
            &format!("output = \"data/{name}.h5\""),
            &format!("output = {:?}", path(&out)),
        );
        let recipe = dir.join(format!("{name}.toml"));
        std::fs::write(&recipe, text).unwrap();
        recipe
    };
    let burgers = dataset("operator-burgers-small");
    let run = dir.join("run");
    let set_data = format!("data.dataset={:?}", path(&burgers));
    let set_out = format!("output={:?}", path(&run));
    let train = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "training/smoke-burgers.toml",
            "--quiet",
            "--set",
            &set_data,
            "--set",
            &set_out,
        ];
        args.extend_from_slice(extra);
        galerkin(&args)
    };
    let (ok, text) = train(&["--set", "train.epochs=6"]);
    assert!(ok && text.contains("6 epochs (6 this session)"), "{text}");
    assert!(text.contains("held-out relative L2"), "{text}");
    for file in ["checkpoint.h5", "report.md", "loss.png"] {
        assert!(run.join(file).exists(), "{file}");
    }
    let (ok, text) = train(&["--set", "train.epochs=6"]);
    assert!(ok && text.contains("6 epochs (0 this session)"), "{text}");
    let (ok, text) = train(&["--set", "train.epochs=8"]);
    assert!(ok && text.contains("8 epochs (2 this session)"), "{text}");
    // A checkpoint of another recipe is not resumed silently.
    let (ok, text) = train(&["--set", "train.epochs=8", "--set", "model.width=10"]);
    assert!(!ok && text.contains("--fresh"), "{text}");
    let (ok, text) = train(&[
        "--set",
        "train.epochs=2",
        "--set",
        "model.width=10",
        "--fresh",
    ]);
    assert!(ok && text.contains("2 epochs (2 this session)"), "{text}");
    let (ok, text) = train(&["--set", "train.optimizer=sgd"]);
    assert!(!ok && text.contains("train.optimizer"), "{text}");
    // Autoregressive FNO-2D with a rollout report.
    let ns = dataset("operator-ns-small");
    let ns_run = dir.join("ns");
    let (ok, text) = galerkin(&[
        "train",
        "training/smoke-ns.toml",
        "--quiet",
        "--set",
        &format!("data.dataset={:?}", path(&ns)),
        "--set",
        &format!("output={:?}", path(&ns_run)),
        "--set",
        "train.epochs=2",
    ]);
    assert!(ok && text.contains("held-out rollout"), "{text}");
    assert!(ns_run.join("rollout.png").exists());
    let report = std::fs::read_to_string(ns_run.join("report.md")).unwrap();
    assert!(report.contains("Rollout error against time"), "{report}");
}

/// The reduced states `galerkin evaluate --states` wrote: (trajectory, time, a) per save.
fn read_states(path: &Path) -> Vec<(usize, f64, Vec<f64>)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let mut words = line.split(' ');
            let trajectory = words.next().unwrap().parse().unwrap();
            let time = words.next().unwrap().parse().unwrap();
            (
                trajectory,
                time,
                words.map(|w| w.parse().unwrap()).collect(),
            )
        })
        .collect()
}

/// Runs the portable file `portable` in galerkin-runtime from galerkin's first state of
/// each trajectory in `states`, at `parameter` = the trajectory's value, and returns the
/// largest relative difference max |a_rt − a| / max |a| over the saves.
fn runtime_against_states(
    portable: &Path,
    data: &Path,
    parameter: &str,
    dt: f64,
    states: &[(usize, f64, Vec<f64>)],
) -> f64 {
    let model = std::sync::Arc::new(galerkin_runtime::RomModel::from_file(portable).unwrap());
    let dataset = galerkin::data::Dataset::open(data).unwrap();
    let mut worst = 0f64;
    let mut run = galerkin_runtime::Instance::new(model, dt).unwrap();
    let first = dataset.times().unwrap()[0];
    let mut t0 = 0.0;
    for (trajectory, time, a) in states {
        if *time == first {
            let value = dataset.parameters(*trajectory).unwrap()[parameter];
            run.set_parameter(parameter, value).unwrap();
            run.set_state_reduced(a).unwrap();
            t0 = *time;
        }
        run.advance_to(time - t0).unwrap();
        let scale = a.iter().fold(0f64, |m, v| m.max(v.abs()));
        let diff = run
            .state()
            .iter()
            .zip(a)
            .fold(0f64, |m, (x, y)| m.max((x - y).abs()));
        worst = worst.max(diff / scale);
    }
    worst
}

/// `galerkin reduce --portable` then `galerkin evaluate --states`: galerkin-runtime runs
/// the portable file along the same trajectory galerkin's evaluate reports (Galerkin and
/// Q-DEIM Burgers ROMs with RK4, the lifted sine-Gordon ROM with implicit midpoint).
#[test]
fn portable_roms_run_in_the_runtime_as_evaluate_runs_them() {
    let dir = common::temp_dir("cli-runtime");
    let burgers = dir.join("b.h5");
    let wave = dir.join("w.h5");
    for (recipe, data) in [("burgers-tiny", &burgers), ("wave-tiny", &wave)] {
        let recipe = format!("datasets/{recipe}.toml");
        let (ok, text) = galerkin(&["simulate", &recipe, "--quiet", "-o", path(data)]);
        assert!(ok, "{text}");
    }
    for (method, data, parameter, dt) in [
        ("galerkin", &burgers, "viscosity", 1e-3),
        ("qdeim", &burgers, "viscosity", 1e-3),
        ("lifted-quadratic", &wave, "mass", 0.02),
    ] {
        let (rom, portable, states) = (
            dir.join(format!("{method}.h5")),
            dir.join(format!("{method}.safetensors")),
            dir.join(format!("{method}.txt")),
        );
        let (ok, text) = galerkin(&[
            "reduce",
            path(data),
            "--rank",
            "6",
            "--method",
            method,
            "-o",
            path(&rom),
            "--portable",
            path(&portable),
        ]);
        assert!(ok && text.contains("portable ROM"), "{text}");
        let (ok, text) = galerkin(&[
            "evaluate",
            path(&rom),
            path(data),
            "--states",
            path(&states),
        ]);
        assert!(ok && text.contains("reduced states"), "{text}");
        let states = read_states(&states);
        assert!(states.len() > 10, "{method}: {} saves", states.len());
        let diff = runtime_against_states(&portable, data, parameter, dt, &states);
        eprintln!("{method}: runtime vs `galerkin evaluate`, max relative difference {diff:e}");
        // RK4 runs are bit-identical; the lifted ROM's Newton solves may differ in the
        // last bits per step (in-place LU), well inside 1e-12.
        assert!(diff <= 1e-12, "{method}: {diff:e}");
        let model = galerkin_runtime::RomModel::from_file(&portable).unwrap();
        let lengths = if method == "lifted-quadratic" {
            vec![12.0, 12.0]
        } else {
            vec![1.0]
        };
        assert_eq!(
            model.domain(),
            &lengths[..],
            "{method}: the recipe's domain"
        );
    }
}

/// `reduce` and `export` never write onto their input (not even with --force), refuse an
/// existing output without --force, and `export` makes a missing output directory.
#[test]
fn writing_commands_never_overwrite_their_input() {
    let dir = temp_dir("cli-no-overwrite");
    let data = dir.join("b.h5");
    // Simulated by a child: a file this process had open could be inherited (with its
    // lock) by the children of the tests running beside this one.
    let (ok, text) = galerkin(&[
        "simulate",
        "datasets/burgers-tiny.toml",
        "--quiet",
        "-o",
        path(&data),
    ]);
    assert!(ok, "{text}");
    let original = std::fs::read(&data).unwrap();
    let other = dir.join("other.h5");
    std::fs::write(&other, b"keep me").unwrap();
    for (args, expected) in [
        (
            vec![
                "reduce",
                path(&data),
                "-o",
                path(&data),
                "--rank",
                "4",
                "--force",
            ],
            "an input is never overwritten",
        ),
        (
            vec!["reduce", path(&data), "-o", path(&other), "--rank", "4"],
            "pass --force to overwrite it",
        ),
        (
            vec![
                "export",
                "--format",
                "the-well",
                path(&data),
                "-o",
                path(&data),
                "--force",
            ],
            "an input is never overwritten",
        ),
        (
            vec![
                "export",
                "--format",
                "pdebench",
                path(&data),
                "-o",
                path(&other),
            ],
            "pass --force to overwrite it",
        ),
    ] {
        let (ok, text) = galerkin(&args);
        assert!(!ok, "{args:?} must fail:\n{text}");
        assert!(
            text.contains(expected),
            "{args:?}: expected `{expected}` in\n{text}"
        );
        assert_eq!(
            std::fs::read(&data).unwrap(),
            original,
            "{args:?} changed the input"
        );
        assert_eq!(
            std::fs::read(&other).unwrap(),
            b"keep me",
            "{args:?} changed a file"
        );
    }
    // The same file through another path is still the input.
    let dotted = dir.join(".").join("b.h5");
    let (ok, text) = galerkin(&["reduce", path(&data), "-o", path(&dotted), "--force"]);
    assert!(
        !ok && text.contains("an input is never overwritten"),
        "{text}"
    );
    // A missing directory is made; --force overwrites an existing export.
    let nested = dir.join("exports").join("b.hdf5");
    for _ in 0..2 {
        let (ok, text) = galerkin(&[
            "export",
            "--format",
            "the-well",
            path(&data),
            "-o",
            path(&nested),
            "--force",
        ]);
        assert!(ok, "{text}");
    }
    assert_eq!(std::fs::read(&data).unwrap(), original);
    std::fs::remove_dir_all(&dir).ok();
}

/// A reader that closes the pipe early (`galerkin info f | head -1`) ends `galerkin`
/// quietly (SIGPIPE, as any Unix tool), not with a panic.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let dir = temp_dir("cli-pipe");
    let data = dir.join("k.h5");
    let (ok, text) = galerkin(&[
        "simulate",
        "datasets/ks-tiny.toml",
        "--quiet",
        "--n-traj",
        "40",
        "-o",
        path(&data),
    ]);
    assert!(ok, "{text}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_galerkin"))
        .args(["info", path(&data)])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        out.status.success() || out.status.signal() == Some(13),
        "{:?}: {stderr}",
        out.status
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `-o` with a non-ASCII path (a combining accent) writes exactly that path: the output is
/// passed to the recipe as a typed value, never through TOML text; `info` then shows the
/// stored precision and the health over the whole run.
#[test]
fn simulate_writes_exactly_the_output_path_given() {
    let dir = temp_dir("cli-unicode");
    let out = dir.join("sub").join("cafe\u{301} \"x\".h5");
    let (ok, text) = galerkin(&[
        "simulate",
        "datasets/burgers-tiny.toml",
        "--quiet",
        "--n-traj",
        "2",
        "--set",
        "time.t_end=0.1",
        "-o",
        path(&out),
    ]);
    assert!(ok, "{text}");
    assert!(out.exists(), "{text}");
    let names: Vec<_> = std::fs::read_dir(dir.join("sub"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![out.file_name().unwrap().to_os_string()]);
    let (ok, text) = galerkin(&["info", path(&out)]);
    assert!(
        ok && text.contains("stored as f64") && text.contains("default f32"),
        "{text}"
    );
    assert!(text.contains("over all saves: max CFL"), "{text}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `galerkin reduce` writes the same arrays (basis, singular values, operators) on 1, 2 and
/// 4 threads; the files themselves may differ in their timestamps.
#[test]
fn reduce_gives_the_same_rom_on_any_number_of_threads() {
    let dir = temp_dir("cli-threads");
    let data = dir.join("k.h5");
    let (ok, text) = galerkin(&[
        "simulate",
        "datasets/ks-tiny.toml",
        "--quiet",
        "-o",
        path(&data),
    ]);
    assert!(ok, "{text}");
    for method in ["galerkin", "qdeim"] {
        let roms: Vec<String> = ["1", "2", "4"]
            .into_iter()
            .map(|threads| {
                let rom = dir.join(format!("{method}-{threads}.h5"));
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_galerkin"))
                    .args(["reduce", path(&data), "--rank", "8", "--method", method])
                    .args(["-o", path(&rom)])
                    .env("RAYON_NUM_THREADS", threads)
                    .output()
                    .unwrap();
                assert!(out.status.success(), "{out:?}");
                // `{:?}` writes every f64 so that it reads back to the same bits.
                format!("{:?}", galerkin::workflow::StoredRom::load(&rom).unwrap())
            })
            .collect();
        assert!(
            roms[1..].iter().all(|r| r == &roms[0]),
            "{method}: the ROM depends on the thread count"
        );
    }
}

/// `reduce --pod-method incremental` on 100 Burgers trajectories of 11 saves (1100
/// snapshots of 64 values, which fill the space with singular values down to round-off):
/// the streamed POD keeps orthonormal modes and finds the rank the thin SVD finds.
#[test]
fn incremental_pod_of_many_short_trajectories_from_the_command_line() {
    let dir = temp_dir("incremental");
    let data = dir.join("b.h5");
    let (ok, text) = galerkin(&[
        "simulate",
        "datasets/burgers-tiny.toml",
        "--n-traj",
        "100",
        "--quiet",
        "-o",
        path(&data),
    ]);
    assert!(ok, "{text}");
    let modes = |method: &str| {
        let rom = dir.join(format!("{method}.h5"));
        let (ok, text) = galerkin(&[
            "reduce",
            path(&data),
            "--pod-method",
            method,
            "-o",
            path(&rom),
        ]);
        assert!(ok, "{text}");
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("POD ({method}) of 1100 snapshots")))
            .unwrap_or_else(|| panic!("{text}"));
        line.split("r = ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_string()
    };
    assert_eq!(modes("incremental"), modes("thin"));
}
