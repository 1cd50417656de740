//! `galerkin simulate` for conservative waves (pde = "wave"): implicit-midpoint runs of
//! q_tt = Δq − m²q − F′(q) from q₀ (the initial condition) and p₀ = 0, stored as two fields
//! (q, p) per point; the ensemble driver and the atomic, resumable writer are the other
//! PDEs'.

use galerkin_solvers::ensemble::Member;
use galerkin_solvers::{SolverError, Trajectory};

use super::ensemble_run::Outcome;
use super::error::Result;
use super::health::Health;
use super::recipe::Recipe;

/// One member: its stored data ([n_t][x][y][q, p]) and health, or the solver's refusal.
pub(super) fn run_member(recipe: &Recipe, member: &Member) -> Result<Outcome> {
    let (mut wave, q0, _) = recipe.wave_member(member)?;
    let schedule = recipe.schedule()?;
    let (sx, sy) = recipe.save_strides()?;
    let grid = wave.grid().clone();
    let (nx, ny) = (grid.nx(), grid.ny());
    let mut q = q0;
    let mut p = vec![0.0; q.len()];
    let mut data = Vec::new();
    let mut q_snapshots = Trajectory {
        times: Vec::new(),
        data: Vec::new(),
        max_cfl: None,
    };
    for save in 0..schedule.n_saves() {
        if save > 0 {
            for _ in 0..schedule.save_every {
                if let Err(e) = wave.step_midpoint(&mut q, &mut p, schedule.dt) {
                    return Ok(Err(e.to_string()));
                }
            }
            if let Some(bad) = q.iter().chain(&p).find(|v| !v.is_finite()) {
                return Ok(Err(SolverError::BlowUp {
                    time: save as f64 * schedule.save_every as f64 * schedule.dt,
                    step: save * schedule.save_every,
                    value: *bad,
                }
                .to_string()));
            }
        }
        for i in (0..nx).step_by(sx) {
            for j in (0..ny).step_by(sy) {
                data.push(q[j * nx + i]);
                data.push(p[j * nx + i]);
            }
        }
        q_snapshots
            .times
            .push(save as f64 * schedule.save_every as f64 * schedule.dt);
        q_snapshots.data.extend_from_slice(&q);
    }
    Ok(Ok((data, Health::measure(&grid, &q_snapshots))))
}
