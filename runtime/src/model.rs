//! [`RomModel`]: the checked, immutable content of one portable ROM file, shared by every
//! [`crate::Instance`] that runs it.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, Mutex};

use faer::Mat;
use serde_json::Value;

use crate::error::{corrupt, invalid, Result, RuntimeError};
use crate::format::{parse, Parsed};

/// The `format` metadata value of a portable ROM file.
const FORMAT: &str = "galerkin-portable-rom";
/// The newest layout version this runtime reads.
const VERSION: u64 = 1;
/// The kinds a portable file can hold, as named in the refusal of any other.
const KINDS: &str =
    "`galerkin`, `deim`, `qdeim`, `eim`, `opinf`, `galerkin-closure`, `dmd` or `lifted-quadratic`";
/// Tolerance on max |VᵀWV − I| (the check galerkin's reader makes).
const ORTHONORMAL_TOL: f64 = 1e-8;

/// What the reduced nonlinearity is: the exact quadratic tensor or a hyper-reduction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RomKind {
    /// POD-Galerkin with the exact packed quadratic tensor.
    Galerkin,
    /// Hyper-reduced, points by DEIM.
    Deim,
    /// Hyper-reduced, points by Q-DEIM.
    Qdeim,
    /// Hyper-reduced, points by EIM.
    Eim,
    /// Operator Inference: ĉ + Â q + Ĥ (q ⊗ q) learned from data, run as a Galerkin ROM.
    Opinf,
    /// Galerkin operators plus a learned closure of the same form, run as a Galerkin ROM.
    GalerkinClosure,
    /// Dynamic mode decomposition: a linear model (zero quadratic tensor), run as a
    /// Galerkin ROM.
    Dmd,
    /// The energy-quadratized (lifted) wave ROM: ŷ_t = Ĵ(ŷ) Q̂(m) ŷ on the lifted state
    /// (q, p, w[, z]), stepped by the implicit midpoint rule, which keeps its quadratic
    /// energy exactly.
    LiftedQuadratic,
}

impl RomKind {
    /// The `rom_kind` name in the file (`galerkin`, `deim`, `qdeim`, `eim`, `opinf`,
    /// `galerkin-closure`, `dmd`, `lifted-quadratic`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Galerkin => "galerkin",
            Self::Deim => "deim",
            Self::Qdeim => "qdeim",
            Self::Eim => "eim",
            Self::Opinf => "opinf",
            Self::GalerkinClosure => "galerkin-closure",
            Self::Dmd => "dmd",
            Self::LiftedQuadratic => "lifted-quadratic",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            Self::Galerkin,
            Self::Deim,
            Self::Qdeim,
            Self::Eim,
            Self::Opinf,
            Self::GalerkinClosure,
            Self::Dmd,
            Self::LiftedQuadratic,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// The pointwise flux g of a hyper-reduced model (the built-in ones of galerkin).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flux {
    /// g(f) = f₀²/2 (Burgers, Kuramoto–Sivashinsky), one factor.
    HalfSquare,
    /// g(f) = f₀ f₂ + f₁ f₃ (2-D vorticity advection), four factors.
    Advection2d,
}

impl Flux {
    /// The `flux` name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Self::HalfSquare => "half-square",
            Self::Advection2d => "advection-2d",
        }
    }

    /// The number of factors F the flux takes.
    pub fn factor_count(self) -> usize {
        match self {
            Self::HalfSquare => 1,
            Self::Advection2d => 4,
        }
    }

    /// g at one point, `f` holding the F factors (rounded as galerkin's fluxes round).
    #[inline]
    pub(crate) fn eval(self, f: &[f64; 4]) -> f64 {
        match self {
            Self::HalfSquare => 0.5 * f[0] * f[0],
            Self::Advection2d => f[0] * f[2] + f[1] * f[3],
        }
    }
}

