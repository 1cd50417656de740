//! The spectral convolution of a Fourier neural operator (Li et al., "Fourier neural
//! operator for parametric PDEs", ICLR 2021, eq. (4)), v ↦ F⁻¹(R · F v) with K retained
//! modes per axis, as dense real matmuls on channels-last tensors:
//!
//! - along the last (or only) axis, the real truncated transform of the basis core's
//!   orthonormal [`crate::basis::fourier_basis`]: z_k = c_k − i s_k with c, s the cosine and
//!   sine coefficients, k = 0…K−1 ([`AxisTransform`]);
//! - in 2-D, along the first axis, the complex DFT of those z for the wavenumbers
//!   0…K−1 and −K…−1 (the FNO paper's two weight blocks), as a real 2×2 block matrix
//!   ([`ComplexAxisTransform`]);
//! - per retained mode, the complex channel mix z′ = z R with R = A + iB (C_in × C_out),
//!   which on [Re z, Im z] is the real matmul with [[A, B], [−B, A]];
//! - the inverse transforms, which reproduce every retained mode exactly.
//!
//! Every step is a matmul (batched over modes, or a fixed transform applied to every batch
//! item: [`super::transform::apply_to_batch`], on faer for the CPU), so the layer
//! runs on any burn backend with autodiff, for any N (no power-of-two or padding case), and
//! its cost 2NK per channel and axis beats an FFT for the K ≪ N of FNOs. Keeping channels
//! last means the large [B, N, C] activations are never transposed: only the small
//! coefficient arrays [B, 2K, C] are permuted.

use burn::tensor::{Device, Tensor, TensorData};

use super::error::{invalid, Result};
use super::mode_mix::mix_modes;
use super::transform::apply_to_batch;
use crate::basis::fourier_basis;

/// The real truncated Fourier transform of one periodic axis of N points, K modes.
#[derive(Debug, Clone)]
pub struct AxisTransform {
    /// [2K, N]: rows 0…K−1 give c_k, rows K…2K−1 give −s_k (so the output is [Re z; Im z]).
    pub analysis: Tensor<2>,
    /// [N, 2K]: the grid function of [Re z; Im z] (inverse of `analysis` on the K modes).
    pub synthesis: Tensor<2>,
}

impl AxisTransform {
    /// The transform of `modes` modes (k = 0…modes−1) on `n` points of [0, 1).
    pub fn new(n: usize, modes: usize, device: &Device) -> Result<Self> {
        check_modes(modes)?;
        let basis = fourier_basis(n, modes - 1, 1.0)?;
        let q = basis.vectors();
        // Basis columns: 1, cos₁, sin₁, cos₂, sin₂, …; `part` row r < K is cos_r, row K + r is
        // −sin_r (zero for r = 0, which has no sine).
        let part = |r: usize, i: usize| -> f64 {
            let (k, sine) = (r % modes, r >= modes);
            match (sine, k) {
                (false, 0) => q[(i, 0)],
                (false, k) => q[(i, 2 * k - 1)],
                (true, 0) => 0.0,
                (true, k) => -q[(i, 2 * k)],
            }
        };
        let w = 1.0 / n as f64;
        Ok(Self {
            analysis: matrix(2 * modes, n, |r, i| w * part(r, i), device),
            synthesis: matrix(n, 2 * modes, |i, r| part(r, i), device),
        })
    }
}

/// The complex DFT of one periodic axis of N points restricted to the 2K wavenumbers
/// 0…K−1, −K…−1, acting on stacked real and imaginary parts.
#[derive(Debug, Clone)]
pub struct ComplexAxisTransform {
    /// [4K, 2N]: [Re ẑ; Im ẑ] = [[C, S], [−S, C]] [Re z; Im z] with C, S = cos, sin(2πκx)/N.
    pub analysis: Tensor<2>,
    /// [2N, 4K]: [Re z; Im z] = [[C′, −S′], [S′, C′]] [Re ẑ; Im ẑ], C′, S′ = cos, sin(2πκx).
    pub synthesis: Tensor<2>,
}

impl ComplexAxisTransform {
    /// The transform of the wavenumbers 0…modes−1 and −modes…−1 on `n` points of [0, 1).
    pub fn new(n: usize, modes: usize, device: &Device) -> Result<Self> {
        check_modes(modes)?;
        if 2 * modes > n {
            return Err(invalid(
                "modes",
                modes,
                format!("1 ..= {} (2·modes wavenumbers on {n} points)", n / 2),
            ));
        }
        let m = 2 * modes;
        let wavenumber = |j: usize| -> f64 {
            if j < modes {
                j as f64
            } else {
                j as f64 - m as f64
            }
        };
        let angle =
            |j: usize, x: usize| std::f64::consts::TAU * wavenumber(j) * x as f64 / n as f64;
        let w = 1.0 / n as f64;
        let analysis = matrix(
            2 * m,
            2 * n,
            |r, c| {
                let (j, x) = (r % m, c % n);
                let (cos, sin) = (angle(j, x).cos(), angle(j, x).sin());
                w * match (r < m, c < n) {
                    (true, true) | (false, false) => cos,
                    (true, false) => sin,
                    (false, true) => -sin,
                }
            },
            device,
        );
        let synthesis = matrix(
            2 * n,
            2 * m,
            |r, c| {
                let (x, j) = (r % n, c % m);
                let (cos, sin) = (angle(j, x).cos(), angle(j, x).sin());
                match (r < n, c < m) {
                    (true, true) | (false, false) => cos,
                    (true, false) => -sin,
                    (false, true) => sin,
                }
            },
            device,
        );
        Ok(Self {
            analysis,
            synthesis,
        })
    }
}

