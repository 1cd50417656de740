//! Errors crossing into Python: library errors become `galerkin.GalerkinError` with the
//! message the command line prints (the error and its causes, joined by ": "); bad
//! arguments of the bindings themselves are `ValueError`s naming the argument and the
//! allowed range.

use pyo3::exceptions::{PyException, PyValueError};
use pyo3::PyErr;

pyo3::create_exception!(
    _core,
    GalerkinError,
    PyException,
    "An error of galerkin's library: a bad recipe, a file that is not what it should be, a \
     blow-up, an argument out of range. The message is the one the command line prints."
);

/// The error and its chain of causes as one line, as `galerkin` prints it (`{:#}` of
/// anyhow): causes already quoted in a message are not repeated.
pub fn message(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text.trim_end().to_string()
}

/// Any library error as a [`GalerkinError`].
pub fn to_py<E: std::error::Error + 'static>(error: E) -> PyErr {
    GalerkinError::new_err(message(&error))
}

/// `ValueError: invalid `field` = value: allowed …`, the library's own phrasing.
pub fn invalid(field: &str, value: impl std::fmt::Display, allowed: &str) -> PyErr {
    PyValueError::new_err(format!("invalid `{field}` = {value}: allowed {allowed}"))
}
