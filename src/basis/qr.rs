//! Thin QR factorizations: Householder (via faer's blocked implementation) and TSQR.
//!
//! TSQR (Demmel, Grigori, Hoemmen, Langou, "Communication-optimal parallel and sequential QR
//! and LU factorizations", SIAM J. Sci. Comput. 34(1), 2012) factors a tall-skinny matrix by
//! a reduction tree: each row block is QR-factored on its own, the stacked k×k R factors are
//! reduced pairwise up a binary tree, and Q is recovered top-down as Q_block · Q_tree. Only
//! k×k blocks cross the tree, so the same tree runs over MPI ranks later; here the leaves are
//! factored in parallel with rayon and the result does not depend on the thread count.

use faer::{Mat, MatRef};
use rayon::prelude::*;

use super::error::{ensure_finite, BasisError, Result};
use super::inner::InnerProduct;

/// A thin QR factorization A = Q R with Q (m×k) orthonormal and R (k×k) upper triangular,
/// k = min(m, n).
#[derive(Debug, Clone)]
pub struct ThinQr {
    /// Orthonormal factor, m×k.
    pub q: Mat<f64>,
    /// Upper-triangular factor, k×n.
    pub r: Mat<f64>,
}

/// Householder thin QR (Golub–Van Loan, Matrix Computations, 4th ed., §5.2), computed by
/// faer's blocked Householder QR. Under a diagonal inner product W the factor Q satisfies
/// QᵀWQ = I: the whitened matrix W^{1/2}A is factored and Q is mapped back.
pub fn householder_qr(a: MatRef<'_, f64>, ip: &InnerProduct) -> Result<ThinQr> {
    ensure_finite("a", a)?;
    ip.check_dim(a.nrows())?;
    let whitened = ip.whiten(a);
    let qr = whitened.qr();
    Ok(ThinQr {
        q: ip.unwhiten(qr.compute_thin_Q().as_ref()),
        r: qr.thin_R().to_owned(),
    })
}

/// One node of the TSQR reduction tree: the k×k R of its rows, and for an inner node the
/// (2k)×k orthonormal factor of its stacked children's R's.
enum TreeNode {
    Leaf {
        q: Mat<f64>,
    },
    Inner {
        q_stack: Mat<f64>,
        left: Box<TreeNode>,
        right: Box<TreeNode>,
    },
}

/// Tall-skinny QR by a binary reduction tree over row blocks of about `block_rows` rows.
///
/// Requires m ≥ n; blocks have at least n rows (a short last block joins its neighbour).
/// Returns Q (m×n, orthonormal) and R (n×n). The signs of R's diagonal may differ from
/// [`householder_qr`]'s, as for any QR.
pub fn tsqr(a: MatRef<'_, f64>, block_rows: usize) -> Result<ThinQr> {
    ensure_finite("a", a)?;
    let (m, n) = (a.nrows(), a.ncols());
    if m < n || n == 0 {
        return Err(BasisError::InvalidParameter {
            field: "a",
            value: format!("{m}×{n}"),
            allowed: "a tall matrix: rows >= columns >= 1",
        });
    }
    if block_rows < n {
        return Err(BasisError::InvalidParameter {
            field: "block_rows",
            value: block_rows.to_string(),
            allowed: "at least the number of columns",
        });
    }
    let n_blocks = (m / block_rows).max(1);
    let starts: Vec<usize> = (0..n_blocks).map(|b| b * block_rows).collect();
    let leaves: Vec<(TreeNode, Mat<f64>)> = starts
        .par_iter()
        .enumerate()
        .map(|(b, &start)| {
            let end = if b + 1 == n_blocks {
                m
            } else {
                start + block_rows
            };
            let qr = a.subrows(start, end - start).qr();
            (
                TreeNode::Leaf {
                    q: qr.compute_thin_Q(),
                },
                qr.thin_R().to_owned(),
            )
        })
        .collect();
    let (root, r) = reduce(leaves);
    let mut q = Mat::zeros(m, n);
    let mut row = 0;
    expand(&root, Mat::identity(n, n).as_ref(), &mut q, &mut row);
    Ok(ThinQr { q, r })
}

/// Pairwise reduction of (node, R) lists until one remains.
fn reduce(mut level: Vec<(TreeNode, Mat<f64>)>) -> (TreeNode, Mat<f64>) {
    while level.len() > 1 {
        let mut next = Vec::with_capacity(level.len().div_ceil(2));
        let mut it = level.into_iter();
        while let Some((left, r_left)) = it.next() {
            match it.next() {
                None => next.push((left, r_left)),
                Some((right, r_right)) => {
                    let k = r_left.ncols();
                    let stacked = Mat::from_fn(2 * k, k, |i, j| {
                        if i < k {
                            r_left[(i, j)]
                        } else {
                            r_right[(i - k, j)]
                        }
                    });
                    let qr = stacked.qr();
                    next.push((
                        TreeNode::Inner {
                            q_stack: qr.compute_thin_Q(),
                            left: Box::new(left),
                            right: Box::new(right),
                        },
                        qr.thin_R().to_owned(),
                    ));
                }
            }
        }
        level = next;
    }
    level.pop().expect("tsqr has at least one block")
}

/// Top-down pass: a node receives the k×k factor `c` of the tree above it; a leaf writes
/// Q_leaf · c into its rows of Q.
fn expand(node: &TreeNode, c: MatRef<'_, f64>, q: &mut Mat<f64>, row: &mut usize) {
    match node {
        TreeNode::Leaf { q: q_leaf } => {
            let rows = q_leaf.nrows();
            let block = q_leaf * c;
            q.as_mut().subrows_mut(*row, rows).copy_from(&block);
            *row += rows;
        }
        TreeNode::Inner {
            q_stack,
            left,
            right,
        } => {
            let k = c.nrows();
            let c_left = q_stack.as_ref().subrows(0, k) * c;
            let c_right = q_stack.as_ref().subrows(k, k) * c;
            expand(left, c_left.as_ref(), q, row);
            expand(right, c_right.as_ref(), q, row);
        }
    }
}
