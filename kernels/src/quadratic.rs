//! The packed quadratic term of a Galerkin ROM, N(x)_k = Σ_{i≤j} Ĥ_{k,(i,j)} x_i x_j.
//!
//! Ĥ is given row-major r × r(r+1)/2 with the pairs (i, j), i ≤ j, ordered by j then i
//! (pair index j(j+1)/2 + i), the symmetric tensor folded so each product is formed once.
//! The term is then one matrix–vector product with the vector z of pair products:
//! r·r(r+1)/2 fused multiply–adds, against r³ for the unfolded tensor. [`QuadraticTerm`]
//! stores Ĥ laid out for that product.

use crate::dense::Kernel;

/// The most rows of Ĥ one panel holds: 12 four-wide accumulators, which with the broadcast
/// z_j and a load fit AVX2's 16 registers.
const PANEL_ROWS: usize = 48;

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

/// Rows `start..start + rows` of Ĥ, stored column by column with `height` values per
/// column (`rows` rounded up to a multiple of four, the padding zero) from `offset` on.
#[derive(Debug, Clone)]
struct Panel {
    start: usize,
    rows: usize,
    height: usize,
    offset: usize,
}

/// The quadratic tensor Ĥ of an r-dimensional ROM, laid out for the online product: what
/// a model builds once, when it is loaded, and evaluates every right-hand side.
///
/// One state's product is bound by the rate Ĥ streams at (451 kB at r = 48, beyond L1), so
/// Ĥ is stored for that stream: in row panels of at most 48 rows, each column by column. A
/// panel's rows are then one contiguous stream, the partial sums of all its rows stay in
/// registers (no horizontal sums), and each z_j is loaded once per panel instead of once
/// per block of rows — the layout of a GEMM's packed panels (Goto & van de Geijn 2008).
///
/// The rounding is fixed by r alone, so a term rounds the same on every call and every
/// thread of one machine; the AVX2 + FMA kernel and the portable one round differently.
#[derive(Debug, Clone)]
pub struct QuadraticTerm {
    r: usize,
    pairs: usize,
    panels: Vec<Panel>,
    data: Vec<f64>,
}

impl QuadraticTerm {
    /// The term of the row-major r × r(r+1)/2 tensor `h`, in ⌈r / 48⌉ panels of equal
    /// height (to within four rows).
    ///
    /// # Panics
    /// If `h.len() != r · pair_count(r)` (a caller's shape bug: models check their files).
    pub fn from_rows(h: &[f64], r: usize) -> Self {
        let pairs = pair_count(r);
        assert_eq!(h.len(), r * pairs, "QuadraticTerm: Ĥ shape");
        let count = r.div_ceil(PANEL_ROWS).max(1);
        let per_panel = r.div_ceil(count).next_multiple_of(4);
        let mut panels = Vec::with_capacity(count);
        let mut start = 0;
        let mut offset = 0;
        while start < r {
            let rows = per_panel.min(r - start);
            let height = rows.next_multiple_of(4);
            panels.push(Panel {
                start,
                rows,
                height,
                offset,
            });
            start += rows;
            offset += height * pairs;
        }
        let mut data = vec![0.0; offset];
        for panel in &panels {
            let block = &mut data[panel.offset..panel.offset + panel.height * pairs];
            for (i, row) in h[panel.start * pairs..]
                .chunks_exact(pairs)
                .take(panel.rows)
                .enumerate()
            {
                for (j, &v) in row.iter().enumerate() {
                    block[j * panel.height + i] = v;
                }
            }
        }
        QuadraticTerm {
            r,
            pairs,
            panels,
            data,
        }
    }

    /// The reduced dimension r.
    pub fn dim(&self) -> usize {
        self.r
    }

    /// out += Ĥ z(x), with the pair products formed in `z` (scratch of r(r+1)/2 values).
    ///
    /// # Panics
    /// If `x` or `out` is not of length r, or `z` not of length r(r+1)/2.
    pub fn add(&self, x: &[f64], z: &mut [f64], out: &mut [f64]) {
        self.add_with(Kernel::detect(), x, z, out);
    }

    /// [`QuadraticTerm::add`] by the given kernel (the portable one runs anywhere).
    fn add_with(&self, kernel: Kernel, x: &[f64], z: &mut [f64], out: &mut [f64]) {
        assert_eq!(x.len(), self.r, "QuadraticTerm::add: state length");
        assert_eq!(out.len(), self.r, "QuadraticTerm::add: output length");
        pair_products(x, z);
        for panel in &self.panels {
            let block = &self.data[panel.offset..panel.offset + panel.height * self.pairs];
            let out = &mut out[panel.start..panel.start + panel.rows];
            match kernel {
                #[cfg(target_arch = "x86_64")]
                // SAFETY: `Avx2Fma` is only detected on processors with AVX2 and FMA; the
                // block holds `height` values per pair, `height` is a multiple of four
                // ≤ 48 and at most three more than `out.len()`.
                Kernel::Avx2Fma => unsafe { avx2::panel_product(block, panel.height, z, out) },
                _ => panel_product_portable(block, panel.height, z, out),
            }
        }
    }

