//! Reduced-order models built on the basis core and the [`galerkin_solvers::FullOrderModel`]
//! contract (DESIGN §4):
//! - [`pod`]: POD of snapshot sets streamed from trajectory files;
//! - [`galerkin`]: exact projection of the affine linear terms and the quadratic tensor;
//! - [`hyper`]: DEIM / Q-DEIM / EIM hyper-reduction of the pointwise flux;
//! - [`model`]: the reduced model and its online right-hand side and Jacobian;
//! - [`integrate`]: RK4 and implicit-midpoint online integration;
//! - [`lifting`]: energy-quadratization lifting ROMs and their DEIM baseline;
//! - [`build`]: trajectory file → reduced model (`galerkin reduce`).

pub mod adaptive;
pub mod build;
mod error;
pub mod evaluate;
pub mod file;
pub mod galerkin;
pub mod hyper;
pub mod integrate;
pub mod lifting;
pub mod lifting_file;
pub mod local;
pub mod model;
pub mod operator_eim;
pub mod pod;
pub mod study;
pub mod wave_study;

pub use build::{build_model, full_model_of, reduce, ReduceOptions, RomKind};
pub use error::{Result, RomError};
pub use evaluate::{
    evaluate_on_dataset, full_model_step_seconds, run_against, Comparison, RunOptions,
};
pub use file::rom_kind_of;
pub use hyper::PointSelection;
pub use integrate::{solve, Dynamics, RomIntegrator, Stepper};
pub use model::{Online, ReducedModel};
pub use pod::{DatasetSource, MatrixSource, Pod, PodMethod, PodOptions, SnapshotSource};
