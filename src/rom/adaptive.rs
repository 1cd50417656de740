//! The error-indicator-driven adaptive ROM of Casenave & Akkari (Math. Comput. Appl. 24(2):41,
//! 2019), transposed to hyper-reduced Galerkin ROMs of our PDEs.
//!
//! **Indicator.** The flux g is sampled at an over-sampled set S ⊃ P of grid points (the
//! DEIM points plus the Q-DEIM points of a flux basis twice as large). Its gappy-POD fit
//! γ = argmin ‖U_S γ − g_S‖ in the flux basis U leaves the relative residual
//! E = ‖g_S − U_S γ‖ / ‖g_S‖. g_S comes from the reduced state in O(|S|·Q·r), the fit in
//! O(|S|·m): independent of n. On the training manifold the flux is representable and E is
//! small; when the trajectory leaves it, E jumps (the paper's heuristic, with the flux in
//! the role of the dual quantity at the reduced integration points).
//!
//! **Enrichment.** When E > tol after a reduced step: ONE full-model step from the
//! reconstructed state at the start of that step; its result u⁺ extends the state basis
//! (CGS2, `Basis::extend`) and its flux g(Ku⁺) the flux basis (with one new DEIM point);
//! the reduced operators get only their new rows, columns and the new point (cached
//! n-sized factors make that O(n) per enrichment, no rebuild); the ROM restarts from the
//! projection of u⁺.

use std::collections::BTreeMap;
use std::sync::Arc;

use faer::linalg::solvers::Solve;
use faer::Mat;
use galerkin_solvers::{FullOrderModel, PointwiseFlux};

use super::build::{build_model, Reduction};
use super::capabilities;
use super::error::{invalid, Result};
use super::galerkin::{map_columns, project_columns};
use super::hyper::PointSelection;
use super::integrate::{Dynamics, RomIntegrator, Stepper};
use super::model::{Nonlinear, ReducedModel};
use super::pod::{Pod, SnapshotSource};
use super::reduced::{ReducedOrderModel, RomKind};
use crate::basis::{householder_qr, InnerProduct};

/// Settings of an adaptive run.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveOptions {
    /// Indicator tolerance: above it, one full-model step and an enrichment (∞: the static
    /// ROM, which only reports its indicator).
    pub tol: f64,
    /// Online (and full-model) step.
    pub dt: f64,
    /// Parameter values for the reduced and the full model.
    pub parameters: BTreeMap<String, f64>,
    /// Largest state-basis size; beyond it full steps still correct the state but add no
    /// modes.
    pub max_rank: usize,
}

/// What an adaptive run did.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveRun {
    /// Save times.
    pub times: Vec<f64>,
    /// Reconstructed states at the saves (snapshot-major).
    pub fields: Vec<f64>,
    /// The largest indicator value between consecutive saves.
    pub indicator: Vec<f64>,
    /// Steps replaced by a full-model step.
    pub full_steps: Vec<usize>,
    /// Total steps.
    pub steps: usize,
    /// State-basis size at the end.
    pub final_rank: usize,
    /// Flux-basis size at the end.
    pub final_points: usize,
}

/// A ROM (Galerkin or hyper-reduced) that watches its indicator and enriches itself from
/// the full model.
pub struct AdaptiveRom<'a> {
    model: ReducedModel,
    fom: &'a mut dyn FullOrderModel,
    /// The full model's pointwise flux g (for the indicator).
    pointwise: Arc<dyn PointwiseFlux>,
    /// The flux basis U (n × m) and A U.
    flux: Mat<f64>,
    flux_outer: Mat<f64>,
    /// VᵀW A U (r × m).
    projected_outer: Mat<f64>,
    /// L_q V per linear term, and K_j V, K_j ū per flux factor (n-sized caches).
    linear_fields: Vec<Mat<f64>>,
    factor_fields: Vec<Mat<f64>>,
    mean_factors: Vec<Vec<f64>>,
    /// The over-sampled indicator points S, and the flux basis' interpolation points P.
    sample: Vec<usize>,
    points: Vec<usize>,
    /// For a Galerkin (quadratic-tensor) model: B(v_i, v_j) per packed pair, B(ū, v_i),
    /// and f + B(ū, ū) (n-sized caches, so a new mode costs O(r) products, not a rebuild).
    pairs: Vec<Vec<f64>>,
    mean_pairs: Vec<Vec<f64>>,
    mean_constant: Vec<f64>,
    /// Orthonormal basis of U_S, for the indicator's least-squares residual.
    sample_basis: Mat<f64>,
}

