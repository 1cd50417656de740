//! The lifted wave ROM from a wave trajectory file (`galerkin reduce --method
//! lifted-quadratic`) and its run against a trajectory of a file (`galerkin evaluate`).

use galerkin_solvers::{ConservativeWave, LiftedWave};

use super::error::{invalid, Result};
use super::rom_file::LiftedRomFile;
use crate::data::Dataset;
use crate::rom::wave_run::{build_lifted, run_lifted_rom, WaveRomRun, WaveTrajectory};
use crate::rom::RomError;

/// Trajectory `index` of a wave file (fields q, p), with the energies of `wave`.
pub fn wave_trajectory(
    dataset: &Dataset,
    index: usize,
    wave: &mut ConservativeWave,
) -> Result<WaveTrajectory> {
    let n = wave.grid().len();
    if dataset.fields() != 2 || dataset.snapshot_len() != 2 * n {
        return Err(invalid(
            "trajectory file",
            dataset.path().display(),
            format!("a wave file with fields (q, p) on {n} points"),
        ));
    }
    let times = dataset.times()?;
    let data = dataset.solver_snapshots(index, 0..times.len())?;
    if let Some(bad) = data.iter().find(|v| !v.is_finite()) {
        return Err(RomError::NonFiniteSnapshot {
            trajectory: index,
            time_index: data.iter().position(|v| !v.is_finite()).unwrap_or(0) / (2 * n),
            value: *bad,
        }
        .into());
    }
    let nt = times.len();
    let fields = crate::rom::snapshot_matrix(&data, 2 * n);
    let (q, p) = (
        fields.subrows(0, n).to_owned(),
        fields.subrows(n, n).to_owned(),
    );
    let energy = (0..nt)
        .map(|j| {
            wave.hamiltonian(
                &WaveTrajectory::column(&q, j),
                &WaveTrajectory::column(&p, j),
            )
        })
        .collect();
    Ok(WaveTrajectory {
        times,
        q,
        p,
        energy,
        step_seconds: f64::NAN,
    })
}

/// The lifted full model of trajectory `index` of a wave file, on the file's grid.
pub fn wave_model_of(dataset: &Dataset, index: usize) -> Result<LiftedWave> {
    let recipe = dataset.recipe()?;
    let grid = recipe.save_grid()?;
    let wave = recipe.wave_on(&grid, &dataset.parameters(index)?)?;
    Ok(LiftedWave::new(wave))
}

/// `galerkin reduce --method lifted-quadratic`: block POD (`r` modes per block) of the
/// lifted snapshots of `trajectories` (all if empty) and the lifted ROM.
pub fn reduce_lifted(dataset: &Dataset, r: usize, trajectories: &[usize]) -> Result<LiftedRomFile> {
    let used: Vec<usize> = if trajectories.is_empty() {
        (0..dataset.n_traj()).collect()
    } else {
        trajectories.to_vec()
    };
    if let Some(&bad) = used.iter().find(|&&t| t >= dataset.n_traj()) {
        return Err(invalid(
            "trajectories",
            bad,
            format!("indices below {}", dataset.n_traj()),
        ));
    }
    let mut model = wave_model_of(dataset, used[0])?;
    let training: Vec<WaveTrajectory> = used
        .iter()
        .map(|&i| wave_trajectory(dataset, i, model.wave()))
        .collect::<Result<_>>()?;
    let refs: Vec<&WaveTrajectory> = training.iter().collect();
    let (rom, _) = build_lifted(&mut model, &refs, r)?;
    let mut training_parameters = std::collections::BTreeMap::new();
    for name in dataset.parameter_names()? {
        let all = dataset.read_vec(&format!("params/{name}"))?;
        training_parameters.insert(name, used.iter().map(|&i| all[i]).collect());
    }
    Ok(LiftedRomFile {
        grid_shape: model.wave().grid().shape(),
        recipe: dataset.attribute("recipe").unwrap_or_default(),
        training_parameters,
        rom,
    })
}

/// Runs a lifted ROM file on trajectory `index` of a wave file at that trajectory's mass
/// (implicit midpoint with the recipe's dt).
pub fn evaluate_lifted(
    file: &LiftedRomFile,
    dataset: &Dataset,
    index: usize,
) -> Result<WaveRomRun> {
    if !dataset.recipe()?.is_wave()? {
        let pde = dataset.attribute("pde").unwrap_or_default();
        return Err(RomError::RomFile {
            path: dataset.path().to_path_buf(),
            reason: format!("the ROM is a lifted wave ROM, the trajectory file holds `{pde}`"),
        }
        .into());
    }
    let mut model = wave_model_of(dataset, index)?;
    if model.wave().nonlinearity() != file.rom.nonlinearity {
        return Err(RomError::RomFile {
            path: dataset.path().to_path_buf(),
            reason: format!(
                "the ROM was built for the `{}` wave, the file holds `{}`",
                file.rom.nonlinearity.name(),
                model.wave().nonlinearity().name()
            ),
        }
        .into());
    }
    let reference = wave_trajectory(dataset, index, model.wave())?;
    let recipe = dataset.recipe()?;
    let mass = model.wave().mass();
    Ok(run_lifted_rom(
        &file.rom,
        &mut model,
        &reference,
        mass,
        recipe.time.dt,
        recipe.time.save_every,
    )?)
}
