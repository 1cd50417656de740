//! A constant matrix applied to every item of a batch, Y_b = T·X_b for T [M, K] and
//! X [B, K, N]: the truncated Fourier analysis and synthesis of the spectral convolution
//! ([`super::spectral`]) and of the Sobolev loss, where T is a fixed transform (no
//! gradient) and X the channels-last activations.
//!
//! On the CPU `flex` backend in f32/f64 the B products run in parallel, one faer matmul
//! each (see the `flex` module); with autodiff the backward pass is ∂X_b = Tᵀ·g_b, again
//! without forming Tᵀ. On any other backend or float type it is burn's broadcast matmul.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{unary, Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, AutodiffBackend, Flex};
use burn::tensor::{DType, Tensor};
use faer::linalg::matmul::matmul;
use faer::{Accum, Par};

use super::flex::{fused_dtype, tensor, values, view, view_uninit, written_in_chunks, Real};

/// T·X_b for every b: t [M, K], x [B, K, N] ↦ [B, M, N]. `t` is a constant: no gradient
/// flows to it.
///
/// # Panics
/// If T's columns are not X's rows (a programming error, as for burn's own `matmul`).
pub fn apply_to_batch(t: &Tensor<2>, x: Tensor<3>) -> Tensor<3> {
    let ([_, k], [_, rows, _]) = (t.dims(), x.dims());
    assert_eq!(
        k, rows,
        "apply_to_batch: T [M, {k}] against X [B, {rows}, N]"
    );
    type Tracked = Autodiff<Flex>;
    if let (Ok(tracked), Ok(constant)) = (
        x.clone().try_into_primitive::<Tracked>(),
        t.clone().try_into_primitive::<Tracked>(),
    ) {
        let input = <Tracked as AutodiffBackend>::inner(tracked.clone());
        let constant = <Tracked as AutodiffBackend>::inner(constant);
        if fused_dtype(input.dtype()) {
            let output = match BatchTransform
                .prepare::<NoCheckpointing>([tracked.node()])
                .compute_bound()
                .stateful()
            {
                OpsKind::Tracked(prep) => {
                    let y = apply(&constant, &input, false);
                    prep.finish(constant, y)
                }
                OpsKind::UnTracked(prep) => prep.finish(apply(&constant, &input, false)),
            };
            return Tensor::from_primitive::<Tracked>(output);
        }
    }
    if let (Ok(input), Ok(constant)) = (
        x.clone().try_into_primitive::<Flex>(),
        t.clone().try_into_primitive::<Flex>(),
    ) {
        if fused_dtype(input.dtype()) {
            return Tensor::from_primitive::<Flex>(apply(&constant, &input, false));
        }
    }
    t.clone().unsqueeze::<3>().matmul(x)
}

/// The autodiff node of [`apply_to_batch`]; its state is T.
#[derive(Debug)]
struct BatchTransform;

impl Backward<Flex, 1> for BatchTransform {
    type State = FlexTensor;

    fn backward(self, ops: Ops<FlexTensor, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let t = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |g| apply(&t, &g, true));
    }
}

/// T·X_b (or Tᵀ·X_b, `transposed`) for every b, as a contiguous tensor of x's float type.
fn apply(t: &FlexTensor, x: &FlexTensor, transposed: bool) -> FlexTensor {
    if x.dtype() == DType::F64 {
        apply_typed::<f64>(t, x, transposed)
    } else {
        apply_typed::<f32>(t, x, transposed)
    }
}

fn apply_typed<T: Real>(t: &FlexTensor, x: &FlexTensor, transposed: bool) -> FlexTensor {
    let t_shape = t.layout().shape();
    let x_shape = x.layout().shape();
    let (batch, k, n) = (x_shape[0], x_shape[1], x_shape[2]);
    let tv = values::<T>(t);
    let matrix = view(&tv, t_shape[0], t_shape[1]);
    let matrix = if transposed {
        matrix.transpose()
    } else {
        matrix
    };
    let m = matrix.nrows();
    let xv = values::<T>(x);
    // SAFETY: each chunk is one batch entry's m × n product, which replaces it whole.
    let y = unsafe {
        written_in_chunks(batch * m * n, m * n, |b, y| {
            matmul(
                view_uninit(y, m, n),
                Accum::Replace,
                matrix,
                view(&xv[b * k * n..(b + 1) * k * n], k, n),
                T::ONE,
                Par::Seq,
            );
        })
    };
    tensor(y, vec![batch, m, n], x.dtype())
}
