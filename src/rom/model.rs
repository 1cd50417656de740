//! The reduced model: u ≈ ū + V a with da/dt = c(μ) + A(μ) a + N_r(a), where A and c are
//! affine in the PDE parameters μ and N_r is either the exact projected quadratic tensor
//! or a hyper-reduced (DEIM / Q-DEIM / EIM) flux. Online work never touches n.

use std::collections::BTreeMap;

use faer::{Mat, MatRef};
use std::sync::Arc;

use galerkin_solvers::PointwiseFlux;

use super::error::{invalid, Result};
use super::hyper::PointSelection;
use super::integrate::Dynamics;
use super::opinf::RegularizationScore;
use super::reduced::{ReducedOrderModel, RomKind};
use crate::basis::Basis;

/// One projected affine term θ_q VᵀW L_q (V a + ū).
#[derive(Debug, Clone)]
pub struct ProjectedTerm {
    /// The parameter θ_q is, or `None` for a fixed term.
    pub parameter: Option<String>,
    /// θ_q at the parameter values the model was built with.
    pub coefficient: f64,
    /// VᵀW L_q V (r × r).
    pub matrix: Mat<f64>,
    /// VᵀW L_q ū (zeros without a mean).
    pub offset: Vec<f64>,
}

/// The parts of the reduced right-hand side that are affine in the state.
#[derive(Debug, Clone)]
pub struct LinearPart {
    /// The parameter-dependent terms.
    pub terms: Vec<ProjectedTerm>,
    /// A parameter-free linear operator: 2VᵀW B(ū, V) for the quadratic model, 0 else.
    pub fixed: Mat<f64>,
    /// The parameter-free constant: VᵀW (f + B(ū, ū)) for the quadratic model, VᵀW f else.
    pub constant: Vec<f64>,
}

impl LinearPart {
    /// The parameter names of the affine terms, each once, in the order of the terms.
    pub fn parameter_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for name in self.terms.iter().filter_map(|t| t.parameter.as_ref()) {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// The online system c(μ) + A(μ) x + N(x) at parameter values `params` (others keep
    /// their built values): an error for an unknown name or a non-finite value.
    pub fn online<'a>(
        &self,
        nonlinear: &'a Nonlinear,
        params: &BTreeMap<String, f64>,
    ) -> Result<Online<'a>> {
        let known = self.parameter_names();
        if let Some(unknown) = params.keys().find(|k| !known.contains(k)) {
            return Err(invalid(
                "parameter",
                unknown,
                &format!("one of {known:?} (the affine terms of this model)"),
            ));
        }
        let mut a = self.fixed.clone();
        let mut c = self.constant.clone();
        for term in &self.terms {
            let theta = term
                .parameter
                .as_ref()
                .and_then(|p| params.get(p))
                .copied()
                .unwrap_or(term.coefficient);
            if !theta.is_finite() {
                return Err(invalid(
                    term.parameter.as_deref().unwrap_or("coefficient"),
                    theta,
                    "a finite number",
                ));
            }
            a += theta * &term.matrix;
            c.iter_mut()
                .zip(&term.offset)
                .for_each(|(c, o)| *c += theta * o);
        }
        Ok(Online::new(a.as_ref(), c, nonlinear))
    }
}

/// The exact quadratic tensor or a hyper-reduced nonlinearity.
#[derive(Debug, Clone)]
pub enum Nonlinear {
    /// Ĥ_{k,(i,j)} = v_kᵀW B(v_i, v_j) for i ≤ j (i = j counted once, i < j doubled),
    /// row-major r × r(r+1)/2: the Galerkin tensor with its symmetry folded in.
    Quadratic {
        /// The packed tensor.
        h: Vec<f64>,
    },
    /// DEIM-type: N_r(a) = M g(f(a)) with f_j(a) = o_j + R_j a the factors at m points.
    Hyper(HyperReduction),
}

