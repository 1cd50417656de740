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
//! times ([`time_derivatives`]), the data matrix ([`data_row`]), the fit at one λ
//! ([`fit`]) and RK4 integration of a learned model on the Galerkin ROM's online code
//! ([`integrate`]). [`super::learn`] builds ROMs with it, choosing λ by the integrated
//! training error.

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
    check_increasing(times)?;
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

/// Checks that `times` are finite and strictly increasing: an error naming the first pair
/// that is not.
pub fn check_increasing(times: &[f64]) -> Result<()> {
    let bad =
        |j: usize| !(times[j].is_finite() && times[j - 1].is_finite()) || times[j] <= times[j - 1];
    match (1..times.len()).find(|&j| bad(j)) {
        None if times.first().is_none_or(|t| t.is_finite()) => Ok(()),
        None => Err(invalid(
            "times",
            format!("t[0] = {}", times[0]),
            "finite numbers",
        )),
        Some(j) => Err(invalid(
            "times",
            format!(
                "t[{j}] = {} after t[{}] = {}",
                times[j],
                j - 1,
                times[j - 1]
            ),
            "finite and strictly increasing",
        )),
    }
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

/// One row of the data matrix D for the state `q` into `row`: [1, q, (q ⊗ q)
/// non-redundant, then θ_p and θ_p q for each parameter value θ_p of `thetas`, then the
/// inputs u] (the operators affine in the parameters: ĉ(θ) = ĉ₀ + Σ θ_p ĉ_p,
/// Â(θ) = Â₀ + Σ θ_p Â_p; the input term B̂ u).
pub fn data_row(q: &[f64], thetas: &[f64], inputs: &[f64], row: &mut [f64]) {
    let r = q.len();
    let pairs = r * (r + 1) / 2;
    row[0] = 1.0;
    row[1..=r].copy_from_slice(q);
    let mut p = 1 + r;
    for j in 0..r {
        for i in 0..=j {
            row[p] = q[i] * q[j];
            p += 1;
        }
    }
    debug_assert_eq!(p, 1 + r + pairs);
    for theta in thetas {
        row[p] = *theta;
        for (x, v) in row[p + 1..p + 1 + r].iter_mut().zip(q) {
            *x = theta * v;
        }
        p += 1 + r;
    }
    row[p..p + inputs.len()].copy_from_slice(inputs);
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
    let (mut state, mut row) = (vec![0.0; r], vec![0.0; unknowns]);
    for j in 0..k {
        state
            .iter_mut()
            .enumerate()
            .for_each(|(i, s)| *s = q[(i, j)]);
        data_row(&state, &[], &[], &mut row);
        row.iter().enumerate().for_each(|(c, v)| data[(j, c)] = *v);
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

/// The score of one regularization candidate ([`super::learn::learn`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RegularizationScore {
    /// λ of the constant and linear operators (infinite: the candidate without a learned
    /// part, the Galerkin model alone).
    pub lambda: f64,
    /// The quadratic operator's λ over `lambda`.
    pub quadratic_ratio: f64,
    /// Whether the candidate is regularized toward the Galerkin operators (a closure's
    /// residual fit) rather than toward zero (Operator Inference).
    pub toward_galerkin: bool,
    /// Relative error ‖Q̃ − Q‖_F / ‖Q‖_F of the model integrated over the training
    /// trajectories from their first states; infinite when a run blew up or broke the
    /// growth bound.
    pub training_error: f64,
}

/// Integrates `online` with classical RK4 (galerkin's [`Stepper`]) from `q0` at `times[0]`
/// through every time of `times` (strictly increasing), splitting each interval into
/// `substeps` equal steps (more when the stability rule of [`Stepper`] asks): the states
/// at `times` (r × k), or `None` once a state is not finite or exceeds `bound` in absolute
/// value.
pub fn integrate(
    online: &mut Online<'_>,
    q0: &[f64],
    times: &[f64],
    substeps: usize,
    bound: f64,
) -> Result<Option<Mat<f64>>> {
    let substeps = substeps.max(1);
    let mut stepper = Stepper::new(RomIntegrator::Rk4, online, 1.0)?;
    let mut q = q0.to_vec();
    let mut out = Mat::zeros(online.dim(), times.len());
    for (j, t) in times.iter().enumerate() {
        if j > 0 {
            stepper.set_step((t - times[j - 1]) / substeps as f64)?;
            for _ in 0..substeps {
                stepper.step(online, &mut q);
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
