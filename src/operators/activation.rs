//! GELU, x·Φ(x) = ½x(1 + erf(x/√2)) (Hendrycks & Gimpel 2016; the FNO's activation), as a
//! fused operation on the CPU `flex` backend. When the input is tracked by autodiff, one
//! parallel pass (rayon over chunks, SIMD within each) computes both gelu(x) and its slope
//! gelu′(x) = Φ(x) + x·φ(x), and the slope is kept as the node's state, so the backward
//! pass is one elementwise product g·gelu′(x) with no transcendental function. In f64 the
//! erf is libm's, the function burn-flex uses (values agree with burn's GELU to round-off);
//! in f32 it is Abramowitz & Stegun 7.1.26 sharing the exponential of φ (agreement within
//! 4·10⁻⁷, tested). burn-flex evaluates its GELU and GELU-backward with a scalar erf on one
//! thread each; in the FNO-1D benchmark step they were about half of the time. The FNO's
//! pointwise layers apply the same kernel inside their fused operation ([`super::dense`]),
//! whose fallback for other float types (f16, bf16 on flex) is [`gelu`].
//!
//! The operation is registered with burn's autodiff (`Backward` on `Autodiff<Flex>`). On any
//! other backend [`gelu`] is burn's `activation::gelu`, so the model code stays
//! backend-generic.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{unary, Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, AutodiffBackend, Flex};
use burn::tensor::{DType, Tensor};
use rayon::prelude::*;

use super::flex::{into_values, multiply_in_place, tensor, values, Real, ENTRIES_PER_TASK};

/// GELU of `x`: fused on flex (with or without autodiff), burn's elsewhere.
pub fn gelu<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    if let Ok(tracked) = x.clone().try_into_primitive::<Autodiff<Flex>>() {
        let input = <Autodiff<Flex> as AutodiffBackend>::inner(tracked.clone());
        let output = match FusedGelu
            .prepare::<NoCheckpointing>([tracked.node()])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (value, slope) = gelu_on_flex(&input, true);
                prep.finish(slope.expect("asked for the slope"), value)
            }
            OpsKind::UnTracked(prep) => prep.finish(gelu_on_flex(&input, false).0),
        };
        return Tensor::from_primitive::<Autodiff<Flex>>(output);
    }
    if let Ok(plain) = x.clone().try_into_primitive::<Flex>() {
        return Tensor::from_primitive::<Flex>(gelu_on_flex(&plain, false).0);
    }
    burn::tensor::activation::gelu(x)
}

/// The autodiff node of [`gelu`]; its state is gelu′ at the input.
#[derive(Debug)]
struct FusedGelu;

impl Backward<Flex, 1> for FusedGelu {
    type State = FlexTensor;

    fn backward(self, ops: Ops<FlexTensor, 1>, grads: &mut Gradients, _: &mut Checkpointer) {
        let slope = ops.state;
        unary::<Flex, _>(ops.parents, ops.node, grads, |grad| times(&slope, grad));
    }
}

/// gelu(x) of every entry and, `with_slope` (for backward), gelu′(x), in parallel chunks,
/// as contiguous tensors of x's shape and float type (f16/bf16 go through f32).
fn gelu_on_flex(x: &FlexTensor, with_slope: bool) -> (FlexTensor, Option<FlexTensor>) {
    if x.dtype() == DType::F64 {
        gelu_typed::<f64>(x, with_slope)
    } else {
        gelu_typed::<f32>(x, with_slope)
    }
}

fn gelu_typed<T: Real>(x: &FlexTensor, with_slope: bool) -> (FlexTensor, Option<FlexTensor>) {
    let shape = x.layout().shape().to_vec();
    let mut v = values::<T>(x).into_owned();
    let s = if with_slope {
        let mut s = Vec::with_capacity(v.len());
        s.spare_capacity_mut()[..v.len()]
            .par_chunks_mut(ENTRIES_PER_TASK)
            .zip(v.par_chunks_mut(ENTRIES_PER_TASK))
            .for_each(|(s, v)| T::gelu_slice(v, Some(s)));
        // SAFETY: `gelu_slice` wrote a slope for every value, all `v.len()` of them.
        unsafe { s.set_len(v.len()) };
        Some(s)
    } else {
        v.par_chunks_mut(ENTRIES_PER_TASK)
            .for_each(|v| T::gelu_slice(v, None));
        None
    };
    (
        tensor(v, shape.clone(), x.dtype()),
        s.map(|s| tensor(s, shape, x.dtype())),
    )
}

/// g·s entrywise (the backward product), in parallel, in g's buffer when unshared, as a
/// tensor of g's float type.
fn times(s: &FlexTensor, g: FlexTensor) -> FlexTensor {
    if g.dtype() == DType::F64 {
        times_typed::<f64>(s, g)
    } else {
        times_typed::<f32>(s, g)
    }
}

fn times_typed<T: Real>(s: &FlexTensor, g: FlexTensor) -> FlexTensor {
    let (shape, dtype) = (g.layout().shape().to_vec(), g.dtype());
    let mut out = into_values::<T>(g);
    multiply_in_place(&mut out, &values::<T>(s));
    tensor(out, shape, dtype)
}
