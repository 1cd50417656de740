//! Dense products of the online step: dot products and row-major matrix–vector products
//! `out += M x`.
//!
//! On x86-64 processors with AVX2 and FMA (detected once at run time) the product runs a
//! register-blocked kernel: four rows at a time, two 4-wide accumulators per row, so each
//! load of `x` feeds four fused multiply–adds and eight independent chains hide the FMA
//! latency. Elsewhere it runs the portable kernel (four scalar accumulators per row,
//! which the compiler vectorizes). Each kernel's summation order is fixed by the shapes
//! alone, so a product rounds the same on every call and every thread of one machine;
//! the two kernels round differently from each other (FMA rounds once).

/// Σ a_i b_i with four accumulators (the portable kernel's order): lanes k = i mod 4 are
/// summed separately, then (l0 + l1 + l2 + l3) + the tail of `len mod 4` terms.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    acc[0] + acc[1] + acc[2] + acc[3] + tail
}

/// Which kernel [`gemv_add`] runs on this processor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kernel {
    /// AVX2 + FMA, four rows by eight columns per block.
    Avx2Fma,
    /// Four scalar accumulators per row ([`dot`]).
    Portable,
}

impl Kernel {
    /// The kernel this processor runs (detected once; the answer is cached by `std`).
    pub fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                return Kernel::Avx2Fma;
            }
        }
        Kernel::Portable
    }

    /// A short name for benchmark tables (`avx2+fma`, `portable`).
    pub fn name(self) -> &'static str {
        match self {
            Kernel::Avx2Fma => "avx2+fma",
            Kernel::Portable => "portable",
        }
    }
}

/// out\[k\] += Σ_j m\[k·cols + j\] x\[j\] for the row-major `out.len()` × `cols` matrix `m`.
///
/// # Panics
/// If `m.len() != out.len() * cols` or `x.len() != cols` (a caller's shape bug).
pub fn gemv_add(m: &[f64], cols: usize, x: &[f64], out: &mut [f64]) {
    assert_eq!(m.len(), out.len() * cols, "gemv_add: matrix shape");
    assert_eq!(x.len(), cols, "gemv_add: vector length");
    match Kernel::detect() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: the processor has AVX2 and FMA (checked by `detect`), and the shapes were
        // checked above.
        Kernel::Avx2Fma => unsafe { avx2::gemv_add(m, cols, x, out) },
        _ => gemv_add_portable(m, cols, x, out),
    }
}

/// out = M x ([`gemv_add`] onto zeros).
pub fn gemv(m: &[f64], cols: usize, x: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    gemv_add(m, cols, x, out);
}

/// The batched [`gemv_add`]: `x` and `out` hold B vectors back to back (column-major
/// `cols` × B and `out.len()/B` × B), and every column gets `out_b += M x_b`. One vector
/// runs [`gemv_add`] itself; several run as one matrix–matrix product (faer's, sequential),
/// which reads M once per block of columns instead of once per vector: the product of an
/// ensemble of reduced trajectories is compute-bound where a single one is bound by the
/// bandwidth M streams at. Columns of a batch round differently from [`gemv_add`] (the
/// order of the sums differs), but the same way on every call with the same B.
///
/// # Panics
/// If the shapes disagree (a caller's shape bug).
pub fn gemm_add(m: &[f64], cols: usize, x: &[f64], out: &mut [f64]) {
    let rows = m.len().checked_div(cols).unwrap_or(0);
    assert!(
        cols > 0 && m.len() == rows * cols && rows > 0,
        "gemm_add: matrix shape"
    );
    assert_eq!(x.len() % cols, 0, "gemm_add: batch of vectors");
    let batch = x.len() / cols;
    assert_eq!(out.len(), rows * batch, "gemm_add: batch of outputs");
    if batch == 1 {
        return gemv_add(m, cols, x, out);
    }
    faer::linalg::matmul::matmul(
        faer::MatMut::from_column_major_slice_mut(out, rows, batch),
        faer::Accum::Add,
        faer::MatRef::from_row_major_slice(m, rows, cols),
        faer::MatRef::from_column_major_slice(x, cols, batch),
        1.0,
        faer::Par::Seq,
    );
}

