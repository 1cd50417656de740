//! The thin SVD of a matrix distributed by rows over several processes: TSQR across ranks
//! (Demmel, Grigori, Hoemmen & Langou, "Communication-optimal parallel and sequential QR
//! and LU factorizations", SIAM J. Sci. Comput. 34, 2012), then the small SVD of R.
//!
//! Rank p factors its rows A_p = Q_p R_p; the R_p (each at most m × m) are gathered and
//! factored once more, [R_1; …; R_P] = Q_s R; the SVD R = U_R Σ Vᵀ gives rank p's rows of
//! the left singular vectors, U_p = Q_p (Q_s)_p U_R. Every rank forms the same Q_s, R and
//! SVD from the same gathered bytes (no broadcast needed), and the U_p are gathered, so
//! every rank ends with the whole result. The SVD is exact — the same as one process's —
//! up to round-off: only m² values per rank cross the network for the R's, and n·r for U.

use faer::{Mat, MatRef, Par};

use super::error::{ensure_finite, BasisError, Result};
use super::inner::InnerProduct;
use super::qr::householder_thin;
use super::svd::ThinSvd;
use crate::parallel::Collective;

/// The thin SVD of the matrix whose rows `local` (n_p × m) this rank holds, rank after rank
/// in order, under a diagonal inner product whose weights of these rows `ip` holds (the
/// SVD of W^{1/2}A, U mapped back so UᵀWU = I, as [`super::thin_svd`]). `keep` sees every
/// singular value and says how many triplets to form. Every rank returns the same triplets
/// with all n rows of U, and every singular value. A collective: every rank of `comm` must
/// call it with the same m.
pub fn row_distributed_svd_leading(
    local: MatRef<'_, f64>,
    ip: &InnerProduct,
    comm: &dyn Collective,
    keep: impl FnOnce(&[f64]) -> Result<usize>,
) -> Result<(ThinSvd, Vec<f64>)> {
    ensure_finite("a", local)?;
    ip.check_dim(local.nrows())?;
    let m = local.ncols();
    let whitened = ip.whiten(local);
    // Rank p's factor: Q_p (n_p × k_p) and R_p (k_p × m), k_p = min(n_p, m).
    let (q_local, r_local) = householder_thin(whitened.as_ref(), Par::Seq);
    let gathered = comm.all_gather(&column_major(r_local.as_ref()));
    let rows: Vec<usize> = gathered.iter().map(|g| g.len() / m.max(1)).collect();
    let stacked_rows: usize = rows.iter().sum();
    if m == 0 || stacked_rows == 0 {
        return Err(BasisError::InvalidParameter {
            field: "a",
            value: format!("{stacked_rows} rows × {m} columns over all ranks"),
            allowed: "at least one row and one column",
        });
    }
    let stacked = stack_rows(&gathered, &rows, m);
    let (q_stack, r) = householder_thin(stacked.as_ref(), Par::Seq);
    let small = r
        .thin_svd()
        .map_err(|_| BasisError::NoConvergence { what: "thin SVD" })?;
    let all: Vec<f64> = small.S().column_vector().iter().copied().collect();
    let kept = keep(&all)?.min(all.len());
    let offset: usize = rows[..comm.rank()].iter().sum();
    let mine = q_stack.as_ref().subrows(offset, rows[comm.rank()]);
    let u_local = ip.unwhiten_owned(&q_local * (mine * small.U().subcols(0, kept)));
    let pieces = comm.all_gather(&column_major(u_local.as_ref()));
    let heights: Vec<usize> = pieces.iter().map(|p| p.len() / kept.max(1)).collect();
    let u = stack_rows(&pieces, &heights, kept);
    Ok((
        ThinSvd {
            u,
            s: all[..kept].to_vec(),
            v: small.V().subcols(0, kept).to_owned(),
        },
        all,
    ))
}

/// The values of `a`, column after column.
fn column_major(a: MatRef<'_, f64>) -> Vec<f64> {
    (0..a.ncols())
        .flat_map(|j| a.col(j).iter().copied())
        .collect()
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
