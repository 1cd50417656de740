//! Errors of the operator-learning layer.

use thiserror::Error;

/// Everything operator learning can refuse or fail at; each variant names what to fix.
#[derive(Debug, Error)]
pub enum OperatorError {
    /// A setting lies outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    Invalid {
        /// The setting (recipe key or argument) at fault.
        field: String,
        /// The value that was given.
        value: String,
        /// What is allowed, in words.
        allowed: String,
    },
    /// The basis core refused a transform (e.g. too many modes for the grid).
    #[error(transparent)]
    Basis(#[from] crate::basis::BasisError),
    /// A reference solver run failed (neural spectral method comparisons).
    #[error(transparent)]
    Solver(#[from] galerkin_solvers::SolverError),
    /// The caller's after-epoch hook failed (writing a checkpoint, say).
    #[error("after-epoch hook: {0}")]
    Hook(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Training produced a non-finite loss; the last checkpoint is kept.
    #[error("training diverged at epoch {epoch}, step {step}: the loss is {loss}; the last checkpoint is kept. Lower `train.lr` or the batch's scale")]
    Diverged {
        /// The epoch (0-based).
        epoch: usize,
        /// The optimizer step (0-based, over the run).
        step: usize,
        /// The loss value.
        loss: f64,
    },
}

/// Result of the operator layer.
pub type Result<T> = std::result::Result<T, OperatorError>;

/// An [`OperatorError::Invalid`] for `field`.
pub fn invalid(field: &str, value: impl ToString, allowed: impl ToString) -> OperatorError {
    OperatorError::Invalid {
        field: field.to_string(),
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}
