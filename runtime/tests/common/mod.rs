//! Small Burgers ROMs built in memory with galerkin and written as portable files.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::Arc;

use faer::Mat;

use galerkin::basis::Truncation;
use galerkin::rom::learn::{learn, LearnOptions, ReducedTrajectory};
use galerkin::rom::wave_run::{build_lifted, simulate_wave, WaveTrajectory};
use galerkin::rom::{
    build_model, MatrixSource, Pod, PodOptions, PointSelection, ReducedModel, Reduction, RomKind,
};
use galerkin::workflow::{write_portable, write_portable_lifted, LiftedRomFile};
use galerkin_runtime::RomModel;
use galerkin_solvers::{
    Burgers, ConservativeWave, Dealias, Grid, LiftedWave, Schedule, Scheme, SemiLinearPde,
    Simulation, SpectralModel, Trajectory, WaveNonlinearity,
};

/// Viscous Burgers (128 points, ν = 0.01, u0 = sin 2πx + 0.5, t ∈ [0, 0.5]) and its
/// trajectory.
pub struct Case {
    pub pde: Box<dyn SemiLinearPde>,
    pub traj: Trajectory,
}

impl Case {
    pub fn burgers() -> Self {
        let grid = Grid::new_1d(128, 1.0).unwrap();
        let u0: Vec<f64> = grid
            .x()
            .iter()
            .map(|x| (2.0 * std::f64::consts::PI * x).sin() + 0.5)
            .collect();
        let pde: Box<dyn SemiLinearPde> =
            Box::new(Burgers::new(&grid, 0.01, Dealias::TwoThirds).unwrap());
        let mut sim = Simulation::new(pde.clone(), Scheme::Etdrk4, 1e-3, &u0).unwrap();
        let schedule = Schedule {
            dt: 1e-3,
            n_steps: 500,
            save_every: 10,
            cfl_limit: None,
        };
        let traj = Trajectory::collect(&mut sim, &schedule).unwrap();
        Self { pde, traj }
    }

    pub fn n(&self) -> usize {
        self.pde.grid().len()
    }

    pub fn u0(&self) -> &[f64] {
        &self.traj.data[..self.n()]
    }

    fn pod(&self, cell_weight: Option<f64>) -> Pod {
        Pod::compute(
            &mut MatrixSource::from_snapshots(&self.traj.data, self.n()),
            &PodOptions {
                truncation: Truncation::Rank(8),
                center: true,
                cell_weight,
                ..PodOptions::default()
            },
        )
        .unwrap()
    }

    fn build(&self, pod: &Pod, kind: Reduction) -> ReducedModel {
        let mut fom = SpectralModel::new(self.pde.clone(), Scheme::Etdrk4).unwrap();
        let mut snaps = MatrixSource::from_snapshots(&self.traj.data, self.n());
        let mut model = build_model(&mut fom, &mut snaps, pod, 8, kind).unwrap();
        // Built in memory without a recipe: the grid is the case's.
        model.grid_shape = self.pde.grid().shape();
        model
    }

    /// r = 8: Galerkin on a centred, cell-weighted POD, Q-DEIM (16 points) on a centred
    /// Euclidean one, and the Galerkin model with a closure learned from the trajectory
    /// (kind `galerkin-closure`: the learned kinds run as the Galerkin one does).
    pub fn models(&self) -> Vec<ReducedModel> {
        let galerkin = self.build(&self.pod(Some(1.0 / 128.0)), Reduction::Galerkin);
        let closure = self.closure(&galerkin);
        vec![
            galerkin,
            self.build(
                &self.pod(None),
                Reduction::Hyper {
                    points: 16,
                    selection: PointSelection::Qdeim,
                },
            ),
            closure,
        ]
    }

    /// `galerkin` plus the closure Operator Inference learns from the trajectory.
    fn closure(&self, galerkin: &ReducedModel) -> ReducedModel {
        let n = self.n();
        let states = Mat::from_fn(galerkin.rank(), self.traj.times.len(), |i, j| {
            galerkin
                .project(&self.traj.data[j * n..(j + 1) * n])
                .unwrap()[i]
        });
        let data = [ReducedTrajectory {
            states,
            times: self.traj.times.clone(),
            parameters: BTreeMap::from([("viscosity".to_string(), 0.01)]),
            inputs: None,
        }];
        learn(
            galerkin,
            RomKind::GalerkinClosure,
            &data,
            &LearnOptions::default(),
        )
        .unwrap()
    }
}

