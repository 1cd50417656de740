//! Real-to-complex transforms between physical and spectral layouts (see [`crate::grid`]).
//!
//! Forward: real FFT (realfft) along each x-row, a transpose, complex FFT (rustfft) along
//! y. Inverse: the reverse. Coefficients are normalized,
//! û(k) = (1/N) Σⱼ u(xⱼ) e^(−ik·xⱼ), so u(x) = Σₖ û(k) e^(ik·x) and a mode's coefficient is
//! its amplitude. The imaginary parts that a real signal's spectrum must not have (the
//! x = 0 and x-Nyquist columns' DC/Nyquist entries) are zeroed explicitly before the inverse
//! instead of being left to the FFT library: a solver that lets them drift loses Hermitian
//! symmetry, which has been seen to blow up long KS runs.
//!
//! # Parallel passes
//!
//! On grids of at least [`PARALLEL_MIN_POINTS`] points, each transform is two parallel
//! passes on the current rayon pool, over a fixed partition into [`LANES`] blocks (each
//! block with its own scratch, so nothing is shared):
//! - forward: a block of rows is real-transformed; then a block of columns gathers its
//!   entries from every row (the transpose, scaled) and is transformed along y while it is
//!   still in cache;
//! - inverse: a block of columns is transformed along y; then a block of rows gathers its
//!   entries from every column and is real-transformed.
//!
//! Every row and every column is transformed by the same plan with the same arithmetic
//! whichever thread takes its block, and no pass reduces across blocks, so the results are
//! bit-identical for any number of threads (and to a serial transform). Smaller grids and
//! 1-D grids run one block inline; a 1-D transform skips the transpose altogether.
//!
//! All plans and scratch buffers are created once; transforms allocate nothing.

use std::sync::Arc;

use num_complex::Complex64;
use rayon::prelude::*;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

use crate::grid::Grid;

/// Smallest grid (points) whose transforms run their passes in parallel: 128², where one
/// pass is ≈ 50 µs of work per core against a few µs to hand a block to another thread.
pub const PARALLEL_MIN_POINTS: usize = 128 * 128;

/// Blocks per parallel pass: fixed (not the thread count), so the partition — and with it
/// everything a block computes — is the same on any pool; 8 balances 2 to 8 cores.
pub const LANES: usize = 8;

/// Scratch of one block of a parallel pass.
struct Lane {
    /// One physical row (realfft destroys its input).
    row_real: Vec<f64>,
    /// FFT scratch.
    scratch: Vec<Complex64>,
}

