//! `galerkin import`: snapshots written by numpy (.npy, Fortran order; .npz, deflated) and
//! h5py (a nested dataset, f32) in other axis orders become a native file whose values,
//! times and parameters are those of the simulated file they came from; the learned ROMs
//! of the imported file equal those of the original; every bad input is a clear error.

mod common;

/// One test at a time: a child process inherits the parent's open HDF5 files (and their
/// locks), so no test may spawn one while another holds a file open.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

use std::path::Path;
use std::process::Command;

use common::{galerkin, path};
use galerkin::data::Dataset;
use galerkin::rom::ReducedModel;

/// Writes the trajectories of the native file `source` (`/u` [traj, time, x, 1]) as
/// external files in `dir`, with numpy and h5py.
fn write_external(source: &Path, dir: &Path) {
    let python = common::python_with(&["numpy", "h5py"]);
    let script = r#"
import sys, h5py, numpy as np
src, out = sys.argv[1], sys.argv[2]
with h5py.File(src, "r") as f:
    u = f["u"][:, :, :, 0]            # [traj, time, x]
    t = f["t"][:]
    nu = f["params/viscosity"][:]
# .npy: axes (x, time, trajectory), stored in Fortran order.
np.save(f"{out}/u_xtk.npy", np.asfortranarray(np.transpose(u, (2, 1, 0))))
np.save(f"{out}/t.npy", t)
np.save(f"{out}/w.npy", np.full(u.shape[2], 1.0 / u.shape[2]))
# .npz (deflated): axes (trajectory, time, x), with times and parameters.
np.savez_compressed(f"{out}/all.npz", u=u, t=t, nu=nu)
# HDF5: a nested dataset, axes (time, trajectory, x), single precision values exactly
# representable: only the layout is tested here.
with h5py.File(f"{out}/ext.h5", "w") as g:
    g.create_dataset("fields/u", data=np.transpose(u, (1, 0, 2)))
    g.create_dataset("t", data=t)
# Bad inputs.
bad = u.copy(); bad[1, 3, 7] = np.nan
np.save(f"{out}/nan.npy", bad)
np.save(f"{out}/one.npy", u[:, :1, :])
np.save(f"{out}/t_short.npy", t[:-1])
np.save(f"{out}/t_back.npy", t[::-1])
"#;
    run_python(&python, script, &[path(source), path(dir)]);
}

