//! The C and Fortran examples (examples/embed) compiled with gcc and gfortran against
//! `libgalerkin_rom` and the committed header / bindings module, run on a Burgers ROM, and
//! compared with galerkin's own online run at the probes.

use std::path::{Path, PathBuf};
use std::process::Command;

use galerkin::rom::{PointSelection, Reduction};

use super::common::temp_dir;
use super::library::{library_dir, root, rows, Fixture};

/// Probe indices of the examples' runs.
const PROBES: [usize; 3] = [0, 37, 101];

/// Compiles `sources` with `compiler` (+ `flags`) against the C library into `dir/name`.
fn compile(compiler: &str, flags: &[&str], sources: &[&str], dir: &Path, name: &str) -> PathBuf {
    let lib = library_dir();
    let exe = dir.join(name);
    let out = Command::new(compiler)
        .args(flags)
        .arg(format!("-I{}", root().join("capi/include").display()))
        .args(sources.iter().map(|s| root().join(s)))
        .arg(format!("-L{}", lib.display()))
        .arg("-lgalerkin_rom")
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-o")
        .arg(&exe)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{compiler} not found ({e}): run scripts/setup"));
    assert!(
        out.status.success(),
        "{compiler} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs an example on `fx` and checks every printed probe value against galerkin's run.
fn check_example(exe: &Path, fx: &Fixture) {
    let steps = fx.save_every * (fx.times.len() - 1);
    let mut cmd = Command::new(exe);
    cmd.arg(&fx.rom)
        .arg(&fx.initial)
        .args(["viscosity", &fx.viscosity.to_string(), &fx.dt.to_string()])
        .args([steps.to_string(), fx.save_every.to_string()])
        .args(PROBES.iter().map(|p| p.to_string()));
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}: {}",
        exe.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let table = rows(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(table.len(), fx.times.len(), "one row per save");
    let (mut worst, mut worst_energy) = (0.0f64, 0.0f64);
    for (save, row) in table.iter().enumerate() {
        // Times are steps × dt in both: equal to rounding of the decimal print.
        assert!((row[0] - fx.times[save]).abs() <= 1e-12, "{row:?}");
        let full = fx.full(save);
        for (k, &index) in PROBES.iter().enumerate() {
            let expected = full[index];
            worst = worst.max((row[k + 1] - expected).abs() / expected.abs().max(1e-300));
        }
        // The energy ½‖u‖² (Euclidean POD) of galerkin's reconstruction, summed directly.
        let energy = 0.5 * full.iter().map(|u| u * u).sum::<f64>();
        let last = row[PROBES.len() + 1];
        worst_energy = worst_energy.max((last - energy).abs() / energy);
    }
    // The runtime's energy is the O(r) form ½(ūᵀū + 2aᵀVᵀū + aᵀa): equal up to rounding
    // of the n-term sums (n = 128): ≤ 1e-12.
    assert!(
        worst_energy <= 1e-12,
        "{}: energy {worst_energy:e}",
        exe.display()
    );
    // The runtime reproduces galerkin's RK4 arithmetic and %.17g / es25.17 print every
    // double exactly, so any difference is rounding of the reconstruction order: ≤ 1e-12.
    assert!(
        worst <= 1e-12,
        "{}: worst relative difference {worst:e}",
        exe.display()
    );
    eprintln!(
        "{} vs galerkin: probes {worst:e}, energy {worst_energy:e}",
        exe.display()
    );
}

#[test]
fn c_and_fortran_examples_match_galerkin() {
    let dir = temp_dir("embed-c-fortran");
    let c = compile(
        "cc",
        &["-O2", "-std=c99", "-Wall", "-Wextra", "-Werror"],
        &["examples/embed/rom_probe.c"],
        &dir,
        "rom_probe",
    );
    let fortran = compile(
        "gfortran",
        &["-O2", "-Wall", "-Werror"],
        &[
            "capi/fortran/galerkin_rom.f90",
            "examples/embed/rom_probe.f90",
        ],
        &dir,
        "rom_probe_f",
    );
    for kind in [
        Reduction::Galerkin,
        Reduction::Hyper {
            points: 16,
            selection: PointSelection::Qdeim,
        },
    ] {
        let fx = Fixture::burgers(&dir, kind);
        check_example(&c, &fx);
        check_example(&fortran, &fx);
    }
}

#[test]
fn c_example_reports_bad_input_and_exits_nonzero() {
    let dir = temp_dir("embed-c-bad");
    let c = compile(
        "cc",
        &["-O2", "-std=c99"],
        &["examples/embed/rom_probe.c"],
        &dir,
        "rom_probe",
    );
    let fx = Fixture::burgers(&dir, Reduction::Galerkin);
    let bytes = std::fs::read(&fx.rom).unwrap();
    let variant = |name: &str, content: Vec<u8>| {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_string()
    };
    let truncated = variant("truncated.safetensors", bytes[..bytes.len() / 2].to_vec());
    let foreign = variant("foreign.safetensors", [b"PK\x03\x04", &bytes[4..]].concat());
    // The same header with version 9 (one byte changed in place: lengths stay valid).
    let key = br#""version":"1""#;
    let at = bytes.windows(key.len()).position(|w| w == key).unwrap() + key.len() - 2;
    let mut newer = bytes.clone();
    newer[at] = b'9';
    let newer = variant("newer.safetensors", newer);

    let mut field: Vec<String> = std::fs::read_to_string(&fx.initial)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    field[3] = "nan".into();
    let nan_field = variant("nan.txt", field.join("\n").into_bytes());
    let (rom, initial) = (fx.rom.to_str().unwrap(), fx.initial.to_str().unwrap());
    // (model, initial field, parameter, value, dt, probe index) → the message expected.
    let cases: [([&str; 6], &str); 9] = [
        (
            [&truncated, initial, "viscosity", "0.01", "0.001", "0"],
            "not a portable ROM file",
        ),
        (
            [&foreign, initial, "viscosity", "0.01", "0.001", "0"],
            "not a portable ROM file",
        ),
        (
            [&newer, initial, "viscosity", "0.01", "0.001", "0"],
            "invalid `version` = 9",
        ),
        (
            [rom, initial, "viscostiy", "0.01", "0.001", "0"],
            "invalid `parameter` = `viscostiy`",
        ),
        (
            [rom, initial, "viscosity", "nan", "0.001", "0"],
            "invalid `viscosity` = NaN",
        ),
        (
            [rom, initial, "viscosity", "0.01", "-0.001", "0"],
            "invalid `dt`",
        ),
        (
            [rom, initial, "viscosity", "0.01", "nan", "0"],
            "invalid `dt`",
        ),
        (
            [rom, &nan_field, "viscosity", "0.01", "0.001", "0"],
            "invalid `u[3]` = NaN",
        ),
        (
            [rom, initial, "viscosity", "0.01", "0.001", "128"],
            "invalid `probe index` = 128",
        ),
    ];
    for ([rom, initial, parameter, value, dt, index], expected) in cases {
        let out = Command::new(&c)
            .args([rom, initial, parameter, value, dt, "2", "1", index])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(expected), "`{expected}` not in: {stderr}");
    }
}
