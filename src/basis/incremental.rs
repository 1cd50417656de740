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
//! `IncrementalSVDBrand`).

use faer::{linalg::matmul::matmul, Accum, Mat, MatRef, Par};

use super::error::{ensure_finite, ensure_tolerance, BasisError, Result};
use super::svd::ThinSvd;

/// Columns per block update in [`IncrementalSvd::push_columns`].
pub const BLOCK_COLUMNS: usize = 32;

/// Parameters of [`IncrementalSvd`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncrementalSvdOptions {
    /// A column whose remainder after projection has norm ≤ this × its own norm is taken as
    /// lying in the current span (no new direction is added).
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
    /// Zha & Simon, SIAM J. Sci. Comput. 21, 1999): C = UᵀE and Ê = E − UC (twice, CGS2);
    /// columns of Ê below `linear_dependence_tol` × their original norm are zeroed (they
    /// lie in the span); Ê = Q_E R_E; the (r+s)×(r+s) core K = [[Σ, C], [0, R_E]] is
    /// re-diagonalized, K = FΘGᵀ, and U ← [U, Q_E]F (lazily: U_store gains Q_E, M ←
    /// blkdiag(M, I)F), Σ ← Θ, V ← blkdiag(V, I)G. Needs s ≤ n.
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
        let norms: Vec<f64> = (0..s).map(|j| e.col(j).norm_l2()).collect();
        let mut rest = e.to_owned();
        let mut coeffs = self.project_out(&mut rest);
        coeffs += self.project_out(&mut rest);
        for (j, norm) in norms.iter().enumerate() {
            let remainder = rest.col(j).norm_l2();
            if remainder <= self.opts.linear_dependence_tol * norm || remainder == 0.0 {
                rest.col_mut(j).fill(0.0);
            }
        }
        let qr = rest.qr();
        let (q_e, r_e) = (qr.compute_thin_Q(), qr.thin_R());
        let r = self.rank();
        let core = Mat::from_fn(r + s, r + s, |i, j| match (i < r, j < r) {
            (true, true) if i == j => self.s[i],
            (true, false) => coeffs[(i, j - r)],
            (false, false) if i <= j => r_e[(i - r, j - r)],
            _ => 0.0,
        });
        let svd = core.thin_svd().map_err(|_| BasisError::NoConvergence {
            what: "incremental SVD core",
        })?;
        let stored = self.u_store.ncols();
        if stored + s > self.store_capacity {
            // Amortized doubling: appending stays O(n) per column on average.
            self.store_capacity = (2 * (stored + s)).max(8);
            self.u_store.reserve(n, self.store_capacity);
        }
        self.u_store
            .resize_with(n, stored + s, |i, j| q_e[(i, j - stored)]);
        self.mix = &block_diag_identity(self.mix.as_ref(), s) * svd.U();
        if self.opts.track_right_vectors {
            self.v = &block_diag_identity(self.v.as_ref(), s) * svd.V();
        }
        self.s = svd.S().column_vector().iter().copied().collect();
        self.columns_seen += s;
        self.truncate_small();
        if self.u_store.ncols() > 2 * (self.rank() + s) + 8 {
            self.materialize()?;
        }
        Ok(())
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