/// One affine term θ_q (matrix a + offset) of the linear part.
#[derive(Debug, Clone)]
pub(crate) struct Term {
    /// The parameter θ_q is, or `None` for a fixed term.
    pub parameter: Option<String>,
    /// θ_q at the build values.
    pub coefficient: f64,
    /// VᵀW L_q V, row-major r × r.
    pub matrix: Vec<f64>,
    /// VᵀW L_q ū.
    pub offset: Vec<f64>,
}

/// The hyper-reduced nonlinearity N(a) = M g(o_j + R_j a).
#[derive(Debug, Clone)]
pub(crate) struct Hyper {
    /// The flux g.
    pub flux: Flux,
    /// m, the number of interpolation points.
    pub m: usize,
    /// M, row-major r × m.
    pub map: Vec<f64>,
    /// R_j, row-major m × r, one per factor.
    pub rows: Vec<Vec<f64>>,
    /// o_j (m values), one per factor.
    pub offsets: Vec<Vec<f64>>,
}

/// One projected skew coupling of the lifted Ĵ(ŷ): the block (row, col) gets
/// coef Σ_l ŷ_by[l] A_l and the block (col, row) its negative transpose.
#[derive(Debug, Clone)]
pub(crate) struct Coupling {
    /// Index range of the receiving block in ŷ.
    pub row: Range<usize>,
    /// Index range of the block whose energy gradient is multiplied.
    pub col: Range<usize>,
    /// Index range of the block that weights the A_l.
    pub by: Range<usize>,
    /// The coefficient.
    pub coef: f64,
    /// A_l (r_row × r_col, row-major), one after the other for l in `by`.
    pub packed: Vec<f64>,
}

impl Coupling {
    /// out = Σ_l y_by[l] A_l (row-major r_row × r_col), in galerkin's order.
    pub(crate) fn contract(&self, y: &[f64], out: &mut [f64]) {
        let size = out.len();
        out.fill(0.0);
        for (a, &yl) in self.packed.chunks_exact(size).zip(&y[self.by.clone()]) {
            out.iter_mut().zip(a).for_each(|(o, a)| *o += yl * a);
        }
    }
}

/// The lifted wave ROM's operators: ŷ_t = Ĵ(ŷ) Q̂(m) ŷ with Ĵ(ŷ) = Ĵ₀ + the couplings and
/// Q̂(m) = blkdiag(S + m² M, I, I[, 0]) (S the stiffness, M = V_qᵀV_q).
#[derive(Debug, Clone)]
pub(crate) struct Lifted {
    /// Ĵ₀, R × R.
    pub j0: Mat<f64>,
    /// S = V_qᵀ(−Δ)V_q, r_q × r_q.
    pub stiffness: Mat<f64>,
    /// M = V_qᵀV_q, r_q × r_q.
    pub mass_matrix: Mat<f64>,
    /// The index ranges of the blocks after q whose identity enters Q̂.
    pub identity_blocks: Vec<Range<usize>>,
    /// The couplings.
    pub couplings: Vec<Coupling>,
    /// The grid cell volume (the energy is an integral).
    pub cell: f64,
    /// The mass the model was built at (the default).
    pub mass: f64,
}

impl Lifted {
    /// Q̂(m), formed as galerkin forms it (`LiftedRom::energy_matrix`).
    pub(crate) fn energy_matrix(&self, mass: f64) -> Mat<f64> {
        let total = self.j0.nrows();
        let mut q = Mat::zeros(total, total);
        let k = &self.stiffness + (mass * mass) * &self.mass_matrix;
        for i in 0..k.nrows() {
            for j in 0..k.ncols() {
                q[(i, j)] += k[(i, j)];
            }
        }
        for range in &self.identity_blocks {
            for i in range.clone() {
                q[(i, i)] = 1.0;
            }
        }
        q
    }
}

/// The reduced nonlinearity.
#[derive(Debug, Clone)]
pub(crate) enum Nonlinear {
    /// The packed quadratic tensor Ĥ (r × r(r+1)/2), laid out for the online product.
    Quadratic(galerkin_kernels::QuadraticTerm),
    /// A hyper-reduction.
    Hyper(Hyper),
    /// The lifted wave ROM (its own linear part and integrator).
    Lifted(Lifted),
}

