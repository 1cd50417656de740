//! Pointwise passes over large arrays on the rayon pool, deterministically.
//!
//! A pass writes one output array; [`chunked`] hands fixed chunks of [`CHUNK`] entries (not a
//! split by thread count) to the pool, and every entry is computed by the same expression
//! whichever thread takes its chunk, so the results are bit-identical for any number of
//! threads. Arrays shorter than [`PARALLEL_MIN_LEN`] run inline: below that, handing work
//! to another thread costs more than the pass.

use rayon::prelude::*;

/// Entries per chunk of a parallel pass (64 KiB of complex values).
pub(crate) const CHUNK: usize = 4096;

/// Shortest array a pass splits across the pool (a 2-D spectrum of ≈ 180² points).
pub(crate) const PARALLEL_MIN_LEN: usize = 16384;

/// Calls `pass(offset, chunk)` on consecutive chunks of `out` covering it, where `offset` is
/// the index of the chunk's first entry: in parallel chunks of [`CHUNK`] for long arrays,
/// else once on the whole array.
pub(crate) fn chunked<T: Send>(out: &mut [T], pass: impl Fn(usize, &mut [T]) + Sync) {
    if out.len() < PARALLEL_MIN_LEN {
        pass(0, out);
    } else {
        out.par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, chunk)| pass(c * CHUNK, chunk));
    }
}

/// [`chunked`] for a pass that writes two arrays of the same length at once:
/// `pass(offset, chunk_of_a, chunk_of_b)`.
pub(crate) fn chunked2<T: Send, U: Send>(
    a: &mut [T],
    b: &mut [U],
    pass: impl Fn(usize, &mut [T], &mut [U]) + Sync,
) {
    debug_assert_eq!(a.len(), b.len());
    if a.len() < PARALLEL_MIN_LEN {
        pass(0, a, b);
    } else {
        a.par_chunks_mut(CHUNK)
            .zip(b.par_chunks_mut(CHUNK))
            .enumerate()
            .for_each(|(c, (a, b))| pass(c * CHUNK, a, b));
    }
}
