//! Real-to-complex transforms between physical and spectral layouts (see [`crate::grid`]).
//!
//! Forward: real FFT (realfft) along each x-row, one blocked transpose, complex FFT
//! (rustfft) along y. Inverse: the reverse. Coefficients are normalized,
//! û(k) = (1/N) Σⱼ u(xⱼ) e^(−ik·xⱼ), so u(x) = Σₖ û(k) e^(ik·x) and a mode's coefficient is
//! its amplitude. The imaginary parts that a real signal's spectrum must not have (the
//! x = 0 and x-Nyquist columns' DC/Nyquist entries) are zeroed explicitly before the inverse
//! instead of being left to the FFT library: a solver that lets them drift loses Hermitian
//! symmetry, which has been seen to blow up long KS runs.
//!
//! All plans and scratch buffers are created once; transforms allocate nothing.

use std::sync::Arc;

use num_complex::Complex64;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

use crate::grid::Grid;

/// Plans and scratch for one grid. Not shared between threads: clone per trajectory.
pub struct SpectralTransform {
    grid: Grid,
    r2c: Arc<dyn RealToComplex<f64>>,
    c2r: Arc<dyn ComplexToReal<f64>>,
    fft_y: Arc<dyn Fft<f64>>,
    ifft_y: Arc<dyn Fft<f64>>,
    row_real: Vec<f64>,
    rows_spec: Vec<Complex64>,
    columns_spec: Vec<Complex64>,
    scratch: Vec<Complex64>,
}

impl Clone for SpectralTransform {
    fn clone(&self) -> Self {
        Self::new(&self.grid)
    }
}

impl std::fmt::Debug for SpectralTransform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpectralTransform")
            .field("grid", &self.grid)
            .finish()
    }
}

impl SpectralTransform {
    /// Plans the transforms of `grid`.
    pub fn new(grid: &Grid) -> Self {
        let (nx, ny, nkx) = (grid.nx(), grid.ny(), grid.nkx());
        let mut real_planner = RealFftPlanner::<f64>::new();
        let r2c = real_planner.plan_fft_forward(nx);
        let c2r = real_planner.plan_fft_inverse(nx);
        let mut planner = FftPlanner::<f64>::new();
        let fft_y = planner.plan_fft_forward(ny);
        let ifft_y = planner.plan_fft_inverse(ny);
        let scratch_len = r2c
            .get_scratch_len()
            .max(c2r.get_scratch_len())
            .max(fft_y.get_inplace_scratch_len())
            .max(ifft_y.get_inplace_scratch_len());
        Self {
            grid: grid.clone(),
            r2c,
            c2r,
            fft_y,
            ifft_y,
            row_real: vec![0.0; nx],
            rows_spec: vec![Complex64::default(); ny * nkx],
            columns_spec: vec![Complex64::default(); ny * nkx],
            scratch: vec![Complex64::default(); scratch_len],
        }
    }

    /// The grid these plans are for.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Physical `[ny][nx]` → normalized spectral `[nkx][ny]`.
    pub fn forward(&mut self, field: &[f64], spec: &mut [Complex64]) {
        let (nx, ny, nkx) = (self.grid.nx(), self.grid.ny(), self.grid.nkx());
        debug_assert_eq!(field.len(), nx * ny);
        debug_assert_eq!(spec.len(), nkx * ny);
        let norm = 1.0 / (nx * ny) as f64;
        for (row, out) in field
            .chunks_exact(nx)
            .zip(self.rows_spec.chunks_exact_mut(nkx))
        {
            self.row_real.copy_from_slice(row);
            self.r2c
                .process_with_scratch(&mut self.row_real, out, &mut self.scratch)
                .expect("buffer lengths fixed at planning");
        }
        transpose_scaled(&self.rows_spec, spec, ny, nkx, norm);
        if ny > 1 {
            // One call transforms every column: rustfft batches buffers of several lengths.
            let len = self.fft_y.get_inplace_scratch_len();
            self.fft_y
                .process_with_scratch(spec, &mut self.scratch[..len]);
        }
    }

    /// Normalized spectral `[nkx][ny]` → physical `[ny][nx]`. `spec` is left unchanged.
    pub fn inverse(&mut self, spec: &[Complex64], field: &mut [f64]) {
        let mut columns = std::mem::take(&mut self.columns_spec);
        columns.copy_from_slice(spec);
        self.inverse_in_place(&mut columns, field);
        self.columns_spec = columns;
    }

    /// Like [`SpectralTransform::inverse`], but uses `spec` as workspace (its contents are
    /// destroyed): saves a copy when the spectrum is a temporary.
    pub fn inverse_in_place(&mut self, spec: &mut [Complex64], field: &mut [f64]) {
        let (nx, ny, nkx) = (self.grid.nx(), self.grid.ny(), self.grid.nkx());
        debug_assert_eq!(field.len(), nx * ny);
        debug_assert_eq!(spec.len(), nkx * ny);
        if ny > 1 {
            let len = self.ifft_y.get_inplace_scratch_len();
            self.ifft_y
                .process_with_scratch(spec, &mut self.scratch[..len]);
        }
        transpose_scaled(spec, &mut self.rows_spec, nkx, ny, 1.0);
        for (row_spec, out) in self
            .rows_spec
            .chunks_exact_mut(nkx)
            .zip(field.chunks_exact_mut(nx))
        {
            row_spec[0].im = 0.0;
            if nx % 2 == 0 {
                row_spec[nkx - 1].im = 0.0;
            }
            self.c2r
                .process_with_scratch(row_spec, out, &mut self.scratch)
                .expect("buffer lengths fixed at planning; imaginary parts zeroed above");
        }
    }
}

/// Blocked out-of-place transpose with scaling: `src` is rows×cols row-major, `dst`
/// becomes cols×rows with every entry multiplied by `scale`. Tiles of 8×8 complex values
/// (1 KiB each way) stay in L1.
pub(crate) fn transpose_scaled(
    src: &[Complex64],
    dst: &mut [Complex64],
    rows: usize,
    cols: usize,
    scale: f64,
) {
    const TILE: usize = 16;
    assert!(src.len() == rows * cols && dst.len() == rows * cols);
    if rows == 1 || cols == 1 {
        if scale == 1.0 {
            dst.copy_from_slice(src);
        } else {
            for (d, s) in dst.iter_mut().zip(src) {
                *d = s * scale;
            }
        }
        return;
    }
    for r0 in (0..rows).step_by(TILE) {
        let r1 = (r0 + TILE).min(rows);
        for c0 in (0..cols).step_by(TILE) {
            let c1 = (c0 + TILE).min(cols);
            for c in c0..c1 {
                let out = &mut dst[c * rows + r0..c * rows + r1];
                for (o, r) in out.iter_mut().zip(r0..r1) {
                    *o = src[r * cols + c] * scale;
                }
            }
        }
    }
}
