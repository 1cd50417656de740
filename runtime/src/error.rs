//! The runtime's one error type.

use std::path::PathBuf;

/// Everything that can go wrong loading or running a portable ROM.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RuntimeError {
    /// The file could not be read from disk.
    #[error("cannot read `{}`: {reason}", path.display())]
    Io {
        /// The path given.
        path: PathBuf,
        /// The operating system's reason.
        reason: String,
    },
    /// The bytes are not a well-formed portable ROM file (truncated, corrupt, foreign).
    #[error("not a portable ROM file ({reason})")]
    Corrupt {
        /// What is wrong, naming the header field or tensor.
        reason: String,
    },
    /// A value (from the file or from the caller) outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    Invalid {
        /// The field, argument or metadata key.
        field: String,
        /// The value received.
        value: String,
        /// What would have been accepted.
        allowed: String,
    },
    /// The state became non-finite (NaN or infinite) during the step ending at `time`.
    #[error("the reduced state blew up (became non-finite) in the step ending at t = {time}")]
    BlowUp {
        /// The time at the end of the failed step.
        time: f64,
    },
}

/// Shorthand for results of this crate.
pub type Result<T> = std::result::Result<T, RuntimeError>;

/// An [`RuntimeError::Invalid`] for `field` = `value`, allowed `allowed`.
pub(crate) fn invalid(
    field: impl Into<String>,
    value: impl std::fmt::Display,
    allowed: impl Into<String>,
) -> RuntimeError {
    RuntimeError::Invalid {
        field: field.into(),
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

/// A [`RuntimeError::Corrupt`] with `reason`.
pub(crate) fn corrupt(reason: impl Into<String>) -> RuntimeError {
    RuntimeError::Corrupt {
        reason: reason.into(),
    }
}
