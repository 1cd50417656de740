//! Thin SVD and the method of snapshots, the two direct routes to a POD basis.

use faer::linalg::matmul::matmul;
use faer::linalg::matmul::triangular::{self, BlockStructure};
use faer::linalg::triangular_solve::solve_lower_triangular_in_place;
use faer::{Accum, Mat, MatMut, MatRef, Par, Side};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

use super::error::{ensure_finite, BasisError, Result};
use super::inner::InnerProduct;
use super::orthonormal::Basis;
use super::parallelism::FAER_TASKS;
use super::qr::Tsqr;

/// A (possibly truncated) SVD A ≈ U diag(s) Vᵀ with U W-orthonormal (n×r), s non-increasing,
/// V orthonormal (m×r).
#[derive(Debug, Clone)]
pub struct ThinSvd {
    /// Left singular vectors (the POD modes), n×r, orthonormal under the inner product used.
    pub u: Mat<f64>,
    /// Singular values σ₁ ≥ … ≥ σ_r ≥ 0.
    pub s: Vec<f64>,
    /// Right singular vectors (temporal coefficients up to scaling), m×r.
    pub v: Mat<f64>,
}

impl ThinSvd {
    /// Keeps the leading `r` triplets (r ≤ current rank).
    pub fn truncated(mut self, r: usize) -> Result<Self> {
        if r > self.s.len() {
            return Err(BasisError::InvalidParameter {
                field: "r",
                value: r.to_string(),
                allowed: "at most the number of singular values",
            });
        }
        self.s.truncate(r);
        self.u.truncate(self.u.nrows(), r);
        self.v.truncate(self.v.nrows(), r);
        Ok(self)
    }

    /// U diag(s) Vᵀ.
    pub fn reconstruct(&self) -> Mat<f64> {
        let us = Mat::from_fn(self.u.nrows(), self.s.len(), |i, j| {
            self.u[(i, j)] * self.s[j]
        });
        &us * self.v.transpose()
    }

    /// The same SVD with each triplet's sign fixed (uᵢ, vᵢ → −uᵢ, −vᵢ where needed) so
    /// that ⟨uᵢ, g⟩ > 0 for a fixed generic vector g (gₖ = frac((k + 1)·φ) − ½, φ the golden
    /// ratio's fractional part). An SVD fixes each pair only up to sign, and routes (direct,
    /// TSQR over any number of row blocks or ranks) pick different ones; after this they
    /// agree to round-off, except for a mode nearly orthogonal to g, a set of measure zero.
    pub fn with_sign_convention(mut self) -> Self {
        let reference = |k: usize| ((k as f64 + 1.0) * 0.618_033_988_749_894_9).fract() - 0.5;
        for j in 0..self.s.len() {
            let score: f64 = self
                .u
                .col(j)
                .iter()
                .enumerate()
                .map(|(k, u)| u * reference(k))
                .sum();
            if score < 0.0 {
                self.u.col_mut(j).iter_mut().for_each(|u| *u = -*u);
                // Streamed SVDs keep no right vectors.
                if j < self.v.ncols() {
                    self.v.col_mut(j).iter_mut().for_each(|v| *v = -*v);
                }
            }
        }
        self
    }

    /// The left singular vectors as a [`Basis`] under `ip` (the one the SVD was taken in).
    pub fn left_basis(&self, ip: InnerProduct) -> Result<Basis> {
        Basis::from_orthonormal(self.u.clone(), ip, 1e-8)
    }
}

/// Thin SVD of A (n×m) under a diagonal inner product: the SVD of W^{1/2}A, with U mapped
/// back so UᵀWU = I. This is the accurate route (pyMOR's `qr_svd`): no squaring of the
/// condition number.
///
/// Tall matrices (n ≥ 8m, m ≤ 512) go through QR first (Chan, "An improved algorithm for computing
/// the singular value decomposition", ACM TOMS 8, 1982): a TSQR over row blocks whose leaves
/// run in parallel, the small m×m SVD R = U_R Σ Vᵀ, and U = Q·U_R formed leaf by leaf. The
/// tree depends on the shape only, so results do not depend on the thread count. Other
/// shapes use faer's bidiagonalization SVD directly.
pub fn thin_svd(a: MatRef<'_, f64>, ip: &InnerProduct) -> Result<ThinSvd> {
    Ok(thin_svd_keeping(a, ip, |s| Ok(s.len()), true)?.0)
}

