//! The one error type of the application layer.

use std::path::PathBuf;

use thiserror::Error;

use super::plot::PlotError;
use crate::data::DataError;
use crate::rom::RomError;
use crate::workflow::WorkflowError;

/// Why a figure, the demo or a training job of the application could not be done.
#[derive(Debug, Error)]
pub enum AppError {
    /// From the ROM layer.
    #[error(transparent)]
    Rom(#[from] RomError),
    /// From the data layer.
    #[error(transparent)]
    Data(#[from] DataError),
    /// From the workflow layer.
    #[error(transparent)]
    Workflow(#[from] WorkflowError),
    /// From plotting.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// From operator learning.
    #[cfg(feature = "operators")]
    #[error(transparent)]
    Operator(#[from] crate::operators::error::OperatorError),
    /// From the solvers (timing runs).
    #[error(transparent)]
    Solver(#[from] galerkin_solvers::SolverError),
    /// From the ROM runtime (a portable ROM checked for an FMU).
    #[error(transparent)]
    Runtime(#[from] galerkin_runtime::RuntimeError),
    /// The user stopped a training run (Ctrl-C) between epochs: the checkpoint keeps it.
    #[error(
        "interrupted: epoch {epoch} of {epochs} kept in `{checkpoint}`; re-run the same \
         command to resume"
    )]
    Interrupted {
        /// Epochs done.
        epoch: usize,
        /// Epochs of the recipe.
        epochs: usize,
        /// The checkpoint written at the stop.
        checkpoint: PathBuf,
    },
    /// An MPI job that cannot run (no `mpi` feature, ranks that disagree).
    #[error("{0}")]
    Mpi(String),
    /// An option outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    Invalid {
        /// The option.
        field: String,
        /// The value given.
        value: String,
        /// What would have been accepted.
        allowed: String,
    },
    /// Reading or writing a file failed.
    #[error("`{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Result of the application layer.
pub type Result<T> = std::result::Result<T, AppError>;
