//! Energy-quadratization lifting ROMs (Sharma, Giannoni & Kramer, arXiv:2503.02273, 2025)
//! and their non-structure-preserving baseline, POD-Galerkin with DEIM on F′(q).
//!
//! The lifted full model is y_t = J(y) Q y with Q = blkdiag(K, I, I[, 0]) and J(y) skew
//! and linear in y. With one POD basis per block, V = blkdiag(V_q, V_p, V_w[, V_z]), the
//! Galerkin ROM is ŷ_t = Ĵ(ŷ) Q̂ ŷ with Ĵ(ŷ) = VᵀJ(Vŷ)V (skew, linear in ŷ, so the ROM is
//! quadratic with precomputed tensors: no hyper-reduction) and Q̂ = VᵀQV. Then
//! d/dt ½ŷᵀQ̂ŷ = ŷᵀQ̂ Ĵ Q̂ŷ = 0, and implicit midpoint keeps that quadratic energy exactly.

use std::collections::BTreeMap;

use faer::linalg::solvers::Solve;
use faer::Mat;
use galerkin_solvers::{LiftedWave, WaveNonlinearity};

use super::error::{invalid, Result};
use super::integrate::Dynamics;
use super::pod::{MatrixSource, Pod, PodOptions};
use super::reduced::{ReducedOrderModel, RomKind};
use crate::basis::{qdeim, Truncation};

/// One POD basis per block, from block snapshot matrices (n × n_s each), without
/// centring (the lifted energy is quadratic about zero).
pub fn block_pod(snapshots: &[Mat<f64>], ranks: &[usize]) -> Result<Vec<Mat<f64>>> {
    if snapshots.len() != ranks.len() {
        return Err(invalid(
            "ranks",
            format!("{ranks:?}"),
            &format!("one rank per block ({} blocks)", snapshots.len()),
        ));
    }
    snapshots
        .iter()
        .zip(ranks)
        .map(|(s, &r)| {
            let pod = Pod::compute(
                &mut MatrixSource(s.clone()),
                &PodOptions {
                    truncation: Truncation::Rank(r),
                    center: false,
                    ..PodOptions::default()
                },
            )?;
            Ok(pod.basis.vectors().to_owned())
        })
        .collect()
}

/// The lifted ROM: Ĵ(ŷ) = Ĵ₀ + Σ_l ŷ_l Ĵ_l and the energy matrix Q̂(m).
#[derive(Debug, Clone)]
pub struct LiftedRom {
    /// The nonlinearity of the full model.
    pub nonlinearity: WaveNonlinearity,
    /// The block bases V_b (n × r_b).
    pub bases: Vec<Mat<f64>>,
    /// Offsets of the blocks in ŷ.
    pub offsets: Vec<usize>,
    /// Ĵ₀ (R × R): the canonical pair V_qᵀV_p, −V_pᵀV_q.
    pub j0: Mat<f64>,
    /// The projected couplings: Ĵ_{row,col}(ŷ) = coef Σ_l ŷ_by\[l\] A_l (and the skew
    /// transpose), A_l = V_rowᵀ diag(v_by,l) V_col.
    pub couplings: Vec<ProjectedCoupling>,
    /// V_qᵀ(−Δ)V_q: Q̂_q(m) = this + m² V_qᵀV_q.
    pub stiffness: Mat<f64>,
    /// Which blocks enter the energy.
    pub in_energy: Vec<bool>,
    /// The grid cell volume (energies are integrals).
    pub cell: f64,
    /// The mass m the model was built at (the online default).
    pub mass: f64,
}