/// Plans and scratch for one grid. Not shared between threads: clone per trajectory.
pub struct SpectralTransform {
    grid: Grid,
    r2c: Arc<dyn RealToComplex<f64>>,
    c2r: Arc<dyn ComplexToReal<f64>>,
    fft_y: Arc<dyn Fft<f64>>,
    ifft_y: Arc<dyn Fft<f64>>,
    /// Rows per block of a row pass and columns per block of a column pass.
    rows_per_lane: usize,
    columns_per_lane: usize,
    parallel: bool,
    lanes: Vec<Lane>,
    /// Row-major `[ny][nkx]` spectra (the x-transformed rows).
    rows_spec: Vec<Complex64>,
    /// Copy of the input of [`SpectralTransform::inverse`].
    columns_spec: Vec<Complex64>,
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
            .field("parallel", &self.parallel)
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
        let parallel = grid.is_2d() && grid.len() >= PARALLEL_MIN_POINTS;
        let lanes = if parallel { LANES } else { 1 };
        Self {
            grid: grid.clone(),
            r2c,
            c2r,
            fft_y,
            ifft_y,
            rows_per_lane: ny.div_ceil(lanes),
            columns_per_lane: nkx.div_ceil(lanes),
            parallel,
            lanes: (0..lanes)
                .map(|_| Lane {
                    row_real: vec![0.0; nx],
                    scratch: vec![Complex64::default(); scratch_len],
                })
                .collect(),
            rows_spec: vec![Complex64::default(); ny * nkx],
            columns_spec: vec![Complex64::default(); ny * nkx],
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
        if ny == 1 {
            self.forward_unnormalized_1d(field, spec);
            spec.iter_mut().for_each(|c| *c *= norm);
            return;
        }
        let r2c = &*self.r2c;
        // Pass 1: a block of rows is real-transformed into rows_spec.
        let rows = self.rows_per_lane;
        for_each_block(
            &mut self.rows_spec,
            rows * nkx,
            &mut self.lanes,
            self.parallel,
            |block, out, lane| {
                let first = block * rows * nx;
                let input = &field[first..first + out.len() / nkx * nx];
                for (row, row_out) in input.chunks_exact(nx).zip(out.chunks_exact_mut(nkx)) {
                    real_forward(r2c, row, row_out, lane);
                }
            },
        );
        // Pass 2: a block of columns gathers its entries from every row (the transpose,
        // scaled) and is transformed along y while it is in cache.
        let (fft_y, rows_spec) = (&*self.fft_y, &self.rows_spec);
        let cols = self.columns_per_lane;
        for_each_block(
            spec,
            cols * ny,
            &mut self.lanes,
            self.parallel,
            |block, out, lane| {
                gather_columns(rows_spec, out, block * cols, nkx, ny, norm);
                let len = fft_y.get_inplace_scratch_len();
                fft_y.process_with_scratch(out, &mut lane.scratch[..len]);
            },
        );
    }

    /// [`SpectralTransform::forward`] on a 1-D grid without the 1/n normalization, for a
    /// caller that folds it into a per-mode factor of its own
    /// ([`crate::dealias::ProductEvaluator::masked`]).
    pub(crate) fn forward_unnormalized_1d(&mut self, field: &[f64], spec: &mut [Complex64]) {
        debug_assert_eq!(self.grid.ny(), 1, "a 1-D grid");
        real_forward(&*self.r2c, field, spec, &mut self.lanes[0]);
    }

    /// [`SpectralTransform::forward_unnormalized_1d`] of a temporary field (a product),
    /// used as the real FFT's workspace: its contents are destroyed, which saves copying
    /// it first.
    pub(crate) fn forward_unnormalized_1d_in_place(
        &mut self,
        field: &mut [f64],
        spec: &mut [Complex64],
    ) {
        debug_assert_eq!(self.grid.ny(), 1, "a 1-D grid");
        self.r2c
            .process_with_scratch(field, spec, &mut self.lanes[0].scratch)
            .expect("buffer lengths fixed at planning");
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
        let c2r = &*self.c2r;
        if ny == 1 {
            real_inverse(c2r, spec, field, &mut self.lanes[0]);
            return;
        }
        // Pass 1: a block of columns is transformed along y in place.
        let ifft_y = &*self.ifft_y;
        let cols = self.columns_per_lane;
        for_each_block(
            spec,
            cols * ny,
            &mut self.lanes,
            self.parallel,
            |_, block, lane| {
                let len = ifft_y.get_inplace_scratch_len();
                ifft_y.process_with_scratch(block, &mut lane.scratch[..len]);
            },
        );
        // Pass 2: a block of rows gathers its entries from every column (the transpose) and
        // is real-transformed.
        let spec = &*spec;
        let row_pass = |y0: usize, out: &mut [Complex64], rows: &mut [f64], lane: &mut Lane| {
            gather_rows(spec, out, y0, nkx, ny);
            for (row_spec, row) in out.chunks_exact_mut(nkx).zip(rows.chunks_exact_mut(nx)) {
                real_inverse(c2r, row_spec, row, lane);
            }
        };
        let rows = self.rows_per_lane;
        if self.parallel {
            self.rows_spec
                .par_chunks_mut(rows * nkx)
                .zip(field.par_chunks_mut(rows * nx))
                .zip(self.lanes.par_iter_mut())
                .enumerate()
                .for_each(|(block, ((out, f), lane))| row_pass(block * rows, out, f, lane));
        } else {
            row_pass(0, &mut self.rows_spec, field, &mut self.lanes[0]);
        }
    }
}

