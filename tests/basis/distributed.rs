//! The thin SVD of a matrix split by rows over ranks (TSQR across ranks) and the HAPOD over
//! ranks, on P thread ranks: the same results as one process for any split, including
//! ranks that hold fewer rows than columns or none at all.

use faer::{Mat, MatRef};
use galerkin::basis::{
    distributed_hapod, hapod_on, row_distributed_svd_leading, thin_svd, HapodOptions, InnerProduct,
};
use galerkin::parallel::share;
use proptest::prelude::*;

use crate::common::{gaussian, with_singular_values};
use crate::ranks::on_ranks;

/// Rank `rank`'s rows of `a` in a split into `size` contiguous shares.
fn my_rows(a: MatRef<'_, f64>, size: usize, rank: usize) -> Mat<f64> {
    let rows = share(a.nrows(), size, rank);
    a.subrows(rows.start, rows.len()).to_owned()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Singular values to 1e-12 of σ₁; U diag(s) Vᵀ reconstructs A; U is W-orthonormal;
    /// every rank returns the same bits.
    #[test]
    fn tsqr_across_ranks_is_the_thin_svd(
        n in 1usize..70,
        m in 1usize..12,
        size in 1usize..9,
        weighted in any::<bool>(),
        seed in 0u64..1000,
    ) {
        let a = gaussian(n, m, seed);
        let ip = if weighted {
            InnerProduct::diagonal((0..n).map(|i| 0.5 + (i % 7) as f64 / 7.0).collect()).unwrap()
        } else {
            InnerProduct::Euclidean
        };
        let results = on_ranks(size, |comm| {
            let rows = share(n, size, comm.rank());
            // A rank holding no rows takes the Euclidean product (of nothing).
            let local_ip = match &ip {
                InnerProduct::Diagonal(w) if !rows.is_empty() => {
                    InnerProduct::diagonal(w[rows].to_vec()).unwrap()
                }
                _ => InnerProduct::Euclidean,
            };
            row_distributed_svd_leading(
                my_rows(a.as_ref(), size, comm.rank()).as_ref(),
                &local_ip,
                comm,
                |s| Ok(s.len()),
            )
            .unwrap()
        });
        let serial = thin_svd(a.as_ref(), &ip).unwrap();
        let (svd, all) = &results[0];
        for (other, _) in &results[1..] {
            prop_assert_eq!(&other.s, &svd.s);
            prop_assert!(other.u == svd.u && other.v == svd.v);
        }
        let k = n.min(m);
        prop_assert_eq!(all.len(), k);
        for (x, y) in all.iter().zip(&serial.s) {
            prop_assert!((x - y).abs() <= 1e-12 * serial.s[0], "{} vs {}", x, y);
        }
        let us = Mat::from_fn(n, k, |i, j| svd.u[(i, j)] * svd.s[j]);
        let back = &us * svd.v.transpose();
        prop_assert!((&back - &a).norm_max() <= 1e-12 * serial.s[0]);
        let gram = ip.gram(svd.u.as_ref(), svd.u.as_ref());
        prop_assert!((&gram - Mat::<f64>::identity(k, k)).norm_max() <= 1e-12);
    }

    /// The HAPOD over ranks equals the one-process HAPOD of the same slices in rank order.
    #[test]
    fn hapod_over_ranks_equals_one_process(
        size in 1usize..5,
        slices_per_rank in 1usize..3,
        seed in 0u64..500,
    ) {
        let s: Vec<f64> = (0..8).map(|i| 0.3f64.powi(i)).collect();
        let slices = size * slices_per_rank;
        let x = with_singular_values(50, 10 * slices, &s, seed);
        let opts = HapodOptions { epsilon: 1e-4, omega: 0.75 };
        let views: Vec<MatRef<'_, f64>> =
            (0..slices).map(|k| x.as_ref().subcols(10 * k, 10)).collect();
        let serial = distributed_hapod(&views, &InnerProduct::Euclidean, &opts).unwrap();
        let results = on_ranks(size, |comm| {
            let mine = share(slices, size, comm.rank());
            hapod_on(&views[mine], &InnerProduct::Euclidean, &opts, comm).unwrap()
        });
        for hapod in &results {
            prop_assert_eq!(&hapod.leaf_modes, &serial.leaf_modes);
            prop_assert_eq!(hapod.snapshots, serial.snapshots);
            prop_assert!(hapod.modes == serial.modes);
            prop_assert_eq!(&hapod.singular_values, &serial.singular_values);
        }
    }
}
