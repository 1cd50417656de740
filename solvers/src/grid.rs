//! Periodic grids and their Fourier wavenumbers, 1-D and 2-D under one layout.
//!
//! A 1-D grid is the 2-D grid with ny = 1, so every spectral routine has one code path.
//! Physical fields are row-major `[ny][nx]` (x fastest). Spectral fields are stored
//! transposed, `[nkx][ny]` with nkx = nx/2 + 1 (real FFT along x, complex FFT along y),
//! index `kx * ny + ky`, y-wavenumbers in FFT order 0, 1, …, ny/2, −ny/2 + 1, …, −1.
//!
//! A grid may have an origin (x0, y0), default (0, 0): the domain is then
//! [x0, x0 + lx) × [y0, y0 + ly), e.g. x ∈ [−1, 1) with x0 = −1, lx = 2. The origin moves
//! the coordinates [`Grid::x`] and [`Grid::y`] (what expressions see and files store) and
//! nothing else: wavenumbers, transforms and every solver depend only on sizes and lengths.

use std::f64::consts::PI;

use crate::error::{invalid, positive, Result};

/// A uniform periodic grid on [x0, x0 + lx) × [y0, y0 + ly) (ny = 1, ly unused, for 1-D);
/// the origin (x0, y0) is (0, 0) unless set by [`Grid::with_origin`].
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    nx: usize,
    ny: usize,
    lx: f64,
    ly: f64,
    x0: f64,
    y0: f64,
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
            x0: 0.0,
            y0: 0.0,
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
            x0: 0.0,
            y0: 0.0,
        })
    }

    /// The same grid with origin (x0, y0): domain [x0, x0 + lx) × [y0, y0 + ly) (y0 is
    /// ignored by 1-D grids' users). Only the coordinates move; both must be finite.
    pub fn with_origin(mut self, x0: f64, y0: f64) -> Result<Self> {
        for (field, v) in [("x0", x0), ("y0", y0)] {
            if !v.is_finite() {
                return Err(invalid(field, v, "a finite number"));
            }
        }
        self.x0 = x0;
        self.y0 = y0;
        Ok(self)
    }

    /// The x coordinate of the first grid point (the domain's left end).
    pub fn x0(&self) -> f64 {
        self.x0
    }
    /// The y coordinate of the first grid row (0 for a 1-D grid unless set).
    pub fn y0(&self) -> f64 {
        self.y0
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
    /// Coordinates xᵢ = x0 + i·dx (exactly i·dx for the default origin 0).
    pub fn x(&self) -> Vec<f64> {
        (0..self.nx)
            .map(|i| self.x0 + i as f64 * self.dx())
            .collect()
    }
    /// Coordinates yⱼ = y0 + j·dy (`[y0]`, normally `[0.0]`, in 1-D).
    pub fn y(&self) -> Vec<f64> {
        (0..self.ny)
            .map(|j| self.y0 + j as f64 * self.dy())
            .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_moves_coordinates_only() {
        let plain = Grid::new_1d(8, 2.0).unwrap();
        let shifted = plain.clone().with_origin(-1.0, 0.0).unwrap();
        assert_eq!(shifted.x()[0], -1.0);
        assert_eq!(shifted.x()[4], 0.0);
        assert!(shifted.x().iter().all(|&x| (-1.0..1.0).contains(&x)));
        // The default origin gives exactly i·dx; wavenumbers do not move.
        let bits = |v: Vec<f64>| v.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        let want: Vec<f64> = (0..8).map(|i| i as f64 * 0.25).collect();
        assert_eq!(bits(plain.x()), bits(want));
        assert_eq!(
            plain.spectral_symbol(|kx, _| kx),
            shifted.spectral_symbol(|kx, _| kx)
        );
        let two = Grid::new_2d(4, 8, 1.0, 2.0)
            .unwrap()
            .with_origin(0.5, -1.0)
            .unwrap();
        assert_eq!((two.x()[0], two.y()[0], two.y()[7]), (0.5, -1.0, 0.75));
        let err = plain.with_origin(f64::NAN, 0.0).unwrap_err().to_string();
        assert!(err.contains("`x0`") && err.contains("finite"), "{err}");
    }
}
