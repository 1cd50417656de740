//! `galerkin simulate`: a recipe's ensemble streamed into a trajectory file.
//!
//! Workers (rayon, one trajectory each) send finished, subsampled trajectories through a
//! bounded channel to the writing thread, so memory stays at a few trajectories whatever
//! `n_traj` is (over MPI ranks: the `distributed` module). Trajectories already marked done in a partial file are skipped, and every
//! trajectory depends only on (recipe, seed, index): an interrupted run, re-run, produces
//! the same bytes as an uninterrupted one.

use std::sync::mpsc::sync_channel;
use std::time::Instant;

use galerkin_solvers::ensemble::{EnsemblePlan, Member};
use galerkin_solvers::{Grid, SavePlan, SolverError, Trajectory};
use rayon::prelude::*;

use super::dataset::Dataset;
use super::ensemble_run::{
    confirm_complete, open_for_resume, Outcome, SimulateOptions, SimulateSummary, Store,
};
use super::error::{DataError, Result};
use super::health::Health;
use super::recipe::Recipe;
use super::writer::{FileMetadata, Layout, TrajectoryWriter};

/// The trajectory file of the dataset recipe file `recipe_path`, simulated first (with
/// `opts`) when it does not exist yet; a file at the recipe's `output` that another recipe
/// made is refused (its stored recipe text must equal this one's), not used.
pub fn open_or_simulate(recipe_path: &std::path::Path, opts: &SimulateOptions) -> Result<Dataset> {
    let recipe = Recipe::from_file(recipe_path, &[])?;
    simulate(&recipe, opts)?;
    Dataset::open(&recipe.output)
}

/// Runs (or resumes, or confirms) the dataset of `recipe`.
pub fn simulate(recipe: &Recipe, opts: &SimulateOptions) -> Result<SimulateSummary> {
    let start = Instant::now();
    if recipe.output.exists() {
        return confirm_complete(recipe, start);
    }
    let job = Job::new(recipe)?;
    let (writer, todo, skipped) = job.open()?;
    let mut store = Store::new(writer, recipe, opts, todo.len(), job.values);
    let (tx, rx) = sync_channel::<(Member, Result<Outcome>)>(2 * rayon::current_num_threads());
    let stored = std::thread::scope(|scope| -> Result<()> {
        let (job, todo) = (&job, &todo);
        // The sender moves into the workers, so the channel closes when the ensemble ends.
        let workers = scope.spawn(move || {
            todo.par_iter().try_for_each(|member| {
                if opts.progress.cancelled() {
                    return Err(DataError::Interrupted("stopped on request".into()));
                }
                tx.send((member.clone(), job.compute(member)))
                    .map_err(|_| DataError::Interrupted("the writer stopped".into()))
            })
        });
        let mut outcome = Ok(());
        for (member, computed) in rx.iter() {
            if let Err(e) = computed.and_then(|c| store.store(&member, c)) {
                outcome = Err(e);
                break;
            }
        }
        drop(rx);
        let workers = workers.join().expect("ensemble thread panicked");
        outcome.and(match workers {
            Err(DataError::Interrupted(_)) | Ok(()) => Ok(()),
            Err(e) => Err(e),
        })
    });
    let stored = stored.and_then(|()| match store.cancelled() {
        true => Err(store.stopped()),
        false => Ok(()),
    });
    if let Err(e) = stored {
        store.abandon();
        return Err(e);
    }
    store.finish(skipped, start)
}

/// A recipe's ensemble ready to run: its plan and file layout, and how one member is
/// computed — the same on every process of a distributed run.
pub(crate) struct Job<'r> {
    recipe: &'r Recipe,
    /// The members.
    pub(crate) plan: EnsemblePlan,
    layout: Layout,
    meta: FileMetadata,
    schedule: SavePlan,
    grid: Grid,
    strides: (usize, usize),
    wave: bool,
    /// Values stored per member.
    pub(crate) values: usize,
}

impl<'r> Job<'r> {
    /// The job of `recipe`; configuration errors (an unreadable initial-condition file,
    /// say) stop it here, before any file is made: only blow-ups and CFL stops are
    /// per-member outcomes.
    pub(crate) fn new(recipe: &'r Recipe) -> Result<Self> {
        let grid = recipe.solver_grid()?;
        let schedule = recipe.save_plan()?;
        let (sx, sy) = recipe.save_strides()?;
        let plan = recipe.plan()?;
        let first = plan.member(0);
        let parameters: Vec<String> = recipe
            .member_parameters(&first, &mut first.rng())?
            .into_keys()
            .collect();
        let wave = recipe.is_wave()?;
        let layout = Layout {
            n_traj: plan.len(),
            times: schedule.times(),
            x: grid.x().into_iter().step_by(sx).collect(),
            y: if grid.is_2d() {
                grid.y().into_iter().step_by(sy).collect()
            } else {
                Vec::new()
            },
            parameters,
            fields: if wave { 2 } else { 1 },
        };
        let meta = FileMetadata {
            pde: recipe.pde.clone(),
            equation: recipe.pde_spec()?.equation.to_string(),
            integrator: recipe.time.integrator.name().to_string(),
            dt: recipe.time.dt,
            save_every: recipe.time.save_every,
            dealias: recipe.time.dealias.name().to_string(),
        };
        if wave {
            recipe.wave_member(&first)?;
        } else {
            recipe.simulation(&first)?;
        }
        let values = writer_len(&grid, sx, sy) * layout.fields * schedule.len();
        Ok(Self {
            recipe,
            plan,
            layout,
            meta,
            schedule,
            grid,
            strides: (sx, sy),
            wave,
            values,
        })
    }

    /// Opens (or resumes) the partial file: the writer, the members still to run and how
    /// many were already done.
    pub(crate) fn open(&self) -> Result<(TrajectoryWriter, Vec<Member>, usize)> {
        open_for_resume(self.recipe, self.layout.clone(), &self.meta, &self.plan)
    }

    /// Runs one member.
    pub(crate) fn compute(&self, member: &Member) -> Result<Outcome> {
        if self.wave {
            return super::wave::run_member(self.recipe, member);
        }
        let (sx, sy) = self.strides;
        let trajectory = self.recipe.simulation(member).and_then(|(mut sim, _)| {
            Trajectory::collect_plan(&mut sim, &self.schedule).map_err(DataError::from)
        });
        match trajectory {
            Ok(t) => Ok(Ok((
                subsample(&t, &self.grid, sx, sy),
                Health::measure(&self.grid, &t),
            ))),
            Err(DataError::Solver(e @ (SolverError::BlowUp { .. } | SolverError::Cfl { .. }))) => {
                Ok(Err(super::blowup::explain(self.recipe, member, &e)))
            }
            Err(e) => Err(e),
        }
    }
}

fn writer_len(grid: &Grid, sx: usize, sy: usize) -> usize {
    grid.nx().div_ceil(sx)
        * if grid.is_2d() {
            grid.ny().div_ceil(sy)
        } else {
            1
        }
}

/// Snapshots [t][y][x] at full resolution → stored [t][x][y] every (sx, sy) points.
fn subsample(traj: &Trajectory, grid: &Grid, sx: usize, sy: usize) -> Vec<f64> {
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
