//! The POD over the ranks of a [`Collective`]: snapshots split by rows (space) for the
//! exact TSQR route, or by blocks (trajectories) for the HAPOD.
//!
//! - **Rows** (`thin`, `auto`): every rank reads every block and keeps only its contiguous
//!   share of the n rows, so the snapshot matrix is spread over the ranks' memories; the
//!   mean and the weights are per row, hence local; the SVD is
//!   [`row_distributed_svd_leading`] — the serial thin SVD up to round-off.
//! - **Blocks** (`hapod`): every rank reads only its share of the blocks; leaves are the
//!   blocks (so the result does not depend on the number of ranks, only on round-off in the
//!   mean), their U_p Σ_p are gathered and every rank forms the root POD. The relative
//!   energy tolerance δ sets ε*² = δ ‖S‖²/|S|, so the a-priori bound of Himpe, Leibner &
//!   Rave (2018) guarantees Σ ‖s − P s‖² ≤ δ ‖S‖² over all snapshots: the same criterion as
//!   a serial POD with energy tolerance δ.

use std::ops::Range;

use faer::Mat;

use super::error::{invalid, Result};
use super::pod::{
    add_columns, check_request, gathered, subtract_mean, Pod, PodMethod, PodOptions, SnapshotSource,
};
use crate::basis::{
    hapod_on, row_distributed_svd_leading, Basis, HapodOptions, InnerProduct, ThinSvd, Truncation,
};
use crate::parallel::Collective;

impl Pod {
    /// The POD of every snapshot of `source` computed by all ranks of `comm` together
    /// (each rank passes a source of the same snapshots; it reads the rows or blocks it
    /// needs): `thin` / `auto` split the rows (exact TSQR), `hapod` the blocks. Every rank
    /// returns the same POD. A collective: every rank must call it with the same options.
    pub fn compute_on(
        source: &mut dyn SnapshotSource,
        opts: &PodOptions,
        comm: &dyn Collective,
    ) -> Result<Self> {
        match opts.method {
            PodMethod::Auto | PodMethod::Thin => by_rows(source, opts, comm),
            PodMethod::Hapod => by_blocks(source, opts, comm),
            _ if comm.size() == 1 => Self::compute(source, opts),
            other => Err(invalid(
                "pod method",
                other.name(),
                "thin (TSQR over ranks, by rows) or hapod (by trajectories) on several ranks",
            )),
        }
    }
}

/// The rows `rows` of another source's blocks.
struct RowShare<'a> {
    inner: &'a mut dyn SnapshotSource,
    rows: Range<usize>,
}

impl SnapshotSource for RowShare<'_> {
    fn dim(&self) -> usize {
        self.rows.len()
    }
    fn n_blocks(&self) -> usize {
        self.inner.n_blocks()
    }
    fn block_len(&self, b: usize) -> usize {
        self.inner.block_len(b)
    }
    fn block(&mut self, b: usize) -> Result<Mat<f64>> {
        let block = self.inner.block(b)?;
        Ok(block
            .as_ref()
            .subrows(self.rows.start, self.rows.len())
            .to_owned())
    }
}

/// The inner product `ip` restricted to the rows `rows` (Euclidean on no rows: a rank of
/// more ranks than rows holds none, and any product of nothing is the same).
fn restrict(ip: &InnerProduct, rows: &Range<usize>) -> Result<InnerProduct> {
    Ok(match ip {
        InnerProduct::Diagonal(w) if !rows.is_empty() => {
            InnerProduct::diagonal(w[rows.clone()].to_vec())?
        }
        _ => InnerProduct::Euclidean,
    })
}

/// The snapshot count and the checked request's inner product of `source`.
fn request(source: &dyn SnapshotSource, opts: &PodOptions) -> Result<(usize, InnerProduct)> {
    let n_s: usize = (0..source.n_blocks()).map(|b| source.block_len(b)).sum();
    Ok((n_s, check_request(source.dim(), n_s, opts)?))
}

fn by_rows(
    source: &mut dyn SnapshotSource,
    opts: &PodOptions,
    comm: &dyn Collective,
) -> Result<Pod> {
    let (n_s, ip) = request(source, opts)?;
    let rows = comm.my_share(source.dim());
    let mut mine = RowShare {
        inner: source,
        rows: rows.clone(),
    };
    // One read of the file: the mean (summed in the serial order) from the gathered rows.
    let mut local = gathered(&mut mine, None)?;
    let mean = opts.center.then(|| {
        let mut mean = vec![0.0; rows.len()];
        add_columns(&mut mean, &local);
        mean.iter_mut().for_each(|m| *m /= n_s as f64);
        mean
    });
    subtract_mean(&mut local, mean.as_deref());
    let truncation = opts.truncation;
    let (svd, all) =
        row_distributed_svd_leading(local.as_ref(), &restrict(&ip, &rows)?, comm, |s| {
            truncation.rank(s)
        })?;
    let mean = mean.map(|m| comm.all_gather(&m).concat());
    Pod::finish(svd, all, ip, mean, n_s, PodMethod::Thin, truncation)
}

fn by_blocks(
    source: &mut dyn SnapshotSource,
    opts: &PodOptions,
    comm: &dyn Collective,
) -> Result<Pod> {
    let n = source.dim();
    let (n_s, ip) = request(source, opts)?;
    let Truncation::RelativeEnergy(delta) = opts.truncation else {
        return Err(invalid(
            "truncation",
            format!("{:?}", opts.truncation),
            "an energy tolerance (--energy): the HAPOD keeps the modes its error bound needs",
        ));
    };
    // This rank's blocks, read once.
    let mut slices = comm
        .my_share(source.n_blocks())
        .map(|b| source.block(b))
        .collect::<Result<Vec<_>>>()?;
    let mean = opts.center.then(|| {
        let mut sum = vec![0.0; n];
        slices.iter().for_each(|block| add_columns(&mut sum, block));
        let mut mean = comm.all_sum(&sum);
        mean.iter_mut().for_each(|m| *m /= n_s as f64);
        mean
    });
    let mut energy = 0.0;
    for block in &mut slices {
        subtract_mean(block, mean.as_deref());
        energy += (0..block.ncols())
            .map(|j| ip.dot(block.col_as_slice(j), block.col_as_slice(j)))
            .sum::<f64>();
    }
    let energy = comm.all_sum(&[energy])[0];
    let views: Vec<_> = slices.iter().map(|s| s.as_ref()).collect();
    let hapod = hapod_on(
        &views,
        &ip,
        &HapodOptions {
            epsilon: (delta * energy / n_s as f64).sqrt(),
            omega: opts.hapod_omega,
        },
        comm,
    )?;
    let r = hapod.singular_values.len();
    if r == 0 {
        return Err(invalid(
            "truncation",
            format!("{:?}", opts.truncation),
            "a tolerance keeping at least one mode (the snapshots may all equal their mean)",
        ));
    }
    tracing::info!(
        "HAPOD: {} leaves kept {:?} modes, root {} of {} snapshots (a-priori bound: \
         discarded energy ≤ {delta:.1e})",
        hapod.leaf_modes.len(),
        hapod.leaf_modes,
        r,
        n_s
    );
    let svd = ThinSvd {
        u: hapod.modes,
        s: hapod.singular_values.clone(),
        v: Mat::zeros(0, r),
    }
    .with_sign_convention();
    Ok(Pod {
        basis: Basis::from_orthonormal(svd.u, ip, 1e-8)?,
        singular_values: hapod.singular_values,
        mean,
        n_snapshots: n_s,
        method: PodMethod::Hapod,
    })
}
