//! Neural operators from Python (feature `operators`): an FNO checkpoint loaded and
//! applied to numpy frames, and a training recipe run end to end with progress and
//! Ctrl-C (stopping after the current epoch, checkpointed, resumable).

use std::path::PathBuf;
use std::sync::Arc;

use galerkin::data::{Precision, SimulateOptions};
use galerkin::operators::data::Scales;
use galerkin::operators::fno::FnoWeights;
use galerkin::operators::train::{predict, History, StepReport};
use galerkin::workflow::training::checkpoint;
use galerkin::workflow::training::recipe::TrainRecipe;
use galerkin::workflow::training::run::{device_for, train as train_recipe};
use numpy::{IntoPyArray, PyArrayDyn, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::dataset::array;
use crate::error::{invalid, to_py};
use crate::long_work::{self, Counter};

/// A trained Fourier neural operator (an FNO checkpoint of `galerkin train`).
#[pyclass(module = "galerkin._core", name = "Operator", frozen)]
pub struct Operator {
    weights: FnoWeights,
    scales: Scales,
    precision: Precision,
    epoch: usize,
    history: History,
    recipe: String,
}

#[pymethods]
impl Operator {
    /// The number of input frames per sample (1 for u₀ ↦ u(T)).
    #[getter]
    fn history(&self) -> usize {
        self.weights.config.in_channels - self.weights.config.dims
    }

    /// Spatial dimensions (1 or 2).
    #[getter]
    fn dims(&self) -> usize {
        self.weights.config.dims
    }

    /// Epochs trained.
    #[getter]
    fn epoch(&self) -> usize {
        self.epoch
    }

    /// The held-out relative L² error after the last epoch.
    #[getter]
    fn test_error(&self) -> Option<f64> {
        self.history.test_error.last().copied()
    }

    /// The training recipe the checkpoint was written for (canonical TOML).
    #[getter]
    fn recipe(&self) -> &str {
        &self.recipe
    }

    /// The model size: {width, modes, layers, projection, in_channels, out_channels}.
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.weights.config;
        let out = PyDict::new(py);
        for (k, v) in [
            ("dims", c.dims),
            ("in_channels", c.in_channels),
            ("out_channels", c.out_channels),
            ("width", c.width),
            ("modes", c.modes),
            ("layers", c.layers),
            ("projection", c.projection),
        ] {
            out.set_item(k, v)?;
        }
        Ok(out)
    }

    /// Applies the operator to `frames` of shape (batch, history, *grid) (or (batch,
    /// *grid) when history is 1): returns (batch, *grid), or (batch, steps, *grid) for an
    /// autoregressive rollout of `steps` > 1 frames, each fed back as the newest input.
    #[pyo3(signature = (frames, steps = 1))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        frames: PyReadonlyArrayDyn<'py, f64>,
        steps: usize,
    ) -> PyResult<Bound<'py, PyArrayDyn<f64>>> {
        let (h, d) = (self.history(), self.dims());
        let shape = frames.shape().to_vec();
        let grid: Vec<usize> = match shape.len() {
            n if n == 2 + d => shape[2..].to_vec(),
            n if n == 1 + d && h == 1 => shape[1..].to_vec(),
            _ => {
                return Err(invalid(
                    "frames",
                    format!("an array of shape {shape:?}"),
                    &format!(
                        "(batch, {h}, *grid) with a {d}-D grid{}",
                        if h == 1 { " or (batch, *grid)" } else { "" }
                    ),
                ))
            }
        };
        if shape.len() == 2 + d && shape[1] != h {
            return Err(invalid(
                "frames",
                format!("{} input frames", shape[1]),
                &format!("{h} (the model's history)"),
            ));
        }
        if steps == 0 {
            return Err(invalid("steps", 0, "1 or more"));
        }
        let values: Vec<f64> = frames.as_array().iter().copied().collect();
        let points: usize = grid.iter().product();
        let batch = shape[0];
        let device = device_for(self.precision);
        let out = py
            .detach(|| {
                let inputs: Vec<Vec<&[f64]>> = values
                    .chunks_exact((h * points).max(1))
                    .map(|sample| sample.chunks_exact(points.max(1)).collect())
                    .collect();
                predict((&self.weights, self.scales), &inputs, &grid, steps, &device)
            })
            .map_err(to_py)?;
        let flat: Vec<f64> = out.into_iter().flatten().flatten().collect();
        let mut out_shape = vec![batch];
        if steps > 1 {
            out_shape.push(steps);
        }
        out_shape.extend(&grid);
        array(py, flat, &out_shape)
    }

    fn __repr__(&self) -> String {
        let c = &self.weights.config;
        format!(
            "Operator(FNO-{}D, width={}, modes={}, layers={}, history={}, epoch={})",
            c.dims,
            c.width,
            c.modes,
            c.layers,
            self.history(),
            self.epoch
        )
    }
}

/// Loads an FNO checkpoint written by `galerkin train` (or `train`).
#[pyfunction]
pub fn load_operator(py: Python<'_>, path: PathBuf) -> PyResult<Operator> {
    let found = py.detach(|| checkpoint::load(&path)).map_err(to_py)?;
    let precision = toml::from_str::<TrainRecipe>(&found.recipe)
        .map(|r| r.train.precision)
        .unwrap_or(Precision::F64);
    Ok(Operator {
        weights: found.state.weights,
        scales: found.state.scales,
        precision,
        epoch: found.state.epoch,
        history: found.state.history,
        recipe: found.recipe,
    })
}

/// Runs a training recipe (see `galerkin.train`); returns a summary dict.
#[pyfunction]
#[pyo3(signature = (recipe, overrides = Vec::new(), fresh = false, progress = None))]
pub fn train<'py>(
    py: Python<'py>,
    recipe: PathBuf,
    overrides: Vec<String>,
    fresh: bool,
    progress: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let recipe = TrainRecipe::from_file(&recipe, &overrides).map_err(to_py)?;
    let counter = Arc::new(Counter::default());
    let simulate = SimulateOptions {
        progress: counter.clone(),
        ..Default::default()
    };
    let job_counter = Arc::clone(&counter);
    let progress = progress.filter(|p| !p.is_none());
    let outcome = long_work::run(py, progress, counter, || {
        let mut on_step = |r: &StepReport| job_counter.set(r.step as u64 + 1, r.total_steps as u64);
        let stop = || job_counter.stop_requested();
        train_recipe(&recipe, fresh, &simulate, &mut on_step, &stop)
    })?
    .map_err(to_py)?;
    let h = &outcome.state.history;
    let out = PyDict::new(py);
    out.set_item("checkpoint", recipe.checkpoint_path())?;
    out.set_item("epochs", outcome.state.epoch)?;
    out.set_item("resumed_from", outcome.resumed_from)?;
    out.set_item("stopped", outcome.stopped)?;
    out.set_item("test_error", outcome.test_error)?;
    out.set_item("train_loss", h.train_loss.clone().into_pyarray(py))?;
    out.set_item("test_errors", h.test_error.clone().into_pyarray(py))?;
    out.set_item("seconds", h.seconds.last().copied().unwrap_or(0.0))?;
    out.set_item("rollout", outcome.rollout.clone())?;
    if outcome.stopped {
        // Ctrl-C stopped the run after a checkpointed epoch: raise it now.
        py.check_signals()?;
    }
    Ok(out)
}

/// Adds the operator functions to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Operator>()?;
    m.add_function(wrap_pyfunction!(load_operator, m)?)?;
    m.add_function(wrap_pyfunction!(train, m)?)?;
    Ok(())
}
