//! Neural operators on burn (=0.22.1, CPU `flex` backend; the backend is chosen at run
//! time through `burn::tensor::Device`, so nothing here names one):
//! - [`spectral`]: the spectral convolution of Fourier neural operators as truncated
//!   DFT / inverse-DFT matmuls built from the basis core's Fourier matrices;
//! - [`fno`]: FNO-1D (lifting, Fourier layers with pointwise skip and GELU, projection);
//! - [`train`]: relative-L² training with AdamW and a cosine schedule.
//!
//! Training (`galerkin train`), FNO-2D, the neural spectral method and Muon arrive with the
//! rest of issue #8.

pub mod fno;
pub mod spectral;
pub mod train;

use burn::tensor::{Device, FloatDType, Tensor};

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
