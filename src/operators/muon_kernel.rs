//! Muon's Newton–Schulz orthogonalization (K. Jordan et al., "Muon: an optimizer for hidden
//! layers in neural networks", 2024) for a whole batch of matrices at once, in f32: every
//! Fourier mode of every spectral layer of an FNO (complex C × C weights) in one call, and
//! the 1×1 skip matrices (real) in another.
//!
//! The iteration is the basis core's quintic ([`crate::basis::newton_schulz`] with
//! [`crate::basis::MUON_QUINTIC`]): X₀ = Z / (‖Z‖ + 10⁻⁷), then
//! X ← aX + (bG + cG²)X with G = XXᴴ, formed on the short side of X. It runs directly on
//! complex matrices, which is exactly the real iteration on the embedding
//! [[A, −B], [B, A]] (an algebra homomorphism taking ᴴ to ᵀ, so the real iteration returns the
//! embedding of the complex result), at half its cost: a complex product is four real
//! products of half the size, against one real product of twice the size (8 × the work).
//! Hermitian symmetry trims it further: G = XXᴴ has Re G = XᵣXᵣᵀ + XᵢXᵢᵀ and
//! Im G = T − Tᵀ with T = XᵢXᵣᵀ (three real products instead of four), and G² likewise has
//! Im G² = S − Sᵀ with S = Re G · Im G; and the update Y = PX (P = aI + bG + cG²) takes
//! three real products instead of four (Gauss's trick: Re Y = PᵣXᵣ − PᵢXᵢ,
//! Im Y = (Pᵣ + Pᵢ)(Xᵣ + Xᵢ) − PᵣXᵣ − PᵢXᵢ). One quintic step on a complex m × n matrix
//! (m ≤ n) is then 6 real m × m × m products and 3 real m × m × n products.
//!
//! Muon uses Newton–Schulz because it needs only matrix products, which run well in
//! low precision: Muon's reference implementation runs it in bf16. f32 keeps every singular
//! value within 10⁻⁴ of the f64 iteration's (tested), far below the quintic's own spread
//! ([`crate::basis::MUON_QUINTIC_BAND`]: it maps singular values into [0.68, 1.14] rather than
//! to 1).
//!
//! The matrices are independent, so the batch runs in parallel over matrices, each one's
//! products sequential (faer, AVX-512/AVX2 kernels) and its elementwise passes compiled for
//! the CPU's widest SIMD (`simd::dispatch`): the result does not depend on the
//! thread count, and the workspace is allocated once per worker, not per iteration.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::simd::dispatch;
use crate::basis::MUON_QUINTIC;

/// Orthogonalizes every matrix of a batch in place with `steps` quintic Newton–Schulz steps:
/// `re` (and `im`, for complex matrices) hold `count` row-major `rows × cols` matrices one
/// after the other (`count = re.len() / (rows · cols)`). A matrix with a non-finite entry is
/// left unchanged (as [`crate::basis::newton_schulz`] refuses it).
///
/// # Panics
/// If `re` (or `im`) is not a whole number of `rows × cols` matrices, or `im` has another
/// length than `re` (programming errors: the callers size them from the FNO's shapes).
pub fn orthogonalize_batch(
    re: &mut [f32],
    im: Option<&mut [f32]>,
    rows: usize,
    cols: usize,
    steps: usize,
) {
    let size = rows * cols;
    if size == 0 {
        return;
    }
    assert_eq!(re.len() % size, 0, "orthogonalize_batch: partial matrix");
    let init = || Workspace::new(rows.min(cols), rows.max(cols));
    match im {
        Some(im) => {
            assert_eq!(im.len(), re.len(), "orthogonalize_batch: Re and Im lengths");
            re.par_chunks_mut(size)
                .zip(im.par_chunks_mut(size))
                .for_each_init(init, |ws, (re, im)| {
                    dispatch(
                        #[inline(always)]
                        || ws.orthogonalize(re, Some(im), rows, cols, steps),
                    )
                });
        }
        None => re.par_chunks_mut(size).for_each_init(init, |ws, re| {
            dispatch(
                #[inline(always)]
                || ws.orthogonalize(re, None, rows, cols, steps),
            )
        }),
    }
}

/// The buffers of one matrix's iteration: X and the next X (m × n, wide), and G, G², T
/// (m × m), each as real and imaginary parts, and a real m × n scratch for the update.
struct Workspace {
    m: usize,
    n: usize,
    x: [Vec<f32>; 2],
    y: [Vec<f32>; 2],
    s: Vec<f32>,
    g: [Vec<f32>; 2],
    h: [Vec<f32>; 2],
    t: Vec<f32>,
}

fn view(data: &[f32], rows: usize, cols: usize) -> MatRef<'_, f32> {
    MatRef::from_row_major_slice(data, rows, cols)
}

