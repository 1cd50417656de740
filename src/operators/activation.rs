//! GELU, x·Φ(x) = ½x(1 + erf(x/√2)) (Hendrycks & Gimpel 2016; the FNO's activation), as a
//! fused operation on the CPU `flex` backend. When the input is tracked by autodiff, one
//! parallel pass (rayon) computes both gelu(x) and its slope gelu′(x) = Φ(x) + x·φ(x),
//! and the slope is kept as the node's state, so the backward pass is one elementwise
//! product g·gelu′(x) with no transcendental function. In f64 the erf is libm's, the
//! function burn-flex uses (values agree with burn's GELU to round-off); in f32 it is
//! Abramowitz & Stegun 7.1.26 sharing the exponential of φ (agreement within 4·10⁻⁷, tested).
//! burn-flex evaluates its GELU and GELU-backward with a scalar erf on one thread each; in
//! the FNO-1D benchmark step they were about half of the time.
//!
//! The operation is registered with burn's autodiff (`Backward` on `Autodiff<Flex>`). On any
//! other backend [`gelu`] is burn's `activation::gelu`, so the model code stays
//! backend-generic.

use std::borrow::Cow;

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{unary, Backward, Ops, OpsKind};
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, AutodiffBackend, Flex};
use burn::tensor::{DType, Tensor, TensorData};
use rayon::prelude::*;

/// Elements per parallel chunk.
const CHUNK: usize = 1 << 14;

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
        unary::<Flex, _>(ops.parents, ops.node, grads, |grad| times(&slope, &grad));
    }
}

/// (gelu(x), gelu′(x)) in f32, with gelu′(x) = Φ(x) + x·φ(x), φ(x) = e^{−x²/2}/√(2π), and
/// Φ from Abramowitz & Stegun 7.1.26, erf(z) = 1 − (a₁t + … + a₅t⁵)e^{−z²},
/// t = 1/(1 + pz), |error| ≤ 1.5·10⁻⁷ (below f32 resolution at 1), which shares the one
/// exponential e^{−x²/2} with φ: one `exp` per entry instead of erf's and exp's.
fn gelu_pair_f32(x: f32) -> (f32, f32) {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_7,
        -1.453_152_1,
        1.061_405_4,
    ];
    let z = x.abs() * std::f32::consts::FRAC_1_SQRT_2;
    let gauss = (-0.5 * x * x).exp();
    let t = 1.0 / (1.0 + P * z);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let erf = (1.0 - poly * gauss).copysign(x);
    let cdf = 0.5 * (1.0 + erf);
    (x * cdf, cdf + x * gauss * 0.398_942_3)
}

/// (gelu(x), gelu′(x)) in f64, with libm's erf (as burn-flex) for full f64 accuracy.
fn gelu_pair_f64(x: f64) -> (f64, f64) {
    let cdf = 0.5 * (1.0 + libm::erf(x * std::f64::consts::FRAC_1_SQRT_2));
    let pdf = (-0.5 * x * x).exp() * 0.398_942_280_401_432_7;
    (x * cdf, cdf + x * pdf)
}

/// gelu(x) of every entry and, `with_slope` (for backward), gelu′(x), in one parallel
/// pass, as contiguous tensors of x's shape and float type (f16/bf16 go through f32).
fn gelu_on_flex(x: &FlexTensor, with_slope: bool) -> (FlexTensor, Option<FlexTensor>) {
    let shape = x.layout().shape().clone();
    let tensor = |v: TensorData| FlexTensor::from_data(v.convert_dtype(x.dtype()));
    let (v, s) = if x.dtype() == DType::F64 {
        let (v, s) = pairs(&values::<f64>(x), gelu_pair_f64, with_slope);
        (
            TensorData::new(v, shape.clone()),
            s.map(|s| TensorData::new(s, shape)),
        )
    } else {
        let (v, s) = pairs(&values::<f32>(x), gelu_pair_f32, with_slope);
        (
            TensorData::new(v, shape.clone()),
            s.map(|s| TensorData::new(s, shape)),
        )
    };
    (tensor(v), s.map(tensor))
}

/// g·s entrywise (the backward product), in parallel, as a tensor of g's float type.
fn times(s: &FlexTensor, g: &FlexTensor) -> FlexTensor {
    let shape = g.layout().shape().clone();
    let out = if g.dtype() == DType::F64 {
        TensorData::new(product(&values::<f64>(s), &values::<f64>(g)), shape)
    } else {
        TensorData::new(product(&values::<f32>(s), &values::<f32>(g)), shape)
            .convert_dtype(g.dtype())
    };
    FlexTensor::from_data(out)
}

/// The entries of `t` in row-major order: borrowed when contiguous and of type `E`.
fn values<E: burn::tensor::Element + bytemuck::Pod>(t: &FlexTensor) -> Cow<'_, [E]> {
    let layout = t.layout();
    let n = layout.num_elements();
    if t.dtype() == E::dtype() && layout.is_contiguous() && layout.start_offset() == 0 {
        Cow::Borrowed(&t.storage::<E>()[..n])
    } else {
        Cow::Owned(
            t.clone()
                .into_data()
                .convert::<E>()
                .try_into_vec::<E>()
                .expect("converted just before"),
        )
    }
}

/// f at every entry of `x`, in parallel: its first output, and its second `with_second`.
fn pairs<T: Copy + Send + Sync>(
    x: &[T],
    f: fn(T) -> (T, T),
    with_second: bool,
) -> (Vec<T>, Option<Vec<T>>) {
    let entries = x.par_iter().with_min_len(CHUNK);
    if with_second {
        let (first, second) = entries.map(|&v| f(v)).unzip();
        (first, Some(second))
    } else {
        (entries.map(|&v| f(v).0).collect(), None)
    }
}

/// a·b entrywise, in parallel.
fn product<T: Copy + Send + Sync + std::ops::Mul<Output = T>>(a: &[T], b: &[T]) -> Vec<T> {
    a.par_iter()
        .zip(b.par_iter())
        .with_min_len(CHUNK)
        .map(|(&a, &b)| a * b)
        .collect()
}
