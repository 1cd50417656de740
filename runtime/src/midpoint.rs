//! The lifted wave ROM online: its right-hand side Ĵ(ŷ) Q̂(m) ŷ, its Jacobian, and the
//! implicit midpoint rule solved by simplified Newton, each written to round as galerkin's
//! `LiftedOnline` and `Stepper` (implicit midpoint) do. Every buffer, the LU factors and
//! faer's scratch memory are allocated in [`Midpoint::new`], and faer runs sequentially
//! (`Par::Seq`: no thread pool, no allocation), so a step allocates nothing.

use faer::dyn_stack::{MemBuffer, MemStack, StackReq};
use faer::linalg::lu::partial_pivoting::{factor, solve};
use faer::linalg::matmul::matmul;
use faer::perm::PermRef;
use faer::{Accum, Conj, Mat, MatMut, MatRef, Par};

use crate::error::{invalid, Result};
use crate::model::Lifted;
use galerkin_kernels::dot;

/// Newton iterations at most per step (galerkin's limit).
const MAX_NEWTON: usize = 60;

/// faer's scratch memory (which has no `Debug`), so [`Midpoint`] and the instance holding
/// it stay printable.
struct Scratch(MemBuffer);

impl std::fmt::Debug for Scratch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scratch(..)")
    }
}

/// The lifted ROM's state at one mass, and the buffers of its implicit midpoint steps.
#[derive(Debug)]
pub(crate) struct Midpoint {
    /// The mass m.
    pub mass: f64,
    /// Q̂(m), R × R.
    pub q_hat: Mat<f64>,
    /// Ĵ₀ Q̂(m), row-major (the linear part).
    linear: Vec<f64>,
    /// ∇Ĥ = Q̂ŷ scratch (R × 1).
    gradient: Mat<f64>,
    /// Σ_l ŷ_l A_l per coupling, row-major.
    contracted: Vec<Vec<f64>>,
    /// Ĵ(ŷ) scratch for the Jacobian.
    structure: Mat<f64>,
    /// The Jacobian ∂f/∂ŷ.
    jac: Mat<f64>,
    /// The LU factors of I − (dt/2) J_f, kept across steps.
    lu: Mat<f64>,
    /// Whether `lu` holds factors (none before the first Newton iteration).
    factored: bool,
    perm: Vec<usize>,
    perm_inv: Vec<usize>,
    /// faer's scratch for the factorization and the solves.
    memory: Scratch,
    /// The Newton iterate, f, the midpoint and the residual / correction.
    y: Vec<f64>,
    f: Vec<f64>,
    mid: Vec<f64>,
    residual: Vec<f64>,
}

impl Midpoint {
    /// The buffers for `lifted` (R = `r`) at its build mass.
    pub fn new(lifted: &Lifted, r: usize) -> Result<Self> {
        let par = Par::Seq;
        let memory = Scratch(MemBuffer::new(StackReq::any_of(&[
            factor::lu_in_place_scratch::<usize, f64>(r, r, par, Default::default()),
            solve::solve_in_place_scratch::<usize, f64>(r, 1, par),
        ])));
        let mut midpoint = Self {
            mass: lifted.mass,
            q_hat: Mat::zeros(r, r),
            linear: vec![0.0; r * r],
            gradient: Mat::zeros(r, 1),
            contracted: lifted
                .couplings
                .iter()
                .map(|c| vec![0.0; c.row.len() * c.col.len()])
                .collect(),
            structure: Mat::zeros(r, r),
            jac: Mat::zeros(r, r),
            lu: Mat::zeros(r, r),
            factored: false,
            perm: vec![0; r],
            perm_inv: vec![0; r],
            memory,
            y: vec![0.0; r],
            f: vec![0.0; r],
            mid: vec![0.0; r],
            residual: vec![0.0; r],
        };
        midpoint.set_mass(lifted, lifted.mass)?;
        Ok(midpoint)
    }

