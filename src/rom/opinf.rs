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
//! times ([`time_derivatives`]) and the fit ([`fit`]). Choosing λ, integrating and storing
//! the learned model build on it.

use faer::{Mat, MatRef};

use super::error::{invalid, Result};
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
#[derive(Debug, Clone, PartialEq)]
pub struct OpInfOperators {
    /// ĉ (r).
    pub constant: Vec<f64>,
    /// Â (r × r).
    pub linear: Mat<f64>,
    /// Ĥ, r × r(r+1)/2 row-major, pair (i ≤ j) at column j(j+1)/2 + i.
    pub quadratic: Vec<f64>,
}

impl OpInfOperators {
    /// r.
    pub fn rank(&self) -> usize {
        self.constant.len()
    }

    /// dq/dt = ĉ + Â q + Ĥ (q ⊗ q) into `out`.
    pub fn rhs(&self, q: &[f64], out: &mut [f64]) {
        let r = self.rank();
        let pairs = r * (r + 1) / 2;
        let products = quadratic_products(q);
        for (k, out) in out.iter_mut().enumerate().take(r) {
            let linear: f64 = (0..r).map(|i| self.linear[(k, i)] * q[i]).sum();
            let quadratic: f64 = self.quadratic[k * pairs..(k + 1) * pairs]
                .iter()
                .zip(&products)
                .map(|(h, p)| h * p)
                .sum();
            *out = self.constant[k] + linear + quadratic;
        }
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
        quadratic: (0..r)
            .flat_map(|kk| (0..pairs).map(move |p| (kk, p)))
            .map(|(kk, p)| o[(1 + r + p, kk)])
            .collect(),
    })
}
