//! Dynamic mode decomposition in POD coordinates: q(t) ≈ Σ_j m_j e^{α_j t}, a linear
//! reduced model dq/dt = Â q with Â = M diag(α) M⁻¹.
//! - [`exact_dmd`] (Schmid, J. Fluid Mech. 656, 2010; Tu, Rowley, Luchtenburg, Brunton &
//!   Kutz, J. Comput. Dyn. 1, 2014): Ã = Y X⁺ from snapshot pairs a uniform Δt apart,
//!   α = log(μ)/Δt;
//! - [`optimized_dmd`] (Askham & Kutz, SIAM J. Appl. Dyn. Syst. 17, 2018): min over α and B
//!   of ‖Qᵀ − Φ(α) B‖_F with Φ_ij = e^{α_j t_i} on any (non-uniform) times, by variable
//!   projection and Levenberg–Marquardt with Kaufman's Jacobian;
//! - [`bagged_dmd`] (BOP-DMD, Sashidhar & Kutz, Phil. Trans. R. Soc. A 380, 2022):
//!   optimized DMD on random subsets of the snapshots, eigenvalues averaged (with their
//!   spread as an uncertainty), modes from all the data at the mean eigenvalues.
//!
//! Eigenvalue constraints: with `stable`, every Re α is clamped to ≤ 0 after each step
//! (the stable half-plane), so forecasts cannot grow.

use faer::linalg::solvers::Solve;
use faer::{c64, Mat, MatRef};
use rand::seq::index::sample;
use rand::SeedableRng;

use super::error::{invalid, Result, RomError};

/// A DMD fit in reduced coordinates.
#[derive(Debug, Clone)]
pub struct DmdFit {
    /// The continuous-time eigenvalues α_j.
    pub eigenvalues: Vec<c64>,
    /// Their standard deviation over the bags (zeros without bagging).
    pub eigenvalue_spread: Vec<f64>,
    /// The modes with their amplitudes, m_j = column j (r × m): q(t) ≈ Σ_j m_j e^{α_j t}
    /// with t measured from the first training time.
    pub modes: Mat<c64>,
    /// The first training time (the origin of the exponentials).
    pub t0: f64,
}

impl DmdFit {
    /// The forecast q(t) at each of `times` (r × times.len()).
    pub fn forecast(&self, times: &[f64]) -> Mat<f64> {
        let (r, m) = (self.modes.nrows(), self.modes.ncols());
        Mat::from_fn(r, times.len(), |i, k| {
            (0..m)
                .map(|j| self.modes[(i, j)] * (self.eigenvalues[j] * (times[k] - self.t0)).exp())
                .sum::<c64>()
                .re
        })
    }

    /// The real operator Â = M diag(α) M⁻¹ of dq/dt = Â q (imaginary parts of conjugate
    /// pairs cancel; what remains is dropped); an error when the modes are not independent.
    pub fn operator(&self) -> Result<Mat<f64>> {
        let r = self.modes.nrows();
        if self.modes.ncols() != r {
            return Err(invalid(
                "modes",
                self.modes.ncols(),
                &format!("r = {r} modes (one per reduced coordinate)"),
            ));
        }
        let scaled = Mat::from_fn(r, r, |i, j| self.modes[(i, j)] * self.eigenvalues[j]);
        // Â M = M diag(α) ⇔ Mᵀ Âᵀ = (M diag(α))ᵀ.
        let lu = self.modes.transpose().to_owned().partial_piv_lu();
        let at = lu.solve(scaled.transpose().to_owned());
        let (mut real, mut imaginary) = (0f64, 0f64);
        for v in at.col_iter().flat_map(|c| c.iter().copied()) {
            real = real.max(v.re.abs());
            imaginary = imaginary.max(v.im.abs());
        }
        // A real system's Â is real: a large imaginary part means the modes are (nearly)
        // dependent and M⁻¹ amplified round-off.
        if !(real.is_finite() && imaginary <= 1e-6 * real.max(f64::MIN_POSITIVE)) {
            return Err(invalid(
                "DMD modes",
                format!(
                    "nearly dependent (|Im Â| / |Re Â| = {:.1e})",
                    imaginary / real
                ),
                "independent modes, so that the real operator M diag(α) M⁻¹ exists (use \
                 fewer modes, a longer time window, or exact DMD)",
            ));
        }
        Ok(Mat::from_fn(r, r, |i, j| at[(j, i)].re))
    }
}

