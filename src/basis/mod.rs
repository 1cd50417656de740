//! The orthogonal-basis core shared by POD, hyper-reduction, spectral layers and Muon.
//!
//! Everything here works on dense `f64` matrices in faer's column-major [`faer::Mat`]:
//! - [`Basis`]: orthonormal columns under an [`InnerProduct`] (Euclidean or diagonal
//!   quadrature weights), grown by CGS2 re-orthogonalization;
//! - thin QR by Householder ([`householder_qr`]) and by a TSQR reduction tree ([`tsqr`]);
//! - SVDs: thin ([`thin_svd`]), method of snapshots ([`method_of_snapshots`]), randomized
//!   ([`randomized_svd`]) and incremental ([`IncrementalSvd`]); POD rank rules
//!   ([`Truncation`]); the distributed HAPOD of snapshot slices ([`distributed_hapod`]);
//!   the thin SVD of a matrix distributed by rows over ranks ([`row_distributed_svd_leading`]);
//! - Newton–Schulz polar iterations ([`newton_schulz`]), cubic and Muon's quintic;
//! - interpolation points: EIM ([`Eim`]), DEIM ([`deim`]), Q-DEIM ([`qdeim`]) and the
//!   oblique projector they define ([`Interpolator`]);
//! - spectral reference bases ([`fourier_basis`], [`chebyshev_basis`]);
//! - faer's parallelism fixed to a number of tasks ([`use_fixed_parallelism`]), so results
//!   do not depend on the thread count.

mod distributed;
mod error;
mod hapod;
mod incremental;
mod inner;
mod interpolation;
mod least_squares;
mod newton_schulz;
mod norms;
mod orthonormal;
mod pages;
mod parallelism;
mod qr;
mod randomized;
mod spectral;
mod svd;
mod truncation;

pub use distributed::row_distributed_svd_leading;
pub use error::{BasisError, Result};
pub use hapod::{distributed_hapod, hapod_on, Hapod, HapodOptions};
pub use incremental::{IncrementalSvd, IncrementalSvdOptions, BLOCK_COLUMNS};
pub use inner::InnerProduct;
pub use interpolation::{deim, qdeim, qdeim_bound, Eim, Interpolator};
pub use least_squares::{regularized_least_squares, TikhonovPath};
pub use newton_schulz::{
    newton_schulz, polar_factor, NewtonSchulzKind, MUON_QUINTIC, MUON_QUINTIC_BAND,
};
pub use norms::{distance, relative_error, squared_distance};
pub use orthonormal::{orthogonality_error, Basis};
pub use parallelism::{fixed_parallelism, use_fixed_parallelism, FAER_TASKS};
pub use qr::{householder_qr, tsqr, ThinQr};
pub use randomized::{randomized_svd, RandomizedSvdOptions};
pub use spectral::{chebyshev_basis, chebyshev_lobatto_points, fourier_basis};
pub use svd::{
    method_of_snapshots, method_of_snapshots_leading, thin_svd, thin_svd_leading, ThinSvd,
    SNAPSHOTS_ORTHOGONALITY_TOL,
};
pub use truncation::Truncation;