/// A portable ROM, read and checked: everything needed online, nothing of the full model.
/// Immutable and `Send + Sync`; share it between [`crate::Instance`]s with an `Arc`.
#[derive(Debug, Clone)]
pub struct RomModel {
    kind: RomKind,
    pde: String,
    grid_shape: Vec<usize>,
    /// The domain length per axis (`grid_shape` order).
    domain: Vec<f64>,
    /// The names of the fields of the full state.
    fields: Vec<String>,
    /// VᵀWū (zeros without a mean), for the O(r) energy.
    pub(crate) mean_cross: Vec<f64>,
    /// ūᵀWū (0 without a mean).
    pub(crate) mean_energy: f64,
    /// n.
    pub(crate) n: usize,
    /// r.
    pub(crate) r: usize,
    /// V, row-major n × r.
    pub(crate) basis: Vec<f64>,
    /// w of W = diag(w); `None`: W = I.
    pub(crate) weights: Option<Vec<f64>>,
    /// ū; `None`: ū = 0.
    pub(crate) mean: Option<Vec<f64>>,
    /// A_fixed, row-major r × r.
    pub(crate) fixed: Vec<f64>,
    /// c_fixed.
    pub(crate) constant: Vec<f64>,
    /// The affine terms.
    pub(crate) terms: Vec<Term>,
    /// N.
    pub(crate) nonlinear: Nonlinear,
    /// The ETDRK4 scheme an instance formed last, for the next instance at the same A(θ)
    /// and dt: forming it costs two exponentials of augmented matrices (≈ 5 ms at r = 48),
    /// a copy costs microseconds. Shared by clones of the model (they hold the same ROM).
    pub(crate) exponential_cache: Arc<Mutex<Option<CachedExponential>>>,
}

/// The key (A(θ) row-major, dt) and value of [`RomModel`]'s ETDRK4 cache.
#[derive(Debug)]
pub(crate) struct CachedExponential {
    pub(crate) a: Vec<f64>,
    pub(crate) dt: f64,
    pub(crate) scheme: galerkin_kernels::Etdrk4,
}