/// The DMD modes of a linear reduced model dq/dt = Â q on the basis `vectors` (n × r):
/// the eigenvalues α_j of Â and the full-space modes φ_j = V w_j (n × m, real and
/// imaginary parts, each of unit Euclidean norm), as DMD reports them; an error when Â
/// has no eigendecomposition.
pub fn full_space_modes(
    linear: MatRef<'_, f64>,
    vectors: MatRef<'_, f64>,
) -> Result<(Vec<c64>, Mat<f64>, Mat<f64>)> {
    let eigen = linear
        .eigen()
        .map_err(|e| invalid("DMD operator", format!("{e:?}"), "an eigendecomposition"))?;
    let alpha: Vec<c64> = eigen.S().column_vector().iter().copied().collect();
    let w = eigen.U();
    let (n, m) = (vectors.nrows(), alpha.len());
    let mut re = Mat::from_fn(n, m, |i, j| {
        (0..vectors.ncols())
            .map(|k| vectors[(i, k)] * w[(k, j)].re)
            .sum::<f64>()
    });
    let mut im = Mat::from_fn(n, m, |i, j| {
        (0..vectors.ncols())
            .map(|k| vectors[(i, k)] * w[(k, j)].im)
            .sum::<f64>()
    });
    for j in 0..m {
        let norm = (re.col(j).squared_norm_l2() + im.col(j).squared_norm_l2()).sqrt();
        if norm > 0.0 {
            re.col_mut(j).iter_mut().for_each(|v| *v /= norm);
            im.col_mut(j).iter_mut().for_each(|v| *v /= norm);
        }
    }
    Ok((alpha, re, im))
}

/// Exact DMD of the states `q` (r × k) of one or more trajectories sampled `dt` apart:
/// `starts` are the first column of each trajectory (pairs never cross one).
pub fn exact_dmd(q: MatRef<'_, f64>, starts: &[usize], dt: f64, stable: bool) -> Result<DmdFit> {
    let (r, k) = (q.nrows(), q.ncols());
    if !(dt.is_finite() && dt > 0.0) {
        return Err(invalid("dt", dt, "a finite number > 0 (the save interval)"));
    }
    let pairs: Vec<usize> = (0..k.saturating_sub(1))
        .filter(|j| !starts.contains(&(j + 1)))
        .collect();
    if pairs.len() < r {
        return Err(invalid(
            "snapshots",
            k,
            &format!(
                "at least {} snapshot pairs for r = {r} (found {})",
                r,
                pairs.len()
            ),
        ));
    }
    let x = Mat::from_fn(r, pairs.len(), |i, p| q[(i, pairs[p])]);
    let y = Mat::from_fn(r, pairs.len(), |i, p| q[(i, pairs[p] + 1)]);
    // Ã = Y X⁺ by least squares on Xᵀ Ãᵀ = Yᵀ.
    let at = crate::basis::regularized_least_squares(x.transpose(), y.transpose(), 0.0).map_err(
        |_| {
            invalid(
                "DMD snapshots",
                format!("rank below r = {r}"),
                "snapshots that span all r reduced coordinates (use fewer modes: the data \
                 have fewer independent directions)",
            )
        },
    )?;
    let a = at.transpose().to_owned();
    let eigen = a
        .eigen()
        .map_err(|e| invalid("DMD operator", format!("{e:?}"), "an eigendecomposition"))?;
    let mut alpha: Vec<c64> = eigen
        .S()
        .column_vector()
        .iter()
        .map(|mu| mu.ln() / dt)
        .collect();
    if stable {
        clamp_stable(&mut alpha);
    }
    // Amplitudes b = W⁻¹ q₀ of the first snapshot (Tu et al.), modes W diag(b).
    let w = eigen.U().to_owned();
    let q0 = Mat::from_fn(r, 1, |i, _| c64::new(q[(i, 0)], 0.0));
    let b = w.partial_piv_lu().solve(q0);
    Ok(DmdFit {
        eigenvalue_spread: vec![0.0; alpha.len()],
        eigenvalues: alpha,
        modes: Mat::from_fn(r, r, |i, j| w[(i, j)] * b[(j, 0)]),
        t0: 0.0,
    })
}

