//! What a new user's mistakes do, command by command: every bad input in the table below
//! must end with the expected exit status (2 for what the argument parser refuses, 1 for
//! what the program refuses, never a panic or a signal), print a message that names the
//! problem, and leave every file that existed before byte for byte as it was.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One bad input: the arguments, the exit status and a fragment of the message.
struct Case {
    args: Vec<String>,
    status: i32,
    says: &'static str,
}

/// The argument parser refuses it (clap's usage error).
const USAGE: i32 = 2;
/// The program refuses it.
const REFUSED: i32 = 1;

/// A repository file, by its path from the repository root.
fn repo(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Runs galerkin in `dir`; returns its exit status and stdout + stderr.
fn run_in(dir: &Path, args: &[String]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_galerkin"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .output()
        .expect("the galerkin binary runs");
    let status = out.status.code().unwrap_or(-1);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (status, text)
}

/// Runs a fixture command that must succeed.
fn make(dir: &Path, args: &[&str]) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (status, text) = run_in(dir, &args);
    assert_eq!(
        status,
        0,
        "fixture `galerkin {}` failed:\n{text}",
        args.join(" ")
    );
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// A little-endian f64 `.npy` file of `shape` holding `values` (format 1.0).
fn write_npy(path: &Path, shape: &[usize], values: &[f64]) {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let mut header = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': ({},), }}",
        dims.join(", ")
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    for v in values {
        bytes.extend(v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

/// Copies `from` to `to` and lets `damage` edit the copy (HDF5, in this process; closed
/// before any command runs).
fn damaged(from: &Path, to: &Path, damage: impl FnOnce(&hdf5::File) -> hdf5::Result<()>) {
    std::fs::copy(from, to).unwrap();
    let f = hdf5::File::open_rw(to).unwrap();
    damage(&f).unwrap();
    f.close().unwrap();
}

/// The files every case starts from: trajectory files (Burgers, KS at two box sizes, one
/// whose trajectories all blew up), ROMs, damaged files, arrays to import, recipes.
fn fixtures(dir: &Path) {
    let burgers = repo("datasets/burgers-tiny.toml");
    let ks = repo("datasets/ks-tiny.toml");
    make(dir, &["simulate", &burgers, "-o", "b.h5", "--quiet"]);
    make(dir, &["simulate", &ks, "-o", "ks.h5", "--quiet"]);
    #[rustfmt::skip]
    make(dir, &["simulate", &ks, "-o", "ks30.h5", "--quiet", "--set", "grid.length=30.0"]);
    #[rustfmt::skip]
    make(dir, &["simulate", &burgers, "-o", "blow.h5", "--quiet", "--allow-failed",
        "--set", "time.integrator=\"rk4\"", "--set", "time.dt=0.01"]);
    make(dir, &["reduce", "b.h5", "--rank", "4", "-o", "rom.h5"]);
    make(dir, &["reduce", "ks.h5", "--rank", "4", "-o", "ksrom.h5"]);
    make(dir, &["export-rom", "rom.h5", "-o", "rom.safetensors"]);
    std::fs::copy(dir.join("b.h5"), dir.join("existing.h5")).unwrap();
    std::fs::write(dir.join("existing.txt"), "keep me\n").unwrap();
    std::fs::write(dir.join("not.h5"), "plain text, not HDF5\n").unwrap();
    std::fs::write(dir.join("garbage.toml"), "this is = = not toml [\n").unwrap();
    let base = std::fs::read_to_string(&burgers).unwrap();
    std::fs::write(
        dir.join("unknown-key.toml"),
        base.replace("[grid]\n", "[grid]\nresolution = 3\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("other.toml"),
        base.replace("n_traj = 4", "n_traj = 8")
            .replace("data/burgers-tiny.h5", "b.h5"),
    )
    .unwrap();
    let train = std::fs::read_to_string(repo("training/smoke-burgers.toml"))
        .unwrap()
        .replace("datasets/operator-burgers-small.toml", "other.toml")
        .replace("train = [0, 40]", "train = [0, 4]")
        .replace("test = [40, 48]", "test = [4, 8]")
        .replace("runs/smoke-burgers", "run");
    std::fs::write(dir.join("train.toml"), &train).unwrap();
    std::fs::write(
        dir.join("ds.toml"),
        base.replace("data/burgers-tiny.h5", "ds.h5"),
    )
    .unwrap();
    make(dir, &["simulate", "ds.toml", "--quiet"]);
    std::fs::write(
        dir.join("train-ok.toml"),
        train
            .replace("other.toml", "ds.toml")
            .replace("[4, 8]", "[3, 4]")
            .replace("[0, 4]", "[0, 3]"),
    )
    .unwrap();
    let b = dir.join("b.h5");
    damaged(&b, &dir.join("bad-t.h5"), |f| {
        f.unlink("t")?;
        f.new_dataset_builder().with_data(&[0.0, 1.0]).create("t")?;
        Ok(())
    });
    damaged(&b, &dir.join("bad-schema.h5"), |f| {
        f.delete_attr("schema_version")?;
        f.new_attr::<i64>()
            .create("schema_version")?
            .write_scalar(&99)
    });
    damaged(&b, &dir.join("no-pde.h5"), |f| f.delete_attr("pde"));
    damaged(&b, &dir.join("no-u.h5"), |f| f.unlink("u"));
    damaged(&b, &dir.join("bad-params.h5"), |f| {
        f.unlink("params/viscosity")?;
        f.new_dataset_builder()
            .with_data(&[0.1])
            .create("params/viscosity")?;
        Ok(())
    });
    let values: Vec<f64> = (0..20 * 16).map(|i| (i as f64 * 0.1).sin()).collect();
    write_npy(&dir.join("snaps.npy"), &[20, 16], &values);
    let mut with_nan = values.clone();
    with_nan[7] = f64::NAN;
    write_npy(&dir.join("nan.npy"), &[20, 16], &with_nan);
}

/// The table: (exit status, message fragment, arguments).
#[rustfmt::skip]
fn table() -> Vec<Case> {
    let burgers = repo("datasets/burgers-tiny.toml");
    let ns = repo("datasets/ns-tiny.toml");
    let wave = repo("datasets/wave-tiny.toml");
    let b = burgers.as_str();
    let sim = |set: &str, says: &'static str| -> (i32, &'static str, Vec<String>) {
        (REFUSED, says, vec!["simulate".into(), burgers.clone(), "-o".into(), "new.h5".into(), "--quiet".into(), "--set".into(), set.into()])
    };
    let mut rows: Vec<(i32, &'static str, Vec<String>)> = Vec::new();
    let mut add = |status: i32, says: &'static str, args: &[&str]| {
        rows.push((status, says, args.iter().map(|a| a.to_string()).collect()));
    };
    // simulate: the recipe file and its keys.
    add(REFUSED, "no-such.toml", &["simulate", "no-such.toml"]);
    add(REFUSED, "garbage.toml", &["simulate", "garbage.toml", "-o", "new.h5"]);
    add(REFUSED, "unknown field `resolution`", &["simulate", "unknown-key.toml", "-o", "new.h5"]);
    add(REFUSED, "line", &["simulate", "unknown-key.toml", "-o", "new.h5"]);
    add(REFUSED, "unknown field `bogus`", &["simulate", b, "-o", "new.h5", "--set", "grid.bogus=3"]);
    add(REFUSED, "key=value", &["simulate", b, "-o", "new.h5", "--set", "grid.n"]);
    add(USAGE, "--n-traj", &["simulate", b, "--n-traj", "many"]);
    add(USAGE, "--seed", &["simulate", b, "--seed", "-3"]);
    add(USAGE, "unexpected argument", &["simulate", b, "--bogus"]);
    add(USAGE, "required", &["simulate"]);
    add(REFUSED, "never overwritten", &["simulate", b, "-o", "existing.h5", "--quiet"]);
    add(REFUSED, "never overwritten", &["simulate", b, "-o", "ks.h5", "--quiet"]);
    add(REFUSED, "every one of the 4 trajectories failed", &["simulate", b, "-o", "new.h5", "--quiet", "--set", "time.integrator=\"rk4\"", "--set", "time.dt=0.01"]);
    add(REFUSED, "diffusion limit", &["simulate", b, "-o", "new.h5", "--quiet", "--set", "time.integrator=\"rk4\"", "--set", "time.dt=0.01"]);
    for (set, says) in [
        ("n_traj=0", "n_traj"),
        ("n_traj=3", "multiple of the 2 points"),
        ("time.dt=-0.001", "dt"),
        ("time.dt=0.0", "dt"),
        ("time.t_end=-1.0", "t_end"),
        ("time.save_every=0", "save_every"),
        ("time.cfl_limit=-1.0", "cfl_limit"),
        ("time.integrator=\"euler\"", "unknown variant `euler`"),
        ("time.integrator=\"implicit-midpoint\"", "integrator"),
        ("grid.n=0", "grid.n"),
        ("grid.n=2", "grid.n"),
        ("grid.n=1099511627776", "not enough memory"),
        ("grid.n=268435456", "available"),
        ("grid.n=4611686018427387904", "does not fit in 64 bits"),
        ("grid.save_n=100", "grid.save_n"),
        ("grid.length=-1.0", "length"),
        ("parameters.viscosity=-0.1", "viscosity"),
        ("parameters.viscosity=[0.1, -0.2]", "viscosity"),
        ("parameters.viscosity={ low = 0.2, high = 0.1 }", "viscosity"),
        ("parameters.viscosity=\"thick\"", "viscosity"),
        ("parameters.bogus=1.0", "bogus"),
        ("pde=\"heat\"", "heat"),
        ("precision=\"f16\"", "f16"),
        ("initial_condition.kind=\"square\"", "square"),
        ("initial_condition.sigma=-2.0", "sigma"),
        ("forcing={ kind = \"fno\" }", "forcing"),
    ] {
        let (status, says, args) = sim(set, says);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        add(status, says, &args);
    }
    add(REFUSED, "does not fit in 64 bits", &["simulate", &ns, "-o", "new.h5", "--quiet", "--set", "grid.nx=8589934592", "--set", "grid.ny=8589934592"]);
    add(REFUSED, "implicit-midpoint", &["simulate", &wave, "-o", "new.h5", "--quiet", "--set", "time.integrator=\"rk4\""]);
    // reduce
    add(REFUSED, "No such file", &["reduce", "missing.h5", "-o", "new.h5"]);
    add(REFUSED, "not an HDF5 file", &["reduce", "not.h5", "-o", "new.h5"]);
    add(REFUSED, "is a directory", &["reduce", ".", "-o", "new.h5"]);
    add(REFUSED, "never overwritten", &["reduce", "b.h5", "-o", "b.h5", "--force"]);
    add(REFUSED, "never overwritten", &["reduce", "b.h5", "-o", "./b.h5"]);
    add(REFUSED, "--force", &["reduce", "b.h5", "-o", "existing.h5"]);
    add(REFUSED, "--force", &["reduce", "b.h5", "-o", "new.h5", "--portable", "existing.txt"]);
    add(REFUSED, "rank", &["reduce", "b.h5", "-o", "new.h5", "--rank", "0"]);
    add(REFUSED, "rank", &["reduce", "b.h5", "-o", "new.h5", "--rank", "1000"]);
    add(REFUSED, "resolves only 17 singular values", &["reduce", "b.h5", "-o", "new.h5", "--rank", "40", "--pod-method", "snapshots"]);
    add(REFUSED, "energy", &["reduce", "b.h5", "-o", "new.h5", "--energy", "1.5"]);
    add(REFUSED, "energy", &["reduce", "b.h5", "-o", "new.h5", "--energy", "-1"]);
    add(USAGE, "cannot be used with", &["reduce", "b.h5", "--rank", "3", "--energy", "1e-4"]);
    add(USAGE, "possible values", &["reduce", "b.h5", "--method", "pod"]);
    add(USAGE, "possible values", &["reduce", "b.h5", "--pod-method", "qr"]);
    add(REFUSED, "points", &["reduce", "b.h5", "-o", "new.h5", "--method", "deim", "--rank", "6", "--points", "3"]);
    add(REFUSED, "wave file", &["reduce", "b.h5", "-o", "new.h5", "--method", "lifted-quadratic"]);
    add(REFUSED, "--dmd-modes needs --method dmd", &["reduce", "b.h5", "-o", "new.h5", "--dmd-modes", "m.h5"]);
    add(REFUSED, "trajector", &["reduce", "b.h5", "-o", "new.h5", "--trajectories", "99"]);
    add(REFUSED, "START..END", &["reduce", "b.h5", "-o", "new.h5", "--times", "5"]);
    add(REFUSED, "time window", &["reduce", "b.h5", "-o", "new.h5", "--times", "5..2"]);
    add(REFUSED, "/t has shape", &["reduce", "bad-t.h5", "-o", "new.h5"]);
    add(REFUSED, "schema_version 99", &["reduce", "bad-schema.h5", "-o", "new.h5"]);
    add(REFUSED, "no `pde` attribute", &["reduce", "no-pde.h5", "-o", "new.h5"]);
    add(REFUSED, "no /u dataset", &["reduce", "no-u.h5", "-o", "new.h5"]);
    add(REFUSED, "params/viscosity", &["reduce", "bad-params.h5", "-o", "new.h5"]);
    // evaluate
    add(REFUSED, "No such file", &["evaluate", "missing.h5", "b.h5"]);
    add(REFUSED, "No such file", &["evaluate", "rom.h5", "missing.h5"]);
    add(REFUSED, "not an HDF5 file", &["evaluate", "not.h5", "b.h5"]);
    add(REFUSED, "the ROM was built for `ks`", &["evaluate", "ksrom.h5", "b.h5"]);
    add(REFUSED, "the ROM has grid", &["evaluate", "ksrom.h5", "ks30.h5"]);
    add(REFUSED, "trajectory", &["evaluate", "rom.h5", "b.h5", "--trajectory", "9"]);
    add(REFUSED, "at least 2 save indices", &["evaluate", "rom.h5", "b.h5", "--times", "3..4"]);
    add(REFUSED, "dt", &["evaluate", "rom.h5", "b.h5", "--dt", "-0.1"]);
    add(REFUSED, "`abc` is not a number", &["evaluate", "rom.h5", "b.h5", "--set", "viscosity=abc"]);
    add(REFUSED, "NAME=VALUE", &["evaluate", "rom.h5", "b.h5", "--set", "viscosity"]);
    add(REFUSED, "bogus", &["evaluate", "rom.h5", "b.h5", "--set", "bogus=1"]);
    add(USAGE, "possible values", &["evaluate", "rom.h5", "b.h5", "--integrator", "euler"]);
    add(REFUSED, "--force", &["evaluate", "rom.h5", "b.h5", "--states", "existing.txt"]);
    add(REFUSED, "never overwritten", &["evaluate", "rom.h5", "b.h5", "--states", "rom.h5", "--force"]);
    add(REFUSED, "NaN", &["evaluate", "rom.h5", "blow.h5"]);
    add(REFUSED, "/t has shape", &["evaluate", "rom.h5", "bad-t.h5"]);
    // info
    add(REFUSED, "No such file", &["info", "missing.h5"]);
    add(REFUSED, "not an HDF5 file", &["info", "not.h5"]);
    add(REFUSED, "is a directory", &["info", "."]);
    add(REFUSED, "not a galerkin trajectory file", &["info", "rom.h5"]);
    add(REFUSED, "schema_version 99", &["info", "bad-schema.h5"]);
    add(USAGE, "required", &["info"]);
    // export
    add(USAGE, "possible values", &["export", "--format", "netcdf", "b.h5", "-o", "new.h5"]);
    add(REFUSED, "never overwritten", &["export", "--format", "the-well", "b.h5", "-o", "b.h5", "--force"]);
    add(REFUSED, "--force", &["export", "--format", "the-well", "b.h5", "-o", "existing.h5"]);
    add(REFUSED, "--allow-non-finite", &["export", "--format", "pdebench", "blow.h5", "-o", "new.hdf5"]);
    add(REFUSED, "No such file", &["export", "--format", "pdebench", "missing.h5", "-o", "new.hdf5"]);
    add(REFUSED, "/t has shape", &["export", "--format", "pdebench", "bad-t.h5", "-o", "new.hdf5"]);
    // export-rom
    add(REFUSED, "No such file", &["export-rom", "missing.h5", "-o", "new.safetensors"]);
    add(REFUSED, "never overwritten", &["export-rom", "rom.h5", "-o", "rom.h5", "--force"]);
    add(REFUSED, "--force", &["export-rom", "rom.h5", "-o", "existing.txt"]);
    add(REFUSED, "b.h5", &["export-rom", "b.h5", "-o", "new.safetensors"]);
    add(USAGE, "--output", &["export-rom", "rom.h5"]);
    // fmu
    add(REFUSED, "No such file", &["fmu", "missing.safetensors", "-o", "new.fmu", "--dt", "0.01"]);
    add(REFUSED, "never overwritten", &["fmu", "rom.safetensors", "-o", "rom.safetensors", "--force"]);
    add(REFUSED, "--force", &["fmu", "rom.safetensors", "-o", "existing.txt", "--dt", "0.01"]);
    add(REFUSED, "--dt", &["fmu", "rom.safetensors", "-o", "new.fmu", "--dt", "-1"]);
    add(REFUSED, "probe", &["fmu", "rom.safetensors", "-o", "new.fmu", "--dt", "0.01", "--probe", "z=3"]);
    add(REFUSED, "--stop-time", &["fmu", "rom.safetensors", "-o", "new.fmu", "--dt", "0.01", "--stop-time", "-2"]);
    // import
    add(REFUSED, "import specification", &["import"]);
    add(REFUSED, "--output", &["import", "--snapshots", "snaps.npy", "--dt", "0.1"]);
    add(REFUSED, "missing.npy", &["import", "--snapshots", "missing.npy", "--dt", "0.1", "-o", "new.h5"]);
    add(REFUSED, "--param must be", &["import", "--snapshots", "snaps.npy", "--dt", "0.1", "-o", "new.h5", "--param", "nu"]);
    add(REFUSED, "never overwritten", &["import", "--snapshots", "snaps.npy", "--dt", "0.1", "-o", "snaps.npy", "--force"]);
    add(REFUSED, "--force", &["import", "--snapshots", "snaps.npy", "--axes", "time,x", "--dt", "0.1", "-o", "existing.h5"]);
    add(REFUSED, "axes", &["import", "--snapshots", "snaps.npy", "--axes", "time,depth", "--dt", "0.1", "-o", "new.h5"]);
    add(REFUSED, "snapshots", &["import", "--snapshots", "nan.npy", "--axes", "time,x", "--dt", "0.1", "-o", "new.h5"]);
    add(REFUSED, "garbage.toml", &["import", "garbage.toml"]);
    // train
    add(REFUSED, "no-such.toml", &["train", "no-such.toml"]);
    add(REFUSED, "another dataset", &["train", "train.toml", "--quiet"]);
    add(REFUSED, "epochs", &["train", "train.toml", "--quiet", "--set", "train.epochs=-1"]);
    add(REFUSED, "unknown field", &["train", "train.toml", "--quiet", "--set", "train.bogus=1"]);
    add(REFUSED, "fits in memory", &["train", "train-ok.toml", "--quiet", "--set", "model.width=100000000"]);
    add(REFUSED, "fits in memory", &["train", "train-ok.toml", "--quiet", "--set", "model.layers=100000000"]);
    add(REFUSED, "model.modes", &["train", "train-ok.toml", "--quiet", "--set", "model.modes=100000000"]);
    add(REFUSED, "data.train", &["train", "train-ok.toml", "--quiet", "--set", "data.train=[0, 40]"]);
    // the rest
    add(USAGE, "possible values", &["figures", "--only", "everything"]);
    add(USAGE, "unexpected argument", &["demo", "--fast"]);
    add(USAGE, "unrecognized subcommand", &["simulat"]);
    rows.into_iter()
        .map(|(status, says, args)| Case { args, status, says })
        .collect()
}

#[test]
fn every_bad_input_is_refused_clearly_and_changes_no_file() {
    let dir = common::temp_dir("bad-inputs");
    fixtures(&dir);
    let cases = table();
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let before = files(&dir);
        let (status, text) = run_in(&dir, &case.args);
        let after = files(&dir);
        let command = format!("galerkin {}", case.args.join(" "));
        let mut wrong = Vec::new();
        if status != case.status {
            wrong.push(format!("exit status {status}, expected {}", case.status));
        }
        if !text.contains(case.says) {
            wrong.push(format!("message lacks `{}`", case.says));
        }
        if text.contains("panicked") || text.contains("RUST_BACKTRACE") {
            wrong.push("panicked".into());
        }
        for (path, bytes) in &before {
            if after.get(path) != Some(bytes) {
                wrong.push(format!("changed or removed {}", path.display()));
            }
        }
        // What a refused command left behind (nothing, normally) is removed, so that every
        // case starts from the same files.
        for path in after.keys().filter(|p| !before.contains_key(*p)) {
            std::fs::remove_file(path).unwrap();
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "{command}\n  {}\n  output: {text}",
                wrong.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
