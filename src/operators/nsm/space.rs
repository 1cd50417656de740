//! The space-time spectral space of the neural spectral method: real Fourier modes in x on
//! the periodic unit interval times Chebyshev polynomials in t mapped to [0, T], as the
//! fixed matrices (synthesis, analysis, derivatives) every other part applies. Every
//! matrix comes from the basis core's [`fourier_basis`] and [`chebyshev_basis`], so the
//! normalizations are theirs: φ₀ = 1, φ_{c,k} = √2 cos 2πkx, φ_{s,k} = √2 sin 2πkx
//! (orthonormal in L²(0, 1)) and q₀ = T₀/√π, q_m = T_m/√(π/2) in s = 2t/T − 1
//! (orthonormal under the Chebyshev weight (1 − s²)^{−1/2}).

use std::f64::consts::{PI, TAU};

use faer::Mat;

use super::Result;
use crate::basis::{chebyshev_basis, fourier_basis};
use crate::operators::error::invalid;

/// Largest wavenumber and time degree accepted: far above anything a network here can
/// train, low enough that the residual grids ((4K + 1) × (2M + 2) points) stay small.
pub const MAX_SIZE: usize = 256;

/// Fourier modes k = 0…K in x times Chebyshev degrees m = 0…M in t ∈ [0, T].
///
/// Coefficient layout (row-major `[2, K + 1, M + 1]`): slot (part, k, m) with part 0 the
/// cosine coefficient (k = 0 is the mean) and part 1 the sine coefficient; the slot
/// (sine, k = 0) carries no function and every map below ignores it (zero columns) or
/// writes 0 into it. Keeping cosine and sine of one wavenumber apart lets spectral layers
/// mix them as one complex number, which commutes with translations in x.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectralSpace {
    /// Largest wavenumber K ≥ 1.
    pub max_wavenumber: usize,
    /// Largest Chebyshev degree M ≥ 1.
    pub degree: usize,
    /// Final time T > 0.
    pub t_end: f64,
}

impl SpectralSpace {
    /// The space of K modes and degree M on [0, T], checked.
    pub fn new(max_wavenumber: usize, degree: usize, t_end: f64) -> Result<Self> {
        if !(1..=MAX_SIZE).contains(&max_wavenumber) {
            return Err(invalid(
                "max_wavenumber",
                max_wavenumber,
                "1 <= max_wavenumber <= 256",
            ));
        }
        if !(1..=MAX_SIZE).contains(&degree) {
            return Err(invalid("degree", degree, "1 <= degree <= 256"));
        }
        if !(t_end.is_finite() && t_end > 0.0) {
            return Err(invalid("t_end", t_end, "a finite T > 0"));
        }
        Ok(Self {
            max_wavenumber,
            degree,
            t_end,
        })
    }

    /// The space that holds products of two functions of this one (wavenumbers ≤ 2K,
    /// degrees ≤ 2M): where the residual of a quadratic PDE lives exactly.
    pub fn doubled(&self) -> Self {
        Self {
            max_wavenumber: 2 * self.max_wavenumber,
            degree: 2 * self.degree,
            t_end: self.t_end,
        }
    }

    /// Spatial slots 2(K + 1) (cosine block, then sine block).
    pub fn space_len(&self) -> usize {
        2 * (self.max_wavenumber + 1)
    }

    /// Temporal slots M + 1.
    pub fn time_len(&self) -> usize {
        self.degree + 1
    }

    /// All slots 2(K + 1)(M + 1).
    pub fn len(&self) -> usize {
        self.space_len() * self.time_len()
    }

    /// Never empty (K, M ≥ 1); present for the `len` convention.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The wavenumber of spatial slot `j`.
    pub fn wavenumber(&self, j: usize) -> usize {
        j % (self.max_wavenumber + 1)
    }

