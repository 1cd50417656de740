//! Thin, snapshot, randomized and incremental SVDs; POD truncation rules.

use faer::Mat;
use galerkin::basis::{
    method_of_snapshots, orthogonality_error, randomized_svd, thin_svd, thin_svd_leading,
    IncrementalSvd, IncrementalSvdOptions, InnerProduct, RandomizedSvdOptions, Truncation,
    BLOCK_COLUMNS,
};
use proptest::prelude::*;

use crate::common::{gaussian, max_rel_diff, norm2, with_singular_values};

/// Singular values 1, 1/2, 1/4, …: a clear gap-free geometric decay.
fn geometric(k: usize, ratio: f64) -> Vec<f64> {
    (0..k).map(|i| ratio.powi(i as i32)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn thin_svd_reconstructs_and_is_orthonormal(n in 10usize..150, m in 1usize..40, seed in 0u64..1000) {
        let a = gaussian(n, m, seed);
        let svd = thin_svd(a.as_ref(), &InnerProduct::Euclidean).unwrap();
        let eps = n.max(m) as f64 * f64::EPSILON;
        prop_assert!((svd.reconstruct() - &a).norm_max() <= 64.0 * eps * norm2(&a));
        prop_assert!(orthogonality_error(svd.u.as_ref(), &InnerProduct::Euclidean) <= 64.0 * eps);
        prop_assert!(svd.s.windows(2).all(|w| w[0] >= w[1]));
    }

    #[test]
    fn method_of_snapshots_matches_thin_svd_weighted(n in 50usize..300, m in 2usize..30, seed in 0u64..1000) {
        let m = m.min(n);
        // Condition ≤ 1e4, well inside what the squared-condition method resolves.
        let s: Vec<f64> = (0..m).map(|i| 10f64.powf(-4.0 * i as f64 / (m - 1) as f64)).collect();
        let a = with_singular_values(n, m, &s, seed);
        let w = InnerProduct::diagonal((0..n).map(|i| 1.0 + (i % 7) as f64).collect()).unwrap();
        let direct = thin_svd(a.as_ref(), &w).unwrap();
        let snaps = method_of_snapshots(a.as_ref(), &w).unwrap();
        prop_assert_eq!(snaps.s.len(), m);
        // Error of λ = σ² is ε‖A‖², so σ_i is accurate to ε σ₁²/σ_i² relative: ≤ 1e8 ε here.
        prop_assert!(max_rel_diff(&direct.s, &snaps.s, m) <= 1e-7);
        prop_assert!(orthogonality_error(snaps.u.as_ref(), &w) <= 1e-12);
        prop_assert!((snaps.reconstruct() - &a).norm_max() <= 1e-10);
    }

    #[test]
    fn randomized_svd_is_exact_on_low_rank_data(
        n in 100usize..300, m in 60usize..120, rank in 1usize..12, seed in 0u64..1000,
    ) {
        let s = geometric(rank, 0.7);
        let a = with_singular_values(n, m, &s, seed);
        let mut opts = RandomizedSvdOptions::new(rank);
        opts.power_iterations = 0;
        opts.seed = seed;
        let r = randomized_svd(a.as_ref(), &opts).unwrap();
        let exact = thin_svd(a.as_ref(), &InnerProduct::Euclidean).unwrap();
        // Exactly rank-k: the sketch captures the range, only round-off remains.
        prop_assert!(max_rel_diff(&exact.s, &r.s, rank) <= 1e-10, "{:?} vs {:?}", &exact.s[..rank], r.s);
        prop_assert!((r.reconstruct() - &a).norm_max() <= 1e-12);
    }

    #[test]
    fn randomized_svd_obeys_halko_bound_on_noisy_data(
        seed in 0u64..1000, q in 0usize..3,
    ) {
        let (n, m, k, p) = (400, 200, 10, 10);
        // Decaying signal plus a flat noise floor at 1e-3.
        let mut s = geometric(k + 40, 0.8);
        for x in s.iter_mut().skip(k) { *x = x.max(1e-3); }
        let a = with_singular_values(n, m, &s, seed);
        let opts = RandomizedSvdOptions { rank: k, oversampling: p, power_iterations: q, seed };
        let r = randomized_svd(a.as_ref(), &opts).unwrap();
        // ‖A − U Uᵀ A‖₂ for the returned rank-k left vectors. HMT eq. (1.9) with the
        // power-scheme improvement of §10.4 bounds the range error of the (k+p)-column sketch
        // by [1 + 11√(k+p)·√min(n,m)]^(1/(2q+1)) · σ_{k+1} with failure probability
        // ≤ 6p^(−p) ≈ 6e-10; truncating to rank k adds at most σ_{k+1} (HMT §9.4).
        let u = &r.u;
        let resid = &a - u * (u.transpose() * &a);
        let bound = (1.0 + (1.0 + 11.0 * ((k + p) as f64).sqrt() * (m as f64).sqrt())
            .powf(1.0 / (2 * q + 1) as f64)) * s[k];
        let err = norm2(&resid);
        prop_assert!(err <= bound, "error {err} > bound {bound}");
        prop_assert!(err >= s[k] * (1.0 - 1e-10), "cannot beat Eckart–Young: {err} < {}", s[k]);
    }

    #[test]
    fn incremental_svd_is_exact_on_low_rank_data(
        n in 50usize..300, m in 20usize..80, rank in 1usize..10, seed in 0u64..1000,
    ) {
        let a = with_singular_values(n, m, &geometric(rank, 0.5), seed);
        let opts = IncrementalSvdOptions { track_right_vectors: true, ..Default::default() };
        let mut inc = IncrementalSvd::new(n, opts).unwrap();
        inc.push_columns(a.as_ref()).unwrap();
        let exact = thin_svd(a.as_ref(), &InnerProduct::Euclidean).unwrap();
        prop_assert_eq!(inc.rank(), rank);
        prop_assert!(max_rel_diff(&exact.s, inc.singular_values(), rank) <= 1e-10);
        let svd = inc.to_svd();
        prop_assert!(orthogonality_error(svd.u.as_ref(), &InnerProduct::Euclidean) <= 1e-13);
        prop_assert!((svd.reconstruct() - &a).norm_max() <= 1e-12);
    }
}

#[test]
fn incremental_svd_with_rank_cap_tracks_leading_triplets() {
    // Full-rank data with fast decay: the cap forces truncation at every step, so the
    // lazily rotated store is materialized and re-orthonormalized many times.
    let (n, m) = (500, 300);
    let s: Vec<f64> = (0..m).map(|i| 0.5f64.powi(i as i32)).collect();
    let a = with_singular_values(n, m, &s, 11);
    let opts = IncrementalSvdOptions {
        max_rank: 20,
        ..Default::default()
    };
    let mut inc = IncrementalSvd::new(n, opts).unwrap();
    inc.push_columns(a.as_ref()).unwrap();
    assert_eq!(inc.rank(), 20);
    assert_eq!(inc.columns_seen(), m);
    // Each truncation discards ≤ σ₂₁ ≈ 1e-6 of the data: leading values to ~1e-6 relative.
    assert!(max_rel_diff(&s, inc.singular_values(), 10) <= 1e-5);
    let u = inc.to_svd().u;
    assert!(orthogonality_error(u.as_ref(), &InnerProduct::Euclidean) <= 1e-12);
}

/// Orthonormality the incremental SVD must keep: every update multiplies by an orthogonal
/// matrix from a small SVD (error ~ε·(r + s)) and U is re-orthonormalized by a QR (error
/// O(n·ε)) whenever the store has grown by about r + s columns or after 64 updates, so
/// max |UᵀU − I| stays at a small multiple of n·ε ≈ 6e-14 for the n ≤ 256 used here
/// (measured: at most 2.4e-13); 1e-12 allows about 18·n·ε. Before the fix it reached 0.95.
const INCREMENTAL_ORTHOGONALITY_TOL: f64 = 1e-12;

/// The incremental SVD of `a` (blocks of `BLOCK_COLUMNS`), checked against the thin SVD:
/// orthonormal U, and singular values equal to within what the updates may drop. Each block
/// of s ≤ 32 columns drops new directions carrying ≤ `linear_dependence_tol` = 1e-10 of its
/// largest column (≤ 1e-10·√s·‖block‖_F in all), and each of the ⌈m/s⌉ updates truncates
/// σ < 1e-12·σ₁ (≤ 1e-12·√n·σ₁ in all), so the matrix actually decomposed differs from `a`
/// by at most the sum of these and (Weyl) every σᵢ moves by no more; the check allows twice.
fn check_incremental_against_thin_svd(a: &Mat<f64>) -> Result<(), TestCaseError> {
    let mut inc = IncrementalSvd::new(a.nrows(), IncrementalSvdOptions::default()).unwrap();
    inc.push_columns(a.as_ref()).unwrap();
    let u = inc.to_svd().u;
    let err = orthogonality_error(u.as_ref(), &InnerProduct::Euclidean);
    prop_assert!(
        err <= INCREMENTAL_ORTHOGONALITY_TOL,
        "max |UᵀU − I| = {err:.3e}"
    );
    let exact = thin_svd(a.as_ref(), &InnerProduct::Euclidean).unwrap();
    let (n, m) = (a.nrows(), a.ncols());
    let s = BLOCK_COLUMNS.min(n);
    let updates = m.div_ceil(s) as f64;
    let dropped =
        1e-10 * (s as f64).sqrt() * a.norm_l2() + updates * 1e-12 * (n as f64).sqrt() * exact.s[0];
    let bound = 2.0 * dropped;
    for (i, x) in inc.singular_values().iter().enumerate() {
        let y = exact.s[i];
        prop_assert!(
            (x - y).abs() <= bound,
            "σ{i}: {x:e} vs {y:e} (bound {bound:e})"
        );
    }
    // Every singular value above the bound is found (none is lost to a dropped direction).
    let resolved = exact.s.iter().filter(|&&y| y > bound).count();
    prop_assert!(inc.rank() >= resolved, "rank {} < {resolved}", inc.rank());
    Ok(())
}

/// `galerkin reduce --pod-method incremental` on 100 Burgers trajectories of 11 saves
/// (1100 snapshots of 64 values): the snapshots fill ℝ⁶⁴ with singular values decaying to
/// round-off, so every block of 32 columns brings only a few (or no) new directions.
#[test]
fn incremental_svd_stays_orthonormal_when_snapshots_fill_the_space() {
    let (n, m) = (64, 1100);
    check_incremental_against_thin_svd(&with_singular_values(n, m, &geometric(n, 0.6), 3)).unwrap();
}

/// Nearly dependent columns: each snapshot of a rank-5 field repeated four times in a
/// row (within one block), plus 1e-13 noise.
#[test]
fn incremental_svd_stays_orthonormal_on_repeated_noisy_columns() {
    let (n, distinct) = (200, 150);
    let base = with_singular_values(n, distinct, &geometric(5, 0.5), 5);
    let noise = gaussian(n, 4 * distinct, 6);
    let a = Mat::from_fn(n, 4 * distinct, |i, j| {
        base[(i, j / 4)] + 1e-13 * noise[(i, j)]
    });
    check_incremental_against_thin_svd(&a).unwrap();
}

/// A smooth field sampled at many close times: heat-equation modes
/// u(x, t) = Σₖ e^{−k²t} sin(kx) / k on 256 points at 2000 times, successive columns
/// nearly equal and the spectrum decaying super-exponentially.
#[test]
fn incremental_svd_stays_orthonormal_on_a_smooth_field_at_many_times() {
    let (n, m) = (256, 2000);
    let a = Mat::from_fn(n, m, |i, j| {
        let (x, t) = (std::f64::consts::TAU * i as f64 / n as f64, 1e-3 * j as f64);
        (1..40)
            .map(|k| (-((k * k) as f64) * t).exp() * (k as f64 * x).sin() / k as f64)
            .sum()
    });
    check_incremental_against_thin_svd(&a).unwrap();
}

/// Many updates that add no direction (64 000 columns of a rank-8 field, 2000 blocks):
/// the store never grows, so only the rotations M accumulate their round-off.
#[test]
fn incremental_svd_stays_orthonormal_over_many_updates_in_the_span() {
    let (n, m) = (64, 64_000);
    check_incremental_against_thin_svd(&with_singular_values(n, m, &geometric(8, 0.3), 9)).unwrap();
}

/// Zero columns (snapshots equal to their mean) add nothing, through many updates and
/// re-orthonormalizations at rank 0, and data after them is decomposed as without them.
#[test]
fn incremental_svd_skips_zero_columns() {
    let n = 40;
    let mut inc = IncrementalSvd::new(n, IncrementalSvdOptions::default()).unwrap();
    inc.push_columns(Mat::<f64>::zeros(n, 100 * n).as_ref())
        .unwrap();
    assert_eq!((inc.rank(), inc.columns_seen()), (0, 100 * n));
    let a = with_singular_values(n, 30, &geometric(3, 0.5), 4);
    inc.push_columns(a.as_ref()).unwrap();
    assert_eq!(inc.rank(), 3);
    let exact = thin_svd(a.as_ref(), &InnerProduct::Euclidean).unwrap();
    assert!(max_rel_diff(&exact.s, inc.singular_values(), 3) <= 1e-12);
    let u = inc.to_svd().u;
    assert!(orthogonality_error(u.as_ref(), &InnerProduct::Euclidean) <= 1e-13);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Nearly rank-deficient data of every shape: a geometric spectrum down to round-off
    /// (full or low rank), columns repeated, tiny noise.
    #[test]
    fn incremental_svd_is_orthonormal_on_nearly_rank_deficient_data(
        n in 4usize..120, m in 1usize..400, rank in 1usize..120, ratio in 0.05f64..0.9,
        repeat in 1usize..4, log_noise in -16.0f64..-8.0, seed in 0u64..1000,
    ) {
        let rank = rank.min(n).min(m);
        let base = with_singular_values(n, m, &geometric(rank, ratio), seed);
        let noise = gaussian(n, repeat * m, seed.wrapping_add(7));
        let level = 10f64.powf(log_noise);
        let a = Mat::from_fn(n, repeat * m, |i, j| base[(i, j / repeat)] + level * noise[(i, j)]);
        check_incremental_against_thin_svd(&a)?;
    }
}

#[test]
fn truncation_rules_pick_documented_ranks() {
    let s = [10.0, 1.0, 0.1, 0.01, 0.001];
    assert_eq!(Truncation::Rank(3).rank(&s).unwrap(), 3);
    assert_eq!(Truncation::Rank(9).rank(&s).unwrap(), 5);
    assert_eq!(Truncation::AbsoluteTolerance(0.05).rank(&s).unwrap(), 3);
    // Energy: total 101.010101; tail after 2 = 0.010101 → 1.0e-4 of the total.
    assert_eq!(Truncation::RelativeEnergy(1.1e-4).rank(&s).unwrap(), 2);
    assert_eq!(Truncation::RelativeEnergy(0.9e-4).rank(&s).unwrap(), 3);
    assert_eq!(Truncation::RelativeEnergy(0.0).rank(&s).unwrap(), 5);
    assert!(Truncation::RelativeEnergy(1.0).rank(&s).is_err());
    assert!(Truncation::AbsoluteTolerance(f64::NAN).rank(&s).is_err());
}

proptest! {
    #[test]
    fn relative_energy_rank_is_the_smallest_meeting_the_tolerance(
        mut s in proptest::collection::vec(0.0f64..10.0, 1..40), eps in 0.0f64..0.99,
    ) {
        s.sort_by(|a, b| b.partial_cmp(a).unwrap());
        let r = Truncation::RelativeEnergy(eps).rank(&s).unwrap();
        prop_assert!(Truncation::discarded_energy(&s, r) <= eps);
        if r > 0 {
            prop_assert!(Truncation::discarded_energy(&s, r - 1) > eps);
        }
    }
}

#[test]
fn randomized_svd_is_reproducible_from_its_seed() {
    let a = gaussian(200, 80, 3);
    let opts = RandomizedSvdOptions::new(10);
    let x = randomized_svd(a.as_ref(), &opts).unwrap();
    let y = randomized_svd(a.as_ref(), &opts).unwrap();
    assert_eq!(x.s, y.s);
    assert!(x.u == y.u);
    let z = randomized_svd(a.as_ref(), &RandomizedSvdOptions { seed: 1, ..opts }).unwrap();
    assert!(x.s != z.s, "a different seed draws a different sketch");
    assert!(randomized_svd(a.as_ref(), &RandomizedSvdOptions::new(75)).is_err());
}

#[test]
fn non_finite_snapshots_are_refused() {
    let mut a: Mat<f64> = gaussian(20, 5, 0);
    a[(3, 1)] = f64::INFINITY;
    assert!(thin_svd(a.as_ref(), &InnerProduct::Euclidean).is_err());
    assert!(method_of_snapshots(a.as_ref(), &InnerProduct::Euclidean).is_err());
    let mut inc = IncrementalSvd::new(20, IncrementalSvdOptions::default()).unwrap();
    let err = inc.push_columns(a.as_ref()).unwrap_err();
    assert!(err.to_string().contains("non-finite"), "{err}");
    assert!(inc.push(&[1.0; 3]).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn tall_thin_svd_via_tsqr_matches_direct_svd(
        n in 800usize..3000, m in 1usize..40, seed in 0u64..1000, log_kappa in 0.0f64..12.0, weighted: bool,
    ) {
        // n ≥ 8m takes the TSQR route; compare with faer's bidiagonalization SVD.
        let m = m.min(n / 8);
        let s: Vec<f64> = (0..m).map(|i| 10f64.powf(-log_kappa * i as f64 / (m.max(2) - 1) as f64)).collect();
        let a = with_singular_values(n, m, &s, seed);
        let ip = if weighted {
            InnerProduct::diagonal((0..n).map(|i| 0.5 + (i % 5) as f64).collect()).unwrap()
        } else {
            InnerProduct::Euclidean
        };
        let svd = thin_svd(a.as_ref(), &ip).unwrap();
        let direct = ip.whiten(a.as_ref()).singular_values().unwrap();
        // Backward stable: singular values agree to ε·σ₁ in absolute terms.
        for (x, y) in svd.s.iter().zip(&direct) {
            prop_assert!((x - y).abs() <= 1e3 * f64::EPSILON * direct[0], "{x} vs {y}");
        }
        prop_assert!(orthogonality_error(svd.u.as_ref(), &ip) <= 64.0 * n as f64 * f64::EPSILON);
        prop_assert!((svd.reconstruct() - &a).norm_max() <= 1e3 * f64::EPSILON * norm2(&a));
    }
}

#[test]
fn incremental_block_and_single_column_updates_agree() {
    let (n, m) = (300, 90);
    let s: Vec<f64> = (0..m).map(|i| 0.8f64.powi(i as i32)).collect();
    let a = with_singular_values(n, m, &s, 21);
    let opts = IncrementalSvdOptions {
        max_rank: 25,
        ..Default::default()
    };
    let mut blocks = IncrementalSvd::new(n, opts).unwrap();
    blocks.push_columns(a.as_ref()).unwrap();
    let mut single = IncrementalSvd::new(n, opts).unwrap();
    for j in 0..m {
        let col: Vec<f64> = a.col(j).iter().copied().collect();
        single.push(&col).unwrap();
    }
    // Truncation happens at different moments (after each block vs each column), so the
    // two agree to the size of what was truncated: σ₂₆/σ₁ ≈ 4e-3 of the leading values
    // at worst, far better on the first ones.
    assert_eq!(blocks.rank(), single.rank());
    assert!(max_rel_diff(single.singular_values(), blocks.singular_values(), 5) < 1e-4);
    let exact = thin_svd(a.as_ref(), &InnerProduct::Euclidean).unwrap();
    assert!(max_rel_diff(&exact.s, blocks.singular_values(), 5) < 1e-4);
}

/// The leading-triplet variants form only the r kept vectors, on the TSQR route (tall)
/// and faer's direct one (square), and agree with the full SVDs truncated to r.
#[test]
fn leading_svds_equal_the_full_ones_truncated() {
    use galerkin::basis::{method_of_snapshots_leading, thin_svd_leading};
    for (rows, cols) in [(2000, 40), (60, 40)] {
        let sigma = geometric(cols, 0.7);
        let a = with_singular_values(rows, cols, &sigma, 11);
        let ip = InnerProduct::Euclidean;
        let full = thin_svd(a.as_ref(), &ip).unwrap();
        let (lead, all) = thin_svd_leading(a.as_ref(), &ip, |s| Ok(s.len() / 4)).unwrap();
        assert_eq!((lead.u.ncols(), lead.v.ncols(), lead.s.len()), (10, 10, 10));
        assert_eq!(
            all, full.s,
            "{rows}×{cols}: every singular value is returned"
        );
        let cut = full.truncated(10).unwrap();
        // Same factorization, fewer columns of Q·U_R formed: identical up to round-off.
        let diff = (&lead.u - &cut.u).norm_max();
        assert!(diff < 1e-10, "{rows}×{cols}: {diff:e}");
        let mos = method_of_snapshots(a.as_ref(), &ip)
            .unwrap()
            .truncated(10)
            .unwrap();
        let (mos_lead, mos_all) = method_of_snapshots_leading(a.as_ref(), &ip, |_| Ok(10)).unwrap();
        assert_eq!(mos_lead.s, mos.s);
        assert!(mos_all.len() >= 10);
        assert!(orthogonality_error(mos_lead.u.as_ref(), &ip) < 1e-12);
    }
}

/// The TSQR route of the thin SVD (a tall matrix: four leaves, their one-block factors formed
/// beside the tree, the output written by the leaves' tasks) gives the same bits on one,
/// two and three threads, for all left vectors and for a few leading ones (block-by-block
/// application).
#[test]
fn thin_svd_is_bit_identical_across_thread_counts() {
    let a = gaussian(4096, 48, 11);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let all = thin_svd(a.as_ref(), &InnerProduct::Euclidean).unwrap();
            let (leading, _) =
                thin_svd_leading(a.as_ref(), &InnerProduct::Euclidean, |_| Ok(5)).unwrap();
            (all, leading)
        })
    };
    let (all, leading) = run(1);
    // Correct before identical: reconstruction and orthonormality at rounding level.
    let eps = 4096.0 * f64::EPSILON;
    assert!((all.reconstruct() - &a).norm_max() <= 64.0 * eps * norm2(&a));
    assert!(orthogonality_error(all.u.as_ref(), &InnerProduct::Euclidean) <= 64.0 * eps);
    assert_eq!(leading.u.ncols(), 5);
    for threads in [2, 3] {
        let (other_all, other_leading) = run(threads);
        assert_eq!(all.u, other_all.u, "{threads} threads: U");
        assert_eq!(all.s, other_all.s, "{threads} threads: singular values");
        assert_eq!(all.v, other_all.v, "{threads} threads: V");
        assert_eq!(leading.u, other_leading.u, "{threads} threads: leading U");
    }
}