impl LiftedRom {
    /// Galerkin projection of `model` onto `bases` (one per block of the lifting).
    pub fn build(model: &mut LiftedWave, bases: Vec<Mat<f64>>) -> Result<Self> {
        let blocks = model.blocks();
        let n = model.wave().grid().len();
        if bases.len() != blocks || bases.iter().any(|b| b.nrows() != n) {
            return Err(invalid(
                "bases",
                format!("{} bases", bases.len()),
                &format!("{blocks} bases of {n} rows (one per lifted block)"),
            ));
        }
        let mut offsets = vec![0];
        for b in &bases {
            offsets.push(offsets.last().expect("non-empty") + b.ncols());
        }
        let total = offsets[blocks];
        let (vq, vp) = (&bases[0], &bases[1]);
        let mut j0 = Mat::zeros(total, total);
        let c = vq.transpose() * vp;
        place(&mut j0, offsets[0], offsets[1], &c, 1.0);
        place(
            &mut j0,
            offsets[1],
            offsets[0],
            &c.transpose().to_owned(),
            -1.0,
        );
        let couplings = model
            .couplings()
            .iter()
            .map(|c| {
                let (vr, vc, vb) = (&bases[c.row], &bases[c.col], &bases[c.by]);
                let tensor: Vec<Mat<f64>> = (0..vb.ncols())
                    .map(|l| {
                        let scaled = Mat::from_fn(n, vc.ncols(), |x, j| vb[(x, l)] * vc[(x, j)]);
                        vr.transpose() * &scaled
                    })
                    .collect();
                ProjectedCoupling::new(
                    offsets[c.row]..offsets[c.row + 1],
                    offsets[c.col]..offsets[c.col + 1],
                    offsets[c.by]..offsets[c.by + 1],
                    c.coef,
                    tensor,
                )
            })
            .collect();
        let stiffness = vq.transpose() * minus_laplacian(model, vq);
        // Symmetrize: −Δ is symmetric, the projection only to round-off.
        let stiffness = Mat::from_fn(stiffness.nrows(), stiffness.ncols(), |i, j| {
            0.5 * (stiffness[(i, j)] + stiffness[(j, i)])
        });
        Ok(Self {
            nonlinearity: model.wave().nonlinearity(),
            in_energy: (0..blocks).map(|b| model.in_energy(b)).collect(),
            cell: model.wave().cell(),
            mass: model.wave().mass(),
            bases,
            offsets,
            j0,
            couplings,
            stiffness,
        })
    }

    /// R = Σ_b r_b.
    pub fn dim(&self) -> usize {
        *self.offsets.last().expect("non-empty")
    }

    /// V_qᵀV_q (the identity to round-off), the factor of m² in Q̂_q(m); portable files
    /// store it as computed here so a reader forms Q̂(m) with the same bits.
    pub fn mass_term(&self) -> Mat<f64> {
        let vq = &self.bases[0];
        vq.transpose() * vq
    }

    /// Q̂(m) = blkdiag(V_qᵀ K(m) V_q, I, I[, 0]).
    pub fn energy_matrix(&self, mass: f64) -> Mat<f64> {
        let total = self.dim();
        let mut q = Mat::zeros(total, total);
        let k = &self.stiffness + (mass * mass) * &self.mass_term();
        place(&mut q, 0, 0, &k, 1.0);
        for (b, basis) in self.bases.iter().enumerate().skip(1) {
            if self.in_energy[b] {
                for i in 0..basis.ncols() {
                    q[(self.offsets[b] + i, self.offsets[b] + i)] = 1.0;
                }
            }
        }
        q
    }

    /// The reduced lifted energy ∫ ½ (Vŷ)ᵀ Q (Vŷ) = cell · ½ ŷᵀQ̂ŷ.
    pub fn energy(&self, q_hat: &Mat<f64>, y: &[f64]) -> f64 {
        let total = self.dim();
        let mut e = 0.0;
        for i in 0..total {
            for j in 0..total {
                e += y[i] * q_hat[(i, j)] * y[j];
            }
        }
        0.5 * e * self.cell
    }

