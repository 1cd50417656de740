//! Trajectory file (simulated or imported) → POD → a reduced model learned from the data:
//! Operator Inference, the Galerkin + learned closure (simulated files only: it needs the
//! full model), or DMD. What `galerkin reduce --method opinf | galerkin-closure | dmd` runs.

use std::ops::Range;

use faer::Mat;

use super::error::{invalid, Result};
use super::reduce::{build_on_pod, describe, full_model_of};
use super::source::DatasetSource;
use crate::data::{DataError, Dataset};
use crate::rom::dmd::{bagged_dmd, exact_dmd, DmdFit};
use crate::rom::learn::{learn, LearnOptions, ReducedTrajectory};
use crate::rom::opinf::integrate;
use crate::rom::{Learned, Pod, PodOptions, ReducedModel, Reduction, RomKind};

/// BOP-DMD's bagging: `bags` optimized DMDs on random `fraction`s of the snapshots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bagging {
    /// Number of bags.
    pub bags: usize,
    /// Fraction of the snapshots in each bag, in (0, 1].
    pub fraction: f64,
    /// Seed of the random subsets.
    pub seed: u64,
}

/// DMD settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DmdOptions {
    /// Clamp every eigenvalue to the stable half-plane Re α ≤ 0.
    pub stable: bool,
    /// BOP-DMD on the first training trajectory (from the exact-DMD eigenvalues of all of
    /// them); `None`: exact DMD.
    pub bagging: Option<Bagging>,
}

/// Which learned model to build.
#[derive(Debug, Clone, PartialEq)]
pub enum LearnedMethod {
    /// Operator Inference.
    Opinf(LearnOptions),
    /// Galerkin + learned closure.
    Closure(LearnOptions),
    /// DMD.
    Dmd(DmdOptions),
}

/// What `reduce_learned` reads and builds.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedReduceOptions {
    /// POD settings.
    pub pod: PodOptions,
    /// The method.
    pub method: LearnedMethod,
    /// Training trajectories (all if empty).
    pub trajectories: Vec<usize>,
    /// Save indices used for training (all if `None`).
    pub times: Option<Range<usize>>,
}

/// The POD of a file's training snapshots and the learned model on it.
pub fn reduce_learned(
    dataset: &Dataset,
    opts: &LearnedReduceOptions,
) -> Result<(ReducedModel, Pod)> {
    let window = opts.times.clone().unwrap_or(0..dataset.shape()[1]);
    let mut source = DatasetSource::new(dataset, &opts.trajectories, window.clone())?;
    let used: Vec<usize> = if opts.trajectories.is_empty() {
        (0..dataset.n_traj()).collect()
    } else {
        opts.trajectories.clone()
    };
    if let LearnedMethod::Closure(_) = opts.method {
        if dataset.is_imported() {
            return Err(DataError::NoFullModel {
                path: dataset.path().to_path_buf(),
                needed: "project the Galerkin model from (a closure corrects that model)".into(),
            }
            .into());
        }
    }
    // DMD fits a linear model q' = Â q, which the snapshot mean would make affine: its
    // POD is not centred.
    let pod_opts = PodOptions {
        center: opts.pod.center && !matches!(opts.method, LearnedMethod::Dmd(_)),
        ..opts.pod.clone()
    };
    let pod = Pod::compute(&mut source, &pod_opts)?;
    let data = reduced_trajectories(dataset, &pod, &used, window)?;

    let pde = dataset.attribute("pde").unwrap_or_default();
    let mut model = match &opts.method {
        LearnedMethod::Opinf(learn_opts) => learn(
            &ReducedModel::without_operators(&pde, &pod),
            RomKind::Opinf,
            &data,
            learn_opts,
        )?,
        LearnedMethod::Closure(learn_opts) => {
            let mut fom = full_model_of(dataset, used[0])?;
            let galerkin = build_on_pod(&mut fom, &mut source, &pod, Reduction::Galerkin)?;
            learn(&galerkin, RomKind::GalerkinClosure, &data, learn_opts)?
        }
        LearnedMethod::Dmd(dmd) => dmd_model(&pde, &pod, &data, dmd)?,
    };
    describe(&mut model, dataset, &used)?;
    Ok((model, pod))
}

/// The POD coordinates q = VᵀW (u − ū) of the save indices `window` of each trajectory of
/// `used`, with their times and parameter values.
pub fn reduced_trajectories(
    dataset: &Dataset,
    pod: &Pod,
    used: &[usize],
    window: Range<usize>,
) -> Result<Vec<ReducedTrajectory>> {
    let all_times = dataset.times()?;
    let times = all_times[window.clone()].to_vec();
    let n = dataset.snapshot_len();
    used.iter()
        .map(|&i| {
            let mut u = dataset.solver_snapshots(i, window.clone())?;
            if let Some(mean) = &pod.mean {
                for snapshot in u.chunks_exact_mut(n) {
                    snapshot.iter_mut().zip(mean).for_each(|(v, m)| *v -= m);
                }
            }
            let states = pod.basis.project(crate::rom::snapshot_matrix(&u, n))?;
            Ok(ReducedTrajectory {
                states,
                times: times.clone(),
                parameters: dataset.parameters(i)?,
                inputs: dataset
                    .inputs(i, window.clone())?
                    .map(|rows| Mat::from_fn(rows.len(), times.len(), |a, b| rows[a][b])),
            })
        })
        .collect()
}

