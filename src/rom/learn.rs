//! Reduced models learned from data on a POD basis, with the regularization chosen by the
//! integrated training error:
//! - Operator Inference (Peherstorfer & Willcox, CMAME 306, 2016; Kramer, Peherstorfer &
//!   Willcox, Annu. Rev. Fluid Mech. 56, 2024): dq/dt = ĉ + Â q + Ĥ (q ⊗ q) fitted to the
//!   POD coordinates of snapshots and their time derivatives, with no full model;
//! - the Galerkin + learned closure: the intrusive Galerkin operators plus a correction of
//!   the same form fitted by the same least squares to the residual dq/dt − f_G(q), the part
//!   of the projected dynamics the truncated Galerkin model misses (the closure idea of
//!   Xie, Mohebujjaman, Rebholz & Iliescu, "Data-driven filtered reduced order modeling of
//!   fluid flows", SIAM J. Sci. Comput. 40, 2018, learned here by operator inference).
//!
//! Both solve one Tikhonov problem min ‖D O − Y‖² + λ²‖Γ O‖² with the data matrix of
//! [`data_row`] (constant, linear, non-redundant quadratic, and terms affine in chosen
//! parameters), Γ = 1 on the constant, linear and parametric columns and ρ on the quadratic
//! ones. For each ratio ρ one SVD ([`TikhonovPath`]) serves every λ; each candidate model is
//! integrated over the training trajectories from their first states and scored by its
//! relative error, a run that leaves the box `growth` × max|q| counting as a failure
//! (McQuarrie, Huang & Willcox, J. R. Soc. N. Z. 51, 2021). A closure scores two priors of
//! the same least squares — Tikhonov toward the Galerkin operators (min ‖D O − Y‖² +
//! λ²‖Γ(O − O_G)‖², the residual fit) and toward zero (plain Operator Inference) — and the
//! Galerkin model alone (λ = ∞): on the training data it is never worse than either the
//! Galerkin model or Operator Inference on the same grid. The learned model is a [`ReducedModel`] of the Galerkin layout: it saves, exports
//! and runs like every other ROM.

use std::collections::BTreeMap;

use faer::Mat;
use rayon::prelude::*;

use super::error::{invalid, Result, RomError};
use super::model::{Learned, LinearPart, Nonlinear, ProjectedTerm, ReducedModel};
use super::opinf::{check_increasing, data_row, integrate, time_derivatives, RegularizationScore};
use super::pod::Pod;
use super::reduced::RomKind;
use crate::basis::TikhonovPath;

/// One training trajectory in reduced coordinates.
#[derive(Debug, Clone)]
pub struct ReducedTrajectory {
    /// The states q (r × k), column j at `times[j]`.
    pub states: Mat<f64>,
    /// The times, strictly increasing (possibly non-uniform).
    pub times: Vec<f64>,
    /// The parameter values of the trajectory, by name.
    pub parameters: BTreeMap<String, f64>,
    /// The inputs u(t) of a forced system (m × k, column j at `times[j]`), if any: the
    /// model learns B̂ u as m affine terms named [`input_name`]`(i)`.
    pub inputs: Option<Mat<f64>>,
}

/// The parameter name of input i of a forced model (`input0`, `input1`, …): B̂ u is stored
/// as the affine terms u_i b̂_i, set per step like any parameter (in evaluate, the runtime
/// and FMUs).
pub fn input_name(i: usize) -> String {
    format!("input{i}")
}

/// The number of inputs of `data` (0 without), the same for every trajectory.
fn input_count(data: &[ReducedTrajectory]) -> Result<usize> {
    let count = |t: &ReducedTrajectory| t.inputs.as_ref().map_or(0, |u| u.nrows());
    let m = data.first().map_or(0, count);
    match data.iter().position(|t| count(t) != m) {
        None => Ok(m),
        Some(t) => Err(invalid(
            "inputs",
            format!("{} in trajectory {t}", count(&data[t])),
            &format!("the same number in every trajectory ({m} in the first)"),
        )),
    }
}

