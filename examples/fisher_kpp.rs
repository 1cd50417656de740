//! A PDE defined outside the crate, in this one file, then simulated and reduced.
//!
//! Fisher–KPP, u_t = D u_xx + ρ u (1 − u), on a periodic interval: a reaction–diffusion
//! equation the solvers do not ship. Written as the semi-linear form the solvers integrate,
//! ∂ₜu = L u + N(u) with L = −Dk² + ρ (diagonal in Fourier space) and N(u) = −ρ u², and in
//! the flux form N(u) = A·g(K u) with K = I, A = −ρ and the user's own pointwise flux
//! g(u) = u² ([`Square`]), the model offers everything the reduction methods need:
//! - the solvers' ETDRK4 runs it (`Simulation`);
//! - `SpectralModel` turns it into a `FullOrderModel` with affine linear terms, the
//!   quadratic form B(u, v) = −ρ uv and the flux operators;
//! - the POD-Galerkin reductor builds the exact reduced quadratic tensor, and the Q-DEIM
//!   hyper-reductor interpolates g at 2r points.
//!
//! Trained on three travelling-front trajectories (bumps that spread into fronts), each ROM
//! is run on a held-out initial condition; the table gives the error against the full
//! model, the POD projection error (the floor for the basis) and the time per step.
//!
//! `cargo run --release --example fisher_kpp`

use std::collections::BTreeMap;
use std::sync::Arc;

use galerkin::basis::Truncation;
use galerkin::rom::{
    full_model_step_seconds, run_against, snapshot_matrix, Comparison, GalerkinReductor,
    HyperReductor, MatrixSource, Pod, PodOptions, PointSelection, Reductor, RomError,
    RomIntegrator, RunOptions,
};
use galerkin_solvers::dealias::ProductEvaluator;
use galerkin_solvers::{
    Dealias, FluxForm, Grid, LinearTerm, PointwiseFlux, Schedule, Scheme, SemiLinearPde,
    Simulation, SpectralModel, Trajectory,
};
use num_complex::Complex64;

/// g(u) = u², the pointwise flux of Fisher–KPP's reaction term (scaled by A = −ρ).
#[derive(Debug, Clone, Copy)]
pub struct Square;

impl PointwiseFlux for Square {
    fn name(&self) -> &str {
        "square"
    }
    fn factor_count(&self) -> usize {
        1
    }
    fn eval(&self, f: &[f64]) -> f64 {
        f[0] * f[0]
    }
    fn gradient(&self, f: &[f64], out: &mut [f64]) {
        out[0] = 2.0 * f[0];
    }
    fn bilinear(&self, a: &[f64], b: &[f64]) -> Option<f64> {
        Some(a[0] * b[0])
    }
}

/// Fisher–KPP u_t = D u_xx + ρ u (1 − u) on a periodic 1-D grid.
#[derive(Debug, Clone)]
pub struct FisherKpp {
    grid: Grid,
    diffusivity: f64,
    growth: f64,
    linear: Vec<Complex64>,
    products: ProductEvaluator,
}

impl FisherKpp {
    /// The equation with diffusivity D > 0 and growth rate ρ > 0 on a 1-D `grid`.
    pub fn new(grid: &Grid, diffusivity: f64, growth: f64) -> Result<Self, String> {
        for (name, value) in [("diffusivity", diffusivity), ("growth", growth)] {
            if !(value.is_finite() && value > 0.0) {
                return Err(format!(
                    "invalid `{name}` = {value}: allowed a finite number > 0"
                ));
            }
        }
        Ok(Self {
            linear: grid.spectral_symbol(|k, _| Complex64::new(-diffusivity * k * k + growth, 0.0)),
            products: ProductEvaluator::new(grid, Dealias::TwoThirds, 1)
                .map_err(|e| e.to_string())?,
            grid: grid.clone(),
            diffusivity,
            growth,
        })
    }
}