impl RomModel {
    /// Reads and checks the portable ROM file at `path` (see [`RomModel::from_bytes`]).
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| RuntimeError::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        Self::from_bytes(&bytes)
    }

    /// Parses a portable ROM file held in memory and checks it as galerkin's
    /// `read_portable` does: `format`, `version` (a newer one is refused), the kind
    /// (`galerkin`, `deim`, `qdeim`, `eim`, `lifted-quadratic`), every tensor's dtype and
    /// shape against r, n and m (the block ranks for a lifted ROM), the weights (finite
    /// and positive), the basis (finite, W-orthonormal to 1e-8), the point indices, the flux
    /// (`half-square` or `advection-2d`) and the optional `domain` and `fields`. A
    /// truncated, corrupt or foreign file is an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let p = parse(bytes)?;
        let format = p.meta.get("format").map(String::as_str).unwrap_or("");
        if format != FORMAT {
            return Err(invalid(
                "format",
                format!("`{format}`"),
                format!("`{FORMAT}`"),
            ));
        }
        let version_text = p.meta("version")?;
        let version: u64 = version_text
            .parse()
            .map_err(|_| invalid("version", version_text, format!("an integer <= {VERSION}")))?;
        if version > VERSION {
            return Err(invalid(
                "version",
                version,
                format!("1..={VERSION} (newer than this runtime reads)"),
            ));
        }
        let kind_name = p.meta("rom_kind")?;
        let kind = RomKind::from_name(kind_name)
            .ok_or_else(|| invalid("rom_kind", format!("`{kind_name}`"), KINDS))?;
        let (n, r) = match p.shape_of("basis")? {
            &[n, r] if n > 0 && r > 0 => (n, r),
            s => {
                return Err(corrupt(format!(
                    "tensor `basis` has shape {s:?}: expected [n, r] with n, r >= 1"
                )))
            }
        };
        let basis = p.f64s("basis", &[n, r], "[n, r]")?;
        let weights = if p.has("weights") {
            let w = p.f64s("weights", &[n], "[n]")?;
            if let Some((i, v)) = w
                .iter()
                .enumerate()
                .find(|(_, v)| !(v.is_finite() && **v > 0.0))
            {
                return Err(invalid(
                    "weights",
                    format!("weights[{i}] = {v}"),
                    "finite values > 0",
                ));
            }
            Some(w)
        } else {
            None
        };
        check_orthonormal(&basis, weights.as_deref(), n, r)?;
        let mean = if p.has("mean") {
            Some(p.f64s("mean", &[n], "[n]")?)
        } else {
            None
        };
        let sv_len = p.shape_of("singular_values")?.first().copied().unwrap_or(0);
        p.f64s("singular_values", &[sv_len], "[k]")?;
        let (fixed, constant, terms, nonlinear) = if kind == RomKind::LiftedQuadratic {
            // The lifted ROM has no affine linear part: Ĵ₀Q̂(m) is formed per mass.
            let lifted = read_lifted(&p, r)?;
            (
                vec![0.0; r * r],
                vec![0.0; r],
                Vec::new(),
                Nonlinear::Lifted(lifted),
            )
        } else {
            let (fixed, constant, terms) = read_linear(&p, r)?;
            let nonlinear = match kind {
                RomKind::Galerkin | RomKind::Opinf | RomKind::GalerkinClosure | RomKind::Dmd => {
                    let h = p.f64s("quadratic.h", &[r, r * (r + 1) / 2], "[r, r(r+1)/2]")?;
                    Nonlinear::Quadratic(galerkin_kernels::QuadraticTerm::from_rows(&h, r))
                }
                _ => Nonlinear::Hyper(read_hyper(&p, n, r)?),
            };
            (fixed, constant, terms, nonlinear)
        };
        let json_meta = |key: &str| -> Result<Value> {
            serde_json::from_str(p.meta(key)?)
                .map_err(|e| corrupt(format!("metadata `{key}` is not JSON: {e}")))
        };
        let grid_shape: Vec<usize> = serde_json::from_value(json_meta("grid_shape")?)
            .map_err(|e| invalid("grid_shape", e, "a list of sizes"))?;
        let _: BTreeMap<String, Vec<f64>> =
            serde_json::from_value(json_meta("training_parameters")?)
                .map_err(|e| invalid("training_parameters", e, "an object of number lists"))?;
        let pde = p.meta("pde")?.to_string();
        p.meta("recipe")?;
        let (domain, fields) = read_geometry(&p, &grid_shape, n)?;
        let (mean_cross, mean_energy) =
            mean_moments(&basis, weights.as_deref(), mean.as_deref(), r);
        Ok(Self {
            kind,
            pde,
            grid_shape,
            domain,
            fields,
            mean_cross,
            mean_energy,
            n,
            r,
            basis,
            weights,
            mean,
            fixed,
            constant,
            terms,
            nonlinear,
            exponential_cache: Arc::default(),
        })
    }

    /// Galerkin or the hyper-reduction's point selection.
    pub fn kind(&self) -> RomKind {
        self.kind
    }

    /// The reduced dimension r (number of modes).
    pub fn rank(&self) -> usize {
        self.r
    }

    /// The full state size n (grid values).
    pub fn full_dim(&self) -> usize {
        self.n
    }

    /// The PDE name of the full model (e.g. `burgers`).
    pub fn pde(&self) -> &str {
        &self.pde
    }

    /// The parameter names the model can be re-weighted by (in term order; `mass` for
    /// the lifted wave ROM).
    pub fn parameter_names(&self) -> Vec<&str> {
        self.parameters()
            .into_iter()
            .map(|(name, _)| name)
            .collect()
    }

    /// The parameters with their build values, in term order (`mass` and the build mass
    /// for the lifted wave ROM): what a new [`crate::Instance`] starts from (an FMU's start
    /// values, for instance).
    pub fn parameters(&self) -> Vec<(&str, f64)> {
        if let Nonlinear::Lifted(lifted) = &self.nonlinear {
            return vec![("mass", lifted.mass)];
        }
        self.terms
            .iter()
            .filter_map(|t| t.parameter.as_deref().map(|name| (name, t.coefficient)))
            .collect()
    }

    /// The domain length of each axis of [`RomModel::grid_shape`] (same order, `[ly, lx]`
    /// in 2-D): the grid is periodic, point k of an axis of length L with N points at
    /// k·L/N. From the file's `domain` key, 2π per axis when the file has none.
    pub fn domain(&self) -> &[f64] {
        &self.domain
    }

    /// The names of the fields of the full state in order (`["u"]`, `["vorticity"]`,
    /// `["q", "p", "w"]` for a lifted wave ROM); each holds Π grid_shape values. From the
    /// file's `fields` key; without it `["u"]` for one field, `field0`, `field1`, … for more.
    pub fn field_names(&self) -> &[String] {
        &self.fields
    }

    /// The full model's grid shape, `[nx]` or `[ny, nx]` (`[]` for a model built without
    /// a grid); the full state is row-major over it.
    pub fn grid_shape(&self) -> &[usize] {
        &self.grid_shape
    }
}

