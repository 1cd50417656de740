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
    check_same_problem(model, dataset, index)?;
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

/// Refuses a trajectory that is not the problem the ROM was built for, beyond the PDE name
/// and the number of values (checked by the caller): the stored grid coordinates (box size
/// and origin: a KS ROM of L = 22 on data of L = 30 has the same point count), the forcing,
/// the wave nonlinearity; a parameter the ROM cannot vary (not an affine parameter of its
/// operators) off its training values is allowed with a warning (an extrapolation study
/// is a legitimate run, but never a silent one). Files without a recipe
/// (imported) or ROMs without one (learned from imported files) are checked by size only.
pub fn check_same_problem(model: &ReducedModel, dataset: &Dataset, index: usize) -> Result<()> {
    if model.recipe.is_empty() || dataset.is_imported() {
        return Ok(());
    }
    let built = crate::data::Recipe::parse(&model.recipe, "the ROM's training recipe", &[])?;
    let data = dataset.recipe()?;
    let mismatch = |what: &str, rom: String, file: String| {
        invalid(
            "trajectory file",
            dataset.path().display(),
            format!(
                "data of the problem the ROM was built for; the ROM has {what} {rom}, the \
                 file has {file}"
            ),
        )
    };
    let grid = built.save_grid()?;
    let (lx, ly) = (grid.lx(), grid.ly());
    let same_axis = |rom: &[f64], file: &[f64], length: f64| {
        rom.len() == file.len()
            && rom
                .iter()
                .zip(file)
                .all(|(a, b)| (a - b).abs() <= 1e-9 * length)
    };
    let x = dataset.read_vec("x")?;
    if !same_axis(&grid.x(), &x, lx) {
        let span = |v: &[f64]| match (v.first(), v.get(1)) {
            (Some(a), Some(b)) => format!("x from {a} in steps of {}", b - a),
            _ => format!("{} x points", v.len()),
        };
        return Err(mismatch("grid", span(&grid.x()), span(&x)));
    }
    if grid.is_2d() && !same_axis(&grid.y(), &dataset.read_vec("y")?, ly) {
        return Err(mismatch(
            "grid",
            format!("ly = {ly}"),
            "other y coordinates".into(),
        ));
    }
    if built.forcing != data.forcing {
        return Err(mismatch(
            "forcing",
            format!("{:?}", built.forcing),
            format!("{:?}", data.forcing),
        ));
    }
    if built.wave != data.wave {
        return Err(mismatch(
            "wave settings",
            format!("{:?}", built.wave),
            format!("{:?}", data.wave),
        ));
    }
    let varies = model.parameter_names();
    for (name, value) in dataset.parameters(index)? {
        let Some(trained) = model.training_parameters.get(&name) else {
            continue;
        };
        let close = |t: &f64| (t - value).abs() <= 1e-12 * value.abs().max(t.abs());
        if !varies.contains(&name) && !trained.iter().any(close) {
            tracing::warn!(
                "the ROM cannot vary `{name}` (not a parameter of its operators; trained on \
                 {trained:?}) but trajectory {index} of {} has {name} = {value}: it runs with \
                 its built operators, an extrapolation",
                dataset.path().display()
            );
        }
    }
    Ok(())
}