    /// ŷ = Vᵀ y for lifted full blocks `y`.
    pub fn project(&self, y: &[Vec<f64>]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.dim());
        for (basis, block) in self.bases.iter().zip(y) {
            for j in 0..basis.ncols() {
                out.push(basis.col(j).iter().zip(block).map(|(v, x)| v * x).sum());
            }
        }
        out
    }

    /// Block `b` of Vŷ.
    pub fn reconstruct(&self, y: &[f64], b: usize) -> Vec<f64> {
        let basis = &self.bases[b];
        let mut out = vec![0.0; basis.nrows()];
        for j in 0..basis.ncols() {
            let a = y[self.offsets[b] + j];
            out.iter_mut()
                .zip(basis.col(j).iter())
                .for_each(|(o, v)| *o += a * v);
        }
        out
    }

    /// Ĵ(ŷ) as a dense R × R matrix (for checks; the online model never forms it).
    pub fn structure(&self, y: &[f64]) -> Mat<f64> {
        let mut j = self.j0.clone();
        for c in &self.couplings {
            let m = c.matrix(y);
            place(&mut j, c.row.start, c.col.start, &m, c.coef);
            place(
                &mut j,
                c.col.start,
                c.row.start,
                &m.transpose().to_owned(),
                -c.coef,
            );
        }
        j
    }

    /// The online system at mass `mass`.
    pub fn online(&self, mass: f64) -> LiftedOnline<'_> {
        LiftedOnline {
            rom: self,
            q_hat: self.energy_matrix(mass),
            gradient: Mat::zeros(self.dim(), 1),
            contracted: self
                .couplings
                .iter()
                .map(|c| vec![0.0; c.row.len() * c.col.len()])
                .collect(),
            linear: {
                let l = &self.j0 * self.energy_matrix(mass);
                tensor_rows(std::slice::from_ref(&l))
            },
        }
    }
}

/// The online mass: `params["mass"]` or the built value; an error for other names or a
/// non-finite mass.
fn online_mass(params: &BTreeMap<String, f64>, built: f64) -> Result<f64> {
    if let Some(name) = params.keys().find(|k| k.as_str() != "mass") {
        return Err(invalid(
            "parameter",
            name,
            "`mass` (the only parameter of wave ROMs)",
        ));
    }
    let mass = params.get("mass").copied().unwrap_or(built);
    if !mass.is_finite() {
        return Err(invalid("mass", mass, "a finite number"));
    }
    Ok(mass)
}

/// The full state of a lifted ROM is the lifted state y: its blocks (q, p, w[, z]) one after
/// the other, blocks · n values.
impl ReducedOrderModel for LiftedRom {
    fn kind(&self) -> RomKind {
        RomKind::LiftedQuadratic
    }
    fn rank(&self) -> usize {
        self.dim()
    }
    fn full_dim(&self) -> usize {
        self.bases.len() * self.bases[0].nrows()
    }
    fn parameter_names(&self) -> Vec<String> {
        vec!["mass".into()]
    }
    fn project(&self, u: &[f64]) -> Result<Vec<f64>> {
        let blocks = split_blocks(u, self.bases.len(), self.bases[0].nrows())?;
        Ok(LiftedRom::project(self, &blocks))
    }
    fn reconstruct(&self, a: &[f64], out: &mut [f64]) {
        let n = self.bases[0].nrows();
        for (b, chunk) in out.chunks_exact_mut(n).enumerate() {
            chunk.copy_from_slice(&LiftedRom::reconstruct(self, a, b));
        }
    }
    fn dynamics(&self, params: &BTreeMap<String, f64>) -> Result<Box<dyn Dynamics + '_>> {
        Ok(Box::new(self.online(online_mass(params, self.mass)?)))
    }
    /// The lifted energy ∫ ½ yᵀQy, which the ROM conserves.
    fn invariant(&self, a: &[f64], params: &BTreeMap<String, f64>) -> Option<f64> {
        let mass = online_mass(params, self.mass).ok()?;
        Some(self.energy(&self.energy_matrix(mass), a))
    }
}

