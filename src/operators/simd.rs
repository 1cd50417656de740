//! Runtime SIMD dispatch for the operator layer's elementwise kernels: a [`Kernel`] runs
//! compiled for the widest x86-64 extension the CPU has (AVX-512 F/DQ/VL, else AVX2, each
//! with FMA), elsewhere for the build's baseline. The crate is built for baseline x86-64
//! (SSE2), so without this a loop such as GELU or the AdamW update would use 2–4 lanes.
//! The kernels' results do not depend on the lane count: each entry is computed alone, in
//! the same operations (fused multiply-adds only where the code asks for them).

/// A loop to run under [`dispatch`]: `run` must be `#[inline(always)]`, so that it is
/// compiled inside the target-feature functions and vectorized for their width.
pub(crate) trait Kernel {
    /// What the loop returns.
    type Output;
    /// The loop.
    fn run(self) -> Self::Output;
}

/// Runs `kernel` compiled for the widest SIMD extension this CPU has.
pub(crate) fn dispatch<K: Kernel>(kernel: K) -> K::Output {
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
    kernel.run()
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::Kernel;

    /// `kernel` with AVX-512 (F, DQ, VL) and FMA.
    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
    pub(super) fn avx512<K: Kernel>(kernel: K) -> K::Output {
        kernel.run()
    }

    /// `kernel` with AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub(super) fn avx2<K: Kernel>(kernel: K) -> K::Output {
        kernel.run()
    }
}
