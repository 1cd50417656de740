//! What every ensemble run into a trajectory file shares, whatever the PDE family and
//! wherever members are computed (this process's threads, or MPI ranks): its options and
//! summary, opening or resuming the partial file, storing each member's outcome as it
//! arrives (recording unhealthy members), and closing the file.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use galerkin_solvers::ensemble::Member;

use super::error::{DataError, Result};
use super::health::Health;
use super::progress::Progress;
use super::recipe::Recipe;
use super::writer::{read_string_attr, FileMetadata, Layout, TrajectoryWriter};

/// One finished member: its stored values ([n_t][space][fields], subsampled) and health,
/// or why it stopped (a blow-up or CFL stop: a per-member outcome, stored as NaN with
/// health status 2, that never stops the others).
pub(crate) type Outcome = std::result::Result<(Vec<f64>, Health), String>;

/// Stores outcomes into the partial file as they arrive, in any order, and counts them.
pub(crate) struct Store<'a> {
    writer: TrajectoryWriter,
    recipe: &'a Recipe,
    opts: &'a SimulateOptions,
    values: usize,
    written: usize,
    unhealthy: Vec<(usize, u8, String)>,
}

impl<'a> Store<'a> {
    /// A store into `writer` for `todo` members of `values` values each; starts the
    /// progress count.
    pub(crate) fn new(
        writer: TrajectoryWriter,
        recipe: &'a Recipe,
        opts: &'a SimulateOptions,
        todo: usize,
        values: usize,
    ) -> Self {
        opts.progress.start(todo as u64);
        Self {
            writer,
            recipe,
            opts,
            values,
            written: 0,
            unhealthy: Vec::new(),
        }
    }

    /// Writes `member`'s outcome (flushed, marked done); an error if the file cannot be
    /// written or the progress sink asked to stop (the file keeps what was written).
    pub(crate) fn store(&mut self, member: &Member, outcome: Outcome) -> Result<()> {
        if self.opts.fail_after == Some(self.written) {
            return Err(DataError::Interrupted(format!(
                "injected I/O failure after {} trajectories",
                self.written
            )));
        }
        let params = self.recipe.member_parameters(member, &mut member.rng())?;
        let (data, health) = outcome.unwrap_or_else(|reason| {
            self.unhealthy.push((member.index, 2, reason));
            (vec![f64::NAN; self.values], Health::failed())
        });
        note_resolution(&mut self.unhealthy, member.index, &health);
        self.writer
            .write(member.index, &data, &params, member.seed, &health)
            .map_err(|e| DataError::WriteFailed {
                kept: self.writer.done().iter().filter(|&&d| d == 1).count(),
                partial: super::writer::partial_path(&self.recipe.output),
                reason: e.to_string(),
            })?;
        self.written += 1;
        self.opts.progress.advance(1);
        if self.opts.progress.cancelled() {
            return Err(self.stopped());
        }
        Ok(())
    }

    /// Whoever runs the job asked it to stop ([`Progress::cancelled`]).
    pub(crate) fn cancelled(&self) -> bool {
        self.opts.progress.cancelled()
    }

    /// The error of a run stopped on request: the partial file keeps every finished
    /// trajectory, and the same command resumes from there.
    pub(crate) fn stopped(&self) -> DataError {
        DataError::Cancelled {
            kept: self.writer.done().iter().filter(|&&d| d == 1).count(),
            total: self.writer.done().len(),
            partial: super::writer::partial_path(&self.recipe.output),
        }
    }

    /// Closes and renames the file (every member done) and reports the run.
    pub(crate) fn finish(self, skipped: usize, start: Instant) -> Result<SimulateSummary> {
        self.opts.progress.finish();
        finish(self.writer, self.written, skipped, self.unhealthy, start)
    }

    /// Ends the progress display of a run that stopped early.
    pub(crate) fn abandon(&self) {
        self.opts.progress.finish();
    }
}

/// Options of [`simulate`](super::simulate()).
#[derive(Clone)]
pub struct SimulateOptions {
    /// Where the count of finished trajectories goes ([`super::progress::silent`] by
    /// default).
    pub progress: Arc<dyn Progress>,
    /// Fault injection for tests: fail with an I/O error after this many trajectories are
    /// written in this run (the file must then stay partial and resumable).
    pub fail_after: Option<usize>,
}

impl Default for SimulateOptions {
    fn default() -> Self {
        Self {
            progress: super::progress::silent(),
            fail_after: None,
        }
    }
}

impl std::fmt::Debug for SimulateOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimulateOptions")
            .field("fail_after", &self.fail_after)
            .finish_non_exhaustive()
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct SimulateSummary {
    /// The finished file.
    pub output: PathBuf,
    /// Trajectories computed in this run.
    pub written: usize,
    /// Trajectories found already done (resumed run), or all of them if the file was
    /// already complete.
    pub skipped: usize,
    /// Unhealthy trajectories: (index, status, reason).
    pub unhealthy: Vec<(usize, u8, String)>,
    /// Wall time.
    pub seconds: f64,
}

