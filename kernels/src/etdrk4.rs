//! ETDRK4 in reduced space: the fourth-order exponential time differencing Runge–Kutta
//! scheme of S. M. Cox and P. C. Matthews (J. Comput. Phys. 176, 2002) for
//! dx/dt = A x + g(x) with a dense r × r linear operator A.
//!
//! Spectral solvers apply ETDRK4 with a diagonal L; a reduced model's A = VᵀLV is dense
//! and, for fourth-order operators like Kuramoto–Sivashinsky's k⁴ term, stiff: RK4 needs
//! dt·ρ(A) ≤ 2.8 and splits the full model's step into many substeps. ETDRK4 integrates
//! the linear part exactly, so it takes the full model's step. Its matrix coefficients
//! (Hochbruck & Ostermann, Acta Numerica 19, 2010, eq. (2.39) in φ form)
//!
//! ```text
//! E = e^{hA}, E₂ = e^{hA/2}, Q = (h/2) φ₁(hA/2),
//! f₁ = h(φ₁ − 3φ₂ + 4φ₃), f₂ = h(2φ₂ − 4φ₃), f₃ = h(4φ₃ − φ₂)   (φ_k at hA)
//! ```
//!
//! come from two exponentials of augmented matrices ([`crate::phi_functions`], 4r × 4r and
//! 2r × 2r), once per step size; a step is then four evaluations of g and nine r × r products:
//!
//! ```text
//! a = E₂x + Q g(x),  b = E₂x + Q g(a),  c = E₂a + Q(2g(b) − g(x)),
//! x⁺ = E x + f₁ g(x) + f₂ (g(a) + g(b)) + f₃ g(c).
//! ```

use faer::{Mat, MatRef};

use crate::dense::{gemm, gemm_add};
use crate::exponential::phi_functions;
use crate::KernelError;

/// The coefficient matrices of ETDRK4 for one (A, h), row-major, and the stage buffers:
/// a step allocates nothing.
#[derive(Debug, Clone)]
pub struct Etdrk4 {
    r: usize,
    h: f64,
    e: Vec<f64>,
    e_half: Vec<f64>,
    q: Vec<f64>,
    f1: Vec<f64>,
    f2: Vec<f64>,
    f3: Vec<f64>,
    /// g(x), g(a), g(b), g(c).
    g: [Vec<f64>; 4],
    /// E₂x, the stages a and c, and a combination of g values.
    e_half_x: Vec<f64>,
    stage: Vec<f64>,
    stage_c: Vec<f64>,
    combo: Vec<f64>,
}

/// The row-major copy of `m` scaled by `factor`.
fn row_major(m: MatRef<'_, f64>, factor: f64) -> Vec<f64> {
    let (rows, cols) = (m.nrows(), m.ncols());
    (0..rows * cols)
        .map(|k| factor * m[(k / cols, k % cols)])
        .collect()
}

impl Etdrk4 {
    /// The scheme for dx/dt = A x + g(x) with the row-major r × r `a` and step `h` > 0.
    ///
    /// # Errors
    /// [`KernelError::Invalid`] for a non-square `a` or a step that is not finite and
    /// positive; [`KernelError::NonFinite`] if A has a NaN/Inf entry or e^{hA} overflows.
    pub fn new(a: &[f64], r: usize, h: f64) -> Result<Self, KernelError> {
        if a.len() != r * r {
            return Err(KernelError::Invalid {
                field: "A",
                value: format!("{} entries", a.len()),
                allowed: format!("r² = {} entries (row-major r × r)", r * r),
            });
        }
        if !(h.is_finite() && h > 0.0) {
            return Err(KernelError::Invalid {
                field: "dt",
                value: h.to_string(),
                allowed: "a finite number > 0".into(),
            });
        }
        let scaled = |s: f64| Mat::from_fn(r, r, |i, j| s * a[i * r + j]);
        let [e, phi1, phi2, phi3] = phi_functions::<4>(scaled(h).as_ref())?;
        let [e_half, phi1_half] = phi_functions::<2>(scaled(0.5 * h).as_ref())?;
        let combine = |c1: f64, c2: f64, c3: f64| {
            Mat::from_fn(r, r, |i, j| {
                h * (c1 * phi1[(i, j)] + c2 * phi2[(i, j)] + c3 * phi3[(i, j)])
            })
        };
        let f1 = combine(1.0, -3.0, 4.0);
        let f2 = combine(0.0, 2.0, -4.0);
        let f3 = combine(0.0, -1.0, 4.0);
        let buffer = || vec![0.0; r];
        Ok(Etdrk4 {
            r,
            h,
            e: row_major(e.as_ref(), 1.0),
            e_half: row_major(e_half.as_ref(), 1.0),
            q: row_major(phi1_half.as_ref(), 0.5 * h),
            f1: row_major(f1.as_ref(), 1.0),
            f2: row_major(f2.as_ref(), 1.0),
            f3: row_major(f3.as_ref(), 1.0),
            g: std::array::from_fn(|_| buffer()),
            e_half_x: buffer(),
            stage: buffer(),
            stage_c: buffer(),
            combo: buffer(),
        })
    }