/// Integrates the model (`linear`, `nonlinear`) at `params` with piecewise-constant inputs:
/// on each interval of `times` the inputs are the mean of their values at its ends
/// (second order, like the midpoint rule), then [`integrate`] steps it. The states at
/// `times`, or `None` on leaving `bound`.
#[allow(clippy::too_many_arguments)]
pub fn integrate_forced(
    linear: &LinearPart,
    nonlinear: &Nonlinear,
    params: &BTreeMap<String, f64>,
    inputs: faer::MatRef<'_, f64>,
    q0: &[f64],
    times: &[f64],
    substeps: usize,
    bound: f64,
) -> Result<Option<Mat<f64>>> {
    let mut params = params.clone();
    let mut out = Mat::zeros(q0.len(), times.len());
    let mut q = q0.to_vec();
    for (i, v) in q.iter().enumerate() {
        out[(i, 0)] = *v;
    }
    for j in 1..times.len() {
        for i in 0..inputs.nrows() {
            params.insert(input_name(i), 0.5 * (inputs[(i, j - 1)] + inputs[(i, j)]));
        }
        let mut online = linear.online(nonlinear, &params)?;
        let Some(run) = integrate(&mut online, &q, &times[j - 1..=j], substeps, bound)? else {
            return Ok(None);
        };
        for (i, v) in q.iter_mut().enumerate() {
            *v = run[(i, 1)];
            out[(i, j)] = *v;
        }
    }
    Ok(Some(out))
}

/// How operators are learned ([`learn`]).
#[derive(Debug, Clone, PartialEq)]
pub struct LearnOptions {
    /// Order of the finite-difference time derivatives (2 ..= 6), or 0 for the
    /// derivative-free integral form: q_{j+1} − q_j = ∫ f dt by the trapezoidal rule on each
    /// interval (no differentiation of noisy data; one equation per interval).
    pub derivative_order: usize,
    /// The candidate λ of the constant and linear operators.
    pub lambdas: Vec<f64>,
    /// The candidate ratios λ_quadratic / λ (each > 0).
    pub quadratic_ratios: Vec<f64>,
    /// A run may not leave the box `growth` × max|q| of the training data (≥ 1).
    pub growth: f64,
    /// RK4 steps per save interval when scoring (more where the stability rule asks).
    pub substeps: usize,
    /// Reject a candidate that leaves the growth box when its last scored run continues past
    /// the data for as long again (a stability check beyond the training window, as the
    /// Operator Inference literature integrates over the prediction horizon).
    pub stability_check: bool,
    /// Score on consecutive segments of this many saves, each run from its own first
    /// state, instead of whole trajectories (`None`): for chaotic data, where any model
    /// decorrelates within a few Lyapunov times, the score must measure the short-time
    /// prediction.
    pub score_window: Option<usize>,
    /// Parameters the learned constant and linear operators are affine in (values from
    /// each trajectory's `parameters`); empty for one model for all trajectories.
    pub affine_parameters: Vec<String>,
}

impl Default for LearnOptions {
    /// Fourth-order derivatives, λ ∈ {10⁻⁶, …, 10³}, ratios {1, 10, 100}, growth 2, one
    /// substep per save interval, whole trajectories scored and checked as long again past
    /// them, no parametric terms.
    fn default() -> Self {
        Self {
            derivative_order: 4,
            lambdas: (-6..=3).map(|e| 10f64.powi(e)).collect(),
            quadratic_ratios: vec![1.0, 10.0, 100.0],
            growth: 2.0,
            substeps: 1,
            stability_check: true,
            score_window: None,
            affine_parameters: Vec::new(),
        }
    }
}

