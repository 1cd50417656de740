//! The NSM network (Du, Chalapathi, Krishnapriyan, ICLR 2024, §3.1): every hidden state is
//! a set of C channels of space-time coefficients, and a layer is
//! v ← σ(K̃ v + W v + b) with
//! - K̃ diagonal in the spectral basis: for each wavenumber k and Chebyshev degree m a
//!   complex C × C matrix A + iB acting on (cosine, sine) = (c, s) as c' = Ac + Bs,
//!   s' = As − Bc (the FNO mix, here applied to coefficients directly, so no transform);
//! - W a pointwise C × C matrix and b a constant function (coefficient √π·b on the mean);
//! - σ = GELU applied at collocation points: coefficients → values on the
//!   (2K + 1) × (M + 2) grid of [`SpectralSpace::collocation`] → GELU → back (fixed
//!   matmuls from the basis core's matrices); none after the last layer.
//!
//! Input channels: u₀(x) (constant in t) and t/T. Output: a pointwise two-layer projection
//! (C → P → 1, GELU at collocation points) gives v; the solution is
//! u(x, t) = u₀(x) + v(x, t) − v(x, 0), so u(·, 0) = u₀ holds exactly by construction (a
//! fixed linear map on the time coefficients of v).

use crate::operators::fno::init_arrays;
use burn::tensor::activation::gelu;
use burn::tensor::{Device, Gradients, Tensor, TensorData};

use super::residual::{along_space, along_time};
use super::space::SpectralSpace;
use super::{tensor2, Result};
use crate::operators::error::invalid;

/// Sizes of an NSM network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NsmConfig {
    /// Hidden channels C.
    pub width: usize,
    /// Spectral layers.
    pub layers: usize,
    /// Hidden channels of the projection.
    pub projection: usize,
}

impl NsmConfig {
    /// Rejects zero sizes, naming the field.
    pub fn check(&self) -> Result<()> {
        for (field, value) in [
            ("width", self.width),
            ("layers", self.layers),
            ("projection", self.projection),
        ] {
            if value == 0 {
                return Err(invalid(field, value, "an integer >= 1"));
            }
        }
        Ok(())
    }
}

/// The weights of an NSM network as plain f64 arrays (row-major): what the optimizer
/// updates and finite-difference checks perturb.
#[derive(Debug, Clone, PartialEq)]
pub struct NsmWeights {
    /// The sizes.
    pub config: NsmConfig,
    /// The solution space.
    pub space: SpectralSpace,
    /// Every parameter array, in the order of [`NsmWeights::shapes`].
    pub arrays: Vec<Vec<f64>>,
}

impl NsmWeights {
    /// Shapes: lifting (W \[2, C\], b \[C\]); per layer spectral (A, B) \[(K + 1)(M + 1), C, C\],
    /// pointwise (W \[C, C\], b \[C\]); projection (W₁ \[C, P\], b₁ \[P\], W₂ \[P, 1\], b₂ \[1\]).
    pub fn shapes(config: &NsmConfig, space: &SpectralSpace) -> Vec<Vec<usize>> {
        let (c, p) = (config.width, config.projection);
        let modes = (space.max_wavenumber + 1) * space.time_len();
        let mut shapes = vec![vec![2, c], vec![c]];
        for _ in 0..config.layers {
            shapes.extend([vec![modes, c, c], vec![modes, c, c], vec![c, c], vec![c]]);
        }
        shapes.extend([vec![c, p], vec![p], vec![p, 1], vec![1]]);
        shapes
    }

    /// Random weights from `seed`: uniform ±1/√fan-in for pointwise layers and, as in the
    /// FNO, U(0, 1)/C² for the spectral ones.
    pub fn init(config: NsmConfig, space: SpectralSpace, seed: u64) -> Result<Self> {
        config.check()?;
        let arrays = init_arrays(&Self::shapes(&config, &space), config.width, seed);
        Ok(Self {
            config,
            space,
            arrays,
        })
    }
}