/// A hyper-reduced nonlinearity (Chaturantabut & Sorensen 2010): the flux g is sampled at
/// m points and interpolated in a POD basis U of flux snapshots.
#[derive(Debug, Clone)]
pub struct HyperReduction {
    /// The pointwise flux.
    pub flux: Arc<dyn PointwiseFlux>,
    /// How the points were chosen.
    pub selection: PointSelection,
    /// Grid indices of the m points.
    pub points: Vec<usize>,
    /// M = VᵀW A U (PᵀU)⁻¹, row-major r × m.
    pub map: Vec<f64>,
    /// R_j = (K_j V)[P, :], row-major m × r, one per factor.
    pub factor_rows: Vec<Vec<f64>>,
    /// o_j = (K_j ū)\[P\] (zeros without a mean), one per factor.
    pub factor_offsets: Vec<Vec<f64>>,
    /// The flux basis U (n × m): not needed online, kept so the model can be enriched
    /// ([`super::adaptive`]).
    pub flux_basis: Mat<f64>,
    /// Over-sampled points S ⊇ P for the error indicator (S = P when the flux snapshots
    /// allowed no over-sampling).
    pub sample: Vec<usize>,
}

/// A reduced model with everything needed to run it without the full model.
#[derive(Debug, Clone)]
pub struct ReducedModel {
    /// PDE name of the full model.
    pub pde: String,
    /// The full model's grid shape (\[nx\] or \[ny, nx\]).
    pub grid_shape: Vec<usize>,
    /// The modes V.
    pub basis: Basis,
    /// The mean ū, if the model evolves u − ū.
    pub mean: Option<Vec<f64>>,
    /// Affine parts.
    pub linear: LinearPart,
    /// Nonlinear part.
    pub nonlinear: Nonlinear,
    /// All POD singular values of the training snapshots.
    pub singular_values: Vec<f64>,
    /// The recipe text of the training data.
    pub recipe: String,
    /// Parameter values of the training trajectories, by name.
    pub training_parameters: BTreeMap<String, Vec<f64>>,
    /// How the operators were learned from data, for models not (only) projected from a
    /// full model: Operator Inference, a learned closure, DMD; `None` for projected ones.
    pub learned: Option<Learned>,
}

/// How a model's operators were learned from data ([`super::learn`], [`super::dmd`]): the
/// method, the regularization chosen and the scores of every candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Learned {
    /// [`RomKind::Opinf`], [`RomKind::GalerkinClosure`] or [`RomKind::Dmd`].
    pub kind: RomKind,
    /// The Tikhonov λ chosen for the constant and linear operators (infinite: no learned
    /// correction was better than the Galerkin model alone; 0 for DMD).
    pub lambda: f64,
    /// The quadratic operator's λ over `lambda` (its own, larger regularization).
    pub quadratic_ratio: f64,
    /// Whether the chosen operators were regularized toward the Galerkin ones (a closure's
    /// residual fit, or the Galerkin model alone) rather than toward zero (Operator
    /// Inference: what a closure picks when that fits the training data better).
    pub toward_galerkin: bool,
    /// Relative error of the chosen model integrated over the training trajectories.
    pub training_error: f64,
    /// The order of the finite-difference time derivatives (0 where none were taken).
    pub derivative_order: usize,
    /// Every candidate's score.
    pub scores: Vec<RegularizationScore>,
    /// Wall time of the fit (derivatives, least squares and the scoring of every
    /// candidate; not the POD), seconds; not stored in files (0 when read back), so the
    /// same data give the same file.
    pub fit_seconds: f64,
    /// DMD's continuous-time eigenvalues (empty for other kinds).
    pub eigenvalues: Vec<faer::c64>,
    /// Their spread over the bags of BOP-DMD (zeros without bagging).
    pub eigenvalue_spread: Vec<f64>,
}

impl ReducedModel {
    /// The reduced dimension r.
    pub fn rank(&self) -> usize {
        self.basis.rank()
    }

