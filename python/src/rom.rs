//! ROMs from Python: `reduce` (a trajectory file, or a snapshot matrix and the recipe of
//! its full model) builds a ROM in memory; `Rom` runs it through `galerkin-runtime` (the
//! same code as the C ABI and the FMUs, bit-identical to `galerkin evaluate`) and saves it
//! as a portable file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use galerkin::rom::{MatrixSource, Pod as PodBasis, PodOptions, ReducedModel, Reduction};
use galerkin::workflow::{self, ReduceOptions, StoredRom};
use galerkin_runtime::{Instance, RomModel};
use galerkin_solvers::SpectralModel;
use numpy::{IntoPyArray, PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::basis::{pod_method, truncation, values, view};
use crate::dataset::Dataset;
use crate::error::{invalid, to_py};
use crate::recipe::recipe_from;

/// A reduced-order model ready to run: the portable file's bytes and the runtime's model
/// read from them.
#[pyclass(module = "galerkin._core", name = "Rom", frozen)]
pub struct Rom {
    model: Arc<RomModel>,
    bytes: Vec<u8>,
    /// The time step of the recipe the ROM was trained on (`run`'s default dt).
    recipe_dt: Option<f64>,
    /// Every POD singular value (a ROM built in this session), for decay plots.
    singular_values: Option<Vec<f64>>,
}

impl Rom {
    /// The ROM of a Galerkin, hyper-reduced or learned `model` built here, through its
    /// portable bytes (what `save` writes and the runtime runs), with the POD's singular
    /// values.
    fn of_model(model: ReducedModel, singular_values: Vec<f64>) -> PyResult<Self> {
        let (_, bytes) = workflow::encode_portable(&StoredRom::Projected(Box::new(model)));
        Self::from_bytes(bytes, Some(singular_values))
    }

    fn from_bytes(bytes: Vec<u8>, singular_values: Option<Vec<f64>>) -> PyResult<Self> {
        let model = RomModel::from_bytes(&bytes).map_err(to_py)?;
        let recipe_dt = galerkin_runtime::format::parse(&bytes)
            .ok()
            .and_then(|p| p.meta("recipe").ok().map(str::to_string))
            .and_then(|text| galerkin::data::Recipe::parse(&text, "ROM recipe", &[]).ok())
            .map(|recipe| recipe.time.dt);
        Ok(Self {
            model: Arc::new(model),
            bytes,
            recipe_dt,
            singular_values,
        })
    }

    /// An instance stepping by `dt` (the recipe's by default) at `parameters`.
    fn instance(
        &self,
        dt: Option<f64>,
        parameters: Option<BTreeMap<String, f64>>,
    ) -> PyResult<Instance> {
        let dt = dt.or(self.recipe_dt).ok_or_else(|| {
            invalid(
                "dt",
                "None",
                "a time step > 0 (this ROM stores no recipe to take it from)",
            )
        })?;
        let mut instance = Instance::new(Arc::clone(&self.model), dt).map_err(to_py)?;
        for (name, value) in parameters.unwrap_or_default() {
            instance.set_parameter(&name, value).map_err(to_py)?;
        }
        Ok(instance)
    }
}

#[pymethods]
impl Rom {
    /// Reads a ROM file: a portable file, or an HDF5 ROM file of `galerkin reduce`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let bytes = py
            .detach(|| -> Result<Vec<u8>, galerkin::workflow::WorkflowError> {
                let io = |e: std::io::Error| workflow::WorkflowError::File {
                    path: path.clone(),
                    reason: e.to_string(),
                };
                // Only the signature decides which reader reads the file (once).
                let mut signature = [0u8; 4];
                let read = std::io::Read::read(
                    &mut std::fs::File::open(&path).map_err(io)?,
                    &mut signature,
                )
                .map_err(io)?;
                if signature[..read] == *b"\x89HDF" {
                    Ok(workflow::portable_bytes(&path)?.1)
                } else {
                    std::fs::read(&path).map_err(io)
                }
            })
            .map_err(to_py)?;
        Self::from_bytes(bytes, None)
    }

    /// Writes the ROM as a portable file (atomically; an existing file is refused unless
    /// `force`).
    #[pyo3(signature = (path, force = false))]
    fn save(&self, path: PathBuf, force: bool) -> PyResult<()> {
        workflow::write_portable_bytes(&path, &self.bytes, force).map_err(to_py)
    }

    /// The portable file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, pyo3::types::PyBytes> {
        pyo3::types::PyBytes::new(py, &self.bytes)
    }

    /// The kind: galerkin, deim, qdeim, eim, opinf, galerkin-closure, dmd or
    /// lifted-quadratic.
    #[getter]
    fn kind(&self) -> &'static str {
        self.model.kind().name()
    }

    /// The number of modes r.
    #[getter]
    fn rank(&self) -> usize {
        self.model.rank()
    }

    /// The full state's size n.
    #[getter]
    fn full_dim(&self) -> usize {
        self.model.full_dim()
    }

    /// The PDE the ROM reduces.
    #[getter]
    fn pde(&self) -> String {
        self.model.pde().to_string()
    }

    /// The grid shape of the full state.
    #[getter]
    fn grid_shape(&self) -> Vec<usize> {
        self.model.grid_shape().to_vec()
    }

    /// The parameters and the values the ROM was built with: {name: value}.
    #[getter]
    fn parameters(&self) -> BTreeMap<String, f64> {
        self.model
            .parameters()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect()
    }

    /// The default time step of `run` (the training recipe's), or None.
    #[getter]
    fn dt(&self) -> Option<f64> {
        self.recipe_dt
    }

    /// Every POD singular value, for a ROM built by `reduce` in this session (None when
    /// loaded from a file).
    #[getter]
    fn singular_values<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyArray1<f64>>> {
        self.singular_values
            .as_ref()
            .map(|s| PyArray1::from_slice(py, s))
    }

    /// Runs the ROM from the full state `u0` (or the reduced state `a0`, or a = 0) at time
    /// `t[0]` and returns the state at every time of `t` (each a whole number of steps dt
    /// from `t[0]`): the full states, len(t) × n, or the reduced ones, len(t) × r, with
    /// `reduced=True`. The GIL is released while it runs.
    #[pyo3(signature = (t, u0 = None, parameters = None, dt = None, a0 = None, reduced = false))]
    #[allow(clippy::too_many_arguments)]
    fn run<'py>(
        &self,
        py: Python<'py>,
        t: PyReadonlyArray1<'py, f64>,
        u0: Option<PyReadonlyArray1<'py, f64>>,
        parameters: Option<BTreeMap<String, f64>>,
        dt: Option<f64>,
        a0: Option<PyReadonlyArray1<'py, f64>>,
        reduced: bool,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let times = values(&t);
        let mut instance = self.instance(dt, parameters)?;
        match (&u0, &a0) {
            (Some(_), Some(_)) => {
                return Err(invalid("u0 / a0", "both given", "one initial state"));
            }
            (Some(u), None) => instance.set_state_full(&values(u)).map_err(to_py)?,
            (None, Some(a)) => instance.set_state_reduced(&values(a)).map_err(to_py)?,
            (None, None) => {}
        }
        let width = if reduced {
            self.model.rank()
        } else {
            self.model.full_dim()
        };
        let start = times.first().copied().unwrap_or(0.0);
        let out = py
            .detach(|| -> galerkin_runtime::Result<Vec<f64>> {
                let mut out = vec![0.0; times.len() * width];
                for (row, t) in out.chunks_exact_mut(width.max(1)).zip(&times) {
                    instance.advance_to(t - start)?;
                    if reduced {
                        row.copy_from_slice(instance.state());
                    } else {
                        instance.reconstruct(row)?;
                    }
                }
                Ok(out)
            })
            .map_err(to_py)?;
        out.into_pyarray(py).reshape([times.len(), width])
    }

    /// A stepper: one instance of the ROM advanced step by step from Python.
    #[pyo3(signature = (dt = None, parameters = None))]
    fn stepper(
        &self,
        dt: Option<f64>,
        parameters: Option<BTreeMap<String, f64>>,
    ) -> PyResult<Stepper> {
        Ok(Stepper {
            instance: self.instance(dt, parameters)?,
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Rom(kind='{}', pde='{}', rank={}, full_dim={})",
            self.kind(),
            self.model.pde(),
            self.model.rank(),
            self.model.full_dim()
        )
    }
}

