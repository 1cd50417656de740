//! Self-supervised training of the NSM network on Burgers: every step draws a fresh batch
//! of Gaussian-random-field initial conditions, and the loss is the coefficient-space
//! residual norm ‖R‖²_w of [`BurgersResidual`] — no solution is ever computed. AdamW (the
//! crate's, [`AdamW::step_arrays`]) with a cosine learning-rate schedule.

use std::time::Instant;

use burn::tensor::Device;
use galerkin_solvers::{Grid, InitialCondition};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::network::{Nsm, NsmConfig, NsmMatrices, NsmWeights};
use super::residual::BurgersResidual;
use super::space::SpectralSpace;
use super::Result;
use crate::operators::error::invalid;
use crate::operators::optim::AdamW;
use crate::operators::to_f64;

/// The Burgers family an NSM learns: viscosity, the space-time solution space, and the
/// distribution of u₀ (a Gaussian random field truncated to its first `initial_modes`
/// Fourier modes, so u₀ lies exactly in the solution space).
#[derive(Debug, Clone, PartialEq)]
pub struct BurgersProblem {
    /// ν > 0.
    pub viscosity: f64,
    /// The solution space (K modes, degree M, final time T).
    pub space: SpectralSpace,
    /// The random field u₀ is drawn from (`InitialCondition::GaussianRandomField`).
    pub initial: InitialCondition,
    /// Wavenumbers 1…K₀ of u₀ kept (K₀ ≤ K).
    pub initial_modes: usize,
}

impl BurgersProblem {
    /// The problem, checked: ν > 0, 1 ≤ K₀ ≤ K, and a Gaussian-random-field `initial`.
    pub fn new(
        viscosity: f64,
        space: SpectralSpace,
        initial: InitialCondition,
        initial_modes: usize,
    ) -> Result<Self> {
        super::check_viscosity(viscosity)?;
        if !(1..=space.max_wavenumber).contains(&initial_modes) {
            return Err(invalid(
                "initial_modes",
                initial_modes,
                "1 <= initial_modes <= max_wavenumber",
            ));
        }
        if !matches!(initial, InitialCondition::GaussianRandomField { .. }) {
            return Err(invalid(
                "initial",
                initial.kind(),
                "a gaussian-random-field initial condition",
            ));
        }
        Ok(Self {
            viscosity,
            space,
            initial,
            initial_modes,
        })
    }

    /// One u₀ as spatial coefficients (2(K + 1), layout of [`SpectralSpace`]): the field is
    /// sampled by the solvers' sampler on 2K + 2 points, projected by the basis core's
    /// Fourier basis and cut to K₀ modes.
    pub fn sample_initial(&self, rng: &mut ChaCha8Rng) -> Result<Vec<f64>> {
        let n = 2 * self.space.max_wavenumber + 2;
        let field = self.initial.sample(&Grid::new_1d(n, 1.0)?, rng)?;
        let analysis = self.space.space_analysis(n)?;
        Ok((0..self.space.space_len())
            .map(|j| {
                if self.space.wavenumber(j) > self.initial_modes {
                    return 0.0;
                }
                (0..n).map(|i| analysis[(j, i)] * field[i]).sum()
            })
            .collect())
    }

    /// `count` initial conditions from `rng`, in order.
    pub fn sample_batch(&self, count: usize, rng: &mut ChaCha8Rng) -> Result<Vec<Vec<f64>>> {
        (0..count).map(|_| self.sample_initial(rng)).collect()
    }
}

/// Training settings.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    /// Optimizer steps (each on a fresh batch).
    pub steps: usize,
    /// Initial conditions per step.
    pub batch: usize,
    /// Peak learning rate (cosine decay to 0 over the run).
    pub lr: f64,
    /// AdamW weight decay.
    pub weight_decay: f64,
    /// Seed of the weights (`seed`) and of the training draws (`seed + 1`).
    pub seed: u64,
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// The residual loss ‖R‖²_w of each step's batch (before its update).
    pub loss: Vec<f64>,
    /// Wall seconds at the end of each step.
    pub seconds: Vec<f64>,
    /// The trained weights.
    pub weights: NsmWeights,
}

/// Trains an NSM network of `config` on `problem` (deterministic from `opts.seed`).
pub fn train(
    problem: &BurgersProblem,
    config: NsmConfig,
    opts: &TrainOptions,
    device: &Device,
) -> Result<TrainReport> {
    for (field, value) in [("steps", opts.steps), ("batch", opts.batch)] {
        if value == 0 {
            return Err(invalid(field, value, "an integer >= 1"));
        }
    }
    if !(opts.lr.is_finite() && opts.lr > 0.0) {
        return Err(invalid("lr", opts.lr, "a finite learning rate > 0"));
    }
    let grad_device = device.clone().autodiff();
    let matrices = NsmMatrices::new(problem.space, &grad_device)?;
    let residual = BurgersResidual::new(problem.space, problem.viscosity, &grad_device)?;
    let mut weights = NsmWeights::init(config, problem.space, opts.seed)?;
    let mut adam = AdamW::for_arrays(&weights.arrays, opts.weight_decay);
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed.wrapping_add(1));
    let start = Instant::now();
    let (mut loss, mut seconds) = (Vec::new(), Vec::new());
    for step in 0..opts.steps {
        let lr =
            0.5 * opts.lr * (1.0 + (std::f64::consts::PI * step as f64 / opts.steps as f64).cos());
        let u0 = problem.sample_batch(opts.batch, &mut rng)?;
        let model = Nsm::new(&weights, &grad_device, true);
        let value = residual.loss(model.forward(&u0, &matrices, &grad_device));
        loss.push(to_f64(value.clone())[0]);
        let grads = value.backward();
        adam.step_arrays(&mut weights.arrays, &model.gradients(&grads), lr);
        seconds.push(start.elapsed().as_secs_f64());
    }
    Ok(TrainReport {
        loss,
        seconds,
        weights,
    })
}

/// Solution coefficients of `model` for each initial condition in `u0` (one batched
/// forward pass): per sample 2(K + 1)(M + 1) values in the layout of [`SpectralSpace`].
pub fn predict(
    model: &Nsm,
    matrices: &NsmMatrices,
    u0: &[Vec<f64>],
    device: &Device,
) -> Vec<Vec<f64>> {
    let u = model.forward(u0, matrices, device);
    let per_sample = matrices.space().len();
    let values = to_f64(u.reshape([per_sample, u0.len()]).transpose());
    values.chunks(per_sample).map(<[f64]>::to_vec).collect()
}

/// The residual loss ‖R‖²_w of `weights` averaged over `u0` (e.g. held-out draws).
pub fn residual_loss(
    problem: &BurgersProblem,
    weights: &NsmWeights,
    u0: &[Vec<f64>],
    device: &Device,
) -> Result<f64> {
    let matrices = NsmMatrices::new(weights.space, device)?;
    let residual = BurgersResidual::new(problem.space, problem.viscosity, device)?;
    let u = Nsm::new(weights, device, false).forward(u0, &matrices, device);
    Ok(to_f64(residual.loss(u))[0])
}