impl SimulateSummary {
    /// Trajectories that failed (blew up or hit the CFL limit; stored as NaN).
    pub fn failed(&self) -> usize {
        self.unhealthy.iter().filter(|u| u.1 == 2).count()
    }

    /// Trajectories in the file.
    pub fn total(&self) -> usize {
        self.written + self.skipped
    }
}

impl std::fmt::Display for SimulateSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{}: {} trajectories computed, {} already present, in {:.1} s",
            self.output.display(),
            self.written,
            self.skipped,
            self.seconds
        )?;
        if self.unhealthy.is_empty() {
            write!(f, "all trajectories healthy")
        } else {
            writeln!(f, "{} unhealthy trajectories:", self.unhealthy.len())?;
            for (i, status, reason) in &self.unhealthy {
                writeln!(f, "  #{i}: status {status}: {reason}")?;
            }
            Ok(())
        }
    }
}

/// Opens (or resumes) the partial file of `recipe` and lists the members still to run, and
/// how many were already done.
pub(super) fn open_for_resume(
    recipe: &Recipe,
    layout: Layout,
    meta: &FileMetadata,
    plan: &galerkin_solvers::ensemble::EnsemblePlan,
) -> Result<(TrajectoryWriter, Vec<Member>, usize)> {
    let writer = TrajectoryWriter::create_or_resume(recipe, layout, meta)?;
    let todo: Vec<Member> = (0..plan.len())
        .filter(|&i| writer.done()[i] == 0)
        .map(|i| plan.member(i))
        .collect();
    let skipped = plan.len() - todo.len();
    Ok((writer, todo, skipped))
}

/// Closes and renames the file and reports the run.
fn finish(
    writer: TrajectoryWriter,
    written: usize,
    skipped: usize,
    mut unhealthy: Vec<(usize, u8, String)>,
    start: Instant,
) -> Result<SimulateSummary> {
    let (output, status) = writer.finish()?;
    add_flagged(&status, &mut unhealthy);
    Ok(SimulateSummary {
        output,
        written,
        skipped,
        unhealthy,
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Records an under-resolved trajectory (health status 1) in `unhealthy`.
fn note_resolution(unhealthy: &mut Vec<(usize, u8, String)>, index: usize, health: &Health) {
    if health.status == 1 {
        unhealthy.push((
            index,
            1,
            format!(
                "under-resolved: spectral tail ratio {:.2e}",
                health.tail_ratio
            ),
        ));
    }
}

/// The first line where the recipe text stored in a file and this recipe's differ, for
/// messages: `its recipe has `n = 512`, this one `n = 256``.
fn first_difference(stored: &str, ours: &str) -> String {
    let mut a = stored.lines();
    let mut b = ours.lines();
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (x, y) => {
                let show =
                    |l: Option<&str>| l.map_or("(end)".to_string(), |l| format!("`{}`", l.trim()));
                return format!("its recipe has {}, this one {}", show(x), show(y));
            }
        }
    }
}

/// Adds to `unhealthy` the trajectories whose health `status` (the finished file's, one per
/// trajectory) flags them and that it does not list yet (computed by an earlier,
/// interrupted run), and sorts it: a resumed or confirmed run never reports "all
/// trajectories healthy" over a file that flags some.
fn add_flagged(status: &[u8], unhealthy: &mut Vec<(usize, u8, String)>) {
    for (index, &s) in status.iter().enumerate() {
        if s != 0 && !unhealthy.iter().any(|u| u.0 == index) {
            unhealthy.push((
                index,
                s,
                format!(
                    "{} in an earlier run of this recipe (see `galerkin info`)",
                    if s == 2 { "failed" } else { "under-resolved" }
                ),
            ));
        }
    }
    unhealthy.sort_by_key(|u| u.0);
}

/// The output already exists: fine if it is this recipe's complete file, refused otherwise.
pub(super) fn confirm_complete(recipe: &Recipe, start: Instant) -> Result<SimulateSummary> {
    let output = recipe.output.clone();
    let file = hdf5::File::open(&output).ok();
    let stored = file.as_ref().and_then(|f| read_string_attr(f, "recipe"));
    let ours = recipe.canonical_text();
    if stored.as_deref() != Some(ours.as_str()) {
        let difference = match &stored {
            None => "it holds no galerkin recipe".to_string(),
            Some(text) => first_difference(text, &ours),
        };
        return Err(DataError::InvalidField {
            field: "output".into(),
            value: output.display().to_string(),
            allowed: format!(
                "a path that does not exist yet or this recipe's complete dataset; the file \
                 there is another dataset ({difference}) and is never overwritten: move it \
                 away or write elsewhere (-o, or the recipe's `output`)"
            ),
        });
    }
    let status = file
        .and_then(|f| f.dataset("health/status").ok())
        .and_then(|d| d.read_raw::<u8>().ok())
        .unwrap_or_default();
    let mut unhealthy = Vec::new();
    add_flagged(&status, &mut unhealthy);
    Ok(SimulateSummary {
        output,
        written: 0,
        skipped: recipe.n_traj,
        unhealthy,
        seconds: start.elapsed().as_secs_f64(),
    })
}
