//! Training losses, per sample relative and averaged over the batch:
//! - relative L²: ‖u − v‖ / ‖v‖ over the grid (the FNO paper's loss and test metric);
//! - relative H¹: the same in the Sobolev norm ‖f‖²_{H¹} = Σ_k (1 + 4π²|k|²) |f̂_k|², computed
//!   exactly from the Fourier coefficients (Parseval) with the basis core's transforms, so
//!   no finite differences (neuraloperator's H1 loss) are involved. The Nyquist mode of an
//!   even grid has no place in the real basis and is left out of the H¹ norm.

use burn::tensor::{Device, Tensor, TensorData};

use super::error::{invalid, Result};
use super::spectral::{AxisTransform, ComplexAxisTransform};
use super::transform::apply_to_batch;

/// Which loss to train with. With the workflow layer (feature `hdf5`) it is read from
/// training recipes as `l2` or `h1` (`train.loss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(
    feature = "hdf5",
    derive(serde::Deserialize, serde::Serialize),
    serde(rename_all = "kebab-case")
)]
pub enum LossKind {
    /// Relative L².
    L2,
    /// Relative H¹ (Parseval).
    H1,
}

/// The mean over the batch of ‖prediction − target‖ / ‖target‖ over all points and
/// channels of [B, P, C] tensors.
pub fn relative_l2(prediction: Tensor<3>, target: Tensor<3>) -> Tensor<1> {
    let [batch, points, channels] = target.dims();
    let norms = |t: Tensor<3>| {
        t.powf_scalar(2.0)
            .reshape([batch, points * channels])
            .sum_dim(1)
            .sqrt()
    };
    (norms(prediction - target.clone()) / norms(target))
        .mean()
        .reshape([1])
}

/// The H¹ norm of single-channel fields [B, P, 1] on a periodic grid of [0, 1)^d, as the
/// Euclidean norm of weighted Fourier coefficients.
#[derive(Debug, Clone)]
pub struct SobolevNorm {
    last: AxisTransform,
    first: Option<ComplexAxisTransform>,
    /// √(1 + 4π²|k|²) per coefficient, laid out like the transformed field.
    weight: Tensor<3>,
    shape: Vec<usize>,
}

impl SobolevNorm {
    /// The norm on a grid of `shape` (\[n\] or \[nx, ny\]), using every mode below Nyquist.
    pub fn new(shape: &[usize], device: &Device) -> Result<Self> {
        let modes = |n: usize| n.div_ceil(2);
        let tau2 = 4.0 * std::f64::consts::PI.powi(2);
        match *shape {
            [n] => {
                let k = modes(n);
                let weight: Vec<f64> = (0..2 * k)
                    .map(|r| (1.0 + tau2 * ((r % k) as f64).powi(2)).sqrt())
                    .collect();
                Ok(Self {
                    last: AxisTransform::new(n, k, device)?,
                    first: None,
                    weight: Tensor::from_data(TensorData::new(weight, [1, 2 * k, 1]), device),
                    shape: shape.to_vec(),
                })
            }
            [nx, ny] => {
                let (kx, ky) = (nx / 2, modes(ny));
                let wavenumber = |j: usize| {
                    if j < kx {
                        j as f64
                    } else {
                        j as f64 - 2.0 * kx as f64
                    }
                };
                // Layout after both transforms: [2 (Re, Im), 2kx, ky].
                let weight: Vec<f64> = (0..2 * 2 * kx * ky)
                    .map(|p| {
                        let (j, k) = ((p / ky) % (2 * kx), p % ky);
                        (1.0 + tau2 * (wavenumber(j).powi(2) + (k as f64).powi(2))).sqrt()
                    })
                    .collect();
                Ok(Self {
                    last: AxisTransform::new(ny, ky, device)?,
                    first: Some(ComplexAxisTransform::new(nx, kx, device)?),
                    weight: Tensor::from_data(TensorData::new(weight, [1, 4 * kx, ky]), device),
                    shape: shape.to_vec(),
                })
            }
            _ => Err(invalid("grid shape", format!("{shape:?}"), "1 or 2 axes")),
        }
    }

    /// Per-sample norms \[B\] of fields \[B, P, 1\].
    pub fn norms(&self, field: Tensor<3>) -> Tensor<1> {
        let batch = field.dims()[0];
        let n_last = *self.shape.last().expect("1 or 2 axes");
        let rows = self.shape.iter().product::<usize>() / n_last;
        // [B·rows, n_last, 1] → [B·rows, 2K, 1]: coefficients along the last axis.
        let z = apply_to_batch(
            &self.last.analysis,
            field.reshape([batch * rows, n_last, 1]),
        );
        let k = z.dims()[1] / 2;
        let coefficients = match &self.first {
            None => z,
            Some(first) => {
                // [B, rows, 2, K] → [B, 2·rows, K]: stacked Re, Im along the first axis.
                let stacked = z
                    .reshape([batch, rows, 2, k])
                    .permute([0, 2, 1, 3])
                    .reshape([batch, 2 * rows, k]);
                apply_to_batch(&first.analysis, stacked)
            }
        };
        let weighted = coefficients.reshape([batch, self.weight.dims()[1], self.weight.dims()[2]])
            * self.weight.clone();
        let len = weighted.dims()[1] * weighted.dims()[2];
        weighted
            .powf_scalar(2.0)
            .reshape([batch, len])
            .sum_dim(1)
            .sqrt()
            .reshape([batch])
    }

    /// The mean over the batch of ‖prediction − target‖_{H¹} / ‖target‖_{H¹}.
    pub fn relative(&self, prediction: Tensor<3>, target: Tensor<3>) -> Tensor<1> {
        (self.norms(prediction - target.clone()) / self.norms(target))
            .mean()
            .reshape([1])
    }
}
