//! Training an FNO on trajectory samples ([`super::data`]): mini-batches shuffled from the
//! seed and the epoch (so a resumed run draws the same batches), k-step rollout with
//! backpropagation through the rollout, relative L² or H¹ loss, AdamW or Muon under a
//! cosine or step schedule, held-out evaluation every epoch, a checkpoint (weights and
//! optimizer state) every few epochs, and the autoregressive rollout error against time.

use std::ops::ControlFlow;

use burn::tensor::{Device, Tensor};
use rand::seq::SliceRandom;
use rand::SeedableRng;

use super::data::{input_tensor, shift_input, Scales, Task, Trajectories};
use super::error::{invalid, OperatorError, Result};
use super::fno::{Fno, FnoConfig, FnoWeights};
use super::loss::{relative_l2, LossKind, SobolevNorm};
use super::optim::{AdamW, Muon};
use super::spectral::SpectralGrid;
use super::to_f64;
use crate::parallel::{Collective, SingleProcess};

/// The learning-rate schedule over the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// lr·½(1 + cos(π·step/steps)) (Loshchilov & Hutter, SGDR, without restarts).
    Cosine,
    /// lr·γ^⌊epoch/every⌋ (the FNO paper: γ = 0.5 every 100 epochs).
    Step {
        /// Epochs between decays.
        every: usize,
        /// Decay factor.
        gamma: f64,
    },
}

impl Schedule {
    /// The learning rate at optimizer step `step` of `total`, in epoch `epoch`.
    pub fn lr(&self, peak: f64, (step, total): (usize, usize), epoch: usize) -> f64 {
        match *self {
            Schedule::Cosine => {
                let fraction = step as f64 / total.max(1) as f64;
                0.5 * peak * (1.0 + (std::f64::consts::PI * fraction).cos())
            }
            Schedule::Step { every, gamma } => peak * gamma.powi((epoch / every.max(1)) as i32),
        }
    }
}

/// The optimizer of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// AdamW on every array.
    AdamW,
    /// Muon on the hidden matrices (learning rate `lr_ratio` × the AdamW one), AdamW on
    /// the rest.
    Muon {
        /// The ratio of Muon's learning rate to AdamW's.
        lr_ratio: f64,
    },
}

/// An optimizer with its state (what a checkpoint stores).
#[derive(Debug, Clone, PartialEq)]
pub enum OptimizerState {
    /// AdamW moments.
    AdamW(AdamW),
    /// Muon momenta and the AdamW state of the other arrays.
    Muon(Muon),
}

impl OptimizerState {
    /// Fresh state of `optimizer` for `weights`.
    pub fn new(optimizer: Optimizer, weights: &FnoWeights, weight_decay: f64) -> Self {
        match optimizer {
            Optimizer::AdamW => Self::AdamW(AdamW::new(weights, weight_decay)),
            Optimizer::Muon { lr_ratio } => Self::Muon(Muon::new(weights, weight_decay, lr_ratio)),
        }
    }

    /// One update of `weights` from `grads` at learning rate `lr` (the training loop's, and the
    /// benchmarks' comparison of the optimizers on the same gradients).
    pub fn step(&mut self, weights: &mut FnoWeights, grads: &[Vec<f64>], lr: f64) {
        match self {
            Self::AdamW(adam) => adam.step(weights, grads, lr),
            Self::Muon(muon) => muon.step(weights, grads, lr),
        }
    }
}

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Epochs.
    pub epochs: usize,
    /// Samples per optimizer step.
    pub batch: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// The schedule.
    pub schedule: Schedule,
    /// Decoupled weight decay.
    pub weight_decay: f64,
    /// The optimizer.
    pub optimizer: Optimizer,
    /// The loss.
    pub loss: LossKind,
    /// Seed of the initial weights and of the batch order.
    pub seed: u64,
}

impl TrainOptions {
    /// The learning rate of step `step` of `total`, in epoch `epoch`.
    pub fn lr_at(&self, step: usize, total: usize, epoch: usize) -> f64 {
        self.schedule.lr(self.lr, (step, total), epoch)
    }

