//! Pseudo-spectral evaluation of quadratic products with dealiasing.
//!
//! A product of two fields resolved up to mode K has modes up to 2K; sampled on n points,
//! the modes above n/2 alias onto lower ones. Two standard cures (Canuto, Hussaini,
//! Quarteroni, Zang, "Spectral Methods: Fundamentals in Single Domains", §3.4):
//! - the 2/3 rule (Orszag 1971): zero every mode with |m| > K, 3K < n, after the product,
//!   so only modes that cannot receive aliases are kept;
//! - 3/2 padding: evaluate the product on a grid of 3n/2 points (modes of the n-grid
//!   zero-padded) and truncate back, which keeps every mode of the n-grid exact.
//!
//! Nyquist modes are zeroed in every mode: they have no sign, so an odd derivative of them
//! is undefined on the grid.

use num_complex::Complex64;

use crate::error::Result;
use crate::fft::SpectralTransform;
use crate::grid::Grid;
use crate::par::chunked;

/// How quadratic products are dealiased (`two-thirds`, `three-halves`, `none`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    strum::EnumString,
    strum::IntoStaticStr,
    strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "kebab-case")
)]
pub enum Dealias {
    /// Orszag's 2/3 rule (the default).
    #[default]
    TwoThirds,
    /// Zero-padding to 3n/2 points per axis.
    ThreeHalves,
    /// No dealiasing (Nyquist still zeroed): for tests and comparisons.
    None,
}

impl Dealias {
    /// The name used in files and recipes.
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// Largest |mode| kept by the 2/3 rule on n points: the largest K with 3K < n.
pub fn two_thirds_cutoff(n: usize) -> i64 {
    ((n - 1) / 3) as i64
}

/// Transforms to physical space and back for products, on the padded grid when asked.
/// Holds `slots` physical buffers for the factors and one for the product.
#[derive(Debug, Clone)]
pub struct ProductEvaluator {
    grid: Grid,
    dealias: Dealias,
    /// Transform on the grid where products are formed (padded or not).
    transform: SpectralTransform,
    /// For padding: index in the padded spectral layout of each n-grid mode (None: dropped).
    padded_index: Vec<Option<usize>>,
    /// Spectral buffer on the product grid.
    work_spec: Vec<Complex64>,
    /// Whether each n-grid mode is kept after a product.
    keep: Vec<bool>,
    /// Physical buffers on the product grid.
    pub fields: Vec<Vec<f64>>,
}

/// A per-mode factor of a product's spectrum, prepared by [`ProductEvaluator::masked`].
#[derive(Debug, Clone)]
pub struct MaskedFactor {
    values: FactorValues,
    /// Whether the forward transform's 1/n is folded into the values.
    normalized: bool,
}

/// The factor's values: complex, or imaginary parts of a purely imaginary factor.
#[derive(Debug, Clone)]
enum FactorValues {
    Complex(Vec<Complex64>),
    Imaginary(Vec<f64>),
}

impl MaskedFactor {
    /// The factor of mode `k` (for the padded path, which maps mode by mode).
    fn at(&self, k: usize) -> Complex64 {
        match &self.values {
            FactorValues::Complex(f) => f[k],
            FactorValues::Imaginary(b) => Complex64::new(0.0, b[k]),
        }
    }
}

impl ProductEvaluator {
    /// Plans products on `grid` with `slots` physical buffers.
    pub fn new(grid: &Grid, dealias: Dealias, slots: usize) -> Result<Self> {
        let product_grid = match dealias {
            Dealias::ThreeHalves => padded_grid(grid)?,
            _ => grid.clone(),
        };
        let (kx_cut, ky_cut) = (two_thirds_cutoff(grid.nx()), two_thirds_cutoff(grid.ny()));
        let mut keep = vec![true; grid.spectral_len()];
        let mut padded_index = vec![None; grid.spectral_len()];
        grid.for_each_mode(|kx, ky, idx| {
            let nyquist = grid.is_nyquist_x(kx) || grid.is_nyquist_y(ky);
            let (mx, my) = (grid.mode_x(kx), grid.mode_y(ky));
            keep[idx] = !nyquist
                && match dealias {
                    Dealias::TwoThirds => mx.abs() <= kx_cut && my.abs() <= ky_cut,
                    _ => true,
                };
            if keep[idx] {
                let py = if my >= 0 {
                    my as usize
                } else {
                    (product_grid.ny() as i64 + my) as usize
                };
                padded_index[idx] = Some(kx * product_grid.ny() + py);
            }
        });
        Ok(Self {
            grid: grid.clone(),
            dealias,
            transform: SpectralTransform::new(&product_grid),
            padded_index,
            work_spec: vec![Complex64::default(); product_grid.spectral_len()],
            keep,
            fields: vec![vec![0.0; product_grid.len()]; slots + 1],
        })
    }

    /// The dealiasing mode.
    pub fn dealias(&self) -> Dealias {
        self.dealias
    }

    /// Whether n-grid mode `idx` survives a product (the dealiasing mask).
    pub fn keeps(&self, idx: usize) -> bool {
        self.keep[idx]
    }

    /// Inverse-transforms an n-grid spectral field into physical slot `slot` (on the
    /// padded grid for 3/2 padding).
    pub fn to_physical(&mut self, spec: &[Complex64], slot: usize) {
        if self.dealias == Dealias::ThreeHalves {
            self.pad(spec);
            self.transform
                .inverse_in_place(&mut self.work_spec, &mut self.fields[slot]);
        } else {
            self.transform.inverse(spec, &mut self.fields[slot]);
        }
    }

