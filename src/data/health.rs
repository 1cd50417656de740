//! Per-trajectory health: numbers that tell a resolved, stable run from a bad one, tracked
//! over the whole run (every save), not only the final state.

use galerkin_solvers::dealias::two_thirds_cutoff;
use galerkin_solvers::fft::SpectralTransform;
use galerkin_solvers::{Grid, Trajectory};
use num_complex::Complex64;

/// Spectral tail ratio above which a trajectory is flagged as under-resolved: more than
/// 1e-6 of the energy in the top third of the resolved (dealiased) band.
pub const TAIL_RATIO_LIMIT: f64 = 1e-6;

/// Health of one trajectory: the final state's mean, energy and tail ratio, and the largest
/// CFL number and tail ratio over the run's saves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Health {
    /// Spatial mean of the final state.
    pub mean: f64,
    /// Mean of u² over the domain at the final state.
    pub energy: f64,
    /// Largest advective CFL number at the saves (NaN for KS, which has none).
    pub max_cfl: f64,
    /// Energy in the modes above two thirds of the dealiasing cutoff K (|m| > 2K/3 on an
    /// axis), over the total, at the final state: large values mean the grid does not
    /// resolve the solution.
    pub tail_ratio: f64,
    /// The largest tail ratio over the saves the solver produced (every save after the
    /// initial one, which is the user's data, not the solver's): a front that was
    /// under-resolved mid-run and then decayed shows here, not in `tail_ratio`.
    pub max_tail_ratio: f64,
    /// 0 healthy, 1 under-resolved (the final or largest tail ratio above
    /// [`TAIL_RATIO_LIMIT`]), 2 failed (blow-up or CFL stop).
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
            max_tail_ratio: f64::NAN,
            status: 2,
        }
    }

    /// Measures a finished trajectory on its simulation grid, at every save.
    pub fn measure(grid: &Grid, traj: &Trajectory) -> Self {
        let n_saves = traj.times.len();
        let last = traj.snapshot(n_saves - 1);
        let n = last.len() as f64;
        let mean = last.iter().sum::<f64>() / n;
        let energy = last.iter().map(|u| u * u).sum::<f64>() / n;
        let mut transform = SpectralTransform::new(grid);
        let mut spec = vec![Complex64::default(); grid.spectral_len()];
        let mut tail_of = |snapshot: &[f64]| {
            transform.forward(snapshot, &mut spec);
            tail_ratio(grid, &spec)
        };
        let tail_ratio = tail_of(last);
        // The saves after the initial state (only it when it is the one save); the last is
        // measured above.
        let mut max_tail_ratio = tail_ratio;
        for i in 1.min(n_saves - 1)..n_saves - 1 {
            max_tail_ratio = max_tail_ratio.max(tail_of(traj.snapshot(i)));
        }
        let flagged = tail_ratio > TAIL_RATIO_LIMIT || max_tail_ratio > TAIL_RATIO_LIMIT;
        Self {
            mean,
            energy,
            max_cfl: traj.max_cfl.unwrap_or(f64::NAN),
            tail_ratio,
            max_tail_ratio,
            status: u8::from(flagged),
        }
    }
}

/// The share of the spectral energy of `spec` above two thirds of the dealiasing cutoff.
fn tail_ratio(grid: &Grid, spec: &[Complex64]) -> f64 {
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
    if total > 0.0 {
        tail / total
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_tail_ratio_is_over_the_whole_run() {
        let grid = Grid::new_1d(32, 1.0).unwrap();
        let smooth: Vec<f64> = grid
            .x()
            .iter()
            .map(|x| (2.0 * std::f64::consts::PI * x).sin())
            .collect();
        let rough: Vec<f64> = (0..32)
            .map(|i| smooth[i] + if i % 2 == 0 { 0.1 } else { -0.1 })
            .collect();
        // Rough initial data (not counted), rough mid-run, smooth at the end.
        let data = [rough.clone(), rough, smooth.clone(), smooth].concat();
        let traj = Trajectory {
            times: vec![0.0, 1.0, 2.0, 3.0],
            data,
            max_cfl: Some(0.5),
        };
        let h = Health::measure(&grid, &traj);
        assert!(h.tail_ratio < 1e-20, "{}", h.tail_ratio);
        assert!(h.max_tail_ratio > 1e-3, "{}", h.max_tail_ratio);
        assert_eq!((h.status, h.max_cfl), (1, 0.5));
        // Only the initial state rough: healthy.
        let mut only_start = traj.clone();
        only_start.data[32..64].copy_from_slice(&traj.data[64..96]);
        let h = Health::measure(&grid, &only_start);
        assert_eq!(h.status, 0, "{h:?}");
        assert_eq!(h.max_tail_ratio, h.tail_ratio);
    }
}
