//! Runtime SIMD dispatch for the operator layer's elementwise loops: [`dispatch`] runs a
//! closure compiled for the widest x86-64 extension the CPU has (AVX-512 F/DQ/VL, else
//! AVX2, each with FMA), elsewhere for the build's baseline. The crate is built for
//! baseline x86-64 (SSE2), so without this a loop such as GELU or the AdamW update would
//! use 2–4 lanes (the FNO-1D benchmark's AdamW update took 3.3 ms with SSE2 and three
//! divisions per entry, 0.6 ms dispatched with one). The loops' results do not depend on
//! the lane count: each entry is computed alone, in the same operations (fused
//! multiply-adds only where the code asks for them).

/// Runs `kernel` compiled for the widest SIMD extension this CPU has: it is called from a
/// function with those target features, and must be inlined there for its loops to be
/// compiled for them, so mark the closure `#[inline(always)]` (and any function holding
/// the loop). LLVM's own choice is not enough: left to it, the GELU closure stayed a
/// baseline function, calling software `fmaf`, and the FNO's forward pass took 10× as long.
pub(crate) fn dispatch<R>(kernel: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        if has!("avx512f") && has!("avx512dq") && has!("avx512vl") && has!("fma") {
            // SAFETY: the CPU has every feature the function is compiled for.
            return unsafe { x86::avx512(kernel) };
        }
        if has!("avx2") && has!("fma") {
            // SAFETY: as above.
            return unsafe { x86::avx2(kernel) };
        }
    }
    kernel()
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    /// `kernel` with AVX-512 (F, DQ, VL) and FMA.
    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
    pub(super) fn avx512<R>(kernel: impl FnOnce() -> R) -> R {
        kernel()
    }

    /// `kernel` with AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn avx2<R>(kernel: impl FnOnce() -> R) -> R {
        kernel()
    }
}