fn view_mut(data: &mut [f32], rows: usize, cols: usize) -> MatMut<'_, f32> {
    MatMut::from_row_major_slice_mut(data, rows, cols)
}

/// dst ← dst + α·lhs·rhs (or dst ← α·lhs·rhs with `Accum::Replace`), sequential.
fn product(
    dst: MatMut<'_, f32>,
    accum: Accum,
    lhs: MatRef<'_, f32>,
    rhs: MatRef<'_, f32>,
    alpha: f32,
) {
    matmul(dst, accum, lhs, rhs, alpha, Par::Seq);
}

/// dst = γ·(T − Tᵀ) + β·B with `plus` = (β, B) when given (m × m): the imaginary part of a
/// Hermitian product XYᴴ from T, one of its two real cross products. Row by row, with Tᵀ's
/// row read as T's column (strided, no bounds checks); inlined, so that it is compiled for
/// the dispatched SIMD width.
#[inline(always)]
fn antisymmetric_part(
    dst: &mut [f32],
    gamma: f32,
    t: &[f32],
    plus: Option<(f32, &[f32])>,
    m: usize,
) {
    for (i, (row, t_row)) in dst.chunks_exact_mut(m).zip(t.chunks_exact(m)).enumerate() {
        let t_column = t[i..].iter().step_by(m);
        let parts = row.iter_mut().zip(t_row).zip(t_column);
        match plus {
            Some((beta, base)) => {
                let base = &base[i * m..(i + 1) * m];
                for (((d, &u), &v), &b) in parts.zip(base) {
                    *d = gamma * (u - v) + beta * b;
                }
            }
            None => parts.for_each(|((d, &u), &v)| *d = gamma * (u - v)),
        }
    }
}

/// Σ v² in f64, in eight partial sums (so that the loop vectorizes), then added in order.
/// Non-finite exactly when some entry is.
#[inline(always)]
fn sum_of_squares(values: &[f32]) -> f64 {
    let square = |v: f32| f64::from(v) * f64::from(v);
    let mut lanes = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let tail: f64 = chunks.remainder().iter().map(|&v| square(v)).sum();
    for chunk in chunks {
        lanes
            .iter_mut()
            .zip(chunk)
            .for_each(|(l, &v)| *l += square(v));
    }
    lanes.iter().sum::<f64>() + tail
}

/// h ← h + b·g + a·I (m × m): the quintic's polynomial P = aI + bG + cG² once h holds cG².
#[inline(always)]
fn add_scaled_and_identity(h: &mut [f32], b: f32, g: &[f32], a: f32, m: usize) {
    h.iter_mut().zip(g).for_each(|(h, &g)| *h += b * g);
    (0..m).for_each(|i| h[i * m + i] += a);
}

impl Workspace {
    fn new(m: usize, n: usize) -> Self {
        let wide = || [vec![0.0; m * n], vec![0.0; m * n]];
        let square = || [vec![0.0; m * m], vec![0.0; m * m]];
        Self {
            m,
            n,
            x: wide(),
            y: wide(),
            s: vec![0.0; m * n],
            g: square(),
            h: square(),
            t: vec![0.0; m * m],
        }
    }

    /// One matrix: copy in (transposed when tall, since polar(Zᵀ) = polar(Z)ᵀ), normalize,
    /// iterate, copy out.
    #[inline(always)]
    fn orthogonalize(
        &mut self,
        re: &mut [f32],
        mut im: Option<&mut [f32]>,
        rows: usize,
        cols: usize,
        steps: usize,
    ) {
        let (m, n) = (self.m, self.n);
        let tall = rows > cols;
        let complex = im.is_some();
        // The Frobenius norm of the real embedding (√2 × the complex one), as the real
        // iteration on the embedding would normalize; accumulated in f64. A non-finite
        // entry makes it non-finite: such a matrix is left as it is.
        let mut sum = sum_of_squares(re);
        if let Some(im) = im.as_deref() {
            sum = 2.0 * (sum + sum_of_squares(im));
        }
        if !sum.is_finite() {
            return;
        }
        let scale = (1.0 / (sum.sqrt() + 1e-7)) as f32;
        let parts: [Option<&[f32]>; 2] = [Some(re), im.as_deref()];
        for (dst, src) in self.x.iter_mut().zip(parts) {
            let Some(src) = src else { continue };
            if tall {
                for i in 0..m {
                    for j in 0..n {
                        dst[i * n + j] = src[j * cols + i] * scale;
                    }
                }
            } else {
                dst.iter_mut().zip(src).for_each(|(d, &v)| *d = v * scale);
            }
        }
        let (a, b, c) = (
            MUON_QUINTIC.0 as f32,
            MUON_QUINTIC.1 as f32,
            MUON_QUINTIC.2 as f32,
        );
        for _ in 0..steps {
            if complex {
                self.complex_step(a, b, c);
            } else {
                self.real_step(a, b, c);
            }
            std::mem::swap(&mut self.x, &mut self.y);
        }
        for (k, x) in self.x.iter().enumerate() {
            let dst: &mut [f32] = match k {
                0 => &mut *re,
                _ => match im.as_deref_mut() {
                    Some(im) => im,
                    None => continue,
                },
            };
            if tall {
                for i in 0..m {
                    for j in 0..n {
                        dst[j * cols + i] = x[i * n + j];
                    }
                }
            } else {
                dst.copy_from_slice(x);
            }
        }
    }