impl ReducedModel {
    /// A model of `pde` on the POD `space` whose operators are all zero: the start of
    /// Operator Inference ([`learn`] with [`RomKind::Opinf`]).
    pub fn without_operators(pde: &str, space: &Pod) -> ReducedModel {
        let r = space.rank();
        ReducedModel {
            pde: pde.to_string(),
            grid_shape: Vec::new(),
            basis: space.basis.clone(),
            mean: space.mean.clone(),
            linear: LinearPart {
                terms: Vec::new(),
                fixed: Mat::zeros(r, r),
                constant: vec![0.0; r],
            },
            nonlinear: Nonlinear::Quadratic {
                h: vec![0.0; r * r * (r + 1) / 2],
            },
            singular_values: space.singular_values.clone(),
            recipe: String::new(),
            training_parameters: BTreeMap::new(),
            learned: None,
        }
    }
}

/// The data of the least-squares problem: D (k × unknowns), the residual targets Y (k × r)
/// and what scoring needs.
struct Problem {
    data: Mat<f64>,
    /// [Y − f_base | Y] (k × 2r): the residual of the base model, then the raw targets.
    targets: Mat<f64>,
    bound: f64,
    scale: f64,
}

impl Problem {
    /// The Tikhonov path of the problem with the quadratic columns divided by `ratio` (their
    /// penalty multiplied by it) at rank `r`.
    fn path(&self, r: usize, ratio: f64) -> Result<TikhonovPath> {
        let mut scaled = self.data.clone();
        for j in 1 + r..1 + r + r * (r + 1) / 2 {
            scaled.col_mut(j).iter_mut().for_each(|v| *v /= ratio);
        }
        Ok(TikhonovPath::new(scaled.as_ref(), self.targets.as_ref())?)
    }
}

/// The values of `parameters` the model with parameter names `known` takes.
fn known_values(parameters: &BTreeMap<String, f64>, known: &[String]) -> BTreeMap<String, f64> {
    parameters
        .iter()
        .filter(|(name, _)| known.contains(name))
        .map(|(n, v)| (n.clone(), *v))
        .collect()
}

