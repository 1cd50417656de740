//! Optimizers on plain f64 weight arrays (what checkpoints store):
//! - [`AdamW`] (Loshchilov & Hutter, ICLR 2019: Adam with decoupled weight decay);
//! - [`Muon`] (K. Jordan et al., 2024) on the FNO's hidden matrices, with a per-mode complex
//!   variant for the spectral weights (batched f32 Newton–Schulz), AdamW on the rest.

use rayon::prelude::*;

use super::fno::{FnoConfig, FnoWeights};
use super::muon_kernel::orthogonalize_batch;
use super::simd::dispatch;

/// Entries per parallel task of the optimizers' entrywise loops (a fixed split: the same
/// bits for any thread count).
const CHUNK: usize = 1 << 12;

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
        self.t += 1;
        let step = AdamWStep::new(self.t, lr, self.weight_decay);
        let arrays = arrays
            .iter_mut()
            .zip(grads)
            .zip(self.m.iter_mut().zip(&mut self.v))
            .enumerate()
            .filter(|(i, _)| !skip.contains(i));
        // Entrywise, so parallel chunks (and any SIMD width) give the same bits as a
        // sequential loop.
        for (_, ((w, g), (m, v))) in arrays {
            w.par_chunks_mut(CHUNK)
                .zip(g.par_chunks(CHUNK))
                .zip(m.par_chunks_mut(CHUNK).zip(v.par_chunks_mut(CHUNK)))
                .for_each(|((w, g), (m, v))| {
                    dispatch(
                        #[inline(always)]
                        || step.apply(w, g, m, v),
                    )
                });
        }
    }
}

/// The constants of one AdamW step t (β = 0.9, 0.999; ε = 1e-8), with the bias corrections
/// c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ folded in: w ← w − (lr/c₁)·m / (√v/√c₂ + ε) − lr·λ·w, which
/// is lr·(m̂/(√v̂ + ε) + λw) with one division and one square root per entry.
#[derive(Debug, Clone, Copy)]
struct AdamWStep {
    b1: f64,
    b2: f64,
    eps: f64,
    lr_over_c1: f64,
    inv_sqrt_c2: f64,
    lr_decay: f64,
}

impl AdamWStep {
    /// The update of one chunk of weights, their gradients and moments (run under
    /// [`dispatch`]: division and square root are the costly operations).
    #[inline(always)]
    fn apply(self, w: &mut [f64], g: &[f64], m: &mut [f64], v: &mut [f64]) {
        for ((w, &g), (m, v)) in w.iter_mut().zip(g).zip(m.iter_mut().zip(v)) {
            *m = self.b1 * *m + (1.0 - self.b1) * g;
            *v = self.b2 * *v + (1.0 - self.b2) * g * g;
            let update = self.lr_over_c1 * *m / (v.sqrt() * self.inv_sqrt_c2 + self.eps);
            *w -= update + self.lr_decay * *w;
        }
    }

    fn new(t: usize, lr: f64, weight_decay: f64) -> Self {
        let (b1, b2): (f64, f64) = (0.9, 0.999);
        let (c1, c2) = (1.0 - b1.powi(t as i32), 1.0 - b2.powi(t as i32));
        Self {
            b1,
            b2,
            eps: 1e-8,
            lr_over_c1: lr / c1,
            inv_sqrt_c2: 1.0 / c2.sqrt(),
            lr_decay: lr * weight_decay,
        }
    }
}

