//! Small Burgers ROMs built in memory with galerkin and written as portable files.

#![allow(dead_code)]

use std::sync::Arc;

use galerkin::basis::Truncation;
use galerkin::rom::{
    build_model, MatrixSource, Pod, PodOptions, PointSelection, ReducedModel, Reduction,
};
use galerkin::workflow::write_portable;
use galerkin_runtime::RomModel;
use galerkin_solvers::{
    Burgers, Dealias, Grid, Schedule, Scheme, SemiLinearPde, Simulation, SpectralModel, Trajectory,
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
        build_model(&mut fom, &mut snaps, pod, 8, kind).unwrap()
    }

    /// r = 8: Galerkin on a centred, cell-weighted POD, and Q-DEIM (16 points) on a
    /// centred Euclidean one.
    pub fn models(&self) -> Vec<ReducedModel> {
        vec![
            self.build(&self.pod(Some(1.0 / 128.0)), Reduction::Galerkin),
            self.build(
                &self.pod(None),
                Reduction::Hyper {
                    points: 16,
                    selection: PointSelection::Qdeim,
                },
            ),
        ]
    }
}

/// The portable file of `model`, as bytes (written with galerkin's `write_portable`).
pub fn portable_bytes(model: &ReducedModel, tag: &str) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("galerkin-runtime-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.safetensors", model.kind().name()));
    write_portable(model, &path, true).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    bytes
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
