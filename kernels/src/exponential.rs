//! The matrix exponential and the φ-functions of exponential integrators.
//!
//! [`expm`] is the scaling-and-squaring method with the [13/13] Padé approximant
//! (N. J. Higham, "The scaling and squaring method for the matrix exponential revisited",
//! SIAM J. Matrix Anal. Appl. 26, 2005, Algorithm 2.3): A is scaled by 2⁻ˢ until
//! ‖A‖₁ ≤ θ₁₃ = 5.37, where the approximant is exact to double precision, and the result is
//! squared s times. [`phi_functions`] reads φ₀(A) = eᴬ, φ₁(A), φ₂(A), φ₃(A) off the first
//! block row of the exponential of the augmented matrix (fewer block rows for fewer φ's)
//!
//! ```text
//!     ⎡A I 0 0⎤
//! M = ⎢0 0 I 0⎥ ,   e^M = ⎡φ₀(A) φ₁(A) φ₂(A) φ₃(A)⎤ in its first block row
//!     ⎢0 0 0 I⎥
//!     ⎣0 0 0 0⎦
//! ```
//!
//! (R. B. Sidje, "Expokit", ACM TOMS 24, 1998, Theorem 1; A. H. Al-Mohy and N. J. Higham,
//! SIAM J. Sci. Comput. 33, 2011, Theorem 2.1), φ_k(z) = Σ_{j≥0} z^j / (j + k)!. This needs
//! no inverse of A, so it is accurate for singular and nearly singular A, where the
//! closed forms φ₁(A) = A⁻¹(eᴬ − I), … cancel catastrophically.

use faer::linalg::matmul::matmul;
use faer::linalg::solvers::Solve;
use faer::{Accum, Mat, MatRef, Par};

use crate::KernelError;

/// θ₁₃: the largest ‖A‖₁ for which the [13/13] Padé approximant's backward error is below
/// the unit roundoff (Higham 2005, Table 2.3).
const THETA_13: f64 = 5.371_920_351_148_152;

/// The [13/13] Padé coefficients b₀ … b₁₃ (Higham 2005, eq. (2.5) with m = 13).
const PADE_13: [f64; 14] = [
    64_764_752_532_480_000.0,
    32_382_376_266_240_000.0,
    7_771_770_303_897_600.0,
    1_187_353_796_428_800.0,
    129_060_195_264_000.0,
    10_559_470_521_600.0,
    670_442_572_800.0,
    33_522_128_640.0,
    1_323_241_920.0,
    40_840_800.0,
    960_960.0,
    16_380.0,
    182.0,
    1.0,
];

/// a·b, sequentially (no thread pool: the runtime builds faer without one, and the result
/// must not depend on a thread count).
fn mul(a: MatRef<'_, f64>, b: MatRef<'_, f64>) -> Mat<f64> {
    let mut out = Mat::zeros(a.nrows(), b.ncols());
    matmul(out.as_mut(), Accum::Replace, a, b, 1.0, Par::Seq);
    out
}

/// The 1-norm max_j Σ_i |a_ij|.
fn norm_1(a: MatRef<'_, f64>) -> f64 {
    (0..a.ncols())
        .map(|j| (0..a.nrows()).map(|i| a[(i, j)].abs()).sum::<f64>())
        .fold(0.0, f64::max)
}

/// eᴬ of a square matrix by scaling and squaring with the [13/13] Padé approximant.
///
/// # Errors
/// [`KernelError::NonFinite`] if A has a NaN or infinite entry (or the result overflows).
pub fn expm(a: MatRef<'_, f64>) -> Result<Mat<f64>, KernelError> {
    let n = a.nrows();
    assert_eq!(n, a.ncols(), "expm: square matrix");
    let norm = norm_1(a);
    if !norm.is_finite() {
        return Err(KernelError::NonFinite("the matrix of the exponential"));
    }
    let s = if norm > THETA_13 {
        (norm / THETA_13).log2().ceil() as i32
    } else {
        0
    };
    let scale = 2f64.powi(-s);
    let a = Mat::from_fn(n, n, |i, j| a[(i, j)] * scale);
    let a2 = mul(a.as_ref(), a.as_ref());
    let a4 = mul(a2.as_ref(), a2.as_ref());
    let a6 = mul(a4.as_ref(), a2.as_ref());
    let b = &PADE_13;
    let eye = |i: usize, j: usize| f64::from(u8::from(i == j));
    let inner_u = Mat::from_fn(n, n, |i, j| {
        b[13] * a6[(i, j)] + b[11] * a4[(i, j)] + b[9] * a2[(i, j)]
    });
    let inner_v = Mat::from_fn(n, n, |i, j| {
        b[12] * a6[(i, j)] + b[10] * a4[(i, j)] + b[8] * a2[(i, j)]
    });
    let outer_u = mul(a6.as_ref(), inner_u.as_ref());
    let outer_v = mul(a6.as_ref(), inner_v.as_ref());
    let poly_u = Mat::from_fn(n, n, |i, j| {
        outer_u[(i, j)]
            + b[7] * a6[(i, j)]
            + b[5] * a4[(i, j)]
            + b[3] * a2[(i, j)]
            + b[1] * eye(i, j)
    });
    let u = mul(a.as_ref(), poly_u.as_ref());
    let v = Mat::from_fn(n, n, |i, j| {
        outer_v[(i, j)]
            + b[6] * a6[(i, j)]
            + b[4] * a4[(i, j)]
            + b[2] * a2[(i, j)]
            + b[0] * eye(i, j)
    });
    let p = Mat::from_fn(n, n, |i, j| v[(i, j)] + u[(i, j)]);
    let q = Mat::from_fn(n, n, |i, j| v[(i, j)] - u[(i, j)]);
    let mut r = q.partial_piv_lu().solve(p);
    for _ in 0..s {
        r = mul(r.as_ref(), r.as_ref());
    }
    if r.col_iter().flat_map(|c| c.iter()).all(|v| v.is_finite()) {
        Ok(r)
    } else {
        Err(KernelError::NonFinite("the matrix exponential"))
    }
}

