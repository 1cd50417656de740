//! The per-mode complex channel mix of the spectral convolution (Li et al., ICLR 2021,
//! eq. (4): (R · F v)_k = R_k (F v)_k) as one fused operation on the stacked layout the
//! truncated transforms produce: z [B, 2P, C_in], whose rows 0…P−1 are the real and rows
//! P…2P−1 the imaginary parts of P complex modes, and R_k = A_k + iB_k [C_in, C_out]:
//!
//!   Re z′_k = X_k A_k − Y_k B_k,   Im z′_k = X_k B_k + Y_k A_k   (X_k = Re z_k, Y_k = Im z_k).
//!
//! On the CPU `flex` backend in f32/f64 each mode is four faer products on strided views of
//! z (no permute, no stacked weight matrix), the modes in parallel. With autodiff the
//! operation has its own backward, with G, H the gradients of Re z′, Im z′:
//! ∂X_k = G Aᵀ + H Bᵀ, ∂Y_k = −G Bᵀ + H Aᵀ, ∂A_k = Xᵀ G + Yᵀ H, ∂B_k = −Yᵀ G + Xᵀ H.
//! Every entry is computed by one task in a fixed order: the same bits on any thread count.
//! On any other backend or float type [`mix_modes`] is burn's batched matmul with the real
//! block matrix [[A, B], [−B, A]].
//!
//! Composed from burn's operations (permute to modes-first, concatenate the block weight,
//! batched matmul, permute back, and the backward of each) the mix took about 0.5 of the
//! 1.3 ms of a spectral convolution's forward pass at the FNO-1D benchmark's size (two
//! threads), for 6 % of its FLOPs; fused it is its products.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, Flex};
use burn::tensor::{DType, Tensor};
use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::flex::{fused_dtype, tensor, tracked, values, view, view_mut, Real};

/// z [B, 2P, C_in] ↦ z′ [B, 2P, C_out], per mode z′_k = z_k (A_k + iB_k), for the real
/// parts `real` = A and imaginary parts `imag` = B, each [P, C_in, C_out].
///
/// # Panics
/// If the shapes disagree (a programming error, as for burn's own `matmul`).
pub fn mix_modes(z: Tensor<3>, real: Tensor<3>, imag: Tensor<3>) -> Tensor<3> {
    let ([batch, rows, c_in], [modes, w_in, c_out]) = (z.dims(), real.dims());
    assert!(
        rows == 2 * modes && w_in == c_in && imag.dims() == real.dims(),
        "mix_modes: z [{batch}, {rows}, {c_in}] against A, B [{modes}, {w_in}, {c_out}]"
    );
    if let (Some(z), Some(a), Some(b)) = (tracked(&z), tracked(&real), tracked(&imag)) {
        if fused_dtype(z.1.dtype()) {
            let nodes = [z.0, a.0, b.0];
            let state = MixState {
                z: z.1,
                a: a.1,
                b: b.1,
            };
            let output = match FusedMix
                .prepare::<NoCheckpointing>(nodes)
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let y = forward(&state);
                    prep.finish(state, y)
                }
                OpsKind::UnTracked(prep) => prep.finish(forward(&state)),
            };
            return Tensor::from_primitive::<Autodiff<Flex>>(output);
        }
    }
    let plain = |t: &Tensor<3>| t.clone().try_into_primitive::<Flex>().ok();
    if let (Some(z), Some(a), Some(b)) = (plain(&z), plain(&real), plain(&imag)) {
        if fused_dtype(z.dtype()) {
            return Tensor::from_primitive::<Flex>(forward(&MixState { z, a, b }));
        }
    }
    composed(z, real, imag)
}

