//! The yardstick of the NSM: the pseudo-spectral Burgers solver of `galerkin-solvers`
//! (ETDRK4, 2/3-rule dealiasing) run from the same u₀, at a fine setting as the reference
//! and at coarse settings for the matched-accuracy comparison. Every field is compared on
//! one uniform grid, coarse solver output being trigonometrically interpolated onto it.

use galerkin_solvers::{Burgers, Dealias, Grid, Schedule, Scheme, Simulation};

use crate::operators::error::{invalid, Result};
use crate::operators::nsm::space::SpectralSpace;
use crate::operators::nsm::train::BurgersProblem;

/// A solver setting: n grid points and ETDRK4 step dt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SolverSettings {
    /// Grid points (≥ 4).
    pub n: usize,
    /// Time step; T / saves must be a whole number of steps.
    pub dt: f64,
}

/// Where fields are compared: `saves` equally spaced times T/saves, 2T/saves, …, T (t = 0
/// is left out: the NSM matches u₀ there by construction) on `n` uniform points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Comparison {
    /// Uniform comparison points (more than 2K).
    pub n: usize,
    /// Compared times.
    pub saves: usize,
}

impl Comparison {
    /// The compared times.
    pub fn times(&self, t_end: f64) -> Vec<f64> {
        (1..=self.saves)
            .map(|j| t_end * j as f64 / self.saves as f64)
            .collect()
    }
}

/// The solution of `problem` from u₀ (spatial coefficients, layout of [`SpectralSpace`])
/// by the solver at `settings`, at the compared times on the comparison grid:
/// `[saves, n]` row-major ([`simulation`], then [`record`], then [`interpolate`]).
pub fn solve(
    problem: &BurgersProblem,
    u0: &[f64],
    settings: SolverSettings,
    compare: Comparison,
) -> Result<Vec<f64>> {
    let mut sim = simulation(problem, u0, settings)?;
    let fields = record(&mut sim, problem, settings, compare.saves)?;
    interpolate(&fields, settings.n, compare)
}

/// The solver (Burgers, ETDRK4 at `settings.dt`, 2/3-rule dealiasing) started from u₀ cut
/// to the wavenumbers below n/2 its grid holds.
pub fn simulation(
    problem: &BurgersProblem,
    u0: &[f64],
    settings: SolverSettings,
) -> Result<Simulation> {
    let n = settings.n;
    if n < 4 {
        return Err(invalid("solver n", n, "n >= 4 grid points"));
    }
    let initial = on_grid(&problem.space, u0, n)?;
    let grid = Grid::new_1d(n, 1.0)?;
    let pde = Burgers::new(&grid, problem.viscosity, Dealias::TwoThirds)?;
    Ok(Simulation::new(
        Box::new(pde),
        Scheme::Etdrk4,
        settings.dt,
        &initial,
    )?)
}

/// Runs `sim` to T and returns its fields at T/saves, 2T/saves, …, T on its own grid,
/// `[saves, n]` row-major.
pub fn record(
    sim: &mut Simulation,
    problem: &BurgersProblem,
    settings: SolverSettings,
    saves: usize,
) -> Result<Vec<f64>> {
    let per_save = problem.space.t_end / saves.max(1) as f64 / settings.dt;
    if saves == 0 || (per_save - per_save.round()).abs() > 1e-9 * per_save.max(1.0) {
        return Err(invalid(
            "solver dt",
            settings.dt,
            "a step dividing T/saves into a whole number of steps",
        ));
    }
    let per_save = per_save.round() as usize;
    let schedule = Schedule {
        dt: settings.dt,
        n_steps: per_save * saves,
        save_every: per_save,
        cfl_limit: None,
    };
    let mut out = Vec::with_capacity(saves * settings.n);
    sim.run(&schedule, |snap| {
        if snap.index > 0 {
            out.extend_from_slice(snap.field);
        }
        Ok(())
    })?;
    Ok(out)
}

/// Fields `[saves, n]` on n uniform points, trigonometrically interpolated (wavenumbers
/// below n/2) onto the comparison grid: `[saves, compare.n]`.
pub fn interpolate(fields: &[f64], n: usize, compare: Comparison) -> Result<Vec<f64>> {
    let held = SpectralSpace::new((n - 1) / 2, 1, 1.0)?;
    let map = held.space_synthesis(compare.n)? * held.space_analysis(n)?;
    Ok(fields
        .chunks(n)
        .flat_map(|field| {
            (0..compare.n)
                .map(|i| (0..n).map(|j| map[(i, j)] * field[j]).sum::<f64>())
                .collect::<Vec<_>>()
        })
        .collect())
}

/// u₀ (spatial coefficients of `space`) on n uniform points, keeping wavenumbers < n/2.
fn on_grid(space: &SpectralSpace, u0: &[f64], n: usize) -> Result<Vec<f64>> {
    let k_max = space.max_wavenumber.min((n - 1) / 2);
    let held = SpectralSpace::new(k_max, 1, space.t_end)?;
    let synth = held.space_synthesis(n)?;
    let coeff = |j: usize| {
        let (part, k) = (j / (k_max + 1), held.wavenumber(j));
        u0[part * (space.max_wavenumber + 1) + k]
    };
    Ok((0..n)
        .map(|i| {
            (0..held.space_len())
                .map(|j| synth[(i, j)] * coeff(j))
                .sum()
        })
        .collect())
}

/// The NSM solution with coefficients `coeffs` at the compared times and points,
/// `[saves, n]` row-major (the layout of [`solve`]).
pub fn nsm_fields(space: &SpectralSpace, coeffs: &[f64], compare: Comparison) -> Result<Vec<f64>> {
    let values = space.evaluate(coeffs, compare.n, &compare.times(space.t_end))?;
    // evaluate gives [n, saves]; transpose to [saves, n].
    Ok((0..compare.saves)
        .flat_map(|j| (0..compare.n).map(move |i| (i, j)))
        .map(|(i, j)| values[i * compare.saves + j])
        .collect())
}
