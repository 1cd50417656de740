//! Wave ROMs run against full-model trajectories of the conservative waves: full-model
//! runs, the block POD and lifted ROM built from them, and the comparison of any wave ROM's
//! reduced states with a reference (state errors, energy errors, online time).

use std::time::Instant;

use faer::Mat;
use galerkin_solvers::{ConservativeWave, LiftedWave};

use super::error::Result;
use super::integrate::{Dynamics, RomIntegrator, Stepper};
use super::lifting::{block_pod, LiftedRom};

/// Saved states of a full-model run.
#[derive(Debug, Clone)]
pub struct WaveTrajectory {
    /// Save times.
    pub times: Vec<f64>,
    /// q snapshots (n × n_t).
    pub q: Mat<f64>,
    /// p snapshots (n × n_t).
    pub p: Mat<f64>,
    /// H(q, p) at the saves.
    pub energy: Vec<f64>,
    /// Full-model seconds per step.
    pub step_seconds: f64,
}

impl WaveTrajectory {
    /// Column `j` of `m` as a vector.
    pub fn column(m: &Mat<f64>, j: usize) -> Vec<f64> {
        m.col(j).iter().copied().collect()
    }

    /// The lifted snapshot blocks (q, p, w[, z]) of every save.
    pub fn lifted(&self, model: &LiftedWave) -> Vec<Mat<f64>> {
        let (n, nt) = (self.q.nrows(), self.q.ncols());
        let mut blocks = vec![Mat::zeros(n, nt); model.blocks()];
        for j in 0..nt {
            let y = model.lift(&Self::column(&self.q, j), &Self::column(&self.p, j));
            for (b, field) in y.iter().enumerate() {
                blocks[b].col_as_slice_mut(j).copy_from_slice(field);
            }
        }
        blocks
    }
}

/// Runs the original full model from (q0, p0) with implicit midpoint.
pub fn simulate_wave(
    wave: &mut ConservativeWave,
    q0: &[f64],
    p0: &[f64],
    dt: f64,
    n_steps: usize,
    save_every: usize,
) -> Result<WaveTrajectory> {
    let n = q0.len();
    let saves = n_steps / save_every + 1;
    let (mut q, mut p) = (q0.to_vec(), p0.to_vec());
    let mut traj = WaveTrajectory {
        times: Vec::with_capacity(saves),
        q: Mat::zeros(n, saves),
        p: Mat::zeros(n, saves),
        energy: Vec::with_capacity(saves),
        step_seconds: 0.0,
    };
    let start = Instant::now();
    for step in 0..=n_steps {
        if step > 0 {
            wave.step_midpoint(&mut q, &mut p, dt)?;
        }
        if step % save_every == 0 {
            let j = step / save_every;
            traj.q.col_as_slice_mut(j).copy_from_slice(&q);
            traj.p.col_as_slice_mut(j).copy_from_slice(&p);
            traj.times.push(step as f64 * dt);
            traj.energy.push(wave.hamiltonian(&q, &p));
        }
    }
    traj.step_seconds = start.elapsed().as_secs_f64() / n_steps.max(1) as f64;
    Ok(traj)
}

/// A ROM run against a reference trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct WaveRomRun {
    /// (Σₜ‖q_rom − q‖² / Σₜ‖q‖²)^{1/2}.
    pub error: f64,
    /// ‖q_rom − q‖² and ‖q‖² per save, for errors over sub-windows.
    pub squared: Vec<(f64, f64)>,
    /// |H(q_rom, p_rom) − H₀| / |H₀| per save (the original energy).
    pub energy_error: Vec<f64>,
    /// |Ĥ(t) − Ĥ(0)| / |Ĥ(0)| per save (the ROM's own quadratic energy; lifted ROM only).
    pub lifted_energy_error: Vec<f64>,
    /// Offline seconds (POD + projection).
    pub offline_seconds: f64,
    /// Online seconds per step.
    pub step_seconds: f64,
    /// The reduced states at the saves (what the errors above compare).
    pub states: Vec<Vec<f64>>,
}

impl WaveRomRun {
    /// The relative q error over the first `saves` saves.
    pub fn error_until(&self, saves: usize) -> f64 {
        let (num, den) = self.squared[..saves.min(self.squared.len())]
            .iter()
            .fold((0.0, 0.0), |(a, b), (e, n)| (a + e, b + n));
        (num / f64::max(den, f64::MIN_POSITIVE)).sqrt()
    }
}

