//! `galerkin` under `mpirun -n P` (feature `mpi`): ensembles identical to the serial run for
//! any P, resumable after a killed rank or a killed job; the distributed POD (TSQR by rows:
//! equal to the serial thin SVD; HAPOD by trajectories: within its a-priori bound) and the
//! distributed operator assembly (ROM files equal to the serial ones); clear refusals.
//!
//! Without the feature, or without `mpirun`, each test prints why it is skipped. A separate
//! test binary: children inherit open HDF5 descriptors, so nothing here holds files open
//! while a child runs.

mod common;

#[cfg(not(feature = "mpi"))]
#[test]
fn mpi_tests_need_the_mpi_feature() {
    println!(
        "skipped: the MPI tests need `--features galerkin/mpi` (and `scripts/setup --mpi` for \
         OpenMPI); the README's test command enables both"
    );
}

#[cfg(feature = "mpi")]
mod distributed {
    use std::path::Path;
    use std::process::{Command, Output};
    use std::time::{Duration, Instant};

    use galerkin::data::{partial_path, Dataset};
    use galerkin::rom::{Nonlinear, ReducedModel};
    use galerkin::workflow::StoredRom;

    use super::common::{all_data, path, temp_dir};

    const GALERKIN: &str = env!("CARGO_BIN_EXE_galerkin");

