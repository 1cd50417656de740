//! The studies behind the lifting figures: the lifted ROM and the POD-Galerkin-DEIM
//! baseline, each built from training trajectories and run against a reference, with the
//! offline time recorded.

use std::time::Instant;

use crate::rom::lifting::DeimWaveRom;
use crate::rom::wave_run::{
    build_lifted, compare, integrate, run_lifted_rom, stack, WaveRomRun, WaveTrajectory,
};
use crate::rom::Result;
use galerkin_solvers::LiftedWave;

/// `build_lifted` then `run_lifted_rom`, with the offline time recorded.
pub fn run_lifted(
    model: &mut LiftedWave,
    training: &[&WaveTrajectory],
    reference: &WaveTrajectory,
    r: usize,
    mass: f64,
    dt: f64,
    save_every: usize,
) -> Result<WaveRomRun> {
    let (rom, offline_seconds) = build_lifted(model, training, r)?;
    let mut run = run_lifted_rom(&rom, model, reference, mass, dt, save_every)?;
    run.offline_seconds = offline_seconds;
    Ok(run)
}

/// The DEIM baseline with `r` modes for q and p and `points` Q-DEIM points.
#[allow(clippy::too_many_arguments)]
pub fn run_deim(
    model: &mut LiftedWave,
    training: &[&WaveTrajectory],
    reference: &WaveTrajectory,
    r: usize,
    points: usize,
    mass: f64,
    dt: f64,
    save_every: usize,
) -> Result<WaveRomRun> {
    let start = Instant::now();
    let qp = stack(
        training
            .iter()
            .map(|t| vec![t.q.clone(), t.p.clone()])
            .collect(),
    );
    let rom = DeimWaveRom::build(model, &qp[0], &qp[1], [r, r], points)?;
    let offline_seconds = start.elapsed().as_secs_f64();
    let x0 = rom.project(
        &WaveTrajectory::column(&reference.q, 0),
        &WaveTrajectory::column(&reference.p, 0),
    );
    let mut online = rom.online(mass);
    let (states, step_seconds) = integrate(&mut online, x0, dt, reference.times.len(), save_every)?;
    let mut run = compare(
        model.wave(),
        reference,
        |s| (rom.reconstruct(s, 0), rom.reconstruct(s, 1)),
        &states,
    );
    run.offline_seconds = offline_seconds;
    run.step_seconds = step_seconds;
    Ok(run)
}
