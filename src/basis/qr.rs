//! Thin QR factorizations: Householder (via faer's blocked implementation) and TSQR.
//!
//! TSQR (Demmel, Grigori, Hoemmen, Langou, "Communication-optimal parallel and sequential QR
//! and LU factorizations", SIAM J. Sci. Comput. 34(1), 2012) factors a tall-skinny matrix by
//! a reduction tree: each row block is QR-factored on its own, the stacked k×k R factors are
//! reduced pairwise up a binary tree, and Q is recovered top-down as Q_block · Q_tree. Only
//! k×k blocks cross the tree, so the same tree runs over MPI ranks later; here the leaves are
//! factored in parallel with rayon and the result does not depend on the thread count.

use faer::dyn_stack::{MemBuffer, MemStack};
use faer::linalg::householder::{
    apply_block_householder_sequence_on_the_left_in_place_scratch,
    apply_block_householder_sequence_on_the_left_in_place_with_conj,
};
use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::linalg::qr::no_pivoting::factor::{
    qr_in_place, qr_in_place_scratch, recommended_block_size,
};
use faer::linalg::triangular_solve::solve_upper_triangular_in_place;
use faer::{Accum, Conj, Mat, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::error::{ensure_finite, BasisError, Result};
use super::inner::InnerProduct;
use super::pages;

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
    let qr = match ip {
        InnerProduct::Euclidean => a.qr(),
        InnerProduct::Diagonal(_) => ip.whiten(a).qr(),
    };
    Ok(ThinQr {
        q: ip.unwhiten_owned(qr.compute_thin_Q()),
        r: qr.thin_R().to_owned(),
    })
}

/// Columns of the one-block factor T per parallel task ([`Reflectors::ut_factor`]): fixed,
/// so the partition, and with it every entry, is the same on any thread count.
const UT_COLUMNS_PER_TASK: usize = 64;

/// Householder reflectors of a thin QR: the unit lower-trapezoidal basis and the block
/// coefficients, as faer's blocked algorithm produces them.
struct Reflectors {
    basis: Mat<f64>,
    coeff: Mat<f64>,
}

impl Reflectors {
    /// The triangular factor T of all k reflectors at once, Q = H₁⋯H_k = I − V T⁻¹ Vᵀ
    /// (the UT transform: Joffrain, Low, Quintana-Ortí, van de Geijn, "Accumulating
    /// Householder transformations, revisited", ACM TOMS 32(2), 2006): T = striu(VᵀV) +
    /// diag(τ), with each τᵢ (Hᵢ = I − vᵢvᵢᵀ/τᵢ) read off faer's block factors.
    ///
    /// Formed by column blocks of [`UT_COLUMNS_PER_TASK`] in parallel, each block with a
    /// sequential product (VᵀV's entries above the block's diagonal part, then the strict
    /// upper triangle of that part), so the result does not depend on the thread count
    /// while an idle core can take over part of the m k² flops.
    fn ut_factor(&self) -> Mat<f64> {
        let k = self.basis.ncols();
        let mut t = Mat::zeros(k, k);
        let v = self.basis.as_ref();
        t.as_mut()
            .par_col_chunks_mut(UT_COLUMNS_PER_TASK)
            .enumerate()
            .for_each(|(b, mut block)| {
                let (start, width) = (b * UT_COLUMNS_PER_TASK, block.ncols());
                let columns = v.subcols(start, width);
                matmul(
                    block.as_mut().subrows_mut(0, start),
                    Accum::Replace,
                    v.subcols(0, start).transpose(),
                    columns,
                    1.0,
                    Par::Seq,
                );
                triangular::matmul(
                    block.subrows_mut(start, width),
                    BlockStructure::StrictTriangularUpper,
                    Accum::Replace,
                    columns.transpose(),
                    BlockStructure::Rectangular,
                    columns,
                    BlockStructure::Rectangular,
                    1.0,
                    Par::Seq,
                );
            });
        let block = self.coeff.nrows();
        for j in 0..k {
            t[(j, j)] = self.coeff[(j % block, j)];
        }
        t
    }