/// Learns the operators of `kind` ([`RomKind::Opinf`]: `base` is
/// [`ReducedModel::without_operators`]; [`RomKind::GalerkinClosure`]: `base` is the Galerkin
/// model with its exact quadratic tensor) from `data`, the reduced training trajectories
/// on `base`'s basis. Returns `base` with the chosen operators and the [`Learned`] record.
pub fn learn(
    base: &ReducedModel,
    kind: RomKind,
    data: &[ReducedTrajectory],
    opts: &LearnOptions,
) -> Result<ReducedModel> {
    if !matches!(kind, RomKind::Opinf | RomKind::GalerkinClosure) {
        return Err(invalid("kind", kind.name(), "opinf or galerkin-closure"));
    }
    let Nonlinear::Quadratic { h: base_h } = &base.nonlinear else {
        return Err(invalid(
            "base model",
            base.kind().name(),
            "a model with the exact quadratic tensor (`galerkin`): a closure corrects the \
             Galerkin ROM, not a hyper-reduced one",
        ));
    };
    check_options(opts)?;
    let start = std::time::Instant::now();
    let problem = assemble(base, data, opts)?;
    let r = base.rank();
    let thetas0: Vec<f64> = opts
        .affine_parameters
        .iter()
        .map(|p| data[0].parameters[p])
        .collect();
    // Two priors for the closure: Tikhonov toward the Galerkin operators (the residual
    // columns of the solution) and toward zero (plain Operator Inference, the raw columns);
    // Operator Inference's base is zero, so its one prior is both.
    let zero = LinearPart {
        terms: Vec::new(),
        fixed: Mat::zeros(r, r),
        constant: vec![0.0; r],
    };
    let zero_h = vec![0.0; base_h.len()];
    let priors: &[bool] = if kind == RomKind::GalerkinClosure {
        &[true, false]
    } else {
        &[true]
    };
    let build = |o: &Mat<f64>, ratio: f64, toward_base: bool| {
        let (linear, h, columns) = if toward_base {
            (&base.linear, base_h.as_slice(), 0..r)
        } else {
            (&zero, zero_h.as_slice(), r..2 * r)
        };
        let o = o.subcols(columns.start, r).to_owned();
        corrected(linear, h, &o, ratio, opts, &thetas0)
    };
    let score = |linear: &LinearPart, nonlinear: &Nonlinear| {
        training_error(linear, nonlinear, data, opts, &problem)
    };
    // Candidates (prior, ρ, λ), scored in parallel; the order of `scores` is the grid's.
    let mut scores = Vec::new();
    let mut best: Option<(f64, RegularizationScore)> = None;
    let mut consider = |candidate: RegularizationScore, scores: &mut Vec<RegularizationScore>| {
        let e = candidate.training_error;
        if e.is_finite() && best.as_ref().is_none_or(|(b, _)| e < *b) {
            best = Some((e, candidate));
        }
        scores.push(candidate);
    };
    // One SVD per ratio, kept to form the chosen candidate again at the end.
    let paths: Vec<TikhonovPath> = opts
        .quadratic_ratios
        .iter()
        .map(|&ratio| problem.path(r, ratio))
        .collect::<Result<_>>()?;
    for (&ratio, path) in opts.quadratic_ratios.iter().zip(&paths) {
        for &toward_base in priors {
            let errors: Vec<f64> = opts
                .lambdas
                .par_iter()
                .map(|&lambda| match path.solve(lambda) {
                    Ok(o) => {
                        let (linear, nonlinear) = build(&o, ratio, toward_base);
                        score(&linear, &nonlinear)
                    }
                    // λ = 0 on data that do not determine the operators: not a candidate.
                    Err(_) => Ok(f64::INFINITY),
                })
                .collect::<Result<_>>()?;
            for (&lambda, &training_error) in opts.lambdas.iter().zip(&errors) {
                let toward_galerkin = toward_base && kind == RomKind::GalerkinClosure;
                let candidate = RegularizationScore {
                    lambda,
                    quadratic_ratio: ratio,
                    training_error,
                    toward_galerkin,
                };
                consider(candidate, &mut scores);
            }
        }
    }
    if kind == RomKind::GalerkinClosure {
        let alone = RegularizationScore {
            lambda: f64::INFINITY,
            quadratic_ratio: 1.0,
            training_error: score(&base.linear, &base.nonlinear)?,
            toward_galerkin: true,
        };
        consider(alone, &mut scores);
    }
    if best.is_none() && kind == RomKind::GalerkinClosure {
        // Every candidate, the Galerkin model alone included, left the box: the closure
        // cannot do better than the model it corrects, which it keeps.
        tracing::warn!(
            "every closure candidate and the Galerkin model alone leave {} × max|q| over \
             the training data: the Galerkin model is kept without a closure",
            opts.growth
        );
        let alone = *scores.last().expect("the Galerkin candidate was scored");
        best = Some((f64::INFINITY, alone));
    }
    let Some((training_error, chosen)) = best else {
        return Err(invalid(
            "lambdas",
            format!("{:?} × ratios {:?}", opts.lambdas, opts.quadratic_ratios),
            &format!(
                "at least one candidate whose model stays within {} × max|q| over the \
                 training trajectories (every candidate blew up, left the box or was not \
                 determined by the data: try larger λ, or fewer modes)",
                opts.growth
            ),
        ));
    };
    let mut model = base.clone();
    if chosen.lambda.is_finite() {
        let index = opts
            .quadratic_ratios
            .iter()
            .position(|&ratio| ratio == chosen.quadratic_ratio)
            .expect("a finite λ comes from the grid");
        let o = paths[index].solve(chosen.lambda)?;
        let toward_base = chosen.toward_galerkin || kind == RomKind::Opinf;
        (model.linear, model.nonlinear) = build(&o, chosen.quadratic_ratio, toward_base);
    }
    let (lambda, ratio) = (chosen.lambda, chosen.quadratic_ratio);
    model.learned = Some(Learned {
        kind,
        lambda,
        quadratic_ratio: ratio,
        toward_galerkin: chosen.toward_galerkin,
        training_error,
        derivative_order: opts.derivative_order,
        scores,
        fit_seconds: start.elapsed().as_secs_f64(),
        eigenvalues: Vec::new(),
        eigenvalue_spread: Vec::new(),
    });
    Ok(model)
}

