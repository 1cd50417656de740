//! Shared by the embedding tests: the C library built by cargo, a portable Burgers ROM and
//! galerkin's reference run of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use galerkin::rom::{run_against, ReducedModel, Reduction, RomIntegrator, RunOptions};
use galerkin::workflow::write_portable;

use super::fixtures::Case;

/// The directory holding `libgalerkin_rom.so` / `.a`, built once per test binary with the
/// cargo and profile running this test (`cargo test` builds no cdylib by itself). The build
/// has its own target directory (`<target>/embed-tests`): built alone, the crate resolves
/// its dependencies' features differently from the workspace test build, and its rlib
/// would replace the one the test build's doctests link against.
pub fn library_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let (target_dir, profile) = crate::common::nested_target_dir("embed-tests");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", "galerkin-capi", "--target-dir"]);
        build.arg(&target_dir);
        if profile == "release" {
            build.arg("--release");
        }
        let status = build.status().unwrap();
        assert!(status.success(), "cargo build -p galerkin-capi failed");
        let dir = target_dir.join(profile);
        assert!(dir.join("libgalerkin_rom.so").exists());
        dir
    })
}

/// The repository root (tests run there).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A Burgers ROM (r = 8) in a portable file, with galerkin's reference run of it.
pub struct Fixture {
    /// The portable file.
    pub rom: PathBuf,
    /// The initial full field, one number a line (what the examples read).
    pub initial: PathBuf,
    /// The online step.
    pub dt: f64,
    /// Steps between saves of the reference.
    pub save_every: usize,
    /// Saved times.
    pub times: Vec<f64>,
    /// The online viscosity (not the build value, so the parameter path is exercised).
    pub viscosity: f64,
    /// The galerkin model.
    pub model: ReducedModel,
    /// Reduced coordinates of galerkin's run at every save.
    pub coefficients: Vec<Vec<f64>>,
}

impl Fixture {
    /// Writes `kind`'s ROM of the Burgers case under `dir` and runs it in galerkin at ν = 0.015.
    pub fn burgers(dir: &Path, kind: Reduction) -> Self {
        let case = Case::burgers(0.01);
        let pod = case.pod(8, true);
        let model = case.model(&pod, 8, kind);
        let rom = dir.join(format!("{}.safetensors", model.kind().name()));
        write_portable(&model, &rom, true).unwrap();
        let initial = dir.join("initial.txt");
        let n = case.n();
        let u0: Vec<String> = case.traj.data[..n]
            .iter()
            .map(|v| format!("{v:.17e}"))
            .collect();
        std::fs::write(&initial, u0.join("\n")).unwrap();
        let viscosity = 0.015;
        let run = RunOptions {
            dt: case.dt,
            integrator: RomIntegrator::Rk4,
            parameters: BTreeMap::from([("viscosity".to_string(), viscosity)]),
        };
        let reference = run_against(&model, &case.traj.data, &case.traj.times, &run).unwrap();
        let save_every = ((case.traj.times[1] - case.traj.times[0]) / case.dt).round() as usize;
        Self {
            rom,
            initial,
            dt: case.dt,
            save_every,
            times: case.traj.times.clone(),
            viscosity,
            model,
            coefficients: reference.coefficients,
        }
    }

    /// galerkin's full field at save `save`: ū + V a.
    pub fn full(&self, save: usize) -> Vec<f64> {
        let mut full = vec![0.0; self.model.basis.dim()];
        self.model.reconstruct(&self.coefficients[save], &mut full);
        full
    }
}

/// Parses whitespace-separated rows of numbers (the examples' output).
pub fn rows(text: &str) -> Vec<Vec<f64>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split_whitespace()
                .map(|v| v.parse().unwrap_or_else(|_| panic!("number in `{l}`")))
                .collect()
        })
        .collect()
}