    /// Q·[C; 0] through the one-block form Q = I − V T⁻¹ Vᵀ (T from [`Reflectors::ut_factor`]):
    /// Vᵀ[C; 0] = V₁ᵀC touches only the top k × k block of V, so for an m × k basis and
    /// k × p C this costs m k² (forming T) + 2 m k p + O(k² p) flops, against faer's
    /// block-by-block 4 m k p; cheaper for p ≥ k/2 (forming Q or all left singular
    /// vectors), where it saves a quarter of the work at p = k. Every entry of `out` is
    /// written and none is read first, so it may come uninitialised.
    fn apply_to_padded_in_one_block(
        &self,
        c: MatRef<'_, f64>,
        t: MatRef<'_, f64>,
        mut out: MatMut<'_, f64>,
    ) {
        let k = self.basis.ncols();
        let top = self.basis.as_ref().subrows(0, k);
        let mut w = Mat::zeros(k, c.ncols());
        triangular::matmul(
            w.as_mut(),
            BlockStructure::Rectangular,
            Accum::Replace,
            top.transpose(),
            BlockStructure::UnitTriangularUpper,
            c,
            BlockStructure::Rectangular,
            1.0,
            Par::Seq,
        );
        solve_upper_triangular_in_place(t, w.as_mut(), Par::Seq);
        matmul(
            out.as_mut(),
            Accum::Replace,
            self.basis.as_ref(),
            w.as_ref(),
            -1.0,
            Par::Seq,
        );
        let mut top = out.subrows_mut(0, k);
        top += c;
    }

    /// Q·[C; 0] for a k×p matrix C: applies the reflectors to C padded with zero rows,
    /// which forms only the needed combination of Q's columns. `out` must be zero on entry
    /// (callers allocate it with `Mat::zeros`, so it is not cleared twice).
    fn apply_to_padded(&self, c: MatRef<'_, f64>, mut out: MatMut<'_, f64>, par: Par) {
        let (m, k) = (self.basis.nrows(), self.basis.ncols());
        out.as_mut().subrows_mut(0, k).copy_from(c);
        apply_block_householder_sequence_on_the_left_in_place_with_conj(
            self.basis.as_ref(),
            self.coeff.as_ref(),
            Conj::No,
            out,
            par,
            MemStack::new(&mut MemBuffer::new(
                apply_block_householder_sequence_on_the_left_in_place_scratch::<f64>(
                    m,
                    self.coeff.nrows(),
                    c.ncols(),
                ),
            )),
        );
    }
}

/// Thin Householder QR with an explicit parallelism (faer's blocked algorithm), so TSQR
/// leaves can run sequentially side by side. Returns the reflectors and R.
fn householder_factor(a: MatRef<'_, f64>, par: Par) -> (Reflectors, Mat<f64>) {
    let (m, n) = (a.nrows(), a.ncols());
    let size = m.min(n);
    let mut factors = pages::copy_of(a);
    let block = recommended_block_size::<f64>(m, n);
    let mut coeff = Mat::zeros(block, size);
    qr_in_place(
        factors.as_mut(),
        coeff.as_mut(),
        par,
        MemStack::new(&mut MemBuffer::new(qr_in_place_scratch::<f64>(
            m,
            n,
            block,
            par,
            Default::default(),
        ))),
        Default::default(),
    );
    let r = Mat::from_fn(size, n, |i, j| if i <= j { factors[(i, j)] } else { 0.0 });
    // The Householder basis: unit lower trapezoid of the factored matrix.
    for j in 0..size {
        for i in 0..=j {
            factors[(i, j)] = if i == j { 1.0 } else { 0.0 };
        }
    }
    factors.truncate(m, size);
    (
        Reflectors {
            basis: factors,
            coeff,
        },
        r,
    )
}

/// Thin Householder QR with explicit Q (for the small tree nodes).
pub(crate) fn householder_thin(a: MatRef<'_, f64>, par: Par) -> (Mat<f64>, Mat<f64>) {
    let (reflectors, r) = householder_factor(a, par);
    let k = r.nrows();
    let mut q = Mat::zeros(a.nrows(), k);
    reflectors.apply_to_padded(Mat::<f64>::identity(k, k).as_ref(), q.as_mut(), par);
    (q, r)
}

/// One node of the TSQR reduction tree: for an inner node the (2k)×k orthonormal factor of
/// its stacked children's R's.
enum TreeNode {
    /// The leaf of that index in [`Tsqr::leaves`] (row order).
    Leaf(usize),
    Inner {
        q_stack: Mat<f64>,
        left: Box<TreeNode>,
        right: Box<TreeNode>,
    },
}