    /// y = PX with P = aI + bG + cG² for real X: 3 products.
    #[inline(always)]
    fn real_step(&mut self, a: f32, b: f32, c: f32) {
        let (m, n) = (self.m, self.n);
        let x = view(&self.x[0], m, n);
        let [g, _] = &mut self.g;
        let [h, _] = &mut self.h;
        product(view_mut(g, m, m), Accum::Replace, x, x.transpose(), 1.0);
        let gv = view(g, m, m);
        product(view_mut(h, m, m), Accum::Replace, gv, gv, c);
        add_scaled_and_identity(h, b, g, a, m);
        let y = &mut self.y[0];
        product(view_mut(y, m, n), Accum::Replace, view(h, m, m), x, 1.0);
    }

    /// y = PX with P = aI + bG + cG² for complex X = Xᵣ + iXᵢ: 6 square and 3 m × m × n
    /// products.
    #[inline(always)]
    fn complex_step(&mut self, a: f32, b: f32, c: f32) {
        let (m, n) = (self.m, self.n);
        let (xr, xi) = (view(&self.x[0], m, n), view(&self.x[1], m, n));
        let [gr, gi] = &mut self.g;
        let [hr, hi] = &mut self.h;
        let t = &mut self.t;
        // G = XXᴴ: Re G = XᵣXᵣᵀ + XᵢXᵢᵀ, Im G = XᵢXᵣᵀ − XᵣXᵢᵀ = T − Tᵀ, T = XᵢXᵣᵀ.
        product(view_mut(gr, m, m), Accum::Replace, xr, xr.transpose(), 1.0);
        product(view_mut(gr, m, m), Accum::Add, xi, xi.transpose(), 1.0);
        product(view_mut(t, m, m), Accum::Replace, xi, xr.transpose(), 1.0);
        antisymmetric_part(gi, 1.0, t, None, m);
        // cG² (Hermitian): Re = c(GᵣGᵣ − GᵢGᵢ), Im = c(GᵣGᵢ + GᵢGᵣ) = c(S − Sᵀ), S = GᵣGᵢ
        // (Gᵢᵀ = −Gᵢ); then P = aI + bG + cG².
        let (grv, giv) = (view(gr, m, m), view(gi, m, m));
        product(view_mut(hr, m, m), Accum::Replace, grv, grv, c);
        product(view_mut(hr, m, m), Accum::Add, giv, giv, -c);
        product(view_mut(t, m, m), Accum::Replace, grv, giv, 1.0);
        add_scaled_and_identity(hr, b, gr, a, m);
        antisymmetric_part(hi, c, t, Some((b, gi)), m);
        // Y = PX by Gauss's trick: Re = PᵣXᵣ − PᵢXᵢ, Im = (Pᵣ + Pᵢ)(Xᵣ + Xᵢ) − PᵣXᵣ − PᵢXᵢ,
        // with Pᵣ + Pᵢ in G's real part and Xᵣ + Xᵢ, then PᵢXᵢ, in the scratch.
        let [yr, yi] = &mut self.y;
        let s = &mut self.s;
        sum_into(gr, hr, hi);
        sum_into(s, &self.x[0], &self.x[1]);
        product(
            view_mut(yi, m, n),
            Accum::Replace,
            view(gr, m, m),
            view(s, m, n),
            1.0,
        );
        product(view_mut(yr, m, n), Accum::Replace, view(hr, m, m), xr, 1.0);
        product(view_mut(s, m, n), Accum::Replace, view(hi, m, m), xi, 1.0);
        for ((yr, yi), &s) in yr.iter_mut().zip(yi.iter_mut()).zip(s.iter()) {
            *yi -= *yr + s;
            *yr -= s;
        }
    }
}