/// One running instance of a ROM (its own state, time and parameters).
#[pyclass(module = "galerkin._core", name = "Stepper")]
pub struct Stepper {
    instance: Instance,
}

#[pymethods]
impl Stepper {
    /// Sets the state from a full state u (a = VᵀW(u − ū)); the time restarts at 0.
    fn set_state(&mut self, u: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        self.instance.set_state_full(&values(&u)).map_err(to_py)
    }

    /// Sets the reduced state a; the time restarts at 0.
    fn set_reduced(&mut self, a: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
        self.instance.set_state_reduced(&values(&a)).map_err(to_py)
    }

    /// Sets a parameter (re-forms the reduced operators).
    fn set_parameter(&mut self, name: &str, value: f64) -> PyResult<()> {
        self.instance.set_parameter(name, value).map_err(to_py)
    }

    /// Advances `n` steps of dt.
    #[pyo3(signature = (n = 1))]
    fn step(&mut self, n: usize) -> PyResult<()> {
        for _ in 0..n {
            self.instance.step().map_err(to_py)?;
        }
        Ok(())
    }

    /// The reduced state a (a copy).
    #[getter]
    fn state<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_slice(py, self.instance.state())
    }

    /// The time since the state was set.
    #[getter]
    fn time(&self) -> f64 {
        self.instance.time()
    }

    /// The full state u = ū + V a.
    fn reconstruct<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let mut out = vec![0.0; self.instance.model().full_dim()];
        self.instance.reconstruct(&mut out).map_err(to_py)?;
        Ok(out.into_pyarray(py))
    }

    /// The ROM's energy (½‖u‖²_W, or the lifted ROM's conserved energy), O(r).
    fn energy(&self) -> f64 {
        self.instance.energy()
    }
}

