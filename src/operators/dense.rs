//! The pointwise (1×1) layer of an FNO as one fused operation, y = σ(x·W + b + a), for
//! x \[R, C_in\] (R = batch × grid points), W \[C_in, C_out\], b \[C_out\], an optional addend
//! a [R, C_out] (the spectral convolution's output in a Fourier layer, Li et al. 2021,
//! eq. (2)) and σ the identity or GELU. Lifting, the Fourier layers' skip and the
//! projection are all this layer.
//!
//! On the CPU `flex` backend in f32/f64 one parallel pass over blocks of rows computes,
//! per block, the matmul (faer, see the `flex` module), bias, addend and GELU with its slope
//! while the block is in cache. With autodiff the operation has its own backward:
//! with gy = g·σ′ (the slope kept from the forward pass), ∂x = gy·Wᵀ, ∂W = xᵀ·gy (partial
//! sums over fixed row blocks, added in order: the same bits for any thread count),
//! ∂b = Σ_rows gy, ∂a = gy. On any other backend or float type [`dense`] composes burn's
//! operations, so model code stays backend-generic.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, NodeGuard, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, AutodiffBackend, Flex};
use burn::tensor::{DType, Tensor};
use faer::linalg::matmul::matmul;
use faer::{Accum, Par};
use rayon::prelude::*;
use std::mem::MaybeUninit;

use super::activation::gelu;
use super::flex::{
    as_uninit, assume_init, fused_dtype, into_values, tensor, tracked, values, view, view_mut,
    view_uninit, Real, ROWS_PER_TASK,
};
use super::simd::dispatch;

/// The activation σ applied after the affine map of a [`dense`] layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// σ(y) = y.
    Identity,
    /// σ(y) = y·Φ(y) (see [`super::activation`]).
    Gelu,
}

/// σ(x·W + b + addend) for x \[R, C_in\], W \[C_in, C_out\], b \[C_out\], addend \[R, C_out\].
///
/// # Panics
/// If the shapes disagree (a programming error, as for burn's own `matmul`).
pub fn dense(
    x: Tensor<2>,
    w: Tensor<2>,
    b: Tensor<1>,
    addend: Option<Tensor<2>>,
    activation: Activation,
) -> Tensor<2> {
    let ([rows, c_in], [w_in, c_out], [b_len]) = (x.dims(), w.dims(), b.dims());
    assert!(
        w_in == c_in && b_len == c_out,
        "dense: x [{rows}, {c_in}], W [{w_in}, {c_out}] and b [{b_len}] do not fit"
    );
    if let Some(a) = &addend {
        assert_eq!(
            a.dims(),
            [rows, c_out],
            "dense: the addend must be [R, C_out]"
        );
    }
    if let Some((nodes, inputs)) = tracked_inputs(&x, &w, &b) {
        return match addend {
            None => record(nodes, inputs, None, activation),
            Some(a) => {
                // Consumed, so that its buffer becomes the output without a copy.
                let a = a
                    .try_into_primitive::<Tracked>()
                    .unwrap_or_else(|_| panic!("the addend is on the device of x"));
                let [x, w, b] = nodes;
                let node = a.node();
                let a = <Tracked as AutodiffBackend>::inner(a);
                record([x, w, b, node], inputs, Some(a), activation)
            }
        };
    }
    if let Some(y) = on_flex(&x, &w, &b, addend.as_ref(), activation) {
        return y;
    }
    let mut y = x.matmul(w) + b.reshape([1, c_out]);
    if let Some(a) = addend {
        y = y + a;
    }
    match activation {
        Activation::Identity => y,
        Activation::Gelu => gelu(y),
    }
}

/// The layer's inputs as flex tensors.
struct Inputs {
    x: FlexTensor,
    w: FlexTensor,
    b: FlexTensor,
}

type Tracked = Autodiff<Flex>;

/// The autodiff nodes and flex tensors of x, W, b when they are on `Autodiff<Flex>` in
/// f32/f64 (the fused layer's case).
fn tracked_inputs(x: &Tensor<2>, w: &Tensor<2>, b: &Tensor<1>) -> Option<([NodeGuard; 3], Inputs)> {
    let ((xn, x), (wn, w), (bn, b)) = (tracked(x)?, tracked(w)?, tracked(b)?);
    fused_dtype(x.dtype()).then_some(([xn, wn, bn], Inputs { x, w, b }))
}

