//! The largest Lyapunov exponent by two-trajectory renormalization (Benettin, Galgani,
//! Giorgilli, Strelcyn, Meccanica 15, 1980): a reference and a nearby trajectory are
//! advanced together; every τ the separation d is measured, ln(|d|/δ) accumulated, and the
//! companion pulled back to distance δ along d. λ = Σ ln(|d|/δ) / (total time).

use num_complex::Complex64;

use crate::error::{invalid, positive, Result};
use crate::simulation::Simulation;

/// Parameters of [`largest_lyapunov_exponent`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LyapunovOptions {
    /// Steps discarded before measuring (to reach the attractor).
    pub transient_steps: usize,
    /// Steps between renormalizations (τ = steps·dt).
    pub renormalize_every: usize,
    /// Number of renormalization intervals averaged.
    pub intervals: usize,
    /// Separation δ, relative to the state's norm.
    pub relative_separation: f64,
}

/// The estimate and its running mean after each interval (to judge convergence).
#[derive(Debug, Clone, PartialEq)]
pub struct LyapunovEstimate {
    /// λ_max.
    pub exponent: f64,
    /// Running estimate after each interval.
    pub running: Vec<f64>,
}

/// ‖û‖² with Parseval weights of a real field's half spectrum (2 for columns kx > 0 that
/// stand for their conjugate partners), proportional to the physical L² norm.
fn norm(u: &[Complex64], ny: usize, nx_even_nyquist: Option<usize>) -> f64 {
    u.iter()
        .enumerate()
        .map(|(i, c)| {
            let kx = i / ny;
            let w = if kx == 0 || Some(kx) == nx_even_nyquist {
                1.0
            } else {
                2.0
            };
            w * c.norm_sqr()
        })
        .sum::<f64>()
        .sqrt()
}

/// Runs the reference `reference` and a companion `companion` (the same PDE and scheme;
/// its state is overwritten) and returns λ_max.
pub fn largest_lyapunov_exponent(
    reference: &mut Simulation,
    companion: &mut Simulation,
    opts: &LyapunovOptions,
) -> Result<LyapunovEstimate> {
    positive("relative_separation", opts.relative_separation)?;
    if opts.renormalize_every == 0 || opts.intervals == 0 {
        return Err(invalid(
            "renormalize_every / intervals",
            format!("{} / {}", opts.renormalize_every, opts.intervals),
            "both >= 1",
        ));
    }
    let grid = reference.pde().grid().clone();
    let ny = grid.ny();
    let nyq = (grid.nx() % 2 == 0).then_some(grid.nx() / 2);
    reference.advance(opts.transient_steps)?;
    let delta = opts.relative_separation * norm(reference.spectral(), ny, nyq);
    // Initial separation: a smooth deterministic direction spread over the low modes.
    let mut direction: Vec<Complex64> = (0..reference.spectral().len())
        .map(|i| {
            let kx = i / ny;
            if kx == 0 || kx > grid.nx() / 4 {
                Complex64::default()
            } else {
                Complex64::new((i as f64 * 0.7).sin(), (i as f64 * 1.3).cos())
            }
        })
        .collect();
    let d0 = norm(&direction, ny, nyq);
    direction.iter_mut().for_each(|c| *c *= delta / d0);
    for (c, (r, d)) in companion
        .spectral_mut()
        .iter_mut()
        .zip(reference.spectral().iter().zip(&direction))
    {
        *c = r + d;
    }
    let dt = reference.time() / reference.steps().max(1) as f64;
    let tau = opts.renormalize_every as f64 * dt;
    let mut sum = 0.0;
    let mut running = Vec::with_capacity(opts.intervals);
    for interval in 1..=opts.intervals {
        reference.advance(opts.renormalize_every)?;
        companion.advance(opts.renormalize_every)?;
        for (d, (c, r)) in direction
            .iter_mut()
            .zip(companion.spectral().iter().zip(reference.spectral()))
        {
            *d = c - r;
        }
        let dist = norm(&direction, ny, nyq);
        sum += (dist / delta).ln();
        running.push(sum / (interval as f64 * tau));
        let scale = delta / dist;
        for (c, (r, d)) in companion
            .spectral_mut()
            .iter_mut()
            .zip(reference.spectral().iter().zip(&direction))
        {
            *c = r + d * scale;
        }
    }
    Ok(LyapunovEstimate {
        exponent: *running.last().expect("intervals >= 1"),
        running,
    })
}