impl<'a> AdaptiveRom<'a> {
    /// A ROM of `kind` with the leading `r` modes of `pod`, and an indicator flux basis of
    /// `m` modes, from the training `states`: for a Galerkin model the flux basis serves
    /// the indicator only; for a DEIM / Q-DEIM model it is also the hyper-reduction's.
    pub fn build_kind(
        fom: &'a mut dyn FullOrderModel,
        states: &mut dyn SnapshotSource,
        pod: &Pod,
        (r, m): (usize, usize),
        kind: Reduction,
    ) -> Result<Self> {
        let hyper_kind = Reduction::Hyper {
            points: m,
            selection: PointSelection::Qdeim,
        };
        let hyper = build_model(fom, states, pod, r, hyper_kind)?;
        match kind {
            Reduction::Galerkin => {
                let Nonlinear::Hyper(h) = &hyper.nonlinear else {
                    unreachable!("built as a hyper-reduction")
                };
                let model = build_model(fom, states, pod, r, Reduction::Galerkin)?;
                Self::assemble(
                    model,
                    fom,
                    (h.flux_basis.clone(), h.points.clone(), h.sample.clone()),
                )
            }
            Reduction::Hyper { .. } if kind == hyper_kind => Self::from_model(hyper, fom),
            Reduction::Hyper { .. } => {
                let model = build_model(fom, states, pod, r, kind)?;
                Self::from_model(model, fom)
            }
        }
    }

    /// The Q-DEIM ROM with the leading `r` modes of `pod` and `m` flux modes, from the
    /// training `states`, ready to adapt against `fom`.
    pub fn build(
        fom: &'a mut dyn FullOrderModel,
        states: &mut dyn SnapshotSource,
        pod: &Pod,
        r: usize,
        m: usize,
    ) -> Result<Self> {
        let kind = Reduction::Hyper {
            points: m,
            selection: PointSelection::Qdeim,
        };
        Self::build_kind(fom, states, pod, (r, m), kind)
    }

    /// Wraps a DEIM / Q-DEIM `model` (for instance one loaded from a ROM file) and the
    /// full model it reduces.
    pub fn from_model(model: ReducedModel, fom: &'a mut dyn FullOrderModel) -> Result<Self> {
        let Nonlinear::Hyper(hyper) = &model.nonlinear else {
            return Err(invalid(
                "ROM",
                model.kind().name(),
                "a `deim` or `qdeim` ROM here (a ROM file holds no indicator flux basis for \
                 Galerkin models; wrap those with `AdaptiveRom::build_kind` and their \
                 training snapshots)",
            ));
        };
        if hyper.selection == PointSelection::Eim || hyper.sample.len() <= hyper.points.len() {
            return Err(invalid(
                "ROM",
                hyper.selection.name(),
                "a `deim` / `qdeim` ROM with over-sampled indicator points (built from more \
                 than twice as many flux snapshots as points)",
            ));
        }
        let indicator = (
            hyper.flux_basis.clone(),
            hyper.points.clone(),
            hyper.sample.clone(),
        );
        Self::assemble(model, fom, indicator)
    }