/// The full state of the DEIM baseline is (q, p), 2n values.
impl ReducedOrderModel for DeimWaveRom {
    fn kind(&self) -> RomKind {
        RomKind::WaveDeim
    }
    fn rank(&self) -> usize {
        self.dim()
    }
    fn full_dim(&self) -> usize {
        2 * self.bases[0].nrows()
    }
    fn parameter_names(&self) -> Vec<String> {
        vec!["mass".into()]
    }
    fn project(&self, u: &[f64]) -> Result<Vec<f64>> {
        let blocks = split_blocks(u, 2, self.bases[0].nrows())?;
        Ok(DeimWaveRom::project(self, &blocks[0], &blocks[1]))
    }
    fn reconstruct(&self, a: &[f64], out: &mut [f64]) {
        let n = self.bases[0].nrows();
        for (b, chunk) in out.chunks_exact_mut(n).enumerate() {
            chunk.copy_from_slice(&DeimWaveRom::reconstruct(self, a, b));
        }
    }
    fn dynamics(&self, params: &BTreeMap<String, f64>) -> Result<Box<dyn Dynamics + '_>> {
        Ok(Box::new(self.online(online_mass(params, self.mass)?)))
    }
}

/// `u` cut into `blocks` fields of `n` values; an error for another length.
fn split_blocks(u: &[f64], blocks: usize, n: usize) -> Result<Vec<Vec<f64>>> {
    if u.len() != blocks * n {
        return Err(invalid(
            "state",
            format!("{} values", u.len()),
            &format!("{} values ({blocks} fields of {n})", blocks * n),
        ));
    }
    Ok(u.chunks_exact(n).map(<[f64]>::to_vec).collect())
}

/// −Δ applied to every column of `basis`.
fn minus_laplacian(model: &mut LiftedWave, basis: &Mat<f64>) -> Mat<f64> {
    let n = basis.nrows();
    let mut lap = Mat::zeros(n, basis.ncols());
    let mut column = vec![0.0; n];
    for j in 0..basis.ncols() {
        column
            .iter_mut()
            .zip(basis.col(j).iter())
            .for_each(|(c, v)| *c = *v);
        model
            .wave()
            .apply_minus_laplacian(&column, lap.col_as_slice_mut(j));
    }
    lap
}

/// One projected skew coupling of Ĵ(ŷ).
#[derive(Debug, Clone)]
pub struct ProjectedCoupling {
    /// Index range of the receiving block in ŷ.
    pub row: std::ops::Range<usize>,
    /// Index range of the block whose energy gradient is multiplied.
    pub col: std::ops::Range<usize>,
    /// Index range of the block that makes the diagonal.
    pub by: std::ops::Range<usize>,
    /// The coefficient.
    pub coef: f64,
    /// A_l (r_row × r_col), one per index of `by`.
    pub tensor: Vec<Mat<f64>>,
    /// The same, contiguous: A_l row-major at [l·r_row·r_col ..], for the online loops.
    packed: Vec<f64>,
}

impl ProjectedCoupling {
    /// A coupling from its index ranges, coefficient and matrices A_l.
    pub fn new(
        row: std::ops::Range<usize>,
        col: std::ops::Range<usize>,
        by: std::ops::Range<usize>,
        coef: f64,
        tensor: Vec<Mat<f64>>,
    ) -> Self {
        Self {
            packed: tensor_rows(&tensor),
            row,
            col,
            by,
            coef,
            tensor,
        }
    }

    /// Σ_l y_by[l] A_l.
    fn matrix(&self, y: &[f64]) -> Mat<f64> {
        let mut m = Mat::zeros(self.row.len(), self.col.len());
        self.accumulate(y, &mut m);
        m
    }

    /// m = Σ_l y_by[l] A_l, into a preallocated matrix.
    fn accumulate(&self, y: &[f64], m: &mut Mat<f64>) {
        let mut flat = vec![0.0; self.row.len() * self.col.len()];
        self.contract(y, &mut flat);
        let cols = self.col.len();
        for (k, v) in flat.iter().enumerate() {
            m[(k / cols, k % cols)] = *v;
        }
    }

