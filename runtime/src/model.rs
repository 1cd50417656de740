//! [`RomModel`]: the checked, immutable content of one portable ROM file, shared by every
//! [`crate::Instance`] that runs it.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::error::{corrupt, invalid, Result, RuntimeError};
use crate::format::{parse, Parsed};

/// The `format` metadata value of a portable ROM file.
const FORMAT: &str = "galerkin-portable-rom";
/// The newest layout version this runtime reads.
const VERSION: u64 = 1;
/// The kinds a portable file can hold, as named in the refusal of any other.
const KINDS: &str = "`galerkin`, `deim`, `qdeim` or `eim` (Galerkin and hyper-reduced ROMs; \
                     a lifted ROM has no portable form)";
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
}

impl RomKind {
    /// The `rom_kind` name in the file (`galerkin`, `deim`, `qdeim`, `eim`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Galerkin => "galerkin",
            Self::Deim => "deim",
            Self::Qdeim => "qdeim",
            Self::Eim => "eim",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [Self::Galerkin, Self::Deim, Self::Qdeim, Self::Eim]
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

/// The reduced nonlinearity.
#[derive(Debug, Clone)]
pub(crate) enum Nonlinear {
    /// The packed quadratic tensor Ĥ, row-major r × r(r+1)/2.
    Quadratic(Vec<f64>),
    /// A hyper-reduction.
    Hyper(Hyper),
}

/// A portable ROM, read and checked: everything needed online, nothing of the full model.
/// Immutable and `Send + Sync`; share it between [`crate::Instance`]s with an `Arc`.
#[derive(Debug, Clone)]
pub struct RomModel {
    kind: RomKind,
    pde: String,
    grid_shape: Vec<usize>,
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
    /// (`galerkin`, `deim`, `qdeim`, `eim`), every tensor's dtype and shape against r, n
    /// and m, the weights (finite, > 0), the basis (finite, W-orthonormal to 1e-8), the
    /// point indices and the flux (`half-square` or `advection-2d`). A truncated, corrupt
    /// or foreign file is an error, never a panic.
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
        let fixed = p.f64s("linear.fixed", &[r, r], "[r, r]")?;
        let constant = p.f64s("linear.constant", &[r], "[r]")?;
        let mut terms = Vec::new();
        for q in 0..p.count("linear.terms")? {
            let key = format!("linear.term.{q}");
            let parameter =
                Some(p.meta(&format!("{key}.parameter"))?.to_string()).filter(|s| !s.is_empty());
            let text = p.meta(&format!("{key}.coefficient"))?;
            let coefficient: f64 = text.parse().map_err(|_| {
                invalid(
                    format!("{key}.coefficient"),
                    format!("`{text}`"),
                    "a number",
                )
            })?;
            terms.push(Term {
                parameter,
                coefficient,
                matrix: p.f64s(&format!("{key}.matrix"), &[r, r], "[r, r]")?,
                offset: p.f64s(&format!("{key}.offset"), &[r], "[r]")?,
            });
        }
        let nonlinear = match kind {
            RomKind::Galerkin => Nonlinear::Quadratic(p.f64s(
                "quadratic.h",
                &[r, r * (r + 1) / 2],
                "[r, r(r+1)/2]",
            )?),
            _ => Nonlinear::Hyper(read_hyper(&p, n, r)?),
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
        Ok(Self {
            kind,
            pde,
            grid_shape,
            n,
            r,
            basis,
            weights,
            mean,
            fixed,
            constant,
            terms,
            nonlinear,
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

    /// The parameter names the model can be re-weighted by (in term order).
    pub fn parameter_names(&self) -> Vec<&str> {
        self.terms
            .iter()
            .filter_map(|t| t.parameter.as_deref())
            .collect()
    }

    /// The parameters with their build values θ_q, in term order: what a new
    /// [`crate::Instance`] starts from (an FMU's start values, for instance).
    pub fn parameters(&self) -> Vec<(&str, f64)> {
        self.terms
            .iter()
            .filter_map(|t| t.parameter.as_deref().map(|name| (name, t.coefficient)))
            .collect()
    }

    /// The full model's grid shape, `[nx]` or `[ny, nx]` (`[]` for a model built without
    /// a grid); the full state is row-major over it.
    pub fn grid_shape(&self) -> &[usize] {
        &self.grid_shape
    }
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