    /// Checks every setting, naming the recipe key at fault.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(invalid("train.epochs", 0, "at least 1"));
        }
        if self.batch == 0 {
            return Err(invalid("train.batch", 0, "at least 1"));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(invalid("train.lr", self.lr, "a finite value > 0"));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(invalid("train.weight_decay", self.weight_decay, ">= 0"));
        }
        if let Schedule::Step { every, gamma } = self.schedule {
            if every == 0 || !(gamma > 0.0 && gamma <= 1.0) {
                return Err(invalid(
                    "train.step_every / train.gamma",
                    format!("{every} / {gamma}"),
                    "step_every >= 1 and 0 < gamma <= 1",
                ));
            }
        }
        if let Optimizer::Muon { lr_ratio } = self.optimizer {
            if !(lr_ratio.is_finite() && lr_ratio > 0.0) {
                return Err(invalid(
                    "train.muon_lr_ratio",
                    lr_ratio,
                    "a finite value > 0",
                ));
            }
        }
        Ok(())
    }
}

/// Per-epoch history of a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Mean training loss.
    pub train_loss: Vec<f64>,
    /// Held-out one-step relative L² error.
    pub test_error: Vec<f64>,
    /// Wall seconds of training at the end of the epoch (summed over resumed sessions).
    pub seconds: Vec<f64>,
    /// Mean training loss of every optimizer step.
    pub step_loss: Vec<f64>,
}

/// Everything a run needs to go on: weights, optimizer state, progress.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainState {
    /// The current weights.
    pub weights: FnoWeights,
    /// The input and output scales the weights were trained with.
    pub scales: Scales,
    /// The optimizer and its state.
    pub optimizer: OptimizerState,
    /// Epochs completed.
    pub epoch: usize,
    /// Optimizer steps taken.
    pub step: usize,
    /// Per-epoch history.
    pub history: History,
}

impl TrainState {
    /// The state before the first step: weights from the seed, fresh optimizer, the
    /// data's `scales`.
    pub fn fresh(config: FnoConfig, opts: &TrainOptions, scales: Scales) -> Self {
        let weights = FnoWeights::init(config, opts.seed);
        Self {
            scales,
            optimizer: OptimizerState::new(opts.optimizer, &weights, opts.weight_decay),
            weights,
            epoch: 0,
            step: 0,
            history: History::default(),
        }
    }
}

/// What the hook called after every epoch returns: go on or stop, or its own error (a
/// checkpoint that could not be written, say), which stops the run as
/// `OperatorError::Hook`.
pub type AfterEpoch =
    std::result::Result<ControlFlow<()>, Box<dyn std::error::Error + Send + Sync>>;

/// What the progress display is told after each optimizer step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// Epoch (0-based).
    pub epoch: usize,
    /// Optimizer step over the run (0-based).
    pub step: usize,
    /// Steps in the whole run.
    pub total_steps: usize,
    /// The batch's loss.
    pub loss: f64,
    /// The learning rate used.
    pub lr: f64,
    /// Training samples per second over this session.
    pub samples_per_second: f64,
}

/// One training job: data, task, model size and settings, on a device.
#[derive(Debug, Clone)]
pub struct TrainJob<'a> {
    /// Training trajectories.
    pub train: &'a Trajectories,
    /// Held-out trajectories.
    pub test: &'a Trajectories,
    /// How samples are cut.
    pub task: Task,
    /// Bring inputs and targets to unit RMS ([`Scales`]) before they meet the network.
    pub normalize: bool,
    /// The settings.
    pub options: TrainOptions,
    /// The device (plain; autodiff is added for training).
    pub device: Device,
}

