//! Initial conditions: Gaussian random fields, random truncated Fourier series, expressions
//! and fields read from `.npy` or HDF5 files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use num_complex::Complex64;
use rand::Rng;
use rand_distr::StandardNormal;

use crate::error::{invalid, non_negative, positive, Result, SolverError};
use crate::expr::{Expression, Point};
use crate::fft::SpectralTransform;
use crate::grid::Grid;
use crate::npy;

/// How to make u(x, 0) (or ω(x, y, 0)).
#[derive(Debug, Clone, PartialEq)]
pub enum InitialCondition {
    /// Mean-zero Gaussian random field with covariance operator σ²(−Δ + τ²I)^(−α) on the
    /// periodic domain: Fourier mode k has variance σ²(|k|² + τ²)^(−α) (Lord, Powell, Shardlow,
    /// "An Introduction to Computational Stochastic PDEs", §6.4). Presets:
    /// [`InitialCondition::fno_burgers`], [`InitialCondition::fno_navier_stokes`].
    GaussianRandomField {
        /// Amplitude σ (the covariance scales with σ²).
        sigma: f64,
        /// Inverse length scale τ.
        tau: f64,
        /// Smoothness exponent α (realizations are in H^s for s < α − d/2).
        alpha: f64,
    },
    /// u = Σ_{1 ≤ |m|∞ ≤ max_mode} c_m e^{ik·x} with c_m complex Gaussian of standard deviation
    /// |m|^(−decay), then scaled so max|u| = `amplitude` (as exponax's
    /// `RandomTruncatedFourierSeries`).
    RandomFourier {
        /// Highest integer mode per axis.
        max_mode: usize,
        /// Amplitude decay exponent in |m|.
        decay: f64,
        /// max|u| after scaling.
        amplitude: f64,
    },
    /// A closed-form expression in x (and y), the grid's coordinates (its origin
    /// included); named values (constants, parameters) are bound by
    /// [`InitialCondition::sample_with`]. See [`crate::expr`].
    Expression(String),
    /// A field read from a file: `.npy` (f64 or f32, C order) or HDF5 (`.h5`/`.hdf5`,
    /// `dataset` names the dataset, default `u0`); shape \[nx\] or \[ny, nx\].
    File {
        /// Path of the file.
        path: PathBuf,
        /// HDF5 dataset name (ignored for `.npy`).
        dataset: Option<String>,
    },
}

impl InitialCondition {
    /// The FNO Burgers initial condition u₀ ~ N(0, 625(−Δ + 25I)^(−2)) (Li et al., ICLR 2021, §5.1).
    pub fn fno_burgers() -> Self {
        Self::GaussianRandomField {
            sigma: 25.0,
            tau: 5.0,
            alpha: 2.0,
        }
    }

    /// The FNO Navier–Stokes initial vorticity ω₀ ~ N(0, 7^{3/2}(−Δ + 49I)^(−2.5)) (Li et al.,
    /// ICLR 2021, §5.3; the released generator uses σ = 7^{3/2} as the standard-deviation
    /// factor, which is what is implemented).
    pub fn fno_navier_stokes() -> Self {
        Self::GaussianRandomField {
            sigma: 7f64.powf(1.5),
            tau: 7.0,
            alpha: 2.5,
        }
    }

    /// The kind's name as written in recipes.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::GaussianRandomField { .. } => "gaussian-random-field",
            Self::RandomFourier { .. } => "random-fourier",
            Self::Expression(_) => "expression",
            Self::File { .. } => "file",
        }
    }

    /// Samples the field on `grid` (physical layout of [`crate::grid`]); random kinds draw
    /// from `rng` in a fixed order, so equal seeds give identical fields.
    pub fn sample(&self, grid: &Grid, rng: &mut impl Rng) -> Result<Vec<f64>> {
        self.sample_with(grid, rng, &BTreeMap::new())
    }

    /// [`InitialCondition::sample`] with named values an expression may use (a recipe's
    /// constants and the trajectory's parameter values, e.g. `nu`); other kinds ignore
    /// them.
    pub fn sample_with(
        &self,
        grid: &Grid,
        rng: &mut impl Rng,
        names: &BTreeMap<String, f64>,
    ) -> Result<Vec<f64>> {
        let field = match self {
            Self::GaussianRandomField { sigma, tau, alpha } => {
                positive("ic.sigma", *sigma)?;
                non_negative("ic.tau", *tau)?;
                positive("ic.alpha", *alpha)?;
                gaussian_random_field(grid, *sigma, *tau, *alpha, rng)
            }
            Self::RandomFourier {
                max_mode,
                decay,
                amplitude,
            } => {
                let limit = grid
                    .nx()
                    .min(if grid.is_2d() { grid.ny() } else { usize::MAX });
                if *max_mode == 0 || 2 * max_mode >= limit {
                    return Err(invalid(
                        "ic.max_mode",
                        max_mode,
                        "1 <= max_mode < n/2 (below the Nyquist mode of every axis)",
                    ));
                }
                non_negative("ic.decay", *decay)?;
                positive("ic.amplitude", *amplitude)?;
                random_fourier(grid, *max_mode, *decay, *amplitude, rng)
            }
            Self::Expression(text) => {
                let expr = Expression::parse_with(text, names)?;
                let (x, y) = (grid.x(), grid.y());
                let mut out = Vec::with_capacity(grid.len());
                for &yj in &y {
                    for &xi in &x {
                        out.push(expr.eval(&Point {
                            x: xi,
                            y: yj,
                            lx: grid.lx(),
                            ly: grid.ly(),
                        }));
                    }
                }
                out
            }
            Self::File { path, dataset } => read_field(path, dataset.as_deref(), grid)?,
        };
        if let Some(i) = field.iter().position(|v| !v.is_finite()) {
            return Err(invalid(
                "initial condition",
                format!("{} at point {i}", field[i]),
                "finite values everywhere",
            ));
        }
        Ok(field)
    }
}

