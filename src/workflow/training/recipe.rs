//! The training recipe behind `galerkin train RECIPE.toml` (examples in `training/`):
//!
//! ```toml
//! name = "fno-burgers"
//! output = "runs/fno-burgers"           # checkpoint.h5, report.md, figures
//! [data]
//! dataset = "datasets/burgers-fno-nu0.1-s1024.toml"  # simulated first if its file is missing
//! train = [0, 1000]                      # trajectory ranges (end exclusive)
//! test = [1000, 1100]
//! task = "final"                         # or "autoregressive" (stride, history, rollout)
//! [model]
//! width = 64
//! modes = 16
//! layers = 4
//! projection = 128
//! [train]
//! epochs = 500
//! batch = 20
//! lr = 1e-3
//! schedule = "step"                      # or "cosine"; step: step_every, gamma
//! optimizer = "adamw"                    # or "muon" (muon_lr_ratio)
//! loss = "l2"                            # or "h1"
//! precision = "f32"                      # or "f64"
//! ```
//!
//! Every key but the file names has a default (the FNO paper's settings where it has one);
//! `--set key=value` overrides any of them. The named choices (`data.task`,
//! `train.schedule`, `train.optimizer`, `train.loss`, `train.precision`) are enumerations:
//! any other value is refused with the key and the allowed names.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::data::Precision;
use crate::operators::data::Task;
use crate::operators::loss::LossKind;
use crate::operators::train::{Optimizer, Schedule, TrainOptions};
use crate::workflow::error::{invalid, Result, WorkflowError};

/// A training recipe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainRecipe {
    /// Short name (used in reports).
    pub name: String,
    /// One line on what is trained.
    #[serde(default)]
    pub description: String,
    /// The run directory.
    pub output: PathBuf,
    /// Where samples come from.
    pub data: DataSpec,
    /// The model size.
    #[serde(default)]
    pub model: ModelSpec,
    /// The optimization.
    #[serde(default)]
    pub train: TrainSpec,
}

/// `[data]`: the trajectory file and how samples are cut from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// A dataset recipe (`datasets/*.toml`); its output file is simulated when missing.
    pub dataset: PathBuf,
    /// Training trajectories [start, end).
    pub train: [usize; 2],
    /// Held-out trajectories [start, end).
    pub test: [usize; 2],
    /// `final` (u at `input_save` ↦ u at `output_save`) or `autoregressive`.
    #[serde(default)]
    pub task: TaskName,
    /// Final task: the input save.
    #[serde(default)]
    pub input_save: usize,
    /// Final task: the target save (default: the last).
    #[serde(default)]
    pub output_save: Option<usize>,
    /// Autoregressive task: saves between frames.
    #[serde(default = "one")]
    pub stride: usize,
    /// Autoregressive task: input frames.
    #[serde(default = "one")]
    pub history: usize,
    /// Autoregressive task: frames predicted per training sample (k-step rollout).
    #[serde(default = "one")]
    pub rollout: usize,
    /// Scale inputs and targets to unit RMS over the training samples (for fields whose
    /// magnitudes differ much from 1 or from each other).
    #[serde(default)]
    pub normalize: bool,
}

/// `[model]`: the FNO's size (dimension and channels follow from the data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelSpec {
    /// Hidden width.
    pub width: usize,
    /// Fourier modes per axis.
    pub modes: usize,
    /// Fourier layers.
    pub layers: usize,
    /// Projection hidden size.
    pub projection: usize,
}

impl Default for ModelSpec {
    fn default() -> Self {
        Self {
            width: 64,
            modes: 16,
            layers: 4,
            projection: 128,
        }
    }
}

/// `[train]`: the optimization settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainSpec {
    /// Epochs.
    pub epochs: usize,
    /// Samples per step.
    pub batch: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// `cosine` or `step`.
    pub schedule: ScheduleName,
    /// Step schedule: epochs between decays.
    pub step_every: usize,
    /// Step schedule: decay factor.
    pub gamma: f64,
    /// Decoupled weight decay.
    pub weight_decay: f64,
    /// `adamw` or `muon`.
    pub optimizer: OptimizerName,
    /// Muon: its learning rate over AdamW's.
    pub muon_lr_ratio: f64,
    /// `l2` or `h1`.
    pub loss: LossKind,
    /// Seed of weights and batch order.
    pub seed: u64,
    /// The arithmetic of training: `f32` or `f64`.
    pub precision: Precision,
    /// Epochs between checkpoints.
    pub checkpoint_every: usize,
}

impl Default for TrainSpec {
    fn default() -> Self {
        Self {
            epochs: 500,
            batch: 20,
            lr: 1e-3,
            schedule: ScheduleName::Step,
            step_every: 100,
            gamma: 0.5,
            weight_decay: 1e-4,
            optimizer: OptimizerName::AdamW,
            muon_lr_ratio: 2.0,
            loss: LossKind::L2,
            seed: 0,
            precision: Precision::F32,
            checkpoint_every: 1,
        }
    }
}