/// The affine linear part: A_fixed, c_fixed and the terms.
fn read_linear(p: &Parsed<'_>, r: usize) -> Result<(Vec<f64>, Vec<f64>, Vec<Term>)> {
    let fixed = p.f64s("linear.fixed", &[r, r], "[r, r]")?;
    let constant = p.f64s("linear.constant", &[r], "[r]")?;
    let mut terms = Vec::new();
    for q in 0..p.count("linear.terms")? {
        let key = format!("linear.term.{q}");
        let parameter =
            Some(p.meta(&format!("{key}.parameter"))?.to_string()).filter(|s| !s.is_empty());
        terms.push(Term {
            parameter,
            coefficient: number(p, &format!("{key}.coefficient"))?,
            matrix: p.f64s(&format!("{key}.matrix"), &[r, r], "[r, r]")?,
            offset: p.f64s(&format!("{key}.offset"), &[r], "[r]")?,
        });
    }
    Ok((fixed, constant, terms))
}

/// Metadata `key` parsed as a number.
fn number(p: &Parsed<'_>, key: &str) -> Result<f64> {
    let text = p.meta(key)?;
    text.parse()
        .map_err(|_| invalid(key, format!("`{text}`"), "a number"))
}

/// Metadata `key` parsed as JSON and converted to the caller's type (`what` names the
/// allowed values in the error).
macro_rules! json_meta {
    ($p:expr, $key:expr, $what:expr) => {{
        let text = $p.meta($key)?;
        serde_json::from_str(text).map_err(|_| invalid($key, format!("`{text}`"), $what))
    }};
}

