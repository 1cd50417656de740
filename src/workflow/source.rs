//! Snapshots read from a trajectory file, as a [`SnapshotSource`] for the POD.

use faer::Mat;

use crate::data::Dataset;
use crate::rom::{check_finite, RomError, SnapshotSource};

use super::error::{invalid, Result};

/// Snapshots `times` of some trajectories of a file, one trajectory per block, in the
/// solvers' layout.
pub struct DatasetSource<'a> {
    dataset: &'a Dataset,
    trajectories: Vec<usize>,
    times: std::ops::Range<usize>,
}

impl<'a> DatasetSource<'a> {
    /// Trajectories `trajectories` (all if empty), save indices `times`; checks both.
    pub fn new(
        dataset: &'a Dataset,
        trajectories: &[usize],
        times: std::ops::Range<usize>,
    ) -> Result<Self> {
        let trajectories: Vec<usize> = if trajectories.is_empty() {
            (0..dataset.n_traj()).collect()
        } else {
            trajectories.to_vec()
        };
        let n_t = dataset.shape()[1];
        if times.start >= times.end || times.end > n_t {
            return Err(invalid(
                "time window",
                format!("{}..{}", times.start, times.end),
                format!("a non-empty range of save indices within 0..{n_t}"),
            ));
        }
        let done = dataset.done()?;
        for &t in &trajectories {
            if t >= dataset.n_traj() {
                return Err(invalid(
                    "trajectories",
                    t,
                    format!("indices below {}", dataset.n_traj()),
                ));
            }
            if done[t] != 1 {
                return Err(invalid(
                    "trajectories",
                    t,
                    "complete trajectories (this one is not done; resume `galerkin simulate`)",
                ));
            }
        }
        Ok(Self {
            dataset,
            trajectories,
            times,
        })
    }
}

impl SnapshotSource for DatasetSource<'_> {
    fn dim(&self) -> usize {
        self.dataset.snapshot_len()
    }
    fn n_blocks(&self) -> usize {
        self.trajectories.len()
    }
    fn block_len(&self, _b: usize) -> usize {
        self.times.len()
    }
    fn block(&mut self, b: usize) -> crate::rom::Result<Mat<f64>> {
        let traj = self.trajectories[b];
        let data = self
            .dataset
            .solver_snapshots(traj, self.times.clone())
            .map_err(|e| RomError::Source(Box::new(e)))?;
        let n = self.dim();
        let m = crate::rom::snapshot_matrix(&data, n).to_owned();
        check_finite(&m, traj, self.times.start)?;
        Ok(m)
    }
}
