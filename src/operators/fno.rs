//! The Fourier neural operator in 1-D and 2-D (Li et al., ICLR 2021, §4): lifting P,
//! L Fourier layers v ← σ(K v + W v + b) with the spectral convolution K and a pointwise
//! (1×1) skip W, σ = GELU except after the last layer, then a two-layer pointwise
//! projection Q. Tensors are channels-last, [B, P, C] with P the grid points (row-major
//! over a 2-D grid), so every pointwise layer is one matmul with no transpose.

use super::dense::{dense, Activation};
use burn::tensor::{DType, Device, Tensor, TensorData};
use rand::{Rng, SeedableRng};
use rayon::prelude::*;

use super::spectral::{SpectralConv, SpectralGrid};

/// Sizes of an FNO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FnoConfig {
    /// Space dimensions: 1 or 2.
    pub dims: usize,
    /// Input channels (e.g. 2 in 1-D: u₀ and x).
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Hidden width.
    pub width: usize,
    /// Retained Fourier modes per axis (in 2-D: first-axis wavenumbers 0…K−1 and −K…−1,
    /// last-axis 0…K−1).
    pub modes: usize,
    /// Fourier layers.
    pub layers: usize,
    /// Hidden size of the projection.
    pub projection: usize,
}

/// The weights of an FNO as plain f64 arrays (row-major), independent of any device:
/// what checkpoints store and finite-difference checks perturb.
#[derive(Debug, Clone, PartialEq)]
pub struct FnoWeights {
    /// The sizes.
    pub config: FnoConfig,
    /// Every parameter array, in the order of [`FnoWeights::shapes`].
    pub arrays: Vec<Vec<f64>>,
}

impl FnoWeights {
    /// Shapes of the parameter arrays: lifting (W, b); per layer spectral (A, B) [M, C, C]
    /// with M the [`SpectralGrid::mode_count`], skip (W, b); projection (W₁, b₁, W₂, b₂).
    pub fn shapes(config: &FnoConfig) -> Vec<Vec<usize>> {
        let (w, k) = (
            config.width,
            SpectralGrid::mode_count(config.modes, config.dims),
        );
        let mut shapes = vec![vec![config.in_channels, w], vec![w]];
        for _ in 0..config.layers {
            shapes.extend([vec![k, w, w], vec![k, w, w], vec![w, w], vec![w]]);
        }
        shapes.extend([
            vec![w, config.projection],
            vec![config.projection],
            vec![config.projection, config.out_channels],
            vec![config.out_channels],
        ]);
        shapes
    }

    /// Random initial weights from `seed`: uniform ±1/√fan-in for pointwise layers, and
    /// the FNO paper's 1/(C_in·C_out)·U(0, 1) for spectral weights.
    pub fn init(config: FnoConfig, seed: u64) -> Self {
        Self {
            arrays: init_arrays(&Self::shapes(&config), config.width, seed),
            config,
        }
    }
}

/// Random arrays of the given shapes from `seed`: rank-3 (spectral) arrays
/// U(0, 1)/width² as in the FNO paper, the others uniform ±1/√(first dimension) (fan-in).
pub fn init_arrays(shapes: &[Vec<usize>], width: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let spectral_scale = 1.0 / (width * width) as f64;
    shapes
        .iter()
        .map(|shape| {
            let len: usize = shape.iter().product();
            if shape.len() == 3 {
                (0..len)
                    .map(|_| spectral_scale * rng.random_range(0.0..1.0))
                    .collect()
            } else {
                let bound = 1.0 / (shape[0] as f64).sqrt();
                (0..len).map(|_| rng.random_range(-bound..bound)).collect()
            }
        })
        .collect()
}

/// An FNO on a device, built from [`FnoWeights`].
#[derive(Debug, Clone)]
pub struct Fno {
    /// The parameter tensors, in the order of [`FnoWeights::shapes`].
    pub parameters: Vec<ParameterTensor>,
    config: FnoConfig,
}

/// A parameter tensor of rank 1, 2 or 3.
#[derive(Debug, Clone)]
pub enum ParameterTensor {
    /// A bias.
    Vector(Tensor<1>),
    /// A pointwise weight.
    Matrix(Tensor<2>),
    /// Spectral weights (real or imaginary parts).
    Spectral(Tensor<3>),
}

impl ParameterTensor {
    fn vector(&self) -> Tensor<1> {
        match self {
            Self::Vector(t) => t.clone(),
            _ => unreachable!("layout fixed by FnoWeights::shapes"),
        }
    }
    fn matrix(&self) -> Tensor<2> {
        match self {
            Self::Matrix(t) => t.clone(),
            _ => unreachable!("layout fixed by FnoWeights::shapes"),
        }
    }
    fn spectral(&self) -> Tensor<3> {
        match self {
            Self::Spectral(t) => t.clone(),
            _ => unreachable!("layout fixed by FnoWeights::shapes"),
        }
    }
}