/// Makes `alpha` closed under conjugation, as the eigenvalues of a real system are: values
/// with |Im| ≤ 1e-8 |α| become real; each remaining value with Im > 0 is paired with the
/// nearest conjugate of a value with Im < 0, and both are replaced by their average (a
/// value left without a partner becomes real). Sorted by imaginary part, then real part.
fn conjugate_symmetric(alpha: &mut [c64]) {
    let tol = |a: &c64| 1e-8 * a.norm();
    let mut lower: Vec<usize> = (0..alpha.len())
        .filter(|&j| alpha[j].im < -tol(&alpha[j]))
        .collect();
    for j in 0..alpha.len() {
        let a = alpha[j];
        if a.im.abs() <= tol(&a) {
            alpha[j].im = 0.0;
        } else if a.im > 0.0 {
            let nearest = lower
                .iter()
                .enumerate()
                .min_by(|(_, &x), (_, &y)| {
                    (alpha[x].conj() - a)
                        .norm()
                        .total_cmp(&(alpha[y].conj() - a).norm())
                })
                .map(|(p, &x)| (p, x));
            match nearest {
                Some((p, partner)) => {
                    let mean = (a + alpha[partner].conj()) / 2.0;
                    alpha[j] = mean;
                    alpha[partner] = mean.conj();
                    lower.swap_remove(p);
                }
                None => alpha[j].im = 0.0,
            }
        }
    }
    for &j in &lower {
        alpha[j].im = 0.0;
    }
    alpha.sort_by(|a, b| a.im.total_cmp(&b.im).then(a.re.total_cmp(&b.re)));
}

/// Re α ≤ 0 for every eigenvalue.
fn clamp_stable(alpha: &mut [c64]) {
    for a in alpha {
        a.re = a.re.min(0.0);
    }
}

/// The variable-projection solve at fixed eigenvalues: modes (r × m, M = Bᵀ), the residual
/// R = Qᵀ − Φ B (k × r), its squared norm, the orthonormal basis of Φ's range and Φ.
struct Projection {
    modes: Mat<c64>,
    residual: Mat<c64>,
    cost: f64,
    basis: Mat<c64>,
    phi: Mat<c64>,
}

