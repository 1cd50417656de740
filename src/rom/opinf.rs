//! Operator Inference (Peherstorfer & Willcox, "Data-driven operator inference for
//! nonintrusive projection-based model reduction", CMAME 306, 2016; Kramer, Peherstorfer &
//! Willcox, "Learning nonlinear reduced models from data with operator inference", Annu.
//! Rev. Fluid Mech. 56, 2024): the reduced operators of dq/dt = ĉ + Â q + Ĥ (q ⊗ q) learned
//! from reduced states and their time derivatives by regularized least squares, with no
//! access to the full model. The quadratic term keeps the r(r+1)/2 non-redundant products
//! q_i q_j (i ≤ j), packed as the Galerkin tensor is (pair (i, j) at column j(j+1)/2 + i),
//! so a learned model has the layout of an intrusive one.
//!
//! This module is the numerical core: derivatives by finite differences on non-uniform
//! times ([`time_derivatives`]), the fit ([`fit`]), RK4 integration of a learned model
//! on the Galerkin ROM's online code ([`integrate`]) and the choice of λ by its integrated training error
//! ([`select_regularization`]).

use faer::{Mat, MatRef};

use super::error::{invalid, Result};
use super::integrate::{RomIntegrator, Stepper};
use super::model::{Nonlinear, Online};
use crate::basis::regularized_least_squares;

/// Finite-difference weights for the first derivative at `z` from the values at `points`
/// (any distinct points): Fornberg's recursion ("Generation of finite difference formulas
/// on arbitrarily spaced grids", Math. Comp. 51, 1988). With p + 1 points the formula is
/// exact for polynomials of degree p, so its error is O(hᵖ).
pub fn derivative_weights(z: f64, points: &[f64]) -> Vec<f64> {
    let n = points.len();
    // c[j] = (weight of the value, weight of the first derivative) of point j.
    let mut c = vec![[0.0f64; 2]; n];
    if n == 0 {
        return Vec::new();
    }
    c[0][0] = 1.0;
    let (mut c1, mut c4) = (1.0, points[0] - z);
    for i in 1..n {
        let (mut c2, c5) = (1.0, c4);
        c4 = points[i] - z;
        for j in 0..i {
            let c3 = points[i] - points[j];
            c2 *= c3;
            if j == i - 1 {
                c[i][1] = c1 * (c[i - 1][0] - c5 * c[i - 1][1]) / c2;
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2;
            }
            c[j][1] = (c4 * c[j][1] - c[j][0]) / c3;
            c[j][0] = c4 * c[j][0] / c3;
        }
        c1 = c2;
    }
    c.iter().map(|w| w[1]).collect()
}

/// dq/dt at every time of `times` (strictly increasing, possibly non-uniform) for the
/// states `q` (r × k, column j at `times[j]`), by finite differences of `order` p ∈ 2..=6:
/// p + 1 consecutive times, centred where the data allow and one-sided at the ends, with
/// Fornberg's weights (error O(hᵖ) everywhere).
pub fn time_derivatives(q: MatRef<'_, f64>, times: &[f64], order: usize) -> Result<Mat<f64>> {
    let k = q.ncols();
    if !(2..=6).contains(&order) {
        return Err(invalid("order", order, "2 ..= 6"));
    }
    if times.len() != k {
        return Err(invalid(
            "times",
            format!("{} values", times.len()),
            &format!("one per snapshot ({k})"),
        ));
    }
    if k < order + 1 {
        return Err(invalid(
            "snapshots",
            k,
            &format!("at least {} for derivatives of order {order}", order + 1),
        ));
    }
    if let Some(j) =
        (1..k).find(|&j| times[j] <= times[j - 1] || !times[j].is_finite() || times[j - 1].is_nan())
    {
        return Err(invalid(
            "times",
            format!(
                "t[{}] = {} after t[{}] = {}",
                j,
                times[j],
                j - 1,
                times[j - 1]
            ),
            "finite and strictly increasing",
        ));
    }
    let mut dq = Mat::zeros(q.nrows(), k);
    for j in 0..k {
        let start = j.saturating_sub(order / 2).min(k - (order + 1));
        let weights = derivative_weights(times[j], &times[start..start + order + 1]);
        for (s, w) in weights.iter().enumerate() {
            for i in 0..q.nrows() {
                dq[(i, j)] += w * q[(i, start + s)];
            }
        }
    }
    Ok(dq)
}

