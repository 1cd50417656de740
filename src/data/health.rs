//! Per-trajectory health: numbers that tell a resolved, stable run from a bad one.

use galerkin_solvers::dealias::two_thirds_cutoff;
use galerkin_solvers::fft::SpectralTransform;
use galerkin_solvers::{Grid, Trajectory};
use num_complex::Complex64;

/// Spectral tail ratio above which a trajectory is flagged as under-resolved: more than
/// 1e-6 of the energy in the top third of the resolved (dealiased) band.
pub const TAIL_RATIO_LIMIT: f64 = 1e-6;

/// Health of one trajectory, from its final state (and CFL over all saves).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Health {
    /// Spatial mean of the final state.
    pub mean: f64,
    /// Mean of u² over the domain at the final state.
    pub energy: f64,
    /// Largest advective CFL number at the saves (NaN for KS, which has none).
    pub max_cfl: f64,
    /// Energy in the modes above two thirds of the dealiasing cutoff K (|m| > 2K/3 on an
    /// axis), over the total: large values mean the grid does not resolve the solution.
    pub tail_ratio: f64,
    /// 0 healthy, 1 under-resolved, 2 failed (blow-up or CFL stop).
    pub status: u8,
}

impl Health {
    /// The health of a failed trajectory.
    pub fn failed() -> Self {
        Self {
            mean: f64::NAN,
            energy: f64::NAN,
            max_cfl: f64::NAN,
            tail_ratio: f64::NAN,
            status: 2,
        }
    }

    /// Measures a finished trajectory on its simulation grid.
    pub fn measure(grid: &Grid, traj: &Trajectory) -> Self {
        let last = traj.snapshot(traj.times.len() - 1);
        let n = last.len() as f64;
        let mean = last.iter().sum::<f64>() / n;
        let energy = last.iter().map(|u| u * u).sum::<f64>() / n;
        let mut spec = vec![Complex64::default(); grid.spectral_len()];
        SpectralTransform::new(grid).forward(last, &mut spec);
        let (cx, cy) = (two_thirds_cutoff(grid.nx()), two_thirds_cutoff(grid.ny()));
        let (mut total, mut tail) = (0.0, 0.0);
        grid.for_each_mode(|kx, ky, idx| {
            let (mx, my) = (grid.mode_x(kx), grid.mode_y(ky).abs());
            let weight = if kx == 0 { 1.0 } else { 2.0 };
            let e = weight * spec[idx].norm_sqr();
            total += e;
            if 3 * mx > 2 * cx || (grid.is_2d() && 3 * my > 2 * cy) {
                tail += e;
            }
        });
        let tail_ratio = if total > 0.0 { tail / total } else { 0.0 };
        Self {
            mean,
            energy,
            max_cfl: traj.max_cfl.unwrap_or(f64::NAN),
            tail_ratio,
            status: u8::from(tail_ratio > TAIL_RATIO_LIMIT),
        }
    }
}
