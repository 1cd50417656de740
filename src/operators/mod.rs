//! Neural operators on burn (=0.22.1, CPU `flex` backend; the backend is chosen at run
//! time through `burn::tensor::Device`, so the model code names none; see
//! `training/README.md` for what a GPU build needs):
//! - [`spectral`]: the spectral convolution of Fourier neural operators as truncated
//!   DFT / inverse-DFT matmuls built from the basis core's Fourier matrices, 1-D and 2-D;
//! - [`fno`]: FNO-1D/2D (lifting, Fourier layers with pointwise skip and GELU, projection),
//!   built from fused CPU layers with their own backward: [`dense`] (pointwise layer,
//!   bias, addend and GELU in one pass), [`transform`] (a fixed transform applied per batch
//!   item), [`mode_mix`] (the per-mode complex channel mix) and [`activation`] (GELU, value
//!   and slope in one SIMD pass), all on faer matmuls over burn-flex storage and falling
//!   back to burn's operations elsewhere;
//! - [`data`]: samples cut from trajectories (u₀ ↦ u(T), autoregressive windows);
//! - [`loss`]: relative L² and H¹ (exact, by Parseval) losses;
//! - [`optim`]: AdamW and Muon (the basis core's quintic Newton–Schulz, batched in f32 over
//!   every Fourier mode by [`muon_kernel`], complex per mode);
//! - [`train`]: the training loop (schedules, k-step rollout, evaluation, rollout errors);
//! - [`nsm`]: the neural spectral method, trained by the PDE residual alone;
//! - [`error`]: the one error type of the layer.
//!
//! Training recipes, trajectory files and checkpoints are the workflow layer's
//! (`galerkin::workflow::training`); this layer reads and writes no files.

pub mod activation;
pub mod data;
pub mod dense;
pub mod error;
mod flex;
pub mod fno;
mod gelu_kernel;
pub mod loss;
pub mod mode_mix;
pub mod muon_kernel;
pub mod nsm;
pub mod optim;
mod simd;
pub mod spectral;
pub mod train;
pub mod transform;

use burn::tensor::{Device, FloatDType, Tensor};

/// Keeps freed buffers in the process heap instead of handing them back to the OS (glibc
/// `mallopt`: no `mmap` for blocks under 32 MiB, no trimming). A CPU training step frees
/// and reallocates hundreds of activation buffers of a few MiB; with glibc's defaults each
/// comes back as fresh pages, and the page faults and zeroing cost about a fifth of an
/// FNO-1D step (measured: 168 → 131 ms for the benchmark step). Call it once, early, in a
/// program that trains on the CPU; elsewhere it does nothing.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets allocator parameters; it takes no pointers.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

/// The CPU device with f64 as its float type (for gradient checks and f64 work); must be
/// made before any tensor is created on it.
pub fn cpu_f64() -> Device {
    let mut device = Device::flex();
    // A fresh flex device accepts its settings once; an error means they are already f64.
    let _ = device.configure(FloatDType::F64);
    device
}

/// The entries of `t` as f64, whatever its float type.
pub fn to_f64<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data()
        .convert::<f64>()
        .try_into_vec::<f64>()
        .expect("converted to f64 just before")
}
