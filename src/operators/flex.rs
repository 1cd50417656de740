//! What the fused CPU kernels of the operator layer share: typed slices of burn-flex
//! tensors, the float types they run in (f32 for training, f64 for gradient checks), and
//! row-major faer views for their matmuls.
//!
//! burn-flex multiplies matrices with the `gemm` crate, whose stable build has AVX2 kernels
//! only; faer's kernels use AVX-512 where the CPU has it. On this project's benchmark shapes
//! (`examples`-free measurement, one core, [20480 × 64]·[64 × 64] in f32) faer takes
//! 0.9 ms against burn-flex's 3.8 ms, so the fused layers ([`super::dense`],
//! [`super::transform`], [`super::mode_mix`]) call faer directly on the tensors' storage.

use std::borrow::Cow;
use std::mem::MaybeUninit;

use burn::backend::autodiff::ops::NodeGuard;
use burn::backend::flex::FlexTensor;
use burn::backend::{Autodiff, AutodiffBackend, Flex};
use burn::tensor::{DType, Element, Tensor, TensorData};
use faer::{MatMut, MatRef};
use rayon::prelude::*;

use super::gelu_kernel::{gelu_slice_f32, gelu_slice_f64};

/// Rows of a [rows, channels] array per parallel task of a fused kernel. Fixed, so that
/// every reduction over rows (weight gradients) adds the same partial sums in the same
/// order whatever the thread count: results are bit-identical across machines.
pub(crate) const ROWS_PER_TASK: usize = 1024;

/// Entries per parallel task of an elementwise kernel (GELU, the backward product).
pub(crate) const ENTRIES_PER_TASK: usize = 1 << 14;

/// A float type the fused kernels run in: f32 or f64.
pub(crate) trait Real:
    faer::traits::RealField
    + Element
    + bytemuck::Pod
    + Default
    + Send
    + Sync
    + std::ops::Add<Output = Self>
    + std::ops::Mul<Output = Self>
    + std::ops::AddAssign
    + std::ops::MulAssign
{
    /// One.
    const ONE: Self;
    /// GELU of every entry of `values`, in place, and with `slopes` its derivative there
    /// (written whole, never read: the slopes need not be initialised).
    fn gelu_slice(values: &mut [Self], slopes: Option<&mut [MaybeUninit<Self>]>);
}

impl Real for f32 {
    const ONE: Self = 1.0;
    fn gelu_slice(values: &mut [Self], slopes: Option<&mut [MaybeUninit<Self>]>) {
        gelu_slice_f32(values, slopes);
    }
}

impl Real for f64 {
    const ONE: Self = 1.0;
    fn gelu_slice(values: &mut [Self], slopes: Option<&mut [MaybeUninit<Self>]>) {
        gelu_slice_f64(values, slopes);
    }
}

/// Whether the fused kernels take tensors of this float type (f32 or f64; others, such as
/// f16, go through burn's own operations).
pub(crate) fn fused_dtype(dtype: DType) -> bool {
    matches!(dtype, DType::F32 | DType::F64)
}

/// The autodiff node of `t` and its flex tensor, when `t` is on `Autodiff<Flex>` (the
/// fused kernels' training case).
pub(crate) fn tracked<const D: usize>(t: &Tensor<D>) -> Option<(NodeGuard, FlexTensor)> {
    let t = t.clone().try_into_primitive::<Autodiff<Flex>>().ok()?;
    Some((t.node(), <Autodiff<Flex> as AutodiffBackend>::inner(t)))
}

/// The entries of `t` in row-major order: borrowed when contiguous and of type `E`.
pub(crate) fn values<E: Element + bytemuck::Pod>(t: &FlexTensor) -> Cow<'_, [E]> {
    let layout = t.layout();
    let n = layout.num_elements();
    if t.dtype() == E::dtype() && layout.is_contiguous() && layout.start_offset() == 0 {
        Cow::Borrowed(&t.storage::<E>()[..n])
    } else {
        Cow::Owned(into_values(t.clone()))
    }
}

/// The entries of `t` in row-major order, taking its buffer without a copy when `t` is
/// the only owner, contiguous and of type `E`.
pub(crate) fn into_values<E: Element + bytemuck::Pod>(t: FlexTensor) -> Vec<E> {
    t.into_data()
        .convert::<E>()
        .try_into_vec::<E>()
        .expect("converted just before")
}