/// [`thin_svd`] forming only the leading singular vectors: `keep` sees every singular
/// value and says how many triplets to form (at most all). On the TSQR route the left
/// vectors are Q·U_R for those columns only (O(n m r) instead of O(n m²)); faer's direct
/// route computes them all and drops the rest. Returns the triplets and every singular
/// value.
pub fn thin_svd_leading(
    a: MatRef<'_, f64>,
    ip: &InnerProduct,
    keep: impl FnOnce(&[f64]) -> Result<usize>,
) -> Result<(ThinSvd, Vec<f64>)> {
    thin_svd_keeping(a, ip, keep, false)
}

/// [`thin_svd_leading`], told whether `keep` will keep every triplet (then the TSQR
/// route prepares the one-block form of Q·U_R beside the SVD of R).
fn thin_svd_keeping(
    a: MatRef<'_, f64>,
    ip: &InnerProduct,
    keep: impl FnOnce(&[f64]) -> Result<usize>,
    all_wanted: bool,
) -> Result<(ThinSvd, Vec<f64>)> {
    ensure_finite("a", a)?;
    ip.check_dim(a.nrows())?;
    // The Euclidean product needs no whitened copy (a 50 MB copy is ~4 % of the SVD).
    let owned;
    let whitened = match ip {
        InnerProduct::Euclidean => a,
        InnerProduct::Diagonal(_) => {
            owned = ip.whiten(a);
            owned.as_ref()
        }
    };
    let (n, m) = (a.nrows(), a.ncols());
    let no_convergence = |_| BasisError::NoConvergence { what: "thin SVD" };
    if m == 0 || n < 8 * m || m > TSQR_MAX_COLUMNS {
        let svd = whitened.thin_svd().map_err(no_convergence)?;
        let all: Vec<f64> = svd.S().column_vector().iter().copied().collect();
        let r = keep(&all)?.min(all.len());
        let full = ThinSvd {
            u: ip.unwhiten(svd.U()),
            s: all.clone(),
            v: svd.V().to_owned(),
        };
        return Ok((full.truncated(r)?, all));
    }
    // With every left vector wanted, the leaves' one-block factors (for Q·U_R) are formed
    // while the tree reduces and R's SVD runs, both sequential.
    let (tree, small, factors) =
        Tsqr::factor_then(whitened, Tsqr::leaves_for(n, m), all_wanted, |r| {
            r.thin_svd()
        });
    let small = small.map_err(no_convergence)?;
    let all: Vec<f64> = small.S().column_vector().iter().copied().collect();
    let r = keep(&all)?.min(all.len());
    Ok((
        ThinSvd {
            u: ip.unwhiten_owned(tree.q_times_with(small.U().subcols(0, r), factors.as_deref())),
            s: all[..r].to_vec(),
            v: small.V().subcols(0, r).to_owned(),
        },
        all,
    ))
}

/// Widest matrix for the TSQR route of [`thin_svd`]: measured on 2 cores, sequential leaf QRs
/// beat faer's own parallel QR at 200–400 columns (1.5×) but lose at 2000 (1.3× slower).
const TSQR_MAX_COLUMNS: usize = 512;

/// Method of snapshots (Sirovich, "Turbulence and the dynamics of coherent structures",
/// Q. Appl. Math. 45, 1987): the eigen-decomposition C = XᵀWX = VΛVᵀ of the m×m correlation
/// matrix gives σᵢ = √λᵢ and uᵢ = X vᵢ / σᵢ. The work is two products over X, both at
/// matrix-multiply speed: the lower triangle of C (n m² flops, half a full product) and
/// U = X·(V Σ⁻¹) for the kept modes (2 n m r flops), with only an m×m symmetric eigenproblem
/// in between; the right choice for n ≫ m.
///
/// It squares the condition number: σᵢ is accurate to about ε σ₁²/σᵢ² relative (against
/// ε σ₁/σᵢ for [`thin_svd`]), modes with σᵢ/σ₁ below ≈ √ε ≈ 1e-8 are not resolved and are
/// dropped, and the formed modes lose orthogonality like ε σ₁²/(σᵢ σⱼ). The loss is
/// estimated from a few random probes (see [`SNAPSHOTS_ORTHOGONALITY_TOL`]); when it exceeds the
/// tolerance the modes are re-orthonormalized in order by Cholesky QR (the Gram–Schmidt
/// factor of U, from one Gram product), so the returned U is orthonormal to O(ε) in any case.
pub fn method_of_snapshots(x: MatRef<'_, f64>, ip: &InnerProduct) -> Result<ThinSvd> {
    Ok(method_of_snapshots_leading(x, ip, |s| Ok(s.len()))?.0)
}

