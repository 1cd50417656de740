//! The studies behind the ROM figures: error vs rank, valid-prediction horizon, long-time
//! statistics and speed-up, each run on a trajectory file against its full model.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::basis::Truncation;
use crate::data::Dataset;
use crate::rom::{
    build_model, run_against, solve, Pod, PodOptions, PointSelection, ReducedModel, Reduction,
    RomError, RomIntegrator, RunOptions,
};
use crate::workflow::error::{invalid, Result};
use crate::workflow::{full_model_of, DatasetSource};

/// One row of an error-vs-rank sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct RankRow {
    /// Modes r.
    pub r: usize,
    /// Relative error of the exact quadratic Galerkin ROM over the horizon.
    pub galerkin: f64,
    /// Relative POD projection error (the floor).
    pub projection: f64,
    /// Relative error of the DEIM ROM (Q-DEIM points, m = 2r).
    pub deim: f64,
    /// Online seconds per step of the Galerkin ROM.
    pub galerkin_step_seconds: f64,
    /// Online seconds per step of the DEIM ROM.
    pub deim_step_seconds: f64,
}

/// A POD of some trajectories of a file, at the largest rank a sweep needs.
pub struct Trained<'a> {
    /// The file.
    pub dataset: &'a Dataset,
    /// Training trajectories.
    pub trajectories: Vec<usize>,
    /// Training save indices.
    pub times: Range<usize>,
    /// The POD.
    pub pod: Pod,
}

impl<'a> Trained<'a> {
    /// POD (mean-subtracted) of `trajectories` over `times`, keeping `max_rank` modes.
    pub fn new(
        dataset: &'a Dataset,
        trajectories: &[usize],
        times: Range<usize>,
        max_rank: usize,
    ) -> Result<Self> {
        let mut source = DatasetSource::new(dataset, trajectories, times.clone())?;
        let pod = Pod::compute(
            &mut source,
            &PodOptions {
                truncation: Truncation::Rank(max_rank),
                ..PodOptions::default()
            },
        )?;
        Ok(Self {
            dataset,
            trajectories: trajectories.to_vec(),
            times,
            pod,
        })
    }

    /// The model with the leading `r` modes.
    pub fn model(&self, r: usize, kind: Reduction) -> Result<ReducedModel> {
        let mut source = DatasetSource::new(self.dataset, &self.trajectories, self.times.clone())?;
        let first = self.trajectories.first().copied().unwrap_or(0);
        let mut fom = full_model_of(self.dataset, first)?;
        let mut model = build_model(&mut fom, &mut source, &self.pod, r, kind)?;
        model.grid_shape = fom.grid().shape();
        Ok(model)
    }
}

/// The reference snapshots and times of trajectory `index` over save indices `times`.
pub fn reference(
    dataset: &Dataset,
    index: usize,
    times: Range<usize>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let all = dataset.times()?;
    let t = all
        .get(times.clone())
        .ok_or_else(|| invalid("times", format!("{times:?}"), "save indices in the file"))?
        .to_vec();
    Ok((dataset.solver_snapshots(index, times)?, t))
}

/// Error vs r on trajectory `index` over `times` for the Galerkin and Q-DEIM ROMs.
pub fn error_vs_rank(
    trained: &Trained<'_>,
    ranks: &[usize],
    index: usize,
    times: Range<usize>,
    opts: &RunOptions,
) -> Result<Vec<RankRow>> {
    let (snapshots, t) = reference(trained.dataset, index, times)?;
    let mut rows = Vec::new();
    for &r in ranks {
        let galerkin = trained.model(r, Reduction::Galerkin)?;
        let g = run_against(&galerkin, &snapshots, &t, opts);
        let points = (2 * r)
            .min(trained.pod.n_snapshots)
            .min(trained.pod.basis.dim());
        let hyper = trained.model(
            r,
            Reduction::Hyper {
                points,
                selection: PointSelection::Qdeim,
            },
        )?;
        let d = run_against(&hyper, &snapshots, &t, opts).ok();
        // A ROM that blows up (explicit step beyond its stability limit) reports error ∞.
        let projection = projection_error(&galerkin, &snapshots)?;
        rows.push(RankRow {
            r,
            galerkin: g.as_ref().map_or(f64::INFINITY, |g| g.relative_error),
            projection,
            deim: d.as_ref().map_or(f64::INFINITY, |d| d.relative_error),
            galerkin_step_seconds: g.map_or(f64::NAN, |g| g.online_seconds / g.steps as f64),
            deim_step_seconds: d.map_or(f64::NAN, |d| d.online_seconds / d.steps as f64),
        });
        tracing::info!("r = {r}: {:?}", rows.last());
    }
    Ok(rows)
}

