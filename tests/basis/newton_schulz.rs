//! Newton–Schulz: the quintic's band and the cubic's convergence to the polar factor.

use galerkin::basis::{
    newton_schulz, orthogonality_error, polar_factor, InnerProduct, NewtonSchulzKind,
    MUON_QUINTIC_BAND,
};
use proptest::prelude::*;

use crate::common::with_singular_values;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn muon_quintic_maps_singular_values_into_its_band(
        rows in 4usize..60, cols in 4usize..60, seed in 0u64..1000, spread in 0.0f64..1.0,
    ) {
        let k = rows.min(cols);
        // Singular values with σ_i/‖G‖_F ≥ 1e-2, the band's documented domain.
        let s: Vec<f64> = (0..k).map(|i| 1.0 - spread * 0.9 * i as f64 / k as f64).collect();
        let fro = s.iter().map(|x| x * x).sum::<f64>().sqrt();
        prop_assume!(s[k - 1] / fro >= 1e-2);
        let g = with_singular_values(rows, cols, &s, seed);
        let x = newton_schulz(g.as_ref(), NewtonSchulzKind::MuonQuintic, 5).unwrap();
        let out = x.singular_values().unwrap();
        let (lo, hi) = MUON_QUINTIC_BAND;
        prop_assert!(out[..k].iter().all(|&v| v >= lo && v <= hi), "{:?}", out);
        prop_assert_eq!((x.nrows(), x.ncols()), (rows, cols));
    }

    #[test]
    fn cubic_converges_to_the_exact_polar_factor(
        rows in 2usize..50, cols in 2usize..50, seed in 0u64..1000, log_kappa in 0.0f64..2.0,
    ) {
        let k = rows.min(cols);
        let s: Vec<f64> = (0..k).map(|i| 10f64.powf(-log_kappa * i as f64 / k as f64)).collect();
        let g = with_singular_values(rows, cols, &s, seed);
        // σ_min/‖G‖_F ≥ 1e-2/√50: growth 1.5× per step reaches O(1) in ~15 steps, then
        // quadratic convergence; 40 steps is ample.
        let x = newton_schulz(g.as_ref(), NewtonSchulzKind::Cubic, 40).unwrap();
        let polar = polar_factor(g.as_ref()).unwrap();
        prop_assert!((&x - &polar).norm_max() <= 1e-12);
        let q = if rows >= cols { x.clone() } else { x.transpose().to_owned() };
        prop_assert!(orthogonality_error(q.as_ref(), &InnerProduct::Euclidean) <= 1e-12);
    }
}