/// A TSQR factorization A = Q R kept implicitly as leaf factors and tree factors, so Q (or
/// Q·C for a small C) is formed in one parallel pass.
pub(crate) struct Tsqr {
    /// The row blocks' reflectors, in row order.
    leaves: Vec<Reflectors>,
    root: TreeNode,
    r: Mat<f64>,
    rows: usize,
}

impl Tsqr {
    /// Leaf count for an n×m matrix: a power of two, at most 4, each leaf at least 16m
    /// rows (measured best on 2 cores for 16384×400 and 65536×200). It depends on the
    /// shape only, so results never depend on the thread count.
    pub(crate) fn leaves_for(n: usize, m: usize) -> usize {
        1 << (n / (16 * m.max(1))).clamp(1, 4).ilog2()
    }

    /// Factors `a` (m ≥ n ≥ 1) with `leaves` row blocks of equal size (the last takes the
    /// remainder); each leaf is a sequential Householder QR, leaves run in parallel.
    pub(crate) fn new(a: MatRef<'_, f64>, leaves: usize) -> Self {
        Self::factor_then(a, leaves, false, |_| ()).0
    }

    /// [`Tsqr::new`], then `then(R)` as soon as R is known; with `leaf_factors`, the
    /// leaves' one-block factors ([`Reflectors::ut_factor`], what [`Tsqr::q_times_with`]
    /// needs for a C with at least k/2 columns) are formed meanwhile. The tree's
    /// reduction and `then` (the SVD of R) are sequential, so the factors' m k² flops per
    /// leaf fill the other cores. Returns the factorization, `then`'s result and the
    /// factors in row order.
    pub(crate) fn factor_then<S: Send>(
        a: MatRef<'_, f64>,
        leaves: usize,
        leaf_factors: bool,
        then: impl FnOnce(MatRef<'_, f64>) -> S + Send,
    ) -> (Self, S, Option<Vec<Mat<f64>>>) {
        let (m, n) = (a.nrows(), a.ncols());
        let count = leaves.clamp(1, (m / n.max(1)).max(1));
        let block_rows = m / count;
        let (leaves, rs): (Vec<Reflectors>, Vec<Mat<f64>>) = (0..count)
            .into_par_iter()
            .map(|b| {
                let start = b * block_rows;
                let end = if b + 1 == count {
                    m
                } else {
                    start + block_rows
                };
                householder_factor(a.subrows(start, end - start), Par::Seq)
            })
            .unzip();
        let ((root, r, after), factors) = rayon::join(
            || {
                let (root, r) = reduce(
                    rs.into_iter()
                        .enumerate()
                        .map(|(i, r)| (TreeNode::Leaf(i), r))
                        .collect(),
                );
                let after = then(r.as_ref());
                (root, r, after)
            },
            || leaf_factors.then(|| leaves.par_iter().map(Reflectors::ut_factor).collect()),
        );
        (
            Self {
                leaves,
                root,
                r,
                rows: m,
            },
            after,
            factors,
        )
    }

    /// The k×k triangular factor R.
    pub(crate) fn r(&self) -> MatRef<'_, f64> {
        self.r.as_ref()
    }

    /// Q·C for a k×p matrix C (C = I gives Q), leaf products in parallel.
    pub(crate) fn q_times(&self, c: MatRef<'_, f64>) -> Mat<f64> {
        self.q_times_with(c, None)
    }

