//! Training FNO-1D on operator data (u₀ ↦ u(T)) with the relative L² loss and AdamW
//! (Loshchilov & Hutter, ICLR 2019: decoupled weight decay) under a cosine schedule. The
//! optimizer works on the plain f64 weight arrays, so the same state serves checkpoints
//! and the orthogonalized updates (Muon) to come.

use burn::tensor::{Device, Tensor, TensorData};
use faer::Mat;

use super::fno::{Fno1d, Fno1dConfig, Fno1dWeights};
use super::spectral::FourierMatrices;
use super::to_f64;

/// Input/target pairs on N points: inputs [S, 2, N] (u₀ and x), targets [S, 1, N].
#[derive(Debug, Clone, PartialEq)]
pub struct OperatorData {
    /// Grid points.
    pub n: usize,
    /// u₀ per sample (S × N).
    pub initial: Vec<Vec<f64>>,
    /// u(T) per sample (S × N).
    pub target: Vec<Vec<f64>>,
}

impl OperatorData {
    /// The pairs (first save, last save) of every trajectory of a 1-D trajectory file.
    pub fn from_dataset(dataset: &crate::data::Dataset) -> crate::data::Result<Self> {
        let n_t = dataset.shape()[1];
        let n = dataset.snapshot_len();
        let (mut initial, mut target) = (Vec::new(), Vec::new());
        for i in 0..dataset.n_traj() {
            initial.push(dataset.snapshots(i, 0..1)?);
            target.push(dataset.snapshots(i, n_t - 1..n_t)?);
        }
        Ok(Self { n, initial, target })
    }

    /// Samples `idx` as (inputs [B, 2, N], targets [B, 1, N]) on `device`.
    fn batch(&self, idx: &[usize], device: &Device) -> (Tensor<3>, Tensor<3>) {
        let n = self.n;
        let mut input = Vec::with_capacity(idx.len() * 2 * n);
        let mut target = Vec::with_capacity(idx.len() * n);
        for &i in idx {
            input.extend_from_slice(&self.initial[i]);
            input.extend((0..n).map(|j| j as f64 / n as f64));
            target.extend_from_slice(&self.target[i]);
        }
        (
            Tensor::from_data(TensorData::new(input, [idx.len(), 2, n]), device),
            Tensor::from_data(TensorData::new(target, [idx.len(), 1, n]), device),
        )
    }
}

/// The mean over the batch of ‖prediction − target‖ / ‖target‖ (the FNO paper's loss and
/// test metric).
pub fn relative_l2(prediction: Tensor<3>, target: Tensor<3>) -> Tensor<1> {
    let [batch, channels, n] = target.dims();
    let per_sample = [batch, channels * n];
    let err = (prediction - target.clone())
        .powf_scalar(2.0)
        .reshape(per_sample)
        .sum_dim(1)
        .sqrt();
    let norm = target
        .powf_scalar(2.0)
        .reshape(per_sample)
        .sum_dim(1)
        .sqrt();
    (err / norm).mean().reshape([1])
}

/// AdamW state over the weight arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct AdamW {
    /// First moments.
    pub m: Vec<Vec<f64>>,
    /// Second moments.
    pub v: Vec<Vec<f64>>,
    /// Steps taken.
    pub t: usize,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

impl AdamW {
    /// Zero moments for `weights`.
    pub fn new(weights: &Fno1dWeights, weight_decay: f64) -> Self {
        let zeros: Vec<Vec<f64>> = weights.arrays.iter().map(|a| vec![0.0; a.len()]).collect();
        Self {
            m: zeros.clone(),
            v: zeros,
            t: 0,
            weight_decay,
        }
    }

    /// One step at learning rate `lr` (β = 0.9, 0.999; ε = 1e-8).
    pub fn step(&mut self, weights: &mut Fno1dWeights, grads: &[Vec<f64>], lr: f64) {
        self.step_except(weights, grads, lr, &[]);
    }

