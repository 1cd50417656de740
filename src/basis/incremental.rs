//! Incremental (streaming) SVD by Brand's updates with a lazily applied rotation.
//!
//! M. Brand, "Fast low-rank modifications of the thin singular value decomposition",
//! Linear Algebra Appl. 415(1), 2006. The left factor is kept as U = U_store · M with a small
//! r′×r mixing matrix M: a block of s new columns only appends s orthonormal vectors to
//! U_store and multiplies M by an (r+s)×(r+s) rotation, so it costs O(n·r′·s + (r+s)³)
//! instead of rotating all n rows (O(n·r²) per update), i.e. O(n·r) per column. Columns are
//! taken in blocks so U_store is read once per block rather than once per column (a single
//! column at a time is memory-bound). When U_store grows past about twice the rank it is
//! materialized and re-orthonormalized by a QR whose R is folded back into the small SVD,
//! which bounds the slow loss of orthogonality that the updates accumulate (as in libROM's
//! `IncrementalSVDBrand`). Only numerically new directions are ever appended (a rank-revealing
//! SVD of the projected block, see [`IncrementalSvd::push_block`]): a direction made of
//! round-off is not orthogonal to U, and once mixed into U by an update it destroys U's
//! orthonormality, as on snapshots that fill the space or repeat.

use faer::{linalg::matmul::matmul, Accum, Mat, MatRef, Par};

use super::error::{ensure_finite, ensure_tolerance, BasisError, Result};
use super::svd::ThinSvd;

/// Columns per block update in [`IncrementalSvd::push_columns`].
pub const BLOCK_COLUMNS: usize = 32;

/// Updates after which U = U_store·M is re-orthonormalized even if U_store has not grown.
/// Each update multiplies M by an orthogonal F from a small SVD, adding ~ε to the loss of
/// orthogonality: 2000 updates that add no direction (snapshots in the span, n = 64) reached
/// max |UᵀU − I| ≈ 2e-12, re-orthonormalized every 64 updates 2e-14. The QR (O(n·r²)) costs
/// about as much as one update of [`BLOCK_COLUMNS`] columns, so this adds a few percent.
const REORTHONORMALIZE_EVERY: usize = 64;

/// Parameters of [`IncrementalSvd`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncrementalSvdOptions {
    /// A block's remainder after projection onto the current span adds only its singular
    /// directions whose singular value exceeds this × the block's largest column norm;
    /// the rest (columns in the span, or in the span of the block's other columns) is taken
    /// as linearly dependent and dropped. For one column: remainder ≤ this × its norm.
    pub linear_dependence_tol: f64,
    /// Singular values below this × σ₁ are truncated after each update.
    pub singular_value_tol: f64,
    /// Hard cap on the rank kept.
    pub max_rank: usize,
    /// Also maintain the right singular vectors V (costs O(m·r²) per column for m columns
    /// seen); POD needs only U and σ.
    pub track_right_vectors: bool,
}

impl Default for IncrementalSvdOptions {
    fn default() -> Self {
        Self {
            linear_dependence_tol: 1e-10,
            singular_value_tol: 1e-12,
            max_rank: usize::MAX,
            track_right_vectors: false,
        }
    }
}

/// A thin SVD of the columns seen so far, updated one column at a time.
#[derive(Debug, Clone)]
pub struct IncrementalSvd {
    opts: IncrementalSvdOptions,
    u_store: Mat<f64>,
    mix: Mat<f64>,
    s: Vec<f64>,
    v: Mat<f64>,
    columns_seen: usize,
    store_capacity: usize,
    updates_since_orthonormalized: usize,
}

impl IncrementalSvd {
    /// An empty decomposition of columns of length `n`.
    pub fn new(n: usize, opts: IncrementalSvdOptions) -> Result<Self> {
        ensure_tolerance("linear_dependence_tol", opts.linear_dependence_tol)?;
        ensure_tolerance("singular_value_tol", opts.singular_value_tol)?;
        if opts.max_rank == 0 || n == 0 {
            return Err(BasisError::InvalidParameter {
                field: if n == 0 { "n" } else { "max_rank" },
                value: "0".into(),
                allowed: ">= 1",
            });
        }
        Ok(Self {
            opts,
            u_store: Mat::zeros(n, 0),
            mix: Mat::zeros(0, 0),
            s: Vec::new(),
            v: Mat::zeros(0, 0),
            columns_seen: 0,
            store_capacity: 0,
            updates_since_orthonormalized: 0,
        })
    }

    /// Current rank r.
    pub fn rank(&self) -> usize {
        self.s.len()
    }

    /// Number of columns added so far.
    pub fn columns_seen(&self) -> usize {
        self.columns_seen
    }

    /// Current singular values, non-increasing.
    pub fn singular_values(&self) -> &[f64] {
        &self.s
    }