impl SemiLinearPde for FisherKpp {
    fn name(&self) -> &'static str {
        "fisher-kpp"
    }
    fn equation(&self) -> String {
        format!(
            "u_t = D u_xx + rho u (1 - u), D = {}, rho = {}",
            self.diffusivity, self.growth
        )
    }
    fn grid(&self) -> &Grid {
        &self.grid
    }
    fn linear(&self) -> &[Complex64] {
        &self.linear
    }
    /// N(u) = −ρ (u²)^, the square formed in physical space and dealiased by the 2/3 rule.
    fn nonlinear(&mut self, u_hat: &[Complex64], _t: f64, out: &mut [Complex64]) {
        self.products.to_physical(u_hat, 0);
        let slot = self.products.product_slot();
        let (factors, product) = self.products.fields.split_at_mut(slot);
        for (p, u) in product[0].iter_mut().zip(&factors[0]) {
            *p = u * u;
        }
        let growth = self.growth;
        self.products.product_to_spectral(out, |_, p| -growth * p);
    }
    fn boxed_clone(&self) -> Box<dyn SemiLinearPde> {
        Box::new(self.clone())
    }
    /// L = D·(−k²) + ρ·1: the diffusion re-weightable by `diffusivity`; the growth is
    /// fixed, since ρ also scales the reaction.
    fn linear_terms(&self) -> Vec<LinearTerm> {
        vec![
            LinearTerm {
                parameter: Some("diffusivity"),
                coefficient: self.diffusivity,
                symbol: self
                    .grid
                    .spectral_symbol(|k, _| Complex64::new(-k * k, 0.0)),
            },
            LinearTerm {
                parameter: None,
                coefficient: self.growth,
                symbol: self.grid.spectral_symbol(|_, _| Complex64::new(1.0, 0.0)),
            },
        ]
    }
    fn flux_form(&self) -> FluxForm {
        let one = Complex64::new(1.0, 0.0);
        FluxForm {
            factors: vec![vec![one; self.grid.spectral_len()]],
            outer: vec![-self.growth * one; self.grid.spectral_len()],
            flux: Arc::new(Square),
        }
    }
    fn dealias(&self) -> Dealias {
        Dealias::TwoThirds
    }
}

/// The setting of the study: grid points, D, ρ, dt, horizon and save interval.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Grid points on [0, 1).
    pub n: usize,
    /// D.
    pub diffusivity: f64,
    /// ρ.
    pub growth: f64,
    /// Time step of the full model and the ROMs.
    pub dt: f64,
    /// Horizon.
    pub t_end: f64,
    /// Steps between saves.
    pub save_every: usize,
}

impl Default for Setting {
    fn default() -> Self {
        Self {
            n: 256,
            diffusivity: 2e-3,
            growth: 2.0,
            dt: 1e-3,
            t_end: 2.0,
            save_every: 20,
        }
    }
}

/// How a ROM did on the held-out run.
#[derive(Debug, Clone, Copy)]
pub enum Outcome {
    /// Relative error over the run and µs per online step.
    Ran {
        /// (Σₜ‖u_rom − u‖² / Σₜ‖u‖²)^½.
        error: f64,
        /// Online µs per step.
        step_us: f64,
    },
    /// The reduced state blew up at this time: a truncated basis lets u go negative, and
    /// the logistic reaction ρu(1 − u) then drives it to −∞, as it would the full model.
    BlewUp(f64),
}

impl Outcome {
    fn of(result: galerkin::rom::Result<Comparison>) -> galerkin::rom::Result<Self> {
        match result {
            Ok(c) => Ok(Self::Ran {
                error: c.relative_error,
                step_us: 1e6 * c.online_seconds / c.steps as f64,
            }),
            Err(RomError::BlowUp { time, .. }) => Ok(Self::BlewUp(time)),
            Err(e) => Err(e),
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Through `pad`, so that table widths apply.
        f.pad(&match self {
            Self::Ran { error, step_us } => format!("{error:.3e} ({step_us:5.2} µs)"),
            Self::BlewUp(t) => format!("blow-up at t = {t:.2}"),
        })
    }
}

/// One row of the error-vs-rank table.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// Modes.
    pub rank: usize,
    /// The POD-Galerkin ROM.
    pub galerkin: Outcome,
    /// The Q-DEIM ROM (m = 2r points).
    pub qdeim: Outcome,
    /// POD projection error of the held-out run.
    pub projection: f64,
}