/// a ← a·b entrywise, in parallel blocks (the backward product with a kept slope).
pub(crate) fn multiply_in_place<T: Real>(a: &mut [T], b: &[T]) {
    a.par_chunks_mut(ENTRIES_PER_TASK)
        .zip(b.par_chunks(ENTRIES_PER_TASK))
        .for_each(|(a, b)| a.iter_mut().zip(b).for_each(|(a, &b)| *a *= b));
}

/// A vector of `len` entries filled by `fill(index, chunk)` over its consecutive chunks of
/// `chunk` entries in parallel (the last may be shorter), without zeroing it first: the
/// outputs of the fused layers' products are overwritten whole, and a zero fill of them was
/// 6 % of an FNO training step (`memset` in the profile).
///
/// # Safety
/// `fill` must write every entry of the chunk it is given before reading any of it, for
/// instance through [`view_uninit`] with a product that replaces its destination.
pub(crate) unsafe fn written_in_chunks<T: Real>(
    len: usize,
    chunk: usize,
    fill: impl Fn(usize, &mut [MaybeUninit<T>]) + Sync,
) -> Vec<T> {
    let mut out = Vec::with_capacity(len);
    out.spare_capacity_mut()[..len]
        .par_chunks_mut(chunk)
        .enumerate()
        .for_each(|(index, part)| fill(index, part));
    // SAFETY: `fill` wrote all `len` entries (the caller's contract), within the capacity.
    unsafe { out.set_len(len) };
    out
}

/// The entries of `data`, once every one of them has been written.
///
/// # Safety
/// Every entry of `data` must be initialised.
pub(crate) unsafe fn assume_init<T>(data: &mut [MaybeUninit<T>]) -> &mut [T] {
    // SAFETY: `MaybeUninit<T>` has `T`'s layout, and the caller guarantees initialisation.
    unsafe { std::slice::from_raw_parts_mut(data.as_mut_ptr().cast::<T>(), data.len()) }
}

/// Initialised `data` typed as memory to overwrite, so that one kernel can take either a
/// fresh buffer or an existing one.
///
/// # Safety
/// Only initialised values may be written through the result.
pub(crate) unsafe fn as_uninit<T>(data: &mut [T]) -> &mut [MaybeUninit<T>] {
    // SAFETY: same layout; the caller writes no uninitialised value back.
    unsafe {
        std::slice::from_raw_parts_mut(data.as_mut_ptr().cast::<MaybeUninit<T>>(), data.len())
    }
}

/// The row-major [rows, cols] matrix over not yet initialised `data`, for writing only.
///
/// # Safety
/// No entry may be read through the view before it is written.
pub(crate) unsafe fn view_uninit<T: Real>(
    data: &mut [MaybeUninit<T>],
    rows: usize,
    cols: usize,
) -> MatMut<'_, T> {
    assert_eq!(
        data.len(),
        rows * cols,
        "an uninitialised view covers its slice"
    );
    // SAFETY: `MaybeUninit<T>` has `T`'s layout; the view spans exactly `data` (row-major,
    // row stride `cols`), which it borrows mutably; reads before writes are excluded by the
    // caller's contract.
    unsafe {
        MatMut::from_raw_parts_mut(data.as_mut_ptr().cast::<T>(), rows, cols, cols as isize, 1)
    }
}

/// A contiguous tensor of `shape` holding `data` (no copy), converted to `dtype`.
pub(crate) fn tensor<E: Element>(data: Vec<E>, shape: Vec<usize>, dtype: DType) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(data, shape).convert_dtype(dtype))
}

/// The row-major [rows, cols] matrix in `data`.
pub(crate) fn view<T: Real>(data: &[T], rows: usize, cols: usize) -> MatRef<'_, T> {
    MatRef::from_row_major_slice(data, rows, cols)
}

/// The row-major [rows, cols] matrix in `data`, writable.
pub(crate) fn view_mut<T: Real>(data: &mut [T], rows: usize, cols: usize) -> MatMut<'_, T> {
    MatMut::from_row_major_slice_mut(data, rows, cols)
}
