//! Training checkpoints (HDF5): the weights, the optimizer state (AdamW moments and step
//! count, Muon momenta), the epoch and step reached, the history, and the training recipe
//! they belong to. Written under a temporary name and renamed, so a run killed mid-write
//! keeps its previous checkpoint; `galerkin train` resumes from it.
//!
//! Layout: root attributes `format` = "galerkin-fno-checkpoint", `recipe` (the training
//! recipe's canonical text), `optimizer` ("adamw" | "muon"); `/config` (dims, in, out,
//! width, modes, layers, projection), `/progress` (epoch, step, adam_t), `/scalars`
//! (weight decay, Muon lr ratio, input scale, output scale), groups `/weights`, `/adam_m`, `/adam_v`, `/momentum` of
//! arrays `000`, `001`, … in the order of [`FnoWeights::shapes`], `/history/*`.

use std::path::{Path, PathBuf};

use crate::data::{read_string_attr, write_string_attr};
use crate::operators::data::Scales;
use crate::operators::fno::{FnoConfig, FnoWeights};
use crate::operators::optim::{AdamW, Muon};
use crate::operators::train::{History, OptimizerState, TrainState};
use crate::workflow::error::{Result, WorkflowError};

/// The `format` attribute of a checkpoint.
pub const CHECKPOINT_FORMAT: &str = "galerkin-fno-checkpoint";

fn file_error(path: &Path) -> impl Fn(hdf5::Error) -> WorkflowError + '_ {
    move |e| WorkflowError::File {
        path: path.to_path_buf(),
        reason: crate::data::describe_hdf5_error(&e),
    }
}

fn write_arrays(file: &hdf5::File, group: &str, arrays: &[Vec<f64>]) -> hdf5::Result<()> {
    let g = file.create_group(group)?;
    for (i, a) in arrays.iter().enumerate() {
        g.new_dataset_builder()
            .with_data(a.as_slice())
            .create(format!("{i:03}").as_str())?;
    }
    Ok(())
}

fn read_arrays(file: &hdf5::File, group: &str, count: usize) -> hdf5::Result<Vec<Vec<f64>>> {
    let g = file.group(group)?;
    (0..count)
        .map(|i| g.dataset(&format!("{i:03}"))?.read_raw::<f64>())
        .collect()
}

fn write_values(file: &hdf5::File, name: &str, values: &[f64]) -> hdf5::Result<()> {
    file.new_dataset_builder().with_data(values).create(name)?;
    Ok(())
}

fn config_values(c: &FnoConfig) -> [u64; 7] {
    [
        c.dims,
        c.in_channels,
        c.out_channels,
        c.width,
        c.modes,
        c.layers,
        c.projection,
    ]
    .map(|v| v as u64)
}

/// Writes `state` of the run of `recipe` to `path` atomically.
pub fn save(path: &Path, state: &TrainState, recipe: &str) -> Result<()> {
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    let write = || -> hdf5::Result<()> {
        let f = hdf5::File::create(&tmp)?;
        write_string_attr(&f, "format", CHECKPOINT_FORMAT)?;
        write_string_attr(&f, "recipe", recipe)?;
        let (adam, muon): (&AdamW, Option<&Muon>) = match &state.optimizer {
            OptimizerState::AdamW(a) => (a, None),
            OptimizerState::Muon(m) => (&m.adam, Some(m)),
        };
        write_string_attr(
            &f,
            "optimizer",
            if muon.is_some() { "muon" } else { "adamw" },
        )?;
        f.new_dataset_builder()
            .with_data(&config_values(&state.weights.config))
            .create("config")?;
        f.new_dataset_builder()
            .with_data(&[state.epoch as u64, state.step as u64, adam.t as u64])
            .create("progress")?;
        write_values(
            &f,
            "scalars",
            &[
                adam.weight_decay,
                muon.map_or(0.0, |m| m.lr_ratio),
                state.scales.input,
                state.scales.output,
            ],
        )?;
        write_arrays(&f, "weights", &state.weights.arrays)?;
        write_arrays(&f, "adam_m", &adam.m)?;
        write_arrays(&f, "adam_v", &adam.v)?;
        if let Some(m) = muon {
            write_arrays(&f, "momentum", &m.momentum)?;
        }
        let h = &state.history;
        f.create_group("history")?;
        write_values(&f, "history/train_loss", &h.train_loss)?;
        write_values(&f, "history/test_error", &h.test_error)?;
        write_values(&f, "history/seconds", &h.seconds)?;
        write_values(&f, "history/step_loss", &h.step_loss)?;
        f.flush()
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| WorkflowError::File {
            path: parent.to_path_buf(),
            reason: e.to_string(),
        })?;
    }
    write().map_err(file_error(path))?;
    std::fs::rename(&tmp, path).map_err(|e| WorkflowError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// A checkpoint read back: the state and the recipe text it was written for.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The run's state.
    pub state: TrainState,
    /// The canonical text of the training recipe.
    pub recipe: String,
}

