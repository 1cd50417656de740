//! The thin SVD of a matrix distributed by rows over several processes: TSQR across ranks
//! (Demmel, Grigori, Hoemmen & Langou, "Communication-optimal parallel and sequential QR
//! and LU factorizations", SIAM J. Sci. Comput. 34, 2012), then the small SVD of R.
//!
//! Rank p factors its rows A_p = Q_p R_p. The R factors are merged up a binomial tree: at
//! level l a rank p with p mod 2^(l+1) = 2^l sends its R to rank p − 2^l, which factors the
//! stack [R_p−2^l; R_p] = Q_s R and keeps Q_s. Rank 0 ends with R = U_R Σ Vᵀ; Σ and V go to
//! every rank, and the coefficients C = U_R go back down the tree (each Q_s splits C between
//! its two children), so rank p forms its rows U_p = Q_p C_p, which are gathered. Per rank:
//! O(m³ log P) flops and m² log P values sent, whatever P (a flat gather of the R's would
//! cost every rank P m² values and a P m × m factorization). The SVD is the serial one up
//! to round-off.

use faer::{Mat, MatRef, Par};

use super::error::{ensure_finite, BasisError, Result};
use super::inner::InnerProduct;
use super::qr::householder_thin;
use super::svd::ThinSvd;
use crate::parallel::{column_major, Collective};

/// The thin SVD of the matrix whose rows `local` (n_p × m) this rank holds, rank after rank
/// in order, under a diagonal inner product whose weights of these rows `ip` holds (the
/// SVD of W^{1/2}A, U mapped back so UᵀWU = I, as [`super::thin_svd`]). `keep` sees every
/// singular value and says how many triplets to form (every rank calls it on the same
/// values). Every rank returns the same triplets with all n rows of U, and every singular
/// value. A collective: every rank of `comm` must call it with the same m.
pub fn row_distributed_svd_leading(
    local: MatRef<'_, f64>,
    ip: &InnerProduct,
    comm: &dyn Collective,
    keep: impl FnOnce(&[f64]) -> Result<usize>,
) -> Result<(ThinSvd, Vec<f64>)> {
    ensure_finite("a", local)?;
    ip.check_dim(local.nrows())?;
    let m = local.ncols();
    let total: f64 = comm
        .all_gather(&[local.nrows() as f64])
        .concat()
        .iter()
        .sum();
    if m == 0 || total == 0.0 {
        return Err(BasisError::InvalidParameter {
            field: "a",
            value: format!("{total} rows × {m} columns over all ranks"),
            allowed: "at least one row and one column",
        });
    }
    let whitened = ip.whiten(local);
    // Rank p's factor: Q_p (n_p × k_p) and R_p (k_p × m), k_p = min(n_p, m).
    let (q_local, r_local) = householder_thin(whitened.as_ref(), Par::Seq);
    let (r, merges, parent) = reduce_up(r_local, m, comm);
    // Rank 0 holds R: its SVD's Σ and V go to every rank, which all apply `keep` alike.
    // A failed SVD shares nothing, so every rank returns the error (none waits).
    let small = (comm.rank() == 0).then(|| r.thin_svd().ok()).flatten();
    let shared = small.as_ref().map_or_else(Vec::new, |svd| {
        let s = svd.S().column_vector();
        let mut out: Vec<f64> = s.iter().copied().collect();
        out.extend(column_major(svd.V()));
        out
    });
    let shared = comm.all_gather(&shared).swap_remove(0);
    // σ (k values) then V (m × k): k (1 + m) values, k ≥ 1 after a successful SVD.
    let count = shared.len() / (m + 1);
    if count == 0 {
        return Err(BasisError::NoConvergence { what: "thin SVD" });
    }
    let all = shared[..count].to_vec();
    let v_all = MatRef::from_column_major_slice(&shared[count..], m, count);
    let kept = keep(&all)?.min(all.len());
    // Coefficients down the tree: rank 0 starts from U_R, the others receive theirs.
    let mut c = match (&small, parent) {
        (Some(svd), _) => svd.U().subcols(0, kept).to_owned(),
        (None, Some(parent)) => {
            let values = comm.receive(parent);
            let rows = values.len() / kept.max(1);
            Mat::from_fn(rows, kept, |i, j| values[j * rows + i])
        }
        (None, None) => Mat::zeros(0, kept),
    };
    for (child, q_stack, top) in merges.into_iter().rev() {
        let full = &q_stack * &c;
        let below = full.as_ref().subrows(top, full.nrows() - top);
        comm.send(child, &column_major(below));
        c = full.as_ref().subrows(0, top).to_owned();
    }
    let u_local = ip.unwhiten_owned(&q_local * &c);
    let pieces = comm.all_gather(&column_major(u_local.as_ref()));
    let heights: Vec<usize> = pieces.iter().map(|p| p.len() / kept.max(1)).collect();
    let u = stack_rows(&pieces, &heights, kept);
    Ok((
        ThinSvd {
            u,
            s: all[..kept].to_vec(),
            v: v_all.subcols(0, kept).to_owned(),
        },
        all,
    ))
}

/// A merge this rank did on the way up: the child rank, the orthonormal factor of the
/// stack [R_mine; R_child] and the rows R_mine had.
type Merge = (usize, Mat<f64>, usize);

/// The binomial-tree reduction of the R factors to rank 0: this rank's R after its merges
/// (the whole R on rank 0), the merges in the order done, and the rank it sent to.
fn reduce_up(
    mut r: Mat<f64>,
    m: usize,
    comm: &dyn Collective,
) -> (Mat<f64>, Vec<Merge>, Option<usize>) {
    let (p, size) = (comm.rank(), comm.size());
    let mut merges = Vec::new();
    let mut step = 1;
    while step < size {
        if p % (2 * step) == step {
            comm.send(p - step, &column_major(r.as_ref()));
            return (r, merges, Some(p - step));
        }
        if p + step < size {
            let values = comm.receive(p + step);
            let rows = values.len() / m;
            let top = r.nrows();
            let stacked = Mat::from_fn(top + rows, m, |i, j| {
                if i < top {
                    r[(i, j)]
                } else {
                    values[j * rows + i - top]
                }
            });
            let (q_stack, merged) = householder_thin(stacked.as_ref(), Par::Seq);
            merges.push((p + step, q_stack, top));
            r = merged;
        }
        step *= 2;
    }
    (r, merges, None)
}

/// The column-major blocks `pieces` (`heights[p]` rows × `cols` each) stacked by rows.
fn stack_rows(pieces: &[Vec<f64>], heights: &[usize], cols: usize) -> Mat<f64> {
    let mut out = Mat::zeros(heights.iter().sum(), cols);
    let mut top = 0;
    for (piece, &h) in pieces.iter().zip(heights) {
        for j in 0..cols {
            out.col_as_slice_mut(j)[top..top + h].copy_from_slice(&piece[j * h..(j + 1) * h]);
        }
        top += h;
    }
    out
}