    /// [`AdamW::step`] leaving the arrays listed in `skip` (and their moments) untouched.
    fn step_except(
        &mut self,
        weights: &mut Fno1dWeights,
        grads: &[Vec<f64>],
        lr: f64,
        skip: &[usize],
    ) {
        let (b1, b2, eps): (f64, f64, f64) = (0.9, 0.999, 1e-8);
        self.t += 1;
        let (c1, c2) = (1.0 - b1.powi(self.t as i32), 1.0 - b2.powi(self.t as i32));
        let arrays = weights
            .arrays
            .iter_mut()
            .zip(grads)
            .zip(self.m.iter_mut().zip(&mut self.v))
            .enumerate()
            .filter(|(i, _)| !skip.contains(i));
        for (_, ((w, g), (m, v))) in arrays {
            for i in 0..w.len() {
                m[i] = b1 * m[i] + (1.0 - b1) * g[i];
                v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
                let update = (m[i] / c1) / ((v[i] / c2).sqrt() + eps);
                w[i] -= lr * (update + self.weight_decay * w[i]);
            }
        }
    }
}

/// Muon (K. Jordan et al., 2024) on the hidden matrices of the FNO, AdamW on the rest:
/// Nesterov momentum (β = 0.95), then the basis core's quintic Newton–Schulz (5 steps)
/// orthogonalizes the update, scaled by √max(1, rows/cols). The 1×1 skip weights are real
/// matrices; the spectral weights are complex per mode, R_k = A_k + iB_k, and are
/// orthogonalized through the real embedding [[A, −B], [B, A]], an algebra homomorphism
/// (ᴴ ↦ ᵀ), so the real iteration returns the embedding of the complex polar factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Muon {
    /// Momentum buffers (used for the Muon arrays).
    pub momentum: Vec<Vec<f64>>,
    /// AdamW for lifting, projection and biases.
    pub adam: AdamW,
    /// Learning rate of the Muon arrays, relative to the AdamW one.
    pub lr_ratio: f64,
}

