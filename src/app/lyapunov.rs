//! `galerkin lyapunov`: the largest Lyapunov exponent of the system a dataset recipe
//! describes, from several initial conditions, with departures from the chaotic attractor
//! reported instead of averaged through.
//!
//! The numerics are the solver layer's ([`galerkin_solvers::lyapunov`]: Benettin's
//! two-trajectory renormalization and its departure check); this module turns the times a
//! user thinks in into steps of the recipe's dt, runs one reference/companion pair per
//! initial condition in parallel, and summarizes: λ per initial condition, their mean ±
//! standard error, the Lyapunov time 1/λ, and which runs left the attractor.

use std::fmt;
use std::sync::Arc;

use galerkin_solvers::lyapunov::{
    largest_lyapunov_exponent_with, DepartureCheck, LyapunovEstimate, LyapunovOptions,
};
use rayon::prelude::*;

use super::error::{AppError, Result};
use crate::data::{ParameterValues, Progress, Recipe};

/// The measurement, in the recipe's time units (converted to steps of its dt).
#[derive(Debug, Clone, PartialEq)]
pub struct LyapunovConfig {
    /// Time discarded before measuring, to reach the attractor (0 or ≥ dt).
    pub spin_up: f64,
    /// Time τ between renormalizations of the separation (≥ dt). Short enough that the
    /// separation stays small (δ·e^{λτ} ≪ 1), long enough to be cheap.
    pub renormalize_every: f64,
    /// Time the exponent is averaged over (≥ τ): the error falls like 1/√time.
    pub average_over: f64,
    /// Initial separation δ relative to the state's norm, in (0, 0.01]: small enough for
    /// the linearized dynamics, large enough to stay above rounding.
    pub separation: f64,
    /// Number of initial conditions (≥ 1): trajectories 0..K of `galerkin simulate` with
    /// the same recipe and seed.
    pub initial_conditions: usize,
    /// Base seed of the initial conditions (the recipe's `seed` when `None`).
    pub seed: Option<u64>,
    /// Window of the departure check (≥ τ; see [`DepartureCheck`]): many Lyapunov times,
    /// so that chaotic stretches of slow growth are not taken for a departure.
    pub departure_window: f64,
    /// No progress bar.
    pub quiet: bool,
}

impl Default for LyapunovConfig {
    /// Spin-up 100, τ = 1, averaged over 1000, δ = 10⁻⁸, 4 initial conditions, a
    /// 400-unit departure window: suited to KS at L = 22 (λ ≈ 0.045, a Lyapunov time of
    /// about 22 time units).
    fn default() -> Self {
        Self {
            spin_up: 100.0,
            renormalize_every: 1.0,
            average_over: 1000.0,
            separation: 1e-8,
            initial_conditions: 4,
            seed: None,
            departure_window: 400.0,
            quiet: false,
        }
    }
}

/// One initial condition's run.
#[derive(Debug, Clone, PartialEq)]
pub struct IcRun {
    /// Its position (trajectory index in `galerkin simulate`).
    pub index: usize,
    /// Its seed.
    pub seed: u64,
    /// The solver's estimate (with the departure, if any).
    pub estimate: LyapunovEstimate,
}

impl IcRun {
    /// Whether the run stayed on the attractor and so counts in the mean.
    pub fn counts(&self) -> bool {
        self.estimate.departure.is_none()
    }
}

/// The measurement's result: per initial condition and overall.
#[derive(Debug, Clone, PartialEq)]
pub struct LyapunovReport {
    /// The recipe's name and PDE.
    pub recipe: String,
    /// The recipe's time step.
    pub dt: f64,
    /// The base seed of the initial conditions.
    pub seed: u64,
    /// The settings, with the times rounded to whole steps as run.
    pub config: LyapunovConfig,
    /// Whether the run was long enough for the departure check (average ≥ window).
    pub checked: bool,
    /// Per initial condition, in order.
    pub runs: Vec<IcRun>,
}

/// Mean and standard error of the mean (sd/√n, the sample sd; `None` for one value).
pub fn mean_and_sem(values: &[f64]) -> Option<(f64, Option<f64>)> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let sem = (n > 1).then(|| {
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        (var / n as f64).sqrt()
    });
    Some((mean, sem))
}

impl LyapunovReport {
    /// λ_max over the runs that stayed on the attractor: mean and standard error.
    pub fn mean(&self) -> Option<(f64, Option<f64>)> {
        let kept: Vec<f64> = self
            .runs
            .iter()
            .filter(|r| r.counts())
            .map(|r| r.estimate.exponent)
            .collect();
        mean_and_sem(&kept)
    }
}

/// `x ± e` with e to two significant digits and x to the same decimal place.
fn plus_minus(x: f64, e: Option<f64>) -> String {
    match e {
        Some(e) if e > 0.0 && e.is_finite() => {
            let places = (1 - e.log10().floor() as i32).clamp(0, 12) as usize;
            format!("{x:.places$} ± {e:.places$}")
        }
        _ => format!("{x:.4}"),
    }
}

