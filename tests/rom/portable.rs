//! Portable ROM files (safetensors layout): round trips to the same bits, clear errors for
//! corrupt, truncated and foreign files, and the numpy-only reader
//! (`scripts/portable_rom.py`, run in the local virtualenv from `scripts/python-env`)
//! against `galerkin::rom::solve`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use galerkin::basis::Truncation;
use galerkin::rom::wave_run::WaveTrajectory;
use galerkin::rom::{
    run_against, solve, Pod, PodOptions, PointSelection, ReducedModel, ReducedOrderModel,
    Reduction, RomIntegrator, RunOptions, Stepper,
};
use galerkin::workflow::{read_portable, write_portable, write_portable_lifted, LiftedRomFile};
use galerkin_solvers::WaveNonlinearity;

use super::common::{python_with, temp_dir};
use super::fixtures::Case;

/// Burgers ROMs of r = 8 modes: Galerkin on a centred, cell-weighted POD, and Q-DEIM
/// (16 points) on a centred Euclidean one.
fn models(case: &Case) -> Vec<ReducedModel> {
    let weighted = Pod::compute(
        &mut case.snapshots(),
        &PodOptions {
            truncation: Truncation::Rank(8),
            center: true,
            cell_weight: Some(1.0 / 128.0),
            ..PodOptions::default()
        },
    )
    .unwrap();
    let plain = case.pod(8, true);
    vec![
        case.model(&weighted, 8, Reduction::Galerkin),
        case.model(
            &plain,
            8,
            Reduction::Hyper {
                points: 16,
                selection: PointSelection::Qdeim,
            },
        ),
    ]
}

fn message(result: galerkin::workflow::Result<ReducedModel>) -> String {
    result.expect_err("refused").to_string()
}

#[test]
fn portable_round_trip_runs_bit_identically() {
    let dir = temp_dir("portable-rt");
    let case = Case::burgers(0.01);
    let run = RunOptions {
        dt: case.dt,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::from([("viscosity".to_string(), 0.015)]),
    };
    for model in models(&case) {
        let path = dir.join(format!("{}.safetensors", model.kind().name()));
        write_portable(&model, &path, false).unwrap();
        assert!(!dir.join(format!("{}.tmp", path.display())).exists());
        let loaded = read_portable(&path).unwrap();
        assert_eq!(loaded.kind(), model.kind());
        assert_eq!(loaded.parameter_names(), model.parameter_names());
        let a = run_against(&model, &case.traj.data, &case.traj.times, &run).unwrap();
        let b = run_against(&loaded, &case.traj.data, &case.traj.times, &run).unwrap();
        assert_eq!(a.coefficients, b.coefficients, "{:?}", model.kind());
        assert_eq!(a.error, b.error, "bit-identical after a round trip");
        assert!(
            a.relative_error < 0.05,
            "{:?}: {}",
            model.kind(),
            a.relative_error
        );
        // An existing file is refused without `force`, replaced with it.
        let refused = write_portable(&model, &path, false)
            .unwrap_err()
            .to_string();
        assert!(refused.contains("already exists"), "{refused}");
        write_portable(&model, &path, true).unwrap();
    }
}

#[test]
fn corrupt_truncated_and_foreign_files_are_clear_errors() {
    let dir = temp_dir("portable-bad");
    let case = Case::burgers(0.01);
    let model = models(&case).remove(1);
    let good = dir.join("good.safetensors");
    write_portable(&model, &good, false).unwrap();
    let bytes = std::fs::read(&good).unwrap();
    let bad = dir.join("bad.safetensors");
    let with = |content: &[u8]| {
        std::fs::write(&bad, content).unwrap();
        message(read_portable(&bad))
    };
    // Truncated anywhere: an error, never a panic.
    for cut in [0, 3, 8, 20, bytes.len() / 2, bytes.len() - 1] {
        let text = with(&bytes[..cut]);
        assert!(
            text.contains("not a portable ROM file"),
            "cut {cut}: {text}"
        );
    }
    // A foreign file (text), an absurd header length, a header that is not JSON.
    assert!(with(b"hello, this is not a ROM at all").contains("header length"));
    let mut huge = bytes.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(with(&huge).contains("header length"));
    let mut garbled = bytes.clone();
    garbled[8] = b'#';
    assert!(with(&garbled).contains("not JSON"));
    // Another format, a newer version, an unsupported kind: edit the metadata in place
    // (same lengths, so the offsets stay valid).
    let edit = |from: &str, to: &str| {
        assert_eq!(from.len(), to.len());
        let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        let header = std::str::from_utf8(&bytes[8..8 + header_len]).unwrap();
        assert!(header.contains(from), "{from} in {header}");
        let mut out = bytes.clone();
        out[8..8 + header_len].copy_from_slice(header.replacen(from, to, 1).as_bytes());
        with(&out)
    };
    let text = edit("galerkin-portable-rom", "something-else-entire");
    assert!(text.contains("metadata `format`"), "{text}");
    let text = edit("\"version\":\"1\"", "\"version\":\"9\"");
    assert!(text.contains("newer"), "{text}");
    let text = edit("\"rom_kind\":\"qdeim\"", "\"rom_kind\":\"xdeim\"");
    assert!(
        text.contains("rom_kind") && text.contains("`galerkin`"),
        "{text}"
    );
    let text = edit("\"dtype\":\"F64\"", "\"dtype\":\"F32\"");
    assert!(text.contains("dtype"), "{text}");
    // A shape that disagrees with r.
    let mut wrong = model.clone();
    wrong.linear.constant.push(0.0);
    let path = dir.join("wrong.safetensors");
    write_portable(&wrong, &path, false).unwrap();
    let text = message(read_portable(&path));
    assert!(
        text.contains("linear.constant") && text.contains("[r]"),
        "{text}"
    );
    // A missing file names the path.
    let text = message(read_portable(&dir.join("absent.safetensors")));
    assert!(text.contains("absent.safetensors"), "{text}");
}

