//! `galerkin-kernels`: the online kernels of reduced models, shared by the `galerkin` library
//! and `galerkin-runtime` so a ROM run through either rounds the same, bit for bit.
//!
//! - [`gemv_add`] and [`dot`]: dense row-major products, register-blocked with AVX2 + FMA
//!   where the processor has them.
//! - [`gemm_add`]: the same product for an ensemble of vectors at once.
//! - [`QuadraticTerm`]: the packed quadratic term of a Galerkin ROM (one state or many),
//!   stored in column panels for the online product.
//! - [`expm`], [`phi_functions`] and [`Etdrk4`]: exponential integration of stiff reduced
//!   models, dx/dt = A x + g(x), at the full model's step.
//! - [`spectral_radius`] and [`rk4_substeps`]: the rule that decides between RK4 and ETDRK4.

mod dense;
mod etdrk4;
mod exponential;
mod quadratic;

pub use dense::{dot, gemm, gemm_add, gemv, gemv_add, gemv_add_portable, Kernel};
pub use etdrk4::Etdrk4;
pub use exponential::{expm, phi_functions};
pub use quadratic::{pair_count, pair_products, QuadraticTerm};

use faer::Mat;

/// Why a kernel could not be set up.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KernelError {
    /// An argument outside its allowed range.
    #[error("{field} = {value} is not allowed: expected {allowed}")]
    Invalid {
        /// The argument.
        field: &'static str,
        /// Its value.
        value: String,
        /// The allowed range.
        allowed: String,
    },
    /// A NaN or infinity in an input or a result.
    #[error("{0} has a NaN or infinite entry")]
    NonFinite(&'static str),
}

/// Largest h·ρ(A) for one classical RK4 step: its stability region reaches −2.785 on the
/// real axis and ±2.83i on the imaginary one; 2.5 keeps a margin.
pub const RK4_STABLE_DT_RHO: f64 = 2.5;

/// The RK4 substeps a step `dt` needs for a linear part of spectral radius `rho`:
/// ⌈dt·ρ / 2.5⌉, at least 1.
pub fn rk4_substeps(dt: f64, rho: f64) -> f64 {
    (dt * rho / RK4_STABLE_DT_RHO).ceil().max(1.0)
}

/// The spectral radius of the row-major r × r matrix `a` (faer's eigenvalues, largest
/// modulus), or the Gershgorin bound max_k Σ_l |a_kl| if the eigenvalue solver fails.
pub fn spectral_radius(a: &[f64], r: usize) -> f64 {
    let m = Mat::from_fn(r, r, |i, j| a[i * r + j]);
    match m.eigenvalues() {
        Ok(values) => values.iter().map(|l| l.norm()).fold(0.0, f64::max),
        Err(_) => a
            .chunks_exact(r.max(1))
            .map(|row| row.iter().map(|v| v.abs()).sum::<f64>())
            .fold(0.0, f64::max),
    }
}