/// The bytes `write` puts in a file (a fresh temporary directory named by `tag`).
fn written_bytes(tag: &str, write: impl FnOnce(&std::path::Path)) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("galerkin-runtime-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("rom.safetensors");
    write(&path);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    bytes
}

/// The portable file of `model`, as bytes (written with galerkin's `write_portable`).
pub fn portable_bytes(model: &ReducedModel, tag: &str) -> Vec<u8> {
    written_bytes(tag, |path| write_portable(model, path, true).unwrap())
}

/// The runtime model of `model`.
pub fn runtime_model(model: &ReducedModel, tag: &str) -> Arc<RomModel> {
    Arc::new(RomModel::from_bytes(&portable_bytes(model, tag)).unwrap())
}

/// max |a − b| / max |b|.
pub fn relative_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0f64, |m, v| m.max(v.abs()));
    a.iter().zip(b).fold(0f64, |m, (x, y)| m.max((x - y).abs())) / scale
}

/// A lifted wave ROM (r = 5 per block) of a short 1-D wave run (48 points, L = 20,
/// Gaussian bump, dt = 0.02, 100 steps) of nonlinearity `f` at `mass`, with the run and
/// the lifted full model.
pub fn lifted_rom(f: WaveNonlinearity, mass: f64) -> (LiftedRomFile, WaveTrajectory, LiftedWave) {
    let grid = Grid::new_1d(48, 20.0).unwrap();
    let q0: Vec<f64> = grid
        .x()
        .iter()
        .map(|x| 1.5 * (-(x - 10.0).powi(2) / 2.0).exp())
        .collect();
    let p0 = vec![0.0; q0.len()];
    let mut wave = ConservativeWave::new(&grid, f, mass).unwrap();
    let traj = simulate_wave(&mut wave, &q0, &p0, 0.02, 100, 5).unwrap();
    let mut model = LiftedWave::new(wave);
    let (rom, _) = build_lifted(&mut model, &[&traj], 5).unwrap();
    let file = LiftedRomFile {
        rom,
        grid_shape: grid.shape(),
        recipe: String::new(),
        training_parameters: Default::default(),
    };
    (file, traj, model)
}

/// The portable file of the lifted ROM `file`, as bytes (written with
/// `write_portable_lifted`).
pub fn lifted_bytes(file: &LiftedRomFile, tag: &str) -> Vec<u8> {
    written_bytes(tag, |path| write_portable_lifted(file, path, true).unwrap())
}

/// The runtime model of the lifted ROM `file`.
pub fn runtime_lifted(file: &LiftedRomFile, tag: &str) -> Arc<RomModel> {
    Arc::new(RomModel::from_bytes(&lifted_bytes(file, tag)).unwrap())
}

/// `bytes` with metadata `key` set to `value` (the header re-padded).
pub fn with_meta(bytes: &[u8], key: &str, value: &str) -> Vec<u8> {
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let mut header = serde_json::from_slice::<serde_json::Value>(&bytes[8..8 + n]).unwrap();
    header["__metadata__"][key] = serde_json::Value::String(value.into());
    let mut text = header.to_string().into_bytes();
    while text.len() % 8 != 0 {
        text.push(b' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend(text);
    out.extend(&bytes[8 + n..]);
    out
}

/// Asserts that `good` with each metadata (key, value) of `cases` is refused with an error
/// containing its expected text.
pub fn assert_refused(good: &[u8], cases: &[(&str, &str, &str)]) {
    for (key, value, expected) in cases {
        match RomModel::from_bytes(&with_meta(good, key, value)) {
            Ok(_) => panic!("{key} = {value} accepted"),
            Err(e) => assert!(e.to_string().contains(expected), "{key} = {value}: {e}"),
        }
    }
}