    /// out = Σ_l y_by[l] A_l, row-major (r_row × r_col), allocation-free.
    fn contract(&self, y: &[f64], out: &mut [f64]) {
        let size = out.len();
        out.fill(0.0);
        for (a, &yl) in self.packed.chunks_exact(size).zip(&y[self.by.clone()]) {
            out.iter_mut().zip(a).for_each(|(o, a)| *o += yl * a);
        }
    }
}

/// The matrices of `tensor`, each row-major, one after the other.
fn tensor_rows(tensor: &[Mat<f64>]) -> Vec<f64> {
    tensor
        .iter()
        .flat_map(|a| (0..a.nrows() * a.ncols()).map(move |k| a[(k / a.ncols(), k % a.ncols())]))
        .collect()
}

/// out[r0.., c0..] = scale · block.
fn place(out: &mut Mat<f64>, r0: usize, c0: usize, block: &Mat<f64>, scale: f64) {
    for i in 0..block.nrows() {
        for j in 0..block.ncols() {
            out[(r0 + i, c0 + j)] += scale * block[(i, j)];
        }
    }
}

/// The lifted ROM at fixed parameters, as a [`Dynamics`]: O(r³) per right-hand side
/// (one contraction Σ_l ŷ_l A_l per coupling), nothing of size n.
#[derive(Debug)]
pub struct LiftedOnline<'a> {
    rom: &'a LiftedRom,
    /// Q̂ at this mass.
    pub q_hat: Mat<f64>,
    /// Q̂ŷ scratch.
    gradient: Mat<f64>,
    /// Σ_l ŷ_l A_l per coupling, row-major.
    contracted: Vec<Vec<f64>>,
    /// Ĵ₀ Q̂, row-major (the linear part).
    linear: Vec<f64>,
}

impl LiftedOnline<'_> {
    /// The reduced lifted energy of `y`.
    pub fn energy(&self, y: &[f64]) -> f64 {
        self.rom.energy(&self.q_hat, y)
    }

    /// ∇Ĥ = Q̂ŷ into the scratch, and the contracted coupling matrices.
    fn prepare(&mut self, x: &[f64]) {
        let xm = faer::MatRef::from_column_major_slice(x, x.len(), 1);
        faer::linalg::matmul::matmul(
            self.gradient.as_mut(),
            faer::Accum::Replace,
            self.q_hat.as_ref(),
            xm,
            1.0,
            faer::Par::Seq,
        );
        for (c, m) in self.rom.couplings.iter().zip(self.contracted.iter_mut()) {
            c.contract(x, m);
        }
    }
}

impl Dynamics for LiftedOnline<'_> {
    fn dim(&self) -> usize {
        self.rom.dim()
    }

    fn rhs(&mut self, x: &[f64], out: &mut [f64]) {
        self.prepare(x);
        let n = x.len();
        let g = self.gradient.col_as_slice(0);
        for (o, row) in out.iter_mut().zip(self.linear.chunks_exact(n)) {
            *o = galerkin_kernels::dot(row, x);
        }
        for (c, m) in self.rom.couplings.iter().zip(&self.contracted) {
            let cols = c.col.len();
            let (g_col, g_row) = (&g[c.col.clone()], &g[c.row.clone()]);
            for (i, r) in c.row.clone().enumerate() {
                out[r] += c.coef * galerkin_kernels::dot(&m[i * cols..(i + 1) * cols], g_col);
            }
            for (i, gr) in g_row.iter().enumerate() {
                let scaled = c.coef * gr;
                for (o, mij) in out[c.col.clone()]
                    .iter_mut()
                    .zip(&m[i * cols..(i + 1) * cols])
                {
                    *o -= scaled * mij;
                }
            }
        }
    }

    fn jacobian(&mut self, x: &[f64], jac: &mut [f64]) {
        // ∂/∂x [Ĵ(x) Q̂ x] = Ĵ(x) Q̂ + the derivative of Ĵ along its `by` block.
        self.prepare(x);
        let n = x.len();
        let mut j = self.rom.structure(x) * &self.q_hat;
        let g = self.gradient.col_as_slice(0);
        for c in &self.rom.couplings {
            for (l, a) in c.by.clone().zip(&c.tensor) {
                for (i, r) in c.row.clone().enumerate() {
                    j[(r, l)] += c.coef
                        * c.col
                            .clone()
                            .enumerate()
                            .map(|(jj, k)| a[(i, jj)] * g[k])
                            .sum::<f64>();
                }
                for (jj, k) in c.col.clone().enumerate() {
                    j[(k, l)] -= c.coef
                        * c.row
                            .clone()
                            .enumerate()
                            .map(|(i, r)| a[(i, jj)] * g[r])
                            .sum::<f64>();
                }
            }
        }
        for i in 0..n {
            for k in 0..n {
                jac[i * n + k] = j[(i, k)];
            }
        }
    }

    fn linear_spectral_radius(&self) -> f64 {
        let a = &self.rom.j0 * &self.q_hat;
        a.eigenvalues()
            .map(|v| v.iter().map(|l| l.norm()).fold(0.0, f64::max))
            .unwrap_or(f64::INFINITY)
    }
}

