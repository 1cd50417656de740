//! Why a trajectory blew up, in words that name the limit that was hit: explicit RK4 is
//! stable on L u̇ = L u only while dt·|λ| stays inside its stability region (|λ| dt ≤ 2.785 on
//! the negative real axis, the diffusion limit dt ≤ 2.785/(ν k_max²) for Burgers; Hairer &
//! Wanner, *Solving ODEs II*, §IV.2), a bound the exponential and IMEX schemes do not
//! have; otherwise the nonlinear term outran the step or the grid.

use galerkin_solvers::ensemble::Member;
use galerkin_solvers::{short_time, Scheme, SolverError};

use super::recipe::Recipe;

/// Where explicit RK4's stability region meets the negative real axis.
pub const RK4_REAL_AXIS_LIMIT: f64 = 2.785;

/// The message of `error` (a blow-up or CFL stop of `member`), with the limit that was hit
/// and what to change.
pub(crate) fn explain(recipe: &Recipe, member: &Member, error: &SolverError) -> String {
    match *error {
        SolverError::BlowUp { time, step, value } => format!(
            "blow-up at t = {} (step {step}): the solution contains {value}; {}",
            short_time(time),
            cause(recipe, member)
        ),
        SolverError::Cfl {
            time,
            step,
            cfl,
            limit,
            safe_dt,
        } => format!(
            "CFL violation at t = {} (step {step}): advective CFL number {cfl:.3} > \
             time.cfl_limit = {limit}; use time.dt ≤ {safe_dt:.2e} or a coarser grid",
            short_time(time)
        ),
        ref other => other.to_string(),
    }
}

/// The likely cause of a blow-up of `member` under `recipe`.
fn cause(recipe: &Recipe, member: &Member) -> String {
    let dt = recipe.time.dt;
    let stiffness = match (recipe.scheme(), recipe.simulation(member)) {
        (Ok(Scheme::Rk4), Ok((sim, _))) => sim
            .pde()
            .linear()
            .iter()
            .map(|l| l.norm())
            .fold(0.0, f64::max),
        _ => 0.0,
    };
    if stiffness * dt > RK4_REAL_AXIS_LIMIT {
        let limit = RK4_REAL_AXIS_LIMIT / stiffness;
        format!(
            "time.dt = {dt} exceeds explicit RK4's stability limit for the linear term \
             (dt·max|L(k)| = {:.3} > {RK4_REAL_AXIS_LIMIT}: the explicit diffusion limit \
             dt ≤ {limit:.2e} on this grid); use time.dt ≤ {limit:.2e} or time.integrator = \
             \"etdrk4\" (exponential: no such limit)",
            stiffness * dt
        )
    } else {
        "the nonlinear term outran the step or the grid: reduce time.dt (watch the CFL \
         number) or increase the resolution"
            .to_string()
    }
}