    /// The batched [`QuadraticTerm::add`]: `x` and `out` hold B states back to back
    /// (column-major r × B) and `z` is scratch of B·r(r+1)/2 values; every state gets
    /// out_b += Ĥ z(x_b), one matrix–matrix product per panel (faer's, sequential) that
    /// reads Ĥ once for the whole batch. One state runs [`QuadraticTerm::add`] itself.
    ///
    /// # Panics
    /// If `x`, `z` or `out` do not hold the same number of states of dimension r.
    pub fn add_batch(&self, x: &[f64], z: &mut [f64], out: &mut [f64]) {
        let r = self.r;
        assert!(
            r > 0 && x.len() % r == 0,
            "QuadraticTerm::add_batch: states"
        );
        let batch = x.len() / r;
        assert_eq!(
            z.len(),
            self.pairs * batch,
            "QuadraticTerm::add_batch: scratch"
        );
        assert_eq!(out.len(), x.len(), "QuadraticTerm::add_batch: outputs");
        if batch == 1 {
            return self.add(x, z, out);
        }
        for (xb, zb) in x.chunks_exact(r).zip(z.chunks_exact_mut(self.pairs)) {
            pair_products(xb, zb);
        }
        let z = faer::MatRef::from_column_major_slice(z, self.pairs, batch);
        let mut out = faer::MatMut::from_column_major_slice_mut(out, r, batch);
        for panel in &self.panels {
            faer::linalg::matmul::matmul(
                out.as_mut().subrows_mut(panel.start, panel.rows),
                faer::Accum::Add,
                faer::MatRef::from_column_major_slice_with_stride(
                    &self.data[panel.offset..],
                    panel.rows,
                    self.pairs,
                    panel.height,
                ),
                z,
                1.0,
                faer::Par::Seq,
            );
        }
    }
}