/// Reads the checkpoint `path`.
pub fn load(path: &Path) -> Result<Checkpoint> {
    let bad = |reason: &str| WorkflowError::File {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let f = hdf5::File::open(path).map_err(file_error(path))?;
    if read_string_attr(&f, "format").as_deref() != Some(CHECKPOINT_FORMAT) {
        return Err(bad("not a galerkin FNO checkpoint (no `format` attribute)"));
    }
    let read = || -> hdf5::Result<(Vec<u64>, Vec<u64>, Vec<f64>)> {
        Ok((
            f.dataset("config")?.read_raw::<u64>()?,
            f.dataset("progress")?.read_raw::<u64>()?,
            f.dataset("scalars")?.read_raw::<f64>()?,
        ))
    };
    let (c, progress, scalars) = read().map_err(file_error(path))?;
    if c.len() != 7 || progress.len() != 3 || scalars.len() != 4 {
        return Err(bad("truncated `config`, `progress` or `scalars`"));
    }
    let c: Vec<usize> = c.iter().map(|&v| v as usize).collect();
    let config = FnoConfig {
        dims: c[0],
        in_channels: c[1],
        out_channels: c[2],
        width: c[3],
        modes: c[4],
        layers: c[5],
        projection: c[6],
    };
    let count = FnoWeights::shapes(&config).len();
    let arrays = |group: &str| read_arrays(&f, group, count).map_err(file_error(path));
    let weights = FnoWeights {
        config,
        arrays: arrays("weights")?,
    };
    let expected: Vec<usize> = FnoWeights::shapes(&config)
        .iter()
        .map(|s| s.iter().product())
        .collect();
    if weights.arrays.iter().map(Vec::len).collect::<Vec<_>>() != expected {
        return Err(bad("weight arrays do not match the stored configuration"));
    }
    let adam = AdamW {
        m: arrays("adam_m")?,
        v: arrays("adam_v")?,
        t: progress[2] as usize,
        weight_decay: scalars[0],
    };
    let optimizer = match read_string_attr(&f, "optimizer").as_deref() {
        Some("adamw") => OptimizerState::AdamW(adam),
        Some("muon") => OptimizerState::Muon(Muon {
            momentum: arrays("momentum")?,
            adam,
            lr_ratio: scalars[1],
        }),
        _ => return Err(bad("unknown `optimizer` attribute")),
    };
    let values = |name: &str| {
        f.dataset(name)
            .and_then(|d| d.read_raw::<f64>())
            .map_err(file_error(path))
    };
    let history = History {
        train_loss: values("history/train_loss")?,
        test_error: values("history/test_error")?,
        seconds: values("history/seconds")?,
        step_loss: values("history/step_loss")?,
    };
    Ok(Checkpoint {
        state: TrainState {
            weights,
            scales: Scales {
                input: scalars[2],
                output: scalars[3],
            },
            optimizer,
            epoch: progress[0] as usize,
            step: progress[1] as usize,
            history,
        },
        recipe: read_string_attr(&f, "recipe").unwrap_or_default(),
    })
}