/// The fixed (untrained) tensors of the network on one device.
#[derive(Debug, Clone)]
pub struct NsmMatrices {
    space: SpectralSpace,
    /// Time synthesis at the collocation times, transposed `[M + 1, M + 2]`.
    synth_t: Tensor<2>,
    /// Space synthesis at the collocation points `[2K + 1, 2(K + 1)]`.
    synth_x: Tensor<2>,
    /// Space analysis `[2(K + 1), 2K + 1]`.
    analysis_x: Tensor<2>,
    /// Time analysis, transposed `[M + 2, M + 1]`.
    analysis_t: Tensor<2>,
    /// The constant function 1: √π on slot (cos, 0, 0), `[P, 1, 1]`.
    unit: Tensor<3>,
    /// The time-coordinate channel t/T, `[P]`.
    time_channel: Vec<f64>,
    /// v ↦ v − v(·, 0) on time coefficients, transposed `[M + 1, M + 1]`.
    remove_initial: Tensor<2>,
    /// 1 on every spatial slot but the empty sine one, `[2(K + 1), 1, 1]`.
    mask: Tensor<3>,
}

impl NsmMatrices {
    /// The tensors of `space` on `device`.
    pub fn new(space: SpectralSpace, device: &Device) -> Result<Self> {
        let (nx, nt) = space.collocation();
        let synth_t = space.time_synthesis(nt)?;
        // The last Lobatto point is s = −1 (t = 0): q_m(−1) from the basis core.
        let at_zero: Vec<f64> = (0..space.time_len())
            .map(|m| synth_t[(nt - 1, m)])
            .collect();
        let sqrt_pi = std::f64::consts::PI.sqrt();
        // G = I − e₀ (√π q(−1))ᵀ, applied as v̂ Gᵀ along time.
        let remove = faer::Mat::from_fn(space.time_len(), space.time_len(), |row, col| {
            let identity = f64::from(u8::from(row == col));
            identity - f64::from(u8::from(col == 0)) * sqrt_pi * at_zero[row]
        });
        let times = space.lobatto_times(nt);
        let ramp: Vec<f64> = (0..nx)
            .flat_map(|_| times.iter().map(|t| t / space.t_end))
            .collect();
        let slots = space.len();
        let mut unit = vec![0.0; slots];
        unit[0] = sqrt_pi;
        let half = space.max_wavenumber + 1;
        let mask: Vec<f64> = (0..space.space_len())
            .map(|j| f64::from(u8::from(j != half)))
            .collect();
        Ok(Self {
            space,
            synth_t: tensor2(&synth_t.transpose().to_owned(), device),
            synth_x: tensor2(&space.space_synthesis(nx)?, device),
            analysis_x: tensor2(&space.space_analysis(nx)?, device),
            analysis_t: tensor2(&space.time_analysis(nt)?.transpose().to_owned(), device),
            unit: Tensor::<1>::from_data(TensorData::new(unit, [slots]), device)
                .reshape([slots, 1, 1]),
            time_channel: space.project(&ramp)?,
            remove_initial: tensor2(&remove, device),
            mask: Tensor::<1>::from_data(TensorData::new(mask, [space.space_len()]), device)
                .reshape([space.space_len(), 1, 1]),
        })
    }

    /// The space.
    pub fn space(&self) -> SpectralSpace {
        self.space
    }

    /// σ at collocation points: h `[P, B, C]` → values → GELU → coefficients.
    fn activate(&self, h: Tensor<3>) -> Tensor<3> {
        let [slots, batch, channels] = h.dims();
        let s = self.space;
        let h = h.reshape([s.space_len(), s.time_len(), batch * channels]);
        let values = along_space(along_time(h, &self.synth_t), &self.synth_x);
        let back = along_time(
            along_space(gelu(values), &self.analysis_x),
            &self.analysis_t,
        );
        back.reshape([slots, batch, channels])
    }

    /// u₀ as a space-time function (constant in t): coefficients `[P, B]` of initial
    /// coefficients `u0` (B × 2(K + 1), spatial layout of [`SpectralSpace`]).
    fn initial_field(&self, u0: &[Vec<f64>], device: &Device) -> Tensor<2> {
        let (m1, batch) = (self.space.time_len(), u0.len());
        let sqrt_pi = std::f64::consts::PI.sqrt();
        let mut data = vec![0.0; self.space.len() * batch];
        for (b, coeffs) in u0.iter().enumerate() {
            for (j, c) in coeffs.iter().enumerate() {
                data[j * m1 * batch + b] = sqrt_pi * c;
            }
        }
        Tensor::from_data(TensorData::new(data, [self.space.len(), batch]), device)
    }
}

