//! Periodic grids and their Fourier wavenumbers, 1-D and 2-D under one layout.
//!
//! A 1-D grid is the 2-D grid with ny = 1, so every spectral routine has one code path.
//! Physical fields are row-major `[ny][nx]` (x fastest). Spectral fields are stored
//! transposed, `[nkx][ny]` with nkx = nx/2 + 1 (real FFT along x, complex FFT along y),
//! index `kx * ny + ky`, y-wavenumbers in FFT order 0, 1, …, ny/2, −ny/2 + 1, …, −1.

use std::f64::consts::PI;

use crate::error::{invalid, positive, Result};

/// A uniform periodic grid on [0, lx) × [0, ly) (ny = 1, ly unused, for 1-D).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    nx: usize,
    ny: usize,
    lx: f64,
    ly: f64,
}

/// The smallest grid size accepted per resolved axis.
pub const MIN_POINTS: usize = 4;

impl Grid {
    /// A 1-D grid of `n` points on [0, length).
    pub fn new_1d(n: usize, length: f64) -> Result<Self> {
        check_points("n", n)?;
        Ok(Self {
            nx: n,
            ny: 1,
            lx: positive("length", length)?,
            ly: 1.0,
        })
    }

    /// A 2-D grid of nx × ny points on [0, lx) × [0, ly); nx ≠ ny is allowed.
    pub fn new_2d(nx: usize, ny: usize, lx: f64, ly: f64) -> Result<Self> {
        check_points("nx", nx)?;
        check_points("ny", ny)?;
        Ok(Self {
            nx,
            ny,
            lx: positive("lx", lx)?,
            ly: positive("ly", ly)?,
        })
    }

    /// Points along x.
    pub fn nx(&self) -> usize {
        self.nx
    }
    /// Points along y (1 for a 1-D grid).
    pub fn ny(&self) -> usize {
        self.ny
    }
    /// Domain length along x.
    pub fn lx(&self) -> f64 {
        self.lx
    }
    /// Domain length along y.
    pub fn ly(&self) -> f64 {
        self.ly
    }
    /// Whether this is a 2-D grid.
    pub fn is_2d(&self) -> bool {
        self.ny > 1
    }
    /// Number of physical points nx·ny.
    pub fn len(&self) -> usize {
        self.nx * self.ny
    }
    /// Always false: a grid has at least [`MIN_POINTS`] points.
    pub fn is_empty(&self) -> bool {
        false
    }
    /// Number of stored x-wavenumbers nx/2 + 1.
    pub fn nkx(&self) -> usize {
        self.nx / 2 + 1
    }
    /// Number of spectral coefficients nkx·ny.
    pub fn spectral_len(&self) -> usize {
        self.nkx() * self.ny
    }
    /// Physical shape, `[nx]` or `[ny, nx]`.
    pub fn shape(&self) -> Vec<usize> {
        if self.is_2d() {
            vec![self.ny, self.nx]
        } else {
            vec![self.nx]
        }
    }
    /// Grid spacing along x.
    pub fn dx(&self) -> f64 {
        self.lx / self.nx as f64
    }
    /// Grid spacing along y.
    pub fn dy(&self) -> f64 {
        self.ly / self.ny as f64
    }
    /// Coordinates xᵢ = i·dx.
    pub fn x(&self) -> Vec<f64> {
        (0..self.nx).map(|i| i as f64 * self.dx()).collect()
    }
    /// Coordinates yⱼ = j·dy (`[0.0]` in 1-D).
    pub fn y(&self) -> Vec<f64> {
        (0..self.ny).map(|j| j as f64 * self.dy()).collect()
    }

    /// Integer x-mode of stored column `kx` (0…nx/2).
    pub fn mode_x(&self, kx: usize) -> i64 {
        kx as i64
    }
    /// Integer y-mode of stored row `ky` in FFT order.
    pub fn mode_y(&self, ky: usize) -> i64 {
        signed_mode(ky, self.ny)
    }
    /// Angular wavenumber 2π·mode/lx of column `kx`.
    pub fn kx(&self, kx: usize) -> f64 {
        2.0 * PI * self.mode_x(kx) as f64 / self.lx
    }
    /// Angular wavenumber 2π·mode/ly of row `ky`.
    pub fn ky(&self, ky: usize) -> f64 {
        2.0 * PI * self.mode_y(ky) as f64 / self.ly
    }
    /// Whether column `kx` is the x-Nyquist mode (even nx only).
    pub fn is_nyquist_x(&self, kx: usize) -> bool {
        self.nx % 2 == 0 && kx == self.nx / 2
    }
    /// Whether row `ky` is the y-Nyquist mode (even ny > 1 only).
    pub fn is_nyquist_y(&self, ky: usize) -> bool {
        self.ny > 1 && self.ny % 2 == 0 && ky == self.ny / 2
    }

    /// Applies `f(kx_index, ky_index, index)` over the spectral layout.
    pub fn for_each_mode(&self, mut f: impl FnMut(usize, usize, usize)) {
        for kx in 0..self.nkx() {
            for ky in 0..self.ny {
                f(kx, ky, kx * self.ny + ky);
            }
        }
    }

    /// A diagonal spectral operator sampled as `symbol(kx, ky)` (angular wavenumbers).
    pub fn spectral_symbol<T>(&self, symbol: impl Fn(f64, f64) -> T) -> Vec<T> {
        let mut out = Vec::with_capacity(self.spectral_len());
        for kx in 0..self.nkx() {
            for ky in 0..self.ny {
                out.push(symbol(self.kx(kx), self.ky(ky)));
            }
        }
        out
    }
}

/// FFT-order index → signed mode: 0, 1, …, n/2, −n/2 + 1, …, −1.
fn signed_mode(k: usize, n: usize) -> i64 {
    if k <= n / 2 {
        k as i64
    } else {
        k as i64 - n as i64
    }
}

fn check_points(field: &str, n: usize) -> Result<()> {
    if n >= MIN_POINTS {
        Ok(())
    } else {
        Err(invalid(field, n, "at least 4 grid points"))
    }
}