/// Runs the Python `script` with `args`; fails the test with its stderr if it fails.
fn run_python(python: &str, script: &str, args: &[&str]) {
    let out = Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The tiny Burgers ensemble (4 trajectories, 64 points, 11 saves) simulated into `dir`.
fn simulated(dir: &Path) -> std::path::PathBuf {
    let data = dir.join("native.h5");
    common::simulate_recipe("datasets/burgers-tiny.toml", &data);
    data
}

/// The viscosities of the native file's trajectories, comma-separated (as `--param` lists
/// them).
fn viscosities(native: &Path) -> String {
    let values = Dataset::open(native)
        .unwrap()
        .read_vec("params/viscosity")
        .unwrap();
    values
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn imported_snapshots_equal_the_native_file_and_reduce_to_the_same_rom() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = common::temp_dir("import");
    let native = simulated(&dir);
    write_external(&native, &dir);
    let d = |name: &str| dir.join(name);
    // The same snapshots three ways: flags with .npy (axes x, time, trajectory), a TOML
    // specification with the .npz, flags with the HDF5 dataset.
    let from_npy = d("from-npy.h5");
    let (ok, text) = galerkin(&[
        "import",
        "--snapshots",
        path(&d("u_xtk.npy")),
        "--axes",
        "x,time,trajectory",
        "--times",
        path(&d("t.npy")),
        "--weights",
        path(&d("w.npy")),
        "--param",
        &format!("viscosity=@{}:nu", path(&d("all.npz"))),
        "--name",
        "burgers-external",
        "-o",
        path(&from_npy),
    ]);
    assert!(
        ok && text.contains("imported 4 trajectories × 11 snapshots"),
        "{text}"
    );
    let spec = d("spec.toml");
    std::fs::write(
        &spec,
        format!(
            "output = {:?}\nname = \"burgers-external\"\n[snapshots]\nfile = \"all.npz\"\nkey = \"u\"\n\
             axes = [\"trajectory\", \"time\", \"x\"]\n[times]\nfile = \"all.npz\"\nkey = \"t\"\n\
             [parameters]\nviscosity = {{ file = \"all.npz\", key = \"nu\" }}\n",
            path(&d("from-npz.h5"))
        ),
    )
    .unwrap();
    let (ok, text) = galerkin(&["import", path(&spec)]);
    assert!(ok, "{text}");
    let (ok, text) = galerkin(&[
        "import",
        "--snapshots",
        &format!("{}:fields/u", path(&d("ext.h5"))),
        "--axes",
        "time,trajectory,x",
        "--times",
        &format!("{}:t", path(&d("ext.h5"))),
        "--param",
        &format!("viscosity={}", viscosities(&native)),
        "--name",
        "burgers-external",
        "-o",
        path(&d("from-h5.h5")),
    ]);
    assert!(ok, "{text}");
    let original = Dataset::open(&native).unwrap();
    for file in ["from-npy.h5", "from-npz.h5", "from-h5.h5"] {
        let imported = Dataset::open(&d(file)).unwrap();
        assert!(imported.is_imported());
        assert_eq!(imported.shape(), original.shape(), "{file}");
        assert_eq!(imported.times().unwrap(), original.times().unwrap());
        for i in 0..4 {
            assert_eq!(
                imported.trajectory(i).unwrap(),
                original.trajectory(i).unwrap(),
                "{file}: trajectory {i}"
            );
            assert_eq!(
                imported.parameters(i).unwrap(),
                original.parameters(i).unwrap()
            );
        }
        // No recipe is invented: a method that needs the full model says so.
        let (ok, text) = galerkin(&[
            "reduce",
            path(&d(file)),
            "--rank",
            "4",
            "-o",
            path(&d("g.h5")),
        ]);
        assert!(
            !ok && text.contains("no full model") && text.contains("--method opinf"),
            "{text}"
        );
        let (ok, text) = galerkin(&[
            "reduce",
            path(&d(file)),
            "--rank",
            "4",
            "--method",
            "galerkin-closure",
            "-o",
            path(&d("g.h5")),
        ]);
        assert!(!ok && text.contains("no full model"), "{text}");
        assert!(!d("g.h5").exists());
        let (ok, text) = galerkin(&["info", path(&d(file))]);
        assert!(ok && text.contains("burgers-external"), "{text}");
    }
    // Operator Inference (and DMD) of the imported file equals that of the original, with
    // the same L² weights (--cell-weights: the imported /weights against the grid's cell).
    for (method, extra) in [("opinf", "--cell-weights"), ("dmd", "--no-center")] {
        let roms: Vec<ReducedModel> = [&native, &from_npy]
            .iter()
            .map(|input| {
                let rom = dir.join(format!(
                    "{method}-{}",
                    input.file_name().unwrap().to_str().unwrap()
                ));
                let (ok, text) = galerkin(&[
                    "reduce",
                    path(input),
                    "--method",
                    method,
                    "--rank",
                    "4",
                    extra,
                    "-o",
                    path(&rom),
                ]);
                assert!(ok && text.contains(&format!("ROM `{method}`")), "{text}");
                ReducedModel::load(&rom).unwrap()
            })
            .collect();
        let (a, b) = (&roms[0], &roms[1]);
        // The cell area 1/64 and the imported weights 1/64 are the same numbers, but the
        // weights enter the SVD through their square roots: equal to round-off.
        let close = |x: &faer::Mat<f64>, y: &faer::Mat<f64>| {
            (x - y).norm_max() <= 1e-9 * x.norm_max().max(1.0)
        };
        assert!(
            close(&a.linear.fixed, &b.linear.fixed),
            "{method}: Â differs"
        );
        assert_eq!(a.grid_shape, b.grid_shape);
        assert_eq!(b.pde, "burgers-external");
        assert!(a.recipe.contains("burgers") && b.recipe.is_empty());
        assert_eq!(
            a.learned.as_ref().unwrap().lambda,
            b.learned.as_ref().unwrap().lambda
        );
    }
    // The imported ROM runs through evaluate on imported data (one ROM step per save, the
    // file having no solver step), also on a window, and exports to the portable format.
    let rom = dir.join("opinf-from-npy.h5");
    let (ok, text) = galerkin(&["evaluate", path(&rom), path(&from_npy), "--times", "2..11"]);
    assert!(
        ok && text.contains("ROM `opinf` r = 4 for burgers-external"),
        "{text}"
    );
    let (ok, text) = galerkin(&["evaluate", path(&rom), path(&native)]);
    assert!(!ok && text.contains("burgers-external"), "{text}");
    let (ok, text) = galerkin(&["export-rom", path(&rom), "-o", path(&d("o.safetensors"))]);
    assert!(ok && text.contains("portable `opinf` ROM"), "{text}");
    let back = galerkin::workflow::read_portable(&d("o.safetensors")).unwrap();
    assert_eq!(back.kind(), galerkin::rom::RomKind::Opinf);
}

#[test]
fn bad_imports_are_clear_errors() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = common::temp_dir("import-bad");
    let native = simulated(&dir);
    write_external(&native, &dir);
    let d = |name: &str| path(&dir.join(name)).to_string();
    let out = d("out.h5");
    let import = |args: &[&str]| {
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        galerkin(&all)
    };
    let cases: [(&[&str], &str); 9] = [
        (
            &["--snapshots", &d("nan.npy"), "--dt", "0.05", "-o", &out],
            "NaN at trajectory 1, snapshot 3, value 7",
        ),
        (
            &["--snapshots", &d("one.npy"), "--dt", "0.05", "-o", &out],
            "at least 2 snapshots per trajectory",
        ),
        (
            &[
                "--snapshots",
                &d("one.npy"),
                "--times",
                &d("t_short.npy"),
                "-o",
                &out,
            ],
            "at least 2 snapshots",
        ),
        (
            &[
                "--snapshots",
                &format!("{}:u", d("all.npz")),
                "--times",
                &d("t_short.npy"),
                "-o",
                &out,
            ],
            "one per snapshot (11",
        ),
        (
            &[
                "--snapshots",
                &format!("{}:u", d("all.npz")),
                "--times",
                &d("t_back.npy"),
                "-o",
                &out,
            ],
            "strictly increasing",
        ),
        (
            &[
                "--snapshots",
                &d("u_xtk.npy"),
                "--axes",
                "x,time,depth",
                "--dt",
                "0.05",
                "-o",
                &out,
            ],
            "snapshots.axes",
        ),
        (
            &[
                "--snapshots",
                &d("u_xtk.npy"),
                "--axes",
                "x,time,trajectory",
                "-o",
                &out,
            ],
            "exactly one of",
        ),
        (
            &["--snapshots", &d("t.npy"), "--dt", "0.05", "-o", &out],
            "snapshots.axes",
        ),
        (
            &[
                "--snapshots",
                &format!("{}:nope", d("all.npz")),
                "--dt",
                "0.05",
                "-o",
                &out,
            ],
            "one of the archive's entries",
        ),
    ];
    for (args, expected) in cases {
        let (ok, text) = import(args);
        assert!(!ok && text.contains(expected), "{args:?}: {text}");
        assert!(!Path::new(&out).exists(), "{args:?} wrote a file");
    }
    // An existing output is refused without --force; an input is never overwritten.
    let good = [
        "--snapshots",
        &d("u_xtk.npy"),
        "--axes",
        "x,time,trajectory",
        "--dt",
        "0.05",
    ];
    let (ok, text) = import(&[&good[..], &["-o", &out]].concat());
    assert!(ok, "{text}");
    let (ok, text) = import(&[&good[..], &["-o", &out]].concat());
    assert!(!ok && text.contains("--force"), "{text}");
    let (ok, text) = import(&[&good[..], &["-o", &d("u_xtk.npy"), "--force"]].concat());
    assert!(!ok && text.contains("other than the input"), "{text}");
    // Too few snapshots for the unknowns of Operator Inference at this rank: without
    // regularization an error that says how many are needed; 4 trajectories × 11 saves = 44
    // < 1 + 12 + 78 = 91 unknowns at r = 12. With the default λ > 0 grid the Tikhonov
    // problem is well posed: a warning names the shortfall and the model is built.
    let rom = d("r.h5");
    let opinf = [
        "reduce", &out, "--method", "opinf", "--rank", "12", "-o", &rom,
    ];
    let (ok, text) = galerkin(&[&opinf[..], &["--lambdas", "0"]].concat());
    assert!(!ok && text.contains("= 44: allowed at least 91"), "{text}");
    assert!(!Path::new(&rom).exists());
    let (ok, text) = galerkin(&opinf);
    assert!(
        ok && text.contains("44 equations for 91 unknowns"),
        "{text}"
    );
}