    /// Forms Q̂(m) and Ĵ₀Q̂(m) (as galerkin's `LiftedRom::online` does) and drops the LU;
    /// an error if they are not finite (m² overflows).
    pub fn set_mass(&mut self, lifted: &Lifted, mass: f64) -> Result<()> {
        let q_hat = lifted.energy_matrix(mass);
        let linear = &lifted.j0 * &q_hat;
        let r = q_hat.nrows();
        let mut values = (0..r * r).map(|k| linear[(k / r, k % r)]);
        if !(0..r * r).all(|k| q_hat[(k / r, k % r)].is_finite())
            || values.clone().any(|v| !v.is_finite())
        {
            return Err(invalid(
                "mass",
                mass,
                "a mass whose Q̂(m) = S + m² M is finite",
            ));
        }
        self.linear.iter_mut().for_each(|l| {
            *l = values.next().unwrap_or(0.0);
        });
        self.q_hat = q_hat;
        self.mass = mass;
        self.factored = false;
        Ok(())
    }

    /// Forgets the Newton LU, so the next step factors afresh: a new run (a state set)
    /// starts as galerkin's `solve` starts, with a new stepper.
    pub fn restart(&mut self) {
        self.factored = false;
    }

    /// The lifted energy cell · ½ ŷᵀQ̂ŷ (galerkin's `LiftedRom::energy`, same order).
    pub fn energy(&self, lifted: &Lifted, y: &[f64]) -> f64 {
        let mut e = 0.0;
        for (i, yi) in y.iter().enumerate() {
            for (j, yj) in y.iter().enumerate() {
                e += yi * self.q_hat[(i, j)] * yj;
            }
        }
        0.5 * e * lifted.cell
    }

    /// ∇Ĥ = Q̂ŷ into `gradient`, and the contracted coupling matrices.
    fn prepare(&mut self, lifted: &Lifted, x: &[f64]) {
        matmul(
            self.gradient.as_mut(),
            Accum::Replace,
            self.q_hat.as_ref(),
            MatRef::from_column_major_slice(x, x.len(), 1),
            1.0,
            Par::Seq,
        );
        for (c, m) in lifted.couplings.iter().zip(self.contracted.iter_mut()) {
            c.contract(x, m);
        }
    }

