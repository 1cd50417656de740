//! `galerkin simulate` for conservative waves (pde = "wave"): implicit-midpoint runs of
//! q_tt = Δq − m²q − F′(q) from q₀ (the initial condition) and p₀ = 0, stored as two fields
//! (q, p) per point, with the same atomic, resumable writer as the other PDEs.

use std::time::Instant;

use galerkin_solvers::ensemble::Member;
use galerkin_solvers::{SolverError, Trajectory};
use rayon::prelude::*;

use super::ensemble_run::{
    finish, note_resolution, open_for_resume, stopped_on_request, SimulateOptions, SimulateSummary,
};
use super::error::Result;
use super::health::Health;
use super::recipe::Recipe;
use super::writer::{FileMetadata, Layout};

/// One member: its stored data ([n_t][x][y][q, p]) and health, or the solver's refusal.
fn run_member(
    recipe: &Recipe,
    member: &Member,
) -> Result<std::result::Result<(Vec<f64>, Health), SolverError>> {
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
                    return Ok(Err(e));
                }
            }
            if let Some(bad) = q.iter().chain(&p).find(|v| !v.is_finite()) {
                return Ok(Err(SolverError::BlowUp {
                    time: save as f64 * schedule.save_every as f64 * schedule.dt,
                    step: save * schedule.save_every,
                    value: *bad,
                }));
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

/// Runs (or resumes) a wave dataset; members run in parallel, a batch at a time.
pub(super) fn simulate_waves(
    recipe: &Recipe,
    opts: &SimulateOptions,
    layout: Layout,
    meta: &FileMetadata,
    start: Instant,
) -> Result<SimulateSummary> {
    let plan = recipe.plan()?;
    let schedule = recipe.schedule()?;
    let stored = layout.x.len() * layout.y.len().max(1) * layout.fields;
    let (mut writer, todo, skipped) = open_for_resume(recipe, layout, meta, &plan)?;
    let progress = &opts.progress;
    progress.start(todo.len() as u64);
    let (mut written, mut unhealthy) = (0, Vec::new());
    for batch in todo.chunks(rayon::current_num_threads().max(1)) {
        let results: Vec<_> = batch
            .par_iter()
            .map(|m| (m.clone(), run_member(recipe, m)))
            .collect();
        for (member, outcome) in results {
            let params = recipe.member_parameters(&member, &mut member.rng())?;
            let (data, health) = match outcome? {
                Ok(ok) => ok,
                Err(e) => {
                    unhealthy.push((member.index, 2, e.to_string()));
                    (
                        vec![f64::NAN; stored * schedule.n_saves()],
                        Health::failed(),
                    )
                }
            };
            note_resolution(&mut unhealthy, member.index, &health);
            writer.write(member.index, &data, &params, member.seed, &health)?;
            written += 1;
            progress.advance(1);
        }
        if progress.cancelled() {
            progress.finish();
            return Err(stopped_on_request(written, recipe));
        }
    }
    progress.finish();
    finish(writer, written, skipped, unhealthy, start)
}
