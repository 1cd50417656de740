//! `galerkin train RECIPE.toml` as a library call: simulate the dataset if its file is
//! missing, read the training and held-out trajectories, resume from the run's checkpoint
//! when it belongs to the same recipe, train with a progress bar (loss, lr, samples/s),
//! checkpoint every `train.checkpoint_every` epochs, and finish with the held-out error,
//! the loss curves and, for autoregressive tasks, the rollout error against time
//! (`OUTPUT/report.md`, `OUTPUT/loss.png`, `OUTPUT/rollout.png`).

use std::fmt::Write as _;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use super::error::{AppError, Result};
use super::plot::{line_chart, LineChart, Series, Style};
use crate::data::SimulateOptions;
use crate::operators::loss::LossKind;
use crate::operators::train::{StepReport, TrainState};
use crate::parallel::{Collective, SingleProcess};
use crate::workflow::training::recipe::TrainRecipe;
use crate::workflow::training::run::train_on;
use crate::workflow::WorkflowError;

/// How `galerkin train` runs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Ignore an existing checkpoint and start from the seed.
    pub fresh: bool,
    /// No progress bar.
    pub quiet: bool,
}

/// What a training run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// The final state (weights, optimizer, history).
    pub state: TrainState,
    /// The epoch the run resumed from (0 for a fresh run).
    pub resumed_from: usize,
    /// Held-out one-step relative L² error at the end.
    pub test_error: f64,
    /// (time, mean relative L² error) of the held-out rollout (autoregressive tasks).
    pub rollout: Vec<(f64, f64)>,
    /// The report written to `OUTPUT/report.md`.
    pub report: PathBuf,
}

/// Runs the training recipe `recipe` (see the module docs).
pub fn run(recipe: &TrainRecipe, opts: &RunOptions) -> Result<RunSummary> {
    run_on(recipe, opts, &SingleProcess)
}

/// [`run`] data-parallel over the ranks of `comm` (`mpirun -n P galerkin train`): rank 0
/// shows the progress and writes the checkpoint and the report.
pub fn run_on(
    recipe: &TrainRecipe,
    opts: &RunOptions,
    comm: &dyn Collective,
) -> Result<RunSummary> {
    let root = comm.rank() == 0;
    let quiet = opts.quiet || !root;
    let bar = progress_bar(quiet);
    let mut on_step = |r: &StepReport| {
        bar.set_length(r.total_steps as u64);
        bar.set_position(r.step as u64 + 1);
        bar.set_message(format!(
            "epoch {}  loss {:.4e}  lr {:.2e}  {:.0} samples/s",
            r.epoch + 1,
            r.loss,
            r.lr,
            r.samples_per_second
        ));
    };
    let simulate = SimulateOptions {
        progress: crate::app::progress::trajectories(quiet),
        ..Default::default()
    };
    let stop = crate::app::interrupt::requested;
    let outcome = train_on(recipe, opts.fresh, &simulate, &mut on_step, &stop, comm)?;
    bar.finish_and_clear();
    if outcome.stopped {
        return Err(AppError::Interrupted {
            epoch: outcome.state.epoch,
            epochs: recipe.train.epochs,
            checkpoint: recipe.checkpoint_path(),
        });
    }
    if outcome.resumed_from > 0 && !quiet {
        eprintln!(
            "train: resumed {} from epoch {} ({})",
            recipe.name,
            outcome.resumed_from,
            recipe.checkpoint_path().display()
        );
    }
    let report = if root {
        write_report(recipe, &outcome.state, outcome.test_error, &outcome.rollout)?
    } else {
        recipe.output.join("report.md")
    };
    Ok(RunSummary {
        state: outcome.state,
        resumed_from: outcome.resumed_from,
        test_error: outcome.test_error,
        rollout: outcome.rollout,
        report,
    })
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} steps  {msg}  elapsed {elapsed}  ETA {eta}",
        )
        .expect("valid template"),
    );
    bar
}

/// Writes `OUTPUT/report.md`, `loss.png` and (with a rollout) `rollout.png`.
fn write_report(
    recipe: &TrainRecipe,
    state: &TrainState,
    test_error: f64,
    rollout: &[(f64, f64)],
) -> Result<PathBuf> {
    let out = &recipe.output;
    let h = &state.history;
    let epochs = |v: &[f64]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .map(|(i, &y)| ((i + 1) as f64, y))
            .collect()
    };
    line_chart(
        &out.join("loss.png"),
        &LineChart {
            title: format!("{}: training loss and held-out error", recipe.name),
            x_label: "epoch".into(),
            y_label: "relative error".into(),
            log_x: false,
            log_y: true,
            series: vec![
                Series {
                    label: match recipe.train.loss {
                        LossKind::L2 => "training loss (relative L²)",
                        LossKind::H1 => "training loss (relative H¹)",
                    }
                    .into(),
                    points: epochs(&h.train_loss),
                    style: Style::Line,
                    colour: Some(0),
                },
                Series {
                    label: "held-out relative L² (one step)".into(),
                    points: epochs(&h.test_error),
                    style: Style::Line,
                    colour: Some(1),
                },
            ],
        },
    )?;
    let mut md = format!(
        "# Training run `{}`\n\n{}\n\nRecipe (canonical):\n\n```toml\n{}```\n\n| epochs | optimizer steps | wall time (s) | final training loss | held-out relative L² |\n|---|---|---|---|---|\n| {} | {} | {:.1} | {:.4e} | {:.4e} |\n",
        recipe.name,
        recipe.description,
        recipe.canonical_text(),
        state.epoch,
        state.step,
        h.seconds.last().copied().unwrap_or(0.0),
        h.train_loss.last().copied().unwrap_or(f64::NAN),
        test_error
    );
    if !rollout.is_empty() {
        line_chart(
            &out.join("rollout.png"),
            &LineChart {
                title: format!("{}: held-out autoregressive rollout", recipe.name),
                x_label: "time".into(),
                y_label: "relative L² error".into(),
                log_x: false,
                log_y: true,
                series: vec![Series {
                    label: "mean over held-out trajectories".into(),
                    points: rollout.to_vec(),
                    style: Style::LineAndMarkers,
                    colour: Some(0),
                }],
            },
        )?;
        md += "\n## Rollout error against time (held-out trajectories)\n\n| time | relative L² |\n|---|---|\n";
        for (t, e) in rollout {
            let _ = writeln!(md, "| {t:.3} | {e:.4e} |");
        }
    }
    let path = out.join("report.md");
    crate::data::write_text_atomically(&path, &md).map_err(|e| WorkflowError::File {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    Ok(path)
}
