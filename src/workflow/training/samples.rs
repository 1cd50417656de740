//! Trajectories of a scalar-field trajectory file read into memory for training.

use std::ops::Range;

use crate::data::Dataset;
use crate::operators::data::Trajectories;
use crate::workflow::error::{invalid, Result};

/// Trajectories `range` of a scalar-field file (Burgers, KS, NS vorticity).
pub fn read_trajectories(dataset: &Dataset, range: Range<usize>) -> Result<Trajectories> {
    let shape = dataset.shape();
    if dataset.fields() != 1 {
        return Err(invalid(
            "data.dataset",
            dataset.path().display(),
            "a scalar-field trajectory file (Burgers, KS or NS); wave files hold (q, p)",
        ));
    }
    if range.start >= range.end || range.end > dataset.n_traj() {
        return Err(invalid(
            "trajectory range",
            format!("{}..{}", range.start, range.end),
            format!(
                "a non-empty range within 0..{} (the file's trajectories)",
                dataset.n_traj()
            ),
        ));
    }
    let n_t = shape[1];
    let grid = shape[2..shape.len() - 1].to_vec();
    let points: usize = grid.iter().product();
    let mut fields = Vec::with_capacity(range.len());
    for i in range {
        let values = dataset.snapshots(i, 0..n_t)?;
        if let Some(bad) = values.iter().position(|v| !v.is_finite()) {
            return Err(invalid(
                "data.dataset",
                format!("trajectory {i}, save {}", bad / points),
                "finite values (this trajectory blew up or is unfinished; re-simulate it)",
            ));
        }
        fields.push(values.chunks_exact(points).map(<[f64]>::to_vec).collect());
    }
    Ok(Trajectories {
        shape: grid,
        times: dataset.times()?,
        fields,
    })
}
