//! Errors of the dataset layer.

use std::path::PathBuf;

use thiserror::Error;

/// What reading recipes and writing or reading trajectory files can fail at.
#[derive(Debug, Error)]
pub enum DataError {
    /// The recipe text is not valid TOML or has an unknown key or a wrong type.
    #[error("recipe {origin}: {message}")]
    Recipe {
        /// Where the recipe came from (path or `--set`).
        origin: String,
        /// The parser's message (names the key and line).
        message: String,
    },
    /// A recipe value outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    InvalidField {
        /// Dotted key in the recipe.
        field: String,
        /// The value given.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// A solver refused the recipe or stopped.
    #[error(transparent)]
    Solver(#[from] galerkin_solvers::SolverError),
    /// HDF5 failed on a file.
    #[error("HDF5 error on `{path}`: {message}")]
    Hdf5 {
        /// The file.
        path: PathBuf,
        /// HDF5's message.
        message: String,
    },
    /// A file system operation failed.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// What was attempted.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// An existing partial file belongs to a different recipe.
    #[error(
        "`{path}` is a partial file of a different recipe; it was not touched. Delete it or \
         choose another output path (-o) to start over"
    )]
    RecipeMismatch {
        /// The partial file.
        path: PathBuf,
    },
    /// The run was stopped (an injected fault, or the writer failed first).
    #[error("run interrupted: {0}")]
    Interrupted(String),
    /// A command or method that needs the full model (the recipe) on a file imported from
    /// external snapshots.
    #[error(
        "`{path}` holds snapshots imported from external data (`galerkin import`): it has no \
         recipe, so there is no full model to {needed}; reduce it with a data-driven method \
         (`--method opinf` or `--method dmd`)"
    )]
    NoFullModel {
        /// The imported file.
        path: std::path::PathBuf,
        /// What needed the full model, in words.
        needed: String,
    },
    /// A file that is not a trajectory file of this schema.
    #[error("`{path}` is not a galerkin trajectory file: {reason}")]
    NotATrajectoryFile {
        /// The file.
        path: PathBuf,
        /// What is missing or wrong.
        reason: String,
    },
}

/// Result alias of the dataset layer.
pub type Result<T> = std::result::Result<T, DataError>;

/// Shorthand for [`DataError::InvalidField`].
pub(crate) fn invalid(field: &str, value: impl std::fmt::Display, allowed: &str) -> DataError {
    DataError::InvalidField {
        field: field.to_string(),
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}

/// Wraps an HDF5 error with the file it concerns.
pub(crate) fn hdf5_error(path: &std::path::Path) -> impl Fn(hdf5::Error) -> DataError + '_ {
    move |e| DataError::Hdf5 {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}