impl fmt::Display for LyapunovReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        writeln!(f, "Largest Lyapunov exponent of {}", self.recipe)?;
        writeln!(
            f,
            "dt = {}, spin-up {}, renormalized every τ = {}, averaged over {}, \
             separation δ = {:e} (relative), {} initial condition(s) from seed {}",
            self.dt,
            time(c.spin_up),
            time(c.renormalize_every),
            time(c.average_over),
            c.separation,
            c.initial_conditions,
            self.seed
        )?;
        if self.checked {
            writeln!(
                f,
                "departure check: over windows of {} time units",
                time(c.departure_window)
            )?;
        } else {
            writeln!(
                f,
                "departure check off: --average-over {} is shorter than the window {} \
                 (a run that leaves the attractor is averaged through)",
                time(c.average_over),
                time(c.departure_window)
            )?;
        }
        writeln!(f)?;
        for run in &self.runs {
            let e = &run.estimate;
            match &e.departure {
                None => writeln!(
                    f,
                    "IC {}: λ = {:.5} over {} time units",
                    run.index,
                    e.exponent,
                    time(e.measured_time)
                )?,
                Some(d) if d.chaotic_time > 0.0 => writeln!(
                    f,
                    "IC {} left the attractor at t ≈ {:.0} (confirmed at t = {:.0}): {}; \
                     excluded from the mean. Before, λ = {:.5} over {} time units",
                    run.index,
                    d.left_at,
                    d.detected_at,
                    d.kind,
                    e.exponent,
                    time(d.chaotic_time)
                )?,
                Some(d) => writeln!(
                    f,
                    "IC {} was not chaotic after the spin-up (confirmed at t = {:.0}): {}; \
                     λ = {:.5} over {} time units; excluded from the mean",
                    run.index,
                    d.detected_at,
                    d.kind,
                    e.exponent,
                    time(e.measured_time)
                )?,
            }
        }
        writeln!(f)?;
        let k = self.runs.len();
        match self.mean() {
            None => {
                let transients: Vec<&IcRun> = self
                    .runs
                    .iter()
                    .filter(|r| r.estimate.departure.is_some_and(|d| d.chaotic_time > 0.0))
                    .collect();
                write!(
                    f,
                    "Every initial condition left the chaotic attractor: with this recipe the \
                     long-time state is not chaotic (λ_max ≤ 0 there), so no exponent is given"
                )?;
                let exponents: Vec<f64> = transients.iter().map(|r| r.estimate.exponent).collect();
                if let Some((m, sem)) = mean_and_sem(&exponents) {
                    let mean_time = transients
                        .iter()
                        .map(|r| r.estimate.measured_time)
                        .sum::<f64>()
                        / transients.len() as f64;
                    write!(
                        f,
                        ".\nThe transients of {} of {k} runs before they left (mean length {:.0} \
                         time units) had λ ≈ {}",
                        transients.len(),
                        mean_time,
                        plus_minus(m, sem)
                    )?;
                }
                writeln!(f, ".")
            }
            Some((mean, sem)) => {
                let kept = self.runs.iter().filter(|r| r.counts()).count();
                writeln!(
                    f,
                    "λ_max = {} (mean ± s.e.m. over {kept} of {k} initial conditions{})",
                    plus_minus(mean, sem),
                    if sem.is_none() {
                        "; one run: no s.e.m."
                    } else {
                        ""
                    }
                )?;
                if mean > 0.0 {
                    writeln!(
                        f,
                        "Lyapunov time 1/λ = {}",
                        plus_minus(1.0 / mean, sem.map(|s| s / (mean * mean)))
                    )
                } else {
                    writeln!(
                        f,
                        "λ_max ≤ 0: the system is not chaotic here (separations do not grow; \
                         no Lyapunov time)"
                    )
                }
            }
        }
    }
}

/// A time as typed: rounded to 10⁻⁶ so that steps × dt prints as 100, not 100.00000000000001.
fn time(t: f64) -> f64 {
    (t * 1e6).round() / 1e6
}

/// Steps of `dt` in `time`, or an error naming `flag` and the allowed range; `zero_ok`
/// admits 0 (no steps).
fn steps(flag: &str, time: f64, dt: f64, zero_ok: bool) -> Result<usize> {
    if zero_ok && time == 0.0 {
        return Ok(0);
    }
    // A time within rounding of dt is dt (0.05 typed as 0.049999…).
    if time.is_finite() && time >= dt * (1.0 - 1e-9) {
        let n = (time / dt).round();
        if n <= 1e12 {
            return Ok(n as usize);
        }
    }
    Err(invalid(
        flag,
        time,
        &format!(
            "{}a finite time >= dt = {dt} (the recipe's step)",
            if zero_ok { "0 or " } else { "" }
        ),
    ))
}

fn invalid(field: &str, value: impl fmt::Display, allowed: &str) -> AppError {
    AppError::Invalid {
        field: field.to_string(),
        value: value.to_string(),
        allowed: allowed.to_string(),
    }
}

