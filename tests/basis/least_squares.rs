//! Regularized least squares: the solution satisfies the normal equations of the
//! regularized problem, to round-off relative to the data.

use faer::Mat;
use galerkin::basis::regularized_least_squares;
use proptest::prelude::*;

use crate::common::gaussian;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Aᵀ(A X − B) + λ² X = 0 (the optimality condition), for random tall A, any λ ≥ 0.
    #[test]
    fn solution_satisfies_the_regularized_normal_equations(
        m in 8usize..60,
        n in 1usize..8,
        p in 1usize..4,
        lambda in prop_oneof![Just(0.0), 1e-6f64..10.0],
        seed in 0u64..1000,
    ) {
        let a = gaussian(m, n, seed);
        let b = gaussian(m, p, seed + 1);
        let x = regularized_least_squares(a.as_ref(), b.as_ref(), lambda).unwrap();
        let residual = &a * &x - &b;
        let gradient: Mat<f64> = a.transpose() * &residual + &x * lambda * lambda;
        let scale = a.norm_l2() * (a.norm_l2() * x.norm_l2() + b.norm_l2()) + 1.0;
        // Backward-stable QR: the optimality condition holds to ~ε·‖A‖(‖A‖‖X‖ + ‖B‖).
        prop_assert!(gradient.norm_max() < 1e-12 * scale, "{:e}", gradient.norm_max());
    }
}
