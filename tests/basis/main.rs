//! Property and accuracy tests of the orthogonal-basis core (`galerkin::basis`).

mod common;
mod distributed;
mod hapod;
mod interpolation;
mod least_squares;
mod newton_schulz;
mod orthonormal;
#[path = "../common/ranks.rs"]
mod ranks;
mod spectral;
mod svd;