    /// The adaptive wrapper of `model` with the indicator's flux basis, points and sample.
    fn assemble(
        model: ReducedModel,
        fom: &'a mut dyn FullOrderModel,
        (flux, points, sample): (Mat<f64>, Vec<usize>, Vec<usize>),
    ) -> Result<Self> {
        if fom.dim() != model.basis.dim() {
            return Err(invalid(
                "full model",
                fom.dim(),
                &format!("{} values (the ROM's state size)", model.basis.dim()),
            ));
        }
        let n = model.basis.dim();
        let pointwise = capabilities::flux(&mut *fom)?.flux();
        let mut rom = Self {
            pointwise,
            fom,
            flux_outer: Mat::zeros(n, 0),
            projected_outer: Mat::zeros(model.rank(), 0),
            linear_fields: Vec::new(),
            factor_fields: Vec::new(),
            mean_factors: Vec::new(),
            flux,
            sample,
            points,
            pairs: Vec::new(),
            mean_pairs: Vec::new(),
            mean_constant: Vec::new(),
            sample_basis: Mat::zeros(0, 0),
            model,
        };
        rom.fill_caches()?;
        rom.refresh_indicator()?;
        Ok(rom)
    }

    /// The model as it stands.
    pub fn model(&self) -> &ReducedModel {
        &self.model
    }

    fn fill_caches(&mut self) -> Result<()> {
        let basis = &self.model.basis;
        let n = basis.dim();
        let linear = capabilities::affine(&mut *self.fom)?;
        self.linear_fields = (0..linear.linear_terms().len())
            .map(|q| {
                map_columns(basis, |v, out| {
                    linear.apply_linear_term(q, v, out);
                    Ok(())
                })
            })
            .collect::<Result<_>>()?;
        let fom = capabilities::flux(&mut *self.fom)?;
        let q = fom.flux_factor_count();
        let mut fields = vec![vec![0.0; n]; q];
        self.factor_fields = vec![Mat::zeros(n, basis.rank()); q];
        for j in 0..basis.rank() {
            let v: Vec<f64> = basis.vectors().col(j).iter().copied().collect();
            fom.flux_factors(&v, &mut fields);
            for (cache, f) in self.factor_fields.iter_mut().zip(&fields) {
                cache.col_as_slice_mut(j).copy_from_slice(f);
            }
        }
        self.mean_factors = match &self.model.mean {
            Some(mean) => {
                fom.flux_factors(mean, &mut fields);
                fields.clone()
            }
            None => vec![vec![0.0; n]; q],
        };
        self.flux_outer = Mat::zeros(n, self.flux.ncols());
        for j in 0..self.flux.ncols() {
            let col: Vec<f64> = self.flux.col(j).iter().copied().collect();
            fom.apply_flux_outer(&col, self.flux_outer.col_as_slice_mut(j));
        }
        self.projected_outer = project_columns(basis, &self.flux_outer)?;
        if let Nonlinear::Quadratic { .. } = self.model.nonlinear {
            let v: Vec<Vec<f64>> = (0..basis.rank())
                .map(|j| basis.vectors().col(j).iter().copied().collect())
                .collect();
            let fom = capabilities::quadratic(&mut *self.fom)?;
            self.pairs.clear();
            for j in 0..v.len() {
                for i in 0..=j {
                    let mut b = vec![0.0; n];
                    fom.apply_quadratic(&v[i], &v[j], &mut b)?;
                    self.pairs.push(b);
                }
            }
            self.mean_constant = capabilities::affine(&mut *self.fom)?
                .forcing()
                .unwrap_or_else(|| vec![0.0; n]);
            let fom = capabilities::quadratic(&mut *self.fom)?;
            if let Some(mean) = &self.model.mean {
                self.mean_pairs = v
                    .iter()
                    .map(|vi| {
                        let mut b = vec![0.0; n];
                        fom.apply_quadratic(mean, vi, &mut b).map(|_| b)
                    })
                    .collect::<std::result::Result<_, _>>()?;
                let mut b = vec![0.0; n];
                fom.apply_quadratic(mean, mean, &mut b)?;
                self.mean_constant
                    .iter_mut()
                    .zip(&b)
                    .for_each(|(c, b)| *c += b);
            }
        }
        Ok(())
    }