    /// Galerkin (exact quadratic tensor), the hyper-reduction's point selection, or the
    /// learning method of a learned model.
    pub fn kind(&self) -> RomKind {
        if let Some(learned) = &self.learned {
            return learned.kind;
        }
        match &self.nonlinear {
            Nonlinear::Quadratic { .. } => RomKind::Galerkin,
            Nonlinear::Hyper(h) => match h.selection {
                PointSelection::Deim => RomKind::Deim,
                PointSelection::Qdeim => RomKind::Qdeim,
                PointSelection::Eim => RomKind::Eim,
            },
        }
    }

    /// The parameter names the model can be re-weighted by.
    pub fn parameter_names(&self) -> Vec<String> {
        self.linear.parameter_names()
    }

    /// The online model at parameter values `params` (others keep their built values).
    pub fn online(&self, params: &BTreeMap<String, f64>) -> Result<Online<'_>> {
        self.linear.online(&self.nonlinear, params)
    }

    /// Reduced coordinates of a full state: a = VᵀW (u − ū).
    pub fn project(&self, u: &[f64]) -> Result<Vec<f64>> {
        let centred: Vec<f64> = match &self.mean {
            Some(m) => u.iter().zip(m).map(|(u, m)| u - m).collect(),
            None => u.to_vec(),
        };
        let x = Mat::from_fn(centred.len(), 1, |i, _| centred[i]);
        let a = self.basis.project(x.as_ref())?;
        Ok((0..a.nrows()).map(|i| a[(i, 0)]).collect())
    }

    /// The full state ū + V a.
    pub fn reconstruct(&self, a: &[f64], out: &mut [f64]) {
        let v = self.basis.vectors();
        match &self.mean {
            Some(m) => out.copy_from_slice(m),
            None => out.fill(0.0),
        }
        for (j, aj) in a.iter().enumerate() {
            for (o, vij) in out.iter_mut().zip(v.col(j).iter()) {
                *o += aj * vij;
            }
        }
    }
}

impl ReducedOrderModel for ReducedModel {
    fn kind(&self) -> RomKind {
        ReducedModel::kind(self)
    }
    fn rank(&self) -> usize {
        ReducedModel::rank(self)
    }
    fn full_dim(&self) -> usize {
        self.basis.dim()
    }
    fn parameter_names(&self) -> Vec<String> {
        ReducedModel::parameter_names(self)
    }
    fn project(&self, u: &[f64]) -> Result<Vec<f64>> {
        ReducedModel::project(self, u)
    }
    fn reconstruct(&self, a: &[f64], out: &mut [f64]) {
        ReducedModel::reconstruct(self, a, out)
    }
    fn dynamics(&self, params: &BTreeMap<String, f64>) -> Result<Box<dyn Dynamics + '_>> {
        Ok(Box::new(self.online(params)?))
    }
}

/// A reduced model's nonlinearity as its online step evaluates it.
#[derive(Debug)]
enum OnlineTerm<'a> {
    /// The quadratic tensor Ĥ: the model's row-major copy (for the Jacobian) and the one
    /// laid out for the online product when the model is set up.
    Quadratic {
        h: &'a [f64],
        term: galerkin_kernels::QuadraticTerm,
    },
    /// A hyper-reduction, evaluated as stored.
    Hyper(&'a HyperReduction),
}

/// A reduced model ready to integrate at fixed parameters: c, A and scratch.
#[derive(Debug)]
pub struct Online<'a> {
    r: usize,
    /// A, row-major r × r.
    a: Vec<f64>,
    c: Vec<f64>,
    /// The nonlinearity as the online step evaluates it.
    term: OnlineTerm<'a>,
    scratch: Vec<f64>,
    /// The pair products of an ensemble ([`Online::rhs_batch`]), sized on first use.
    batch_pairs: Vec<f64>,
    point: Vec<f64>,
    gradient: Vec<f64>,
}