    /// [`Tsqr::q_times`] with the leaves' one-block factors when already formed
    /// ([`Tsqr::factor_then`]). Each leaf applies its reflectors to its part of C in one
    /// block when C has at least k/2 columns (forming the factor if not given), else block
    /// by block.
    pub(crate) fn q_times_with(
        &self,
        c: MatRef<'_, f64>,
        factors: Option<&[Mat<f64>]>,
    ) -> Mat<f64> {
        let mut per_leaf = Vec::with_capacity(self.leaves.len());
        collect_leaf_factors(&self.root, c.to_owned(), &mut per_leaf);
        let (rows, p) = (self.rows, c.ncols());
        // Each leaf's task writes its whole row block, so the memory is first touched
        // (faulted in) by the threads that fill it, in parallel, with no zero fill first.
        let fill = |mut rest: MatMut<'_, f64>| {
            let mut blocks = Vec::with_capacity(per_leaf.len());
            for (leaf, _) in &per_leaf {
                let (block, tail) = rest.split_at_row_mut(self.leaves[*leaf].basis.nrows());
                blocks.push(block);
                rest = tail;
            }
            blocks
                .into_par_iter()
                .zip(per_leaf.par_iter())
                .for_each(|(mut block, (i, c))| {
                    let leaf = &self.leaves[*i];
                    if 2 * p >= leaf.basis.ncols() {
                        match factors {
                            Some(t) => {
                                leaf.apply_to_padded_in_one_block(c.as_ref(), t[*i].as_ref(), block)
                            }
                            None => {
                                let t = leaf.ut_factor();
                                leaf.apply_to_padded_in_one_block(c.as_ref(), t.as_ref(), block)
                            }
                        }
                    } else {
                        block.fill(0.0);
                        leaf.apply_to_padded(c.as_ref(), block, Par::Seq);
                    }
                });
        };
        // SAFETY: the leaves' row blocks cover all rows, and each task writes its whole
        // block (the one-block form overwrites it; the other path zeroes it first) before
        // reading any of it.
        unsafe { pages::written(rows, p, fill) }
    }
}

/// Tall-skinny QR by a binary reduction tree over row blocks of about `block_rows` rows.
///
/// Requires m ≥ n; blocks have at least n rows (a short last block joins its neighbour).
/// Returns Q (m×n, orthonormal) and R (n×n). The signs of R's diagonal may differ from
/// [`householder_qr`]'s, as for any QR. The tree depends only on the shape and
/// `block_rows`, never on the thread count, so results are reproducible bit for bit.
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
    let tree = Tsqr::new(a, (m / block_rows).max(1));
    Ok(ThinQr {
        q: tree.q_times(Mat::<f64>::identity(n, n).as_ref()),
        r: tree.r().to_owned(),
    })
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
                    let (q_stack, r) = householder_thin(stacked.as_ref(), Par::Seq);
                    next.push((
                        TreeNode::Inner {
                            q_stack,
                            left: Box::new(left),
                            right: Box::new(right),
                        },
                        r,
                    ));
                }
            }
        }
        level = next;
    }
    level.pop().expect("tsqr has at least one block")
}

/// Top-down pass: a node receives the k×p factor `c` of the tree above it; each leaf is
/// paired with the factor its Q must be multiplied by, in row order.
fn collect_leaf_factors(node: &TreeNode, c: Mat<f64>, out: &mut Vec<(usize, Mat<f64>)>) {
    match node {
        TreeNode::Leaf(index) => out.push((*index, c)),
        TreeNode::Inner {
            q_stack,
            left,
            right,
        } => {
            let k = q_stack.ncols();
            collect_leaf_factors(left, q_stack.as_ref().subrows(0, k) * &c, out);
            collect_leaf_factors(right, q_stack.as_ref().subrows(k, k) * &c, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 300 × 40 matrix with a zero column and a repeated one (reflectors that do
    /// nothing or next to nothing), the rest hashed.
    fn awkward() -> Mat<f64> {
        Mat::from_fn(300, 40, |i, j| match j {
            7 => 0.0,
            9 => ((i * 31 + 3) as f64).sin(),
            _ => (((i * 7919 + j * 104_729) % 1_000_003) as f64 / 1e6 - 0.5).powi(3),
        })
    }

    #[test]
    fn one_block_application_equals_faers_block_by_block_one() {
        // Both forms apply the same reflectors; they differ by the rounding of O(m k)
        // sums of O(1) terms: 1e-13 is 450 ε.
        let (reflectors, _) = householder_factor(awkward().as_ref(), Par::Seq);
        let t = reflectors.ut_factor();
        for p in [1, 20, 40] {
            let c = Mat::from_fn(40, p, |i, j| ((i * p + j) as f64 * 0.37).cos());
            let mut blocked = Mat::zeros(300, p);
            reflectors.apply_to_padded(c.as_ref(), blocked.as_mut(), Par::Seq);
            let mut one = Mat::zeros(300, p);
            reflectors.apply_to_padded_in_one_block(c.as_ref(), t.as_ref(), one.as_mut());
            let diff = (&one - &blocked).norm_max();
            assert!(diff < 1e-13, "p = {p}: max difference {diff:e}");
        }
    }
}
