//! One core's peak rate of f64 fused multiply–adds, measured in the bench's own run: the
//! denominator of the quadratic kernel's "fraction of peak". Both this and the ROM step it
//! is compared with are timed in the thread's CPU time ([`thread_seconds`]), so other
//! processes sharing the cores do not count against either.
//!
//! With AVX2 + FMA, twelve independent 4-wide accumulator chains (more than the FMA
//! latency × throughput product of current cores, 4 × 2 = 8) run in registers with no
//! memory traffic; the count is in lane-FMAs (4 per instruction). Without them, the
//! portable scalar loop gives the rate the portable kernel can reach.

use std::hint::black_box;

/// The CPU time this thread has used, in seconds (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_seconds() -> f64 {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `t` is a valid timespec to write; the clock id is a constant Linux knows.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 + t.tv_nsec as f64 * 1e-9
}

/// Iterations of the inner loop per timed run.
const ITERATIONS: usize = 2_000_000;

/// The best of 7 runs, in lane-FMAs per second.
pub fn fma_rate() -> f64 {
    (0..7).map(|_| one_run()).fold(0.0, f64::max)
}

fn one_run() -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            let start = thread_seconds();
            // SAFETY: AVX2 and FMA were detected just above.
            let sum = unsafe { avx2_chains(black_box(1.000_000_01), black_box(1e-9)) };
            let seconds = thread_seconds() - start;
            black_box(sum);
            return (ITERATIONS * 12 * 4) as f64 / seconds;
        }
    }
    let start = thread_seconds();
    let mut acc = [0.0f64; 8];
    let (a, b) = (black_box(1.000_000_01), black_box(1e-9));
    for _ in 0..ITERATIONS {
        for v in acc.iter_mut() {
            *v = *v * a + b;
        }
    }
    black_box(acc);
    (ITERATIONS * 8) as f64 / (thread_seconds() - start)
}

/// Twelve chains acc ← acc·a + b of 4-wide FMAs.
///
/// # Safety
/// The processor must have AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn avx2_chains(a: f64, b: f64) -> f64 {
    use std::arch::x86_64::*;
    let (va, vb) = (_mm256_set1_pd(a), _mm256_set1_pd(b));
    let mut acc = [_mm256_set1_pd(1.0); 12];
    for _ in 0..ITERATIONS {
        for v in acc.iter_mut() {
            *v = _mm256_fmadd_pd(*v, va, vb);
        }
    }
    let mut total = _mm256_setzero_pd();
    for v in acc {
        total = _mm256_add_pd(total, v);
    }
    let mut lanes = [0.0; 4];
    _mm256_storeu_pd(lanes.as_mut_ptr(), total);
    lanes.iter().sum()
}