/// The learned operators of dq/dt = ĉ + Â q + Ĥ (q ⊗ q).
#[derive(Debug, Clone)]
pub struct OpInfOperators {
    /// ĉ (r).
    pub constant: Vec<f64>,
    /// Â (r × r).
    pub linear: Mat<f64>,
    /// Ĥ as the Galerkin ROM holds its tensor ([`Nonlinear::Quadratic`], r × r(r+1)/2
    /// row-major, pair (i ≤ j) at column j(j+1)/2 + i).
    pub quadratic: Nonlinear,
}

impl OpInfOperators {
    /// r.
    pub fn rank(&self) -> usize {
        self.constant.len()
    }

    /// The online system dq/dt = ĉ + Â q + Ĥ (q ⊗ q), as a Galerkin ROM's: its right-hand
    /// side, Jacobian and stepping are the same code.
    pub fn dynamics(&self) -> Online<'_> {
        Online::new(self.linear.as_ref(), self.constant.clone(), &self.quadratic)
    }
}

/// The non-redundant products q_i q_j (i ≤ j) in the packed order (pair (i, j) at
/// j(j+1)/2 + i).
pub fn quadratic_products(q: &[f64]) -> Vec<f64> {
    let r = q.len();
    let mut out = Vec::with_capacity(r * (r + 1) / 2);
    for j in 0..r {
        for i in 0..=j {
            out.push(q[i] * q[j]);
        }
    }
    out
}

/// Fits ĉ, Â and Ĥ to the states `q` (r × k) and their derivatives `dq` (r × k):
/// min ‖D Oᵀ − dqᵀ‖² + λ²‖O‖² with the data matrix D = [1, qᵀ, (q ⊗ q)ᵀ] (k × (1 + r +
/// r(r+1)/2)), by the QR of the stacked matrix ([`regularized_least_squares`]). With
/// λ = 0 the data must determine every operator: k ≥ 1 + r + r(r+1)/2 snapshots.
pub fn fit(q: MatRef<'_, f64>, dq: MatRef<'_, f64>, lambda: f64) -> Result<OpInfOperators> {
    let (r, k) = (q.nrows(), q.ncols());
    let pairs = r * (r + 1) / 2;
    let unknowns = 1 + r + pairs;
    if dq.nrows() != r || dq.ncols() != k {
        return Err(invalid(
            "derivatives",
            format!("{} × {}", dq.nrows(), dq.ncols()),
            &format!("the states' shape {r} × {k}"),
        ));
    }
    if r == 0 || (lambda == 0.0 && k < unknowns) {
        return Err(invalid(
            "snapshots",
            k,
            &format!(
                "at least {unknowns} (1 + r + r(r+1)/2 unknowns per row at r = {r}) without \
                 regularization; or lambda > 0"
            ),
        ));
    }
    let mut data = Mat::zeros(k, unknowns);
    for j in 0..k {
        let state: Vec<f64> = (0..r).map(|i| q[(i, j)]).collect();
        data[(j, 0)] = 1.0;
        for (i, v) in state.iter().enumerate() {
            data[(j, 1 + i)] = *v;
        }
        for (p, v) in quadratic_products(&state).into_iter().enumerate() {
            data[(j, 1 + r + p)] = v;
        }
    }
    let o = regularized_least_squares(data.as_ref(), dq.transpose(), lambda)?;
    Ok(OpInfOperators {
        constant: (0..r).map(|kk| o[(0, kk)]).collect(),
        linear: Mat::from_fn(r, r, |kk, i| o[(1 + i, kk)]),
        quadratic: Nonlinear::Quadratic {
            h: (0..r)
                .flat_map(|kk| (0..pairs).map(move |p| (kk, p)))
                .map(|(kk, p)| o[(1 + r + p, kk)])
                .collect(),
        },
    })
}

/// The score of one regularization λ ([`select_regularization`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegularizationScore {
    /// λ.
    pub lambda: f64,
    /// Relative error ‖Q̃ − Q‖_F / ‖Q‖_F of the learned model integrated over the training
    /// times from the first state; infinite when the run blew up or broke the growth bound.
    pub training_error: f64,
}

