//! Property and accuracy tests of the orthogonal-basis core (`galerkin::basis`).

mod common;
mod interpolation;
mod newton_schulz;
mod orthonormal;
mod spectral;
mod svd;
