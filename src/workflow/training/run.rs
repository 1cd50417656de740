//! A training recipe run end to end, as a library call (what `galerkin train` and the
//! Python package's `train` run): simulate the dataset if its file is missing, read the
//! training and held-out trajectories, resume from the run's checkpoint when it belongs
//! to the same recipe, train (checkpointing every `train.checkpoint_every` epochs and at
//! the end), and finish with the held-out error and, for autoregressive tasks, the
//! rollout error against time. Progress goes to a callback; the caller may stop the run
//! between epochs (the checkpoint then holds the last epoch, and the same call resumes).

use std::ops::ControlFlow;

use burn::tensor::Device;

use super::checkpoint;
use super::recipe::TrainRecipe;
use super::samples::read_trajectories;
use crate::data::{open_or_simulate, Dataset, Precision, Recipe, SimulateOptions};
use crate::operators::data::Task;
use crate::operators::train::{rollout_errors, StepReport, TrainJob, TrainState};
use crate::parallel::{Collective, SingleProcess};
use crate::workflow::error::{invalid, Result, WorkflowError};

/// What a training run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOutcome {
    /// The final state (weights, optimizer, history).
    pub state: TrainState,
    /// The epoch the run resumed from (0 for a fresh run).
    pub resumed_from: usize,
    /// Held-out one-step relative L² error at the end.
    pub test_error: f64,
    /// (time, mean relative L² error) of the held-out rollout (autoregressive tasks).
    pub rollout: Vec<(f64, f64)>,
    /// Whether the caller stopped the run before its last epoch.
    pub stopped: bool,
}

/// The device of a precision: the flex CPU backend in f32 or f64.
pub fn device_for(precision: Precision) -> Device {
    match precision {
        Precision::F32 => Device::flex(),
        Precision::F64 => crate::operators::cpu_f64(),
    }
}

/// Runs `recipe` (see the module docs): `fresh` ignores an existing checkpoint;
/// `simulate` reports the simulation of a missing dataset; `on_step` sees every optimizer
/// step; `stop` is asked after every epoch.
pub fn train(
    recipe: &TrainRecipe,
    fresh: bool,
    simulate: &SimulateOptions,
    on_step: &mut dyn FnMut(&StepReport),
    stop: &dyn Fn() -> bool,
) -> Result<TrainOutcome> {
    train_on(recipe, fresh, simulate, on_step, stop, &SingleProcess)
}

/// [`train`] data-parallel over the ranks of `comm` ([`TrainJob::run_on`]): every rank
/// reads the data and holds the model; rank 0 alone writes the checkpoint; the run stops
/// between epochs when any rank's `stop` says so. On several ranks the dataset must exist
/// (simulate it first, with `mpirun … galerkin simulate`). A collective.
pub fn train_on(
    recipe: &TrainRecipe,
    fresh: bool,
    simulate: &SimulateOptions,
    on_step: &mut dyn FnMut(&StepReport),
    stop: &dyn Fn() -> bool,
    comm: &dyn Collective,
) -> Result<TrainOutcome> {
    let dataset = if comm.size() > 1 {
        let data_recipe = Recipe::from_file(&recipe.data.dataset, &[])?;
        if !data_recipe.output.exists() {
            return Err(invalid(
                "data.dataset",
                recipe.data.dataset.display(),
                format!(
                    "a simulated dataset when training on several ranks ({} is missing: run \
                     `galerkin simulate {}` first)",
                    data_recipe.output.display(),
                    recipe.data.dataset.display()
                ),
            ));
        }
        Dataset::open(&data_recipe.output)?
    } else {
        open_or_simulate(&recipe.data.dataset, simulate)?
    };
    for (field, r) in [
        ("data.train", recipe.data.train),
        ("data.test", recipe.data.test),
    ] {
        if r[1] > dataset.n_traj() {
            return Err(invalid(
                field,
                format!("[{}, {}]", r[0], r[1]),
                format!("within the file's {} trajectories", dataset.n_traj()),
            ));
        }
    }
    let range = |r: [usize; 2]| r[0]..r[1];
    let train = read_trajectories(&dataset, range(recipe.data.train))?;
    let test = read_trajectories(&dataset, range(recipe.data.test))?;
    let task = recipe.task_for(train.saves());
    super::memory::check_training_memory(
        &recipe.model,
        &train.shape,
        task.history() + train.shape.len(),
        // A step holds at most every sample.
        recipe
            .train
            .batch
            .min(train.fields.len().saturating_mul(train.saves())),
        crate::data::available_bytes(),
    )?;
    let job = TrainJob {
        train: &train,
        test: &test,
        task,
        normalize: recipe.data.normalize,
        options: recipe.options()?,
        device: device_for(recipe.train.precision),
    };
    let m = &recipe.model;
    let text = recipe.canonical_text();
    let path = recipe.checkpoint_path();
    let state = match (fresh, path.exists()) {
        (false, true) => {
            let found = checkpoint::load(&path)?;
            if TrainRecipe::resume_key(&found.recipe) != TrainRecipe::resume_key(&text) {
                return Err(WorkflowError::File {
                    path,
                    reason: "this checkpoint belongs to a different recipe (only train.epochs \
                             may change on resume); pass --fresh (fresh=True in Python) to \
                             start over"
                        .into(),
                });
            }
            found.state
        }
        _ => job.fresh(m.width, m.modes, m.layers, m.projection)?,
    };
    let resumed_from = state.epoch;
    if resumed_from > 0 {
        tracing::info!(
            "train: resuming {} from epoch {resumed_from} ({})",
            recipe.name,
            path.display()
        );
    }
    let every = recipe.train.checkpoint_every;
    let epochs = job.options.epochs;
    let mut stopped = false;
    let mut after_epoch = |s: &TrainState| {
        let h = &s.history;
        tracing::info!(
            "epoch {}/{epochs}: training loss {:.4e}, held-out {:.4e}, {:.1} s",
            s.epoch,
            h.train_loss.last().copied().unwrap_or(f64::NAN),
            h.test_error.last().copied().unwrap_or(f64::NAN),
            h.seconds.last().copied().unwrap_or(0.0)
        );
        // Every rank must agree, or the others would wait in the next step's gather.
        let asked = f64::from(u8::from(stop()));
        stopped = s.epoch < epochs && comm.all_sum(&[asked])[0] > 0.0;
        if comm.rank() == 0 && (s.epoch % every == 0 || s.epoch == epochs || stopped) {
            checkpoint::save(&path, s, &text)?;
        }
        Ok(if stopped {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        })
    };
    let state = job.run_on(state, comm, on_step, &mut after_epoch)?;
    // Every epoch, fresh or resumed, ends with a held-out evaluation, and epochs >= 1.
    let test_error = *state
        .history
        .test_error
        .last()
        .expect("at least one epoch has been evaluated");
    let rollout = match task {
        Task::Autoregressive {
            stride, history, ..
        } if !stopped => rollout_errors(
            (&state.weights, state.scales),
            &test,
            (stride, history),
            &job.device,
        )?,
        _ => Vec::new(),
    };
    Ok(TrainOutcome {
        state,
        resumed_from,
        test_error,
        rollout,
        stopped,
    })
}