    /// Adds every column of `a` in order, in blocks of up to [`BLOCK_COLUMNS`] columns
    /// (one block update reads U once for the whole block, which is what bounds the cost).
    pub fn push_columns(&mut self, a: MatRef<'_, f64>) -> Result<()> {
        let block = BLOCK_COLUMNS.min(self.u_store.nrows()).max(1);
        let mut start = 0;
        while start < a.ncols() {
            let width = block.min(a.ncols() - start);
            self.push_block(a.subcols(start, width))?;
            start += width;
        }
        Ok(())
    }

    /// Adds one column (a block of width 1).
    pub fn push(&mut self, c: &[f64]) -> Result<()> {
        self.push_block(MatRef::from_column_major_slice(c, c.len(), 1))
    }

    /// Brand's update with a block E of s new columns (Brand 2006, §3; the block form of
    /// Zha & Simon, SIAM J. Sci. Comput. 21, 1999):
    /// 1. C = UᵀE and Ê = E − UC, twice (CGS2: one pass leaves Ê leaning on U by ε‖E‖,
    ///    which is all of Ê when E nearly lies in span(U); Giraud et al., Numer. Math. 101,
    ///    2005);
    /// 2. the new directions are the k left singular vectors P_k of Ê = PΛHᵀ with
    ///    Λᵢ > `linear_dependence_tol` × the block's largest column norm: columns that lie
    ///    in span(U) *or in the span of the other new columns* (repeated or nearly equal
    ///    snapshots) add nothing. Adding them anyway (a QR of Ê) brought in directions made
    ///    of round-off, not orthogonal to U, that the core's SVD then mixed into kept
    ///    vectors: U lost its orthonormality entirely (libROM drops such columns the same
    ///    way; Oxberry et al., IJNME 109, 2017);
    /// 3. P_k is accurate only to ε‖Ê‖/Λ_k, so it is projected against U once more
    ///    (P_k = UD + P′, a single pass suffices as P_k is already nearly orthogonal to U)
    ///    and P′ = Q_E T (QR), so that E ≈ U(C + DΛ_kH_kᵀ) + Q_E(TΛ_kH_kᵀ);
    /// 4. the (r+k)×(r+s) core K = [[Σ, C + DΛ_kH_kᵀ], [0, TΛ_kH_kᵀ]] is re-diagonalized,
    ///    K = FΘGᵀ, and U ← [U, Q_E]F (lazily: U_store gains Q_E, M ← blkdiag(M, I_k)F),
    ///    Σ ← Θ, V ← blkdiag(V, I_s)G.
    ///
    /// [U, Q_E] is orthonormal to round-off and F orthogonal, so U stays orthonormal
    /// however small the kept singular values are; U_store·M is re-orthonormalized when
    /// U_store has grown past about twice the rank or after `REORTHONORMALIZE_EVERY`
    /// updates. Needs s ≤ n.
    pub fn push_block(&mut self, e: MatRef<'_, f64>) -> Result<()> {
        let n = self.u_store.nrows();
        if e.nrows() != n {
            return Err(BasisError::DimensionMismatch {
                field: "column",
                expected: n,
                got: e.nrows(),
            });
        }
        let s = e.ncols();
        if s == 0 {
            return Ok(());
        }
        if s > n {
            return Err(BasisError::InvalidParameter {
                field: "block",
                value: format!("{s} columns of length {n}"),
                allowed: "at most as many columns as rows per block",
            });
        }
        ensure_finite("column", e)?;
        let largest = (0..s).map(|j| e.col(j).norm_l2()).fold(0.0, f64::max);
        let mut rest = e.to_owned();
        let mut coeffs = self.project_out(&mut rest);
        coeffs += self.project_out(&mut rest);
        let (q_e, r_e) = self.new_directions(rest.as_ref(), largest, &mut coeffs)?;
        let (r, k) = (self.rank(), q_e.ncols());
        let core = Mat::from_fn(r + k, r + s, |i, j| match (i < r, j < r) {
            (true, true) if i == j => self.s[i],
            (true, false) => coeffs[(i, j - r)],
            (false, false) => r_e[(i - r, j - r)],
            _ => 0.0,
        });
        let svd = core.thin_svd().map_err(|_| BasisError::NoConvergence {
            what: "incremental SVD core",
        })?;
        let stored = self.u_store.ncols();
        if stored + k > self.store_capacity {
            // Amortized doubling: appending stays O(n) per column on average.
            self.store_capacity = (2 * (stored + k)).max(8);
            self.u_store.reserve(n, self.store_capacity);
        }
        self.u_store
            .resize_with(n, stored + k, |i, j| q_e[(i, j - stored)]);
        self.mix = &block_diag_identity(self.mix.as_ref(), k) * svd.U();
        if self.opts.track_right_vectors {
            self.v = &block_diag_identity(self.v.as_ref(), s) * svd.V();
        }
        self.s = svd.S().column_vector().iter().copied().collect();
        self.columns_seen += s;
        self.updates_since_orthonormalized += 1;
        self.truncate_small();
        if self.u_store.ncols() > 2 * (self.rank() + s) + 8
            || self.updates_since_orthonormalized >= REORTHONORMALIZE_EVERY
        {
            self.materialize()?;
        }
        Ok(())
    }

