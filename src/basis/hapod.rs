//! The distributed hierarchical approximate POD (HAPOD; Himpe, Leibner & Rave,
//! "Hierarchical approximate proper orthogonal decomposition", SIAM J. Sci. Comput. 40,
//! A3267–A3292, 2018): snapshots split into slices (trajectories, ranks) each get a local
//! POD; the root takes the POD of the local modes scaled by their singular values. With
//! the local tolerances below, the mean-square projection error of all snapshots onto the
//! result is at most ε*² — an a-priori bound, whatever the split — and the number of modes
//! is at most that of a plain POD with tolerance ω ε* √|S|.
//!
//! A tree of depth 2: the leaves and the root. [`hapod_on`] runs it over processes: each
//! rank takes the leaves of the slices it holds and the U_p Σ_p are gathered (in rank
//! order, so the result does not depend on how slices are spread over ranks, only on
//! their order); [`distributed_hapod`] is the same on one process.

use faer::{Mat, MatRef};

use super::error::{BasisError, Result};
use super::inner::InnerProduct;
use super::svd::thin_svd;
use crate::parallel::{Collective, SingleProcess};

/// HAPOD settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HapodOptions {
    /// ε*: the target root-mean-square projection error over all snapshots (absolute:
    /// multiply a relative target by the snapshots' RMS norm).
    pub epsilon: f64,
    /// ω ∈ (0, 1): the share of the error budget the root keeps (ω ε* √|S|); the leaves get
    /// √(1 − ω²) ε* √|S_p| each. Larger ω: fewer root modes, more leaf modes.
    pub omega: f64,
}

/// The HAPOD of a set of slices.
#[derive(Debug, Clone)]
pub struct Hapod {
    /// The modes (n × N), orthonormal under the inner product used.
    pub modes: Mat<f64>,
    /// Their singular values (the root POD's kept ones).
    pub singular_values: Vec<f64>,
    /// |S|: the number of snapshots over all slices.
    pub snapshots: usize,
    /// The modes each leaf kept.
    pub leaf_modes: Vec<usize>,
}

/// The smallest N with Σ_{n>N} σ_n² ≤ tol² (all of them when tol = 0).
fn rank_for_error(s: &[f64], tol: f64) -> usize {
    let mut tail = 0.0;
    let mut n = s.len();
    while n > 0 && tail + s[n - 1] * s[n - 1] <= tol * tol {
        tail += s[n - 1] * s[n - 1];
        n -= 1;
    }
    n
}

/// The distributed HAPOD of `slices` (each n × k_p; empty slices are skipped) under the
/// inner product `ip`: a local POD of each slice with tolerance √(1 − ω²) ε* √k_p, then the
/// POD of [U_1 Σ_1, …, U_P Σ_P] with tolerance ω ε* √|S| (tree depth 2, Himpe, Leibner &
/// Rave 2018, Theorem 3.5 with the tolerances of their Section 3.3).
pub fn distributed_hapod(
    slices: &[MatRef<'_, f64>],
    ip: &InnerProduct,
    opts: &HapodOptions,
) -> Result<Hapod> {
    hapod_on(slices, ip, opts, &SingleProcess)
}

/// [`distributed_hapod`] of the slices of every rank of `comm`, this rank holding
/// `slices` (possibly none): the leaves run where their slices are, their U_p Σ_p are
/// gathered in rank order and every rank forms the same root POD. A collective.
pub fn hapod_on(
    slices: &[MatRef<'_, f64>],
    ip: &InnerProduct,
    opts: &HapodOptions,
    comm: &dyn Collective,
) -> Result<Hapod> {
    if !(opts.epsilon.is_finite() && opts.epsilon >= 0.0) {
        return Err(BasisError::InvalidParameter {
            field: "epsilon",
            value: format!("{}", opts.epsilon),
            allowed: "a finite number >= 0 (the RMS projection error target)",
        });
    }
    if !(opts.omega > 0.0 && opts.omega < 1.0) {
        return Err(BasisError::InvalidParameter {
            field: "omega",
            value: format!("{}", opts.omega),
            allowed: "a number in (0, 1)",
        });
    }
    let local_n = slices.first().map_or(0, |s| s.nrows());
    let local_total: usize = slices.iter().map(|s| s.ncols()).sum();
    // Every rank learns the state size (the largest one held) and the snapshot count.
    let sizes = comm.all_gather(&[local_n as f64, local_total as f64]);
    let n = sizes.iter().map(|s| s[0] as usize).max().unwrap_or(0);
    let total: usize = sizes.iter().map(|s| s[1] as usize).sum();
    if let Some(bad) = slices.iter().find(|s| s.nrows() != n) {
        return Err(BasisError::DimensionMismatch {
            field: "slices",
            expected: n,
            got: bad.nrows(),
        });
    }
    if total == 0 || n == 0 {
        return Err(BasisError::InvalidParameter {
            field: "slices",
            value: format!("{} snapshots of {n} values", total),
            allowed: "at least one snapshot of at least one value",
        });
    }
    let leaf_share = (1.0 - opts.omega * opts.omega).sqrt() * opts.epsilon;
    let mut local: Vec<f64> = Vec::new();
    let mut local_modes = Vec::with_capacity(slices.len());
    for slice in slices.iter().filter(|s| s.ncols() > 0) {
        let svd = thin_svd(*slice, ip)?;
        let keep = rank_for_error(&svd.s, leaf_share * (slice.ncols() as f64).sqrt());
        local_modes.push(keep as f64);
        for j in 0..keep {
            local.extend(svd.u.col(j).iter().map(|u| u * svd.s[j]));
        }
    }
    let gathered: Vec<f64> = comm.all_gather(&local).concat();
    let leaf_modes: Vec<usize> = comm
        .all_gather(&local_modes)
        .concat()
        .into_iter()
        .map(|k| k as usize)
        .collect();
    let columns = gathered.len() / n;
    if columns == 0 {
        // Every leaf's snapshots were within its tolerance of zero.
        return Ok(Hapod {
            modes: Mat::zeros(n, 0),
            singular_values: Vec::new(),
            snapshots: total,
            leaf_modes,
        });
    }
    let stacked = MatRef::from_column_major_slice(&gathered, n, columns);
    let root = thin_svd(stacked, ip)?;
    let keep = rank_for_error(&root.s, opts.omega * opts.epsilon * (total as f64).sqrt());
    Ok(Hapod {
        modes: root.u.subcols(0, keep).to_owned(),
        singular_values: root.s[..keep].to_vec(),
        snapshots: total,
        leaf_modes,
    })
}