/// Which arrays Muon updates: (index, role).
fn muon_roles(config: &Fno1dConfig) -> Vec<(usize, MuonRole)> {
    (0..config.layers)
        .flat_map(|l| {
            let base = 2 + 4 * l;
            [(base, MuonRole::SpectralReal), (base + 2, MuonRole::Skip)]
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MuonRole {
    /// [K, C, C] real parts, followed by the imaginary parts in the next array.
    SpectralReal,
    /// A [C, C] skip matrix.
    Skip,
}

impl Muon {
    /// Fresh state for `weights`.
    pub fn new(weights: &Fno1dWeights, weight_decay: f64, lr_ratio: f64) -> Self {
        Self {
            momentum: weights.arrays.iter().map(|a| vec![0.0; a.len()]).collect(),
            adam: AdamW::new(weights, weight_decay),
            lr_ratio,
        }
    }

    /// One step: Muon on the hidden matrices, AdamW on everything else.
    pub fn step(&mut self, weights: &mut Fno1dWeights, grads: &[Vec<f64>], lr: f64) {
        use crate::basis::{newton_schulz, NewtonSchulzKind};
        let beta = 0.95;
        let roles = muon_roles(&weights.config);
        let muon_arrays: Vec<usize> = roles
            .iter()
            .flat_map(|&(i, role)| match role {
                MuonRole::SpectralReal => vec![i, i + 1],
                MuonRole::Skip => vec![i],
            })
            .collect();
        self.adam.step_except(weights, grads, lr, &muon_arrays);
        let nesterov = |m: &mut Vec<f64>, g: &[f64]| -> Vec<f64> {
            m.iter_mut()
                .zip(g)
                .map(|(m, g)| {
                    *m = beta * *m + (1.0 - beta) * g;
                    (1.0 - beta) * g + beta * *m
                })
                .collect()
        };
        let orthogonalize = |u: Mat<f64>| -> Mat<f64> {
            newton_schulz(u.as_ref(), NewtonSchulzKind::MuonQuintic, 5).unwrap_or(u)
        };
        let c = weights.config.width;
        let eta = lr * self.lr_ratio;
        let decay = self.adam.weight_decay;
        for (i, role) in roles {
            match role {
                MuonRole::Skip => {
                    let u = nesterov(&mut self.momentum[i], &grads[i]);
                    let o = orthogonalize(Mat::from_fn(c, c, |r, s| u[r * c + s]));
                    for (p, w) in weights.arrays[i].iter_mut().enumerate() {
                        *w = *w * (1.0 - eta * decay) - eta * o[(p / c, p % c)];
                    }
                }
                MuonRole::SpectralReal => {
                    let ur = nesterov(&mut self.momentum[i], &grads[i]);
                    let ui = nesterov(&mut self.momentum[i + 1], &grads[i + 1]);
                    for k in 0..weights.config.modes {
                        let at = |v: &[f64], r: usize, s: usize| v[k * c * c + r * c + s];
                        let embedded = Mat::from_fn(2 * c, 2 * c, |r, s| match (r < c, s < c) {
                            (true, true) | (false, false) => at(&ur, r % c, s % c),
                            (true, false) => -at(&ui, r, s - c),
                            (false, true) => at(&ui, r - c, s),
                        });
                        let o = orthogonalize(embedded);
                        for r in 0..c {
                            for s in 0..c {
                                let p = k * c * c + r * c + s;
                                let (wr, wi) = (weights.arrays[i][p], weights.arrays[i + 1][p]);
                                weights.arrays[i][p] = wr * (1.0 - eta * decay) - eta * o[(r, s)];
                                weights.arrays[i + 1][p] =
                                    wi * (1.0 - eta * decay) - eta * o[(r + c, s)];
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The optimizer of a run.
#[derive(Debug, Clone, PartialEq)]
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

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Epochs.
    pub epochs: usize,
    /// Samples per step.
    pub batch: usize,
    /// Peak learning rate (cosine decay to 0 over the run).
    pub lr: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// The optimizer.
    pub optimizer: Optimizer,
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// Mean training loss per epoch.
    pub train_loss: Vec<f64>,
    /// Wall seconds at the end of each epoch.
    pub seconds: Vec<f64>,
    /// Relative L² error on the test samples after training.
    pub test_error: f64,
    /// The trained weights.
    pub weights: Fno1dWeights,
}

/// The relative L² error of `weights` on the samples `idx` of `data`.
pub fn evaluate(
    weights: &Fno1dWeights,
    data: &OperatorData,
    idx: &[usize],
    device: &Device,
) -> f64 {
    let fourier = FourierMatrices::new(data.n, weights.config.modes, device)
        .expect("modes checked at training start");
    let model = Fno1d::new(weights, device, false);
    let (x, y) = data.batch(idx, device);
    to_f64(relative_l2(model.forward(x, &fourier), y))[0]
}

/// Trains an FNO-1D of `config` from `seed` on samples `train`, tests on `test`.
pub fn train_fno1d(
    config: Fno1dConfig,
    seed: u64,
    data: &OperatorData,
    (train, test): (&[usize], &[usize]),
    opts: &TrainOptions,
    device: &Device,
) -> crate::basis::Result<TrainReport> {
    let grad_device = device.clone().autodiff();
    let fourier = FourierMatrices::new(data.n, config.modes, &grad_device)?;
    let mut weights = Fno1dWeights::init(config, seed);
    let mut adam = AdamW::new(&weights, opts.weight_decay);
    let mut muon = match opts.optimizer {
        Optimizer::Muon { lr_ratio } => Some(Muon::new(&weights, opts.weight_decay, lr_ratio)),
        Optimizer::AdamW => None,
    };
    let start = std::time::Instant::now();
    let mut seconds = Vec::with_capacity(opts.epochs);
    let steps_per_epoch = train.len().div_ceil(opts.batch.max(1));
    let total = (opts.epochs * steps_per_epoch).max(1);
    let mut train_loss = Vec::with_capacity(opts.epochs);
    for epoch in 0..opts.epochs {
        let mut sum = 0.0;
        for (s, chunk) in train.chunks(opts.batch.max(1)).enumerate() {
            let step = epoch * steps_per_epoch + s;
            let lr =
                0.5 * opts.lr * (1.0 + (std::f64::consts::PI * step as f64 / total as f64).cos());
            let model = Fno1d::new(&weights, &grad_device, true);
            let (x, y) = data.batch(chunk, &grad_device);
            let loss = relative_l2(model.forward(x, &fourier), y);
            sum += to_f64(loss.clone())[0];
            let grads = loss.backward();
            let g = model.gradients(&grads);
            match &mut muon {
                Some(m) => m.step(&mut weights, &g, lr),
                None => adam.step(&mut weights, &g, lr),
            }
        }
        train_loss.push(sum / steps_per_epoch as f64);
        seconds.push(start.elapsed().as_secs_f64());
    }
    let test_error = evaluate(&weights, data, test, device);
    Ok(TrainReport {
        train_loss,
        seconds,
        test_error,
        weights,
    })
}
