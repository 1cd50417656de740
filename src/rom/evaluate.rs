//! Running a reduced model against reference snapshots: the error of the ROM, the POD
//! projection error (the best the basis can do), and the online time.

use std::collections::BTreeMap;
use std::time::Instant;

use faer::MatRef;

use super::error::{invalid, Result, RomError};
use super::integrate::Stepper;
use super::integrate::{solve, RomIntegrator};
use super::learn::input_name;
use super::model::Online;
use super::model::ReducedModel;
use super::opinf::check_increasing;
use crate::basis::distance;

/// How to run the reduced model against a reference trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Online step.
    pub dt: f64,
    /// Online scheme.
    pub integrator: RomIntegrator,
    /// Parameter values (re-weight the affine terms); missing ones keep the built values.
    pub parameters: BTreeMap<String, f64>,
}

/// ROM vs reference over a trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// Save times (from the first reference snapshot).
    pub times: Vec<f64>,
    /// ‖u_rom(t) − u(t)‖ / ‖u(t)‖ per save.
    pub error: Vec<f64>,
    /// ‖u(t) − Π u(t)‖ / ‖u(t)‖ per save (Π: the affine POD projection).
    pub projection_error: Vec<f64>,
    /// (Σ_t ‖u_rom − u‖² / Σ_t ‖u‖²)^{1/2} over the horizon.
    pub relative_error: f64,
    /// The same for the projection.
    pub projection_relative_error: f64,
    /// Wall time of the online integration (seconds).
    pub online_seconds: f64,
    /// Online steps taken.
    pub steps: usize,
    /// The reduced coordinates at each save.
    pub coefficients: Vec<Vec<f64>>,
}

/// Runs `model` from the projection of `reference[0]` over the saves `times` and compares
/// with `reference` (snapshot-major, `times.len()` snapshots of the model's size). Uniform
/// saves must be a whole number of `opts.dt` apart; non-uniform ones (imported data) are
/// reached exactly, each interval in equal steps of at most `opts.dt`.
pub fn run_against(
    model: &ReducedModel,
    reference: &[f64],
    times: &[f64],
    opts: &RunOptions,
) -> Result<Comparison> {
    run_against_forced(model, reference, times, opts, None)
}

/// [`run_against`] for a forced model: `inputs` (m × times.len()) are its inputs at the
/// saves, held at the mean of each interval's end values while the interval is stepped
/// (the model's terms [`input_name`]`(i)`).
pub fn run_against_forced(
    model: &ReducedModel,
    reference: &[f64],
    times: &[f64],
    opts: &RunOptions,
    inputs: Option<MatRef<'_, f64>>,
) -> Result<Comparison> {
    let n = model.basis.dim();
    if times.len() < 2 || reference.len() != times.len() * n {
        return Err(invalid(
            "reference",
            format!("{} values for {} times", reference.len(), times.len()),
            &format!("at least 2 snapshots of {n} values (the model's state size)"),
        ));
    }
    let interval = times[1] - times[0];
    let uniform = times
        .windows(2)
        .all(|w| ((w[1] - w[0]) - interval).abs() <= 1e-9 * interval.abs());
    let ratio = interval / opts.dt;
    if uniform && !(ratio >= 1.0 - 1e-9 && (ratio - ratio.round()).abs() <= 1e-6 * ratio) {
        return Err(invalid(
            "dt",
            opts.dt,
            &format!("a divisor of the save interval {interval}"),
        ));
    }
    check_increasing(times)?;
    if !(opts.dt.is_finite() && opts.dt > 0.0) {
        return Err(invalid("dt", opts.dt, "a finite number > 0"));
    }
    let snapshot = |i: usize| &reference[i * n..(i + 1) * n];
    let x0 = model.project(snapshot(0))?;
    let mut online = model.online(&opts.parameters)?;
    let start = Instant::now();
    // The run starts at times[0]: a blow-up is reported at the file's time.
    let (coefficients, n_steps) = if uniform && inputs.is_none() {
        let save_every = ratio.round() as usize;
        let n_steps = save_every * (times.len() - 1);
        let states = solve(
            &mut online,
            opts.integrator,
            &x0,
            opts.dt,
            n_steps,
            save_every,
        )
        .map_err(|e| match e {
            RomError::BlowUp { time, step } => RomError::BlowUp {
                time: times[0] + time,
                step,
            },
            other => other,
        })?;
        (states, n_steps)
    } else {
        solve_through(model, online, opts, &x0, times, inputs)?
    };
    let online_seconds = start.elapsed().as_secs_f64();
    let (mut err, mut proj, mut norm) = (Vec::new(), Vec::new(), Vec::new());
    let mut full = vec![0.0; n];
    for (i, a) in coefficients.iter().enumerate() {
        let u = snapshot(i);
        model.reconstruct(a, &mut full);
        let e = distance(&full, u);
        model.reconstruct(&model.project(u)?, &mut full);
        let p = distance(&full, u);
        let nu = u.iter().map(|v| v * v).sum::<f64>().sqrt();
        err.push(e);
        proj.push(p);
        norm.push(nu);
    }
    let total = |e: &[f64]| {
        let num: f64 = e.iter().map(|v| v * v).sum();
        let den: f64 = norm.iter().map(|v| v * v).sum();
        (num / den.max(f64::MIN_POSITIVE)).sqrt()
    };
    let relative = |e: &[f64]| -> Vec<f64> {
        e.iter()
            .zip(&norm)
            .map(|(e, n)| e / n.max(f64::MIN_POSITIVE))
            .collect()
    };
    Ok(Comparison {
        times: times.to_vec(),
        relative_error: total(&err),
        projection_relative_error: total(&proj),
        error: relative(&err),
        projection_error: relative(&proj),
        online_seconds,
        steps: n_steps,
        coefficients,
    })
}