    /// The step h the coefficients were formed for.
    pub fn step_size(&self) -> f64 {
        self.h
    }

    /// Sizes the stage buffers for states of total length `len` (B states of r values).
    fn fit(&mut self, len: usize) {
        let buffers = self.g.iter_mut().chain([
            &mut self.e_half_x,
            &mut self.stage,
            &mut self.stage_c,
            &mut self.combo,
        ]);
        for b in buffers {
            b.resize(len, 0.0);
        }
    }

    /// The dimension r.
    pub fn dim(&self) -> usize {
        self.r
    }

    /// Advances `x` by one step h; `g(y, out)` writes the non-stiff part g(y) into `out`.
    ///
    /// `x` holds one state or an ensemble of B states back to back (r × B, column-major);
    /// `g` then receives all B stages at once. An ensemble's products run as matrix–matrix
    /// products ([`crate::gemm_add`]); the stage buffers are resized when B changes and
    /// otherwise reused, so steps at a fixed B allocate nothing.
    ///
    /// # Panics
    /// If `x.len()` is not a positive multiple of r.
    pub fn step(&mut self, x: &mut [f64], mut g: impl FnMut(&[f64], &mut [f64])) {
        let r = self.r;
        assert!(
            !x.is_empty() && x.len() % r == 0,
            "Etdrk4::step: state length"
        );
        self.fit(x.len());
        let [gx, ga, gb, gc] = &mut self.g;
        let (a, c, combo) = (&mut self.stage, &mut self.stage_c, &mut self.combo);
        g(x, gx);
        gemm(&self.e_half, r, x, &mut self.e_half_x);
        a.copy_from_slice(&self.e_half_x);
        gemm_add(&self.q, r, gx, a);
        g(a, ga);
        // b: the stage buffer c holds it until g(b) is formed.
        c.copy_from_slice(&self.e_half_x);
        gemm_add(&self.q, r, ga, c);
        g(c, gb);
        for ((s, b), x) in combo.iter_mut().zip(gb.iter()).zip(gx.iter()) {
            *s = 2.0 * b - x;
        }
        gemm(&self.e_half, r, a, c);
        gemm_add(&self.q, r, combo, c);
        g(c, gc);
        for ((s, a), b) in combo.iter_mut().zip(ga.iter()).zip(gb.iter()) {
            *s = a + b;
        }
        gemm(&self.e, r, x, a);
        gemm_add(&self.f1, r, gx, a);
        gemm_add(&self.f2, r, combo, a);
        gemm_add(&self.f3, r, gc, a);
        x.copy_from_slice(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stiff, non-normal linear part with a quadratic coupling: x' = A x + g(x) with
    /// g_k(x) = 0.1 Σ x_i x_{(i+k) mod r}.
    fn system(r: usize) -> (Vec<f64>, impl Fn(&[f64], &mut [f64])) {
        let a: Vec<f64> = (0..r * r)
            .map(|k| {
                let (i, j) = (k / r, k % r);
                if i == j {
                    -((i + 1) as f64).powi(4) + 1.0
                } else if j == i + 1 {
                    0.5
                } else {
                    0.0
                }
            })
            .collect();
        let g = move |x: &[f64], out: &mut [f64]| {
            for (k, o) in out.iter_mut().enumerate() {
                *o = 0.1
                    * (0..x.len())
                        .map(|i| x[i] * x[(i + k) % x.len()])
                        .sum::<f64>();
            }
        };
        (a, g)
    }

    fn solve(r: usize, h: f64, steps: usize) -> Vec<f64> {
        let (a, g) = system(r);
        let mut x: Vec<f64> = (0..r).map(|i| 1.0 / (i + 1) as f64).collect();
        // Start past the initial layer (t = 0.05, where e^{-15·0.05} has decayed the fast
        // modes to 5%): a smooth solution, as a ROM started from a projected state has.
        let mut layer = Etdrk4::new(&a, r, 5e-5).unwrap();
        for _ in 0..1000 {
            layer.step(&mut x, &g);
        }
        let mut scheme = Etdrk4::new(&a, r, h).unwrap();
        for _ in 0..steps {
            scheme.step(&mut x, &g);
        }
        x
    }

    #[test]
    fn fourth_order_on_a_stiff_nonnormal_system() {
        // ρ(A) = 1295 at r = 6, h·ρ = 65, 32, 16: RK4 would be unstable at every one.
        let r = 6;
        let reference = solve(r, 1e-4, 10_000);
        let err = |n: usize| {
            let x = solve(r, 1.0 / n as f64, n);
            x.iter()
                .zip(&reference)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max)
        };
        let errors: Vec<f64> = [20, 40, 80].iter().map(|&n| err(n)).collect();
        for pair in errors.windows(2) {
            let ratio = pair[0] / pair[1];
            // 4th order: error ratio 16 on halving h, ± 20% for the stiff terms' order
            // reduction at h·ρ ≫ 1 (measured 14.5 and 14.6).
            assert!(
                (12.8..=19.2).contains(&ratio),
                "ETDRK4 error ratio {ratio} (errors {errors:?})"
            );
        }
    }

    #[test]
    fn a_linear_system_is_integrated_exactly() {
        // g = 0: x⁺ = e^{hA} x for any h (here h·ρ = 1296·0.5).
        let r = 6;
        let (a, _) = system(r);
        let mut scheme = Etdrk4::new(&a, r, 0.5).unwrap();
        let mut x: Vec<f64> = vec![1.0; r];
        let x0 = x.clone();
        scheme.step(&mut x, |_, out| out.fill(0.0));
        let e = crate::expm(Mat::from_fn(r, r, |i, j| 0.5 * a[i * r + j]).as_ref()).unwrap();
        for i in 0..r {
            let want: f64 = (0..r).map(|j| e[(i, j)] * x0[j]).sum();
            assert!((x[i] - want).abs() <= 1e-14, "row {i}");
        }
    }

    #[test]
    fn an_ensemble_steps_like_its_members_alone() {
        // Three states stepped together and one by one, then one alone again (the buffers
        // shrink back): the same scheme up to the order of the products' sums.
        let r = 7;
        let (a, g) = system(r);
        let mut scheme = Etdrk4::new(&a, r, 0.01).unwrap();
        let states: Vec<f64> = (0..3 * r).map(|i| 0.1 * (i as f64).sin()).collect();
        let mut together = states.clone();
        for _ in 0..20 {
            scheme.step(&mut together, |y, out| {
                for (yb, ob) in y.chunks_exact(r).zip(out.chunks_exact_mut(r)) {
                    g(yb, ob);
                }
            });
        }
        for (start, member) in states.chunks_exact(r).zip(together.chunks_exact(r)) {
            let mut alone = start.to_vec();
            for _ in 0..20 {
                scheme.step(&mut alone, &g);
            }
            for (x, y) in member.iter().zip(&alone) {
                assert!((x - y).abs() <= 1e-14, "{x} vs {y}");
            }
        }
    }

    #[test]
    fn bad_shapes_and_steps_are_errors() {
        assert!(matches!(
            Etdrk4::new(&[1.0; 3], 2, 0.1),
            Err(KernelError::Invalid { field: "A", .. })
        ));
        assert!(matches!(
            Etdrk4::new(&[1.0; 4], 2, f64::NAN),
            Err(KernelError::Invalid { field: "dt", .. })
        ));
        assert!(matches!(
            Etdrk4::new(&[f64::INFINITY; 4], 2, 0.1),
            Err(KernelError::NonFinite(_))
        ));
    }
}