/// The relative error `galerkin evaluate` prints for the one trajectory.
fn evaluated_error(text: &str) -> f64 {
    let row = text.lines().last().unwrap();
    row.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_point_cloud_at_non_uniform_times_reduces_to_its_dynamics() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = common::temp_dir("import-cloud");
    let python = common::python_with(&["numpy"]);
    // Three modes on 300 random points of the unit square, at 120 random times in [0, 2]:
    // u = e^{−0.3t} sin 2π(x − 0.2t) + e^{−t} cos 2πy, eigenvalues −0.3 ± 0.4πi and −1.
    let script = r#"
import sys, numpy as np
out = sys.argv[1]
rng = np.random.default_rng(0)
p = rng.random((300, 2))
w = rng.uniform(0.5, 1.5, 300) / 300
t = np.sort(rng.uniform(0, 2, 120)); t[0] = 0.0
u = np.stack([np.exp(-0.3 * s) * np.sin(2 * np.pi * (p[:, 0] - 0.2 * s))
              + np.exp(-s) * np.cos(2 * np.pi * p[:, 1]) for s in t], axis=1)
for name, a in dict(u=u, t=t, p=p, w=w).items():
    np.save(f"{out}/{name}.npy", a)
"#;
    run_python(&python, script, &[path(&dir)]);
    let d = |name: &str| path(&dir.join(name)).to_string();
    let (ok, text) = galerkin(&[
        "import",
        "--snapshots",
        &d("u.npy"),
        "--axes",
        "point,time",
        "--times",
        &d("t.npy"),
        "--points",
        &d("p.npy"),
        "--weights",
        &d("w.npy"),
        "--name",
        "cloud",
        "-o",
        &d("c.h5"),
    ]);
    assert!(ok, "{text}");
    // BOP-DMD on the non-uniform times recovers the three eigenvalues.
    let (ok, text) = galerkin(&[
        "reduce",
        &d("c.h5"),
        "--method",
        "dmd",
        "--dmd-bags",
        "10",
        "--rank",
        "3",
        "-o",
        &d("dmd.h5"),
        "--dmd-modes",
        &d("modes.h5"),
    ]);
    for eigenvalue in ["-0.3000-1.2566i", "-1.0000+0.0000i", "-0.3000+1.2566i"] {
        assert!(ok && text.contains(eigenvalue), "{eigenvalue}: {text}");
    }
    // The modes file: three eigenvalues, three unit-norm modes over the 300 points.
    let modes = hdf5::File::open(dir.join("modes.h5")).unwrap();
    let shape = |name: &str| modes.dataset(name).unwrap().shape();
    assert_eq!(shape("eigenvalues"), vec![3, 2]);
    assert_eq!(shape("modes_real"), vec![3, 300]);
    let re = modes
        .dataset("modes_real")
        .unwrap()
        .read_raw::<f64>()
        .unwrap();
    let im = modes
        .dataset("modes_imag")
        .unwrap()
        .read_raw::<f64>()
        .unwrap();
    let norm: f64 = re[..300].iter().chain(&im[..300]).map(|v| v * v).sum();
    assert!((norm - 1.0).abs() < 1e-12, "{norm}");
    let (ok, text) = galerkin(&["evaluate", &d("dmd.h5"), &d("c.h5")]);
    // A linear system fitted exactly: round-off and the RK4 steps (one per save).
    assert!(ok && evaluated_error(&text) < 1e-6, "{text}");
    // Operator Inference with the imported quadrature weights, trained on the first 80
    // saves and run on the last 41 (non-uniform: evaluate steps each interval exactly).
    let (ok, text) = galerkin(&[
        "reduce",
        &d("c.h5"),
        "--method",
        "opinf",
        "--rank",
        "3",
        "--cell-weights",
        "--times",
        "0..80",
        "-o",
        &d("opinf.h5"),
    ]);
    assert!(ok, "{text}");
    let (ok, inside) = galerkin(&["evaluate", &d("opinf.h5"), &d("c.h5"), "--times", "0..80"]);
    let (ok2, after) = galerkin(&["evaluate", &d("opinf.h5"), &d("c.h5"), "--times", "79..120"]);
    assert!(ok && ok2, "{inside}{after}");
    // Measured 5.5e-8 inside the window and 1.3e-4 after it (4th-order differences on
    // the random time grid); bounded at 1e-6 and 1e-3.
    assert!(evaluated_error(&inside) < 1e-6, "{inside}");
    assert!(evaluated_error(&after) < 1e-3, "{after}");
    let rom = ReducedModel::load(&dir.join("opinf.h5")).unwrap();
    assert_eq!(
        (rom.pde.as_str(), rom.grid_shape.as_slice()),
        ("cloud", &[300][..])
    );
}