/// Fits the amplitudes at eigenvalues `alpha` to `q` (r × k) at `times` by least squares
/// (CGS2 QR of Φ, enough for m ≤ a few dozen columns).
fn projection(q: MatRef<'_, f64>, times: &[f64], alpha: &[c64]) -> Result<Projection> {
    let (r, k, m) = (q.nrows(), q.ncols(), alpha.len());
    let t0 = times[0];
    let phi = Mat::from_fn(k, m, |i, j| (alpha[j] * (times[i] - t0)).exp());
    let mut basis = phi.clone();
    let mut rr = Mat::<c64>::zeros(m, m);
    for j in 0..m {
        for _ in 0..2 {
            for l in 0..j {
                let dot: c64 = (0..k).map(|i| basis[(i, l)].conj() * basis[(i, j)]).sum();
                rr[(l, j)] += dot;
                for i in 0..k {
                    let v = basis[(i, l)];
                    basis[(i, j)] -= dot * v;
                }
            }
        }
        let norm = (0..k).map(|i| basis[(i, j)].norm_sqr()).sum::<f64>().sqrt();
        if !(norm.is_finite() && norm > 1e-12 * (k as f64).sqrt()) {
            return Err(invalid(
                "DMD eigenvalues",
                "exponentials that are numerically dependent on these times",
                "distinct eigenvalues (use fewer modes)",
            ));
        }
        rr[(j, j)] = c64::new(norm, 0.0);
        for i in 0..k {
            basis[(i, j)] /= norm;
        }
    }
    // B = R⁻¹ Qᴴ Xᵀ.
    let mut b = Mat::from_fn(m, r, |j, s| {
        (0..k)
            .map(|i| basis[(i, j)].conj() * q[(s, i)])
            .sum::<c64>()
    });
    for s in 0..r {
        for j in (0..m).rev() {
            let mut v = b[(j, s)];
            for l in j + 1..m {
                v -= rr[(j, l)] * b[(l, s)];
            }
            b[(j, s)] = v / rr[(j, j)];
        }
    }
    let residual = Mat::from_fn(k, r, |i, s| {
        c64::new(q[(s, i)], 0.0) - (0..m).map(|j| phi[(i, j)] * b[(j, s)]).sum::<c64>()
    });
    let cost = residual
        .col_iter()
        .flat_map(|c| c.iter().map(|v| v.norm_sqr()))
        .sum();
    Ok(Projection {
        modes: b.transpose().to_owned(),
        residual,
        cost,
        basis,
        phi,
    })
}

/// Optimized DMD of one trajectory `q` (r × k) at `times` (any spacing), started from the
/// eigenvalues `initial`: Levenberg–Marquardt on the variable-projection functional with
/// Kaufman's Jacobian, at most `iterations` steps or until the relative decrease of the
/// cost falls below 1e-10.
pub fn optimized_dmd(
    q: MatRef<'_, f64>,
    times: &[f64],
    initial: &[c64],
    stable: bool,
    iterations: usize,
) -> Result<DmdFit> {
    let (k, m) = (q.ncols(), initial.len());
    if times.len() != k {
        return Err(invalid(
            "times",
            format!("{} values", times.len()),
            &format!("one per snapshot ({k})"),
        ));
    }
    if k < 2 * m {
        return Err(invalid(
            "snapshots",
            k,
            &format!("at least {} (two per eigenvalue) for {m} modes", 2 * m),
        ));
    }
    let mut alpha = initial.to_vec();
    if stable {
        clamp_stable(&mut alpha);
    }
    let mut current = projection(q, times, &alpha)?;
    let mut mu = 1e-2;
    let t0 = times[0];
    for _ in 0..iterations {
        // u_j = P⊥ (t ⊙ φ_j); G_jl = (u_jᴴ u_l)(b_jᴴ b_l); h_j = u_jᴴ R b̄_j.
        let u: Vec<Vec<c64>> = (0..m)
            .map(|j| {
                let d: Vec<c64> = (0..k)
                    .map(|i| current.phi[(i, j)] * (times[i] - t0))
                    .collect();
                let mut out = d.clone();
                for l in 0..m {
                    let dot: c64 = (0..k).map(|i| current.basis[(i, l)].conj() * d[i]).sum();
                    for (i, o) in out.iter_mut().enumerate() {
                        *o -= dot * current.basis[(i, l)];
                    }
                }
                out
            })
            .collect();
        let b = &current.modes; // r × m: column j is b_j.
        let r = b.nrows();
        let gram = Mat::from_fn(m, m, |j, l| {
            let uu: c64 = (0..k).map(|i| u[j][i].conj() * u[l][i]).sum();
            let bb: c64 = (0..r).map(|s| b[(s, j)].conj() * b[(s, l)]).sum();
            uu * bb
        });
        let h: Vec<c64> = (0..m)
            .map(|j| {
                (0..k)
                    .map(|i| {
                        let rb: c64 = (0..r)
                            .map(|s| current.residual[(i, s)] * b[(s, j)].conj())
                            .sum();
                        u[j][i].conj() * rb
                    })
                    .sum()
            })
            .collect();
        let mut improved = false;
        for _ in 0..12 {
            let mut lhs = gram.clone();
            for j in 0..m {
                lhs[(j, j)] += mu * gram[(j, j)].re.max(f64::MIN_POSITIVE);
            }
            let rhs = Mat::from_fn(m, 1, |j, _| h[j]);
            let delta = lhs.partial_piv_lu().solve(rhs);
            let mut trial: Vec<c64> = alpha
                .iter()
                .enumerate()
                .map(|(j, a)| a + delta[(j, 0)])
                .collect();
            if stable {
                clamp_stable(&mut trial);
            }
            if trial
                .iter()
                .any(|a| !(a.re.is_finite() && a.im.is_finite()))
            {
                mu *= 4.0;
                continue;
            }
            match projection(q, times, &trial) {
                Ok(next) if next.cost < current.cost => {
                    let decrease = (current.cost - next.cost) / current.cost.max(f64::MIN_POSITIVE);
                    alpha = trial;
                    current = next;
                    mu = (mu / 3.0).max(1e-12);
                    improved = decrease > 1e-10;
                    break;
                }
                _ => mu *= 4.0,
            }
        }
        if !improved {
            break;
        }
    }
    conjugate_symmetric(&mut alpha);
    let fit = projection(q, times, &alpha)?;
    Ok(DmdFit {
        eigenvalue_spread: vec![0.0; m],
        eigenvalues: alpha,
        modes: fit.modes,
        t0,
    })
}

