//! Reduced-order models built on the basis core and the [`galerkin_solvers::FullOrderModel`]
//! contract. This layer reads and writes no files: trajectory files, ROM files and recipes
//! belong to the workflow layer (`galerkin::workflow`, feature `hdf5`).
//! - [`reduced`]: the [`ReducedOrderModel`] trait every ROM kind implements, the
//!   [`Reductor`] trait every reduction method implements, and the typed [`RomKind`];
//! - [`pod`]: POD of snapshot sets streamed from any [`SnapshotSource`];
//! - [`galerkin`]: exact projection of the affine linear terms and the quadratic tensor;
//! - [`hyper`]: DEIM / Q-DEIM / EIM hyper-reduction of the pointwise flux;
//! - [`reductors`]: [`GalerkinReductor`], [`HyperReductor`], [`LiftedReductor`];
//! - [`build`]: a POD basis and a full model → Galerkin or hyper-reduced model;
//! - [`model`]: the Galerkin / hyper-reduced model and its online right-hand side and
//!   Jacobian;
//! - [`integrate`]: RK4, ETDRK4 and implicit-midpoint online integration;
//! - [`ensemble`]: many trajectories of one ROM stepped together as matrix products;
//! - [`evaluate`]: a ROM run against reference snapshots (error, projection error, time);
//! - [`opinf`], [`learn`]: Operator Inference and the Galerkin + learned closure ROMs;
//! - [`dmd`]: exact and bagged optimized dynamic mode decomposition;
//! - [`lifting`]: energy-quadratization lifting ROMs and their DEIM baseline;
//! - [`wave_run`]: wave ROMs run against full-model wave trajectories;
//! - [`adaptive`]: the error-indicator-driven adaptive ROM (enrichment from the full model);
//! - [`local`]: local bases by k-medoids clustering;
//! - [`operator_eim`]: non-intrusive EIM of sparse parametric operators.

pub mod adaptive;
pub mod build;
mod capabilities;
mod distributed_pod;
pub mod dmd;
pub mod ensemble;
mod error;
pub mod evaluate;
pub mod galerkin;
pub mod hyper;
pub mod integrate;
pub mod learn;
pub mod lifting;
pub mod local;
pub mod model;
pub mod operator_eim;
pub mod opinf;
pub mod pod;
pub mod reduced;
pub mod reductors;
pub mod wave_run;

pub use build::{build_model, build_model_on, Reduction};
pub use ensemble::{solve_ensemble, ENSEMBLE_BLOCK};
pub use error::{Result, RomError};
pub use evaluate::{
    full_model_step_seconds, run_against, run_against_forced, Comparison, RunOptions,
};
pub use hyper::PointSelection;
pub use integrate::{solve, Dynamics, RomIntegrator, Stepper};
pub use model::{
    HyperReduction, Learned, LinearPart, Nonlinear, Online, ProjectedTerm, ReducedModel,
};
#[cfg(feature = "hdf5")]
pub(crate) use pod::check_finite;
pub use pod::{snapshot_matrix, MatrixSource, Pod, PodMethod, PodOptions, SnapshotSource};
pub use reduced::{ReducedOrderModel, Reductor, RomKind};
pub use reductors::{GalerkinReductor, HyperReductor, LiftedReductor};