/// out = M X ([`gemm_add`] onto zeros).
pub fn gemm(m: &[f64], cols: usize, x: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    gemm_add(m, cols, x, out);
}

/// The portable kernel: one [`dot`] per row.
pub fn gemv_add_portable(m: &[f64], cols: usize, x: &[f64], out: &mut [f64]) {
    if cols == 0 {
        return;
    }
    for (o, row) in out.iter_mut().zip(m.chunks_exact(cols)) {
        *o += dot(row, x);
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Σ of the four lanes of `v`, as ((v0 + v2) + (v1 + v3)).
    #[inline]
    #[target_feature(enable = "avx2,fma")]
    fn hsum(v: __m256d) -> f64 {
        let pair = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
        _mm_cvtsd_f64(_mm_add_sd(pair, _mm_unpackhi_pd(pair, pair)))
    }

    /// The AVX2 + FMA kernel of [`super::gemv_add`]: blocks of four rows; per row two
    /// 4-wide accumulators over columns `8i..8i+8`, one over a last group of four, the
    /// scalar tail added last.
    ///
    /// # Safety
    /// The processor must have AVX2 and FMA; `m.len() == out.len() * cols`,
    /// `x.len() == cols`.
    #[target_feature(enable = "avx2,fma")]
    pub(super) unsafe fn gemv_add(m: &[f64], cols: usize, x: &[f64], out: &mut [f64]) {
        let rows = out.len();
        let full8 = cols / 8 * 8;
        let full4 = cols / 4 * 4;
        let xp = x.as_ptr();
        let mut k = 0;
        while k + 4 <= rows {
            let r = [0, 1, 2, 3].map(|i| m.as_ptr().add((k + i) * cols));
            let mut lo = [_mm256_setzero_pd(); 4];
            let mut hi = [_mm256_setzero_pd(); 4];
            let mut j = 0;
            while j < full8 {
                let x0 = _mm256_loadu_pd(xp.add(j));
                let x1 = _mm256_loadu_pd(xp.add(j + 4));
                for i in 0..4 {
                    lo[i] = _mm256_fmadd_pd(_mm256_loadu_pd(r[i].add(j)), x0, lo[i]);
                    hi[i] = _mm256_fmadd_pd(_mm256_loadu_pd(r[i].add(j + 4)), x1, hi[i]);
                }
                j += 8;
            }
            if j < full4 {
                let x0 = _mm256_loadu_pd(xp.add(j));
                for i in 0..4 {
                    lo[i] = _mm256_fmadd_pd(_mm256_loadu_pd(r[i].add(j)), x0, lo[i]);
                }
            }
            for i in 0..4 {
                let mut s = hsum(_mm256_add_pd(lo[i], hi[i]));
                for jj in full4..cols {
                    s = (*r[i].add(jj)).mul_add(*xp.add(jj), s);
                }
                out[k + i] += s;
            }
            k += 4;
        }
        while k < rows {
            let row = m.as_ptr().add(k * cols);
            let mut lo = _mm256_setzero_pd();
            let mut hi = _mm256_setzero_pd();
            let mut j = 0;
            while j < full8 {
                lo = _mm256_fmadd_pd(_mm256_loadu_pd(row.add(j)), _mm256_loadu_pd(xp.add(j)), lo);
                hi = _mm256_fmadd_pd(
                    _mm256_loadu_pd(row.add(j + 4)),
                    _mm256_loadu_pd(xp.add(j + 4)),
                    hi,
                );
                j += 8;
            }
            if j < full4 {
                lo = _mm256_fmadd_pd(_mm256_loadu_pd(row.add(j)), _mm256_loadu_pd(xp.add(j)), lo);
            }
            let mut s = hsum(_mm256_add_pd(lo, hi));
            for jj in full4..cols {
                s = (*row.add(jj)).mul_add(*xp.add(jj), s);
            }
            out[k] += s;
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Row k's naive sum Σ_j m_kj x_j and Σ_j |m_kj x_j|. Neither it nor a kernel is exact,
    /// so they are compared within the dot-product rounding bound, which scales with the
    /// second value.
    fn reference(m: &[f64], cols: usize, x: &[f64], k: usize) -> (f64, f64) {
        let row = &m[k * cols..(k + 1) * cols];
        let s: f64 = row.iter().zip(x).map(|(a, b)| a * b).sum();
        let abs: f64 = row.iter().zip(x).map(|(a, b)| (a * b).abs()).sum();
        (s, abs)
    }

    proptest! {
        // Every shape class (rows mod 4, cols mod 8 and mod 4, empty) against the naive
        // sum, within the dot-product rounding bound 2·cols·ε·Σ|m_kj x_j|.
        #[test]
        fn gemv_add_matches_the_naive_sum(
            rows in 0usize..11,
            cols in 0usize..37,
            seed in any::<u64>(),
        ) {
            let mut state = seed;
            let mut next = || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            };
            let m: Vec<f64> = (0..rows * cols).map(|_| next()).collect();
            let x: Vec<f64> = (0..cols).map(|_| next()).collect();
            let start: Vec<f64> = (0..rows).map(|_| next()).collect();
            for kernel in [true, false] {
                let mut out = start.clone();
                if kernel {
                    gemv_add(&m, cols, &x, &mut out);
                } else {
                    gemv_add_portable(&m, cols, &x, &mut out);
                }
                for k in 0..rows {
                    let (s, abs) = reference(&m, cols, &x, k);
                    let bound = 2.0 * (cols as f64 + 1.0) * f64::EPSILON * (abs + start[k].abs());
                    prop_assert!((out[k] - (start[k] + s)).abs() <= bound,
                        "row {k}: {} vs {}", out[k], start[k] + s);
                }
            }
        }
    }

    #[test]
    fn a_batch_is_each_column_within_rounding_and_one_column_is_gemv() {
        let (rows, cols) = (13, 41);
        let m: Vec<f64> = (0..rows * cols)
            .map(|i| ((i * 29 % 97) as f64).cos())
            .collect();
        for batch in [1, 2, 7, 33] {
            let x: Vec<f64> = (0..cols * batch).map(|i| (i as f64 * 0.17).sin()).collect();
            let mut out: Vec<f64> = (0..rows * batch).map(|i| 0.01 * i as f64).collect();
            let start = out.clone();
            gemm_add(&m, cols, &x, &mut out);
            for b in 0..batch {
                let mut alone = start[b * rows..(b + 1) * rows].to_vec();
                gemv_add(&m, cols, &x[b * cols..(b + 1) * cols], &mut alone);
                let column = &out[b * rows..(b + 1) * rows];
                if batch == 1 {
                    assert_eq!(column, &alone[..], "one column runs gemv_add itself");
                }
                for k in 0..rows {
                    let (_, abs) = reference(&m, cols, &x[b * cols..(b + 1) * cols], k);
                    // Two orders of the same sum: each within cols·ε·Σ|m x| of the exact one.
                    let bound = 4.0 * (cols as f64 + 1.0) * f64::EPSILON * (abs + 1.0);
                    assert!(
                        (column[k] - alone[k]).abs() <= bound,
                        "batch {batch}, column {b}, row {k}: {} vs {}",
                        column[k],
                        alone[k]
                    );
                }
            }
        }
    }

    #[test]
    fn gemv_overwrites_and_repeats_bit_for_bit() {
        let cols = 29;
        let m: Vec<f64> = (0..7 * cols)
            .map(|i| ((i * 37 % 101) as f64).sin())
            .collect();
        let x: Vec<f64> = (0..cols).map(|i| (i as f64 * 0.3).cos()).collect();
        let mut a = vec![5.0; 7];
        let mut b = vec![-1.0; 7];
        gemv(&m, cols, &x, &mut a);
        gemv(&m, cols, &x, &mut b);
        assert_eq!(a, b, "the same product rounds the same on every call");
    }
}