#[test]
fn a_forced_system_learns_its_input_operator() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = common::temp_dir("import-forced");
    let python = common::python_with(&["numpy"]);
    // a' = −a + b/2 + f(t), b' = −2b + f(t)/2 on u = a sin 2πx + b cos 4πx (64 points),
    // t ∈ [0, 4] saved every 0.02, three forcings: two to train on, one held out.
    let script = r#"
import sys, numpy as np
out = sys.argv[1]
x = np.arange(64) / 64
phi = np.stack([np.sin(2 * np.pi * x), np.cos(4 * np.pi * x)])
forcings = [lambda t: np.sin(3 * t), lambda t: np.cos(2 * t), lambda t: 0.5 * np.sin(5 * t) + 0.3]
def rhs(s, t, f):
    return np.array([-s[0] + 0.5 * s[1] + f(t), -2 * s[1] + 0.5 * f(t)])
us, fs = [], []
for f in forcings:
    s, t, h, states = np.array([1.0, -0.5]), 0.0, 1e-4, []
    for k in range(201):
        states.append(s.copy())
        for _ in range(200):
            k1 = rhs(s, t, f); k2 = rhs(s + h / 2 * k1, t + h / 2, f)
            k3 = rhs(s + h / 2 * k2, t + h / 2, f); k4 = rhs(s + h * k3, t + h, f)
            s = s + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4); t += h
    us.append(np.array(states) @ phi)
    fs.append(f(np.arange(201) * 0.02)[:, None])