impl TrainJob<'_> {
    /// The fresh state of a model of the given size for this job (with `normalize`, the
    /// scales of the training data).
    pub fn fresh(
        &self,
        width: usize,
        modes: usize,
        layers: usize,
        projection: usize,
    ) -> Result<TrainState> {
        let scales = if self.normalize {
            self.train.scales(&self.task)?
        } else {
            Scales::ONE
        };
        Ok(TrainState::fresh(
            self.config(width, modes, layers, projection),
            &self.options,
            scales,
        ))
    }

    /// The model size for this job's data: the channels follow from the task and grid.
    pub fn config(
        &self,
        width: usize,
        modes: usize,
        layers: usize,
        projection: usize,
    ) -> FnoConfig {
        FnoConfig {
            dims: self.train.shape.len(),
            in_channels: self.task.history() + self.train.shape.len(),
            out_channels: 1,
            width,
            modes,
            layers,
            projection,
        }
    }

    /// Runs epochs `state.epoch..options.epochs`, calling `progress` after each step and
    /// `after_epoch` (to checkpoint) after each epoch, which may end the session early
    /// with [`ControlFlow::Break`] (the schedule still spans all `options.epochs`, so a
    /// run resumed later is the same run). On a non-finite loss it stops with
    /// [`OperatorError::Diverged`] before touching the weights.
    pub fn run(
        &self,
        state: TrainState,
        progress: &mut dyn FnMut(&StepReport),
        after_epoch: &mut dyn FnMut(&TrainState) -> AfterEpoch,
    ) -> Result<TrainState> {
        self.run_on(state, &SingleProcess, progress, after_epoch)
    }

    /// [`TrainJob::run`] data-parallel over the ranks of `comm`: every rank draws the same
    /// shuffled batches, takes the loss and gradients of its share of each batch (the loss
    /// is a batch mean, so share p weighs |B_p| / |B|), and the weighted gradients and
    /// losses are summed in rank order: every rank takes the optimizer step of the whole
    /// batch, the same as one process up to the round-off of a mean formed in two stages.
    /// A collective: every rank calls it with the same job and state.
    pub fn run_on(
        &self,
        mut state: TrainState,
        comm: &dyn Collective,
        progress: &mut dyn FnMut(&StepReport),
        after_epoch: &mut dyn FnMut(&TrainState) -> AfterEpoch,
    ) -> Result<TrainState> {
        self.options.validate()?;
        let config = state.weights.config;
        check_config(&config, self.train)?;
        let grad_device = self.device.clone().autodiff();
        let grid = SpectralGrid::new(&self.train.shape, config.modes, &grad_device)?;
        let sobolev = match self.options.loss {
            LossKind::H1 => Some(SobolevNorm::new(&self.train.shape, &grad_device)?),
            LossKind::L2 => None,
        };
        let samples = self.train.samples(&self.task)?;
        let test_samples = self.test.samples(&self.task)?;
        let batch = self.options.batch.min(samples.len());
        let steps_per_epoch = samples.len().div_ceil(batch);
        let total = self.options.epochs * steps_per_epoch;
        let start = std::time::Instant::now();
        let offset = state.history.seconds.last().copied().unwrap_or(0.0);
        let mut seen = 0usize;
        while state.epoch < self.options.epochs {
            let epoch = state.epoch;
            let mut order = samples.clone();
            let mut rng =
                rand_chacha::ChaCha8Rng::seed_from_u64(self.options.seed ^ (epoch as u64 + 1));
            order.shuffle(&mut rng);
            let mut sum = 0.0;
            for chunk in order.chunks(batch) {
                let lr = self.options.lr_at(state.step, total, epoch);
                let model = Fno::new(&state.weights, &grad_device, true);
                let share = &chunk[comm.my_share(chunk.len())];
                let (mut value, mut grads) = (0.0, None);
                if !share.is_empty() {
                    let (input, targets) =
                        self.train
                            .batch(&self.task, share, state.scales, &grad_device);
                    let loss =
                        rollout_loss(&model, &grid, sobolev.as_ref(), input, targets, &self.task);
                    value = to_f64(loss.clone())[0];
                    if value.is_finite() {
                        grads = Some(model.gradients(&loss.backward()));
                    }
                }
                if comm.size() > 1 {
                    let weight = share.len() as f64 / chunk.len() as f64;
                    value = comm.all_sum(&[weight * value])[0];
                }
                if !value.is_finite() {
                    return Err(OperatorError::Diverged {
                        epoch,
                        step: state.step,
                        loss: value,
                    });
                }
                let grads = match grads {
                    Some(g) if comm.size() == 1 => g,
                    local => all_sum_gradients(
                        comm,
                        local,
                        &state.weights.arrays,
                        share.len() as f64 / chunk.len() as f64,
                    ),
                };
                state.optimizer.step(&mut state.weights, &grads, lr);
                sum += value * chunk.len() as f64;
                seen += chunk.len();
                state.history.step_loss.push(value);
                progress(&StepReport {
                    epoch,
                    step: state.step,
                    total_steps: total,
                    loss: value,
                    lr,
                    samples_per_second: seen as f64 / start.elapsed().as_secs_f64().max(1e-9),
                });
                state.step += 1;
            }
            state.history.train_loss.push(sum / samples.len() as f64);
            state
                .history
                .seconds
                .push(offset + start.elapsed().as_secs_f64());
            state.history.test_error.push(evaluate(
                (&state.weights, state.scales),
                self.test,
                &self.task,
                &test_samples,
                &self.device,
            )?);
            state.epoch += 1;
            if after_epoch(&state).map_err(OperatorError::Hook)?.is_break() {
                break;
            }
        }
        Ok(state)
    }
}