/// [`method_of_snapshots`] forming only the leading modes: `keep` sees every resolved
/// singular value and says how many triplets to form (at most all of them), so a POD of
/// rank r ≪ m builds X·V for r columns (O(n m r), n × r memory) instead of m. Returns
/// those triplets and every resolved singular value.
pub fn method_of_snapshots_leading(
    x: MatRef<'_, f64>,
    ip: &InnerProduct,
    keep: impl FnOnce(&[f64]) -> Result<usize>,
) -> Result<(ThinSvd, Vec<f64>)> {
    ensure_finite("x", x)?;
    ip.check_dim(x.nrows())?;
    let m = x.ncols();
    let c = lower_gram(x, ip);
    let eig = c
        .self_adjoint_eigen(Side::Lower)
        .map_err(|_| BasisError::NoConvergence {
            what: "snapshot correlation eigen-decomposition",
        })?;
    // faer returns eigenvalues in non-decreasing order; walk them from the top.
    let lambda: Vec<f64> = eig.S().column_vector().iter().copied().collect();
    let lambda_max = lambda.last().copied().unwrap_or(0.0).max(0.0);
    let cutoff = lambda_max * f64::EPSILON * (m as f64).max(1.0) * 16.0;
    let kept: Vec<usize> = (0..m).rev().filter(|&k| lambda[k] > cutoff).collect();
    let all: Vec<f64> = kept.iter().map(|&k| lambda[k].sqrt()).collect();
    let r = keep(&all)?.min(all.len());
    let s = all[..r].to_vec();
    let v = Mat::from_fn(m, r, |i, j| eig.U()[(i, kept[j])]);
    // U = X·(V Σ⁻¹): W-orthonormal because W^{1/2}X·(V Σ⁻¹) is orthonormal.
    let scaled = Mat::from_fn(m, r, |i, j| v[(i, j)] / s[j]);
    let (mut u, estimate) = form_with_orthogonality_estimate(x, scaled.as_ref(), ip);
    if estimate > SNAPSHOTS_ORTHOGONALITY_TOL {
        u = reorthonormalize(u, ip)?;
    }
    Ok((ThinSvd { u, s, v }, all))
}

/// Largest loss of orthonormality ‖UᵀWU − I‖₂ that [`method_of_snapshots`] returns without
/// re-orthonormalizing: a thousandth of pyMOR's `orth_tol` (1e-10 on the largest entry),
/// about 5000 ε, so well-conditioned snapshot sets (σ₁/σ_r up to ≈ 30) skip the extra pass
/// and every returned basis is orthonormal to the level of a Householder QR of the same size.
pub const SNAPSHOTS_ORTHOGONALITY_TOL: f64 = 1e-12;

/// Number of random probes of [`form_with_orthogonality_estimate`]: the estimate falls short of
/// ‖UᵀWU − I‖₂ with probability at most 10^(−PROBES).
const PROBES: usize = 8;

/// Seed of the probes of [`form_with_orthogonality_estimate`] (any fixed value).
const PROBE_SEED: u64 = 0x0b5e_55ed;