/// The baseline: POD-Galerkin on (q, p) with DEIM (Q-DEIM points) on F′(q),
/// q̂_t = V_qᵀV_p p̂, p̂_t = −V_pᵀK V_q q̂ − V_pᵀU(PᵀU)⁻¹F′(P V_q q̂). Not energy-preserving.
#[derive(Debug, Clone)]
pub struct DeimWaveRom {
    /// The nonlinearity.
    pub nonlinearity: WaveNonlinearity,
    /// V_q, V_p.
    pub bases: [Mat<f64>; 2],
    /// V_qᵀV_p.
    pub coupling: Mat<f64>,
    /// V_pᵀ(−Δ)V_q and V_pᵀV_q (K = −Δ + m²).
    pub laplacian: Mat<f64>,
    /// V_pᵀV_q.
    pub mass_term: Mat<f64>,
    /// V_pᵀU(PᵀU)⁻¹ (r_p × m).
    pub map: Mat<f64>,
    /// (V_q)[P, :] (m × r_q).
    pub rows: Mat<f64>,
    /// The points.
    pub points: Vec<usize>,
    /// The mass m the model was built at (the online default).
    pub mass: f64,
}

impl DeimWaveRom {
    /// Builds the baseline from (q, p) snapshots, ranks and `m` Q-DEIM points.
    pub fn build(
        model: &mut LiftedWave,
        q_snapshots: &Mat<f64>,
        p_snapshots: &Mat<f64>,
        ranks: [usize; 2],
        m: usize,
    ) -> Result<Self> {
        let bases = block_pod(&[q_snapshots.clone(), p_snapshots.clone()], &ranks)?;
        let f = model.wave().nonlinearity();
        let forces = Mat::from_fn(q_snapshots.nrows(), q_snapshots.ncols(), |i, j| {
            f.force(q_snapshots[(i, j)])
        });
        let u = block_pod(&[forces], &[m])?.remove(0);
        let points = qdeim(u.as_ref())?;
        let pu = Mat::from_fn(m, m, |i, j| u[(points[i], j)]);
        let pu_inv = pu.partial_piv_lu().solve(Mat::<f64>::identity(m, m));
        let (vq, vp) = (&bases[0], &bases[1]);
        let map = vp.transpose() * &u * &pu_inv;
        let rows = Mat::from_fn(m, vq.ncols(), |i, j| vq[(points[i], j)]);
        let lap = minus_laplacian(model, vq);
        Ok(Self {
            nonlinearity: f,
            coupling: vq.transpose() * vp,
            laplacian: vp.transpose() * &lap,
            mass_term: vp.transpose() * vq,
            map,
            rows,
            points,
            mass: model.wave().mass(),
            bases: [bases[0].clone(), bases[1].clone()],
        })
    }

