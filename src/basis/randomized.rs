//! Randomized SVD (Halko, Martinsson, Tropp, "Finding structure with randomness:
//! probabilistic algorithms for constructing approximate matrix decompositions",
//! SIAM Review 53(2), 2011, Algorithms 4.1 / 4.4 / 5.1).

use faer::{Mat, MatRef};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::error::{ensure_finite, BasisError, Result};
use super::qr::Tsqr;
use super::svd::ThinSvd;

/// Parameters of [`randomized_svd`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomizedSvdOptions {
    /// Target rank k (number of triplets returned).
    pub rank: usize,
    /// Oversampling p: the sketch has k + p columns (HMT recommend p = 5–10).
    pub oversampling: usize,
    /// Power (subspace) iterations q; each multiplies the gap σ_k/σ_{k+p+1} by itself twice.
    pub power_iterations: usize,
    /// Seed of the Gaussian test matrix: equal seeds give bit-identical results.
    pub seed: u64,
}

impl RandomizedSvdOptions {
    /// Rank `rank` with HMT's defaults p = 10, q = 2 and seed 0.
    pub fn new(rank: usize) -> Self {
        Self {
            rank,
            oversampling: 10,
            power_iterations: 2,
            seed: 0,
        }
    }
}

/// Rank-k randomized SVD of A (n×m): Gaussian sketch Y = AΩ (Ω m×(k+p)), subspace iteration
/// with re-orthonormalization after every product (HMT Alg. 4.4, stable where plain powers
/// (AAᵀ)^q AΩ lose the small directions to round-off), then the small SVD of B = QᵀA.
/// Cost O(n m (k+p)(2q+2)). With probability ≥ 1 − 6p^(−p) the range error obeys
/// ‖A − QQᵀA‖₂ ≤ [1 + 11√(k+p)·√min(n,m)]^(1/(2q+1)) · σ_{k+1} (HMT eq. 1.9 with §10.4).
pub fn randomized_svd(a: MatRef<'_, f64>, opts: &RandomizedSvdOptions) -> Result<ThinSvd> {
    ensure_finite("a", a)?;
    let (n, m) = (a.nrows(), a.ncols());
    let l = opts.rank + opts.oversampling;
    if opts.rank == 0 || l > n.min(m) {
        return Err(BasisError::InvalidParameter {
            field: "rank",
            value: format!("rank {} + oversampling {}", opts.rank, opts.oversampling),
            allowed: "rank >= 1 and rank + oversampling <= min(rows, columns)",
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let omega = fill_gaussian(Mat::zeros(m, l), &mut rng);
    let mut q = orthonormal_factor(a * &omega);
    for _ in 0..opts.power_iterations {
        let z = orthonormal_factor(a.transpose() * &q);
        q = orthonormal_factor(a * &z);
    }
    let b = q.transpose() * a;
    let svd = b.thin_svd().map_err(|_| BasisError::NoConvergence {
        what: "randomized SVD core",
    })?;
    let k = opts.rank;
    Ok(ThinSvd {
        u: &q * svd.U().subcols(0, k),
        s: svd.S().column_vector().iter().take(k).copied().collect(),
        v: svd.V().subcols(0, k).to_owned(),
    })
}

/// Fills a matrix column by column from N(0, 1): the order is fixed, so the result depends
/// only on the seed.
fn fill_gaussian(mut omega: Mat<f64>, rng: &mut ChaCha8Rng) -> Mat<f64> {
    for j in 0..omega.ncols() {
        for x in omega.col_as_slice_mut(j) {
            *x = StandardNormal.sample(rng);
        }
    }
    omega
}

/// Q of a thin QR: TSQR with parallel leaves for tall sketches, faer's Householder QR
/// otherwise.
fn orthonormal_factor(y: Mat<f64>) -> Mat<f64> {
    let (n, l) = (y.nrows(), y.ncols());
    if n < 16 * l {
        return y.qr().compute_thin_Q();
    }
    Tsqr::new(y.as_ref(), Tsqr::leaves_for(n, l)).q_times(Mat::<f64>::identity(l, l).as_ref())
}