    /// Steps 2–3 of [`IncrementalSvd::push_block`]: from the remainder Ê (n×s, already
    /// orthogonal to U), the k new orthonormal directions Q_E (n×k, orthogonal to U) and
    /// the k×s block R with Ê ≈ Q_E R up to the dropped directions; `coeffs` (C = UᵀE)
    /// gains the last projection's share.
    fn new_directions(
        &self,
        rest: MatRef<'_, f64>,
        largest: f64,
        coeffs: &mut Mat<f64>,
    ) -> Result<(Mat<f64>, Mat<f64>)> {
        let s = rest.ncols();
        let svd = rest.thin_svd().map_err(|_| BasisError::NoConvergence {
            what: "incremental SVD new directions",
        })?;
        let lambda = svd.S().column_vector();
        let k = (0..s)
            .take_while(|&i| lambda[i] > self.opts.linear_dependence_tol * largest)
            .count();
        if k == 0 {
            return Ok((Mat::zeros(rest.nrows(), 0), Mat::zeros(0, s)));
        }
        // Λ_k H_kᵀ (k×s).
        let weights = Mat::from_fn(k, s, |i, j| lambda[i] * svd.V()[(j, i)]);
        let mut directions = svd.U().subcols(0, k).to_owned();
        let lean = self.project_out(&mut directions);
        let qr = directions.qr();
        let (q_e, t) = (qr.compute_thin_Q(), qr.thin_R());
        *coeffs += &lean * &weights;
        Ok((q_e, t * &weights))
    }

    /// The left singular vectors U = U_store·M (n×r), materialized.
    pub fn left_vectors(&self) -> Mat<f64> {
        &self.u_store * &self.mix
    }

    /// The decomposition so far as a [`ThinSvd`]; `v` is empty (m×0 columns) unless
    /// `track_right_vectors` was set.
    pub fn to_svd(&self) -> ThinSvd {
        let v = if self.opts.track_right_vectors {
            self.v.clone()
        } else {
            Mat::zeros(self.columns_seen, 0)
        };
        ThinSvd {
            u: self.left_vectors(),
            s: self.s.clone(),
            v,
        }
    }

    /// X ← X − U(UᵀX); returns UᵀX (r×s). Products with U_store (O(n·r′·s)) and the small
    /// M, sequential so that results do not depend on the thread count.
    fn project_out(&self, x: &mut Mat<f64>) -> Mat<f64> {
        let s = x.ncols();
        let mut stored = Mat::zeros(self.u_store.ncols(), s);
        matmul(
            stored.as_mut(),
            Accum::Replace,
            self.u_store.transpose(),
            x.as_ref(),
            1.0,
            Par::Seq,
        );
        let coeffs = self.mix.transpose() * &stored;
        let back = &self.mix * &coeffs;
        matmul(
            x.as_mut(),
            Accum::Add,
            self.u_store.as_ref(),
            back.as_ref(),
            -1.0,
            Par::Seq,
        );
        coeffs
    }

    /// Drops singular values below the relative tolerance and beyond `max_rank`.
    fn truncate_small(&mut self) {
        let top = self.s.first().copied().unwrap_or(0.0);
        let keep = self
            .s
            .iter()
            .take_while(|&&x| x > self.opts.singular_value_tol * top && x > 0.0)
            .count()
            .min(self.opts.max_rank);
        if keep < self.s.len() {
            self.s.truncate(keep);
            self.mix = self.mix.subcols(0, keep).to_owned();
            if self.opts.track_right_vectors {
                self.v = self.v.subcols(0, keep).to_owned();
            }
        }
    }

    /// U_store ← orthonormal U_store·M, M ← I, re-diagonalizing the QR's R into Σ and V.
    fn materialize(&mut self) -> Result<()> {
        let u = self.left_vectors();
        let qr = u.qr();
        let q = qr.compute_thin_Q();
        let r_diag = Mat::from_fn(self.rank(), self.rank(), |i, j| {
            qr.thin_R()[(i, j)] * self.s[j]
        });
        let svd = r_diag.thin_svd().map_err(|_| BasisError::NoConvergence {
            what: "incremental SVD re-orthonormalization",
        })?;
        self.u_store = &q * svd.U();
        self.store_capacity = self.u_store.ncols();
        self.mix = Mat::identity(self.rank(), self.rank());
        self.updates_since_orthonormalized = 0;
        self.s = svd.S().column_vector().iter().copied().collect();
        if self.opts.track_right_vectors {
            self.v = &self.v * svd.V();
        }
        Ok(())
    }
}

/// [[A, 0], [0, I_s]].
fn block_diag_identity(a: MatRef<'_, f64>, s: usize) -> Mat<f64> {
    let (r, c) = (a.nrows(), a.ncols());
    Mat::from_fn(r + s, c + s, |i, j| match (i < r, j < c) {
        (true, true) => a[(i, j)],
        (false, false) if i - r == j - c => 1.0,
        _ => 0.0,
    })
}