    /// r_q + r_p.
    pub fn dim(&self) -> usize {
        self.bases[0].ncols() + self.bases[1].ncols()
    }

    /// (q̂, p̂) from full (q, p).
    pub fn project(&self, q: &[f64], p: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.dim());
        for (basis, field) in self.bases.iter().zip([q, p]) {
            for j in 0..basis.ncols() {
                out.push(basis.col(j).iter().zip(field).map(|(v, x)| v * x).sum());
            }
        }
        out
    }

    /// Full q (b = 0) or p (b = 1) of a reduced state.
    pub fn reconstruct(&self, y: &[f64], b: usize) -> Vec<f64> {
        let offset = if b == 0 { 0 } else { self.bases[0].ncols() };
        let basis = &self.bases[b];
        let mut out = vec![0.0; basis.nrows()];
        for j in 0..basis.ncols() {
            out.iter_mut()
                .zip(basis.col(j).iter())
                .for_each(|(o, v)| *o += y[offset + j] * v);
        }
        out
    }

    /// The online system at mass `mass`.
    pub fn online(&self, mass: f64) -> DeimWaveOnline<'_> {
        DeimWaveOnline {
            stiffness: &self.laplacian + (mass * mass) * &self.mass_term,
            rom: self,
        }
    }
}

/// The DEIM baseline at fixed parameters, as a [`Dynamics`].
#[derive(Debug)]
pub struct DeimWaveOnline<'a> {
    rom: &'a DeimWaveRom,
    stiffness: Mat<f64>,
}

impl DeimWaveOnline<'_> {
    fn sampled(&self, x: &[f64]) -> Mat<f64> {
        let rq = self.rom.bases[0].ncols();
        let q = Mat::from_fn(rq, 1, |i, _| x[i]);
        &self.rom.rows * &q
    }
}

impl Dynamics for DeimWaveOnline<'_> {
    fn dim(&self) -> usize {
        self.rom.dim()
    }

    fn rhs(&mut self, x: &[f64], out: &mut [f64]) {
        let rq = self.rom.bases[0].ncols();
        let rp = self.rom.bases[1].ncols();
        let q = Mat::from_fn(rq, 1, |i, _| x[i]);
        let p = Mat::from_fn(rp, 1, |i, _| x[rq + i]);
        let dq = &self.rom.coupling * &p;
        let f = self.rom.nonlinearity;
        let sampled = self.sampled(x);
        let forces = Mat::from_fn(sampled.nrows(), 1, |i, _| f.force(sampled[(i, 0)]));
        let dp = -(&self.stiffness * &q) - &self.rom.map * &forces;
        for i in 0..rq {
            out[i] = dq[(i, 0)];
        }
        for i in 0..rp {
            out[rq + i] = dp[(i, 0)];
        }
    }

    fn jacobian(&mut self, x: &[f64], jac: &mut [f64]) {
        let rq = self.rom.bases[0].ncols();
        let n = self.dim();
        jac.fill(0.0);
        for i in 0..rq {
            for j in 0..n - rq {
                jac[i * n + rq + j] = self.rom.coupling[(i, j)];
            }
        }
        let f = self.rom.nonlinearity;
        let sampled = self.sampled(x);
        let scaled = Mat::from_fn(self.rom.rows.nrows(), rq, |i, j| {
            f.stiffness(sampled[(i, 0)]) * self.rom.rows[(i, j)]
        });
        let dforce = &self.rom.map * &scaled;
        for i in 0..n - rq {
            for j in 0..rq {
                jac[(rq + i) * n + j] = -self.stiffness[(i, j)] - dforce[(i, j)];
            }
        }
    }

    fn linear_spectral_radius(&self) -> f64 {
        let ev = (&self.rom.coupling * &self.stiffness).eigenvalues();
        ev.map(|v| v.iter().map(|l| l.norm().sqrt()).fold(0.0, f64::max))
            .unwrap_or(f64::INFINITY)
    }
}