/// The fused layer on plain flex (inference) in f32/f64.
fn on_flex(
    x: &Tensor<2>,
    w: &Tensor<2>,
    b: &Tensor<1>,
    addend: Option<&Tensor<2>>,
    activation: Activation,
) -> Option<Tensor<2>> {
    let inputs = Inputs {
        x: x.clone().try_into_primitive::<Flex>().ok()?,
        w: w.clone().try_into_primitive::<Flex>().ok()?,
        b: b.clone().try_into_primitive::<Flex>().ok()?,
    };
    let addend = match addend {
        Some(a) => Some(a.clone().try_into_primitive::<Flex>().ok()?),
        None => None,
    };
    if !fused_dtype(inputs.x.dtype()) {
        return None;
    }
    Some(Tensor::from_primitive::<Flex>(
        forward(&inputs, addend, activation, false).0,
    ))
}

/// Runs the layer as an autodiff node with parents `nodes` (x, W, b and the addend if any).
fn record<const N: usize>(
    nodes: [NodeGuard; N],
    inputs: Inputs,
    addend: Option<FlexTensor>,
    activation: Activation,
) -> Tensor<2> {
    let output = match FusedDense::<N>
        .prepare::<NoCheckpointing>(nodes)
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => {
            let (y, slope) = forward(&inputs, addend, activation, true);
            let state = DenseState {
                x: inputs.x,
                w: inputs.w,
                slope,
            };
            prep.finish(state, y)
        }
        OpsKind::UnTracked(prep) => prep.finish(forward(&inputs, addend, activation, false).0),
    };
    Tensor::from_primitive::<Tracked>(output)
}

/// The autodiff node of [`dense`] with N parents: x, W, b, and the addend when N = 4.
#[derive(Debug)]
struct FusedDense<const N: usize>;

/// What the backward pass needs: the input, the weight and σ′ at the pre-activation.
#[derive(Debug, Clone)]
struct DenseState {
    x: FlexTensor,
    w: FlexTensor,
    slope: Option<FlexTensor>,
}

impl<const N: usize> Backward<Flex, N> for FusedDense<N> {
    type State = DenseState;

    fn backward(self, ops: Ops<DenseState, N>, grads: &mut Gradients, _: &mut Checkpointer) {
        let g = grads.consume::<Flex>(&ops.node);
        let mut wanted = [false; 4];
        for (want, parent) in wanted.iter_mut().zip(&ops.parents) {
            *want = parent.is_some();
        }
        let computed = if g.dtype() == DType::F64 {
            gradients::<f64>(&ops.state, g, wanted)
        } else {
            gradients::<f32>(&ops.state, g, wanted)
        };
        for (parent, grad) in ops.parents.into_iter().zip(computed) {
            if let (Some(node), Some(grad)) = (parent, grad) {
                grads.register::<Flex>(node.id, grad);
            }
        }
    }
}

/// σ(x·W + b + a) (a, the addend, is consumed: its buffer is reused when unshared) and,
/// `with_slope` and σ = GELU, σ′ at x·W + b + a.
fn forward(
    inputs: &Inputs,
    addend: Option<FlexTensor>,
    activation: Activation,
    with_slope: bool,
) -> (FlexTensor, Option<FlexTensor>) {
    if inputs.x.dtype() == DType::F64 {
        forward_typed::<f64>(inputs, addend, activation, with_slope)
    } else {
        forward_typed::<f32>(inputs, addend, activation, with_slope)
    }
}