fn check_modes(modes: usize) -> Result<()> {
    if modes == 0 {
        return Err(invalid("modes", 0, "at least 1 retained Fourier mode"));
    }
    Ok(())
}

fn matrix(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f64, device: &Device) -> Tensor<2> {
    let data: Vec<f64> = (0..rows * cols).map(|p| f(p / cols, p % cols)).collect();
    Tensor::<2>::from_data(TensorData::new(data, [rows, cols]), device)
}

/// The Fourier transforms of a periodic grid of 1 or 2 axes (shape `[n]` or `[nx, ny]`).
#[derive(Debug, Clone)]
pub struct SpectralGrid {
    /// The grid shape.
    pub shape: Vec<usize>,
    /// The real transform of the last axis.
    pub last: AxisTransform,
    /// The complex transform of the first axis (2-D grids only).
    pub first: Option<ComplexAxisTransform>,
}

impl SpectralGrid {
    /// The transforms of `modes` modes per axis on a grid of `shape` (1 or 2 axes).
    pub fn new(shape: &[usize], modes: usize, device: &Device) -> Result<Self> {
        match *shape {
            [n] => Ok(Self {
                shape: shape.to_vec(),
                last: AxisTransform::new(n, modes, device)?,
                first: None,
            }),
            [nx, ny] => Ok(Self {
                shape: shape.to_vec(),
                last: AxisTransform::new(ny, modes, device)?,
                first: Some(ComplexAxisTransform::new(nx, modes, device)?),
            }),
            _ => Err(invalid("grid shape", format!("{shape:?}"), "1 or 2 axes")),
        }
    }

    /// The number of complex modes a spectral layer mixes: K in 1-D, 2K·K in 2-D.
    pub fn mode_count(modes: usize, dims: usize) -> usize {
        if dims == 1 {
            modes
        } else {
            2 * modes * modes
        }
    }

    /// Grid points (product of the shape).
    pub fn points(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Complex per-mode weights R = A + iB (C_in × C_out each) of one spectral layer.
#[derive(Debug, Clone)]
pub struct SpectralConv {
    /// Real parts, [M, C_in, C_out] (M from [`SpectralGrid::mode_count`]; in 2-D the modes
    /// are ordered first-axis wavenumber major).
    pub real: Tensor<3>,
    /// Imaginary parts, [M, C_in, C_out].
    pub imag: Tensor<3>,
}

impl SpectralConv {
    /// v [B, P, C_in] (P grid points, row-major over the grid) ↦ v′ [B, P, C_out].
    pub fn forward(&self, v: Tensor<3>, grid: &SpectralGrid) -> Tensor<3> {
        let [batch, points, channels] = v.dims();
        let out = self.real.dims()[2];
        let last = &grid.last;
        let k = last.analysis.dims()[0] / 2;
        let n_last = last.analysis.dims()[1];
        let rows = points / n_last;
        // Last axis: [B·rows, N, C] → [B·rows, 2K, C] = [Re z; Im z].
        let z = apply_to_batch(&last.analysis, v.reshape([batch * rows, n_last, channels]));
        let mixed = match &grid.first {
            // [B, 2K, C] is already the stacked [Re z; Im z] of the K modes.
            None => mix_modes(z, self.real.clone(), self.imag.clone()),
            Some(first) => {
                let nx = rows;
                let m = first.analysis.dims()[0] / 2;
                // [B, nx, 2, K, C] → [B, 2·nx, K·C]: stacked [Re z; Im z] along the first axis.
                let stacked = z
                    .reshape([batch, nx, 2, k * channels])
                    .permute([0, 2, 1, 3])
                    .reshape([batch, 2 * nx, k * channels]);
                // [B, 2M, K·C] is [B, 2·M·K, C]: the stacked parts of the M·K modes, in the
                // weights' order (first-axis wavenumber major).
                let zhat =
                    apply_to_batch(&first.analysis, stacked).reshape([batch, 2 * m * k, channels]);
                let mixed = mix_modes(zhat, self.real.clone(), self.imag.clone()).reshape([
                    batch,
                    2 * m,
                    k * out,
                ]);
                apply_to_batch(&first.synthesis, mixed)
                    .reshape([batch, 2, nx, k, out])
                    .permute([0, 2, 1, 3, 4])
                    .reshape([batch * nx, 2 * k, out])
            }
        };
        apply_to_batch(&last.synthesis, mixed).reshape([batch, points, out])
    }
}