/// Runs `scripts/portable_rom.py` on `rom` and returns its final reduced coordinates and
/// the substeps per step it chose.
fn numpy_run(rom: &Path, u0: &[f64], dt: f64, steps: usize, params: &[&str]) -> (Vec<f64>, usize) {
    let dir = rom.parent().unwrap();
    let (u0_path, out_path) = (dir.join("u0.txt"), dir.join("a.txt"));
    let text: Vec<String> = u0.iter().map(|v| format!("{v:e}")).collect();
    std::fs::write(&u0_path, text.join("\n")).unwrap();
    let out = Command::new(python_with(&["numpy"]))
        .arg("scripts/portable_rom.py")
        .arg(rom)
        .arg(&u0_path)
        .arg(dt.to_string())
        .arg(steps.to_string())
        .arg(&out_path)
        .args(params)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let substeps = stdout
        .split("substeps = ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no substeps in {stdout}"));
    let a = std::fs::read_to_string(&out_path)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    (a, substeps)
}

/// |a − b| / |b| (Euclidean norms).
fn relative_l2(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let diff = a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum::<f64>();
    (diff / b.iter().map(|v| v * v).sum::<f64>()).sqrt()
}

#[test]
fn numpy_reference_matches_the_rust_solver() {
    let dir = temp_dir("portable-numpy");
    let case = Case::burgers(0.01);
    let u0 = &case.traj.data[..case.n()];
    // A step large enough that RK4 needs stability substeps, and a re-weighted viscosity.
    let (dt, steps) = (0.1, 5);
    let params = BTreeMap::from([("viscosity".to_string(), 0.015)]);
    for model in models(&case) {
        let path = dir.join(format!("{}.safetensors", model.kind().name()));
        write_portable(&model, &path, false).unwrap();
        let mut online = model.online(&params).unwrap();
        let x0 = model.project(u0).unwrap();
        let rust = solve(&mut online, RomIntegrator::Rk4, &x0, dt, steps, steps)
            .unwrap()
            .pop()
            .unwrap();
        let stepper = Stepper::new(RomIntegrator::Rk4, &online, dt).unwrap();
        let (numpy, substeps) = numpy_run(&path, u0, dt, steps, &["viscosity=0.015"]);
        assert_eq!(substeps, stepper.substeps(), "the same substep rule");
        assert!(substeps > 1, "dt exercises the substep rule");
        eprintln!("{:?}: {substeps} substeps", model.kind());
        assert_eq!(numpy.len(), rust.len());
        let diff = relative_l2(&numpy, &rust);
        assert!(
            diff <= 1e-12,
            "{:?}: |numpy − rust| / |rust| = {diff:.3e}",
            model.kind()
        );
    }
}

/// The numpy reader runs a lifted wave ROM file (implicit midpoint, full Newton) to the
/// state galerkin's implicit midpoint reaches, at a re-weighted mass.
#[test]
fn numpy_reference_runs_the_lifted_rom() {
    let dir = temp_dir("portable-numpy-lifted");
    let (mut model, rom, traj) = super::lifting::rom(WaveNonlinearity::Exponential, 1.0, 6);
    let path = dir.join("lifted.safetensors");
    let file = LiftedRomFile {
        rom,
        grid_shape: model.wave().grid().shape(),
        recipe: String::new(),
        training_parameters: BTreeMap::new(),
    };
    write_portable_lifted(&file, &path, false).unwrap();
    let y0 = model
        .lift(
            &WaveTrajectory::column(&traj.q, 0),
            &WaveTrajectory::column(&traj.p, 0),
        )
        .concat();
    let x0 = ReducedOrderModel::project(&file.rom, &y0).unwrap();
    let (dt, steps) = (0.02, 20);
    let rust = solve(
        &mut file.rom.online(1.5),
        RomIntegrator::ImplicitMidpoint,
        &x0,
        dt,
        steps,
        steps,
    )
    .unwrap()
    .pop()
    .unwrap();
    let (numpy, substeps) = numpy_run(&path, &y0, dt, steps, &["mass=1.5"]);
    assert_eq!(substeps, 1);
    let diff = relative_l2(&numpy, &rust);
    eprintln!("lifted: |numpy − rust| / |rust| = {diff:.3e}");
    // Both iterate Newton to round-off (full vs simplified Newton, numpy's projection of
    // y0 sums in another order): the steps agree to round-off.
    assert!(diff <= 1e-12, "lifted: {diff:.3e}");
}

#[test]
fn portable_bytes_are_the_file_export_rom_writes() {
    let dir = temp_dir("portable-bytes");
    let case = Case::burgers(0.01);
    for model in models(&case) {
        let h5 = dir.join(format!("{}.h5", model.kind().name()));
        model.save(&h5).unwrap();
        let file = dir.join(format!("{}.safetensors", model.kind().name()));
        let kind = galerkin::workflow::export_rom(&h5, &file, false).unwrap();
        let (in_memory_kind, bytes) = galerkin::workflow::portable_bytes(&h5).unwrap();
        assert_eq!(in_memory_kind, kind);
        assert_eq!(bytes, std::fs::read(&file).unwrap(), "{kind:?}");
    }
}