    /// The indicator E(x) = ‖g_S − U_S γ‖ / ‖g_S‖ (see the module docs).
    pub fn indicator(&self, x: &[f64]) -> f64 {
        let q = self.factor_fields.len();
        let r = x.len();
        let mut g = Vec::with_capacity(self.sample.len());
        let mut point = vec![0.0; q];
        let flux = &self.pointwise;
        for &s in &self.sample {
            for (j, p) in point.iter_mut().enumerate() {
                *p = self.mean_factors[j][s]
                    + (0..r)
                        .map(|i| self.factor_fields[j][(s, i)] * x[i])
                        .sum::<f64>();
            }
            g.push(flux.eval(&point));
        }
        // r = (I − Q Qᵀ) g_S with Q an orthonormal basis of U_S (factored per enrichment).
        let q_s = &self.sample_basis;
        let coeffs: Vec<f64> = (0..q_s.ncols())
            .map(|k| q_s.col(k).iter().zip(&g).map(|(a, b)| a * b).sum())
            .collect();
        let residual: f64 = g
            .iter()
            .enumerate()
            .map(|(i, gi)| {
                let fit: f64 = coeffs
                    .iter()
                    .enumerate()
                    .map(|(k, c)| c * q_s[(i, k)])
                    .sum();
                (gi - fit).powi(2)
            })
            .sum();
        let norm: f64 = g.iter().map(|v| v * v).sum();
        (residual / norm.max(f64::MIN_POSITIVE)).sqrt()
    }

    /// Q of the thin QR of U_S: the least-squares fit of the indicator, factored once per
    /// change of the flux basis or the sample.
    fn refresh_indicator(&mut self) -> Result<()> {
        let us = Mat::from_fn(self.sample.len(), self.flux.ncols(), |i, j| {
            self.flux[(self.sample[i], j)]
        });
        self.sample_basis = householder_qr(us.as_ref(), &InnerProduct::Euclidean)?.q;
        Ok(())
    }

    /// Adds the full-model state `u_new` to the state basis and its flux to the flux basis
    /// (one new DEIM point), updating only the new parts of the reduced operators.
    fn enrich(&mut self, u_new: &[f64], max_rank: usize) -> Result<()> {
        let n = u_new.len();
        let centred: Vec<f64> = match &self.model.mean {
            Some(m) => u_new.iter().zip(m).map(|(u, m)| u - m).collect(),
            None => u_new.to_vec(),
        };
        // The new state, and its time derivative f(u⁺): the direction the reduced
        // dynamics needs next (one right-hand side, not another step).
        let mut rate = vec![0.0; n];
        self.fom.rhs(u_new, 0.0, &mut rate);
        for direction in [centred, rate] {
            if self.model.rank() < max_rank {
                let v = Mat::from_fn(n, 1, |i, _| direction[i]);
                if self.model.basis.extend(v.as_ref(), 1e-8)? == 1 {
                    self.add_mode()?;
                }
            }
        }
        let mut g = vec![0.0; n];
        let all: Vec<usize> = (0..n).collect();
        capabilities::flux(&mut *self.fom)?.nonlinear_at(u_new, &all, &mut g);
        self.add_flux(&g)?;
        self.refresh_indicator()?;
        self.refresh_hyper()
    }

