//! The packed quadratic term of a Galerkin ROM, N(x)_k = Σ_{i≤j} Ĥ_{k,(i,j)} x_i x_j.
//!
//! Ĥ is stored row-major r × r(r+1)/2 with the pairs (i, j), i ≤ j, ordered by j then i
//! (pair index j(j+1)/2 + i), the symmetric tensor folded so each product is formed once.
//! The term is then one matrix–vector product with the vector z of pair products, which
//! [`crate::gemv_add`] runs register-blocked: r·r(r+1)/2 fused multiply–adds that stream Ĥ
//! once, against r³ for the unfolded tensor.

use crate::dense::{gemm_add, gemv_add};

/// The number of pairs i ≤ j of r coordinates, r(r+1)/2.
pub fn pair_count(r: usize) -> usize {
    r * (r + 1) / 2
}

/// z_{j(j+1)/2 + i} = x_i x_j for i ≤ j (`z.len()` = r(r+1)/2).
///
/// # Panics
/// If `z.len() != pair_count(x.len())`.
pub fn pair_products(x: &[f64], z: &mut [f64]) {
    assert_eq!(z.len(), pair_count(x.len()), "pair_products: z length");
    let mut p = 0;
    for (j, &xj) in x.iter().enumerate() {
        for (zi, &xi) in z[p..p + j + 1].iter_mut().zip(&x[..=j]) {
            *zi = xi * xj;
        }
        p += j + 1;
    }
}

/// out += Ĥ z(x) with the pair products formed in `z` (scratch of r(r+1)/2 values).
pub fn add_quadratic(h: &[f64], x: &[f64], z: &mut [f64], out: &mut [f64]) {
    pair_products(x, z);
    gemv_add(h, z.len(), z, out);
}

/// The batched [`add_quadratic`]: `x` and `out` hold B states of dimension `r` back to back
/// and `z` is scratch of B·r(r+1)/2 values; every state gets out_b += Ĥ z(x_b), as one
/// matrix–matrix product ([`gemm_add`]) that reads Ĥ once for the whole batch.
///
/// # Panics
/// If `x`, `z` or `out` do not hold the same number of states.
pub fn add_quadratic_batch(h: &[f64], r: usize, x: &[f64], z: &mut [f64], out: &mut [f64]) {
    let pairs = pair_count(r);
    assert!(r > 0 && x.len() % r == 0, "add_quadratic_batch: states");
    assert_eq!(
        z.len(),
        pairs * (x.len() / r),
        "add_quadratic_batch: scratch"
    );
    for (xb, zb) in x.chunks_exact(r).zip(z.chunks_exact_mut(pairs)) {
        pair_products(xb, zb);
    }
    gemm_add(h, pairs, z, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_term_equals_the_unfolded_sum() {
        // A symmetric tensor T_{k,i,j} folded into Ĥ (i < j doubled) gives Σ_ij T x_i x_j.
        let r = 7;
        let t = |k: usize, i: usize, j: usize| ((k * 49 + i.min(j) * 7 + i.max(j)) as f64).sin();
        let mut h = vec![0.0; r * pair_count(r)];
        for k in 0..r {
            for j in 0..r {
                for i in 0..=j {
                    let fold = if i == j { 1.0 } else { 2.0 };
                    h[k * pair_count(r) + j * (j + 1) / 2 + i] = fold * t(k, i, j);
                }
            }
        }
        let x: Vec<f64> = (0..r).map(|i| 0.3 * i as f64 - 0.8).collect();
        let mut z = vec![0.0; pair_count(r)];
        let mut out = vec![1.0; r];
        add_quadratic(&h, &x, &mut z, &mut out);
        for (k, &got) in out.iter().enumerate() {
            let mut full = 1.0;
            for i in 0..r {
                for j in 0..r {
                    full += t(k, i, j) * x[i] * x[j];
                }
            }
            // About r² terms of size ≤ 1: agreement to a few hundred ε.
            assert!((got - full).abs() <= 1e-13, "k = {k}: {got} vs {full}");
        }
    }
}
