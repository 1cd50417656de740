//! # galerkin-solvers
//!
//! Pseudo-spectral solvers for 1-D viscous Burgers, 1-D Kuramoto–Sivashinsky and 2-D
//! incompressible Navier–Stokes (vorticity form, periodic box, forcing and drag), written
//! once over the semi-linear core ∂ₜu = L u + N(u) (+ f) with L diagonal in Fourier space:
//! - [`grid`] and [`fft`]: periodic grids (1-D is 2-D with ny = 1) and real-FFT transforms;
//! - [`dealias`]: quadratic products with the 2/3 rule or 3/2 padding;
//! - [`pde`]: [`Burgers`], [`KuramotoSivashinsky`], [`NavierStokes`];
//! - [`integrators`]: ETDRK4, ETDRK2, IMEX ARS(2,3,3), RK4;
//! - [`fom`]: the full-order model in physical space, as the ROM layer sees it;
//! - [`simulation`]: fixed-step runs with blow-up and CFL checks;
//! - [`ic`]: Gaussian random fields (FNO presets), random Fourier series, expressions, files;
//! - [`wave`]: conservative nonlinear waves (exponential, sine-Gordon, cubic Klein–Gordon),
//!   their energy-quadratized liftings, implicit-midpoint steps;
//! - [`ensemble`]: deterministic parallel ensembles over seeds × parameters;
//! - [`lyapunov`]: the largest Lyapunov exponent.
//!
//! This crate depends on no other crate of the workspace.

#![warn(missing_docs)]

pub mod dealias;
pub mod ensemble;
pub mod error;
pub mod expr;
pub mod fft;
pub mod fom;
pub mod grid;
pub mod ic;
pub mod integrators;
pub mod lyapunov;
mod npy;
mod par;
pub mod pde;
pub mod simulation;
pub mod wave;

pub use dealias::Dealias;
pub use error::{short_time, Result, SolverError};
pub use fom::{AffineLinear, FluxOperators, FullOrderModel, QuadraticForm, SpectralModel};
pub use grid::Grid;
pub use ic::InitialCondition;
pub use integrators::Scheme;
pub use pde::{
    builtin_flux, pde_spec, Advection2d, Burgers, FluxForm, Forcing, HalfSquare,
    KuramotoSivashinsky, LinearTerm, NavierStokes, PdeSpec, PointwiseFlux, SemiLinearPde, PDES,
};
pub use simulation::{SavePlan, SavePoint, Schedule, Simulation, Snapshot, Trajectory};
pub use wave::{ConservativeWave, Coupling, LiftedWave, WaveNonlinearity};