/// The states at every time of `times` (non-uniform, or with inputs) from `x0` at
/// `times[0]`: `online` (the model at `opts.parameters`) steps each interval in
/// ⌈interval / dt⌉ equal steps, re-formed with the inputs (if any) held at the mean of
/// the interval's end values; the states and the number of steps.
fn solve_through<'m>(
    model: &'m ReducedModel,
    mut online: Online<'m>,
    opts: &RunOptions,
    x0: &[f64],
    times: &[f64],
    inputs: Option<MatRef<'_, f64>>,
) -> Result<(Vec<Vec<f64>>, usize)> {
    let mut params = opts.parameters.clone();
    // The inputs enter c only: A, and so the stepper's rule and coefficients, stay as
    // they are.
    let mut stepper = Stepper::new(opts.integrator, &online, opts.dt)?;
    let mut x = x0.to_vec();
    let mut states = vec![x.clone()];
    let mut steps = 0;
    for (j, w) in times.windows(2).enumerate() {
        if let Some(u) = inputs {
            for i in 0..u.nrows() {
                params.insert(input_name(i), 0.5 * (u[(i, j)] + u[(i, j + 1)]));
            }
            online = model.online(&params)?;
        }
        let interval = w[1] - w[0];
        let count = ((interval / opts.dt - 1e-9).ceil() as usize).max(1);
        stepper.set_step(interval / count as f64)?;
        for _ in 0..count {
            stepper.step(&mut online, &mut x);
            steps += 1;
        }
        if x.iter().any(|v| !v.is_finite()) {
            return Err(RomError::BlowUp {
                time: w[1],
                step: steps,
            });
        }
        states.push(x.clone());
    }
    Ok((states, steps))
}

/// Seconds per step of the full model (median of `repeats` runs of `steps` steps of the
/// solver's own spectral time loop, the fastest way it runs): the denominator of the
/// speed-ups we report.
pub fn full_model_step_seconds(
    sim: &mut galerkin_solvers::Simulation,
    steps: usize,
    repeats: usize,
) -> Result<f64> {
    let mut samples = Vec::with_capacity(repeats);
    for _ in 0..repeats.max(1) {
        let start = Instant::now();
        sim.advance(steps.max(1))?;
        samples.push(start.elapsed().as_secs_f64() / steps.max(1) as f64);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples[samples.len() / 2])
}
