//! Large matrices on transparent huge pages.
//!
//! Fresh anonymous memory is faulted in on first touch one 4 KiB page at a time, each fault
//! zeroing its page in the kernel: the 52 MB left singular vectors of a 16384 × 400 thin SVD
//! take 12 800 faults, and the leaves' working copies as many again, which on 2 cores is
//! about a tenth of the whole SVD. Asking the kernel to back such a matrix with 2 MiB pages
//! (`madvise(MADV_HUGEPAGE)`, honoured when transparent huge pages are in `madvise` or
//! `always` mode, as on common Linux distributions) leaves 25 faults per 52 MB. Only
//! matrices of at least [`HUGE_PAGE_MIN_BYTES`] are advised, and only the 2 MiB-aligned
//! interior of their allocation, so no memory beyond the matrix is backed. Elsewhere than
//! Linux the advice is a no-op.

use faer::{Mat, MatMut, MatRef};

/// Matrices of at least this many bytes have their memory advised for huge pages.
const HUGE_PAGE_MIN_BYTES: usize = 8 << 20;

/// A copy of `a` in freshly reserved memory advised for huge pages when large.
pub(crate) fn copy_of(a: MatRef<'_, f64>) -> Mat<f64> {
    // SAFETY: `copy_from` writes every entry of the view and reads none of them.
    unsafe { written(a.nrows(), a.ncols(), |mut out| out.copy_from(a)) }
}

/// A `rows` × `cols` matrix whose entries `fill` writes, in memory reserved for it (and
/// advised for huge pages when large) but not initialised first: the pages are first
/// touched by whichever threads `fill` writes them from, and no zero fill precedes it.
///
/// # Safety
/// `fill` must write every entry of the view it is given, and read none before writing it.
pub(crate) unsafe fn written(
    rows: usize,
    cols: usize,
    fill: impl FnOnce(MatMut<'_, f64>),
) -> Mat<f64> {
    let mut out = Mat::<f64>::with_capacity(rows, cols);
    let stride = out.col_stride();
    advise_huge_pages(
        out.as_ptr_mut().cast(),
        stride.unsigned_abs() * cols * size_of::<f64>(),
    );
    // SAFETY: the capacity just reserved holds `rows` × `cols` entries at column stride
    // `stride`; `fill` only writes them (the caller's contract).
    fill(unsafe { MatMut::from_raw_parts_mut(out.as_ptr_mut(), rows, cols, 1, stride) });
    // SAFETY: within the capacity, and `fill` wrote every entry (the caller's contract).
    unsafe { out.set_dims(rows, cols) };
    out
}

/// Asks the kernel to back the 2 MiB-aligned interior of `bytes` bytes at `ptr` with huge
/// pages.
#[cfg(target_os = "linux")]
fn advise_huge_pages(ptr: *mut u8, bytes: usize) {
    const HUGE_PAGE: usize = 2 << 20;
    if bytes < HUGE_PAGE_MIN_BYTES {
        return;
    }
    let start = (ptr as usize).next_multiple_of(HUGE_PAGE);
    let end = (ptr as usize + bytes) / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: [start, end) lies inside the allocation at `ptr`; MADV_HUGEPAGE changes
        // only how the kernel backs those pages, never their contents. A refusal (no
        // transparent huge pages) leaves ordinary pages, so the result is ignored.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

/// Huge-page advice is Linux-only.
#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_ptr: *mut u8, _bytes: usize) {}
