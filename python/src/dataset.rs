//! `galerkin.simulate` and `galerkin.open`: trajectory files from Python, read lazily
//! (metadata on open, one trajectory per read) into numpy arrays that own Rust's buffer
//! (no copy).

use std::path::PathBuf;
use std::sync::Arc;

use galerkin::data::{self, Dataset as TrajectoryFile, SimulateOptions};
use numpy::{IntoPyArray, PyArray1, PyArrayDyn, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::to_py;
use crate::long_work::{self, Counter};
use crate::recipe::recipe_from;

/// An open trajectory file (the native HDF5 layout `galerkin simulate` writes). Reads
/// nothing but metadata until asked.
#[pyclass(module = "galerkin._core", name = "Dataset", frozen)]
pub struct Dataset {
    pub(crate) file: TrajectoryFile,
}

/// A `Vec` moved into a numpy array of `shape` (no copy).
pub fn array<'py>(
    py: Python<'py>,
    values: Vec<f64>,
    shape: &[usize],
) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
    values.into_pyarray(py).reshape(shape.to_vec())
}

impl Dataset {
    /// Reads the f64 vectors `group/name` of every name into `out[name]`.
    fn read_into<S: AsRef<str>>(
        &self,
        out: &Bound<'_, PyDict>,
        group: &str,
        names: &[S],
    ) -> PyResult<()> {
        for name in names {
            let name = name.as_ref();
            let values = self
                .file
                .read_vec(&format!("{group}/{name}"))
                .map_err(to_py)?;
            out.set_item(name, values.into_pyarray(out.py()))?;
        }
        Ok(())
    }
}

#[pymethods]
impl Dataset {
    /// Opens a trajectory file and checks its layout.
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let file = py.detach(|| TrajectoryFile::open(&path)).map_err(to_py)?;
        Ok(Self { file })
    }

    /// The file's path.
    #[getter]
    fn path(&self) -> PathBuf {
        self.file.path().to_path_buf()
    }

    /// Shape of `/u`: (n_traj, n_t, space…, n_fields).
    #[getter]
    fn shape(&self) -> Vec<usize> {
        self.file.shape().to_vec()
    }

    /// Number of trajectories.
    #[getter]
    fn n_traj(&self) -> usize {
        self.file.n_traj()
    }

    /// Save times.
    #[getter]
    fn times<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.file.times().map_err(to_py)?.into_pyarray(py))
    }

    /// Grid coordinates along x.
    #[getter]
    fn x<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        Ok(self.file.read_vec("x").map_err(to_py)?.into_pyarray(py))
    }

    /// Grid coordinates along y (None in 1-D).
    #[getter]
    fn y<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyArray1<f64>>>> {
        if self.file.shape().len() < 5 {
            return Ok(None);
        }
        Ok(Some(
            self.file.read_vec("y").map_err(to_py)?.into_pyarray(py),
        ))
    }

    /// The PDE of the file (`burgers`, `ks`, `navier-stokes`, `wave`).
    #[getter]
    fn pde(&self) -> String {
        self.file.attribute("pde").unwrap_or_default()
    }

    /// The canonical recipe text the file was made from.
    #[getter]
    fn recipe(&self) -> String {
        self.file.attribute("recipe").unwrap_or_default()
    }

    /// Names of the per-trajectory parameters.
    #[getter]
    fn parameter_names(&self) -> PyResult<Vec<String>> {
        self.file.parameter_names().map_err(to_py)
    }

    /// Every parameter's values, one per trajectory: {name: array (n_traj,)}.
    #[getter]
    fn parameters<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let names = self.file.parameter_names().map_err(to_py)?;
        let out = PyDict::new(py);
        self.read_into(&out, "params", &names)?;
        Ok(out)
    }

    /// Per-trajectory health: {status (0 healthy, 1 under-resolved, 2 failed), mean,
    /// energy, max_cfl, tail_ratio}, arrays of n_traj values.
    #[getter]
    fn health<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let status = self.file.health_status().map_err(to_py)?;
        out.set_item("status", status.into_pyarray(py))?;
        self.read_into(&out, "health", &["mean", "energy", "max_cfl", "tail_ratio"])?;
        Ok(out)
    }

    /// Which trajectories are complete (1) in a partial file.
    #[getter]
    fn done<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<u8>>> {
        Ok(self.file.done().map_err(to_py)?.into_pyarray(py))
    }

    /// Trajectory `index`, shape (n_t, space…, n_fields), read from the file (the GIL is
    /// released while reading).
    fn trajectory<'py>(
        &self,
        py: Python<'py>,
        index: usize,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let values = py.detach(|| self.file.trajectory(index)).map_err(to_py)?;
        array(py, values, &self.file.shape()[1..])
    }

    /// Saves `start..stop` of trajectory `index` as a snapshot matrix (values × times,
    /// column `j` the state at save `start + j`, in the solvers' order: x fastest, field
    /// after field): what `pod` and `Rom.run` take.
    #[pyo3(signature = (index, start = 0, stop = None))]
    fn snapshots<'py>(
        &self,
        py: Python<'py>,
        index: usize,
        start: usize,
        stop: Option<usize>,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let stop = stop.unwrap_or(self.file.shape()[1]);
        let values = py
            .detach(|| self.file.solver_snapshots(index, start..stop.max(start)))
            .map_err(to_py)?;
        let n = self.file.snapshot_len();
        // Snapshot-major values are the columns of an n × k Fortran-ordered matrix.
        let columns = values.len() / n.max(1);
        let flat = array(py, values, &[columns, n])?;
        Ok(flat.transpose()?.cast_into()?)
    }

    /// The parameters of trajectory `index`: {name: value}.
    fn parameters_of(&self, index: usize) -> PyResult<std::collections::BTreeMap<String, f64>> {
        if index >= self.file.n_traj() {
            return Err(crate::error::invalid(
                "index",
                index,
                &format!("0..{}", self.file.n_traj()),
            ));
        }
        self.file.parameters(index).map_err(to_py)
    }

    /// What `galerkin info` prints.
    fn summary(&self) -> PyResult<String> {
        self.file.summary().map_err(to_py)
    }
}

/// Runs (or resumes, or confirms) a recipe's ensemble into its HDF5 file and opens it.
/// Returns (dataset, run summary dict).
#[pyfunction]
#[pyo3(signature = (recipe, overrides = None, output = None, progress = None))]
pub fn simulate<'py>(
    py: Python<'py>,
    recipe: &Bound<'py, PyAny>,
    overrides: Option<&Bound<'py, PyAny>>,
    output: Option<PathBuf>,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Dataset, Bound<'py, PyDict>)> {
    let mut recipe = recipe_from(recipe, overrides)?;
    if let Some(output) = output {
        recipe.output = output;
    }
    let counter = Arc::new(Counter::default());
    let opts = SimulateOptions {
        progress: counter.clone(),
        ..Default::default()
    };
    let progress = progress.filter(|p| !p.is_none());
    let summary =
        long_work::run(py, progress, counter, || data::simulate(&recipe, &opts))?.map_err(to_py)?;
    let report = PyDict::new(py);
    report.set_item("output", &summary.output)?;
    report.set_item("written", summary.written)?;
    report.set_item("skipped", summary.skipped)?;
    report.set_item("seconds", summary.seconds)?;
    report.set_item("unhealthy", summary.unhealthy.clone())?;
    let file = TrajectoryFile::open(&summary.output).map_err(to_py)?;
    Ok((Dataset { file }, report))
}