/// The lifted ROM's keys and tensors, checked against R = `r` (the columns of `basis`).
fn read_lifted(p: &Parsed<'_>, r: usize) -> Result<Lifted> {
    let ranks: Vec<usize> = json_meta!(p, "lifted.block_ranks", "a JSON list of block ranks")?;
    if ranks.len() < 2 || ranks.contains(&0) || ranks.iter().sum::<usize>() != r {
        return Err(invalid(
            "lifted.block_ranks",
            format!("{ranks:?}"),
            format!("at least 2 ranks >= 1 summing to r = {r} (the columns of `basis`)"),
        ));
    }
    let in_energy: Vec<bool> = json_meta!(p, "lifted.in_energy", "a JSON list of booleans")?;
    if in_energy.len() != ranks.len() {
        return Err(invalid(
            "lifted.in_energy",
            format!("{in_energy:?}"),
            format!("{} booleans (one per block)", ranks.len()),
        ));
    }
    let mut offsets = vec![0];
    for rank in &ranks {
        offsets.push(offsets[offsets.len() - 1] + rank);
    }
    let range = |b: usize| offsets[b]..offsets[b + 1];
    let mat = |name: &str, rows: usize, what: &str| -> Result<Mat<f64>> {
        let v = p.f64s(name, &[rows, rows], what)?;
        Ok(Mat::from_fn(rows, rows, |i, j| v[i * rows + j]))
    };
    let rq = ranks[0];
    let (mass, cell) = (number(p, "lifted.mass")?, number(p, "lifted.cell")?);
    if !mass.is_finite() {
        return Err(invalid("lifted.mass", mass, "a finite number"));
    }
    if !(cell.is_finite() && cell > 0.0) {
        return Err(invalid("lifted.cell", cell, "a finite number > 0"));
    }
    let mut couplings = Vec::new();
    for k in 0..p.count("lifted.couplings")? {
        let key = format!("lifted.coupling.{k}");
        let block = |name: &str| -> Result<Range<usize>> {
            let field = format!("{key}.{name}");
            let b = p.count(&field)?;
            if b >= ranks.len() {
                return Err(invalid(
                    field,
                    b,
                    format!("0..{} (the blocks)", ranks.len()),
                ));
            }
            Ok(range(b))
        };
        let (row, col, by) = (block("row")?, block("col")?, block("by")?);
        let shape = [by.len(), row.len(), col.len()];
        couplings.push(Coupling {
            packed: p.f64s(&format!("{key}.tensor"), &shape, "[r_by, r_row, r_col]")?,
            coef: number(p, &format!("{key}.coef"))?,
            row,
            col,
            by,
        });
    }
    let lifted = Lifted {
        j0: mat("lifted.j0", r, "[r, r]")?,
        stiffness: mat("lifted.stiffness", rq, "[r_q, r_q]")?,
        mass_matrix: mat("lifted.mass_matrix", rq, "[r_q, r_q]")?,
        identity_blocks: (1..ranks.len())
            .filter(|&b| in_energy[b])
            .map(range)
            .collect(),
        couplings,
        cell,
        mass,
    };
    let finite =
        |m: &Mat<f64>| (0..m.nrows()).all(|i| (0..m.ncols()).all(|j| m[(i, j)].is_finite()));
    if !(finite(&lifted.j0) && finite(&lifted.stiffness) && finite(&lifted.mass_matrix))
        || lifted
            .couplings
            .iter()
            .any(|c| c.packed.iter().any(|v| !v.is_finite()))
    {
        return Err(invalid(
            "lifted tensors",
            "a non-finite entry",
            "finite entries",
        ));
    }
    Ok(lifted)
}

/// The optional `domain` and `fields` keys (defaults: 2π per axis; `["u"]` or `field<i>`),
/// checked against the grid and n.
fn read_geometry(
    p: &Parsed<'_>,
    grid_shape: &[usize],
    n: usize,
) -> Result<(Vec<f64>, Vec<String>)> {
    let points: usize = grid_shape.iter().product();
    let domain: Vec<f64> = if p.meta.contains_key("domain") {
        json_meta!(p, "domain", "a JSON list of domain lengths")?
    } else {
        vec![std::f64::consts::TAU; grid_shape.len()]
    };
    if domain.len() != grid_shape.len() || domain.iter().any(|l| !(l.is_finite() && *l > 0.0)) {
        return Err(invalid(
            "domain",
            format!("{domain:?}"),
            format!(
                "{} finite lengths > 0 (one per axis of grid_shape {grid_shape:?})",
                grid_shape.len()
            ),
        ));
    }
    // Without a grid the state is one field of n values.
    let count = if !grid_shape.is_empty() && points > 0 && n % points == 0 {
        n / points
    } else {
        1
    };
    let fields: Vec<String> = if p.meta.contains_key("fields") {
        json_meta!(p, "fields", "a JSON list of field names")?
    } else if count == 1 {
        vec!["u".into()]
    } else {
        (0..count).map(|i| format!("field{i}")).collect()
    };
    if fields.len() != count || (!grid_shape.is_empty() && points * count != n) {
        return Err(invalid(
            "fields",
            format!("{fields:?}"),
            format!("{count} names: the full state of n = {n} values on grid {grid_shape:?}"),
        ));
    }
    Ok((domain, fields))
}

