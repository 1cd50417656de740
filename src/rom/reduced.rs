//! The one interface every reduced model implements, and the one every reduction method
//! implements (after pyMOR's `Model` / reductor split: a reductor turns a full model and a
//! trial space into a reduced model; the reduced model runs without the full model).
//!
//! - [`ReducedOrderModel`]: project a full state, the online [`Dynamics`] at given
//!   parameter values, reconstruct, rank, parameter names, an invariant where the kind has
//!   one. Implemented by [`ReducedModel`](super::ReducedModel) (Galerkin and hyper-reduced),
//!   [`LiftedRom`](super::lifting::LiftedRom), [`DeimWaveRom`](super::lifting::DeimWaveRom)
//!   and [`AdaptiveRom`](super::adaptive::AdaptiveRom).
//! - [`Reductor`]: build from a full model and a trial space; extend the basis (for
//!   adaptive enrichment). Implemented by [`GalerkinReductor`](super::GalerkinReductor),
//!   [`HyperReductor`](super::HyperReductor) and [`LiftedReductor`](super::LiftedReductor).
//!
//! Saving and loading go through the workflow layer (`galerkin::workflow::rom_file`), so
//! this layer reads and writes no files.

use std::collections::BTreeMap;

use super::error::Result;
use super::integrate::{solve, Dynamics, RomIntegrator};

/// The kind of a reduced model, as ROM files and reports name it.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
    strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum RomKind {
    /// Galerkin projection with the exact reduced quadratic tensor.
    Galerkin,
    /// DEIM hyper-reduction of the pointwise flux.
    Deim,
    /// Q-DEIM hyper-reduction of the pointwise flux.
    Qdeim,
    /// EIM hyper-reduction of the pointwise flux.
    Eim,
    /// Energy-quadratized lifted wave ROM (skew-symmetric, conserves the lifted energy).
    LiftedQuadratic,
    /// POD-Galerkin-DEIM baseline of a conservative wave.
    WaveDeim,
    /// Operator Inference: ĉ + Â q + Ĥ (q ⊗ q) learned from snapshots alone (no full
    /// model), with the regularization chosen by the integrated training error.
    Opinf,
    /// The intrusive Galerkin operators plus a closure ĉ + Â q + Ĥ (q ⊗ q) learned by
    /// Operator Inference from the residual of the projected time derivative.
    GalerkinClosure,
    /// Dynamic mode decomposition: a linear reduced model fitted to snapshots (exact DMD or
    /// bagged optimized DMD).
    Dmd,
}