    /// Values of the spatial basis on the uniform grid xᵢ = i/n, `[n, 2(K + 1)]`, from the
    /// basis core's [`fourier_basis`] (needs 2K < n).
    pub fn space_synthesis(&self, n: usize) -> Result<Mat<f64>> {
        let k_max = self.max_wavenumber;
        if n <= 2 * k_max {
            return Err(invalid(
                "grid points",
                n,
                "n > 2K (n points resolve wavenumbers up to K only when 2K < n)",
            ));
        }
        let basis = fourier_basis(n, k_max, 1.0)?;
        let q = basis.vectors();
        // Core columns: 1, cos₁, sin₁, cos₂, sin₂, …
        Ok(Mat::from_fn(n, self.space_len(), |i, j| {
            let k = self.wavenumber(j);
            match (j > k_max, k) {
                (false, 0) => q[(i, 0)],
                (false, k) => q[(i, 2 * k - 1)],
                (true, 0) => 0.0,
                (true, k) => q[(i, 2 * k)],
            }
        }))
    }

    /// The discrete L² projection of grid values onto the spatial basis, `[2(K + 1), n]`:
    /// (1/n)·synthesisᵀ, exact for trigonometric polynomials of wavenumber < n − K.
    pub fn space_analysis(&self, n: usize) -> Result<Mat<f64>> {
        let s = self.space_synthesis(n)?;
        Ok(Mat::from_fn(s.ncols(), n, |j, i| s[(i, j)] / n as f64))
    }

    /// ∂/∂x on spatial coefficients, `[2(K + 1), 2(K + 1)]`: (∂ₓu)_{c,k} = 2πk·s_k and
    /// (∂ₓu)_{s,k} = −2πk·c_k, exact on the span.
    pub fn space_derivative(&self) -> Mat<f64> {
        let half = self.max_wavenumber + 1;
        Mat::from_fn(self.space_len(), self.space_len(), |row, col| {
            let k = self.wavenumber(row);
            let omega = TAU * k as f64;
            match (row < half, col) {
                (true, col) if col == row + half && k > 0 => omega,
                (false, col) if col + half == row && k > 0 => -omega,
                _ => 0.0,
            }
        })
    }

    /// The symbol (2πk)² of −∂²/∂x² per spatial slot (0 for the empty sine slot).
    pub fn space_stiffness(&self) -> Vec<f64> {
        (0..self.space_len())
            .map(|j| (TAU * self.wavenumber(j) as f64).powi(2))
            .collect()
    }

    /// Values of the time basis at the n Chebyshev–Gauss–Lobatto points of [0, T]
    /// (tᵢ = T(1 + cos(πi/(n − 1)))/2, from T down to 0), `[n, M + 1]`, from the basis
    /// core's [`chebyshev_basis`]. Needs M < n − 1, where the Lobatto norms of all columns
    /// equal the continuous ones.
    pub fn time_synthesis(&self, n: usize) -> Result<Mat<f64>> {
        self.check_time_grid(n)?;
        Ok(chebyshev_basis(n, self.degree)?.vectors().to_owned())
    }

    /// The Gauss–Lobatto projection onto the time basis, `[M + 1, n]` (quadrature-weighted
    /// synthesisᵀ), exact for polynomials of degree ≤ 2n − 3 − M.
    pub fn time_analysis(&self, n: usize) -> Result<Mat<f64>> {
        self.check_time_grid(n)?;
        let basis = chebyshev_basis(n, self.degree)?;
        let weighted = basis.inner_product().apply_weights(basis.vectors());
        Ok(weighted.transpose().to_owned())
    }

    fn check_time_grid(&self, n: usize) -> Result<()> {
        if n < self.degree + 2 {
            return Err(invalid(
                "time points",
                n,
                "n >= M + 2 Lobatto points (degree M < n − 1)",
            ));
        }
        Ok(())
    }

    /// d/dt on temporal coefficients, `[M + 1, M + 1]`: the Chebyshev coefficient recurrence
    /// (T_p)' = Σ_{k < p, p + k odd} (2/c_k)·p·T_k, c₀ = 2, c_k = 1 (Canuto et al., "Spectral
    /// Methods: Fundamentals in Single Domains", eq. (2.4.22)) rescaled to the orthonormal
    /// q_m and by ds/dt = 2/T; exact on the span (degree M − 1 result).
    pub fn time_derivative(&self) -> Mat<f64> {
        let norm = |m: usize| if m == 0 { PI } else { PI / 2.0 };
        Mat::from_fn(self.time_len(), self.time_len(), |k, p| {
            if p > k && (p + k) % 2 == 1 {
                let c = if k == 0 { 2.0 } else { 1.0 };
                (norm(k) / norm(p)).sqrt() * 2.0 * p as f64 / c * 2.0 / self.t_end
            } else {
                0.0
            }
        })
    }

