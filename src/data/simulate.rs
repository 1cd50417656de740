//! `galerkin simulate`: a recipe's ensemble streamed into a trajectory file.
//!
//! Workers (rayon, one trajectory each) send finished trajectories through a bounded
//! channel to the writing thread, so memory stays at a few trajectories whatever `n_traj`
//! is. Trajectories already marked done in a partial file are skipped, and every
//! trajectory depends only on (recipe, seed, index): an interrupted run, re-run, produces
//! the same bytes as an uninterrupted one.

use std::sync::mpsc::sync_channel;
use std::time::Instant;

use galerkin_solvers::ensemble::{run_ensemble, Member};
use galerkin_solvers::{SolverError, Trajectory};

use super::dataset::Dataset;
use super::ensemble_run::{
    confirm_complete, finish, note_resolution, open_for_resume, stopped_on_request,
    SimulateOptions, SimulateSummary,
};
use super::error::{DataError, Result};
use super::health::Health;
use super::recipe::Recipe;
use super::writer::{FileMetadata, Layout};

/// The trajectory file of the dataset recipe file `recipe_path`, simulated first (with
/// `opts`) when it does not exist yet.
pub fn open_or_simulate(recipe_path: &std::path::Path, opts: &SimulateOptions) -> Result<Dataset> {
    let recipe = Recipe::from_file(recipe_path, &[])?;
    if !recipe.output.exists() {
        simulate(&recipe, opts)?;
    }
    Dataset::open(&recipe.output)
}

/// Runs (or resumes, or confirms) the dataset of `recipe`.
pub fn simulate(recipe: &Recipe, opts: &SimulateOptions) -> Result<SimulateSummary> {
    let start = Instant::now();
    let output = recipe.output.clone();
    if output.exists() {
        return confirm_complete(recipe, start);
    }
    let grid = recipe.solver_grid()?;
    let schedule = recipe.schedule()?;
    let (sx, sy) = recipe.save_strides()?;
    let plan = recipe.plan()?;
    let first = plan.member(0);
    let parameters: Vec<String> = recipe
        .member_parameters(&first, &mut first.rng())?
        .into_keys()
        .collect();
    let layout = Layout {
        n_traj: plan.len(),
        times: schedule.save_times(),
        x: grid.x().into_iter().step_by(sx).collect(),
        y: if grid.is_2d() {
            grid.y().into_iter().step_by(sy).collect()
        } else {
            Vec::new()
        },
        parameters,
        fields: if recipe.is_wave()? { 2 } else { 1 },
    };
    let meta = FileMetadata {
        pde: recipe.pde.clone(),
        equation: recipe.pde_spec()?.equation.to_string(),
        integrator: recipe.time.integrator.name().to_string(),
        dt: recipe.time.dt,
        save_every: recipe.time.save_every,
        dealias: recipe.time.dealias.name().to_string(),
    };
    if recipe.is_wave()? {
        return super::wave::simulate_waves(recipe, opts, layout, &meta, start);
    }
    // Configuration errors (an unreadable initial-condition file, say) stop the run before
    // any file is made; only blow-ups and CFL stops are per-trajectory outcomes.
    recipe.simulation(&first)?;
    let (mut writer, todo, skipped) = open_for_resume(recipe, layout, &meta, &plan)?;
    let progress = &opts.progress;
    progress.start(todo.len() as u64);
    let (tx, rx) = sync_channel::<(Member, Result<Trajectory>)>(2 * rayon::current_num_threads());
    let mut unhealthy = Vec::new();
    let mut written = 0;
    let stored_len = writer_len(&grid, sx, sy);
    let write_result = std::thread::scope(|scope| -> Result<()> {
        let todo = &todo;
        let schedule = &schedule;
        // The sender moves into the worker, so the channel closes when the ensemble ends.
        let worker = scope.spawn(move || {
            run_ensemble(
                todo,
                schedule,
                |m| recipe.simulation(m).map(|(sim, _)| sim),
                |m, traj| {
                    tx.send((m.clone(), traj))
                        .map_err(|_| DataError::Interrupted("the writer stopped".into()))
                },
            )
        });
        let mut outcome = Ok(());
        for (member, traj) in rx.iter() {
            if opts.fail_after == Some(written) {
                outcome = Err(DataError::Interrupted(format!(
                    "injected I/O failure after {written} trajectories"
                )));
                break;
            }
            let params = recipe.member_parameters(&member, &mut member.rng())?;
            let (data, health) = match traj {
                Ok(t) => (subsample(&t, &grid, sx, sy), Health::measure(&grid, &t)),
                Err(
                    e @ DataError::Solver(SolverError::BlowUp { .. } | SolverError::Cfl { .. }),
                ) => {
                    unhealthy.push((member.index, 2, e.to_string()));
                    (
                        vec![f64::NAN; stored_len * schedule.n_saves()],
                        Health::failed(),
                    )
                }
                Err(e) => {
                    outcome = Err(e);
                    break;
                }
            };
            note_resolution(&mut unhealthy, member.index, &health);
            if let Err(e) = writer.write(member.index, &data, &params, member.seed, &health) {
                outcome = Err(e);
                break;
            }
            written += 1;
            progress.advance(1);
            if progress.cancelled() {
                outcome = Err(stopped_on_request(written, recipe));
                break;
            }
        }
        drop(rx);
        let worker_result = worker.join().expect("ensemble thread panicked");
        outcome.and(match worker_result {
            Err(DataError::Interrupted(_)) | Ok(()) => Ok(()),
            Err(e) => Err(e),
        })
    });
    progress.finish();
    write_result?;
    finish(writer, written, skipped, unhealthy, start)
}

fn writer_len(grid: &galerkin_solvers::Grid, sx: usize, sy: usize) -> usize {
    grid.nx().div_ceil(sx)
        * if grid.is_2d() {
            grid.ny().div_ceil(sy)
        } else {
            1
        }
}

/// Snapshots [t][y][x] at full resolution → stored [t][x][y] every (sx, sy) points.
fn subsample(traj: &Trajectory, grid: &galerkin_solvers::Grid, sx: usize, sy: usize) -> Vec<f64> {
    let (nx, ny) = (grid.nx(), grid.ny());
    let mut out = Vec::with_capacity(traj.times.len() * writer_len(grid, sx, sy));
    for t in 0..traj.times.len() {
        let snap = traj.snapshot(t);
        for i in (0..nx).step_by(sx) {
            for j in (0..ny).step_by(sy) {
                out.push(snap[j * nx + i]);
            }
        }
    }
    out
}