/// VᵀWū and ūᵀWū (zeros without a mean), the mean's parts of ½‖ū + Va‖²_W.
fn mean_moments(v: &[f64], w: Option<&[f64]>, mean: Option<&[f64]>, r: usize) -> (Vec<f64>, f64) {
    let mut cross = vec![0.0; r];
    let mut energy = 0.0;
    if let Some(mean) = mean {
        for (i, ui) in mean.iter().enumerate() {
            let wu = w.map_or(*ui, |w| w[i] * ui);
            energy += wu * ui;
            for (c, vij) in cross.iter_mut().zip(&v[i * r..(i + 1) * r]) {
                *c += vij * wu;
            }
        }
    }
    (cross, energy)
}

/// The hyper-reduction tensors, checked against n, r and m.
fn read_hyper(p: &Parsed<'_>, n: usize, r: usize) -> Result<Hyper> {
    let name = p.meta("flux")?;
    let flux = [Flux::HalfSquare, Flux::Advection2d]
        .into_iter()
        .find(|f| f.name() == name)
        .ok_or_else(|| {
            invalid(
                "flux",
                format!("`{name}`"),
                "a built-in flux (`half-square`, `advection-2d`)",
            )
        })?;
    let factors = p.count("hyper.factors")?;
    if factors != flux.factor_count() {
        return Err(invalid(
            "hyper.factors",
            factors,
            format!("{} (flux `{name}`)", flux.factor_count()),
        ));
    }
    let m = p.indices("hyper.points", n)?.len();
    let map = p.f64s("hyper.map", &[r, m], "[r, m]")?;
    let (mut rows, mut offsets) = (Vec::new(), Vec::new());
    for j in 0..factors {
        rows.push(p.f64s(&format!("hyper.factor_rows.{j}"), &[m, r], "[m, r]")?);
        offsets.push(p.f64s(&format!("hyper.factor_offsets.{j}"), &[m], "[m]")?);
    }
    p.f64s("hyper.flux_basis", &[n, m], "[n, m]")?;
    p.indices("hyper.sample", n)?;
    Ok(Hyper {
        flux,
        m,
        map,
        rows,
        offsets,
    })
}

/// An error unless V (row-major n × r) is finite and max |VᵀWV − I| ≤ 1e-8.
fn check_orthonormal(v: &[f64], w: Option<&[f64]>, n: usize, r: usize) -> Result<()> {
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(invalid(
            "basis",
            format!("basis[{}, {}] = {}", i / r, i % r, v[i]),
            "finite values",
        ));
    }
    let mut gram = vec![0.0; r * r];
    for i in 0..n {
        let wi = w.map_or(1.0, |w| w[i]);
        let row = &v[i * r..(i + 1) * r];
        for (a, va) in row.iter().enumerate() {
            let s = wi * va;
            for (g, vb) in gram[a * r..(a + 1) * r].iter_mut().zip(row) {
                *g += s * vb;
            }
        }
    }
    let err = gram
        .iter()
        .enumerate()
        .map(|(k, g)| (g - f64::from(u8::from(k / r == k % r))).abs())
        .fold(0.0f64, f64::max);
    if err.is_nan() || err > ORTHONORMAL_TOL {
        return Err(invalid(
            "basis",
            format!("max |VᵀWV − I| = {err:.3e}"),
            format!("columns orthonormal under the weights to within {ORTHONORMAL_TOL:e}"),
        ));
    }
    Ok(())
}
