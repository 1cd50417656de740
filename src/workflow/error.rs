//! Errors of the workflow layer: those of the layers below, and the files it reads and
//! writes.

use std::path::PathBuf;

use thiserror::Error;

use crate::basis::BasisError;
use crate::data::DataError;
use crate::rom::RomError;
use galerkin_solvers::SolverError;

/// What reducing, evaluating or training from files refuses or fails at.
#[derive(Debug, Error)]
pub enum WorkflowError {
    /// From reading or writing trajectory files and recipes.
    #[error(transparent)]
    Data(#[from] DataError),
    /// From the reduced-order layer.
    #[error(transparent)]
    Rom(#[from] RomError),
    /// From the operator-learning layer.
    #[cfg(feature = "operators")]
    #[error(transparent)]
    Operators(#[from] crate::operators::error::OperatorError),
    /// From the basis core.
    #[error(transparent)]
    Basis(#[from] BasisError),
    /// From the solvers.
    #[error(transparent)]
    Solver(#[from] SolverError),
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
    /// A checkpoint, recipe or other file could not be read or written.
    #[error("{path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

/// Result of the workflow layer.
pub type Result<T> = std::result::Result<T, WorkflowError>;

/// Shorthand for [`WorkflowError::Invalid`].
pub fn invalid(
    field: &str,
    value: impl std::fmt::Display,
    allowed: impl std::fmt::Display,
) -> WorkflowError {
    WorkflowError::Invalid {
        field: field.to_string(),
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}
