//! What a training run will hold in memory, checked before the network is built: the
//! modes against the grid, and the weights with their gradients and AdamW moments plus the
//! activations kept for the backward pass against the machine's available memory, so that
//! `--set model.width=100000000` is refused with both numbers instead of aborting the
//! allocator.

use super::recipe::ModelSpec;
use crate::workflow::error::{invalid, Result, WorkflowError};

/// Arrays of every weight's size a training step keeps: the weights, their gradients and
/// AdamW's two moments (Muon keeps one; the bound covers both).
const COPIES_PER_WEIGHT: f64 = 4.0;

/// Activations per hidden value kept for the backward pass: each Fourier layer stores its
/// input, the spectral and pointwise outputs, their sum and its GELU, with room for the
/// autodiff graph's temporaries.
const ACTIVATIONS_PER_VALUE: f64 = 8.0;

/// Checks `model` for samples on a grid of `shape` (\[n\] or \[nx, ny\]) with `channels`
/// input channels, `batch` at a time: `model.modes` at most the Fourier modes the grid
/// resolves along every axis, and the estimated bytes within `available` (if known).
pub fn check_training_memory(
    model: &ModelSpec,
    shape: &[usize],
    channels: usize,
    batch: usize,
    available: Option<u64>,
) -> Result<()> {
    let smallest = shape.iter().copied().min().unwrap_or(0);
    let resolved = smallest / 2 + 1;
    if model.modes > resolved {
        return Err(invalid(
            "model.modes",
            model.modes,
            format!("1 ..= {resolved} (the Fourier modes of {smallest} points along an axis)"),
        ));
    }
    let bytes = estimate(model, shape, channels, batch);
    match available {
        Some(available) if bytes > available as f64 => Err(WorkflowError::Invalid {
            field: "model".into(),
            value: format!(
                "width {}, modes {}, layers {}, projection {} (batch {})",
                model.width, model.modes, model.layers, model.projection, batch
            ),
            allowed: format!(
                "a network whose training fits in memory: it needs an estimated {} (weights, \
                 gradients and optimizer moments, and the activations of a batch), this \
                 machine has {} available; lower model.width, model.layers or train.batch",
                crate::data::format_bytes(bytes.min(u64::MAX as f64) as u64),
                crate::data::format_bytes(available)
            ),
        }),
        _ => Ok(()),
    }
}

/// Estimated bytes of a training step (f64 everywhere, an upper bound for f32 runs). In
/// floating point: the sizes multiply past 2^64 for absurd inputs, which only need to
/// compare as larger than any memory.
fn estimate(model: &ModelSpec, shape: &[usize], channels: usize, batch: usize) -> f64 {
    let (w, p) = (model.width as f64, model.projection as f64);
    // Complex weights of the kept modes: m per axis, both signs of all but the last axis.
    let modes = (model.modes as f64).powi(shape.len() as i32) * 2f64.powi(shape.len() as i32 - 1);
    let per_layer = 2.0 * w * w * modes + w * w + w;
    let weights = model.layers as f64 * per_layer + (channels as f64 + 1.0) * w + w * p + p;
    let points: f64 = shape.iter().map(|&n| n as f64).product();
    let activations = batch as f64
        * points
        * (ACTIVATIONS_PER_VALUE * w * model.layers as f64 + 3.0 * p + channels as f64);
    8.0 * (COPIES_PER_WEIGHT * weights + activations) + 64.0 * 1024.0 * 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(width: usize, modes: usize, layers: usize) -> ModelSpec {
        ModelSpec {
            width,
            modes,
            layers,
            projection: 24,
        }
    }

    #[test]
    fn small_networks_pass_and_absurd_ones_are_refused_with_the_estimate() {
        let gib = Some(1u64 << 30);
        assert!(check_training_memory(&model(12, 8, 3), &[64], 2, 8, gib).is_ok());
        let wide = check_training_memory(&model(100_000_000, 8, 3), &[64], 2, 8, gib);
        assert!(wide.unwrap_err().to_string().contains("available"));
        let deep = check_training_memory(&model(12, 8, 100_000_000), &[64], 2, 8, gib);
        assert!(deep.unwrap_err().to_string().contains("model.layers"));
        let modes = check_training_memory(&model(12, 40, 3), &[64, 64], 2, 8, gib);
        assert!(modes.unwrap_err().to_string().contains("1 ..= 33"));
    }
}
