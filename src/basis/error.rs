//! Errors of the orthogonal-basis core.

use thiserror::Error;

/// Everything the basis core can refuse or fail at. Each variant names the offending
/// argument and, for ranges, what is allowed, so a caller can show it to a user unchanged.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum BasisError {
    /// Two operands do not fit together (e.g. a vector of the wrong length for a basis).
    #[error("dimension mismatch in `{field}`: expected {expected}, got {got}")]
    DimensionMismatch {
        /// The argument whose shape is wrong.
        field: &'static str,
        /// The size required by the other operand.
        expected: usize,
        /// The size that was passed.
        got: usize,
    },
    /// A scalar or size argument lies outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    InvalidParameter {
        /// The argument name.
        field: &'static str,
        /// The value that was passed, formatted.
        value: String,
        /// The allowed range, in words.
        allowed: &'static str,
    },
    /// The input holds NaN or ±Inf.
    #[error("`{field}` contains a non-finite value (NaN or Inf) at row {row}, column {col}")]
    NonFinite {
        /// The argument name.
        field: &'static str,
        /// Row of the first offending entry.
        row: usize,
        /// Column of the first offending entry.
        col: usize,
    },
    /// A dense factorization inside faer did not converge.
    #[error("{what} did not converge")]
    NoConvergence {
        /// Which factorization.
        what: &'static str,
    },
}

/// Result alias of the basis core.
pub type Result<T> = std::result::Result<T, BasisError>;

/// Rejects a matrix with a NaN or Inf entry, naming the argument and the first bad entry.
pub(crate) fn ensure_finite(field: &'static str, a: faer::MatRef<'_, f64>) -> Result<()> {
    for j in 0..a.ncols() {
        for i in 0..a.nrows() {
            if !a[(i, j)].is_finite() {
                return Err(BasisError::NonFinite {
                    field,
                    row: i,
                    col: j,
                });
            }
        }
    }
    Ok(())
}

/// Rejects a tolerance that is negative or not finite.
pub(crate) fn ensure_tolerance(field: &'static str, tol: f64) -> Result<()> {
    if tol.is_finite() && tol >= 0.0 {
        Ok(())
    } else {
        Err(BasisError::InvalidParameter {
            field,
            value: format!("{tol}"),
            allowed: "a finite number >= 0",
        })
    }
}
