//! Training samples for neural operators, cut from trajectories held in memory (the
//! workflow layer reads them from trajectory files):
//! - [`Task::Final`]: one pair per trajectory, u(t_in) ↦ u(t_out) (the FNO Burgers task);
//! - [`Task::Autoregressive`]: windows u_{t−(h−1)Δ} … u_t ↦ u_{t+Δ}, …, u_{t+kΔ} for k-step
//!   rollout training (the FNO Navier–Stokes task with h input frames).
//!
//! Inputs are channels-last [B, P, h + d]: the h input frames, then the d grid coordinates
//! (x, and y in 2-D, on [0, 1)), as in the FNO paper.

use burn::tensor::{Device, Tensor, TensorData};

use super::error::{invalid, Result};

/// How samples are cut from trajectories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// u(save `input`) ↦ u(save `output`), one pair per trajectory.
    Final {
        /// Save index of the input.
        input: usize,
        /// Save index of the target.
        output: usize,
    },
    /// `history` frames every `stride` saves ↦ the next `rollout` frames.
    Autoregressive {
        /// Saves between consecutive frames (Δ).
        stride: usize,
        /// Input frames (h).
        history: usize,
        /// Frames predicted in one training sample (k), the model fed its own output.
        rollout: usize,
    },
}

impl Task {
    /// Input frames per sample.
    pub fn history(&self) -> usize {
        match self {
            Task::Final { .. } => 1,
            Task::Autoregressive { history, .. } => *history,
        }
    }

    /// Target frames per sample.
    pub fn rollout(&self) -> usize {
        match self {
            Task::Final { .. } => 1,
            Task::Autoregressive { rollout, .. } => *rollout,
        }
    }
}

/// Scale factors that bring inputs and targets to unit RMS before they meet the network
/// (the role of the FNO code's unit-Gaussian normalizers): Adam's steps are absolute, so a
/// target 100× smaller than its input (Burgers at ν = 0.1 decays that much by t = 1) would
/// otherwise need last-layer weights 100× smaller than the steps taken on them. Relative
/// losses are unchanged by the scaling. Autoregressive tasks feed outputs back as inputs
/// and use one scale for both.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    /// RMS of the input frames over the training samples.
    pub input: f64,
    /// RMS of the target frames over the training samples.
    pub output: f64,
}

impl Scales {
    /// No scaling.
    pub const ONE: Scales = Scales {
        input: 1.0,
        output: 1.0,
    };
}

/// Whole trajectories of one scalar field, kept in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectories {
    /// The grid shape, \[n\] or \[nx, ny\] (row-major, last axis fastest).
    pub shape: Vec<usize>,
    /// Save times.
    pub times: Vec<f64>,
    /// Per trajectory, per save, the field at the P grid points.
    pub fields: Vec<Vec<Vec<f64>>>,
}

impl Trajectories {
    /// Grid points per field.
    pub fn points(&self) -> usize {
        self.shape.iter().product()
    }

    /// Saves per trajectory.
    pub fn saves(&self) -> usize {
        self.times.len()
    }

    /// The (trajectory, first target save) of every sample of `task`, after checking the
    /// task fits the saves.
    pub fn samples(&self, task: &Task) -> Result<Vec<(usize, usize)>> {
        let saves = self.saves();
        let starts: Vec<usize> = match *task {
            Task::Final { input, output } => {
                if input >= output || output >= saves {
                    return Err(invalid(
                        "data.input_save / data.output_save",
                        format!("{input} / {output}"),
                        format!("input < output < {saves} (the file's saves)"),
                    ));
                }
                vec![output]
            }
            Task::Autoregressive {
                stride,
                history,
                rollout,
            } => {
                if stride == 0 || history == 0 || rollout == 0 {
                    return Err(invalid(
                        "data.stride / data.history / data.rollout",
                        format!("{stride} / {history} / {rollout}"),
                        "each at least 1",
                    ));
                }
                let first = history * stride;
                let span = (rollout - 1) * stride;
                if first + span >= saves {
                    return Err(invalid(
                        "data.history / data.rollout / data.stride",
                        format!("{history} / {rollout} / {stride}"),
                        format!("(history + rollout − 1)·stride < {saves} (the file's saves)"),
                    ));
                }
                (first..saves - span).collect()
            }
        };
        Ok((0..self.fields.len())
            .flat_map(|i| starts.iter().map(move |&t| (i, t)))
            .collect())
    }

    /// The save index of input frame `j` (0 = oldest) for a sample whose first target is
    /// save `t`.
    fn input_save(task: &Task, t: usize, j: usize) -> usize {
        match *task {
            Task::Final { input, .. } => input,
            Task::Autoregressive {
                stride, history, ..
            } => t - (history - j) * stride,
        }
    }