/// Muon (K. Jordan et al., 2024) on the hidden matrices of the FNO, AdamW on the rest:
/// Nesterov momentum (β = 0.95), then the basis core's quintic Newton–Schulz (5 steps)
/// orthogonalizes the update, scaled by √max(1, rows/cols). The 1×1 skip weights are real
/// matrices; the spectral weights are complex per mode, R_k = A_k + iB_k, orthogonalized as
/// complex matrices, which is the real iteration on the embedding [[A, −B], [B, A]] (an
/// algebra homomorphism, ᴴ ↦ ᵀ) at half its cost ([`super::muon_kernel`]).
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

    /// One step: Muon on the hidden matrices, AdamW on everything else. The momenta stay in
    /// f64 (what checkpoints store); the Newton–Schulz orthogonalization runs in f32 on all
    /// the Fourier modes of all layers in one batch, and on the skip matrices in another
    /// ([`super::muon_kernel::orthogonalize_batch`]), so its products are spread over the
    /// cores whatever the layer count.
    pub fn step(&mut self, weights: &mut FnoWeights, grads: &[Vec<f64>], lr: f64) {
        const STEPS: usize = 5;
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
        // Nesterov momentum in f64, written as the f32 update into `out`.
        let nesterov = |m: &mut [f64], g: &[f64], out: &mut [f32]| {
            m.par_chunks_mut(CHUNK)
                .zip(g.par_chunks(CHUNK))
                .zip(out.par_chunks_mut(CHUNK))
                .for_each(|((m, g), out)| {
                    dispatch(
                        #[inline(always)]
                        || {
                            for ((m, &g), o) in m.iter_mut().zip(g).zip(out) {
                                *m = beta * *m + (1.0 - beta) * g;
                                *o = ((1.0 - beta) * g + beta * *m) as f32;
                            }
                        },
                    )
                });
        };
        let c = weights.config.width;
        let block = c * c;
        let spectral: Vec<usize> = roles
            .iter()
            .filter(|(_, role)| *role == MuonRole::SpectralReal)
            .map(|&(i, _)| i)
            .collect();
        let skips: Vec<usize> = roles
            .iter()
            .filter(|(_, role)| *role == MuonRole::Skip)
            .map(|&(i, _)| i)
            .collect();
        // Every layer's [M, C, C] real and imaginary updates, one after the other.
        let mut re = vec![0.0f32; spectral.iter().map(|&i| grads[i].len()).sum()];
        let mut im = vec![0.0f32; re.len()];
        let mut offset = 0;
        for &i in &spectral {
            let len = grads[i].len();
            nesterov(
                &mut self.momentum[i],
                &grads[i],
                &mut re[offset..offset + len],
            );
            nesterov(
                &mut self.momentum[i + 1],
                &grads[i + 1],
                &mut im[offset..offset + len],
            );
            offset += len;
        }
        let mut skip = vec![0.0f32; skips.len() * block];
        for (&i, out) in skips.iter().zip(skip.chunks_mut(block)) {
            nesterov(&mut self.momentum[i], &grads[i], out);
        }
        orthogonalize_batch(&mut re, Some(&mut im), c, c, STEPS);
        orthogonalize_batch(&mut skip, None, c, c, STEPS);
        // W ← W(1 − ηλ) − η·O for every Muon array (square matrices: the √max(1, rows/cols)
        // scale is 1).
        let eta = lr * self.lr_ratio;
        let shrink = 1.0 - eta * self.adam.weight_decay;
        let update = |w: &mut [f64], o: &[f32]| {
            w.par_chunks_mut(CHUNK)
                .zip(o.par_chunks(CHUNK))
                .for_each(|(w, o)| {
                    dispatch(
                        #[inline(always)]
                        || {
                            for (w, &o) in w.iter_mut().zip(o) {
                                *w = *w * shrink - eta * f64::from(o);
                            }
                        },
                    )
                });
        };
        let mut offset = 0;
        for &i in &spectral {
            let len = grads[i].len();
            update(&mut weights.arrays[i], &re[offset..offset + len]);
            update(&mut weights.arrays[i + 1], &im[offset..offset + len]);
            offset += len;
        }
        for (&i, o) in skips.iter().zip(skip.chunks(block)) {
            update(&mut weights.arrays[i], o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed, non-trivial gradient for every array of `weights`.
    fn synthetic_gradients(weights: &FnoWeights) -> Vec<Vec<f64>> {
        weights
            .arrays
            .iter()
            .map(|a| {
                (0..a.len())
                    .map(|i| ((i * 7 % 5) as f64 - 2.0) / 3.0)
                    .collect()
            })
            .collect()
    }

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
        let grads = synthetic_gradients(&weights);
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

    /// The batched f32 Muon step moves the weights as the per-mode f64 reference does (the
    /// basis core's Newton–Schulz on each mode's real embedding [[A, −B], [B, A]] and on each
    /// skip matrix). Tolerance 5·10⁻⁴ relative to η: the f32 polar factors agree with the f64
    /// ones within 2·10⁻⁴ (`muon_kernel` tests) plus the f32 rounding of the momentum.
    #[test]
    fn muon_step_matches_the_per_mode_f64_reference() {
        use crate::basis::{newton_schulz, NewtonSchulzKind};
        use faer::Mat;
        let config = FnoConfig {
            dims: 1,
            in_channels: 2,
            out_channels: 1,
            width: 8,
            modes: 4,
            layers: 2,
            projection: 8,
        };
        let mut weights = FnoWeights::init(config, 3);
        let before = weights.clone();
        let grads = synthetic_gradients(&weights);
        let (lr, eta) = (1e-2, 1e-2);
        Muon::new(&weights, 0.0, 1.0).step(&mut weights, &grads, lr);
        let c = config.width;
        // First step from zero momentum: the Nesterov update is (1 − β)(1 + β)·g.
        let u = |g: f64| 0.05 * 1.95 * g;
        for (i, role) in muon_roles(&config) {
            let modes = grads[i].len() / (c * c);
            for k in 0..modes {
                let at = |a: usize, r: usize, s: usize| u(grads[a][k * c * c + r * c + s]);
                let o = match role {
                    MuonRole::Skip => newton_schulz(
                        Mat::from_fn(c, c, |r, s| at(i, r, s)).as_ref(),
                        NewtonSchulzKind::MuonQuintic,
                        5,
                    )
                    .unwrap(),
                    MuonRole::SpectralReal => newton_schulz(
                        Mat::from_fn(2 * c, 2 * c, |r, s| match (r < c, s < c) {
                            (true, true) | (false, false) => at(i, r % c, s % c),
                            (true, false) => -at(i + 1, r, s - c),
                            (false, true) => at(i + 1, r - c, s),
                        })
                        .as_ref(),
                        NewtonSchulzKind::MuonQuintic,
                        5,
                    )
                    .unwrap(),
                };
                for r in 0..c {
                    for s in 0..c {
                        let p = k * c * c + r * c + s;
                        let check = |a: usize, want: f64| {
                            let got = (before.arrays[a][p] - weights.arrays[a][p]) / eta;
                            assert!((got - want).abs() < 5e-4, "array {a}, {p}: {got} vs {want}");
                        };
                        check(i, o[(r, s)]);
                        if role == MuonRole::SpectralReal {
                            check(i + 1, o[(r + c, s)]);
                        }
                    }
                }
            }
        }
    }
}