/// (Σₜ‖u − Πu‖² / Σₜ‖u‖²)^{1/2} for the affine POD projection Π of `model`.
pub fn projection_error(model: &ReducedModel, snapshots: &[f64]) -> Result<f64> {
    let n = model.basis.dim();
    let mut full = vec![0.0; n];
    let (mut num, mut den) = (0.0, 0.0);
    for u in snapshots.chunks_exact(n) {
        model.reconstruct(&model.project(u)?, &mut full);
        num += crate::basis::squared_distance(&full, u);
        den += u.iter().map(|v| v * v).sum::<f64>();
    }
    Ok((num / den.max(f64::MIN_POSITIVE)).sqrt())
}

/// The valid-prediction time: the first time the normalized error
/// ‖u_rom(t) − u(t)‖ / ⟨‖u‖²⟩^{1/2} exceeds `threshold` (Vlachas et al., Neural Networks
/// 126, 2020, use 0.5), or the horizon if it never does. ⟨·⟩ is the mean over the reference.
pub fn valid_prediction_time(
    model: &ReducedModel,
    snapshots: &[f64],
    times: &[f64],
    opts: &RunOptions,
    threshold: f64,
) -> Result<f64> {
    let n = model.basis.dim();
    let mean_sq: f64 = snapshots.iter().map(|v| v * v).sum::<f64>() / times.len() as f64;
    let scale = mean_sq.sqrt();
    let c = match run_against(model, snapshots, times, opts) {
        Ok(c) => c,
        // A blow-up before the first save: no valid prediction at all.
        Err(RomError::BlowUp { time, .. }) => return Ok(time.min(times[1] - times[0])),
        Err(e) => return Err(e.into()),
    };
    let mut full = vec![0.0; n];
    for (i, a) in c.coefficients.iter().enumerate() {
        model.reconstruct(a, &mut full);
        let e: f64 = full
            .iter()
            .zip(&snapshots[i * n..(i + 1) * n])
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt();
        if e / scale > threshold {
            return Ok(times[i] - times[0]);
        }
    }
    Ok(times[times.len() - 1] - times[0])
}

/// Long-time statistics of a 1-D field sequence: RMS over space and time, and the
/// time-averaged energy spectrum E(k) = ⟨|û_k|²⟩ for k = 0..n/2.
#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    /// (⟨u²⟩_{x,t})^{1/2}.
    pub rms: f64,
    /// ⟨|û_k|²⟩_t, normalized coefficients.
    pub spectrum: Vec<f64>,
}

/// [`Statistics`] of `fields` (snapshot-major, `n` values each).
pub fn statistics(fields: &[f64], n: usize) -> Statistics {
    let count = fields.len() / n;
    let rms = (fields.iter().map(|v| v * v).sum::<f64>() / fields.len() as f64).sqrt();
    let mut spectrum = vec![0.0; n / 2 + 1];
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let r2c = planner.plan_fft_forward(n);
    let mut input = vec![0.0; n];
    let mut output = r2c.make_output_vec();
    for snap in fields.chunks_exact(n) {
        input.copy_from_slice(snap);
        r2c.process(&mut input, &mut output)
            .expect("buffers made by the plan");
        for (s, c) in spectrum.iter_mut().zip(&output) {
            *s += c.norm_sqr() / (n * n) as f64 / count as f64;
        }
    }
    Statistics { rms, spectrum }
}

/// Runs `model` from `a0` for `n_steps` of `opts.dt`, saving every `save_every`, and
/// returns the reconstructed fields (snapshot-major).
pub fn long_run(
    model: &ReducedModel,
    a0: &[f64],
    opts: &RunOptions,
    n_steps: usize,
    save_every: usize,
) -> Result<Vec<f64>> {
    let mut online = model.online(&opts.parameters)?;
    let states = solve(
        &mut online,
        opts.integrator,
        a0,
        opts.dt,
        n_steps,
        save_every,
    )?;
    let n = model.basis.dim();
    let mut out = vec![0.0; states.len() * n];
    for (a, chunk) in states.iter().zip(out.chunks_exact_mut(n)) {
        model.reconstruct(a, chunk);
    }
    Ok(out)
}

/// Default online settings: RK4 at `dt`, the built parameters.
pub fn rk4(dt: f64) -> RunOptions {
    RunOptions {
        dt,
        integrator: RomIntegrator::Rk4,
        parameters: BTreeMap::new(),
    }
}