fn forward_typed<T: Real>(
    inputs: &Inputs,
    addend: Option<FlexTensor>,
    activation: Activation,
    with_slope: bool,
) -> (FlexTensor, Option<FlexTensor>) {
    let dtype = inputs.x.dtype();
    let shape = inputs.x.layout().shape();
    let (rows, c_in) = (shape[0], shape[1]);
    let c_out = inputs.w.layout().shape()[1];
    let (x, w, b) = (
        values::<T>(&inputs.x),
        values::<T>(&inputs.w),
        values::<T>(&inputs.b),
    );
    let len = rows * c_out;
    let gelu = activation == Activation::Gelu;
    let with_slope = gelu && with_slope;
    // y is the addend, to which x·W is added, or without one fresh memory that x·W
    // replaces (no zero fill); then b is added and σ applied, block by block.
    let (mut y, fresh) = match addend {
        Some(a) => (into_values::<T>(a), false),
        None => (Vec::with_capacity(len), true),
    };
    let block_len = ROWS_PER_TASK * c_out;
    let mut slope = Vec::new();
    let mut slope_blocks = fresh_blocks(&mut slope, with_slope, len, block_len, rows);
    let y_blocks = if fresh {
        &mut y.spare_capacity_mut()[..len]
    } else {
        // SAFETY: the blocks below write only products and sums into the addend.
        unsafe { as_uninit(&mut y) }
    };
    let w = view(&w, c_in, c_out);
    y_blocks
        .par_chunks_mut(block_len)
        .zip(x.par_chunks(ROWS_PER_TASK * c_in))
        .zip(slope_blocks.par_iter_mut())
        .for_each(|((y, x), slope)| {
            let block = y.len() / c_out;
            let x = view(x, block, c_in);
            let y = if fresh {
                // SAFETY: the product replaces the block whole (faer's `Replace` does not
                // read the destination), so every entry is written before it is read.
                unsafe {
                    matmul(
                        view_uninit(y, block, c_out),
                        Accum::Replace,
                        x,
                        w,
                        T::ONE,
                        Par::Seq,
                    );
                    assume_init(y)
                }
            } else {
                // SAFETY: the block holds the addend.
                let y = unsafe { assume_init(y) };
                matmul(
                    view_mut(y, block, c_out),
                    Accum::Add,
                    x,
                    w,
                    T::ONE,
                    Par::Seq,
                );
                y
            };
            let slope = slope.take();
            dispatch(
                #[inline(always)]
                || bias_then_activation(y, &b, gelu, slope),
            );
        });
    // SAFETY: every block of a fresh y, and every slope (`gelu_slice` writes them whole),
    // was written above.
    unsafe {
        if fresh {
            y.set_len(len);
        }
        if with_slope {
            slope.set_len(len);
        }
    }
    let slope = with_slope.then_some(slope);
    (
        tensor(y, vec![rows, c_out], dtype),
        slope.map(|s| tensor(s, vec![rows, c_out], dtype)),
    )
}

/// A block of rows y ← σ(y + b), with σ′ written to `slope` when given: the forward pass's
/// epilogue (run under [`dispatch`]).
#[inline(always)]
fn bias_then_activation<T: Real>(
    y: &mut [T],
    b: &[T],
    gelu: bool,
    slope: Option<&mut [MaybeUninit<T>]>,
) {
    for row in y.chunks_mut(b.len()) {
        row.iter_mut().zip(b).for_each(|(y, &b)| *y += b);
    }
    if gelu {
        T::gelu_slice(y, slope);
    }
}

/// A block of rows of the output gradient: gy ← gy·σ′ (with a kept slope), and the block's
/// ∂b = Σ_rows gy added to `gb` when given: the backward pass's prologue (run under
/// [`dispatch`]).
#[inline(always)]
fn slope_then_bias_gradient<T: Real>(gy: &mut [T], slope: Option<&[T]>, gb: Option<&mut [T]>) {
    if let Some(slope) = slope {
        gy.iter_mut().zip(slope).for_each(|(g, &s)| *g *= s);
    }
    if let Some(gb) = gb {
        for row in gy.chunks(gb.len()) {
            gb.iter_mut().zip(row).for_each(|(s, &g)| *s += g);
        }
    }
}

/// An output of `len` entries to be written block by block without a zero fill: `buffer`
/// (empty) reserves them, and its spare capacity comes back in blocks of `block` entries,
/// one per parallel task over `rows` rows; when the output is not `wanted`, as many `None`s.
/// The caller sets the length once every block is written.
fn fresh_blocks<T>(
    buffer: &mut Vec<T>,
    wanted: bool,
    len: usize,
    block: usize,
    rows: usize,
) -> Vec<Option<&mut [MaybeUninit<T>]>> {
    if !wanted {
        return (0..rows.div_ceil(ROWS_PER_TASK)).map(|_| None).collect();
    }
    buffer.reserve_exact(len);
    buffer.spare_capacity_mut()[..len]
        .chunks_mut(block)
        .map(Some)
        .collect()
}

