//! The extension module `galerkin._core` of the Python package `galerkin`: galerkin's
//! library (simulate, trajectory files, the basis core, ROMs, the runtime) called from
//! numpy, with the GIL released during long work. The package `python/galerkin/` wraps it
//! (progress bars, lazy trajectory arrays) and documents it (`_core.pyi`).

mod basis;
mod dataset;
mod error;
mod long_work;
#[cfg(feature = "operators")]
mod operators;
mod recipe;
mod rom;

use pyo3::prelude::*;

/// galerkin's Rust core.
#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    // The same bits whatever the thread count, as from the `galerkin` command.
    galerkin::basis::use_fixed_parallelism();
    let py = m.py();
    m.add("GalerkinError", py.get_type::<error::GalerkinError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("HAS_OPERATORS", cfg!(feature = "operators"))?;
    m.add_class::<dataset::Dataset>()?;
    m.add_function(wrap_pyfunction!(dataset::simulate, m)?)?;
    m.add_class::<basis::Pod>()?;
    m.add_class::<basis::IncrementalSvd>()?;
    m.add_function(wrap_pyfunction!(basis::pod, m)?)?;
    m.add_function(wrap_pyfunction!(basis::thin_svd, m)?)?;
    m.add_function(wrap_pyfunction!(basis::randomized_svd, m)?)?;
    m.add_function(wrap_pyfunction!(basis::deim, m)?)?;
    m.add_function(wrap_pyfunction!(basis::qdeim, m)?)?;
    m.add_class::<rom::Rom>()?;
    m.add_class::<rom::Stepper>()?;
    m.add_function(wrap_pyfunction!(rom::reduce, m)?)?;
    #[cfg(feature = "operators")]
    operators::register(m)?;
    Ok(())
}