/// Checks the candidate grid and bounds.
fn check_options(opts: &LearnOptions) -> Result<()> {
    if opts.derivative_order == 1 || opts.derivative_order > 6 {
        return Err(invalid(
            "derivative order",
            opts.derivative_order,
            "2 ..= 6 (finite differences), or 0 (derivative-free integral form)",
        ));
    }
    if opts.lambdas.is_empty() || opts.lambdas.iter().any(|l| !(l.is_finite() && *l >= 0.0)) {
        return Err(invalid(
            "lambdas",
            format!("{:?}", opts.lambdas),
            "at least one λ, each finite and >= 0",
        ));
    }
    if opts.quadratic_ratios.is_empty()
        || opts
            .quadratic_ratios
            .iter()
            .any(|r| !(r.is_finite() && *r > 0.0))
    {
        return Err(invalid(
            "quadratic_ratios",
            format!("{:?}", opts.quadratic_ratios),
            "at least one ratio, each finite and > 0",
        ));
    }
    if !(opts.growth.is_finite() && opts.growth >= 1.0) {
        return Err(invalid("growth", opts.growth, "a finite number >= 1"));
    }
    Ok(())
}

/// The data matrix and targets of every trajectory: D rows [`data_row`] of each state,
/// Y rows dq/dt − f_base(q) at the trajectory's parameters.
fn assemble(
    base: &ReducedModel,
    data: &[ReducedTrajectory],
    opts: &LearnOptions,
) -> Result<Problem> {
    let r = base.rank();
    let pairs = r * (r + 1) / 2;
    let m = input_count(data)?;
    let unknowns = 1 + r + pairs + opts.affine_parameters.len() * (1 + r) + m;
    if data.is_empty() {
        return Err(invalid(
            "trajectories",
            0,
            "at least one training trajectory",
        ));
    }
    // One equation per snapshot (derivatives) or per interval (integral form).
    let per_trajectory = |k: usize| {
        if opts.derivative_order == 0 {
            k.saturating_sub(1)
        } else {
            k
        }
    };
    let total: usize = data.iter().map(|d| per_trajectory(d.states.ncols())).sum();
    if total < unknowns {
        let needed = format!(
            "at least {unknowns} in all (the unknowns per row at r = {r}: 1 + r + r(r+1)/2{})",
            if opts.affine_parameters.is_empty() {
                String::new()
            } else {
                format!(" + {} × (1 + r) parametric", opts.affine_parameters.len())
            }
        );
        // Without regularization the data must determine every operator; with λ > 0 the
        // Tikhonov problem is well posed, and the penalty picks what the data leave open.
        if opts.lambdas.iter().all(|&l| l == 0.0) {
            return Err(invalid(
                "equations (snapshots, or intervals in the integral form)",
                total,
                &format!(
                    "{needed} without regularization; use fewer modes, more snapshots or λ > 0"
                ),
            ));
        }
        tracing::warn!(
            "{total} equations for {unknowns} unknowns per row: the data do not determine \
             the operators ({needed} would); the λ > 0 candidates choose them"
        );
    }
    let known = base.parameter_names();
    let mut problem = Problem {
        data: Mat::zeros(total, unknowns),
        targets: Mat::zeros(total, 2 * r),
        bound: 0.0,
        scale: 0.0,
    };
    let (mut row, mut q, mut f) = (vec![0.0; unknowns], vec![0.0; r], vec![0.0; r]);
    let mut at = 0;
    for (t, traj) in data.iter().enumerate() {
        let k = traj.states.ncols();
        if traj.times.len() != k {
            return Err(invalid(
                "times",
                format!("{} values for trajectory {t}", traj.times.len()),
                &format!("one per snapshot ({k})"),
            ));
        }
        if traj.states.nrows() != r {
            return Err(invalid(
                "trajectory states",
                format!("{} rows in trajectory {t}", traj.states.nrows()),
                &format!("r = {r} (the basis rank)"),
            ));
        }
        if let Some((i, j)) = (0..k)
            .flat_map(|j| (0..r).map(move |i| (i, j)))
            .find(|&(i, j)| !traj.states[(i, j)].is_finite())
        {
            return Err(RomError::NonFiniteSnapshot {
                trajectory: t,
                time_index: j,
                value: traj.states[(i, j)],
            });
        }
        let thetas: Vec<f64> = opts
            .affine_parameters
            .iter()
            .map(|p| {
                traj.parameters.get(p).copied().ok_or_else(|| {
                    invalid(
                        "affine parameter",
                        p,
                        &format!(
                            "a parameter every trajectory has (trajectory {t} has {:?})",
                            traj.parameters.keys().collect::<Vec<_>>()
                        ),
                    )
                })
            })
            .collect::<Result<_>>()?;
        // Per snapshot: its data row and the base model's right-hand side.
        let mut rows = Mat::zeros(k, unknowns);
        let mut rhs = Mat::zeros(k, r);
        let mut online = base.online(&known_values(&traj.parameters, &known))?;
        for j in 0..k {
            q.iter_mut()
                .enumerate()
                .for_each(|(i, v)| *v = traj.states[(i, j)]);
            let u: Vec<f64> = traj
                .inputs
                .as_ref()
                .map_or(Vec::new(), |u| (0..m).map(|i| u[(i, j)]).collect());
            data_row(&q, &thetas, &u, &mut row);
            online.rhs(&q, &mut f);
            row.iter().enumerate().for_each(|(c, v)| rows[(j, c)] = *v);
            f.iter().enumerate().for_each(|(i, v)| rhs[(j, i)] = *v);
        }
        if opts.derivative_order == 0 {
            // Integral form over each interval (trapezoidal rule, exact for the data at
            // second order): q_{j+1} − q_j = (Δt/2) (O d_j + O d_{j+1}).
            check_increasing(&traj.times)?;
            for j in 0..k - 1 {
                let half = 0.5 * (traj.times[j + 1] - traj.times[j]);
                for c in 0..unknowns {
                    problem.data[(at, c)] = half * (rows[(j, c)] + rows[(j + 1, c)]);
                }
                for i in 0..r {
                    let raw = traj.states[(i, j + 1)] - traj.states[(i, j)];
                    problem.targets[(at, i)] = raw - half * (rhs[(j, i)] + rhs[(j + 1, i)]);
                    problem.targets[(at, r + i)] = raw;
                }
                at += 1;
            }
        } else {
            let dq = time_derivatives(traj.states.as_ref(), &traj.times, opts.derivative_order)?;
            for j in 0..k {
                for c in 0..unknowns {
                    problem.data[(at, c)] = rows[(j, c)];
                }
                for i in 0..r {
                    problem.targets[(at, i)] = dq[(i, j)] - rhs[(j, i)];
                    problem.targets[(at, r + i)] = dq[(i, j)];
                }
                at += 1;
            }
        }
        problem.bound = problem.bound.max(traj.states.norm_max());
        problem.scale += traj.states.squared_norm_l2();
    }
    problem.bound *= opts.growth;
    problem.scale = problem.scale.sqrt().max(f64::MIN_POSITIVE);
    Ok(problem)
}