/// Calls `pass(block, chunk, lane)` on the consecutive chunks of `len` entries of `out`
/// (the last may be shorter), each with its own lane's scratch: in parallel when
/// `parallel`, else once inline on the whole of `out` as block 0 with the first lane.
fn for_each_block<T: Send>(
    out: &mut [T],
    len: usize,
    lanes: &mut [Lane],
    parallel: bool,
    pass: impl Fn(usize, &mut [T], &mut Lane) + Sync,
) {
    if parallel {
        out.par_chunks_mut(len)
            .zip(lanes.par_iter_mut())
            .enumerate()
            .for_each(|(block, (chunk, lane))| pass(block, chunk, lane));
    } else {
        pass(0, out, &mut lanes[0]);
    }
}

/// Real FFT of one row into its nx/2 + 1 coefficients (unnormalized); the row is copied
/// into the lane first, as realfft uses its input as workspace.
fn real_forward(r2c: &dyn RealToComplex<f64>, row: &[f64], out: &mut [Complex64], lane: &mut Lane) {
    lane.row_real.copy_from_slice(row);
    r2c.process_with_scratch(&mut lane.row_real, out, &mut lane.scratch)
        .expect("buffer lengths fixed at planning");
}

/// Inverse real FFT of one row's coefficients (destroyed), after zeroing the imaginary
/// parts a real signal's DC and Nyquist coefficients cannot have.
fn real_inverse(
    c2r: &dyn ComplexToReal<f64>,
    spec: &mut [Complex64],
    row: &mut [f64],
    lane: &mut Lane,
) {
    let nkx = spec.len();
    spec[0].im = 0.0;
    if row.len() % 2 == 0 {
        spec[nkx - 1].im = 0.0;
    }
    c2r.process_with_scratch(spec, row, &mut lane.scratch)
        .expect("buffer lengths fixed at planning; imaginary parts zeroed above");
}

/// Tile edge of the gathers: 16 × 16 complex values (4 KiB) stay in L1 both ways.
const TILE: usize = 16;

/// The columns kx0, kx0 + 1, … of the row-major `[ny][nkx]` spectra, scaled by `scale`, into
/// `out` (column-major, `ny` entries per column): one block of a blocked transpose.
fn gather_columns(
    rows_spec: &[Complex64],
    out: &mut [Complex64],
    kx0: usize,
    nkx: usize,
    ny: usize,
    scale: f64,
) {
    let columns = out.len() / ny;
    for y0 in (0..ny).step_by(TILE) {
        let y1 = (y0 + TILE).min(ny);
        for c in 0..columns {
            let kx = kx0 + c;
            let column = &mut out[c * ny + y0..c * ny + y1];
            for (o, y) in column.iter_mut().zip(y0..y1) {
                *o = rows_spec[y * nkx + kx] * scale;
            }
        }
    }
}

/// The rows y0, y0 + 1, … of the column-major `[nkx][ny]` spectra into `out` (row-major,
/// `nkx` entries per row): one block of a blocked transpose.
fn gather_rows(spec: &[Complex64], out: &mut [Complex64], y0: usize, nkx: usize, ny: usize) {
    let rows = out.len() / nkx;
    for kx0 in (0..nkx).step_by(TILE) {
        let kx1 = (kx0 + TILE).min(nkx);
        for r in 0..rows {
            let y = y0 + r;
            let row = &mut out[r * nkx + kx0..r * nkx + kx1];
            for (o, kx) in row.iter_mut().zip(kx0..kx1) {
                *o = spec[kx * ny + y];
            }
        }
    }
}