impl<'a> Online<'a> {
    /// The online system dx/dt = c + A x + N(x) of the operators given (r = c.len(), A
    /// r × r): what [`ReducedModel::online`] forms at given parameters, and what a model
    /// learned from data (Operator Inference) integrates with.
    pub fn new(a: MatRef<'_, f64>, c: Vec<f64>, nonlinear: &'a Nonlinear) -> Self {
        let r = c.len();
        let scratch = match nonlinear {
            Nonlinear::Quadratic { .. } => r * (r + 1) / 2,
            Nonlinear::Hyper(h) => h.points.len() * (h.factor_rows.len() + 1),
        };
        Online {
            r,
            a: (0..r * r).map(|k| a[(k / r, k % r)]).collect(),
            c,
            term: match nonlinear {
                Nonlinear::Quadratic { h } => OnlineTerm::Quadratic {
                    h,
                    term: galerkin_kernels::QuadraticTerm::from_rows(h, r),
                },
                Nonlinear::Hyper(hr) => OnlineTerm::Hyper(hr),
            },
            scratch: vec![0.0; scratch],
            batch_pairs: Vec::new(),
            point: vec![0.0; 8],
            gradient: vec![0.0; 8],
        }
    }

    /// The reduced dimension r.
    pub fn dim(&self) -> usize {
        self.r
    }

    /// The spectral radius of the linear part A (what limits explicit steps); the
    /// Gershgorin bound max_k Σ_l |A_kl| if the eigenvalue solver fails.
    pub fn linear_spectral_radius(&self) -> f64 {
        galerkin_kernels::spectral_radius(&self.a, self.r)
    }

    /// The linear part A, row-major r × r.
    pub fn linear_operator(&self) -> &[f64] {
        &self.a
    }

    /// out = c + A x + N_r(x): O(r³) for the quadratic tensor, O(Q·m·r) hyper-reduced.
    pub fn rhs(&mut self, x: &[f64], out: &mut [f64]) {
        out.copy_from_slice(&self.c);
        galerkin_kernels::gemv_add(&self.a, self.r, x, out);
        self.add_nonlinear(x, out);
    }

    /// out = c + N_r(x): the right-hand side without its linear part, what exponential
    /// integrators evaluate.
    pub fn nonlinear_rhs(&mut self, x: &[f64], out: &mut [f64]) {
        out.copy_from_slice(&self.c);
        self.add_nonlinear(x, out);
    }

    /// [`Online::rhs`] for an ensemble of B states back to back (`x` and `out` r × B,
    /// column-major): A X and the quadratic term Ĥ Z(X) run as matrix–matrix products
    /// that read A and Ĥ once per call instead of once per state, which is what makes
    /// the ensemble compute-bound (Ĥ is 451 kB at r = 48, beyond L1). A hyper-reduced
    /// nonlinearity is evaluated state by state.
    pub fn rhs_batch(&mut self, x: &[f64], out: &mut [f64]) {
        self.fill_constant(out);
        galerkin_kernels::gemm_add(&self.a, self.r, x, out);
        self.add_nonlinear_batch(x, out);
    }

    /// [`Online::nonlinear_rhs`] for an ensemble laid out as in [`Online::rhs_batch`].
    pub fn nonlinear_rhs_batch(&mut self, x: &[f64], out: &mut [f64]) {
        self.fill_constant(out);
        self.add_nonlinear_batch(x, out);
    }

    /// Every state of `out` (r × B) set to c.
    fn fill_constant(&self, out: &mut [f64]) {
        for ob in out.chunks_exact_mut(self.r) {
            ob.copy_from_slice(&self.c);
        }
    }

    /// out_b += N_r(x_b) for every state of the ensemble (one state: [`Online::rhs`]'s
    /// own term, with its preallocated scratch).
    fn add_nonlinear_batch(&mut self, x: &[f64], out: &mut [f64]) {
        if x.len() == self.r {
            return self.add_nonlinear(x, out);
        }
        match &self.term {
            OnlineTerm::Quadratic { term, .. } => {
                let pairs = galerkin_kernels::pair_count(self.r) * (x.len() / self.r);
                if self.batch_pairs.len() != pairs {
                    self.batch_pairs.resize(pairs, 0.0);
                }
                term.add_batch(x, &mut self.batch_pairs, out);
            }
            OnlineTerm::Hyper(_) => {
                let r = self.r;
                for (xb, ob) in x.chunks_exact(r).zip(out.chunks_exact_mut(r)) {
                    self.add_nonlinear(xb, ob);
                }
            }
        }
    }