/// The operators `base_linear`, `base_h` plus the learned correction `o` (rows: constant,
/// linear, quadratic scaled by 1/`ratio`, then per affine parameter its constant and
/// linear rows; r columns).
fn corrected(
    base_linear: &LinearPart,
    base_h: &[f64],
    o: &Mat<f64>,
    ratio: f64,
    opts: &LearnOptions,
    thetas0: &[f64],
) -> (LinearPart, Nonlinear) {
    let r = o.ncols();
    let pairs = r * (r + 1) / 2;
    let mut linear = base_linear.clone();
    for k in 0..r {
        linear.constant[k] += o[(0, k)];
        for i in 0..r {
            linear.fixed[(k, i)] += o[(1 + i, k)];
        }
    }
    let mut h = base_h.to_vec();
    for k in 0..r {
        for p in 0..pairs {
            h[k * pairs + p] += o[(1 + r + p, k)] / ratio;
        }
    }
    for (index, name) in opts.affine_parameters.iter().enumerate() {
        let first = 1 + r + pairs + index * (1 + r);
        let matrix = Mat::from_fn(r, r, |k, i| o[(first + 1 + i, k)]);
        let offset: Vec<f64> = (0..r).map(|k| o[(first, k)]).collect();
        // θ (M + ΔM) into the base's own term of the same parameter, if it has one (each
        // parameter stays one term, as files and FMUs name them).
        match linear
            .terms
            .iter_mut()
            .find(|t| t.parameter.as_deref() == Some(name.as_str()))
        {
            Some(term) => {
                term.matrix += &matrix;
                term.offset
                    .iter_mut()
                    .zip(&offset)
                    .for_each(|(a, b)| *a += b);
            }
            None => linear.terms.push(ProjectedTerm {
                parameter: Some(name.clone()),
                coefficient: thetas0[index],
                matrix,
                offset,
            }),
        }
    }
    let first_input = 1 + r + pairs + opts.affine_parameters.len() * (1 + r);
    for i in 0..o.nrows().saturating_sub(first_input) {
        linear.terms.push(ProjectedTerm {
            parameter: Some(input_name(i)),
            coefficient: 0.0,
            matrix: Mat::zeros(r, r),
            offset: (0..r).map(|k| o[(first_input + i, k)]).collect(),
        });
    }
    (linear, Nonlinear::Quadratic { h })
}

