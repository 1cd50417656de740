//! Errors of the solver layer.

use thiserror::Error;

/// What the solvers refuse or stop on. Bad input names the field and the allowed range;
/// a run that goes wrong says when (time and step) and what it saw.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum SolverError {
    /// A parameter outside its allowed range.
    #[error("invalid `{field}` = {value}: allowed {allowed}")]
    InvalidParameter {
        /// The parameter name as a user writes it.
        field: String,
        /// The value given, formatted.
        value: String,
        /// The allowed range, in words.
        allowed: String,
    },
    /// A field that does not fit the grid.
    #[error("`{field}` has shape {got:?}, expected {expected:?}")]
    ShapeMismatch {
        /// Which field.
        field: String,
        /// The grid's shape (\[nx\] or \[ny, nx\]).
        expected: Vec<usize>,
        /// The shape given.
        got: Vec<usize>,
    },
    /// An initial-condition file that cannot be read.
    #[error("cannot read initial condition from `{path}`: {reason}")]
    UnreadableFile {
        /// The path given.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// An initial-condition expression that does not parse or evaluate.
    #[error("in expression `{expression}` at character {position}: {reason}")]
    Expression {
        /// The expression text.
        expression: String,
        /// 0-based character offset of the problem.
        position: usize,
        /// What is wrong there.
        reason: String,
    },
    /// The state became NaN or infinite.
    #[error(
        "blow-up at t = {} (step {step}): the solution contains {value}; \
             reduce dt or increase the resolution",
        short_time(*.time)
    )]
    BlowUp {
        /// Simulation time of the check that failed.
        time: f64,
        /// Step index.
        step: usize,
        /// The offending value (NaN or ±inf) or the largest magnitude seen.
        value: f64,
    },
    /// The advective CFL number exceeded its limit.
    #[error(
        "CFL violation at t = {} (step {step}): CFL = {cfl:.3} > limit {limit}; \
             reduce dt below {safe_dt:.3e}",
        short_time(*.time)
    )]
    Cfl {
        /// Simulation time.
        time: f64,
        /// Step index.
        step: usize,
        /// The CFL number max|u|·dt/dx (summed over axes in 2-D).
        cfl: f64,
        /// The allowed limit.
        limit: f64,
        /// A dt that would meet the limit at the current velocity.
        safe_dt: f64,
    },
}

/// Result alias of the solver layer.
pub type Result<T> = std::result::Result<T, SolverError>;

/// Shorthand for [`SolverError::InvalidParameter`].
pub(crate) fn invalid(field: &str, value: impl std::fmt::Display, allowed: &str) -> SolverError {
    SolverError::InvalidParameter {
        field: field.to_string(),
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}

/// Checks that `value` is finite and > 0.
pub(crate) fn positive(field: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(invalid(field, value, "a finite number > 0"))
    }
}

/// Checks that `value` is finite and ≥ 0.
pub(crate) fn non_negative(field: &str, value: f64) -> Result<f64> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(invalid(field, value, "a finite number >= 0"))
    }
}

/// Parses `text` as one of the kebab-case names of `T` (derived with strum), or says which
/// names `field` allows.
pub fn parse_name<T: std::str::FromStr + strum::VariantNames>(
    field: &str,
    text: &str,
) -> Result<T> {
    T::from_str(text).map_err(|_| {
        let names: Vec<String> = T::VARIANTS.iter().map(|v| format!("`{v}`")).collect();
        invalid(field, text, &format!("one of {}", names.join(", ")))
    })
}

/// `t` with at most 6 significant digits, for messages (a blow-up at
/// t = 0.30000000000000004 reads as t = 0.3).
pub fn short_time(t: f64) -> String {
    let text = format!("{t:.5e}");
    text.parse::<f64>().map_or(text, |v| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::short_time;

    #[test]
    fn message_times_keep_six_significant_digits() {
        assert_eq!(short_time(0.30000000000000004), "0.3");
        assert_eq!(short_time(1234.5678912), "1234.57");
        assert_eq!(short_time(3e-7), "0.0000003");
    }
}
