//! The spectral convolution of a Fourier neural operator (Li et al., "Fourier neural
//! operator for parametric PDEs", ICLR 2021, eq. (4)) as dense matmuls: with K retained
//! modes, v ↦ F⁻¹(R · F v) on a periodic grid of N points is
//! coefficients c = v Φ_c, s = v Φ_s (N × K each, from the basis core's orthonormal
//! [`crate::basis::fourier_basis`]), the per-mode complex channel mix
//! (c + i·(−s)) ↦ (a + i b)(c − i s), i.e. c' = a c + b s, s' = a s − b c, and the synthesis
//! v' = c' Φ_cᵀ/w + s' Φ_sᵀ/w. Every step is a real (batched) matmul, so the layer runs on
//! any backend with autodiff and any N (Nyquist and padding need no special case), and its
//! cost 2NK per channel beats an FFT for the K ≪ N of FNOs.

use burn::tensor::{Device, Tensor, TensorData};

use crate::basis::fourier_basis;

/// Analysis and synthesis matrices of K real Fourier modes on N points.
#[derive(Debug, Clone)]
pub struct FourierMatrices {
    /// Φ_c·w (N × K): the cosine coefficients (mode 0 = the mean) of a grid function.
    pub analysis_cos: Tensor<2>,
    /// Φ_s·w (N × K): the sine coefficients; column 0 is zero (mode 0 has no sine).
    pub analysis_sin: Tensor<2>,
    /// Φ_cᵀ (K × N): synthesis from cosine coefficients.
    pub synthesis_cos: Tensor<2>,
    /// Φ_sᵀ (K × N): synthesis from sine coefficients.
    pub synthesis_sin: Tensor<2>,
}

impl FourierMatrices {
    /// The matrices for `modes` modes (k = 0…modes−1) on `n` points of [0, 1).
    pub fn new(n: usize, modes: usize, device: &Device) -> crate::basis::Result<Self> {
        let basis = fourier_basis(n, modes.saturating_sub(1), 1.0)?;
        let q = basis.vectors();
        let w = 1.0 / n as f64;
        // Columns of the basis: 1, cos₁, sin₁, cos₂, sin₂, …
        let cos_col = |k: usize| if k == 0 { 0 } else { 2 * k - 1 };
        let entry = |i: usize, k: usize, sine: bool| -> f64 {
            match (sine, k) {
                (true, 0) => 0.0,
                (true, k) => q[(i, 2 * k)],
                (false, k) => q[(i, cos_col(k))],
            }
        };
        let matrix = |rows: usize, cols: usize, f: &dyn Fn(usize, usize) -> f64| {
            let data: Vec<f64> = (0..rows * cols).map(|p| f(p / cols, p % cols)).collect();
            Tensor::<2>::from_data(TensorData::new(data, [rows, cols]), device)
        };
        Ok(Self {
            analysis_cos: matrix(n, modes, &|i, k| w * entry(i, k, false)),
            analysis_sin: matrix(n, modes, &|i, k| w * entry(i, k, true)),
            synthesis_cos: matrix(modes, n, &|k, i| entry(i, k, false)),
            synthesis_sin: matrix(modes, n, &|k, i| entry(i, k, true)),
        })
    }
}

/// Complex per-mode weights R_k = a_k + i b_k (C_in × C_out each) of one spectral layer.
#[derive(Debug, Clone)]
pub struct SpectralConv1d {
    /// Real parts, [K, C_in, C_out].
    pub real: Tensor<3>,
    /// Imaginary parts, [K, C_in, C_out].
    pub imag: Tensor<3>,
}

impl SpectralConv1d {
    /// v [B, C_in, N] ↦ v' [B, C_out, N].
    pub fn forward(&self, v: Tensor<3>, f: &FourierMatrices) -> Tensor<3> {
        let [batch, channels, n] = v.dims();
        let modes = self.real.dims()[0];
        let flat = v.reshape([batch * channels, n]);
        // [B·C_in, K] → [K, B, C_in] for a batched matmul over modes.
        let to_modes = |t: Tensor<2>| t.reshape([batch, channels, modes]).permute([2, 0, 1]);
        let c = to_modes(flat.clone().matmul(f.analysis_cos.clone()));
        let s = to_modes(flat.matmul(f.analysis_sin.clone()));
        let (a, b) = (self.real.clone(), self.imag.clone());
        let c_out = c.clone().matmul(a.clone()) + s.clone().matmul(b.clone());
        let s_out = s.matmul(a) - c.matmul(b);
        let out_channels = c_out.dims()[2];
        // [K, B, C_out] → [B·C_out, K] → synthesis.
        let back = |t: Tensor<3>| t.permute([1, 2, 0]).reshape([batch * out_channels, modes]);
        let field = back(c_out).matmul(f.synthesis_cos.clone())
            + back(s_out).matmul(f.synthesis_sin.clone());
        field.reshape([batch, out_channels, n])
    }
}