/// The relative error of the model (`linear`, `nonlinear`) integrated over every training
/// trajectory from its first state; infinite at a blow-up or outside the growth box.
fn training_error(
    linear: &LinearPart,
    nonlinear: &Nonlinear,
    data: &[ReducedTrajectory],
    opts: &LearnOptions,
    problem: &Problem,
) -> Result<f64> {
    let known = linear.parameter_names();
    let mut squared = 0.0;
    for traj in data {
        let mut online = linear.online(nonlinear, &known_values(&traj.parameters, &known))?;
        let k = traj.states.ncols();
        let segment = opts.score_window.unwrap_or(k).clamp(2, k.max(2));
        for start in (0..k).step_by(segment) {
            let end = (start + segment).min(k);
            if end - start < 2 {
                continue;
            }
            let states = traj.states.subcols(start, end - start);
            let q0: Vec<f64> = states.col(0).iter().copied().collect();
            let times = &traj.times[start..end];
            let run = match &traj.inputs {
                Some(u) => {
                    let params = known_values(&traj.parameters, &known);
                    let u = u.subcols(start, end - start);
                    let (bound, substeps) = (problem.bound, opts.substeps);
                    integrate_forced(linear, nonlinear, &params, u, &q0, times, substeps, bound)?
                }
                None => integrate(&mut online, &q0, times, opts.substeps, problem.bound)?,
            };
            let Some(run) = run else {
                return Ok(f64::INFINITY);
            };
            squared += (&run - states).squared_norm_l2();
            // Past the data: the last segment runs on for as long again, unscored, and must
            // stay in the box (a model that blows up just after the window is no candidate).
            // (Not for a forced system: its inputs past the data are unknown.)
            if end == k && opts.stability_check && traj.inputs.is_none() {
                let last: Vec<f64> = run.col(run.ncols() - 1).iter().copied().collect();
                let beyond: Vec<f64> = times
                    .iter()
                    .map(|t| t - times[0] + times[times.len() - 1])
                    .collect();
                if integrate(&mut online, &last, &beyond, opts.substeps, problem.bound)?.is_none() {
                    return Ok(f64::INFINITY);
                }
            }
        }
    }
    Ok(squared.sqrt() / problem.scale)
}
