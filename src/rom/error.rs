//! Errors of the reduced-order layer.

use std::path::PathBuf;

use thiserror::Error;

use crate::basis::BasisError;
use galerkin_solvers::SolverError;

/// What building, saving or running a reduced model refuses or stops on.
#[derive(Debug, Error)]
pub enum RomError {
    /// From the basis core.
    #[error(transparent)]
    Basis(#[from] BasisError),
    /// From the full-order model.
    #[error(transparent)]
    Solver(#[from] SolverError),
    /// A [`super::SnapshotSource`] could not deliver a block (a file it reads failed, say).
    #[error("snapshot source: {0}")]
    Source(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A setting outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    Invalid {
        /// The setting as a user writes it.
        field: String,
        /// The value given.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// A snapshot with NaN or Inf.
    #[error(
        "snapshot {time_index} of trajectory {trajectory} is not finite ({value}); \
         the snapshots hold a blown-up run"
    )]
    NonFiniteSnapshot {
        /// Trajectory index in the file.
        trajectory: usize,
        /// Save index.
        time_index: usize,
        /// The offending value.
        value: f64,
    },
    /// The reduced state became NaN or Inf.
    #[error(
        "the reduced model blew up at t = {time} (step {step}); try the implicit-midpoint \
         integrator, a smaller dt, or fewer modes"
    )]
    BlowUp {
        /// Time reached.
        time: f64,
        /// Step index.
        step: usize,
    },
    /// The ETDRK4 coefficients of the reduced linear operator could not be formed.
    #[error("ETDRK4 coefficients of the reduced linear operator: {0}")]
    Exponential(#[from] galerkin_kernels::KernelError),
    /// A ROM file that is not one, or does not fit what it is used with.
    #[error("ROM file `{path}`: {reason}")]
    RomFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// Result alias of the reduced-order layer.
pub type Result<T> = std::result::Result<T, RomError>;

/// Shorthand for [`RomError::Invalid`].
pub(crate) fn invalid(field: &str, value: impl std::fmt::Display, allowed: &str) -> RomError {
    RomError::Invalid {
        field: field.to_string(),
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}