/// Σ_p w_p ∇_p over the ranks of `comm` (in rank order) of this rank's gradients `local`
/// (none for an empty share: zeros shaped like `weights`) weighted by `weight`.
fn all_sum_gradients(
    comm: &dyn Collective,
    local: Option<Vec<Vec<f64>>>,
    weights: &[Vec<f64>],
    weight: f64,
) -> Vec<Vec<f64>> {
    let flat: Vec<f64> = match local {
        Some(grads) => grads.into_iter().flatten().map(|g| weight * g).collect(),
        None => vec![0.0; weights.iter().map(Vec::len).sum()],
    };
    let mut summed = comm.all_sum(&flat).into_iter();
    weights
        .iter()
        .map(|w| summed.by_ref().take(w.len()).collect())
        .collect()
}

/// Checks that `config` fits the data: dimensions and modes.
fn check_config(config: &FnoConfig, data: &Trajectories) -> Result<()> {
    if config.dims != data.shape.len() {
        return Err(invalid(
            "model.dims",
            config.dims,
            format!("{} (the data's grid {:?})", data.shape.len(), data.shape),
        ));
    }
    for (field, value) in [
        ("model.width", config.width),
        ("model.layers", config.layers),
        ("model.projection", config.projection),
    ] {
        if value == 0 {
            return Err(invalid(field, 0, "at least 1"));
        }
    }
    let smallest = *data.shape.iter().min().expect("1 or 2 axes");
    if config.modes == 0 || 2 * config.modes > smallest {
        return Err(invalid(
            "model.modes",
            config.modes,
            format!(
                "1 ..= {} (half the smallest grid size, {smallest})",
                smallest / 2
            ),
        ));
    }
    Ok(())
}

/// The mean loss over the k rollout steps of a batch, feeding each prediction back as
/// the newest input frame (gradients flow through the whole rollout).
fn rollout_loss(
    model: &Fno,
    grid: &SpectralGrid,
    sobolev: Option<&SobolevNorm>,
    mut input: Tensor<3>,
    targets: Vec<Tensor<3>>,
    task: &Task,
) -> Tensor<1> {
    let k = targets.len();
    let mut total: Option<Tensor<1>> = None;
    for (j, target) in targets.into_iter().enumerate() {
        let prediction = model.forward(input.clone(), grid);
        let loss = match sobolev {
            Some(norm) => norm.relative(prediction.clone(), target),
            None => relative_l2(prediction.clone(), target),
        };
        total = Some(match total {
            Some(t) => t + loss,
            None => loss,
        });
        if j + 1 < k {
            input = shift_input(input, prediction, task.history());
        }
    }
    total.expect("rollout >= 1") / k as f64
}

/// The mean one-step relative L² error of `weights` (trained with `scales`) on
/// `samples`, in batches.
pub fn evaluate(
    (weights, scales): (&FnoWeights, Scales),
    data: &Trajectories,
    task: &Task,
    samples: &[(usize, usize)],
    device: &Device,
) -> Result<f64> {
    let grid = SpectralGrid::new(&data.shape, weights.config.modes, device)?;
    let model = Fno::new(weights, device, false);
    let first_step = match *task {
        Task::Autoregressive {
            stride, history, ..
        } => Task::Autoregressive {
            stride,
            history,
            rollout: 1,
        },
        t => t,
    };
    let mut sum = 0.0;
    for chunk in samples.chunks(EVAL_BATCH) {
        let (input, targets) = data.batch(&first_step, chunk, scales, device);
        let target = targets.into_iter().next().expect("one target frame");
        sum += to_f64(relative_l2(model.forward(input, &grid), target))[0] * chunk.len() as f64;
    }
    Ok(sum / samples.len().max(1) as f64)
}

