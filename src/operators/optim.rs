//! Optimizers on plain f64 weight arrays (what checkpoints store):
//! - [`AdamW`] (Loshchilov & Hutter, ICLR 2019: Adam with decoupled weight decay);
//! - [`Muon`] (K. Jordan et al., 2024) on the FNO's hidden matrices, with a per-mode complex
//!   variant for the spectral weights, AdamW on the rest.

use faer::Mat;
use rayon::prelude::*;

use super::fno::{FnoConfig, FnoWeights};

/// AdamW state over the weight arrays.
#[derive(Debug, Clone, PartialEq)]
pub struct AdamW {
    /// First moments.
    pub m: Vec<Vec<f64>>,
    /// Second moments.
    pub v: Vec<Vec<f64>>,
    /// Steps taken.
    pub t: usize,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

impl AdamW {
    /// Zero moments for `weights`.
    pub fn new(weights: &FnoWeights, weight_decay: f64) -> Self {
        Self::for_arrays(&weights.arrays, weight_decay)
    }

    /// Zero moments for any list of parameter arrays (e.g. the neural spectral method's).
    pub fn for_arrays(arrays: &[Vec<f64>], weight_decay: f64) -> Self {
        let zeros: Vec<Vec<f64>> = arrays.iter().map(|a| vec![0.0; a.len()]).collect();
        Self {
            m: zeros.clone(),
            v: zeros,
            t: 0,
            weight_decay,
        }
    }

    /// One step at learning rate `lr` (β = 0.9, 0.999; ε = 1e-8).
    pub fn step(&mut self, weights: &mut FnoWeights, grads: &[Vec<f64>], lr: f64) {
        self.step_arrays(&mut weights.arrays, grads, lr);
    }

    /// [`AdamW::step`] on any list of parameter arrays.
    pub fn step_arrays(&mut self, arrays: &mut [Vec<f64>], grads: &[Vec<f64>], lr: f64) {
        self.step_except(arrays, grads, lr, &[]);
    }