    /// One test at a time: each starts several ranks on a 2-core machine, and a child
    /// started while another test holds an HDF5 file open would inherit its descriptor
    /// (and its lock).
    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    /// Holds [`ONE_AT_A_TIME`] for a test (a failed test does not block the others).
    fn exclusive() -> std::sync::MutexGuard<'static, ()> {
        ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `mpirun`, or why the tests cannot run.
    fn mpirun() -> Option<&'static str> {
        let found = Command::new("mpirun").arg("--version").output();
        match found {
            Ok(out) if out.status.success() => Some("mpirun"),
            _ => {
                println!(
                    "skipped: `mpirun` not found (install OpenMPI with `scripts/setup --mpi`)"
                );
                None
            }
        }
    }

    /// `mpirun -n ranks --oversubscribe galerkin ARGS` (allowed as root, as in CI).
    fn mpi_cmd(ranks: usize, args: &[&str]) -> Command {
        let mut cmd = Command::new("mpirun");
        cmd.args(["-n", &ranks.to_string(), "--oversubscribe", GALERKIN])
            .args(args)
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            .env("OMPI_MCA_rmaps_base_oversubscribe", "1");
        cmd
    }

    fn text(out: &Output) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    fn run_ok(mut cmd: Command) -> String {
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{cmd:?} failed:\n{}", text(&out));
        text(&out)
    }

    fn serial(args: &[&str]) -> String {
        let mut cmd = Command::new(GALERKIN);
        cmd.args(args);
        run_ok(cmd)
    }

    /// Every dataset of a trajectory file other than `/u` (params, seeds, health, done,
    /// coordinates) as bit patterns, by name.
    fn side_data(file: &Path) -> Vec<(String, Vec<u64>)> {
        let f = hdf5::File::open(file).unwrap();
        let mut names = vec!["t", "x", "done", "seed"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
        for group in ["params", "health"] {
            for member in f.group(group).unwrap().member_names().unwrap() {
                names.push(format!("{group}/{member}"));
            }
        }
        names
            .into_iter()
            .map(|name| {
                let d = f.dataset(&name).unwrap();
                let bits: Vec<u64> = match d.dtype().unwrap().size() {
                    1 => d
                        .read_raw::<u8>()
                        .unwrap()
                        .into_iter()
                        .map(u64::from)
                        .collect(),
                    _ if name == "seed" => d.read_raw::<u64>().unwrap(),
                    _ => d
                        .read_raw::<f64>()
                        .unwrap()
                        .into_iter()
                        .map(f64::to_bits)
                        .collect(),
                };
                (name, bits)
            })
            .collect()
    }

    /// KS runs of `t_end` time units (3000: about 40 ms each).
    fn ks_args<'a>(output: &'a str, n_traj: &'a str, t_end: &'a str) -> Vec<&'a str> {
        vec![
            "simulate",
            "datasets/ks-tiny.toml",
            "--quiet",
            "--n-traj",
            n_traj,
            "--set",
            t_end,
            "--set",
            "time.save_every=200",
            "-o",
            output,
        ]
    }

    /// `mpirun -n P galerkin simulate` gives the serial file's data, bit for bit, for
    /// P = 1, 2, 3 (Burgers and KS; members cost differently, assignment is dynamic).
    #[test]
    fn ensembles_equal_the_serial_run_for_any_rank_count() {
        let _one = exclusive();
        let Some(_) = mpirun() else { return };
        let dir = temp_dir("mpi-simulate");
        for (name, args) in [
            (
                "burgers",
                vec![
                    "simulate",
                    "datasets/burgers-tiny.toml",
                    "--quiet",
                    "--n-traj",
                    "8",
                ],
            ),
            ("ks", ks_args("", "12", "time.t_end=3000.0")[..9].to_vec()),
        ] {
            let reference = dir.join(format!("{name}-serial.h5"));
            let mut serial_args = args.clone();
            serial_args.extend(["-o", path(&reference)]);
            serial(&serial_args);
            for ranks in [1, 2, 3] {
                let out = dir.join(format!("{name}-{ranks}.h5"));
                let mut mpi_args = args.clone();
                mpi_args.extend(["-o", path(&out)]);
                let report = run_ok(mpi_cmd(ranks, &mpi_args));
                assert!(report.contains("computed"), "{report}");
                assert_eq!(
                    all_data(&out),
                    all_data(&reference),
                    "{name}, {ranks} ranks"
                );
                assert_eq!(
                    side_data(&out),
                    side_data(&reference),
                    "{name}, {ranks} ranks"
                );
            }
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// The pid of the process of rank `rank` whose command line mentions `marker`.
    fn rank_pid(rank: usize, marker: &str) -> Option<u32> {
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let environ = std::fs::read(entry.path().join("environ")).unwrap_or_default();
            let wanted = format!("OMPI_COMM_WORLD_RANK={rank}");
            if String::from_utf8_lossy(&cmdline).contains(marker)
                && String::from_utf8_lossy(&cmdline).contains("simulate")
                && environ.split(|&b| b == 0).any(|v| v == wanted.as_bytes())
            {
                return Some(pid);
            }
        }
        None
    }

    /// Done markers of a partial file. A killed job's ranks may still be exiting (and
    /// holding the file's lock) when mpirun has returned: retry for a few seconds.
    fn done_count(partial: &Path) -> usize {
        let mut tries = 0;
        let f = loop {
            match hdf5::File::open(partial) {
                Ok(f) => break f,
                Err(_) if tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                Err(e) => panic!("{}: {e}", partial.display()),
            }
        };
        let done = f.dataset("done").unwrap().read_raw::<u8>().unwrap();
        done.iter().filter(|&&d| d == 1).count()
    }

    /// KS runs of about 0.15 s each: 40 of them last a few seconds on 2 cores.
    const LONG: &str = "time.t_end=12000.0";

    /// SIGKILL of one worker rank mid-run ends the job; what rank 0 wrote stays in the
    /// partial file and the same command (with another rank count) resumes it to the
    /// serial file. The same after SIGTERM to the whole job (mpirun).
    #[test]
    fn killed_ranks_and_jobs_resume_without_losing_trajectories() {
        let _one = exclusive();
        let Some(_) = mpirun() else { return };
        let dir = temp_dir("mpi-kill");
        let reference = dir.join("serial.h5");
        serial(&ks_args(path(&reference), "40", LONG));
        let expected = all_data(&reference);
        for (case, kill_whole_job) in [("rank", false), ("job", true)] {
            let out = dir.join(format!("killed-{case}.h5"));
            let mut child = mpi_cmd(3, &ks_args(path(&out), "40", LONG))
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap();
            // Wait until the run is under way (its partial file exists), then a little.
            let started = Instant::now();
            while !partial_path(&out).exists() && started.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(20));
            }
            std::thread::sleep(Duration::from_millis(600));
            if kill_whole_job {
                Command::new("kill")
                    .args(["-TERM", &child.id().to_string()])
                    .status()
                    .unwrap();
            } else {
                let pid = rank_pid(1, path(&out)).expect("rank 1 is running");
                Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status()
                    .unwrap();
            }
            let status = child.wait().unwrap();
            assert!(!status.success(), "{case}: the killed job must fail");
            // mpirun may return before every rank has exited (and released the file).
            let stopping = Instant::now();
            while rank_pid(0, path(&out)).is_some() && stopping.elapsed() < Duration::from_secs(20)
            {
                std::thread::sleep(Duration::from_millis(50));
            }
            assert!(
                !out.exists(),
                "{case}: a killed job leaves no complete file"
            );
            let kept = done_count(&partial_path(&out));
            assert!(
                (1..40).contains(&kept),
                "{case}: {kept} trajectories kept (the kill must land mid-run)"
            );
            let resumed = run_ok(mpi_cmd(2, &ks_args(path(&out), "40", LONG)));
            assert!(
                resumed.contains(&format!(
                    "{} trajectories computed, {kept} already present",
                    40 - kept
                )),
                "{case}: {resumed}"
            );
            assert_eq!(all_data(&out), expected, "{case}");
            assert_eq!(side_data(&out), side_data(&reference), "{case}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Every array of a reduced model: basis, mean, affine terms, their offsets, the fixed
    /// and constant parts, the quadratic tensor or the hyper-reduction's matrices.
    fn arrays(model: &ReducedModel) -> Vec<(String, Vec<f64>)> {
        let v = model.basis.vectors();
        let mut out = vec![
            (
                "basis".to_string(),
                (0..v.ncols())
                    .flat_map(|j| v.col(j).iter().copied().collect::<Vec<_>>())
                    .collect(),
            ),
            ("mean".into(), model.mean.clone().unwrap_or_default()),
            ("singular values".into(), model.singular_values.clone()),
            ("constant".into(), model.linear.constant.clone()),
        ];
        let mat = |m: &faer::Mat<f64>| -> Vec<f64> {
            (0..m.ncols())
                .flat_map(|j| m.col(j).iter().copied().collect::<Vec<_>>())
                .collect()
        };
        out.push(("fixed".into(), mat(&model.linear.fixed)));
        for (q, term) in model.linear.terms.iter().enumerate() {
            out.push((format!("term {q}"), mat(&term.matrix)));
            out.push((format!("offset {q}"), term.offset.clone()));
        }
        match &model.nonlinear {
            Nonlinear::Quadratic { h } => out.push(("quadratic".into(), h.clone())),
            Nonlinear::Hyper(hyper) => {
                out.push(("hyper map".into(), hyper.map.clone()));
                out.push(("flux basis".into(), mat(&hyper.flux_basis)));
                out.push(("factor rows".into(), hyper.factor_rows.concat()));
                out.push((
                    "points".into(),
                    hyper.points.iter().map(|&p| p as f64).collect(),
                ));
            }
        }
        out
    }

    fn load(path: &Path) -> ReducedModel {
        match StoredRom::load(path).unwrap() {
            StoredRom::Projected(model) => *model,
            StoredRom::Lifted(_) => panic!("not a projected ROM"),
        }
    }

    /// The largest difference of two models' arrays relative to each array's largest entry.
    fn relative_difference(a: &ReducedModel, b: &ReducedModel) -> (f64, String) {
        let mut worst = (0.0, String::new());
        for ((name, x), (_, y)) in arrays(a).into_iter().zip(arrays(b)) {
            assert_eq!(x.len(), y.len(), "{name}");
            let scale = x
                .iter()
                .fold(0.0f64, |m, v| m.max(v.abs()))
                .max(f64::MIN_POSITIVE);
            let diff = x
                .iter()
                .zip(&y)
                .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()))
                / scale;
            if diff > worst.0 {
                worst = (diff, name);
            }
        }
        worst
    }

    /// An upper bound of the sine of the largest principal angle between two
    /// W-orthonormal bases' spans: the W-Frobenius norm of (I − V Vᵀ W) U.
    fn subspace_gap(a: &ReducedModel, b: &ReducedModel) -> f64 {
        let (u, v) = (a.basis.vectors(), b.basis.vectors());
        let projected = b.basis.project(u).unwrap();
        let residual = u - v * &projected;
        let ip = b.basis.inner_product();
        (0..residual.ncols())
            .map(|j| ip.dot(residual.col_as_slice(j), residual.col_as_slice(j)))
            .sum::<f64>()
            .sqrt()
    }

    /// The POD split by rows over 3 ranks (TSQR) and the operators assembled across ranks
    /// give the serial ROM file to ≤ 1e-12 (Galerkin with its quadratic tensor, DEIM with its
    /// flux snapshots; Euclidean and cell-weighted POD); the HAPOD split by trajectories
    /// meets its a-priori bound and does not depend on the rank count.
    #[test]
    fn distributed_reduce_equals_serial_and_hapod_meets_its_bound() {
        let _one = exclusive();
        let Some(_) = mpirun() else { return };
        let dir = temp_dir("mpi-reduce");
        let data = dir.join("burgers.h5");
        serial(&[
            "simulate",
            "datasets/burgers-tiny.toml",
            "--quiet",
            "--n-traj",
            "6",
            "-o",
            path(&data),
        ]);
        for (label, extra) in [
            ("galerkin", vec!["--rank", "10"]),
            ("galerkin-weighted", vec!["--rank", "10", "--cell-weights"]),
            ("deim", vec!["--rank", "8", "--method", "deim"]),
            ("energy", vec!["--energy", "1e-6"]),
        ] {
            let one = dir.join(format!("{label}-serial.h5"));
            let three = dir.join(format!("{label}-mpi.h5"));
            let mut args = vec!["reduce", path(&data), "-o", path(&one)];
            args.extend(&extra);
            serial(&args);
            args[3] = path(&three);
            let report = run_ok(mpi_cmd(3, &args));
            assert!(report.contains("(3 MPI ranks)"), "{report}");
            let (a, b) = (load(&one), load(&three));
            assert_eq!(a.rank(), b.rank(), "{label}");
            let (diff, worst) = relative_difference(&a, &b);
            let gap = subspace_gap(&a, &b);
            // TSQR over ranks vs the serial thin SVD: two backward-stable SVDs, whose mode i
            // may differ by ε σ₁ / (σ_i − σ_{i+1}) (Wedin's theorem). r ≤ 10 keeps modes
            // separated by > 1e-3 σ₁: 1e-12 (observed ~1e-13). The energy rule keeps r = 14
            // modes down to σ_r ~ 1e-4 σ₁: the allowance is 16 ε σ₁ / min gap.
            let s = &a.singular_values;
            let min_gap = (0..a.rank())
                .map(|i| s[i] - s[i + 1])
                .fold(f64::INFINITY, f64::min);
            let tol = if label == "energy" {
                (16.0 * f64::EPSILON * s[0] / min_gap).max(1e-12)
            } else {
                1e-12
            };
            println!(
                "{label}: r = {}, largest relative difference {diff:.1e} ({worst}), subspace \
                 gap {gap:.1e}, allowance {tol:.1e}",
                a.rank()
            );
            assert!(
                diff <= tol,
                "{label}: {worst} differs by {diff:e} > {tol:e}"
            );
            assert!(gap <= tol, "{label}: subspace gap {gap:e} > {tol:e}");
        }
        // HAPOD: Σ‖s − ū − P(s − ū)‖² ≤ δ Σ‖s − ū‖² over every snapshot (Himpe, Leibner &
        // Rave 2018, Theorem 3.5 with ε*² = δ‖S‖²/|S|), on 1 and 3 ranks alike.
        let delta = 1e-6;
        let mut models = Vec::new();
        for ranks in [1, 3] {
            let out = dir.join(format!("hapod-{ranks}.h5"));
            let args = [
                "reduce",
                path(&data),
                "-o",
                path(&out),
                "--pod-method",
                "hapod",
                "--energy",
                "1e-6",
            ];
            run_ok(mpi_cmd(ranks, &args));
            models.push(load(&out));
        }
        let model = &models[1];
        let ds = Dataset::open(&data).unwrap();
        let mean = model.mean.clone().unwrap();
        let (mut error, mut energy) = (0.0, 0.0);
        for traj in 0..ds.n_traj() {
            let values = ds.solver_snapshots(traj, 0..ds.shape()[1]).unwrap();
            for snapshot in values.chunks(mean.len()) {
                let centred: Vec<f64> = snapshot.iter().zip(&mean).map(|(s, m)| s - m).collect();
                let s = faer::Mat::from_fn(centred.len(), 1, |i, _| centred[i]);
                let coefficients = model.basis.project(s.as_ref()).unwrap();
                let residual = &s - model.basis.vectors() * &coefficients;
                error += residual.norm_l2().powi(2);
                energy += s.norm_l2().powi(2);
            }
        }
        let ratio = error / energy;
        let (diff, worst) = relative_difference(&models[0], &models[1]);
        println!(
            "hapod: r = {}, projection error {ratio:.2e} ≤ bound {delta:.0e}; 1 vs 3 ranks: \
             {diff:.1e} ({worst})",
            model.rank()
        );
        assert!(
            ratio <= delta,
            "HAPOD projection error {ratio:e} above its a-priori bound {delta:e}"
        );
        assert!(ratio > 0.0);
        // Leaves are trajectories whatever the rank count; only the mean's sum order
        // differs.
        assert!(
            diff <= 1e-10,
            "HAPOD on 1 vs 3 ranks: {worst} differs by {diff:e}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    /// `mpirun -n P galerkin train` (gradients of each rank's share of every batch, summed
    /// in rank order) ends with the serial run's weights to round-off, for P = 2 and 3
    /// (batches of 8 split 4 + 4 and 3 + 3 + 2); only rank 0 writes the checkpoint.
    #[test]
    fn data_parallel_training_equals_the_serial_run() {
        let _one = exclusive();
        let Some(_) = mpirun() else { return };
        let dir = temp_dir("mpi-train");
        let run = |ranks: usize| -> Vec<Vec<f64>> {
            let output = dir.join(format!("run-{ranks}"));
            let set_output = format!("output={:?}", output.display().to_string());
            let args = [
                "train",
                "training/smoke-burgers.toml",
                "--fresh",
                "--quiet",
                "--set",
                "train.epochs=8",
                "--set",
                &set_output,
            ];
            if ranks == 1 {
                serial(&args);
            } else {
                run_ok(mpi_cmd(ranks, &args));
            }
            galerkin::workflow::training::checkpoint::load(&output.join("checkpoint.h5"))
                .unwrap()
                .state
                .weights
                .arrays
        };
        let reference = run(1);
        for ranks in [2, 3] {
            let weights = run(ranks);
            let (mut diff, mut scale) = (0.0f64, 0.0f64);
            for (a, b) in weights.iter().flatten().zip(reference.iter().flatten()) {
                diff = diff.max((a - b).abs());
                scale = scale.max(b.abs());
            }
            println!(
                "train on {ranks} ranks: weights differ by {:.1e} of the largest",
                diff / scale
            );
            // f64, 40 AdamW steps: the two-stage batch mean differs from one process's by
            // round-off each step, grown to ~1e-13 by the end (over hundreds of steps at this
            // learning rate training amplifies it exponentially: docs/mpi.md).
            assert!(
                diff <= 1e-10 * scale,
                "{ranks} ranks: weights differ by {diff:e}"
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }

    /// Ranks running different command lines or binaries, and commands that do not run
    /// distributed, stop with a clear error before doing anything.
    #[test]
    fn mismatched_ranks_and_serial_commands_are_refused() {
        let _one = exclusive();
        let Some(_) = mpirun() else { return };
        let dir = temp_dir("mpi-refuse");
        let out = dir.join("never.h5");
        let refuse = |mut cmd: Command, expected: &str| {
            let result = cmd.output().unwrap();
            let message = text(&result);
            assert!(!result.status.success(), "{cmd:?} must fail:\n{message}");
            assert!(
                message.contains(expected),
                "{cmd:?}: expected `{expected}` in\n{message}"
            );
        };
        // MPMD: rank 0 and ranks 1–2 given different recipes.
        let mut mpmd = Command::new("mpirun");
        mpmd.args([
            "--oversubscribe",
            "-n",
            "1",
            GALERKIN,
            "simulate",
            "datasets/burgers-tiny.toml",
            "-o",
        ])
        .arg(&out)
        .args([
            ":",
            "-n",
            "2",
            GALERKIN,
            "simulate",
            "datasets/ks-tiny.toml",
            "-o",
        ])
        .arg(&out)
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        refuse(
            mpmd,
            "do not agree on the command line: ranks [1, 2] differ",
        );
        // The same command line reading different recipe files (non-shared file systems,
        // here two working directories).
        let recipe = std::fs::read_to_string("datasets/burgers-tiny.toml").unwrap();
        for (sub, text) in [
            ("a", recipe.clone()),
            ("b", recipe.replace("n_traj = 4", "n_traj = 6")),
        ] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
            std::fs::write(dir.join(sub).join("r.toml"), text).unwrap();
        }
        let mut split = Command::new("mpirun");
        split
            .args(["--oversubscribe", "-n", "1", "--wdir"])
            .arg(dir.join("a"))
            .args([
                GALERKIN, "simulate", "r.toml", "-o", "out.h5", ":", "-n", "1", "--wdir",
            ])
            .arg(dir.join("b"))
            .args([GALERKIN, "simulate", "r.toml", "-o", "out.h5"])
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        refuse(split, "do not agree on the recipe: ranks [1] differ");
        for sub in ["a", "b"] {
            assert!(
                !dir.join(sub).join("out.h5.partial").exists(),
                "nothing written"
            );
        }
        // A different binary on rank 1 (a copy with one byte appended still runs).
        let copy = dir.join("galerkin-copy");
        let mut bytes = std::fs::read(GALERKIN).unwrap();
        bytes.push(0);
        std::fs::write(&copy, bytes).unwrap();
        std::fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let mut mixed = Command::new("mpirun");
        mixed
            .args([
                "--oversubscribe",
                "-n",
                "1",
                GALERKIN,
                "info",
                "x.h5",
                ":",
                "-n",
                "1",
            ])
            .arg(&copy)
            .args(["info", "x.h5"])
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        refuse(
            mixed,
            "do not agree on the galerkin binary: ranks [1] differ",
        );
        refuse(
            mpi_cmd(2, &["info", "x.h5"]),
            "`galerkin info` runs on one process, not 2 MPI ranks",
        );
        assert!(
            !out.exists() && !partial_path(&out).exists(),
            "nothing written"
        );
        std::fs::remove_dir_all(&dir).ok();
    }
}
