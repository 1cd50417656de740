//! `galerkin reduce`: trajectory file → POD → Galerkin or hyper-reduced model.

use std::collections::BTreeMap;
use std::ops::Range;

use galerkin_solvers::{FullOrderModel, Scheme, SpectralModel};

use super::error::{invalid, Result};
use super::galerkin::{project_linear, project_quadratic};
use super::hyper::{hyper_reduce, PointSelection};
use super::model::ReducedModel;
use super::pod::{DatasetSource, Pod, PodOptions, SnapshotSource};
use crate::data::Dataset;

/// Which nonlinearity the reduced model carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RomKind {
    /// The exact projected quadratic tensor (polynomial models only).
    Galerkin,
    /// Hyper-reduction of the flux at `points` points.
    Hyper {
        /// Number of interpolation points m (= flux modes).
        points: usize,
        /// How the points are chosen.
        selection: PointSelection,
    },
}

/// What `reduce` reads and builds.
#[derive(Debug, Clone, PartialEq)]
pub struct ReduceOptions {
    /// POD settings.
    pub pod: PodOptions,
    /// The nonlinearity (`points: 0` in a hyper-reduction means 2r).
    pub kind: RomKind,
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
            &format!(
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
    let pde = recipe.pde_on(&grid, &dataset.parameters(index)?)?;
    Ok(SpectralModel::new(
        pde,
        Scheme::parse(&recipe.time.integrator)?,
    )?)
}

/// Builds the reduced model from the `r` leading modes of `pod` (r ≤ its rank).
pub fn build_model(
    fom: &mut dyn FullOrderModel,
    states: &mut dyn SnapshotSource,
    pod: &Pod,
    r: usize,
    kind: RomKind,
) -> Result<ReducedModel> {
    if r == 0 || r > pod.rank() {
        return Err(invalid(
            "rank",
            r,
            &format!("1 ..= {} (the POD rank)", pod.rank()),
        ));
    }
    if fom.dim() != pod.basis.dim() {
        return Err(invalid(
            "snapshots",
            pod.basis.dim(),
            &format!("{} values per snapshot (the full model's size)", fom.dim()),
        ));
    }
    let mut basis = pod.basis.clone();
    basis.truncate(r)?;
    let mean = pod.mean.as_deref();
    let (linear, nonlinear) = match kind {
        RomKind::Galerkin => (
            project_linear(fom, &basis, mean, true)?,
            project_quadratic(fom, &basis)?,
        ),
        RomKind::Hyper { points, selection } => (
            project_linear(fom, &basis, mean, false)?,
            hyper_reduce(fom, states, &basis, mean, points, selection)?,
        ),
    };
    Ok(ReducedModel {
        pde: fom.name().to_string(),
        grid_shape: Vec::new(),
        basis,
        mean: pod.mean.clone(),
        linear,
        nonlinear,
        singular_values: pod.singular_values.clone(),
        recipe: String::new(),
        training_parameters: BTreeMap::new(),
    })
}

/// POD of a file's trajectories and the reduced model built on it.
pub fn reduce(dataset: &Dataset, opts: &ReduceOptions) -> Result<(ReducedModel, Pod)> {
    let times = opts.times.clone().unwrap_or(0..dataset.shape()[1]);
    let mut source = DatasetSource::new(dataset, &opts.trajectories, times)?;
    let first = opts.trajectories.first().copied().unwrap_or(0);
    let mut fom = full_model_of(dataset, first)?;
    let pod = Pod::compute(&mut source, &opts.pod)?;
    tracing::info!(
        "POD ({}) of {} snapshots: {} modes, σ₁ = {:.3e}, σ_r/σ₁ = {:.2e}",
        pod.method.name(),
        pod.n_snapshots,
        pod.rank(),
        pod.singular_values[0],
        pod.singular_values[pod.rank() - 1] / pod.singular_values[0]
    );
    let kind = match opts.kind {
        // Default m = 2r, capped by the flux snapshots available and the grid.
        RomKind::Hyper {
            points: 0,
            selection,
        } => RomKind::Hyper {
            points: (2 * pod.rank())
                .min(pod.n_snapshots)
                .min(dataset.snapshot_len()),
            selection,
        },
        kind => kind,
    };
    let mut model = build_model(&mut fom, &mut source, &pod, pod.rank(), kind)?;
    model.grid_shape = fom.grid().shape();
    model.recipe = dataset.attribute("recipe").unwrap_or_default();
    let used: Vec<usize> = if opts.trajectories.is_empty() {
        (0..dataset.n_traj()).collect()
    } else {
        opts.trajectories.clone()
    };
    for name in dataset.parameter_names()? {
        let all = dataset.read_vec(&format!("params/{name}"))?;
        model
            .training_parameters
            .insert(name, used.iter().map(|&i| all[i]).collect());
    }
    Ok((model, pod))
}