    /// [`AdamW::step`] leaving the arrays listed in `skip` (and their moments) untouched.
    fn step_except(
        &mut self,
        arrays: &mut [Vec<f64>],
        grads: &[Vec<f64>],
        lr: f64,
        skip: &[usize],
    ) {
        let (b1, b2, eps): (f64, f64, f64) = (0.9, 0.999, 1e-8);
        self.t += 1;
        let (c1, c2) = (1.0 - b1.powi(self.t as i32), 1.0 - b2.powi(self.t as i32));
        let arrays = arrays
            .iter_mut()
            .zip(grads)
            .zip(self.m.iter_mut().zip(&mut self.v))
            .enumerate()
            .filter(|(i, _)| !skip.contains(i));
        let decay = self.weight_decay;
        // Entrywise, so parallel chunks (and the SIMD the zipped loop compiles to) give the
        // same bits as a sequential loop.
        const CHUNK: usize = 1 << 12;
        for (_, ((w, g), (m, v))) in arrays {
            w.par_chunks_mut(CHUNK)
                .zip(g.par_chunks(CHUNK))
                .zip(m.par_chunks_mut(CHUNK).zip(v.par_chunks_mut(CHUNK)))
                .for_each(|((w, g), (m, v))| {
                    for (((w, &g), m), v) in w.iter_mut().zip(g).zip(m).zip(v) {
                        *m = b1 * *m + (1.0 - b1) * g;
                        *v = b2 * *v + (1.0 - b2) * g * g;
                        let update = (*m / c1) / ((*v / c2).sqrt() + eps);
                        *w -= lr * (update + decay * *w);
                    }
                });
        }
    }
}

/// Muon (K. Jordan et al., 2024) on the hidden matrices of the FNO, AdamW on the rest:
/// Nesterov momentum (β = 0.95), then the basis core's quintic Newton–Schulz (5 steps)
/// orthogonalizes the update, scaled by √max(1, rows/cols). The 1×1 skip weights are real
/// matrices; the spectral weights are complex per mode, R_k = A_k + iB_k, and are
/// orthogonalized through the real embedding [[A, −B], [B, A]], an algebra homomorphism
/// (ᴴ ↦ ᵀ), so the real iteration returns the embedding of the complex polar factor.
#[derive(Debug, Clone, PartialEq)]
pub struct Muon {
    /// Momentum buffers (used for the Muon arrays).
    pub momentum: Vec<Vec<f64>>,
    /// AdamW for lifting, projection and biases.
    pub adam: AdamW,
    /// Learning rate of the Muon arrays, relative to the AdamW one.
    pub lr_ratio: f64,
}

/// Which arrays Muon updates: (index, role).
fn muon_roles(config: &FnoConfig) -> Vec<(usize, MuonRole)> {
    (0..config.layers)
        .flat_map(|l| {
            let base = 2 + 4 * l;
            [(base, MuonRole::SpectralReal), (base + 2, MuonRole::Skip)]
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MuonRole {
    /// [K, C, C] real parts, followed by the imaginary parts in the next array.
    SpectralReal,
    /// A [C, C] skip matrix.
    Skip,
}

impl Muon {
    /// Fresh state for `weights`.
    pub fn new(weights: &FnoWeights, weight_decay: f64, lr_ratio: f64) -> Self {
        Self {
            momentum: weights.arrays.iter().map(|a| vec![0.0; a.len()]).collect(),
            adam: AdamW::new(weights, weight_decay),
            lr_ratio,
        }
    }

    /// One step: Muon on the hidden matrices, AdamW on everything else.
    pub fn step(&mut self, weights: &mut FnoWeights, grads: &[Vec<f64>], lr: f64) {
        use crate::basis::{newton_schulz, NewtonSchulzKind};
        let beta = 0.95;
        let roles = muon_roles(&weights.config);
        let muon_arrays: Vec<usize> = roles
            .iter()
            .flat_map(|&(i, role)| match role {
                MuonRole::SpectralReal => vec![i, i + 1],
                MuonRole::Skip => vec![i],
            })
            .collect();
        self.adam
            .step_except(&mut weights.arrays, grads, lr, &muon_arrays);
        let nesterov = |m: &mut Vec<f64>, g: &[f64]| -> Vec<f64> {
            m.iter_mut()
                .zip(g)
                .map(|(m, g)| {
                    *m = beta * *m + (1.0 - beta) * g;
                    (1.0 - beta) * g + beta * *m
                })
                .collect()
        };
        let orthogonalize = |u: Mat<f64>| -> Mat<f64> {
            newton_schulz(u.as_ref(), NewtonSchulzKind::MuonQuintic, 5).unwrap_or(u)
        };
        let c = weights.config.width;
        let eta = lr * self.lr_ratio;
        let decay = self.adam.weight_decay;
        for (i, role) in roles {
            match role {
                MuonRole::Skip => {
                    let u = nesterov(&mut self.momentum[i], &grads[i]);
                    let o = orthogonalize(Mat::from_fn(c, c, |r, s| u[r * c + s]));
                    for (p, w) in weights.arrays[i].iter_mut().enumerate() {
                        *w = *w * (1.0 - eta * decay) - eta * o[(p / c, p % c)];
                    }
                }
                MuonRole::SpectralReal => {
                    let ur = nesterov(&mut self.momentum[i], &grads[i]);
                    let ui = nesterov(&mut self.momentum[i + 1], &grads[i + 1]);
                    // Every mode's polar factor is independent: in parallel over modes
                    // (K in 1-D, 2K·K in 2-D).
                    let modes = ur.len() / (c * c);
                    let factors: Vec<Mat<f64>> = (0..modes)
                        .into_par_iter()
                        .map(|k| {
                            let at = |v: &[f64], r: usize, s: usize| v[k * c * c + r * c + s];
                            orthogonalize(Mat::from_fn(2 * c, 2 * c, |r, s| match (r < c, s < c) {
                                (true, true) | (false, false) => at(&ur, r % c, s % c),
                                (true, false) => -at(&ui, r, s - c),
                                (false, true) => at(&ui, r - c, s),
                            }))
                        })
                        .collect();
                    for (k, o) in factors.iter().enumerate() {
                        for r in 0..c {
                            for s in 0..c {
                                let p = k * c * c + r * c + s;
                                let (wr, wi) = (weights.arrays[i][p], weights.arrays[i + 1][p]);
                                weights.arrays[i][p] = wr * (1.0 - eta * decay) - eta * o[(r, s)];
                                weights.arrays[i + 1][p] =
                                    wi * (1.0 - eta * decay) - eta * o[(r + c, s)];
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Muon moves the weights of every Fourier mode, including the 2K·K of a 2-D FNO.
    #[test]
    fn muon_updates_every_mode_in_two_dimensions() {
        let config = FnoConfig {
            dims: 2,
            in_channels: 3,
            out_channels: 1,
            width: 4,
            modes: 3,
            layers: 2,
            projection: 8,
        };
        let mut weights = FnoWeights::init(config, 0);
        let before = weights.clone();
        let grads: Vec<Vec<f64>> = weights
            .arrays
            .iter()
            .map(|a| {
                (0..a.len())
                    .map(|i| ((i * 7 % 5) as f64 - 2.0) / 3.0)
                    .collect()
            })
            .collect();
        Muon::new(&weights, 0.0, 1.0).step(&mut weights, &grads, 1e-2);
        for (i, role) in muon_roles(&config) {
            let arrays = match role {
                MuonRole::SpectralReal => vec![i, i + 1],
                MuonRole::Skip => vec![i],
            };
            for a in arrays {
                let block = config.width * config.width;
                for (k, (new, old)) in weights.arrays[a]
                    .chunks(block)
                    .zip(before.arrays[a].chunks(block))
                    .enumerate()
                {
                    assert!(new != old, "array {a}, mode {k}: not updated");
                }
            }
        }
        // 2K·K = 18 modes of 4 × 4 weights.
        assert_eq!(weights.arrays[2].len(), 18 * 16);
    }
}