    /// out += N_r(x).
    fn add_nonlinear(&mut self, x: &[f64], out: &mut [f64]) {
        let r = self.r;
        match self.term {
            OnlineTerm::Quadratic { ref term, .. } => term.add(x, &mut self.scratch, out),
            OnlineTerm::Hyper(hr) => {
                let m = hr.points.len();
                let q = hr.factor_rows.len();
                let (factors, g) = self.scratch.split_at_mut(q * m);
                hyper_factors(hr, x, r, factors);
                for (p, gp) in g.iter_mut().enumerate() {
                    for j in 0..q {
                        self.point[j] = factors[j * m + p];
                    }
                    *gp = hr.flux.eval(&self.point[..q]);
                }
                galerkin_kernels::gemv_add(&hr.map, m, g, out);
            }
        }
    }

    /// The Jacobian ∂(rhs)/∂x at `x`, row-major r × r into `jac`.
    pub fn jacobian(&mut self, x: &[f64], jac: &mut [f64]) {
        let r = self.r;
        jac.copy_from_slice(&self.a);
        match self.term {
            OnlineTerm::Quadratic { h, .. } => {
                let np = r * (r + 1) / 2;
                let pair = |i: usize, j: usize| j * (j + 1) / 2 + i;
                for k in 0..r {
                    let hk = &h[k * np..(k + 1) * np];
                    for l in 0..r {
                        // ∂/∂x_l Σ_{i≤j} H_{k,(i,j)} x_i x_j.
                        let mut d = 0.0;
                        for (j, xj) in x.iter().enumerate().skip(l) {
                            d += hk[pair(l, j)] * xj;
                        }
                        for (i, xi) in x.iter().enumerate().take(l + 1) {
                            d += hk[pair(i, l)] * xi;
                        }
                        jac[k * r + l] += d;
                    }
                }
            }
            OnlineTerm::Hyper(hr) => {
                let m = hr.points.len();
                let q = hr.factor_rows.len();
                let (factors, _) = self.scratch.split_at_mut(q * m);
                hyper_factors(hr, x, r, factors);
                // G[p, l] = Σ_j ∂g/∂f_j(p) R_j[p, l]; J += M G.
                let mut g_row = vec![0.0; r];
                for p in 0..m {
                    for j in 0..q {
                        self.point[j] = factors[j * m + p];
                    }
                    hr.flux.gradient(&self.point[..q], &mut self.gradient[..q]);
                    g_row.fill(0.0);
                    for j in 0..q {
                        let row = &hr.factor_rows[j][p * r..(p + 1) * r];
                        g_row
                            .iter_mut()
                            .zip(row)
                            .for_each(|(g, v)| *g += self.gradient[j] * v);
                    }
                    for k in 0..r {
                        let mkp = hr.map[k * m + p];
                        jac[k * r..(k + 1) * r]
                            .iter_mut()
                            .zip(&g_row)
                            .for_each(|(j, g)| *j += mkp * g);
                    }
                }
            }
        }
    }
}

/// f_j = o_j + R_j x at the m points, factor-major into `out` (Q·m values).
fn hyper_factors(hr: &HyperReduction, x: &[f64], r: usize, out: &mut [f64]) {
    let m = hr.points.len();
    for (j, (rows, offsets)) in hr.factor_rows.iter().zip(&hr.factor_offsets).enumerate() {
        let f = &mut out[j * m..(j + 1) * m];
        f.copy_from_slice(offsets);
        galerkin_kernels::gemv_add(rows, r, x, f);
    }
}