/// The learned method a name asks for, with galerkin's defaults (`galerkin reduce`'s):
/// `opinf`, `galerkin-closure`, `dmd`; `None` for the projection methods.
fn learned_method(method: &str) -> Option<workflow::LearnedMethod> {
    use galerkin::rom::learn::LearnOptions;
    match method {
        "opinf" => Some(workflow::LearnedMethod::Opinf(LearnOptions::default())),
        "galerkin-closure" => Some(workflow::LearnedMethod::Closure(LearnOptions::default())),
        "dmd" => Some(workflow::LearnedMethod::Dmd(workflow::DmdOptions {
            stable: false,
            bagging: None,
        })),
        _ => None,
    }
}

/// The reduction a method name asks for (`points` 0: 2r).
fn reduction(method: &str, points: usize) -> PyResult<Reduction> {
    if method == "galerkin" {
        return Ok(Reduction::Galerkin);
    }
    let selection = method.parse().map_err(|_| {
        invalid(
            "method",
            format!("`{method}`"),
            "galerkin, deim, qdeim, eim, opinf, galerkin-closure, dmd (or lifted-quadratic \
             for wave files)",
        )
    })?;
    Ok(Reduction::Hyper { points, selection })
}

/// Builds a ROM. `source` is a trajectory file (a `Dataset` or a path): the POD of its
/// trajectories and the full model its recipe describes (or, for `opinf` and `dmd`, the
/// snapshots alone: imported files too); or a snapshot matrix (n × m, the solvers'
/// layout) with `recipe`: the full model of that recipe (at `parameters`).
#[pyfunction]
#[pyo3(signature = (source, rank = None, energy = None, method = "galerkin", points = None, trajectories = None, times = None, center = true, cell_weights = false, pod_method = "auto", recipe = None, parameters = None))]
#[allow(clippy::too_many_arguments)]
pub fn reduce(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    rank: Option<usize>,
    energy: Option<f64>,
    method: &str,
    points: Option<usize>,
    trajectories: Option<Vec<usize>>,
    times: Option<(usize, usize)>,
    center: bool,
    cell_weights: bool,
    pod_method: &str,
    recipe: Option<&Bound<'_, PyAny>>,
    parameters: Option<BTreeMap<String, f64>>,
) -> PyResult<Rom> {
    let pod = PodOptions {
        truncation: truncation(rank, energy)?,
        center,
        method: self::pod_method(pod_method)?,
        ..PodOptions::default()
    };
    if let Ok(matrix) = source.extract::<PyReadonlyArray2<'_, f64>>() {
        let recipe = recipe.ok_or_else(|| {
            invalid(
                "recipe",
                "None",
                "the recipe of the full model the snapshots come from (a snapshot matrix \
                 alone has no full model to project)",
            )
        })?;
        let recipe = recipe_from(recipe, None)?;
        let kind = reduction(method, points.unwrap_or(0))?;
        return reduce_matrix(
            py,
            view(&matrix),
            &recipe,
            parameters,
            pod,
            cell_weights,
            kind,
        );
    }
    let opened;
    let dataset = if let Ok(d) = source.cast::<Dataset>() {
        &d.get().file
    } else if let Ok(path) = source.extract::<PathBuf>() {
        opened = py
            .detach(|| galerkin::data::Dataset::open(&path))
            .map_err(to_py)?;
        &opened
    } else {
        return Err(PyTypeError::new_err(
            "source must be a Dataset, the path of a trajectory file, or a 2-D float64 \
             array of snapshots (n values × m snapshots) with recipe=",
        ));
    };
    let trajectories = trajectories.unwrap_or_default();
    if let Some(method) = learned_method(method) {
        let mut pod = pod;
        if cell_weights {
            workflow::quadrature_of(dataset, &mut pod).map_err(to_py)?;
        }
        let opts = workflow::LearnedReduceOptions {
            pod,
            method,
            trajectories,
            times: times.map(|(a, b)| a..b),
        };
        let (model, pod) = py
            .detach(|| workflow::reduce_learned(dataset, &opts))
            .map_err(to_py)?;
        return Rom::of_model(model, pod.singular_values);
    }
    let is_wave = dataset.recipe().and_then(|r| r.is_wave()).map_err(to_py)?;
    if is_wave || method == "lifted-quadratic" {
        if !(is_wave && method == "lifted-quadratic") {
            return Err(invalid(
                "method",
                format!("`{method}`"),
                "lifted-quadratic for wave files (pde = \"wave\"), and only for them",
            ));
        }
        let r = rank.unwrap_or(20);
        let file = py
            .detach(|| workflow::lifted::reduce_lifted(dataset, r, &trajectories))
            .map_err(to_py)?;
        let (_, bytes) = workflow::encode_portable(&StoredRom::Lifted(Box::new(file)));
        return Rom::from_bytes(bytes, None);
    }
    let cell_weight = if cell_weights {
        Some(workflow::cell_weight_of(dataset).map_err(to_py)?)
    } else {
        None
    };
    let opts = ReduceOptions {
        pod: PodOptions { cell_weight, ..pod },
        kind: reduction(method, points.unwrap_or(0))?,
        trajectories,
        times: times.map(|(a, b)| a..b),
    };
    let (model, pod) = py
        .detach(|| workflow::reduce(dataset, &opts))
        .map_err(to_py)?;
    Rom::of_model(model, pod.singular_values)
}