    /// Values q_m(s(t)) of the time basis at arbitrary times t ∈ [0, T], `[times, M + 1]`,
    /// from T_m(cos θ) = cos mθ. (The basis core samples Chebyshev polynomials only at
    /// Lobatto points; evaluation between them needs this.)
    pub fn time_values(&self, times: &[f64]) -> Mat<f64> {
        Mat::from_fn(times.len(), self.time_len(), |i, m| {
            let s = (2.0 * times[i] / self.t_end - 1.0).clamp(-1.0, 1.0);
            let norm = if m == 0 { PI } else { PI / 2.0 };
            (m as f64 * s.acos()).cos() / norm.sqrt()
        })
    }

    /// Embedding of this space's spatial slots into those of a larger space (zero rows for
    /// the added wavenumbers, the empty sine slot dropped), `[larger, this]`.
    pub fn space_embedding(&self, larger: &Self) -> Mat<f64> {
        let (small, big) = (self.max_wavenumber + 1, larger.max_wavenumber + 1);
        Mat::from_fn(larger.space_len(), self.space_len(), |row, col| {
            let same_part = (row < big) == (col < small);
            let same_k = larger.wavenumber(row) == self.wavenumber(col);
            let empty = col >= small && self.wavenumber(col) == 0;
            f64::from(u8::from(same_part && same_k && !empty))
        })
    }

    /// Embedding of this space's temporal slots into those of a larger space, `[larger, this]`.
    pub fn time_embedding(&self, larger: &Self) -> Mat<f64> {
        Mat::from_fn(larger.time_len(), self.time_len(), |row, col| {
            f64::from(u8::from(row == col))
        })
    }

    /// Coefficients (layout above) of a function given by its values on the uniform x grid
    /// of 2K + 1 points times the M + 2 Lobatto times (`values[i·n_t + j]`, tⱼ from
    /// [`SpectralSpace::lobatto_times`]); exact for functions in the span.
    pub fn project(&self, values: &[f64]) -> Result<Vec<f64>> {
        let (nx, nt) = self.collocation();
        if values.len() != nx * nt {
            return Err(invalid(
                "values",
                values.len(),
                "(2K + 1)·(M + 2) samples, x-major",
            ));
        }
        let grid = Mat::from_fn(nx, nt, |i, j| values[i * nt + j]);
        let coeffs = self.space_analysis(nx)? * grid * self.time_analysis(nt)?.transpose();
        Ok(row_major(&coeffs))
    }

    /// The function with coefficients `coeffs` at the uniform points xᵢ = i/n and the
    /// times `times`: `[n, times]` row-major (needs 2K < n).
    pub fn evaluate(&self, coeffs: &[f64], n: usize, times: &[f64]) -> Result<Vec<f64>> {
        if coeffs.len() != self.len() {
            return Err(invalid(
                "coefficients",
                coeffs.len(),
                "2(K + 1)(M + 1) values in the [2, K + 1, M + 1] layout",
            ));
        }
        let c = Mat::from_fn(self.space_len(), self.time_len(), |j, m| {
            coeffs[j * self.time_len() + m]
        });
        let values = self.space_synthesis(n)? * c * self.time_values(times).transpose();
        Ok(row_major(&values))
    }

    /// The collocation grid of the network's activations: 2K + 1 uniform points in x (the
    /// fewest that determine K modes) and M + 2 Lobatto points in t (the fewest whose
    /// quadrature projects degree-M functions exactly).
    pub fn collocation(&self) -> (usize, usize) {
        (2 * self.max_wavenumber + 1, self.degree + 2)
    }

    /// The Lobatto times of `n` points on [0, T], in the order of [`SpectralSpace::time_synthesis`].
    pub fn lobatto_times(&self, n: usize) -> Vec<f64> {
        crate::basis::chebyshev_lobatto_points(n)
            .into_iter()
            .map(|s| self.t_end * (1.0 + s) / 2.0)
            .collect()
    }
}

/// The entries of `m`, row by row.
pub(crate) fn row_major(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| m[(i, j)]))
        .collect()
}