/// Physical white noise → FFT → multiply by √(N·λ_k/|D|) → inverse FFT. With normalized
/// coefficients, white noise has E|ŵ_k|² = 1/N, so mode k gets variance λ_k/|D|, the
/// Karhunen–Loève weight of e^{ik·x} (unit L² norm √|D|). The mean and Nyquist modes are
/// zeroed.
fn gaussian_random_field(
    grid: &Grid,
    sigma: f64,
    tau: f64,
    alpha: f64,
    rng: &mut impl Rng,
) -> Vec<f64> {
    let noise: Vec<f64> = (0..grid.len())
        .map(|_| rng.sample(StandardNormal))
        .collect();
    let mut transform = SpectralTransform::new(grid);
    let mut spec = vec![Complex64::default(); grid.spectral_len()];
    transform.forward(&noise, &mut spec);
    let area = grid.lx() * if grid.is_2d() { grid.ly() } else { 1.0 };
    let n = grid.len() as f64;
    grid.for_each_mode(|kx, ky, idx| {
        let k2 = grid.kx(kx).powi(2) + grid.ky(ky).powi(2);
        let zero = (kx == 0 && ky == 0) || grid.is_nyquist_x(kx) || grid.is_nyquist_y(ky);
        spec[idx] *= if zero {
            0.0
        } else {
            (n * sigma * sigma * (k2 + tau * tau).powf(-alpha) / area).sqrt()
        };
    });
    let mut field = vec![0.0; grid.len()];
    transform.inverse(&spec, &mut field);
    field
}

fn random_fourier(
    grid: &Grid,
    max_mode: usize,
    decay: f64,
    amplitude: f64,
    rng: &mut impl Rng,
) -> Vec<f64> {
    let mut spec = vec![Complex64::default(); grid.spectral_len()];
    let m = max_mode as i64;
    grid.for_each_mode(|kx, ky, idx| {
        let (mx, my) = (grid.mode_x(kx), grid.mode_y(ky));
        // Draw for every stored mode so the stream does not depend on max_mode's mask.
        let re: f64 = rng.sample(StandardNormal);
        let im: f64 = rng.sample(StandardNormal);
        let norm = mx.abs().max(my.abs());
        if norm == 0 || norm > m {
            return;
        }
        let c = Complex64::new(re, im) * ((norm as f64).powf(-decay) / 2f64.sqrt());
        if kx == 0 && my < 0 {
            return; // set from its conjugate partner below
        }
        spec[idx] = c;
    });
    if grid.is_2d() {
        // Hermitian symmetry of the kx = 0 column: c(0, −m) = conj c(0, m).
        let ny = grid.ny();
        for ky in 1..ny {
            if grid.mode_y(ky) < 0 {
                spec[ky] = spec[ny - ky].conj();
            }
        }
    }
    let mut field = vec![0.0; grid.len()];
    SpectralTransform::new(grid).inverse(&spec, &mut field);
    let max = field.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let scale = if max > 0.0 { amplitude / max } else { 0.0 };
    field.iter_mut().for_each(|v| *v *= scale);
    field
}

/// Reads a field of the grid's shape from `.npy` or HDF5.
fn read_field(path: &Path, dataset: Option<&str>, grid: &Grid) -> Result<Vec<f64>> {
    let unreadable = |reason: String| SolverError::UnreadableFile {
        path: path.display().to_string(),
        reason,
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (shape, data) = match ext.as_str() {
        "npy" => npy::read(path).map_err(unreadable)?,
        "h5" | "hdf5" => read_hdf5(path, dataset.unwrap_or("u0")).map_err(unreadable)?,
        _ => {
            return Err(unreadable(
                "unknown file type: use .npy, .h5 or .hdf5".to_string(),
            ))
        }
    };
    let squeezed: Vec<usize> = shape.iter().copied().filter(|&d| d != 1).collect();
    let expected = grid.shape();
    let expected_squeezed: Vec<usize> = expected.iter().copied().filter(|&d| d != 1).collect();
    if squeezed != expected_squeezed {
        return Err(SolverError::ShapeMismatch {
            field: format!("initial condition in `{}`", path.display()),
            expected,
            got: shape,
        });
    }
    Ok(data)
}

/// The shape and values of dataset `name` of the HDF5 file `path`.
#[cfg(feature = "hdf5")]
fn read_hdf5(path: &Path, name: &str) -> std::result::Result<(Vec<usize>, Vec<f64>), String> {
    let file = hdf5::File::open(path).map_err(|e| e.to_string())?;
    let ds = file
        .dataset(name)
        .map_err(|e| format!("dataset `{name}`: {e}"))?;
    let data = ds
        .read_raw::<f64>()
        .map_err(|e| format!("dataset `{name}`: {e}"))?;
    Ok((ds.shape(), data))
}

/// Without the `hdf5` feature, HDF5 initial conditions are refused with what to do.
#[cfg(not(feature = "hdf5"))]
fn read_hdf5(_path: &Path, _name: &str) -> std::result::Result<(Vec<usize>, Vec<f64>), String> {
    Err(
        "HDF5 initial conditions need galerkin-solvers' `hdf5` feature (use .npy without it)"
            .to_string(),
    )
}