/// [φ₀(A), …, φ_{K−1}(A)] with φ₀ = exp, from one exponential of the Kn × Kn augmented
/// matrix (module docs, with K block rows): K = 4 for ETDRK4's φ₁…φ₃, K = 2 where only e^A
/// and φ₁(A) are needed (the cost grows as K³).
///
/// # Errors
/// As [`expm`].
pub fn phi_functions<const K: usize>(a: MatRef<'_, f64>) -> Result<[Mat<f64>; K], KernelError> {
    let n = a.nrows();
    assert_eq!(n, a.ncols(), "phi_functions: square matrix");
    let augmented = Mat::from_fn(K * n, K * n, |i, j| {
        let (bi, bj) = (i / n, j / n);
        if bi == 0 && bj == 0 {
            a[(i, j)]
        } else if bj == bi + 1 && i % n == j % n {
            1.0
        } else {
            0.0
        }
    });
    let e = expm(augmented.as_ref())?;
    Ok(std::array::from_fn(|k| {
        Mat::from_fn(n, n, |i, j| e[(i, k * n + j)])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// φ_k(z) by its series (|z| ≤ 1) or its recurrence φ_k = (φ_{k-1} − 1/(k-1)!) / z.
    fn phi_scalar(k: usize, z: f64) -> f64 {
        if z.abs() < 1.0 {
            let mut term = 1.0 / (1..=k).map(|v| v as f64).product::<f64>();
            let mut sum = term;
            for j in 1..40 {
                term *= z / (j + k) as f64;
                sum += term;
            }
            sum
        } else {
            let mut phi = z.exp();
            let mut factorial = 1.0;
            for m in 1..=k {
                phi = (phi - 1.0 / factorial) / z;
                factorial *= m as f64;
            }
            phi
        }
    }

    #[test]
    fn diagonal_matrices_give_the_scalar_functions() {
        // Stiff (−400), moderate, tiny and positive eigenvalues: the scaled range of a KS ROM.
        let z = [-400.0, -37.5, -1.0, -1e-9, 0.0, 0.3, 2.0];
        let a = Mat::from_fn(z.len(), z.len(), |i, j| if i == j { z[i] } else { 0.0 });
        let phis = phi_functions::<4>(a.as_ref()).unwrap();
        for (k, phi) in phis.iter().enumerate() {
            for (i, &zi) in z.iter().enumerate() {
                let want = phi_scalar(k, zi);
                // Scaling and squaring: relative accuracy a few hundred ε at these norms.
                let tol = 1e-12 * want.abs().max(1e-300);
                assert!(
                    (phi[(i, i)] - want).abs() <= tol,
                    "φ{k}({zi}) = {} vs {want}",
                    phi[(i, i)]
                );
            }
        }
    }

    #[test]
    fn a_jordan_block_gives_the_derivative_off_the_diagonal() {
        // f([[λ, 1], [0, λ]]) = [[f(λ), f'(λ)], [0, f(λ)]]: checks the non-normal case.
        let lambda = -3.0;
        let a = Mat::from_fn(2, 2, |i, j| match (i, j) {
            (0, 1) => 1.0,
            (i, j) if i == j => lambda,
            _ => 0.0,
        });
        let phis = phi_functions::<4>(a.as_ref()).unwrap();
        let d = 1e-5;
        for (k, phi) in phis.iter().enumerate() {
            let derivative = (phi_scalar(k, lambda + d) - phi_scalar(k, lambda - d)) / (2.0 * d);
            // Central difference: O(d²) ≈ 1e-10 truncation, 1e-11 rounding.
            assert!(
                (phi[(0, 1)] - derivative).abs() <= 1e-9,
                "φ{k}' off-diagonal"
            );
            assert!((phi[(0, 0)] - phi_scalar(k, lambda)).abs() <= 1e-13);
            assert_eq!(phi[(1, 0)], 0.0);
        }
    }

    #[test]
    fn a_rotation_generator_gives_a_rotation() {
        // exp([[0, −θ], [θ, 0]]) = [[cos θ, −sin θ], [sin θ, cos θ]], with θ large enough
        // to need squaring.
        let theta = 40.0;
        let a = Mat::from_fn(2, 2, |i, j| match (i, j) {
            (0, 1) => -theta,
            (1, 0) => theta,
            _ => 0.0,
        });
        let e = expm(a.as_ref()).unwrap();
        // Squaring amplifies the approximant's error by about ‖A‖: 40 · 1e-15.
        assert!((e[(0, 0)] - theta.cos()).abs() <= 1e-12);
        assert!((e[(1, 0)] - theta.sin()).abs() <= 1e-12);
    }

    #[test]
    fn non_finite_input_is_an_error() {
        let a = Mat::from_fn(2, 2, |i, _| if i == 0 { f64::NAN } else { 1.0 });
        assert!(matches!(expm(a.as_ref()), Err(KernelError::NonFinite(_))));
    }
}