/// An NSM network on a device, built from [`NsmWeights`].
#[derive(Debug, Clone)]
pub struct Nsm {
    /// The parameters as flat tensors (autodiff leaves when trainable), in the order of
    /// [`NsmWeights::shapes`].
    parameters: Vec<Tensor<1>>,
    shapes: Vec<Vec<usize>>,
    config: NsmConfig,
}

impl Nsm {
    /// The network of `weights` on `device`; with `trainable`, every parameter is an
    /// autodiff leaf (the device must then be an autodiff one).
    pub fn new(weights: &NsmWeights, device: &Device, trainable: bool) -> Self {
        let parameters = weights
            .arrays
            .iter()
            .map(|a| {
                let t = Tensor::<1>::from_data(TensorData::new(a.clone(), [a.len()]), device);
                if trainable {
                    t.require_grad()
                } else {
                    t
                }
            })
            .collect();
        Self {
            parameters,
            shapes: NsmWeights::shapes(&weights.config, &weights.space),
            config: weights.config,
        }
    }

    /// The gradient of every parameter array (the model was built trainable).
    pub fn gradients(&self, grads: &Gradients) -> Vec<Vec<f64>> {
        self.parameters
            .iter()
            .map(|p| {
                crate::operators::to_f64(
                    p.grad(grads)
                        .expect("a trainable model's parameters are leaves of the graph"),
                )
            })
            .collect()
    }

    fn matrix(&self, i: usize) -> Tensor<2> {
        let s = &self.shapes[i];
        self.parameters[i].clone().reshape([s[0], s[1]])
    }

    fn spectral(&self, i: usize) -> Tensor<3> {
        let s = &self.shapes[i];
        self.parameters[i].clone().reshape([s[0], s[1], s[2]])
    }

    /// h `[P, B, C]` ↦ h·W + b (b a constant function).
    fn pointwise(&self, h: Tensor<3>, i: usize, m: &NsmMatrices) -> Tensor<3> {
        let [slots, batch, channels] = h.dims();
        let w = self.matrix(i);
        let out = w.dims()[1];
        let y = h.reshape([slots * batch, channels]).matmul(w);
        y.reshape([slots, batch, out])
            + m.unit.clone() * self.parameters[i + 1].clone().reshape([1, 1, out])
    }

    /// The diagonal spectral kernel K̃: per (k, m) the complex channel mix.
    fn spectral_mix(&self, h: Tensor<3>, i: usize) -> Tensor<3> {
        let modes = h.dims()[0] / 2;
        let (a, b) = (self.spectral(i), self.spectral(i + 1));
        let c = h.clone().narrow(0, 0, modes);
        let s = h.narrow(0, modes, modes);
        let c_out = c.clone().matmul(a.clone()) + s.clone().matmul(b.clone());
        let s_out = s.matmul(a) - c.matmul(b);
        Tensor::cat(vec![c_out, s_out], 0)
    }

    /// Solution coefficients `[2(K + 1), M + 1, B]` for the initial coefficients `u0`
    /// (B vectors of 2(K + 1) in the spatial layout of [`SpectralSpace`]), on the device
    /// of `m`.
    pub fn forward(&self, u0: &[Vec<f64>], m: &NsmMatrices, device: &Device) -> Tensor<3> {
        let space = m.space;
        let batch = u0.len();
        let initial = m.initial_field(u0, device);
        let time = Tensor::<1>::from_data(
            TensorData::new(m.time_channel.clone(), [space.len()]),
            device,
        )
        .reshape([space.len(), 1, 1])
        .repeat_dim(1, batch);
        let input = Tensor::cat(
            vec![initial.clone().reshape([space.len(), batch, 1]), time],
            2,
        );
        let mut h = self.pointwise(input, 0, m);
        for l in 0..self.config.layers {
            let base = 2 + 4 * l;
            h = self.spectral_mix(h.clone(), base) + self.pointwise(h, base + 2, m);
            if l + 1 < self.config.layers {
                h = m.activate(h);
            }
        }
        let q = 2 + 4 * self.config.layers;
        let hidden = m.activate(self.pointwise(h, q, m));
        let v =
            self.pointwise(hidden, q + 2, m)
                .reshape([space.space_len(), space.time_len(), batch]);
        let u = along_time(v, &m.remove_initial)
            + initial.reshape([space.space_len(), space.time_len(), batch]);
        u * m.mask.clone()
    }
}