/// U = X·B together with an upper estimate of ‖M‖₂, M = UᵀWU − I, from [`PROBES`]
/// Gaussian vectors gⱼ (Halko, Martinsson, Tropp, "Finding structure with randomness",
/// SIAM Rev. 53, 2011, Lemma 4.1): ‖M‖₂ ≤ 10 √(2/π) maxⱼ ‖M gⱼ‖ with probability
/// ≥ 1 − 10^(−PROBES). U is formed in row blocks of [`PROBE_ROWS`] rows and each block's
/// share of UᵀW(UG) is taken while the block is still in cache, so the check costs no
/// extra pass over U (the n r² flops of UᵀWU would be a third of the whole method). The
/// probes come from a fixed seed and the row blocks depend on the shape only, so U and the
/// decision are the same on every run and any number of threads.
fn form_with_orthogonality_estimate(
    x: MatRef<'_, f64>,
    b: MatRef<'_, f64>,
    ip: &InnerProduct,
) -> (Mat<f64>, f64) {
    let (n, r) = (x.nrows(), b.ncols());
    let mut rng = ChaCha8Rng::seed_from_u64(PROBE_SEED);
    let g: Mat<f64> = Mat::from_fn(r, PROBES, |_, _| StandardNormal.sample(&mut rng));
    let weights = match ip {
        InnerProduct::Euclidean => None,
        InnerProduct::Diagonal(w) => Some(w),
    };
    let chunks = row_chunks(n);
    let mut u = Mat::zeros(n, r);
    let partials: Vec<Mat<f64>> = split_rows(u.as_mut())
        .into_par_iter()
        .enumerate()
        .map(|(c, mut block)| {
            let (start, len) = chunk_rows(n, chunks, c);
            let mut acc = Mat::zeros(r, PROBES);
            let mut y = Mat::zeros(PROBE_ROWS.min(len), PROBES);
            for row in (0..len).step_by(PROBE_ROWS) {
                let rows = PROBE_ROWS.min(len - row);
                let mut ub = block.as_mut().subrows_mut(row, rows);
                let xb = x.subrows(start + row, rows);
                matmul(ub.as_mut(), Accum::Replace, xb, b, 1.0, Par::Seq);
                let mut yb = y.as_mut().subrows_mut(0, rows);
                matmul(
                    yb.as_mut(),
                    Accum::Replace,
                    ub.as_ref(),
                    g.as_ref(),
                    1.0,
                    Par::Seq,
                );
                if let Some(w) = weights {
                    for j in 0..PROBES {
                        for i in 0..rows {
                            yb[(i, j)] *= w[start + row + i];
                        }
                    }
                }
                matmul(
                    acc.as_mut(),
                    Accum::Add,
                    ub.as_ref().transpose(),
                    yb.as_ref(),
                    1.0,
                    Par::Seq,
                );
            }
            acc
        })
        .collect();
    let mut m_g = -g;
    for part in partials {
        m_g += part;
    }
    let largest = (0..PROBES)
        .map(|j| m_g.col(j).norm_l2())
        .fold(0.0, f64::max);
    (u, 10.0 * (2.0 / std::f64::consts::PI).sqrt() * largest)
}

/// Rows of U formed and probed at a time by [`form_with_orthogonality_estimate`]: 512 rows
/// of 200 modes are 800 kB, within a core's L2 cache.
const PROBE_ROWS: usize = 512;

/// Re-orthonormalizes the columns of U in order under W by Cholesky QR (Stathopoulos, Wu,
/// "A block orthogonalization procedure with constant synchronization requirements", SIAM
/// J. Sci. Comput. 23, 2002): G = UᵀWU = LLᵀ, U ← U L⁻ᵀ, the same factor as Gram–Schmidt.
/// One pass leaves ‖UᵀWU − I‖ ≈ ε κ(U)² (Yamamoto et al., ETNA 44, 2015); U from the method
/// of snapshots has κ(U) close to 1, and a second pass (CholeskyQR2) runs only if the first
/// did not reach [`SNAPSHOTS_ORTHOGONALITY_TOL`]. Falls back to CGS2 ([`Basis::orthonormalize`]) if
/// G is not numerically positive definite.
fn reorthonormalize(mut u: Mat<f64>, ip: &InnerProduct) -> Result<Mat<f64>> {
    let r = u.ncols();
    for _ in 0..2 {
        let g = lower_gram(u.as_ref(), ip);
        let err = (0..r)
            .flat_map(|j| (j..r).map(move |i| (i, j)))
            .map(|(i, j)| (g[(i, j)] - if i == j { 1.0 } else { 0.0 }).abs())
            .fold(0.0, f64::max);
        if err <= SNAPSHOTS_ORTHOGONALITY_TOL {
            return Ok(u);
        }
        let Ok(llt) = g.llt(Side::Lower) else {
            break;
        };
        // U L⁻ᵀ = (L⁻¹ Uᵀ)ᵀ: triangular solves on the transposed row blocks of U.
        split_rows(u.as_mut()).into_par_iter().for_each(|block| {
            solve_lower_triangular_in_place(llt.L(), block.transpose_mut(), Par::Seq)
        });
    }
    let basis = Basis::orthonormalize(u.as_ref(), ip.clone(), 0.0)?;
    if basis.rank() != r {
        return Err(BasisError::NoConvergence {
            what: "method-of-snapshots re-orthonormalization",
        });
    }
    Ok(basis.vectors().to_owned())
}