/// dst = a + b entrywise.
#[inline(always)]
fn sum_into(dst: &mut [f32], a: &[f32], b: &[f32]) {
    for ((d, &a), &b) in dst.iter_mut().zip(a).zip(b) {
        *d = a + b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::basis::{newton_schulz, NewtonSchulzKind};
    use faer::Mat;
    use rand::{Rng, SeedableRng};

    fn random(len: usize, seed: u64) -> Vec<f32> {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        (0..len).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    /// The f64 reference on the real embedding [[A, −B], [B, A]] of A + iB (rows × cols),
    /// returning (Re, Im) of the result from its first block column.
    fn reference(re: &[f32], im: &[f32], rows: usize, cols: usize) -> (Vec<f64>, Vec<f64>) {
        let at = |v: &[f32], r: usize, s: usize| f64::from(v[r * cols + s]);
        let e = Mat::from_fn(2 * rows, 2 * cols, |r, s| match (r < rows, s < cols) {
            (true, true) => at(re, r, s),
            (false, false) => at(re, r - rows, s - cols),
            (true, false) => -at(im, r, s - cols),
            (false, true) => at(im, r - rows, s),
        });
        let o = newton_schulz(e.as_ref(), NewtonSchulzKind::MuonQuintic, 5).unwrap();
        let re = (0..rows * cols).map(|p| o[(p / cols, p % cols)]).collect();
        let im = (0..rows * cols)
            .map(|p| o[(rows + p / cols, p % cols)])
            .collect();
        (re, im)
    }

    /// The batched f32 complex iteration matches the f64 real-embedding reference of the
    /// basis core, for wide, square and tall matrices. Tolerance 2·10⁻⁴ absolute on entries
    /// of size ~1/√n: f32 round-off (6·10⁻⁸) grows through 5 steps of products of length
    /// ≤ 2n = 96 and the quintic's slope (≤ 3.4 per step near 0), ~10⁻⁵ typical; 2·10⁻⁴
    /// leaves margin while any wrong sign or transpose gives errors of order 10⁻¹.
    #[test]
    fn complex_batch_matches_the_f64_embedding_reference() {
        for (rows, cols) in [(6, 10), (48, 48), (12, 5)] {
            let count = 3;
            let mut re = random(count * rows * cols, 1);
            let mut im = random(count * rows * cols, 2);
            let expected: Vec<_> = (0..count)
                .map(|k| {
                    let s = k * rows * cols..(k + 1) * rows * cols;
                    reference(&re[s.clone()], &im[s], rows, cols)
                })
                .collect();
            orthogonalize_batch(&mut re, Some(&mut im), rows, cols, 5);
            for (k, (er, ei)) in expected.iter().enumerate() {
                let s = k * rows * cols..(k + 1) * rows * cols;
                for (got, want) in re[s.clone()].iter().zip(er).chain(im[s].iter().zip(ei)) {
                    assert!(
                        (f64::from(*got) - want).abs() < 2e-4,
                        "{rows}×{cols}, matrix {k}: {got} vs {want}"
                    );
                }
            }
        }
    }

    /// The real case matches [`newton_schulz`] in f64 (same tolerance and reason).
    #[test]
    fn real_batch_matches_the_f64_reference() {
        for (rows, cols) in [(64, 64), (7, 3)] {
            let mut x = random(2 * rows * cols, 3);
            let expected: Vec<f64> = x
                .chunks(rows * cols)
                .flat_map(|m| {
                    let g = Mat::from_fn(rows, cols, |r, s| f64::from(m[r * cols + s]));
                    let o = newton_schulz(g.as_ref(), NewtonSchulzKind::MuonQuintic, 5).unwrap();
                    (0..rows * cols)
                        .map(|p| o[(p / cols, p % cols)])
                        .collect::<Vec<_>>()
                })
                .collect();
            orthogonalize_batch(&mut x, None, rows, cols, 5);
            for (got, want) in x.iter().zip(&expected) {
                assert!((f64::from(*got) - want).abs() < 2e-4, "{got} vs {want}");
            }
        }
    }

    /// The same bits with one thread as with the default pool (matrices are independent and
    /// each one's products sequential).
    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let (rows, cols) = (16, 16);
        let re = random(8 * rows * cols, 4);
        let im = random(8 * rows * cols, 5);
        let run = |threads: usize| {
            let (mut re, mut im) = (re.clone(), im.clone());
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| orthogonalize_batch(&mut re, Some(&mut im), rows, cols, 5));
            (re, im)
        };
        assert_eq!(run(1), run(3));
    }

    /// A matrix with a NaN is left as it was; the others are still orthogonalized.
    #[test]
    fn non_finite_matrices_are_left_unchanged() {
        let mut x = random(2 * 9, 6);
        x[0] = f32::NAN;
        let before = x.clone();
        orthogonalize_batch(&mut x, None, 3, 3, 5);
        assert!(x[0].is_nan() && x[1..9] == before[1..9]);
        assert!(x[9..] != before[9..]);
    }
}
