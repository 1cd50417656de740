//! `galerkin fmu` end to end: simulate → reduce --portable → fmu, then FMPy (a real FMI 2.0
//! master, from PyPI into the project's .venv) validates the FMU, simulates it, saves /
//! restores / serializes its state and sees every bad call refused with a logged message;
//! its probe and energy outputs match `galerkin evaluate --states` of the same ROM.

use std::process::Command;

use galerkin::workflow::read_portable;
use serde_json::Value;

use super::common::{galerkin_with_env, path, python_with, simulate_recipe, temp_dir};
use super::library::library_dir;

/// Runs the galerkin command with the freshly built runtime library as the FMU binary.
fn galerkin(args: &[&str]) -> (bool, String) {
    let binary = library_dir().join("libgalerkin_rom.so");
    galerkin_with_env(args, &[("GALERKIN_FMU_BINARY", &binary)])
}

#[test]
fn fmpy_validates_and_simulates_the_fmu_as_galerkin_runs_the_rom() {
    let dir = temp_dir("embed-fmu");
    let (data, rom, portable, fmu) = (
        dir.join("b.h5"),
        dir.join("rom.h5"),
        dir.join("rom.safetensors"),
        dir.join("burgers.fmu"),
    );
    simulate_recipe("datasets/burgers-tiny.toml", &data);
    let (ok, text) = galerkin(&[
        "reduce",
        path(&data),
        "--rank",
        "6",
        "-o",
        path(&rom),
        "--portable",
        path(&portable),
    ]);
    assert!(ok, "{text}");
    // Grid points 0 and 21 of 64 on [0, 1) by coordinate, point 50 by index.
    let probes = [0usize, 21, 50];
    let specs = [
        "x=0".to_string(),
        format!("x={}", 21.0 / 64.0),
        "index=50".to_string(),
    ];
    let mut args = vec!["fmu", path(&portable), "-o", path(&fmu)];
    for spec in &specs {
        args.extend(["--probe", spec]);
    }
    args.extend(["--initial-from", path(&data)]);
    let (ok, text) = galerkin(&args);
    assert!(ok && text.contains("FMU `burgers`"), "{text}");
    // An existing FMU is refused without --force.
    let (ok, text) = galerkin(&args);
    assert!(!ok && text.contains("--force"), "{text}");

    // `galerkin evaluate` of the same ROM on trajectory 0 at a held-out viscosity.
    let viscosity = 0.07;
    let states = dir.join("states.txt");
    let setting = format!("viscosity={viscosity}");
    let (ok, text) = galerkin(&[
        "evaluate",
        path(&rom),
        path(&data),
        "--trajectory",
        "0",
        "--set",
        &setting,
        "--states",
        path(&states),
    ]);
    assert!(ok, "{text}");
    let reference: Vec<Vec<f64>> = std::fs::read_to_string(&states)
        .unwrap()
        .lines()
        .map(|l| l.split_whitespace().map(|v| v.parse().unwrap()).collect())
        .collect();
    let model = read_portable(&portable).unwrap();
    let interval = reference[1][1] - reference[0][1];

    let python = python_with(&["numpy", "fmpy"]);
    let names = ["u(x=0)", "u(x=0.328125)", "u[50]", "energy"];
    let out = Command::new(python)
        .arg("tests/embed/fmu_check.py")
        .arg(&fmu)
        .arg(reference.last().unwrap()[1].to_string())
        .arg(interval.to_string())
        .arg(format!(r#"{{"viscosity": {viscosity}}}"#))
        .args(names)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "fmu_check.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["problems"], Value::Array(vec![]), "FMPy validation");

    let rows = report["rows"].as_array().unwrap();
    assert_eq!(
        rows.len(),
        reference.len(),
        "one row per communication point"
    );
    let mut full = vec![0.0; model.basis.dim()];
    let (mut worst, mut worst_energy) = (0.0f64, 0.0f64);
    for (row, state) in rows.iter().zip(&reference) {
        let row: Vec<f64> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(
            (row[0] - state[1]).abs() <= 1e-12,
            "time {row:?} vs {state:?}"
        );
        model.reconstruct(&state[2..], &mut full);
        for (k, &i) in probes.iter().enumerate() {
            worst = worst.max((row[k + 1] - full[i]).abs() / full[i].abs().max(1e-300));
        }
        let energy = 0.5 * full.iter().map(|u| u * u).sum::<f64>();
        worst_energy = worst_energy.max((row[4] - energy).abs() / energy);
    }
    // The FMU steps with the runtime, which reproduces galerkin's RK4 arithmetic; the
    // bound for the whole FMI round trip is 1e-10 (observed: rounding, ~1e-16).
    assert!(
        worst <= 1e-10,
        "worst relative difference at the probes {worst:e}"
    );
    // Energy: the O(r) form against the direct sum over n = 64 values, rounding only.
    assert!(worst_energy <= 1e-12, "energy {worst_energy:e}");
    eprintln!("FMU vs galerkin evaluate: probes {worst:e}, energy {worst_energy:e}");

    assert_eq!(
        report["restored_equal"],
        Value::Bool(true),
        "get/set FMU state"
    );
    assert_eq!(
        report["deserialized_equal"],
        Value::Bool(true),
        "serialized FMU state"
    );
    // fmi2Error = 3, each with a log line naming what is wrong.
    for (call, needle) in [
        ("step_not_multiple_of_dt", "communicationStepSize"),
        ("nan_parameter", "invalid `viscosity` = NaN"),
        ("fixed_after_init", "fixed parameter"),
        ("set_output", "is an output"),
        ("unknown_value_reference", "invalid value reference 10000"),
        ("wrong_time", "currentCommunicationPoint"),
        ("integer_variable", "no Integer variables"),
    ] {
        let bad = &report["bad"][call];
        assert_eq!(bad["status"], Value::from(3), "{call}: {bad}");
        let log = bad["log"].as_str().unwrap();
        assert!(log.contains(needle), "{call}: `{needle}` not in `{log}`");
    }
    // A broken ROM inside the FMU: fmi2Instantiate returns NULL and logs why.
    for (case, needle) in [
        ("truncated", "not a portable ROM file"),
        ("foreign", "not a portable ROM file"),
        ("newer_version", "invalid `version` = 9"),
    ] {
        let broken = &report["broken"][case];
        assert_eq!(
            broken["outcome"],
            Value::from("refused"),
            "{case}: {broken}"
        );
        let log = broken["log"].as_str().unwrap();
        assert!(log.contains(needle), "{case}: `{needle}` not in `{log}`");
    }
}