/// The lower triangle of AᵀWA (the strict upper triangle is left zero): half the flops of a
/// full Gram matrix.
fn lower_gram(a: MatRef<'_, f64>, ip: &InnerProduct) -> Mat<f64> {
    match ip {
        InnerProduct::Euclidean => chunked_gram(a, a, BlockStructure::TriangularLower),
        InnerProduct::Diagonal(_) => chunked_gram(
            a,
            ip.apply_weights(a).as_ref(),
            BlockStructure::TriangularLower,
        ),
    }
}

/// Rows per chunk below which [`row_chunks`] does not split further.
const CHUNK_MIN_ROWS: usize = 2048;

/// How many row blocks the products over the long dimension n are split into: at most
/// [`FAER_TASKS`], each at least [`CHUNK_MIN_ROWS`] rows. It depends on n only, so the
/// sums (hence the results) are the same on any number of threads.
fn row_chunks(n: usize) -> usize {
    (n / CHUNK_MIN_ROWS).clamp(1, FAER_TASKS)
}

/// The row range of chunk `c` of `chunks` over n rows (the last takes the remainder).
fn chunk_rows(n: usize, chunks: usize, c: usize) -> (usize, usize) {
    let size = n / chunks;
    let start = c * size;
    (start, if c + 1 == chunks { n - start } else { size })
}

/// The most memory, in bytes, that [`chunked_gram`]'s partial products may hold beside
/// their sum: a product's k×p partials are one per row block, so many snapshots (large k·p)
/// get fewer blocks rather than several copies of the Gram matrix.
const PARTIAL_PRODUCTS_BYTES: usize = 4 << 20;

/// AᵀB (k×p, only the part `structure` says) for tall A (n×k) and B (n×p), split over row
/// blocks: each block's product runs sequentially, blocks run in parallel (rayon) and their
/// sums are added in block order. A product whose output is this small would leave
/// threads idle if split over its k×p output, as faer's parallel GEMM does. The number of
/// blocks is [`row_chunks`] capped so the partials fit [`PARTIAL_PRODUCTS_BYTES`] (at least
/// one): it depends on the shapes only, so the sums are the same on any number of threads.
fn chunked_gram(a: MatRef<'_, f64>, b: MatRef<'_, f64>, structure: BlockStructure) -> Mat<f64> {
    let (n, k, p) = (a.nrows(), a.ncols(), b.ncols());
    let partial_bytes = (k * p * std::mem::size_of::<f64>()).max(1);
    let chunks = row_chunks(n).min((PARTIAL_PRODUCTS_BYTES / partial_bytes).max(1));
    let partial = |c: usize| {
        let (start, len) = chunk_rows(n, chunks, c);
        let mut out = Mat::zeros(k, p);
        triangular::matmul(
            out.as_mut(),
            structure,
            Accum::Replace,
            a.subrows(start, len).transpose(),
            BlockStructure::Rectangular,
            b.subrows(start, len),
            BlockStructure::Rectangular,
            1.0,
            Par::Seq,
        );
        out
    };
    let parts: Vec<Mat<f64>> = (0..chunks).into_par_iter().map(partial).collect();
    let mut parts = parts.into_iter();
    let mut sum = parts.next().unwrap_or_else(|| Mat::zeros(k, p));
    for part in parts {
        sum += part;
    }
    sum
}