/// `reduce` of a snapshot matrix: POD of its columns, and the full model of `recipe` on
/// its save grid at `parameters` (the rest at their defaults).
fn reduce_matrix(
    py: Python<'_>,
    snapshots: faer::MatRef<'_, f64>,
    recipe: &galerkin::data::Recipe,
    parameters: Option<BTreeMap<String, f64>>,
    pod: PodOptions,
    cell_weights: bool,
    kind: Reduction,
) -> PyResult<Rom> {
    let grid = recipe.save_grid().map_err(to_py)?;
    if snapshots.nrows() != grid.len() {
        return Err(invalid(
            "snapshots",
            format!("{} × {}", snapshots.nrows(), snapshots.ncols()),
            &format!(
                "{} rows: one per value of the recipe's save grid {:?}",
                grid.len(),
                grid.shape()
            ),
        ));
    }
    let parameters = parameters.unwrap_or_default();
    let pde = recipe.semi_linear_pde(&grid, &parameters).map_err(to_py)?;
    let mut fom = SpectralModel::new(pde, recipe.scheme().map_err(to_py)?).map_err(to_py)?;
    let cell_weight = cell_weights.then(|| workflow::reduce::cell_area(&grid));
    let opts = PodOptions { cell_weight, ..pod };
    let model = py
        .detach(|| -> workflow::Result<_> {
            let pod = PodBasis::of_matrix(snapshots, &opts)?;
            let mut states = MatrixSource(snapshots.to_owned());
            let mut model = workflow::build_on_pod(&mut fom, &mut states, &pod, kind)?;
            model.grid_shape = grid.shape();
            model.recipe = recipe.canonical_text();
            model.training_parameters = parameters
                .iter()
                .map(|(k, v)| (k.clone(), vec![*v]))
                .collect();
            Ok((model, pod.singular_values))
        })
        .map_err(to_py)?;
    let (model, singular_values) = model;
    Rom::of_model(model, singular_values)
}