/// Bumps of height `a` at the centres `c`, width 0.08: the initial conditions.
fn bumps(grid: &Grid, centres: &[(f64, f64)]) -> Vec<f64> {
    grid.x()
        .iter()
        .map(|x| {
            centres
                .iter()
                .map(|(c, a)| a * (-((x - c) / 0.08).powi(2)).exp())
                .sum::<f64>()
                .min(1.0)
        })
        .collect()
}

/// Simulates the training and held-out runs, reduces at each rank of `ranks`, and returns
/// the table with the full model's µs per step.
pub fn study(
    setting: Setting,
    ranks: &[usize],
) -> Result<(Vec<Row>, f64), Box<dyn std::error::Error>> {
    let grid = Grid::new_1d(setting.n, 1.0)?;
    let pde = FisherKpp::new(&grid, setting.diffusivity, setting.growth)?;
    let schedule = Schedule::from_t_end(setting.dt, setting.t_end, setting.save_every)?;
    let run = |u0: &[f64]| -> Result<Trajectory, Box<dyn std::error::Error>> {
        let mut sim = Simulation::new(Box::new(pde.clone()), Scheme::Etdrk4, setting.dt, u0)?;
        Ok(Trajectory::collect(&mut sim, &schedule)?)
    };
    let training = [
        bumps(&grid, &[(0.25, 0.8)]),
        bumps(&grid, &[(0.5, 0.5), (0.8, 0.3)]),
        bumps(&grid, &[(0.1, 0.6), (0.6, 0.9)]),
    ];
    let mut data = Vec::new();
    for u0 in &training {
        data.extend(run(u0)?.data);
    }
    let held_out = run(&bumps(&grid, &[(0.4, 0.7), (0.75, 0.4)]))?;
    let pod = Pod::compute(
        &mut MatrixSource::from_snapshots(&data, setting.n),
        &PodOptions {
            truncation: Truncation::Rank(*ranks.iter().max().unwrap_or(&1)),
            center: false,
            ..PodOptions::default()
        },
    )?;
    let mut fom = SpectralModel::new(Box::new(pde.clone()), Scheme::Etdrk4)?;
    let opts = RunOptions {
        dt: setting.dt,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    };
    let mut rows = Vec::new();
    for &r in ranks {
        let space = pod.trial_space(r)?;
        let galerkin = GalerkinReductor.reduce(&mut fom, &space)?;
        let mut states = MatrixSource::from_snapshots(&data, setting.n);
        let qdeim = HyperReductor {
            states: &mut states,
            points: 2 * r,
            selection: PointSelection::Qdeim,
        }
        .reduce(&mut fom, &space)?;
        let run = |model| run_against(model, &held_out.data, &held_out.times, &opts);
        rows.push(Row {
            rank: r,
            galerkin: Outcome::of(run(&galerkin))?,
            qdeim: Outcome::of(run(&qdeim))?,
            projection: pod_projection_error(&space, &held_out.data, setting.n)?,
        });
    }
    let mut sim = Simulation::new(Box::new(pde), Scheme::Etdrk4, setting.dt, &training[0])?;
    let full = 1e6 * full_model_step_seconds(&mut sim, 200, 3)?;
    Ok((rows, full))
}

/// (Σₜ‖u − ΠVu‖² / Σₜ‖u‖²)^½ of the snapshot-major `data`: the best the basis can do.
fn pod_projection_error(space: &Pod, data: &[f64], n: usize) -> galerkin::basis::Result<f64> {
    let s = snapshot_matrix(data, n);
    let projected = space.basis.lift(space.basis.project(s)?.as_ref())?;
    Ok((&projected - s).norm_l2() / s.norm_l2())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setting = Setting::default();
    let (rows, full) = study(setting, &[4, 8, 12, 16, 24, 32])?;
    println!(
        "Fisher–KPP u_t = D u_xx + ρu(1 − u), D = {}, ρ = {}, {} points, t ∈ [0, {}]; \
         trained on 3 runs, tested on a held-out one",
        setting.diffusivity, setting.growth, setting.n, setting.t_end
    );
    println!("full model (ETDRK4): {full:.1} µs/step");
    println!("  r   projection   POD-Galerkin (µs/step)   Q-DEIM, m = 2r (µs/step)");
    for row in rows {
        println!(
            "{:3}   {:.3e}    {:<24} {}",
            row.rank, row.projection, row.galerkin, row.qdeim
        );
    }
    Ok(())
}
