//! Property and accuracy tests of the orthogonal-basis core (`galerkin::basis`).

mod common;
mod hapod;
mod interpolation;
mod least_squares;
mod newton_schulz;
mod orthonormal;
mod spectral;
mod svd;