    /// The save of target frame `j` (0 = first) of a sample whose first target is save `t`.
    fn target_save(task: &Task, t: usize, j: usize) -> usize {
        match *task {
            Task::Final { .. } => t,
            Task::Autoregressive { stride, .. } => t + j * stride,
        }
    }

    /// The [`Scales`] of `task` on these (training) trajectories.
    pub fn scales(&self, task: &Task) -> Result<Scales> {
        let samples = self.samples(task)?;
        let rms = |frames: &mut dyn Iterator<Item = &Vec<f64>>| {
            let (sum, count) = frames.fold((0.0, 0usize), |(s, c), f| {
                (s + f.iter().map(|v| v * v).sum::<f64>(), c + f.len())
            });
            (sum / count.max(1) as f64).sqrt()
        };
        let input = rms(&mut samples.iter().flat_map(|&(i, t)| {
            (0..task.history()).map(move |j| &self.fields[i][Self::input_save(task, t, j)])
        }));
        let output = rms(&mut samples.iter().flat_map(|&(i, t)| {
            (0..task.rollout()).map(move |j| &self.fields[i][Self::target_save(task, t, j)])
        }));
        let scales = match task {
            Task::Final { .. } => Scales { input, output },
            Task::Autoregressive { .. } => Scales {
                input: input.max(output),
                output: input.max(output),
            },
        };
        if !(scales.input > 0.0 && scales.output > 0.0) {
            return Err(invalid(
                "data.dataset",
                "all-zero fields",
                "training inputs and targets with a non-zero RMS",
            ));
        }
        Ok(scales)
    }

    /// Inputs [B, P, h + d] (frames / `scales.input`, then coordinates) and targets
    /// (/ `scales.output`), one [B, P, 1] tensor per rollout step, for `samples` on
    /// `device`.
    pub fn batch(
        &self,
        task: &Task,
        samples: &[(usize, usize)],
        scales: Scales,
        device: &Device,
    ) -> (Tensor<3>, Vec<Tensor<3>>) {
        let p = self.points();
        let inputs: Vec<Vec<&[f64]>> = samples
            .iter()
            .map(|&(i, t)| {
                (0..task.history())
                    .map(|j| self.fields[i][Self::input_save(task, t, j)].as_slice())
                    .collect()
            })
            .collect();
        let targets = (0..task.rollout())
            .map(|j| {
                let mut target = Vec::with_capacity(samples.len() * p);
                for &(i, t) in samples {
                    let frame = &self.fields[i][Self::target_save(task, t, j)];
                    target.extend(frame.iter().map(|v| v / scales.output));
                }
                Tensor::from_data(TensorData::new(target, [samples.len(), p, 1]), device)
            })
            .collect();
        (input_tensor(&inputs, &self.shape, scales, device), targets)
    }
}

/// The network input [B, P, h + d] of B samples of h frames each (every frame P values on
/// a grid of `shape`): per point, the frames / `scales.input`, then the point's
/// coordinates on [0, 1)^d.
pub fn input_tensor(
    samples: &[Vec<&[f64]>],
    shape: &[usize],
    scales: Scales,
    device: &Device,
) -> Tensor<3> {
    let p: usize = shape.iter().product();
    let d = shape.len();
    let h = samples.first().map_or(1, Vec::len);
    let coords = grid_coordinates(shape);
    let mut input = Vec::with_capacity(samples.len() * p * (h + d));
    for frames in samples {
        for point in 0..p {
            input.extend(frames.iter().map(|f| f[point] / scales.input));
            input.extend_from_slice(&coords[point * d..(point + 1) * d]);
        }
    }
    Tensor::from_data(TensorData::new(input, [samples.len(), p, h + d]), device)
}

/// The coordinates of every grid point on [0, 1)^d, point-major ([P, d]).
pub fn grid_coordinates(shape: &[usize]) -> Vec<f64> {
    let points: usize = shape.iter().product();
    let mut out = Vec::with_capacity(points * shape.len());
    for p in 0..points {
        let mut rest = p;
        let mut coords = vec![0.0; shape.len()];
        for (axis, &n) in shape.iter().enumerate().rev() {
            coords[axis] = (rest % n) as f64 / n as f64;
            rest /= n;
        }
        out.extend(coords);
    }
    out
}

/// The next input after a predicted frame: drop the oldest of the h frames of `input`
/// [B, P, h + d], append `prediction` [B, P, 1] after the newest, keep the coordinates.
pub fn shift_input(input: Tensor<3>, prediction: Tensor<3>, history: usize) -> Tensor<3> {
    let [batch, points, channels] = input.dims();
    let mut parts = Vec::with_capacity(3);
    if history > 1 {
        parts.push(input.clone().slice([0..batch, 0..points, 1..history]));
    }
    parts.push(prediction);
    parts.push(input.slice([0..batch, 0..points, history..channels]));
    Tensor::cat(parts, 2)
}