    /// [`ProductEvaluator::to_physical`] for a temporary spectrum, which is destroyed.
    pub fn to_physical_in_place(&mut self, spec: &mut [Complex64], slot: usize) {
        if self.dealias == Dealias::ThreeHalves {
            self.to_physical(spec, slot);
        } else {
            self.transform
                .inverse_in_place(spec, &mut self.fields[slot]);
        }
    }

    /// Zero-pads an n-grid spectrum into the padded layout.
    fn pad(&mut self, spec: &[Complex64]) {
        self.work_spec.fill(Complex64::default());
        for (idx, target) in self.padded_index.iter().enumerate() {
            if let Some(t) = target {
                self.work_spec[*t] = spec[idx];
            }
        }
    }

    /// Index of the product slot (the last physical buffer).
    pub fn product_slot(&self) -> usize {
        self.fields.len() - 1
    }

    /// Forward-transforms the product slot back to the n-grid, applies the mask and maps
    /// each mode: `out[k] = map(k, P̂(k))` for kept modes and `map(k, 0)` otherwise (so a
    /// forcing term can be added in the same pass).
    pub fn product_to_spectral(
        &mut self,
        out: &mut [Complex64],
        map: impl Fn(usize, Complex64) -> Complex64 + Sync,
    ) {
        let slot = self.product_slot();
        let zero = Complex64::default();
        if self.dealias == Dealias::ThreeHalves {
            self.transform
                .forward(&self.fields[slot], &mut self.work_spec);
            for (idx, o) in out.iter_mut().enumerate() {
                *o = map(
                    idx,
                    self.padded_index[idx].map_or(zero, |t| self.work_spec[t]),
                );
            }
        } else {
            self.transform.forward(&self.fields[slot], out);
            let keep = &self.keep;
            chunked(out, |offset, out| {
                let keep = &keep[offset..offset + out.len()];
                for (j, (o, keep)) in out.iter_mut().zip(keep).enumerate() {
                    *o = map(offset + j, if *keep { *o } else { zero });
                }
            });
        }
    }

    /// `factor` prepared for [`ProductEvaluator::product_to_spectral_scaled`], once by its
    /// caller: zero on the modes a product drops; kept as imaginary parts alone when every
    /// entry is imaginary (a first derivative's ik), so each mode costs two products; on an
    /// unpadded 1-D grid with the transform's 1/n folded in, so the forward transform skips
    /// its normalization pass (the same bits for n a power of two, 1 ulp otherwise).
    pub fn masked(&self, factor: &[Complex64]) -> MaskedFactor {
        let normalized = !self.grid.is_2d() && self.dealias != Dealias::ThreeHalves;
        let scale = if normalized {
            1.0 / self.grid.len() as f64
        } else {
            1.0
        };
        let kept = factor.iter().zip(&self.keep).map(|(f, keep)| {
            if *keep {
                *f * scale
            } else {
                Complex64::default()
            }
        });
        let values = if factor.iter().all(|f| f.re == 0.0) {
            FactorValues::Imaginary(kept.map(|f| f.im).collect())
        } else {
            FactorValues::Complex(kept.collect())
        };
        MaskedFactor { values, normalized }
    }

    /// [`ProductEvaluator::product_to_spectral`] for the commonest map, a product with a
    /// per-mode factor: `out[k] = factor[k]·P̂(k)` on kept modes and 0 on the others, with
    /// the factor from [`ProductEvaluator::masked`]. The same values as the closure form
    /// in one branch-free pass (a derivative's factor on a 1-D spectrum: a fifth of the
    /// instructions). On a 1-D grid the product slot is the transform's workspace: its
    /// contents are destroyed.
    pub fn product_to_spectral_scaled(&mut self, out: &mut [Complex64], factor: &MaskedFactor) {
        if self.dealias == Dealias::ThreeHalves {
            return self.product_to_spectral(out, |k, p| factor.at(k) * p);
        }
        let slot = self.product_slot();
        if factor.normalized {
            self.transform
                .forward_unnormalized_1d_in_place(&mut self.fields[slot], out);
        } else {
            self.transform.forward(&self.fields[slot], out);
        }
        match &factor.values {
            FactorValues::Complex(f) => chunked(out, |offset, out| {
                let f = &f[offset..offset + out.len()];
                for (o, f) in out.iter_mut().zip(f) {
                    *o *= *f;
                }
            }),
            FactorValues::Imaginary(b) => chunked(out, |offset, out| {
                let b = &b[offset..offset + out.len()];
                for (o, b) in out.iter_mut().zip(b) {
                    // (i b)(x + i y) = −b y + i b x.
                    *o = Complex64::new(-b * o.im, b * o.re);
                }
            }),
        }
    }

    /// The n-grid this evaluator serves.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }
}

/// The 3/2-padded grid (even sizes, 1-D stays 1-D).
fn padded_grid(grid: &Grid) -> Result<Grid> {
    let pad = |n: usize| (3 * n).div_ceil(4) * 2;
    if grid.is_2d() {
        Grid::new_2d(pad(grid.nx()), pad(grid.ny()), grid.lx(), grid.ly())
    } else {
        Grid::new_1d(pad(grid.nx()), grid.lx())
    }
}