/// `data.task`: how samples are cut, by name (the settings are the other `[data]` keys).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskName {
    /// [`Task::Final`]: u at `input_save` ↦ u at `output_save`.
    #[default]
    Final,
    /// [`Task::Autoregressive`]: `history` frames every `stride` saves ↦ the next
    /// `rollout` frames.
    Autoregressive,
}

/// `train.schedule`: the learning-rate schedule, by name (the step schedule's settings are
/// `train.step_every` and `train.gamma`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScheduleName {
    /// [`Schedule::Cosine`].
    Cosine,
    /// [`Schedule::Step`].
    Step,
}

/// `train.optimizer`: the optimizer, by name (Muon's setting is `train.muon_lr_ratio`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptimizerName {
    /// [`Optimizer::AdamW`].
    #[serde(rename = "adamw")]
    AdamW,
    /// [`Optimizer::Muon`].
    Muon,
}

fn one() -> usize {
    1
}

impl TrainRecipe {
    /// Reads `path`, applies `overrides` (`key=value`, dotted keys) and checks every key.
    pub fn from_file(path: &Path, overrides: &[String]) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| WorkflowError::File {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let recipe_error = |message: String| WorkflowError::File {
            path: path.to_path_buf(),
            reason: message,
        };
        let mut doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| recipe_error(e.to_string()))?;
        for o in overrides {
            crate::data::apply_override(&mut doc, o)?;
        }
        let recipe: TrainRecipe = toml::Value::Table(doc)
            .try_into()
            .map_err(|e: toml::de::Error| recipe_error(e.to_string()))?;
        recipe.options()?;
        recipe.check_ranges()?;
        Ok(recipe)
    }

    /// The canonical text (keys sorted, overrides applied) stored in checkpoints.
    pub fn canonical_text(&self) -> String {
        toml::to_string(self).expect("a parsed recipe serializes")
    }

    /// The canonical text with `train.epochs` left out: a checkpoint can be resumed by a
    /// recipe that differs from its own only in the number of epochs.
    pub fn resume_key(text: &str) -> String {
        let mut doc: toml::Table = text.parse().unwrap_or_default();
        if let Some(train) = doc.get_mut("train").and_then(toml::Value::as_table_mut) {
            train.remove("epochs");
        }
        toml::to_string(&doc).unwrap_or_default()
    }

    /// The sample task of `[data]` for a file of `saves` saves (an unset `output_save` is
    /// the last one).
    pub fn task_for(&self, saves: usize) -> Task {
        let d = &self.data;
        match d.task {
            TaskName::Final => Task::Final {
                input: d.input_save,
                output: d.output_save.unwrap_or(saves.saturating_sub(1)),
            },
            TaskName::Autoregressive => Task::Autoregressive {
                stride: d.stride,
                history: d.history,
                rollout: d.rollout,
            },
        }
    }

    /// The typed training options of `[train]`.
    pub fn options(&self) -> Result<TrainOptions> {
        let t = &self.train;
        let schedule = match t.schedule {
            ScheduleName::Cosine => Schedule::Cosine,
            ScheduleName::Step => Schedule::Step {
                every: t.step_every,
                gamma: t.gamma,
            },
        };
        let optimizer = match t.optimizer {
            OptimizerName::AdamW => Optimizer::AdamW,
            OptimizerName::Muon => Optimizer::Muon {
                lr_ratio: t.muon_lr_ratio,
            },
        };
        if t.checkpoint_every == 0 {
            return Err(invalid("train.checkpoint_every", 0, "at least 1 epoch"));
        }
        let options = TrainOptions {
            epochs: t.epochs,
            batch: t.batch,
            lr: t.lr,
            schedule,
            weight_decay: t.weight_decay,
            optimizer,
            loss: t.loss,
            seed: t.seed,
        };
        options.validate()?;
        Ok(options)
    }

    fn check_ranges(&self) -> Result<()> {
        for (field, [a, b]) in [
            ("data.train", self.data.train),
            ("data.test", self.data.test),
        ] {
            if a >= b {
                return Err(invalid(
                    field,
                    format!("[{a}, {b}]"),
                    "[start, end] with start < end",
                ));
            }
        }
        let ([a, b], [c, d]) = (self.data.train, self.data.test);
        if a < d && c < b {
            return Err(invalid(
                "data.test",
                format!("[{c}, {d}]"),
                format!("a range disjoint from data.train = [{a}, {b}] (held-out data)"),
            ));
        }
        let m = &self.model;
        for (field, v) in [
            ("model.width", m.width),
            ("model.modes", m.modes),
            ("model.layers", m.layers),
            ("model.projection", m.projection),
        ] {
            if v == 0 {
                return Err(invalid(field, 0, "at least 1"));
            }
        }
        Ok(())
    }

    /// The checkpoint of the run.
    pub fn checkpoint_path(&self) -> PathBuf {
        self.output.join("checkpoint.h5")
    }
}
