//! [`Probe`]: the full state at a physical point, by periodic trigonometric interpolation
//! of the grid values, folded once into one row so that reading it costs O(r).

use std::f64::consts::PI;

use crate::error::{invalid, Result};
use crate::model::RomModel;

/// A point is taken as grid point k when |x/h − k| ≤ this (h the spacing), so the probe is
/// the exact row of V there rather than an interpolant rounded near 1.
const ON_GRID_TOL: f64 = 1e-12;

/// The full state's value at one point of one field, as a row of the reconstruction:
/// u(x) = `offset` + Σ_j `row[j]` a_j. Made once by [`RomModel::probe_at`] (O(n r));
/// read by [`crate::Instance::value_at`] in O(r) without allocating.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// ū interpolated at the point (0 without a mean).
    pub(crate) offset: f64,
    /// The modes interpolated at the point, r values.
    pub(crate) row: Vec<f64>,
}

impl Probe {
    /// ū interpolated at the point (0 without a mean).
    pub fn offset(&self) -> f64 {
        self.offset
    }

    /// Each mode interpolated at the point (r values): the row of V there.
    pub fn row(&self) -> &[f64] {
        &self.row
    }
}

/// The weights of the N grid values of one periodic axis of length L whose trigonometric
/// interpolant is evaluated at x ∈ [0, L): the periodic sinc
/// D(θ) = sin(Nθ/2) / (N tan(θ/2)) for even N (the Nyquist mode as a cosine),
/// sin(Nθ/2) / (N sin(θ/2)) for odd N, θ = 2π(x − x_k)/L; exactly one weight 1 on a grid
/// point.
fn axis_weights(x: f64, length: f64, points: usize) -> Vec<f64> {
    let h = length / points as f64;
    let nearest = (x / h).round();
    if (x / h - nearest).abs() <= ON_GRID_TOL {
        let mut w = vec![0.0; points];
        w[nearest as usize % points] = 1.0;
        return w;
    }
    let nf = points as f64;
    (0..points)
        .map(|k| {
            let theta = 2.0 * PI * (x - k as f64 * h) / length;
            let numerator = (nf * theta / 2.0).sin();
            if points % 2 == 0 {
                numerator / (nf * (theta / 2.0).tan())
            } else {
                numerator / (nf * (theta / 2.0).sin())
            }
        })
        .collect()
}

impl RomModel {
    /// The probe of field `field` (index into [`RomModel::field_names`]) at the physical
    /// point `point` (one coordinate per axis of [`RomModel::grid_shape`], same order,
    /// each in [0, L) of its axis, L from [`RomModel::domain`]). The grid values of each
    /// mode and of the mean are interpolated by the periodic trigonometric (Fourier)
    /// interpolant (the periodic sinc of each axis, a tensor product in 2-D); on a grid point (within
    /// 1e-12 of the spacing) the probe is that point's row of V exactly. Costs O(n r) once;
    /// errors name the argument and its allowed range.
    pub fn probe_at(&self, field: usize, point: &[f64]) -> Result<Probe> {
        let fields = self.field_names();
        if field >= fields.len() {
            return Err(invalid(
                "field",
                field,
                format!("0..{} (the fields {fields:?})", fields.len()),
            ));
        }
        let shape = self.grid_shape();
        if shape.is_empty() || point.len() != shape.len() {
            return Err(invalid(
                "point",
                format!("{} coordinates", point.len()),
                format!(
                    "{} coordinates (one per axis of grid_shape {shape:?}; a model without \
                     a grid has no points)",
                    shape.len()
                ),
            ));
        }
        let domain = self.domain();
        for (axis, (&x, &length)) in point.iter().zip(domain).enumerate() {
            if !(x.is_finite() && (0.0..length).contains(&x)) {
                return Err(invalid(
                    format!("point[{axis}]"),
                    x,
                    format!("a finite coordinate in [0, {length}) (the periodic domain)"),
                ));
            }
        }
        let weights: Vec<Vec<f64>> = point
            .iter()
            .zip(domain)
            .zip(shape)
            .map(|((&x, &length), &points)| axis_weights(x, length, points))
            .collect();
        let points: usize = shape.iter().product();
        let r = self.r;
        let mut probe = Probe {
            offset: 0.0,
            row: vec![0.0; r],
        };
        for local in 0..points {
            // Row-major over grid_shape: the last axis fastest.
            let (mut rest, mut w) = (local, 1.0);
            for (axis_weights, &size) in weights.iter().zip(shape).rev() {
                w *= axis_weights[rest % size];
                rest /= size;
            }
            if w == 0.0 {
                continue;
            }
            let i = field * points + local;
            probe.offset += w * self.mean.as_ref().map_or(0.0, |m| m[i]);
            for (p, v) in probe.row.iter_mut().zip(&self.basis[i * r..(i + 1) * r]) {
                *p += w * v;
            }
        }
        Ok(probe)
    }
}