/// The gradients (x, W, b, addend) wanted, from the output gradient `g`.
fn gradients<T: Real>(
    state: &DenseState,
    g: FlexTensor,
    wanted: [bool; 4],
) -> [Option<FlexTensor>; 4] {
    let dtype = g.dtype();
    let shape = state.x.layout().shape();
    let (rows, c_in) = (shape[0], shape[1]);
    let c_out = state.w.layout().shape()[1];
    let mut gy = into_values::<T>(g);
    let slope = state.slope.as_ref().map(values::<T>);
    let x = values::<T>(&state.x);
    let w = values::<T>(&state.w);
    let wt = view(&w, c_in, c_out).transpose();
    let (want_x, want_w) = (wanted[0], wanted[1] || wanted[2]);
    let mut gx = Vec::new();
    let gx_blocks = fresh_blocks(&mut gx, want_x, rows * c_in, ROWS_PER_TASK * c_in, rows);
    let slope_blocks: Vec<Option<&[T]>> = match &slope {
        Some(s) => s.chunks(ROWS_PER_TASK * c_out).map(Some).collect(),
        None => (0..rows.div_ceil(ROWS_PER_TASK)).map(|_| None).collect(),
    };
    // One pass over fixed blocks of rows, each while it is in cache: gy = g·σ′, its rows
    // of ∂x = gy·Wᵀ, and its partial sums of ∂W = xᵀ·gy and ∂b = Σ gy (added below in
    // block order: the same bits for any thread count).
    let partials: Vec<(Vec<T>, Vec<T>)> = gy
        .par_chunks_mut(ROWS_PER_TASK * c_out)
        .zip(x.par_chunks(ROWS_PER_TASK * c_in))
        .zip(slope_blocks.into_par_iter().zip(gx_blocks))
        .map(|((gy, x), (slope, gx))| {
            let block = x.len() / c_in;
            let mut gb = vec![T::default(); if want_w { c_out } else { 0 }];
            let sum_into = want_w.then_some(&mut gb[..]);
            dispatch(
                #[inline(always)]
                || slope_then_bias_gradient(gy, slope, sum_into),
            );
            if let Some(gx) = gx {
                // SAFETY: the product replaces the block of ∂x whole.
                let gx = unsafe { view_uninit(gx, block, c_in) };
                let gy = view(gy, block, c_out);
                matmul(gx, Accum::Replace, gy, wt, T::ONE, Par::Seq);
            }
            if !want_w {
                return (Vec::new(), Vec::new());
            }
            let mut gw = vec![T::default(); c_in * c_out];
            if wanted[1] {
                let (x, gy) = (view(x, block, c_in).transpose(), view(gy, block, c_out));
                matmul(
                    view_mut(&mut gw, c_in, c_out),
                    Accum::Replace,
                    x,
                    gy,
                    T::ONE,
                    Par::Seq,
                );
            }
            (gw, gb)
        })
        .collect();
    let grad_x = want_x.then(|| {
        // SAFETY: every block of ∂x was written above.
        unsafe { gx.set_len(rows * c_in) };
        tensor(gx, vec![rows, c_in], dtype)
    });
    let (grad_w, grad_b) = if want_w {
        let mut parts = partials.into_iter();
        let (mut gw, mut gb) = parts.next().expect("at least one row");
        for (pw, pb) in parts {
            gw.iter_mut().zip(pw).for_each(|(s, p)| *s += p);
            gb.iter_mut().zip(pb).for_each(|(s, p)| *s += p);
        }
        (
            wanted[1].then(|| tensor(gw, vec![c_in, c_out], dtype)),
            wanted[2].then(|| tensor(gb, vec![c_out], dtype)),
        )
    } else {
        (None, None)
    };
    let grad_addend = wanted[3].then(|| tensor(gy, vec![rows, c_out], dtype));
    [grad_x, grad_w, grad_b, grad_addend]
}
