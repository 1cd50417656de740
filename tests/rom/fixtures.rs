//! In-memory trajectories and the POD / ROM built on them.

use galerkin::basis::Truncation;
use galerkin::rom::{build_model, MatrixSource, Pod, PodOptions, ReducedModel, Reduction};
use galerkin_solvers::{
    Burgers, Dealias, Forcing, Grid, InitialCondition, KuramotoSivashinsky, NavierStokes, Schedule,
    Scheme, SemiLinearPde, Simulation, SpectralModel, Trajectory,
};
use rand::SeedableRng;

/// A full model, a trajectory of it and its snapshot matrix.
pub struct Case {
    pub pde: Box<dyn SemiLinearPde>,
    pub traj: Trajectory,
    pub dt: f64,
}

impl Case {
    /// Viscous Burgers, 128 points, ν = `nu`, u0 = sin 2πx + 0.5, t ∈ [0, 0.5].
    pub fn burgers(nu: f64) -> Self {
        let grid = Grid::new_1d(128, 1.0).unwrap();
        let u0: Vec<f64> = grid
            .x()
            .iter()
            .map(|x| (2.0 * std::f64::consts::PI * x).sin() + 0.5)
            .collect();
        Self::run(
            Box::new(Burgers::new(&grid, nu, Dealias::TwoThirds).unwrap()),
            u0,
            1e-3,
            0.5,
            10,
        )
    }

    /// FNO-forced Navier–Stokes on 32², ν = 1e-3, t ∈ [0, 2].
    pub fn navier_stokes() -> Self {
        let grid = Grid::new_2d(32, 32, 1.0, 1.0).unwrap();
        let u0 = InitialCondition::fno_navier_stokes()
            .sample(&grid, &mut rand_chacha::ChaCha8Rng::seed_from_u64(7))
            .unwrap();
        let pde = NavierStokes::new(
            &grid,
            1e-3,
            0.0,
            Forcing::Fno { amplitude: 0.1 },
            Dealias::TwoThirds,
        )
        .unwrap();
        Self::run(Box::new(pde), u0, 1e-2, 2.0, 5)
    }

    /// Kuramoto–Sivashinsky, L = 22, 64 points, u0 = cos(q)(1 + sin q), q = 2πx/L,
    /// dt = 0.05, t ∈ [0, 20]: its reduced linear operator is stiff (the k⁴ term).
    pub fn kuramoto_sivashinsky() -> Self {
        let grid = Grid::new_1d(64, 22.0).unwrap();
        let u0: Vec<f64> = grid
            .x()
            .iter()
            .map(|x| {
                let q = 2.0 * std::f64::consts::PI * x / 22.0;
                q.cos() * (1.0 + q.sin())
            })
            .collect();
        let pde = KuramotoSivashinsky::new(&grid, Dealias::TwoThirds).unwrap();
        Self::run(Box::new(pde), u0, 0.05, 20.0, 5)
    }

    fn run(
        pde: Box<dyn SemiLinearPde>,
        u0: Vec<f64>,
        dt: f64,
        t_end: f64,
        save_every: usize,
    ) -> Self {
        let mut sim = Simulation::new(pde.clone(), Scheme::Etdrk4, dt, &u0).unwrap();
        let schedule = Schedule {
            dt,
            n_steps: (t_end / dt).round() as usize,
            save_every,
            cfl_limit: None,
        };
        let traj = Trajectory::collect(&mut sim, &schedule).unwrap();
        Self { pde, traj, dt }
    }

    pub fn n(&self) -> usize {
        self.pde.grid().len()
    }

    pub fn snapshots(&self) -> MatrixSource {
        MatrixSource::from_snapshots(&self.traj.data, self.n())
    }

    pub fn fom(&self) -> SpectralModel {
        SpectralModel::new(self.pde.clone(), Scheme::Etdrk4).unwrap()
    }

    pub fn pod(&self, r: usize, center: bool) -> Pod {
        Pod::compute(
            &mut self.snapshots(),
            &PodOptions {
                truncation: Truncation::Rank(r),
                center,
                ..PodOptions::default()
            },
        )
        .unwrap()
    }

    pub fn model(&self, pod: &Pod, r: usize, kind: Reduction) -> ReducedModel {
        build_model(&mut self.fom(), &mut self.snapshots(), pod, r, kind).unwrap()
    }
}