/// BOP-DMD: `bags` optimized DMDs, each on a random `fraction` of the snapshots (seeded:
/// the same result for the same seed), started from `initial`; eigenvalues sorted by
/// imaginary part, then real part, averaged over the bags that converged, with their
/// standard deviation; modes fitted to all the data at the mean eigenvalues.
pub fn bagged_dmd(
    q: MatRef<'_, f64>,
    times: &[f64],
    initial: &[c64],
    stable: bool,
    (bags, fraction, seed): (usize, f64, u64),
) -> Result<DmdFit> {
    let k = q.ncols();
    if bags == 0 || !(fraction > 0.0 && fraction <= 1.0) {
        return Err(invalid(
            "bags / fraction",
            format!("{bags} / {fraction}"),
            "at least one bag and a fraction in (0, 1]",
        ));
    }
    let size = ((fraction * k as f64).round() as usize).clamp(2 * initial.len(), k);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut samples: Vec<Vec<c64>> = Vec::with_capacity(bags);
    for _ in 0..bags {
        let mut chosen = sample(&mut rng, k, size).into_vec();
        chosen.sort_unstable();
        let sub = Mat::from_fn(q.nrows(), size, |i, j| q[(i, chosen[j])]);
        let sub_times: Vec<f64> = chosen.iter().map(|&j| times[j]).collect();
        if let Ok(fit) = optimized_dmd(sub.as_ref(), &sub_times, initial, stable, 50) {
            let mut alpha = fit.eigenvalues;
            conjugate_symmetric(&mut alpha);
            samples.push(alpha);
        }
    }
    if samples.is_empty() {
        return Err(RomError::Invalid {
            field: "bags".into(),
            value: bags.to_string(),
            allowed: "at least one bag whose optimization converges (more snapshots per bag: \
                      raise the fraction)"
                .into(),
        });
    }
    let m = initial.len();
    let count = samples.len() as f64;
    let mut mean: Vec<c64> = (0..m)
        .map(|j| samples.iter().map(|s| s[j]).sum::<c64>() / count)
        .collect();
    conjugate_symmetric(&mut mean);
    let spread: Vec<f64> = (0..m)
        .map(|j| {
            (samples
                .iter()
                .map(|s| (s[j] - mean[j]).norm_sqr())
                .sum::<f64>()
                / count)
                .sqrt()
        })
        .collect();
    let fit = projection(q, times, &mean)?;
    Ok(DmdFit {
        eigenvalues: mean,
        eigenvalue_spread: spread,
        modes: fit.modes,
        t0: times[0],
    })
}