np.save(f"{out}/u.npy", np.array(us))        # [trajectory, time, x]
np.save(f"{out}/f.npy", np.array(fs))        # [trajectory, time, input]
"#;
    run_python(&python, script, &[path(&dir)]);
    let d = |name: &str| path(&dir.join(name)).to_string();
    let import = |inputs: bool, out: &str| {
        let (u, f) = (d("u.npy"), d("f.npy"));
        let mut args = vec!["import", "--snapshots", &u, "--dt", "0.02"];
        if inputs {
            args.extend(["--inputs", &f]);
        }
        let out = d(out);
        args.extend(["-o", &out]);
        let (ok, text) = galerkin(&args);
        assert!(ok, "{text}");
    };
    import(true, "forced.h5");
    import(false, "unforced.h5");
    let error = |file: &str| {
        let rom = d(&format!("{file}-rom.h5"));
        let (ok, text) = galerkin(&[
            "reduce",
            &d(file),
            "--method",
            "opinf",
            "--rank",
            "2",
            "--no-center",
            "--trajectories",
            "0,1",
            "-o",
            &rom,
        ]);
        assert!(ok, "{text}");
        let (ok, text) = galerkin(&["evaluate", &rom, &d(file), "--trajectory", "2"]);
        assert!(ok, "{text}");
        (
            evaluated_error(&text),
            ReducedModel::load(Path::new(&rom)).unwrap(),
        )
    };
    let (forced, model) = error("forced.h5");
    let (unforced, _) = error("unforced.h5");
    eprintln!("held-out forcing: with B̂u {forced:.2e}, without {unforced:.2e}");
    assert_eq!(model.parameter_names(), vec!["input0".to_string()]);
    // With the input term the held-out forcing is followed to the derivative and input
    // quadrature error (measured 1.4e-4); without it the model cannot follow (measured
    // 0.33, the forcing's share of the state).
    assert!(forced < 1e-3, "{forced:e}");
    assert!(unforced > 100.0 * forced, "{unforced:e} vs {forced:e}");
}