/// [`mix_modes`] from burn's operations: [B, 2, P, C] → [P, B, 2C], times the real block
/// matrix [[A, B], [−B, A]] per mode, and back.
fn composed(z: Tensor<3>, a: Tensor<3>, b: Tensor<3>) -> Tensor<3> {
    let ([batch, rows, c_in], c_out) = (z.dims(), a.dims()[2]);
    let modes = rows / 2;
    let stacked = z
        .reshape([batch, 2, modes, c_in])
        .permute([2, 0, 1, 3])
        .reshape([modes, batch, 2 * c_in]);
    let top = Tensor::cat(vec![a.clone(), b.clone()], 2);
    let bottom = Tensor::cat(vec![b.neg(), a], 2);
    stacked
        .matmul(Tensor::cat(vec![top, bottom], 1))
        .reshape([modes, batch, 2, c_out])
        .permute([1, 2, 0, 3])
        .reshape([batch, rows, c_out])
}

/// The inputs of the fused mix, kept as the autodiff node's state.
#[derive(Debug, Clone)]
struct MixState {
    z: FlexTensor,
    a: FlexTensor,
    b: FlexTensor,
}

/// The autodiff node of [`mix_modes`]; its parents are z, A and B.
#[derive(Debug)]
struct FusedMix;

impl Backward<Flex, 3> for FusedMix {
    type State = MixState;