/// The save interval of uniformly spaced `times` (relative spread ≤ 1e-9), or an error
/// that names the first unequal step.
fn uniform_step(times: &[f64]) -> Result<f64> {
    let dt = times[1] - times[0];
    match (2..times.len()).find(|&j| ((times[j] - times[j - 1]) - dt).abs() > 1e-9 * dt.abs()) {
        None => Ok(dt),
        Some(j) => Err(invalid(
            "times",
            format!("step {} at save {j} after {dt}", times[j] - times[j - 1]),
            "uniformly spaced saves for exact DMD (for non-uniform times: BOP-DMD, \
             `--dmd-bags`, or Operator Inference)",
        )),
    }
}

/// The DMD model dq/dt = Â q on `pod` (no constant, zero quadratic tensor) fitted to
/// `data`, with its training error (RK4, one step per save interval and the substeps
/// stability asks for).
fn dmd_model(
    pde: &str,
    pod: &Pod,
    data: &[ReducedTrajectory],
    opts: &DmdOptions,
) -> Result<ReducedModel> {
    let start = std::time::Instant::now();
    let r = pod.rank();
    let k: usize = data.iter().map(|d| d.states.ncols()).sum();
    let mut q = Mat::zeros(r, k);
    let mut starts = Vec::new();
    let mut at = 0;
    for traj in data {
        starts.push(at);
        for j in 0..traj.states.ncols() {
            for i in 0..r {
                q[(i, at)] = traj.states[(i, j)];
            }
            at += 1;
        }
    }
    // Exact DMD needs a uniform step; as BOP-DMD's starting guess the mean step will do.
    let times = &data[0].times;
    let dt = match opts.bagging {
        None => uniform_step(times)?,
        Some(_) => (times[times.len() - 1] - times[0]) / (times.len() - 1) as f64,
    };
    let exact = exact_dmd(q.as_ref(), &starts, dt, opts.stable)?;
    let fit: DmdFit = match opts.bagging {
        None => exact,
        Some(b) => bagged_dmd(
            data[0].states.as_ref(),
            &data[0].times,
            &exact.eigenvalues,
            opts.stable,
            (b.bags, b.fraction, b.seed),
        )?,
    };
    let mut model = ReducedModel::without_operators(pde, pod);
    model.linear.fixed = fit.operator()?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let bound = 2.0 * data.iter().map(|d| d.states.norm_max()).fold(0.0, f64::max);
    let (mut squared, mut norm) = (0.0, 0.0);
    for traj in data {
        let mut online = model.online(&Default::default())?;
        let q0: Vec<f64> = traj.states.col(0).iter().copied().collect();
        squared += match integrate(&mut online, &q0, &traj.times, 1, bound)? {
            Some(run) => (&run - &traj.states).squared_norm_l2(),
            None => f64::INFINITY,
        };
        norm += traj.states.squared_norm_l2();
    }
    model.learned = Some(Learned {
        kind: RomKind::Dmd,
        lambda: 0.0,
        quadratic_ratio: 1.0,
        toward_galerkin: false,
        training_error: (squared / norm.max(f64::MIN_POSITIVE)).sqrt(),
        derivative_order: 0,
        scores: Vec::new(),
        fit_seconds,
        eigenvalues: fit.eigenvalues,
        eigenvalue_spread: fit.eigenvalue_spread,
    });
    Ok(model)
}

/// Writes the DMD modes of the linear model `model` (a `dmd` ROM) to the HDF5 file `path`
/// (refused when it exists unless `force`; written atomically): `/eigenvalues` `[m][2]`
/// (re, im, continuous time), `/eigenvalue_spread` `[m]` (BOP-DMD's, zeros otherwise),
/// `/modes_real` and `/modes_imag` `[m][n]` (unit-norm full-space modes φ_j = V w_j in the
/// solvers' layout, one per row), `/grid_shape`, and the attribute `pde`.
pub fn write_dmd_modes(model: &ReducedModel, path: &std::path::Path, force: bool) -> Result<()> {
    let Some(learned) = model.learned.as_ref().filter(|l| l.kind == RomKind::Dmd) else {
        return Err(invalid("model", model.kind().name(), "a `dmd` ROM"));
    };
    if path.exists() && !force {
        return Err(invalid(
            "modes file",
            path.display(),
            "a path that does not exist yet (pass --force to overwrite it)",
        ));
    }
    let (alpha, re, im) =
        crate::rom::dmd::full_space_modes(model.linear.fixed.as_ref(), model.basis.vectors())?;
    // Â's eigenvalues in the order of the fit's (the sorted ones the ROM file records).
    let spread: Vec<f64> = alpha
        .iter()
        .map(|a| {
            learned
                .eigenvalues
                .iter()
                .zip(&learned.eigenvalue_spread)
                .min_by(|(x, _), (y, _)| (*x - a).norm().total_cmp(&(*y - a).norm()))
                .map_or(0.0, |(_, s)| *s)
        })
        .collect();
    crate::data::write_hdf5_atomically(path, |f| {
        let rows = |m: &Mat<f64>| {
            ndarray::Array2::from_shape_fn((m.ncols(), m.nrows()), |(j, i)| m[(i, j)])
        };
        let eigen = ndarray::Array2::from_shape_fn((alpha.len(), 2), |(j, c)| {
            if c == 0 {
                alpha[j].re
            } else {
                alpha[j].im
            }
        });
        f.new_dataset_builder()
            .with_data(&eigen)
            .create("eigenvalues")?;
        f.new_dataset_builder()
            .with_data(&spread)
            .create("eigenvalue_spread")?;
        f.new_dataset_builder()
            .with_data(&rows(&re))
            .create("modes_real")?;
        f.new_dataset_builder()
            .with_data(&rows(&im))
            .create("modes_imag")?;
        let shape: Vec<u64> = model.grid_shape.iter().map(|&s| s as u64).collect();
        f.new_dataset_builder()
            .with_data(&shape)
            .create("grid_shape")?;
        crate::data::write_string_attr(f, "pde", &model.pde)
    })?;
    Ok(())
}