/// The run of reduced states `states` against `reference`: per-save squared q errors and
/// norms, the total error and the original-energy errors (times left at zero).
pub(crate) fn compare(
    wave: &mut ConservativeWave,
    reference: &WaveTrajectory,
    fields: impl Fn(&[f64]) -> (Vec<f64>, Vec<f64>),
    states: &[Vec<f64>],
) -> WaveRomRun {
    let h0 = reference.energy[0];
    let mut squared = Vec::with_capacity(states.len());
    let mut energy_error = Vec::with_capacity(states.len());
    for (j, s) in states.iter().enumerate() {
        let (q, p) = fields(s);
        let truth = WaveTrajectory::column(&reference.q, j);
        let e = crate::basis::squared_distance(&q, &truth);
        squared.push((e, truth.iter().map(|v| v * v).sum::<f64>()));
        energy_error.push((wave.hamiltonian(&q, &p) - h0).abs() / h0.abs());
    }
    let mut run = WaveRomRun {
        error: 0.0,
        squared,
        energy_error,
        lifted_energy_error: Vec::new(),
        offline_seconds: 0.0,
        step_seconds: 0.0,
        states: states.to_vec(),
    };
    run.error = run.error_until(usize::MAX);
    run
}

/// Integrates `model` from `x0` with implicit midpoint, keeping every `save_every`-th state.
pub(crate) fn integrate(
    model: &mut dyn Dynamics,
    x0: Vec<f64>,
    dt: f64,
    n_saves: usize,
    save_every: usize,
) -> Result<(Vec<Vec<f64>>, f64)> {
    let mut stepper = Stepper::new(RomIntegrator::ImplicitMidpoint, model, dt)?;
    let mut x = x0;
    let mut states = vec![x.clone()];
    let start = Instant::now();
    for _ in 1..n_saves {
        for _ in 0..save_every {
            stepper.step(model, &mut x);
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(super::error::RomError::BlowUp {
                time: states.len() as f64 * save_every as f64 * dt,
                step: states.len() * save_every,
            });
        }
        states.push(x.clone());
    }
    let steps = ((n_saves - 1) * save_every).max(1);
    Ok((states, start.elapsed().as_secs_f64() / steps as f64))
}

/// Block POD with `r` modes per block of the lifted `training` snapshots, and the lifted
/// ROM projected from `model`; returns it with the offline seconds.
pub fn build_lifted(
    model: &mut LiftedWave,
    training: &[&WaveTrajectory],
    r: usize,
) -> Result<(LiftedRom, f64)> {
    let start = Instant::now();
    let snapshots = stack(training.iter().map(|t| t.lifted(model)).collect());
    let ranks = vec![r; snapshots.len()];
    let bases = block_pod(&snapshots, &ranks)?;
    let rom = LiftedRom::build(model, bases)?;
    Ok((rom, start.elapsed().as_secs_f64()))
}

/// Runs `rom` from the lifted initial state of `reference` at mass `mass` with implicit
/// midpoint (step `dt`, `save_every` steps per save) and compares with `reference`.
pub fn run_lifted_rom(
    rom: &LiftedRom,
    model: &mut LiftedWave,
    reference: &WaveTrajectory,
    mass: f64,
    dt: f64,
    save_every: usize,
) -> Result<WaveRomRun> {
    let y0 = model.lift(
        &WaveTrajectory::column(&reference.q, 0),
        &WaveTrajectory::column(&reference.p, 0),
    );
    let mut online = rom.online(mass);
    let (states, step_seconds) = integrate(
        &mut online,
        rom.project(&y0),
        dt,
        reference.times.len(),
        save_every,
    )?;
    let e0 = online.energy(&states[0]);
    let lifted_energy_error = states
        .iter()
        .map(|s| (online.energy(s) - e0).abs() / e0.abs())
        .collect();
    let mut run = compare(
        model.wave(),
        reference,
        |s| (rom.reconstruct(s, 0), rom.reconstruct(s, 1)),
        &states,
    );
    run.lifted_energy_error = lifted_energy_error;
    run.step_seconds = step_seconds;
    Ok(run)
}

/// Concatenates, block by block, the columns of several trajectories' block lists.
pub(crate) fn stack(per_trajectory: Vec<Vec<Mat<f64>>>) -> Vec<Mat<f64>> {
    let blocks = per_trajectory[0].len();
    (0..blocks)
        .map(|b| {
            let n = per_trajectory[0][b].nrows();
            let total: usize = per_trajectory.iter().map(|t| t[b].ncols()).sum();
            let mut out = Mat::zeros(n, total);
            let mut col = 0;
            for t in &per_trajectory {
                for j in 0..t[b].ncols() {
                    out.col_as_slice_mut(col)
                        .copy_from_slice(t[b].col_as_slice(j));
                    col += 1;
                }
            }
            out
        })
        .collect()
}
