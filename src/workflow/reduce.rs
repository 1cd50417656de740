//! Trajectory file → POD → reduced model: what `galerkin reduce` runs.

use std::ops::Range;

use galerkin_solvers::{FullOrderModel, SpectralModel};

use super::error::{invalid, Result};
use super::source::DatasetSource;
use crate::data::Dataset;
use crate::parallel::{Collective, SingleProcess};
use crate::rom::{build_model_on, Pod, PodOptions, ReducedModel, Reduction, SnapshotSource};

/// What `reduce` reads and builds.
#[derive(Debug, Clone, PartialEq)]
pub struct ReduceOptions {
    /// POD settings.
    pub pod: PodOptions,
    /// The nonlinearity (`points: 0` in a hyper-reduction means 2r).
    pub kind: Reduction,
    /// Training trajectories (all if empty).
    pub trajectories: Vec<usize>,
    /// Save indices used for training (all if `None`).
    pub times: Option<Range<usize>>,
}

/// The full model of a trajectory file on its stored grid, with the parameters of
/// trajectory `index`: what the reduced operators are projected from.
pub fn full_model_of(dataset: &Dataset, index: usize) -> Result<SpectralModel> {
    let recipe = dataset.recipe()?;
    let grid = recipe.save_grid()?;
    if grid.len() != dataset.snapshot_len() {
        return Err(invalid(
            "trajectory file",
            dataset.path().display(),
            format!(
                "snapshots of {} values on the recipe's save grid {:?} (found {})",
                grid.len(),
                grid.shape(),
                dataset.snapshot_len()
            ),
        ));
    }
    if grid != recipe.solver_grid()? {
        tracing::warn!(
            "the file stores a subsampled grid {:?} of the simulation grid {:?}: the reduced \
             model projects the full model discretized on the stored grid",
            grid.shape(),
            recipe.solver_grid()?.shape()
        );
    }
    let pde = recipe.semi_linear_pde(&grid, &dataset.parameters(index)?)?;
    Ok(SpectralModel::new(pde, recipe.scheme()?)?)
}

/// The reduced model of `fom` on all the modes of `pod`, trained on `states` (the flux
/// snapshots of a hyper-reduction); `points: 0` in a hyper-reduction means m = 2r, capped
/// by the snapshots and the grid size.
pub fn build_on_pod(
    fom: &mut dyn FullOrderModel,
    states: &mut dyn SnapshotSource,
    pod: &Pod,
    kind: Reduction,
) -> Result<ReducedModel> {
    build_on_pod_on(fom, states, pod, kind, &SingleProcess)
}

/// [`build_on_pod`] with the operator assembly shared among the ranks of `comm`.
pub fn build_on_pod_on(
    fom: &mut dyn FullOrderModel,
    states: &mut dyn SnapshotSource,
    pod: &Pod,
    kind: Reduction,
    comm: &dyn Collective,
) -> Result<ReducedModel> {
    let kind = match kind {
        Reduction::Hyper {
            points: 0,
            selection,
        } => Reduction::Hyper {
            points: (2 * pod.rank()).min(pod.n_snapshots).min(fom.dim()),
            selection,
        },
        // Fewer interpolation points than modes leaves the reduced flux in a space of lower
        // dimension than the state: r − m directions would get no nonlinear dynamics.
        Reduction::Hyper { points, .. } if points < pod.rank() => {
            return Err(invalid(
                "points",
                points,
                format!(
                    "at least the ROM's rank r = {} (default 2r = {})",
                    pod.rank(),
                    2 * pod.rank()
                ),
            ))
        }
        kind => kind,
    };
    Ok(build_model_on(fom, states, pod, pod.rank(), kind, comm)?)
}

/// The area (length in 1-D) of one cell of the file's stored grid: the quadrature weight
/// of every point, which makes the POD L²-optimal (`PodOptions::cell_weight`).
pub fn cell_weight_of(dataset: &Dataset) -> Result<f64> {
    Ok(cell_area(&dataset.recipe()?.save_grid()?))
}