/// The [`row_chunks`] row blocks of `m`, as disjoint mutable views in row order.
fn split_rows(m: MatMut<'_, f64>) -> Vec<MatMut<'_, f64>> {
    let n = m.nrows();
    let chunks = row_chunks(n);
    let mut blocks = Vec::with_capacity(chunks);
    let mut rest = m;
    for c in 0..chunks {
        let (block, tail) = rest.split_at_row_mut(chunk_rows(n, chunks, c).1);
        blocks.push(block);
        rest = tail;
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basis::orthonormal::orthogonality_error;
    use proptest::prelude::*;

    /// A = Q₁ diag(σ) Q₂ᵀ with Q₁ (n×m), Q₂ (m×m) orthonormal from the QR of seeded Gaussians.
    fn with_spectrum(n: usize, sigma: &[f64], seed: u64) -> Mat<f64> {
        let m = sigma.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut gaussian = |rows: usize, cols: usize| -> Mat<f64> {
            Mat::from_fn(rows, cols, |_, _| StandardNormal.sample(&mut rng))
        };
        let q1 = gaussian(n, m).qr().compute_thin_Q();
        let q2 = gaussian(m, m).qr().compute_thin_Q();
        let left = Mat::from_fn(n, m, |i, j| q1[(i, j)] * sigma[j]);
        left * q2.transpose()
    }

    fn max_rel(a: &[f64], b: &[f64]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(a, b)| (a - b).abs() / b.abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn well_conditioned_snapshots_are_orthonormal_without_the_extra_pass() {
        // σ from 1 to 1/2 over 60 snapshots, n = 5000 (2 row chunks): the modes as formed
        // lose orthogonality like ε σ₁²/σ_r² · √n ≈ 1e-14 < the tolerance, so no
        // re-orthonormalization, and σ agrees with the thin SVD to ε σ₁²/σ_r² ≈ 1e-15 (1e-13
        // leaves room for the eigensolver's m ε).
        let sigma: Vec<f64> = (0..60).map(|i| 1.0 - 0.5 * i as f64 / 59.0).collect();
        let a = with_spectrum(5000, &sigma, 3);
        let ip = InnerProduct::Euclidean;
        let mos = method_of_snapshots(a.as_ref(), &ip).unwrap();
        let svd = thin_svd(a.as_ref(), &ip).unwrap();
        assert_eq!(mos.s.len(), 60);
        assert!(max_rel(&mos.s, &svd.s) <= 1e-13);
        let formed = form_with_orthogonality_estimate(
            a.as_ref(),
            Mat::from_fn(60, 60, |i, j| mos.v[(i, j)] / mos.s[j]).as_ref(),
            &InnerProduct::Euclidean,
        )
        .0;
        assert_eq!(formed, mos.u, "the modes as formed are returned");
        assert!(orthogonality_error(mos.u.as_ref(), &ip) <= SNAPSHOTS_ORTHOGONALITY_TOL);
        assert!((mos.reconstruct() - &a).norm_max() <= 1e-13);
    }

    #[test]
    fn ill_conditioned_snapshots_are_reorthonormalized() {
        // σ from 1 to 1e-6 under a diagonal weight: the modes as formed lose orthogonality
        // like ε σ₁²/σ_r² ≈ 1e-4 ≫ the tolerance; after Cholesky QR they are orthonormal to
        // a few hundred ε (CholeskyQR2 bound m n ε with κ(U) ≈ 1; 1e-13 stated), and the
        // leading σ (σ/σ₁ ≥ 1e-2) agree with the thin SVD to ε σ₁²/σ² ≤ 1e-11 relative.
        let m = 40;
        let sigma: Vec<f64> = (0..m)
            .map(|i| 10f64.powf(-6.0 * i as f64 / (m - 1) as f64))
            .collect();
        let n = 3000;
        let a = with_spectrum(n, &sigma, 5);
        let ip = InnerProduct::diagonal((0..n).map(|i| 0.5 + (i % 5) as f64).collect()).unwrap();
        let mos = method_of_snapshots(a.as_ref(), &ip).unwrap();
        let svd = thin_svd(a.as_ref(), &ip).unwrap();
        let formed = form_with_orthogonality_estimate(
            a.as_ref(),
            Mat::from_fn(m, m, |i, j| mos.v[(i, j)] / mos.s[j]).as_ref(),
            &InnerProduct::Euclidean,
        )
        .0;
        assert!(orthogonality_error(formed.as_ref(), &ip) > 1e3 * SNAPSHOTS_ORTHOGONALITY_TOL);
        assert!(orthogonality_error(mos.u.as_ref(), &ip) <= 1e-13);
        let leading = sigma.iter().take_while(|&&s| s >= 1e-2).count();
        assert!(max_rel(&mos.s[..leading], &svd.s[..leading]) <= 1e-11);
        // The kept modes still reconstruct A to the accuracy of its small singular values.
        assert!((mos.reconstruct() - &a).norm_max() <= 1e-9);
    }

    #[test]
    fn snapshots_give_the_same_bits_on_any_number_of_threads() {
        // Every product is split by rows into a count fixed by the shape (3 chunks here),
        // so 1, 2 and 3 threads give identical bits, re-orthonormalized modes included.
        let sigma: Vec<f64> = (0..30).map(|i| 10f64.powf(-0.15 * i as f64)).collect();
        let a = with_spectrum(7000, &sigma, 9);
        let runs: Vec<ThinSvd> = [1, 2, 3]
            .into_iter()
            .map(|threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| method_of_snapshots(a.as_ref(), &InnerProduct::Euclidean).unwrap())
            })
            .collect();
        for run in &runs[1..] {
            assert_eq!(run.s, runs[0].s);
            assert_eq!(run.u, runs[0].u);
        }
    }

    #[test]
    fn chunked_products_match_faer() {
        // 5000 rows = 2 chunks of 2500: every output entry is a sum of 5000 products whose
        // order differs from faer's, so agreement is to n ε ‖a‖‖b‖ ≈ 1e-12 · n.
        let a = with_spectrum(5000, &[3.0, 2.0, 1.0, 0.5], 1);
        let b = with_spectrum(5000, &[1.0, 1.0, 1.0], 2);
        let full = chunked_gram(a.as_ref(), b.as_ref(), BlockStructure::Rectangular);
        assert!((&full - a.transpose() * &b).norm_max() <= 1e-12);
        let lower = chunked_gram(a.as_ref(), a.as_ref(), BlockStructure::TriangularLower);
        let exact = a.transpose() * &a;
        for j in 0..4 {
            for i in 0..4 {
                let want = if i >= j { exact[(i, j)] } else { 0.0 };
                assert!((lower[(i, j)] - want).abs() <= 1e-12);
            }
        }
        let small = Mat::from_fn(4, 2, |i, j| (i + 2 * j) as f64);
        let formed =
            form_with_orthogonality_estimate(a.as_ref(), small.as_ref(), &InnerProduct::Euclidean)
                .0;
        assert!((formed - &a * &small).norm_max() <= 1e-12);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        #[test]
        fn probe_estimate_bounds_the_orthogonality_loss(
            n in 40usize..400, r in 1usize..20, scale in -12.0f64..-2.0, seed in 0u64..1000,
        ) {
            // U = Q + δE: the estimate must not fall below ‖UᵀU − I‖₂ (HMT Lemma 4.1 fails with
            // probability 1e-8 per case) and should not exceed it by more than the
            // 10 √(2/π) · ‖g‖ ≤ 8 (√r + 6) of a Gaussian probe norm.
            let r = r.min(n);
            let q = with_spectrum(n, &vec![1.0; r], seed);
            let mut rng = ChaCha8Rng::seed_from_u64(seed + 1);
            let delta = 10f64.powf(scale);
            let u = Mat::from_fn(n, r, |i, j| q[(i, j)] + delta * Distribution::<f64>::sample(&StandardNormal, &mut rng));
            let ip = InnerProduct::Euclidean;
            let m = u.transpose() * &u - Mat::<f64>::identity(r, r);
            let norm2 = m
                .self_adjoint_eigen(Side::Lower)
                .unwrap()
                .S()
                .column_vector()
                .iter()
                .fold(0.0f64, |acc, l| acc.max(l.abs()));
            let (formed, estimate) =
                form_with_orthogonality_estimate(u.as_ref(), Mat::<f64>::identity(r, r).as_ref(), &ip);
            prop_assert_eq!(&formed, &u);
            prop_assert!(estimate >= norm2, "{estimate} < {norm2}");
            prop_assert!(estimate <= 8.0 * ((r as f64).sqrt() + 6.0) * norm2 + 1e-14);
        }
    }
}