impl RomKind {
    /// Every kind's name.
    pub const NAMES: &'static [&'static str] = <Self as strum::VariantNames>::VARIANTS;

    /// The kind's name (`galerkin`, `qdeim`, `lifted-quadratic`, ...).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The kind named `name`, if there is one.
    pub fn from_name(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

/// A reduced-order model: an r-dimensional system that approximates an n-dimensional full
/// model, u ≈ reconstruct(a), and runs without it (online cost independent of n).
///
/// ```
/// use std::collections::BTreeMap;
/// use galerkin::basis::Truncation;
/// use galerkin::rom::{
///     GalerkinReductor, MatrixSource, Pod, PodOptions, ReducedOrderModel, Reductor,
///     RomIntegrator,
/// };
/// use galerkin_solvers::{
///     Burgers, Dealias, Grid, Schedule, Scheme, SemiLinearPde, Simulation, SpectralModel,
///     Trajectory,
/// };
///
/// // Snapshots of a Burgers run (ν = 0.01, 128 points) and their POD.
/// let grid = Grid::new_1d(128, 1.0).unwrap();
/// let u0: Vec<f64> = grid.x().iter().map(|x| (2.0 * std::f64::consts::PI * x).sin()).collect();
/// let pde: Box<dyn SemiLinearPde> = Box::new(Burgers::new(&grid, 0.01, Dealias::TwoThirds).unwrap());
/// let dt = 1e-3;
/// let mut sim = Simulation::new(pde.clone(), Scheme::Etdrk4, dt, &u0).unwrap();
/// let traj = Trajectory::collect(&mut sim, &Schedule::from_t_end(dt, 0.2, 5).unwrap()).unwrap();
/// let n = grid.len();
/// let options = PodOptions { truncation: Truncation::Rank(12), ..PodOptions::default() };
/// let pod = Pod::compute(&mut MatrixSource::from_snapshots(&traj.data, n), &options).unwrap();
///
/// // The Galerkin ROM of rank 12, built by its reductor.
/// let mut fom = SpectralModel::new(pde, Scheme::Etdrk4).unwrap();
/// let rom = GalerkinReductor.reduce(&mut fom, &pod.trial_space(12).unwrap()).unwrap();
/// assert_eq!(rom.rank(), 12);
///
/// // Online: project u0, 200 RK4 steps to t = 0.2, reconstruct, compare.
/// let a0 = rom.project(&u0).unwrap();
/// let path = rom.solve(&a0, &BTreeMap::new(), RomIntegrator::Rk4, dt, 200, 200).unwrap();
/// let mut u = vec![0.0; n];
/// rom.reconstruct(&path[1], &mut u);
/// let truth = &traj.data[40 * n..41 * n];
/// let error = galerkin::basis::relative_error(&u, truth);
/// assert!(error < 1e-3, "{error}");
/// ```
pub trait ReducedOrderModel {
    /// What kind of model this is.
    fn kind(&self) -> RomKind;
    /// The reduced dimension r.
    fn rank(&self) -> usize;
    /// The size of the full state it reconstructs.
    fn full_dim(&self) -> usize;
    /// The parameters the online model can be evaluated at (by name).
    fn parameter_names(&self) -> Vec<String>;
    /// The reduced coordinates of a full state.
    fn project(&self, u: &[f64]) -> Result<Vec<f64>>;
    /// The full state of reduced coordinates `a`, into `out` (`full_dim` values).
    fn reconstruct(&self, a: &[f64], out: &mut [f64]);
    /// The online reduced dynamics at parameter values `params` (the others keep the values
    /// the model was built with); an error for an unknown name or a non-finite value.
    fn dynamics(&self, params: &BTreeMap<String, f64>) -> Result<Box<dyn Dynamics + '_>>;
    /// A conserved quantity of the reduced dynamics at `a` (the energy of a structure-
    /// preserving ROM), or `None` for kinds that have none.
    fn invariant(&self, _a: &[f64], _params: &BTreeMap<String, f64>) -> Option<f64> {
        None
    }

    /// Integrates from `a0` over `steps` steps of `dt`, returning the state every
    /// `save_every` steps (and the initial one); stops with an error at a blow-up.
    fn solve(
        &self,
        a0: &[f64],
        params: &BTreeMap<String, f64>,
        integrator: RomIntegrator,
        dt: f64,
        steps: usize,
        save_every: usize,
    ) -> Result<Vec<Vec<f64>>> {
        let mut dynamics = self.dynamics(params)?;
        solve(dynamics.as_mut(), integrator, a0, dt, steps, save_every)
    }
}

/// A reduction method: turns a full model `F` and a trial space into a reduced model, and
/// extends that model's basis afterwards (adaptive enrichment, greedy basis growth).
pub trait Reductor<F: ?Sized> {
    /// The trial space the method projects onto (a POD basis with its mean, block bases).
    type Space;
    /// The reduced model it builds.
    type Model: ReducedOrderModel;
    /// Builds the reduced model of `fom` on `space`.
    fn reduce(&mut self, fom: &mut F, space: &Self::Space) -> Result<Self::Model>;
    /// Adds the part of `directions` (full states, one per entry) that is new to `model`'s
    /// basis, re-orthogonalized, and brings the reduced operators up to date; returns how
    /// many directions were added (none for directions already in the span).
    fn extend_basis(
        &mut self,
        fom: &mut F,
        model: &mut Self::Model,
        directions: &[Vec<f64>],
    ) -> Result<usize>;
}