    /// New rows and columns for the last basis vector.
    fn add_mode(&mut self) -> Result<()> {
        let basis = &self.model.basis;
        let (n, r) = (basis.dim(), basis.rank());
        let v: Vec<f64> = basis.vectors().col(r - 1).iter().copied().collect();
        let mut out = vec![0.0; n];
        for (q, term) in self.model.linear.terms.iter_mut().enumerate() {
            capabilities::affine(&mut *self.fom)?.apply_linear_term(q, &v, &mut out);
            let cache = &mut self.linear_fields[q];
            cache.resize_with(n, r, |i, _| out[i]);
            // New column VᵀW L v_new over all r modes, new row v_newᵀW L V.
            let column = project_columns(basis, &Mat::from_fn(n, 1, |i, _| out[i]))?;
            let row = project_columns(basis, cache)?;
            let old = term.matrix.clone();
            term.matrix = Mat::from_fn(r, r, |i, j| {
                if j == r - 1 {
                    column[(i, 0)]
                } else if i == r - 1 {
                    row[(r - 1, j)]
                } else {
                    old[(i, j)]
                }
            });
            let offset = match &self.model.mean {
                Some(m) => {
                    capabilities::affine(&mut *self.fom)?.apply_linear_term(q, m, &mut out);
                    project_columns(basis, &Mat::from_fn(n, 1, |i, _| out[i]))?[(r - 1, 0)]
                }
                None => 0.0,
            };
            term.offset.push(offset);
        }
        if let Nonlinear::Quadratic { .. } = self.model.nonlinear {
            self.add_mode_quadratic(&v)?;
        } else {
            let forcing = match capabilities::affine(&mut *self.fom)?.forcing() {
                Some(f) => project_columns(basis, &Mat::from_fn(n, 1, |i, _| f[i]))?[(r - 1, 0)],
                None => 0.0,
            };
            self.model.linear.constant.push(forcing);
            self.model.linear.fixed = Mat::zeros(r, r);
        }
        let basis = &self.model.basis;
        let q = self.factor_fields.len();
        let mut fields = vec![vec![0.0; n]; q];
        capabilities::flux(&mut *self.fom)?.flux_factors(&v, &mut fields);
        for (cache, f) in self.factor_fields.iter_mut().zip(&fields) {
            cache.resize_with(n, r, |i, _| f[i]);
        }
        let new_row = project_columns(basis, &self.flux_outer)?;
        let old = self.projected_outer.clone();
        self.projected_outer = Mat::from_fn(r, old.ncols(), |i, j| {
            if i == r - 1 {
                new_row[(r - 1, j)]
            } else {
                old[(i, j)]
            }
        });
        Ok(())
    }

    /// The Galerkin model's new tensor slices, fixed-operator row and column and constant
    /// entry for the new (last) mode `v`: r + 2 products B(·, v), B(ū, v) and projections.
    fn add_mode_quadratic(&mut self, v: &[f64]) -> Result<()> {
        let basis = &self.model.basis;
        let (n, r) = (basis.dim(), basis.rank());
        let ip = basis.inner_product().clone();
        let modes: Vec<Vec<f64>> = (0..r)
            .map(|j| basis.vectors().col(j).iter().copied().collect())
            .collect();
        // New pairs (i, r−1), i ≤ r−1: appended at the end of the packed layout.
        for mode in &modes {
            let mut b = vec![0.0; n];
            capabilities::quadratic(&mut *self.fom)?.apply_quadratic(mode, v, &mut b)?;
            self.pairs.push(b);
        }
        let np = r * (r + 1) / 2;
        let old_np = (r - 1) * r / 2;
        let Nonlinear::Quadratic { h } = &mut self.model.nonlinear else {
            unreachable!("checked by the caller")
        };
        let mut packed = vec![0.0; r * np];
        for k in 0..r - 1 {
            packed[k * np..k * np + old_np].copy_from_slice(&h[k * old_np..(k + 1) * old_np]);
        }
        for p in 0..np {
            let (i, j) = pair_of(p);
            let factor = if i == j { 1.0 } else { 2.0 };
            // New row k = r−1 for every pair; new columns p ≥ old_np for the old rows.
            packed[(r - 1) * np + p] = factor * ip.dot(v, &self.pairs[p]);
            if p >= old_np {
                for (k, mode) in modes.iter().enumerate().take(r - 1) {
                    packed[k * np + p] = factor * ip.dot(mode, &self.pairs[p]);
                }
            }
        }
        *h = packed;
        let fixed_old = self.model.linear.fixed.clone();
        if let Some(mean) = &self.model.mean {
            let mut b = vec![0.0; n];
            capabilities::quadratic(&mut *self.fom)?.apply_quadratic(mean, v, &mut b)?;
            self.mean_pairs.push(b);
            let mean_pairs = &self.mean_pairs;
            self.model.linear.fixed = Mat::from_fn(r, r, |k, l| {
                if k < r - 1 && l < r - 1 {
                    fixed_old[(k, l)]
                } else {
                    2.0 * ip.dot(&modes[k], &mean_pairs[l])
                }
            });
        } else {
            self.model.linear.fixed = Mat::zeros(r, r);
        }
        let constant = ip.dot(v, &self.mean_constant);
        self.model.linear.constant.push(constant);
        Ok(())
    }

