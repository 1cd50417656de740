//! `galerkin train RECIPE.toml` as a library call: simulate the dataset if its file is
//! missing, read the training and held-out trajectories, resume from the run's checkpoint
//! when it belongs to the same recipe, train with a progress bar (loss, lr, samples/s),
//! checkpoint every `train.checkpoint_every` epochs, and finish with the held-out error,
//! the loss curves and, for autoregressive tasks, the rollout error against time
//! (`OUTPUT/report.md`, `OUTPUT/loss.png`, `OUTPUT/rollout.png`).

use std::fmt::Write as _;
use std::path::PathBuf;

use burn::tensor::Device;
use indicatif::{ProgressBar, ProgressStyle};

use super::error::Result;
use super::plot::{line_chart, LineChart, Series, Style};
use crate::data::{open_or_simulate, Precision, SimulateOptions};
use crate::operators::data::Task;
use crate::operators::loss::LossKind;
use crate::operators::train::{rollout_errors, StepReport, TrainJob, TrainState};
use crate::workflow::error::{invalid, WorkflowError};
use crate::workflow::training::checkpoint;
use crate::workflow::training::recipe::TrainRecipe;
use crate::workflow::training::samples::read_trajectories;

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

/// The device of a precision: the flex CPU backend in f32 or f64.
pub fn device_for(precision: Precision) -> Device {
    match precision {
        Precision::F32 => Device::flex(),
        Precision::F64 => crate::operators::cpu_f64(),
    }
}

/// Runs the training recipe `recipe` (see the module docs).
pub fn run(recipe: &TrainRecipe, opts: &RunOptions) -> Result<RunSummary> {
    let dataset = open_or_simulate(
        &recipe.data.dataset,
        &SimulateOptions {
            progress: crate::app::progress::trajectories(opts.quiet),
            ..Default::default()
        },
    )?;
    let range = |r: [usize; 2]| r[0]..r[1];
    for (field, r) in [
        ("data.train", recipe.data.train),
        ("data.test", recipe.data.test),
    ] {
        if r[1] > dataset.n_traj() {
            return Err(invalid(
                field,
                format!("[{}, {}]", r[0], r[1]),
                format!("within the file's {} trajectories", dataset.n_traj()),
            )
            .into());
        }
    }
    let train = read_trajectories(&dataset, range(recipe.data.train))?;
    let test = read_trajectories(&dataset, range(recipe.data.test))?;
    let task = recipe.task_for(train.saves());
    let options = recipe.options()?;
    let job = TrainJob {
        train: &train,
        test: &test,
        task,
        normalize: recipe.data.normalize,
        options,
        device: device_for(recipe.train.precision),
    };
    let m = &recipe.model;
    let text = recipe.canonical_text();
    let path = recipe.checkpoint_path();
    let state = match (opts.fresh, path.exists()) {
        (false, true) => {
            let found = checkpoint::load(&path)?;
            if TrainRecipe::resume_key(&found.recipe) != TrainRecipe::resume_key(&text) {
                return Err(WorkflowError::File {
                    path,
                    reason: "this checkpoint belongs to a different recipe (only train.epochs may change on resume); pass --fresh to start over".into(),
                }
                .into());
            }
            found.state
        }
        _ => job.fresh(m.width, m.modes, m.layers, m.projection)?,
    };
    let resumed_from = state.epoch;
    if resumed_from > 0 && !opts.quiet {
        eprintln!(
            "train: resuming {} from epoch {resumed_from} ({})",
            recipe.name,
            path.display()
        );
    }
    let bar = progress_bar(opts.quiet);
    let mut progress = |r: &StepReport| {
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
    let every = recipe.train.checkpoint_every;
    let epochs = job.options.epochs;
    let mut save = |s: &TrainState| {
        let h = &s.history;
        tracing::info!(
            "epoch {}/{epochs}: training loss {:.4e}, held-out {:.4e}, {:.1} s",
            s.epoch,
            h.train_loss.last().copied().unwrap_or(f64::NAN),
            h.test_error.last().copied().unwrap_or(f64::NAN),
            h.seconds.last().copied().unwrap_or(0.0)
        );
        if s.epoch % every == 0 || s.epoch == epochs {
            checkpoint::save(&path, s, &text)?;
        }
        Ok(std::ops::ControlFlow::Continue(()))
    };
    let state = job.run(state, &mut progress, &mut save)?;
    bar.finish_and_clear();
    // Every epoch, fresh or resumed, ends with a held-out evaluation, and epochs >= 1.
    let test_error = *state
        .history
        .test_error
        .last()
        .expect("at least one epoch has been evaluated");
    let rollout = match task {
        Task::Autoregressive {
            stride, history, ..
        } => rollout_errors(
            (&state.weights, state.scales),
            &test,
            (stride, history),
            &job.device,
        )?,
        Task::Final { .. } => Vec::new(),
    };
    let report = write_report(recipe, &state, test_error, &rollout)?;
    Ok(RunSummary {
        state,
        resumed_from,
        test_error,
        rollout,
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
    let tmp = out.join("report.md.tmp");
    std::fs::write(&tmp, md)
        .and_then(|_| std::fs::rename(&tmp, &path))
        .map_err(|e| WorkflowError::File {
            path: path.clone(),
            reason: e.to_string(),
        })?;
    Ok(path)
}