/// x [B, P, C] ↦ σ(x·W + b + a) over channels: [B, P, C′] (a [B, P, C′] optional).
fn pointwise(
    x: Tensor<3>,
    w: Tensor<2>,
    b: Tensor<1>,
    addend: Option<Tensor<3>>,
    activation: Activation,
) -> Tensor<3> {
    let [batch, points, channels] = x.dims();
    let out = w.dims()[1];
    let flat = |t: Tensor<3>| t.reshape([batch * points, out]);
    dense(
        x.reshape([batch * points, channels]),
        w,
        b,
        addend.map(flat),
        activation,
    )
    .reshape([batch, points, out])
}

impl Fno {
    /// The network of `weights` on `device`; with `trainable`, every parameter is an
    /// autodiff leaf (the device must then be an autodiff one).
    pub fn new(weights: &FnoWeights, device: &Device, trainable: bool) -> Self {
        // On an f32 device the f64 weights are narrowed here, all arrays in one parallel
        // pass, instead of copied and converted one by one on one thread (the FNO-1D
        // benchmark's model: 0.5 → 0.25 ms).
        let narrow = Tensor::<1>::zeros([1], device).dtype() == DType::F32;
        let shapes = FnoWeights::shapes(&weights.config);
        let data: Vec<TensorData> = shapes
            .par_iter()
            .zip(&weights.arrays)
            .map(|(shape, values)| {
                if narrow {
                    let narrowed: Vec<f32> = values.iter().map(|&v| v as f32).collect();
                    TensorData::new(narrowed, shape.clone())
                } else {
                    TensorData::new(values.clone(), shape.clone())
                }
            })
            .collect();
        let parameters = data
            .into_iter()
            .map(|data| {
                let leaf = |t: ParameterTensor| match t {
                    ParameterTensor::Vector(t) if trainable => {
                        ParameterTensor::Vector(t.require_grad())
                    }
                    ParameterTensor::Matrix(t) if trainable => {
                        ParameterTensor::Matrix(t.require_grad())
                    }
                    ParameterTensor::Spectral(t) if trainable => {
                        ParameterTensor::Spectral(t.require_grad())
                    }
                    t => t,
                };
                leaf(match data.shape().len() {
                    1 => ParameterTensor::Vector(Tensor::from_data(data, device)),
                    2 => ParameterTensor::Matrix(Tensor::from_data(data, device)),
                    _ => ParameterTensor::Spectral(Tensor::from_data(data, device)),
                })
            })
            .collect();
        Self {
            parameters,
            config: weights.config,
        }
    }

    /// The gradient of every parameter (an autodiff leaf: the model was built trainable),
    /// in the order of [`FnoWeights::shapes`].
    pub fn gradients(&self, grads: &burn::tensor::Gradients) -> Vec<Vec<f64>> {
        let missing = "a trainable model's parameters are leaves of the graph";
        self.parameters
            .iter()
            .map(|p| match p {
                ParameterTensor::Vector(t) => super::to_f64(t.grad(grads).expect(missing)),
                ParameterTensor::Matrix(t) => super::to_f64(t.grad(grads).expect(missing)),
                ParameterTensor::Spectral(t) => super::to_f64(t.grad(grads).expect(missing)),
            })
            .collect()
    }

    /// input [B, P, C_in] ↦ output [B, P, C_out], with the transforms of the grid and the
    /// modes.
    pub fn forward(&self, input: Tensor<3>, grid: &SpectralGrid) -> Tensor<3> {
        let p = &self.parameters;
        let mut v = pointwise(
            input,
            p[0].matrix(),
            p[1].vector(),
            None,
            Activation::Identity,
        );
        for l in 0..self.config.layers {
            let base = 2 + 4 * l;
            let conv = SpectralConv {
                real: p[base].spectral(),
                imag: p[base + 1].spectral(),
            };
            let activation = if l + 1 < self.config.layers {
                Activation::Gelu
            } else {
                Activation::Identity
            };
            // σ(K v + W v + b): the skip, bias, spectral term and GELU in one fused layer.
            let spectral = conv.forward(v.clone(), grid);
            v = pointwise(
                v,
                p[base + 2].matrix(),
                p[base + 3].vector(),
                Some(spectral),
                activation,
            );
        }
        let q = 2 + 4 * self.config.layers;
        let hidden = pointwise(v, p[q].matrix(), p[q + 1].vector(), None, Activation::Gelu);
        pointwise(
            hidden,
            p[q + 2].matrix(),
            p[q + 3].vector(),
            None,
            Activation::Identity,
        )
    }
}