/// What `weights` (trained with `scales`) predict from `inputs` (per sample, the
/// `config.in_channels − d` input frames, oldest first, each the P values of a grid of
/// `shape`): per sample, `steps` frames, each fed back as the newest input frame of the
/// next (an autoregressive rollout; `steps` = 1 for one application), in physical units.
pub fn predict(
    (weights, scales): (&FnoWeights, Scales),
    inputs: &[Vec<&[f64]>],
    shape: &[usize],
    steps: usize,
    device: &Device,
) -> Result<Vec<Vec<Vec<f64>>>> {
    let config = &weights.config;
    let history = config.in_channels.saturating_sub(config.dims);
    if shape.len() != config.dims || inputs.iter().any(|frames| frames.len() != history) {
        return Err(invalid(
            "inputs",
            format!(
                "{} samples of {:?} frames on a grid of shape {shape:?}",
                inputs.len(),
                inputs.first().map(Vec::len)
            ),
            format!(
                "{history} frames per sample on a {}-D grid (the checkpoint's model)",
                config.dims
            ),
        ));
    }
    let points: usize = shape.iter().product();
    if let Some(bad) = inputs.iter().flatten().find(|f| f.len() != points) {
        return Err(invalid(
            "frame length",
            bad.len(),
            format!("{points} values (grid {shape:?})"),
        ));
    }
    let grid = SpectralGrid::new(shape, config.modes, device)?;
    let model = Fno::new(weights, device, false);
    let mut outputs = vec![Vec::with_capacity(steps); inputs.len()];
    for (first, chunk) in inputs.chunks(EVAL_BATCH).enumerate() {
        let mut input = input_tensor(chunk, shape, scales, device);
        for _ in 0..steps {
            let prediction = model.forward(input.clone(), &grid);
            let values = to_f64(prediction.clone());
            for (b, frame) in values.chunks_exact(points).enumerate() {
                outputs[first * EVAL_BATCH + b].push(
                    frame
                        .iter()
                        .map(|v| v * scales.output)
                        .collect::<Vec<f64>>(),
                );
            }
            input = shift_input(input, prediction, history);
        }
    }
    Ok(outputs)
}

/// Samples per evaluation batch (bounds memory, not results).
const EVAL_BATCH: usize = 32;

/// The autoregressive rollout of `weights` (trained with `scales`) from the first
/// `history` frames (every `stride` saves) of each trajectory of `data` to its end: per
/// predicted save, the time and the relative L² error averaged over the trajectories.
pub fn rollout_errors(
    (weights, scales): (&FnoWeights, Scales),
    data: &Trajectories,
    (stride, history): (usize, usize),
    device: &Device,
) -> Result<Vec<(f64, f64)>> {
    let saves = data.saves();
    if stride == 0 || history * stride >= saves {
        return Err(invalid(
            "rollout stride / history",
            format!("{stride} / {history}"),
            format!("history·stride < {saves} (the file's saves)"),
        ));
    }
    let steps = (saves - 1 - (history - 1) * stride) / stride;
    let task = Task::Autoregressive {
        stride,
        history,
        rollout: steps,
    };
    let grid = SpectralGrid::new(&data.shape, weights.config.modes, device)?;
    let model = Fno::new(weights, device, false);
    let mut errors = vec![0.0; steps];
    let n = data.fields.len();
    for first in (0..n).step_by(EVAL_BATCH) {
        let samples: Vec<(usize, usize)> = (first..n.min(first + EVAL_BATCH))
            .map(|i| (i, history * stride))
            .collect();
        let (mut input, targets) = data.batch(&task, &samples, scales, device);
        for (j, target) in targets.into_iter().enumerate() {
            let prediction = model.forward(input.clone(), &grid);
            errors[j] += to_f64(relative_l2(prediction.clone(), target))[0] * samples.len() as f64;
            input = shift_input(input, prediction, history);
        }
    }
    Ok(errors
        .into_iter()
        .enumerate()
        .map(|(j, e)| (data.times[(history + j) * stride], e / n as f64))
        .collect())
}
