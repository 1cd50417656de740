//! A reduced model run against a trajectory of a file (`galerkin evaluate`).

use std::ops::Range;

use super::error::{invalid, Result};
use crate::data::Dataset;
use crate::rom::{run_against_forced, Comparison, ReducedModel, RomError, RunOptions};

/// Runs `model` against trajectory `index` of `dataset` over the save indices `window`
/// (all if `None`; the run starts from the projection of the window's first snapshot), at
/// that trajectory's parameter values unless `opts.parameters` names others. Refuses files
/// of another PDE or size.
pub fn evaluate_on_dataset(
    model: &ReducedModel,
    dataset: &Dataset,
    index: usize,
    opts: &RunOptions,
    window: Option<Range<usize>>,
) -> Result<Comparison> {
    let file_pde = dataset.attribute("pde").unwrap_or_default();
    if file_pde != model.pde {
        return Err(RomError::RomFile {
            path: dataset.path().to_path_buf(),
            reason: format!(
                "the ROM was built for `{}`, the trajectory file holds `{file_pde}`",
                model.pde
            ),
        }
        .into());
    }
    if dataset.snapshot_len() != model.basis.dim() {
        return Err(invalid(
            "trajectory file",
            dataset.path().display(),
            format!(
                "snapshots of {} values (the ROM's grid {:?}); this file has {}",
                model.basis.dim(),
                model.grid_shape,
                dataset.snapshot_len()
            ),
        ));
    }
    let mut opts = opts.clone();
    let known = model.parameter_names();
    for (name, value) in dataset.parameters(index)? {
        if known.contains(&name) {
            opts.parameters.entry(name).or_insert(value);
        }
    }
    if dataset.done()?.get(index) != Some(&1) {
        return Err(invalid(
            "trajectory",
            index,
            format!(
                "a complete trajectory below {} (resume `galerkin simulate` first)",
                dataset.n_traj()
            ),
        ));
    }
    let all_times = dataset.times()?;
    let window = window.unwrap_or(0..all_times.len());
    if window.end > all_times.len() || window.len() < 2 {
        return Err(invalid(
            "time window",
            format!("{}..{}", window.start, window.end),
            format!(
                "at least 2 save indices within 0..{} (the file's saves)",
                all_times.len()
            ),
        ));
    }
    let times = &all_times[window.clone()];
    let reference = dataset.solver_snapshots(index, window.clone())?;
    let n = model.basis.dim();
    if let Some(i) = reference.iter().position(|v| !v.is_finite()) {
        return Err(RomError::NonFiniteSnapshot {
            trajectory: index,
            time_index: i / n,
            value: reference[i],
        }
        .into());
    }
    // A forced model (terms input0, input1, …) runs with the file's inputs.
    let forced = model
        .parameter_names()
        .iter()
        .any(|name| name == &crate::rom::learn::input_name(0));
    let inputs = match dataset.inputs(index, window)? {
        Some(rows) if forced => Some(faer::Mat::from_fn(rows.len(), times.len(), |i, j| {
            rows[i][j]
        })),
        None if forced => {
            return Err(invalid(
                "trajectory file",
                dataset.path().display(),
                "a file with `/inputs` (the ROM is forced: it has input terms)",
            ))
        }
        _ => None,
    };
    Ok(run_against_forced(
        model,
        &reference,
        times,
        &opts,
        inputs.as_ref().map(|u| u.as_ref()),
    )?)
}