/// Estimates λ_max of `recipe`'s system from `config.initial_conditions` initial
/// conditions drawn by its random IC generator (run in parallel, each deterministic from
/// its seed), with a progress bar unless `config.quiet`.
pub fn run(recipe: &Recipe, config: &LyapunovConfig) -> Result<LyapunovReport> {
    if recipe.is_wave()? {
        return Err(invalid(
            "pde",
            &recipe.pde,
            "a dissipative semi-linear PDE (burgers, ks, navier-stokes); conservative waves \
             have no attractor to measure",
        ));
    }
    for (name, values) in recipe.parameter_values()? {
        let single = matches!(&values, ParameterValues::Grid(v) if v.len() == 1);
        if !single {
            return Err(invalid(
                &format!("parameters.{name}"),
                "several values",
                &format!("one value: fix it with --set parameters.{name}=VALUE"),
            ));
        }
    }
    let k = config.initial_conditions;
    if k == 0 {
        return Err(invalid("--initial-conditions", 0, "an integer >= 1"));
    }
    if !(config.separation.is_finite() && config.separation > 0.0 && config.separation <= 1e-2) {
        return Err(invalid(
            "--separation",
            config.separation,
            "a relative separation in (0, 0.01]",
        ));
    }
    let dt = recipe.time.dt;
    let spin_up = steps("--spin-up", config.spin_up, dt, true)?;
    let every = steps("--renormalize-every", config.renormalize_every, dt, false)?;
    let tau = every as f64 * dt;
    let intervals = steps("--average-over", config.average_over, tau, false).map_err(|_| {
        invalid(
            "--average-over",
            config.average_over,
            &format!("a finite time >= --renormalize-every = {tau}"),
        )
    })?;
    let window =
        steps("--departure-window", config.departure_window, tau, false).map_err(|_| {
            invalid(
                "--departure-window",
                config.departure_window,
                &format!("a finite time >= --renormalize-every = {tau}"),
            )
        })?;
    let mut recipe = recipe.clone();
    recipe.n_traj = k;
    if let Some(seed) = config.seed {
        recipe.seed = seed;
    }
    let plan = recipe.plan()?;
    let opts = LyapunovOptions {
        transient_steps: spin_up,
        renormalize_every: every,
        intervals,
        relative_separation: config.separation,
    };
    let checked = intervals >= window;
    let check = DepartureCheck {
        window,
        ..DepartureCheck::default()
    };
    let progress: Arc<dyn Progress> = super::progress::steps(config.quiet);
    let per_run = (spin_up + intervals * every) as u64;
    progress.start(per_run * k as u64);
    let runs = (0..k)
        .into_par_iter()
        .map(|index| -> Result<IcRun> {
            let member = plan.member(index);
            let (mut reference, _) = recipe.simulation(&member)?;
            let (mut companion, _) = recipe.simulation(&member)?;
            let mut done = 0u64;
            let estimate = largest_lyapunov_exponent_with(
                &mut reference,
                &mut companion,
                &opts,
                checked.then_some(&check),
                &mut |n| {
                    done += n as u64;
                    progress.advance(n as u64);
                },
            )?;
            // A run stopped at a departure leaves its remaining steps undone.
            progress.advance(per_run.saturating_sub(done));
            Ok(IcRun {
                index,
                seed: member.seed,
                estimate,
            })
        })
        .collect::<Result<Vec<_>>>();
    progress.finish();
    Ok(LyapunovReport {
        recipe: format!("{} (pde = {})", recipe.name, recipe.pde),
        dt,
        seed: recipe.seed,
        config: LyapunovConfig {
            spin_up: spin_up as f64 * dt,
            renormalize_every: tau,
            average_over: intervals as f64 * tau,
            departure_window: window as f64 * tau,
            ..config.clone()
        },
        checked,
        runs: runs?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_standard_error() {
        let (m, sem) = mean_and_sem(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(m, 2.5);
        // Sample sd √(5/3), over √4.
        assert!((sem.unwrap() - (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-15);
        assert_eq!(mean_and_sem(&[0.5]), Some((0.5, None)));
        assert_eq!(mean_and_sem(&[]), None);
        assert_eq!(plus_minus(0.04512, Some(0.00123)), "0.0451 ± 0.0012");
    }

    #[test]
    fn times_become_steps_or_named_errors() {
        assert_eq!(steps("--spin-up", 0.0, 0.05, true).unwrap(), 0);
        assert_eq!(steps("--spin-up", 100.0, 0.05, true).unwrap(), 2000);
        assert_eq!(steps("--x", 0.05, 0.05, false).unwrap(), 1);
        for bad in [-1.0, 0.01, f64::NAN, f64::INFINITY] {
            let err = steps("--renormalize-every", bad, 0.05, false).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("--renormalize-every") && text.contains(">= dt = 0.05"),
                "{text}"
            );
        }
        assert!(steps("--x", 0.0, 0.05, false).is_err());
    }
}