/// out += Σ_j block[:, j] z_j for a panel stored column by column (`height` values per
/// column, the first `out.len()` of them rows of Ĥ), added onto `out` in column order.
fn panel_product_portable(block: &[f64], height: usize, z: &[f64], out: &mut [f64]) {
    for (column, &zj) in block.chunks_exact(height).zip(z) {
        for (o, &h) in out.iter_mut().zip(column) {
            *o += h * zj;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// The AVX2 + FMA panel product: out += Σ_j block[:, j] z_j (the first `out.len()`
    /// rows of a panel of height 4N, N ∈ 1..=12), dispatched to [`columns`] monomorphized for N and for S sets of
    /// accumulators: S = 4 for N ≤ 3, then 3, 2 and 1 as N grows, so at least eight
    /// independent chains (twelve from N = 3 on) hide the FMA latency within the 16
    /// registers.
    ///
    /// # Safety
    /// The processor must have AVX2 and FMA; `height` is a multiple of four ≤ 48,
    /// `out.len()` ≤ `height` and `block.len() == height * z.len()`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn panel_product(block: &[f64], height: usize, z: &[f64], out: &mut [f64]) {
        debug_assert_eq!(block.len(), height * z.len());
        debug_assert!(out.len() <= height);
        macro_rules! by_height {
            ($($n:literal $s:literal),*) => {
                match height / 4 {
                    $($n => columns::<$n, $s>(block, z, out),)*
                    _ => unreachable!("panel height {height} is not 4..=48 in fours"),
                }
            };
        }
        by_height!(1 4, 2 4, 3 4, 4 3, 5 2, 6 2, 7 1, 8 1, 9 1, 10 1, 11 1, 12 1)
    }

    /// One panel of height 4N: S sets of N four-wide accumulators held in registers across
    /// all columns, set s taking the columns j ≡ s (mod S), the sets summed in order at
    /// the end and the sums of the panel's `out.len()` real rows added onto `out`. Each
    /// column is one broadcast of z_j and N loads of consecutive values.
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn columns<const N: usize, const S: usize>(block: &[f64], z: &[f64], out: &mut [f64]) {
        let height = 4 * N;
        let mut acc = [[_mm256_setzero_pd(); N]; S];
        let h = block.as_ptr();
        let cols = z.len();
        let mut j = 0;
        while j + S <= cols {
            for (s, set) in acc.iter_mut().enumerate() {
                let zj = _mm256_set1_pd(*z.get_unchecked(j + s));
                let c = h.add((j + s) * height);
                for (i, a) in set.iter_mut().enumerate() {
                    *a = _mm256_fmadd_pd(_mm256_loadu_pd(c.add(4 * i)), zj, *a);
                }
            }
            j += S;
        }
        for (s, jj) in (j..cols).enumerate() {
            let zj = _mm256_set1_pd(*z.get_unchecked(jj));
            let c = h.add(jj * height);
            for (i, a) in acc[s].iter_mut().enumerate() {
                *a = _mm256_fmadd_pd(_mm256_loadu_pd(c.add(4 * i)), zj, *a);
            }
        }
        let mut lanes = [0.0; 4];
        for (i, rows) in out.chunks_mut(4).enumerate() {
            let mut total = acc[0][i];
            for set in &acc[1..] {
                total = _mm256_add_pd(total, set[i]);
            }
            _mm256_storeu_pd(lanes.as_mut_ptr(), total);
            for (o, lane) in rows.iter_mut().zip(lanes) {
                *o += lane;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Row k's naive sum Σ_p Ĥ_kp z_p and Σ_p |Ĥ_kp z_p| (for the rounding bound).
    fn reference(h: &[f64], x: &[f64], k: usize) -> (f64, f64) {
        let mut z = vec![0.0; pair_count(x.len())];
        pair_products(x, &mut z);
        let row = &h[k * z.len()..(k + 1) * z.len()];
        let s = row.iter().zip(&z).map(|(a, b)| a * b).sum();
        let abs = row.iter().zip(&z).map(|(a, b)| (a * b).abs()).sum();
        (s, abs)
    }

    fn uniform(seed: u64, n: usize) -> Vec<f64> {
        let mut state = seed;
        (0..n)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        // Every panel shape (one panel and several, heights padded from r mod 4 = 1, 2, 3)
        // by both kernels against the naive row-major sum, within the dot-product rounding
        // bound 2·(P + 1)·ε·Σ|Ĥ_kp z_p| (P = r(r+1)/2 terms).
        #[test]
        fn panels_match_the_row_major_sum(r in 1usize..=100, seed in any::<u64>()) {
            let pairs = pair_count(r);
            let h = uniform(seed, r * pairs);
            let x = uniform(seed ^ 0x9e37, r);
            let start = uniform(seed ^ 0x51, r);
            let term = QuadraticTerm::from_rows(&h, r);
            prop_assert_eq!(term.dim(), r);
            let mut z = vec![0.0; pairs];
            for kernel in [Kernel::detect(), Kernel::Portable] {
                let mut out = start.clone();
                term.add_with(kernel, &x, &mut z, &mut out);
                for k in 0..r {
                    let (s, abs) = reference(&h, &x, k);
                    let bound = 2.0 * (pairs as f64 + 1.0) * f64::EPSILON * (abs + start[k].abs());
                    prop_assert!((out[k] - (start[k] + s)).abs() <= bound,
                        "{:?}, r = {}, row {}: {} vs {}", kernel, r, k, out[k], start[k] + s);
                }
            }
        }
    }

    #[test]
    fn a_batch_is_each_state_within_rounding_and_one_state_is_add() {
        // r = 53: two panels (28 + 25 rows, the second padded to 28).
        let r = 53;
        let pairs = pair_count(r);
        let h = uniform(7, r * pairs);
        let term = QuadraticTerm::from_rows(&h, r);
        for batch in [1, 3, 17] {
            let x = uniform(11 + batch as u64, r * batch);
            let start = uniform(13, r * batch);
            let mut out = start.clone();
            let mut z = vec![0.0; pairs * batch];
            term.add_batch(&x, &mut z, &mut out);
            for b in 0..batch {
                let mut alone = start[b * r..(b + 1) * r].to_vec();
                term.add(&x[b * r..(b + 1) * r], &mut z[..pairs], &mut alone);
                if batch == 1 {
                    assert_eq!(out, alone, "one state runs add itself");
                }
                for k in 0..r {
                    let (_, abs) = reference(&h, &x[b * r..(b + 1) * r], k);
                    // Two orders of the same sum: each within (P + 1)·ε·Σ|Ĥ z| of the exact one.
                    let bound = 4.0 * (pairs as f64 + 1.0) * f64::EPSILON * (abs + 1.0);
                    let got = out[b * r + k];
                    assert!(
                        (got - alone[k]).abs() <= bound,
                        "batch {batch}, state {b}, row {k}: {got} vs {}",
                        alone[k]
                    );
                }
            }
        }
    }

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
        QuadraticTerm::from_rows(&h, r).add(&x, &mut z, &mut out);
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