    /// out = Ĵ(x) Q̂ x.
    fn rhs(&mut self, lifted: &Lifted, x: &[f64], out: &mut [f64]) {
        self.prepare(lifted, x);
        let n = x.len();
        let g = self.gradient.col_as_slice(0);
        for (o, row) in out.iter_mut().zip(self.linear.chunks_exact(n)) {
            *o = dot(row, x);
        }
        for (c, m) in lifted.couplings.iter().zip(&self.contracted) {
            let cols = c.col.len();
            let (g_col, g_row) = (&g[c.col.clone()], &g[c.row.clone()]);
            for (i, r) in c.row.clone().enumerate() {
                out[r] += c.coef * dot(&m[i * cols..(i + 1) * cols], g_col);
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

    /// `jac` = ∂/∂x [Ĵ(x) Q̂ x] = Ĵ(x) Q̂ + the derivative of Ĵ along its `by` blocks.
    fn jacobian(&mut self, lifted: &Lifted, x: &[f64]) {
        self.prepare(lifted, x);
        let s = &mut self.structure;
        s.copy_from(&lifted.j0);
        for (c, m) in lifted.couplings.iter().zip(&self.contracted) {
            let cols = c.col.len();
            for (i, r) in c.row.clone().enumerate() {
                for (j, k) in c.col.clone().enumerate() {
                    s[(r, k)] += c.coef * m[i * cols + j];
                }
            }
            for (i, r) in c.row.clone().enumerate() {
                for (j, k) in c.col.clone().enumerate() {
                    s[(k, r)] += -c.coef * m[i * cols + j];
                }
            }
        }
        matmul(
            self.jac.as_mut(),
            Accum::Replace,
            self.structure.as_ref(),
            self.q_hat.as_ref(),
            1.0,
            Par::Seq,
        );
        let g = self.gradient.col_as_slice(0);
        let j = &mut self.jac;
        for c in &lifted.couplings {
            let (rows, cols) = (c.row.len(), c.col.len());
            for (l, a) in c.by.clone().zip(c.packed.chunks_exact(rows * cols)) {
                for (i, r) in c.row.clone().enumerate() {
                    j[(r, l)] += c.coef
                        * c.col
                            .clone()
                            .enumerate()
                            .map(|(jj, k)| a[i * cols + jj] * g[k])
                            .sum::<f64>();
                }
                for (jj, k) in c.col.clone().enumerate() {
                    j[(k, l)] -= c.coef
                        * c.row
                            .clone()
                            .enumerate()
                            .map(|(i, r)| a[i * cols + jj] * g[r])
                            .sum::<f64>();
                }
            }
        }
    }

    /// One implicit midpoint step x⁺ = x + dt f((x + x⁺)/2) by simplified Newton, as
    /// galerkin's `Stepper` iterates it: the LU of I − (dt/2) J_f is kept across steps and
    /// refreshed when an iteration contracts slowly; iterates to round-off.
    pub fn step(&mut self, lifted: &Lifted, dt: f64, x: &mut [f64]) {
        let r = x.len();
        let mut f = std::mem::take(&mut self.f);
        self.rhs(lifted, x, &mut f);
        self.y
            .iter_mut()
            .zip(x.iter().zip(f.iter()))
            .for_each(|(y, (x, f))| *y = x + dt * f);
        let mut refreshed = false;
        let mut previous = f64::INFINITY;
        for _ in 0..MAX_NEWTON {
            self.mid
                .iter_mut()
                .zip(x.iter().zip(self.y.iter()))
                .for_each(|(m, (x, y))| *m = 0.5 * (x + y));
            let mid = std::mem::take(&mut self.mid);
            self.rhs(lifted, &mid, &mut f);
            for i in 0..r {
                self.residual[i] = self.y[i] - x[i] - dt * f[i];
            }
            let norm = self.residual.iter().fold(0f64, |m, v| m.max(v.abs()));
            let scale = self.y.iter().fold(f64::MIN_POSITIVE, |m, v| m.max(v.abs()));
            if !norm.is_finite() || norm <= 1e-16 * scale {
                self.mid = mid;
                break;
            }
            let slow = norm > 0.1 * previous && norm > 1e-12 * scale;
            if !self.factored || (slow && !refreshed) {
                self.jacobian(lifted, &mid);
                self.factor(dt);
                refreshed = true;
            }
            self.mid = mid;
            self.solve();
            let mut correction = 0f64;
            for (yi, d) in self.y.iter_mut().zip(&self.residual) {
                *yi -= d;
                correction = correction.max(d.abs());
            }
            if correction <= 1e-15 * scale || norm > 0.9 * previous {
                break;
            }
            previous = norm;
        }
        self.f = f;
        x.copy_from_slice(&self.y);
    }

    /// LU with partial pivoting of I − (dt/2) `jac` into `lu`, in place.
    fn factor(&mut self, dt: f64) {
        let r = self.lu.nrows();
        for i in 0..r {
            for j in 0..r {
                self.lu[(i, j)] = f64::from(u8::from(i == j)) - 0.5 * dt * self.jac[(i, j)];
            }
        }
        factor::lu_in_place(
            self.lu.as_mut(),
            &mut self.perm,
            &mut self.perm_inv,
            Par::Seq,
            MemStack::new(&mut self.memory.0),
            Default::default(),
        );
        self.factored = true;
    }

    /// residual ← (LU)⁻¹ residual (the Newton correction).
    fn solve(&mut self) {
        let r = self.lu.nrows();
        solve::solve_in_place_with_conj(
            self.lu.as_ref(),
            self.lu.as_ref(),
            // `factor` left a valid permutation and its inverse (checked by faer).
            PermRef::new_checked(&self.perm, &self.perm_inv, r),
            Conj::No,
            MatMut::from_column_major_slice_mut(&mut self.residual, r, 1),
            Par::Seq,
            MemStack::new(&mut self.memory.0),
        );
    }
}