/// Integrates `model` with classical RK4 (galerkin's [`Stepper`]) from `q0` at `times[0]`
/// through every time of `times` (strictly increasing), splitting each interval into
/// `substeps` equal steps (more when the stability rule of [`Stepper`] asks): the states
/// at `times` (r × k), or `None` once a state is not finite or exceeds `bound` in absolute
/// value.
pub fn integrate(
    model: &OpInfOperators,
    q0: &[f64],
    times: &[f64],
    substeps: usize,
    bound: f64,
) -> Result<Option<Mat<f64>>> {
    let mut online = model.dynamics();
    let radius = online.linear_spectral_radius();
    let substeps = substeps.max(1);
    let mut stepper = Stepper::new(RomIntegrator::Rk4, &online, 1.0)?;
    let mut q = q0.to_vec();
    let mut out = Mat::zeros(model.rank(), times.len());
    for (j, t) in times.iter().enumerate() {
        if j > 0 {
            stepper.set_step((t - times[j - 1]) / substeps as f64, radius)?;
            for _ in 0..substeps {
                stepper.step(&mut online, &mut q);
            }
        }
        if q.iter().any(|v| !v.is_finite() || v.abs() > bound) {
            return Ok(None);
        }
        for (i, v) in q.iter().enumerate() {
            out[(i, j)] = *v;
        }
    }
    Ok(Some(out))
}

/// Chooses the Tikhonov λ of [`fit`] for one trajectory `q` (its columns at `times`,
/// derivatives `dq`) from `lambdas` as the Operator Inference literature does (McQuarrie, Huang & Willcox, "Data-driven reduced-order models via regularised
/// operator inference for a single-injector combustion process", J. R. Soc. N. Z. 51,
/// 2021): each candidate model is integrated over the training times from the first state
/// (RK4, `substeps` per interval) and scored by its relative error against the training
/// states; a run that leaves the box `growth` × max|Q| (a stability bound: the model may
/// not grow far beyond the data) or blows up is rejected. Returns the best model and every
/// score; an error when every candidate is rejected.
pub fn select_regularization(
    q: MatRef<'_, f64>,
    dq: MatRef<'_, f64>,
    times: &[f64],
    lambdas: &[f64],
    growth: f64,
    substeps: usize,
) -> Result<(OpInfOperators, Vec<RegularizationScore>)> {
    if lambdas.is_empty() || !(growth.is_finite() && growth >= 1.0) {
        return Err(invalid(
            "lambdas / growth",
            format!("{} candidates / {growth}", lambdas.len()),
            "at least one λ, and a growth bound >= 1",
        ));
    }
    if times.len() != q.ncols() {
        return Err(invalid(
            "times",
            format!("{} values", times.len()),
            &format!("one per snapshot ({})", q.ncols()),
        ));
    }
    let bound = growth * q.norm_max();
    let scale = q.norm_l2().max(f64::MIN_POSITIVE);
    let q0: Vec<f64> = (0..q.nrows()).map(|i| q[(i, 0)]).collect();
    let mut scores = Vec::with_capacity(lambdas.len());
    let mut best: Option<(f64, OpInfOperators)> = None;
    for &lambda in lambdas {
        let model = match fit(q, dq, lambda) {
            Ok(model) => model,
            // Unregularized data that do not determine the operators: not a candidate.
            Err(_) if lambda == 0.0 => {
                scores.push(RegularizationScore {
                    lambda,
                    training_error: f64::INFINITY,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let training_error = integrate(&model, &q0, times, substeps, bound)?
            .map_or(f64::INFINITY, |run| (&run - q).norm_l2() / scale);
        scores.push(RegularizationScore {
            lambda,
            training_error,
        });
        if training_error.is_finite() && best.as_ref().is_none_or(|(e, _)| training_error < *e) {
            best = Some((training_error, model));
        }
    }
    match best {
        Some((_, model)) => Ok((model, scores)),
        None => Err(invalid(
            "lambdas",
            format!("{lambdas:?}"),
            &format!(
                "at least one λ whose model stays within {growth} × max|q| over the training \
                 window (every candidate blew up: try larger λ)"
            ),
        )),
    }
}
