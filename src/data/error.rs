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
    #[error("`{path}`: {message}")]
    Hdf5 {
        /// The file.
        path: PathBuf,
        /// What failed, in words ([`describe_hdf5_error`]).
        message: String,
    },
    /// The machine lacks the memory a run would need (estimated before allocating).
    #[error("not enough memory: {0}")]
    OutOfMemory(String),
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
    /// The user stopped the run (Ctrl-C): what was finished is kept.
    #[error(
        "interrupted: {kept} of {total} trajectories kept in `{partial}`; re-run the same \
         command to resume"
    )]
    Cancelled {
        /// Finished trajectories in the partial file.
        kept: usize,
        /// Trajectories of the recipe.
        total: usize,
        /// The partial file.
        partial: PathBuf,
    },
    /// Writing a finished trajectory failed (a full disk, a lost mount): the partial file
    /// keeps every trajectory written before.
    #[error(
        "{reason}\nThe {kept} trajectories written before are kept in `{partial}`; fix the \
         cause (free disk space) and re-run the same command to resume"
    )]
    WriteFailed {
        /// Finished trajectories in the partial file.
        kept: usize,
        /// The partial file.
        partial: PathBuf,
        /// What failed.
        reason: String,
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
        message: describe_hdf5_error(&e),
    }
}

/// HDF5's error in words a user can act on: the C library reports an OS failure as a
/// line like `unable to lock file, errno = 11, error message = '…'` inside its call stack;
/// the common causes (missing file, a lock held by another process, a full disk, not an
/// HDF5 file, a directory) become one sentence with what to do, others keep HDF5's text.
pub fn describe_hdf5_error(error: &hdf5::Error) -> String {
    let raw = error.to_string();
    let errno = raw
        .split("errno = ")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse::<i32>().ok());
    use std::io::ErrorKind;
    let kind = errno.map(|n| std::io::Error::from_raw_os_error(n).kind());
    let plain = match kind {
        Some(ErrorKind::NotFound) => "No such file or directory",
        Some(ErrorKind::WouldBlock) => {
            "the file is locked by another process (a galerkin command still running on it, \
             or h5py / HDFView holding it open); wait for it or close it, then retry"
        }
        Some(ErrorKind::PermissionDenied) => "Permission denied",
        Some(ErrorKind::IsADirectory) => "is a directory, not a file",
        Some(ErrorKind::StorageFull) => "no space left on the device",
        Some(ErrorKind::QuotaExceeded) => "disk quota exceeded",
        _ if raw.contains("file signature not found") => {
            "not an HDF5 file (its first bytes are not HDF5's signature)"
        }
        _ => return raw,
    };
    plain.to_string()
}