    /// Appends the part of flux `g` outside the flux basis, with its DEIM point.
    fn add_flux(&mut self, g: &[f64]) -> Result<()> {
        let n = g.len();
        let mut w = g.to_vec();
        for _ in 0..2 {
            for j in 0..self.flux.ncols() {
                let c: f64 = self.flux.col(j).iter().zip(&w).map(|(u, w)| u * w).sum();
                w.iter_mut()
                    .zip(self.flux.col(j).iter())
                    .for_each(|(w, u)| *w -= c * u);
            }
        }
        let norm = w.iter().map(|v| v * v).sum::<f64>().sqrt();
        let g_norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
        if norm <= 1e-8 * g_norm || self.points.len() >= n {
            return Ok(());
        }
        w.iter_mut().for_each(|v| *v /= norm);
        // DEIM step: the new point maximizes the interpolation residual of w.
        let points = self.points.clone();
        let m = points.len();
        let pu = Mat::from_fn(m, m, |i, j| self.flux[(points[i], j)]);
        let pw = Mat::from_fn(m, 1, |i, _| w[points[i]]);
        let c = pu.partial_piv_lu().solve(&pw);
        let interpolated = &self.flux * &c;
        let new_point = (0..n)
            .filter(|i| !points.contains(i))
            .max_by(|&a, &b| {
                let ra = (w[a] - interpolated[(a, 0)]).abs();
                let rb = (w[b] - interpolated[(b, 0)]).abs();
                ra.total_cmp(&rb)
            })
            .expect("fewer points than grid values");
        self.flux.resize_with(n, m + 1, |i, _| w[i]);
        let mut aw = vec![0.0; n];
        capabilities::flux(&mut *self.fom)?.apply_flux_outer(&w, &mut aw);
        self.flux_outer.resize_with(n, m + 1, |i, _| aw[i]);
        let column = project_columns(&self.model.basis, &Mat::from_fn(n, 1, |i, _| aw[i]))?;
        let r = self.model.rank();
        let old = self.projected_outer.clone();
        self.projected_outer =
            Mat::from_fn(
                r,
                m + 1,
                |i, j| if j == m { column[(i, 0)] } else { old[(i, j)] },
            );
        self.points.push(new_point);
        if let Nonlinear::Hyper(hyper) = &mut self.model.nonlinear {
            hyper.points.push(new_point);
        }
        if !self.sample.contains(&new_point) {
            self.sample.push(new_point);
        }
        Ok(())
    }

    /// Re-forms M = VᵀW A U (PᵀU)⁻¹ and the factor rows at P from the caches: O(r·m² + Q·m·r).
    fn refresh_hyper(&mut self) -> Result<()> {
        let r = self.model.rank();
        let Nonlinear::Hyper(hyper) = &mut self.model.nonlinear else {
            return Ok(());
        };
        let m = hyper.points.len();
        let pu = Mat::from_fn(m, m, |i, j| self.flux[(hyper.points[i], j)]);
        let inv = pu.partial_piv_lu().solve(Mat::<f64>::identity(m, m));
        if !inv.norm_max().is_finite() {
            return Err(invalid("points", m, "points at which PᵀU is invertible"));
        }
        let map = &self.projected_outer * &inv;
        hyper.map = (0..r * m).map(|k| map[(k / m, k % m)]).collect();
        hyper.factor_rows = self
            .factor_fields
            .iter()
            .map(|f| {
                (0..m * r)
                    .map(|k| f[(hyper.points[k / r], k % r)])
                    .collect()
            })
            .collect();
        hyper.flux_basis = self.flux.clone();
        hyper.sample = self.sample.clone();
        hyper.factor_offsets = self
            .mean_factors
            .iter()
            .map(|f| hyper.points.iter().map(|&p| f[p]).collect())
            .collect();
        Ok(())
    }