/// The quadrature weights of a file's POD as [`PodOptions`] sets them: an imported file's
/// `/weights` (one per point, repeated for every field; non-uniform and unstructured
/// grids), or the uniform cell area of a simulated file's grid.
pub fn quadrature_of(dataset: &Dataset, pod: &mut PodOptions) -> Result<()> {
    if dataset.is_imported() {
        let weights = dataset.read_vec("weights").map_err(|_| {
            invalid(
                "cell weights",
                dataset.path().display(),
                "an imported file with `/weights` (import it with `grid.weights`)",
            )
        })?;
        // The file stores x first; snapshots arrive in the solvers' layout (y-major).
        let shape = dataset.shape();
        let per_field: Vec<f64> = match shape[2..shape.len() - 1] {
            [nx, ny] => (0..nx * ny)
                .map(|k| weights[(k % nx) * ny + k / nx])
                .collect(),
            _ => weights,
        };
        pod.weights = Some(
            (0..dataset.fields())
                .flat_map(|_| per_field.iter().copied())
                .collect(),
        );
    } else {
        pod.cell_weight = Some(cell_weight_of(dataset)?);
    }
    Ok(())
}

/// The area (length in 1-D) of one cell of `grid`.
pub fn cell_area(grid: &galerkin_solvers::Grid) -> f64 {
    grid.dx() * if grid.is_2d() { grid.dy() } else { 1.0 }
}

/// POD of a file's trajectories and the reduced model built on it.
pub fn reduce(dataset: &Dataset, opts: &ReduceOptions) -> Result<(ReducedModel, Pod)> {
    reduce_on(dataset, opts, &SingleProcess)
}

/// [`reduce`] by all ranks of `comm` together (each opening the same file): the POD split
/// by rows (exact TSQR; `thin` / `auto`) or by trajectories (`hapod`) and the operator
/// assembly shared ([`Pod::compute_on`], [`build_model_on`]). Every rank returns the same
/// model, equal to one process's up to round-off (exactly the HAPOD's for `hapod`).
pub fn reduce_on(
    dataset: &Dataset,
    opts: &ReduceOptions,
    comm: &dyn Collective,
) -> Result<(ReducedModel, Pod)> {
    let times = opts.times.clone().unwrap_or(0..dataset.shape()[1]);
    let mut source = DatasetSource::new(dataset, &opts.trajectories, times)?;
    let first = opts.trajectories.first().copied().unwrap_or(0);
    let mut fom = full_model_of(dataset, first)?;
    let pod = if comm.size() == 1 {
        Pod::compute(&mut source, &opts.pod)?
    } else {
        Pod::compute_on(&mut source, &opts.pod, comm)?
    };
    tracing::info!(
        "POD ({}) of {} snapshots: {} modes, σ₁ = {:.3e}, σ_r/σ₁ = {:.2e}",
        pod.method.name(),
        pod.n_snapshots,
        pod.rank(),
        pod.singular_values[0],
        pod.singular_values[pod.rank() - 1] / pod.singular_values[0]
    );
    let mut model = build_on_pod_on(&mut fom, &mut source, &pod, opts.kind, comm)?;
    let used: Vec<usize> = if opts.trajectories.is_empty() {
        (0..dataset.n_traj()).collect()
    } else {
        opts.trajectories.clone()
    };
    describe(&mut model, dataset, &used)?;
    Ok((model, pod))
}

/// What a model built from `dataset`'s trajectories `used` records of them: the grid
/// shape (the recipe's save grid \[nx\] or \[ny, nx\]; an imported file's space axes, y
/// first), the recipe text (none for an imported file) and the training parameter values.
pub(crate) fn describe(model: &mut ReducedModel, dataset: &Dataset, used: &[usize]) -> Result<()> {
    model.grid_shape = if dataset.is_imported() {
        let shape = dataset.shape();
        shape[2..shape.len() - 1].iter().rev().copied().collect()
    } else {
        dataset.recipe()?.save_grid()?.shape()
    };
    model.recipe = dataset.attribute("recipe").unwrap_or_default();
    for name in dataset.parameter_names()? {
        let all = dataset.read_vec(&format!("params/{name}"))?;
        model
            .training_parameters
            .insert(name, used.iter().map(|&i| all[i]).collect());
    }
    Ok(())
}