    fn backward(self, ops: Ops<MixState, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let g = grads.consume::<Flex>(&ops.node);
        let [want_z, want_a, want_b] = ops.parents.each_ref().map(Option::is_some);
        let computed = if g.dtype() == DType::F64 {
            gradients::<f64>(&ops.state, &g, want_z, want_a || want_b)
        } else {
            gradients::<f32>(&ops.state, &g, want_z, want_a || want_b)
        };
        let [gz, ga, gb] = computed;
        for (parent, grad) in ops.parents.into_iter().zip([gz, ga, gb]) {
            if let (Some(node), Some(grad)) = (parent, grad) {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

/// Sizes of one mix: batch B, modes P, channels in and out.
#[derive(Debug, Clone, Copy)]
struct Sizes {
    batch: usize,
    modes: usize,
    c_in: usize,
    c_out: usize,
}

impl Sizes {
    fn of(state: &MixState) -> Self {
        let (z, a) = (state.z.layout().shape(), state.a.layout().shape());
        Self {
            batch: z[0],
            modes: a[0],
            c_in: a[1],
            c_out: a[2],
        }
    }
}

/// The real and imaginary parts of mode `k` of a stacked [B, 2P, C] array viewed as the
/// row-major [B, 2P·C] matrix `m`: two [B, C] column blocks.
fn parts<T: Real>(m: MatRef<'_, T>, k: usize, modes: usize, c: usize) -> [MatRef<'_, T>; 2] {
    let rows = m.nrows();
    [
        m.submatrix(0, k * c, rows, c),
        m.submatrix(0, (modes + k) * c, rows, c),
    ]
}

/// The real and imaginary output blocks of every mode of a stacked [B, 2P, C] array (the
/// row-major [B, 2P·C] matrix over `data`), in parallel, paired with the mode index.
fn par_mode_outputs<T: Real>(
    data: &mut [T],
    s: Sizes,
    c: usize,
) -> impl IndexedParallelIterator<Item = (usize, (MatMut<'_, T>, MatMut<'_, T>))> {
    let (re, im) = view_mut(data, s.batch, 2 * s.modes * c).split_at_col_mut(s.modes * c);
    re.par_col_chunks_mut(c)
        .zip(im.par_col_chunks_mut(c))
        .enumerate()
}

/// Weight block k (the [C_in, C_out] matrix of mode k) of a [P, C_in, C_out] array.
fn weight<T: Real>(w: &[T], k: usize, s: Sizes) -> MatRef<'_, T> {
    let len = s.c_in * s.c_out;
    view(&w[k * len..(k + 1) * len], s.c_in, s.c_out)
}

fn forward(state: &MixState) -> FlexTensor {
    if state.z.dtype() == DType::F64 {
        forward_typed::<f64>(state)
    } else {
        forward_typed::<f32>(state)
    }
}

fn forward_typed<T: Real>(state: &MixState) -> FlexTensor {
    let s = Sizes::of(state);
    let (z, a, b) = (
        values::<T>(&state.z),
        values::<T>(&state.a),
        values::<T>(&state.b),
    );
    let z = view(&z, s.batch, 2 * s.modes * s.c_in);
    let mut out = vec![T::default(); s.batch * 2 * s.modes * s.c_out];
    par_mode_outputs(&mut out, s, s.c_out).for_each(|(k, (mut re, mut im))| {
        let [x, y] = parts(z, k, s.modes, s.c_in);
        let (ak, bk) = (weight(&a, k, s), weight(&b, k, s));
        matmul(re.as_mut(), Accum::Replace, x, ak, T::ONE, Par::Seq);
        matmul(re, Accum::Add, y, bk, -T::ONE, Par::Seq);
        matmul(im.as_mut(), Accum::Replace, x, bk, T::ONE, Par::Seq);
        matmul(im, Accum::Add, y, ak, T::ONE, Par::Seq);
    });
    tensor(out, vec![s.batch, 2 * s.modes, s.c_out], state.z.dtype())
}

/// ∂z (if `want_z`) and ∂A, ∂B (if `want_weights`) from the output gradient `g`.
fn gradients<T: Real>(
    state: &MixState,
    g: &FlexTensor,
    want_z: bool,
    want_weights: bool,
) -> [Option<FlexTensor>; 3] {
    let (s, dtype) = (Sizes::of(state), g.dtype());
    let (z, a, b, g) = (
        values::<T>(&state.z),
        values::<T>(&state.a),
        values::<T>(&state.b),
        values::<T>(g),
    );
    let g = view(&g, s.batch, 2 * s.modes * s.c_out);
    let grad_z = want_z.then(|| {
        let mut gz = vec![T::default(); s.batch * 2 * s.modes * s.c_in];
        par_mode_outputs(&mut gz, s, s.c_in).for_each(|(k, (mut gx, mut gy))| {
            let [gr, gi] = parts(g, k, s.modes, s.c_out);
            let (ak, bk) = (weight(&a, k, s).transpose(), weight(&b, k, s).transpose());
            matmul(gx.as_mut(), Accum::Replace, gr, ak, T::ONE, Par::Seq);
            matmul(gx, Accum::Add, gi, bk, T::ONE, Par::Seq);
            matmul(gy.as_mut(), Accum::Replace, gi, ak, T::ONE, Par::Seq);
            matmul(gy, Accum::Add, gr, bk, -T::ONE, Par::Seq);
        });
        tensor(gz, vec![s.batch, 2 * s.modes, s.c_in], dtype)
    });
    let (grad_a, grad_b) = if want_weights {
        let z = view(&z, s.batch, 2 * s.modes * s.c_in);
        let len = s.c_in * s.c_out;
        let (mut ga, mut gb) = (
            vec![T::default(); s.modes * len],
            vec![T::default(); s.modes * len],
        );
        ga.par_chunks_mut(len)
            .zip(gb.par_chunks_mut(len))
            .enumerate()
            .for_each(|(k, (ga, gb))| {
                let [x, y] = parts(z, k, s.modes, s.c_in);
                let [gr, gi] = parts(g, k, s.modes, s.c_out);
                let (mut ga, mut gb) =
                    (view_mut(ga, s.c_in, s.c_out), view_mut(gb, s.c_in, s.c_out));
                matmul(
                    ga.as_mut(),
                    Accum::Replace,
                    x.transpose(),
                    gr,
                    T::ONE,
                    Par::Seq,
                );
                matmul(ga, Accum::Add, y.transpose(), gi, T::ONE, Par::Seq);
                matmul(
                    gb.as_mut(),
                    Accum::Replace,
                    x.transpose(),
                    gi,
                    T::ONE,
                    Par::Seq,
                );
                matmul(gb, Accum::Add, y.transpose(), gr, -T::ONE, Par::Seq);
            });
        let shape = vec![s.modes, s.c_in, s.c_out];
        (
            Some(tensor(ga, shape.clone(), dtype)),
            Some(tensor(gb, shape, dtype)),
        )
    } else {
        (None, None)
    };
    [grad_z, grad_a, grad_b]
}