    /// Runs from the full state `u0` for `n_steps` steps, saving every `save_every`.
    pub fn run(
        &mut self,
        u0: &[f64],
        n_steps: usize,
        save_every: usize,
        opts: &AdaptiveOptions,
    ) -> Result<AdaptiveRun> {
        if opts.tol.is_nan() || opts.tol <= 0.0 {
            return Err(invalid("tol", opts.tol, "a number > 0 (inf: never enrich)"));
        }
        if save_every == 0 {
            return Err(invalid("save_every", 0, "an integer >= 1"));
        }
        let n = u0.len();
        let mut x = self.model.project(u0)?;
        let mut run = AdaptiveRun {
            times: vec![0.0],
            fields: u0.to_vec(),
            indicator: vec![self.indicator(&x)],
            full_steps: Vec::new(),
            steps: n_steps,
            final_rank: 0,
            final_points: 0,
        };
        let mut worst = 0f64;
        let mut full = vec![0.0; n];
        let mut step = 1;
        while step <= n_steps {
            let model = self.model.clone();
            let mut online = model.online(&opts.parameters)?;
            let mut stepper = Stepper::new(RomIntegrator::Rk4, &online, opts.dt)?;
            let mut enriched = false;
            while step <= n_steps && !enriched {
                let before = x.clone();
                stepper.step(&mut online, &mut x);
                let e = if x.iter().all(|v| v.is_finite()) {
                    self.indicator(&x)
                } else {
                    f64::INFINITY
                };
                worst = worst.max(e);
                if e > opts.tol {
                    model.reconstruct(&before, &mut full);
                    self.fom
                        .step(&mut full, (step - 1) as f64 * opts.dt, opts.dt)?;
                    self.enrich(&full, opts.max_rank)?;
                    x = self.model.project(&full)?;
                    run.full_steps.push(step);
                    enriched = true;
                }
                if step % save_every == 0 {
                    let mut field = vec![0.0; n];
                    self.model.reconstruct(&x, &mut field);
                    run.fields.extend_from_slice(&field);
                    run.times.push(step as f64 * opts.dt);
                    run.indicator.push(worst);
                    worst = 0.0;
                }
                step += 1;
            }
        }
        run.final_rank = self.model.rank();
        run.final_points = self.points.len();
        Ok(run)
    }
}

/// An adaptive ROM is, between enrichments, the model it has grown to: it exports that
/// state as a static ROM ([`AdaptiveRom::model`]), and runs online as that model does.
impl ReducedOrderModel for AdaptiveRom<'_> {
    fn kind(&self) -> RomKind {
        self.model.kind()
    }
    fn rank(&self) -> usize {
        self.model.rank()
    }
    fn full_dim(&self) -> usize {
        self.model.basis.dim()
    }
    fn parameter_names(&self) -> Vec<String> {
        self.model.parameter_names()
    }
    fn project(&self, u: &[f64]) -> Result<Vec<f64>> {
        self.model.project(u)
    }
    fn reconstruct(&self, a: &[f64], out: &mut [f64]) {
        self.model.reconstruct(a, out)
    }
    fn dynamics(&self, params: &BTreeMap<String, f64>) -> Result<Box<dyn Dynamics + '_>> {
        Ok(Box::new(self.model.online(params)?))
    }
}

/// The (i, j), i ≤ j, of packed pair index p = j(j+1)/2 + i.
fn pair_of(p: usize) -> (usize, usize) {
    let mut j = ((((8 * p + 1) as f64).sqrt() - 1.0) / 2.0) as usize;
    while (j + 1) * (j + 2) / 2 <= p {
        j += 1;
    }
    while j * (j + 1) / 2 > p {
        j -= 1;
    }
    (p - j * (j + 1) / 2, j)
}
