//! Portable ROM files: a Galerkin or hyper-reduced [`ReducedModel`] in the
//! safetensors layout (header length, JSON header, raw data), which a program reads
//! without galerkin and without HDF5 (`scripts/portable_rom.py` runs one with numpy only).
//!
//! The file is an 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON (padded
//! with spaces so the data starts at a multiple of 8), then the data buffer. The JSON maps
//! `__metadata__` to string → string metadata and every tensor name to `{"dtype": "F64" |
//! "I64", "shape": [...], "data_offsets": [begin, end]}`, byte offsets into the buffer;
//! tensors are little-endian, row-major and contiguous, and cover the buffer exactly.
//!
//! Every tensor's name, shape and meaning, the packing of the quadratic tensor, the
//! re-weighting by parameters, the projection of an initial state and the reconstruction
//! are documented in `docs/portable-rom.md`. In short (r modes, n grid values, m points):
//! `basis` `[n, r]`, `weights` `[n]` and `mean` `[n]` (optional), `linear.fixed` `[r, r]`,
//! `linear.constant` `[r]`, `linear.term.<q>.matrix` `[r, r]` and `.offset` `[r]`, then
//! `quadratic.h` `[r, r(r+1)/2]` or `hyper.points` (I64) `[m]`, `hyper.map` `[r, m]`,
//! `hyper.factor_rows.<j>` `[m, r]`, `hyper.factor_offsets.<j>` `[m]`; and, not needed
//! online, `singular_values`, `hyper.flux_basis` `[n, m]` and `hyper.sample` (I64).
//!
//! A lifted wave ROM (`lifted-quadratic`) is written by [`write_portable_lifted`] (and
//! [`export_rom`]) and run by `galerkin-runtime`; [`read_portable`] reads the Galerkin and
//! hyper-reduced kinds back into a [`ReducedModel`] and refuses a lifted file, naming them.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use faer::Mat;
use serde_json::{json, Map, Value};

use galerkin_solvers::builtin_flux;

use super::error::{invalid, Result, WorkflowError};
use super::rom_file::{LiftedRomFile, StoredRom};
use crate::basis::{Basis, InnerProduct};
use crate::rom::{
    HyperReduction, Learned, LinearPart, Nonlinear, PointSelection, ProjectedTerm, ReducedModel,
    RomKind,
};

/// The `format` metadata value of a portable ROM file.
pub const PORTABLE_FORMAT: &str = "galerkin-portable-rom";
/// The layout version this galerkin writes; a reader refuses a newer one.
pub const PORTABLE_VERSION: u64 = 1;
/// The ROM kinds a portable file can hold (named in the refusal of any other).
pub const PORTABLE_KINDS: &str = "`galerkin`, `deim`, `qdeim`, `eim`, `opinf`, \
                                  `galerkin-closure` or `dmd` (Galerkin, hyper-reduced and \
                                  learned ROMs; a `lifted-quadratic` file is run by \
                                  galerkin-runtime, not read back into a ReducedModel)";
/// Tolerance on max |VᵀWV − I| when the basis is read back.
const ORTHONORMAL_TOL: f64 = 1e-8;

/// One tensor to write: its dtype, shape and little-endian bytes.
struct Tensor {
    dtype: &'static str,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

fn f64_tensor(shape: Vec<usize>, values: impl IntoIterator<Item = f64>) -> Tensor {
    Tensor {
        dtype: "F64",
        shape,
        bytes: values.into_iter().flat_map(f64::to_le_bytes).collect(),
    }
}

fn i64_tensor(values: &[usize]) -> Tensor {
    Tensor {
        dtype: "I64",
        shape: vec![values.len()],
        bytes: values
            .iter()
            .flat_map(|&v| (v as i64).to_le_bytes())
            .collect(),
    }
}

fn mat_tensor(m: &Mat<f64>) -> Tensor {
    let (rows, cols) = (m.nrows(), m.ncols());
    f64_tensor(
        vec![rows, cols],
        (0..rows * cols).map(|k| m[(k / cols, k % cols)]),
    )
}

/// The metadata and tensors of one portable file, in file order.
type Layout = (BTreeMap<String, String>, Vec<(String, Tensor)>);

/// Writes `model` as a portable ROM file at `path`, atomically (a `.tmp` file renamed when
/// complete); an existing `path` is refused unless `force`.
pub fn write_portable(model: &ReducedModel, path: &Path, force: bool) -> Result<()> {
    refuse_existing(path, force)?;
    let (meta, tensors) = model_layout(model);
    write_atomically(path, &meta, &tensors)
}

/// `v`, or JSON null where it is infinite (λ = ∞: the closure kept the Galerkin model).
fn finite_or_null(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else {
        Value::Null
    }
}

/// The portable layout of a Galerkin, hyper-reduced or learned `model`.
fn model_layout(model: &ReducedModel) -> Layout {
    let r = model.rank();
    let parameters: Vec<(&str, f64)> = model
        .linear
        .terms
        .iter()
        .filter_map(|t| t.parameter.as_deref().map(|p| (p, t.coefficient)))
        .collect();
    let field = galerkin_solvers::pde_spec(&model.pde).map_or("u", |spec| spec.field);
    let mut meta = common_meta(
        &Common {
            kind: model.kind(),
            pde: &model.pde,
            grid_shape: &model.grid_shape,
            recipe: &model.recipe,
            training_parameters: &model.training_parameters,
            fields: &[field],
        },
        &parameters,
        r,
        model.basis.dim(),
    );
    let mut tensors: Vec<(String, Tensor)> = Vec::new();
    meta.insert("linear.terms".into(), model.linear.terms.len().to_string());
    if let Some(learned) = &model.learned {
        meta.insert(
            "learned".into(),
            json!({
                "lambda": finite_or_null(learned.lambda),
                "quadratic_ratio": learned.quadratic_ratio,
                "regularized_toward": if learned.toward_galerkin { "galerkin" } else { "zero" },
                "training_error": finite_or_null(learned.training_error),
                "derivative_order": learned.derivative_order,
                "eigenvalues": learned.eigenvalues.iter().map(|e| [e.re, e.im]).collect::<Vec<_>>(),
                "eigenvalue_spread": learned.eigenvalue_spread,
            })
            .to_string(),
        );
    }

    tensors.push((
        "basis".into(),
        mat_tensor(&model.basis.vectors().to_owned()),
    ));
    if let InnerProduct::Diagonal(w) = model.basis.inner_product() {
        tensors.push((
            "weights".into(),
            f64_tensor(vec![w.len()], w.iter().copied()),
        ));
    }
    if let Some(mean) = &model.mean {
        tensors.push(("mean".into(), f64_tensor(vec![mean.len()], mean.clone())));
    }
    let sv = &model.singular_values;
    tensors.push((
        "singular_values".into(),
        f64_tensor(vec![sv.len()], sv.clone()),
    ));
    tensors.push(("linear.fixed".into(), mat_tensor(&model.linear.fixed)));
    let constant = &model.linear.constant;
    tensors.push((
        "linear.constant".into(),
        f64_tensor(vec![constant.len()], constant.clone()),
    ));
    for (q, term) in model.linear.terms.iter().enumerate() {
        let key = format!("linear.term.{q}");
        meta.insert(
            format!("{key}.parameter"),
            term.parameter.clone().unwrap_or_default(),
        );
        meta.insert(
            format!("{key}.coefficient"),
            format!("{:?}", term.coefficient),
        );
        tensors.push((format!("{key}.matrix"), mat_tensor(&term.matrix)));
        tensors.push((
            format!("{key}.offset"),
            f64_tensor(vec![term.offset.len()], term.offset.clone()),
        ));
    }
    match &model.nonlinear {
        Nonlinear::Quadratic { h } => {
            tensors.push((
                "quadratic.h".into(),
                f64_tensor(vec![r, r * (r + 1) / 2], h.clone()),
            ));
        }
        Nonlinear::Hyper(hr) => {
            let m = hr.points.len();
            meta.insert("flux".into(), hr.flux.name().into());
            meta.insert("hyper.factors".into(), hr.factor_rows.len().to_string());
            tensors.push(("hyper.points".into(), i64_tensor(&hr.points)));
            tensors.push(("hyper.map".into(), f64_tensor(vec![r, m], hr.map.clone())));
            for (j, (rows, offsets)) in hr.factor_rows.iter().zip(&hr.factor_offsets).enumerate() {
                tensors.push((
                    format!("hyper.factor_rows.{j}"),
                    f64_tensor(vec![m, r], rows.clone()),
                ));
                tensors.push((
                    format!("hyper.factor_offsets.{j}"),
                    f64_tensor(vec![m], offsets.clone()),
                ));
            }
            tensors.push(("hyper.flux_basis".into(), mat_tensor(&hr.flux_basis)));
            tensors.push(("hyper.sample".into(), i64_tensor(&hr.sample)));
        }
    }
    (meta, tensors)
}

/// Writes the lifted wave ROM `file` as a portable file of kind `lifted-quadratic` at
/// `path` (atomically; an existing `path` is refused unless `force`). The full state is the
/// lifted state y = (q, p, w[, z]), so `basis` is the block-diagonal V = blkdiag(V_q, V_p,
/// V_w[, V_z]) and the `lifted.*` tensors and keys hold Ĵ₀, the couplings and Q̂(m)'s parts
/// (`docs/portable-rom.md`).
pub fn write_portable_lifted(file: &LiftedRomFile, path: &Path, force: bool) -> Result<()> {
    refuse_existing(path, force)?;
    let (meta, tensors) = lifted_layout(file);
    write_atomically(path, &meta, &tensors)
}

/// The portable layout of the lifted wave ROM `file`.
fn lifted_layout(file: &LiftedRomFile) -> Layout {
    let rom = &file.rom;
    let (n, total, blocks) = (rom.bases[0].nrows(), rom.dim(), rom.bases.len());
    let mut fields = vec!["q", "p"];
    fields.extend(["w", "z"].into_iter().take(blocks - 2));
    let mut meta = common_meta(
        &Common {
            kind: RomKind::LiftedQuadratic,
            pde: galerkin_solvers::wave::SPEC.name,
            grid_shape: &file.grid_shape,
            recipe: &file.recipe,
            training_parameters: &file.training_parameters,
            fields: &fields,
        },
        &[("mass", rom.mass)],
        total,
        blocks * n,
    );
    let ranks: Vec<usize> = rom.bases.iter().map(Mat::ncols).collect();
    meta.insert("lifted.nonlinearity".into(), rom.nonlinearity.name().into());
    meta.insert("lifted.block_ranks".into(), json!(ranks).to_string());
    meta.insert("lifted.in_energy".into(), json!(rom.in_energy).to_string());
    meta.insert("lifted.mass".into(), format!("{:?}", rom.mass));
    meta.insert("lifted.cell".into(), format!("{:?}", rom.cell));
    meta.insert("lifted.couplings".into(), rom.couplings.len().to_string());
    let block_of = |range: &std::ops::Range<usize>| {
        rom.offsets
            .iter()
            .position(|&o| o == range.start)
            .unwrap_or(0)
    };
    let basis = Mat::from_fn(blocks * n, total, |i, j| {
        let b = i / n;
        if (rom.offsets[b]..rom.offsets[b + 1]).contains(&j) {
            rom.bases[b][(i % n, j - rom.offsets[b])]
        } else {
            0.0
        }
    });
    let mut tensors = vec![
        ("basis".to_string(), mat_tensor(&basis)),
        ("singular_values".into(), f64_tensor(vec![0], [])),
        ("lifted.j0".into(), mat_tensor(&rom.j0)),
        ("lifted.stiffness".into(), mat_tensor(&rom.stiffness)),
        ("lifted.mass_matrix".into(), mat_tensor(&rom.mass_term())),
    ];
    for (k, c) in rom.couplings.iter().enumerate() {
        let key = format!("lifted.coupling.{k}");
        for (name, range) in [("row", &c.row), ("col", &c.col), ("by", &c.by)] {
            meta.insert(format!("{key}.{name}"), block_of(range).to_string());
        }
        meta.insert(format!("{key}.coef"), format!("{:?}", c.coef));
        let (rr, rc) = (c.row.len(), c.col.len());
        tensors.push((
            format!("{key}.tensor"),
            f64_tensor(
                vec![c.by.len(), rr, rc],
                c.tensor
                    .iter()
                    .flat_map(|a| (0..rr * rc).map(move |k| a[(k / rc, k % rc)])),
            ),
        ));
    }
    (meta, tensors)
}

/// What every portable file says of its model, whatever the kind.
struct Common<'a> {
    kind: RomKind,
    pde: &'a str,
    grid_shape: &'a [usize],
    recipe: &'a str,
    training_parameters: &'a BTreeMap<String, Vec<f64>>,
    /// The fields of the full state, in order (each Π grid_shape values).
    fields: &'a [&'a str],
}

/// The metadata shared by every kind: format, version, kind, pde, grid, `domain`, `fields`,
/// recipe, writer version, parameters (name, build value), training values, r and n.
fn common_meta(
    c: &Common<'_>,
    parameters: &[(&str, f64)],
    rank: usize,
    full_dim: usize,
) -> BTreeMap<String, String> {
    let parameters: Vec<Value> = parameters
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect();
    BTreeMap::from([
        ("format".into(), PORTABLE_FORMAT.into()),
        ("version".into(), PORTABLE_VERSION.to_string()),
        ("rom_kind".into(), c.kind.name().into()),
        ("pde".into(), c.pde.into()),
        ("grid_shape".into(), json!(c.grid_shape).to_string()),
        (
            "domain".into(),
            json!(domain_of(c.recipe, c.grid_shape)).to_string(),
        ),
        ("fields".into(), json!(c.fields).to_string()),
        ("recipe".into(), c.recipe.into()),
        ("galerkin_version".into(), env!("CARGO_PKG_VERSION").into()),
        ("parameters".into(), Value::Array(parameters).to_string()),
        (
            "training_parameters".into(),
            json!(c.training_parameters).to_string(),
        ),
        ("rank".into(), rank.to_string()),
        ("full_dim".into(), full_dim.to_string()),
    ])
}

/// The domain lengths per axis in `grid_shape` order (`[ly, lx]` in 2-D) of the periodic
/// grid the recipe text saves on; 2π per axis when the recipe is empty, does not parse or
/// describes another grid (a model built in memory).
pub fn domain_of(recipe: &str, grid_shape: &[usize]) -> Vec<f64> {
    let from_recipe = crate::data::Recipe::parse(recipe, "ROM recipe", &[])
        .and_then(|r| r.save_grid())
        .ok()
        .filter(|grid| grid.shape() == grid_shape)
        .map(|grid| {
            if grid.is_2d() {
                vec![grid.ly(), grid.lx()]
            } else {
                vec![grid.lx()]
            }
        });
    from_recipe.unwrap_or_else(|| vec![std::f64::consts::TAU; grid_shape.len()])
}

/// An error unless `path` is free or `force` allows replacing it.
fn refuse_existing(path: &Path, force: bool) -> Result<()> {
    if path.exists() && !force {
        return Err(WorkflowError::File {
            path: path.to_path_buf(),
            reason: "already exists (refusing to overwrite it without `force`)".into(),
        });
    }
    Ok(())
}

/// The file's first bytes: N (u64 little-endian) and the JSON header of N bytes (padded
/// with spaces so the data buffer starts 8-aligned), for `meta` and `tensors` in order.
fn header_bytes(meta: &BTreeMap<String, String>, tensors: &[(String, Tensor)]) -> Vec<u8> {
    let mut header = Map::new();
    header.insert("__metadata__".into(), json!(meta));
    let mut offset = 0usize;
    for (name, t) in tensors {
        let end = offset + t.bytes.len();
        header.insert(
            name.clone(),
            json!({"dtype": t.dtype, "shape": t.shape, "data_offsets": [offset, end]}),
        );
        offset = end;
    }
    let mut text = Value::Object(header).to_string().into_bytes();
    while (8 + text.len()) % 8 != 0 {
        text.push(b' ');
    }
    let mut out = (text.len() as u64).to_le_bytes().to_vec();
    out.extend(text);
    out
}

/// Serializes the header and buffer to `<path>.tmp`, then renames it to `path`.
fn write_atomically(
    path: &Path,
    meta: &BTreeMap<String, String>,
    tensors: &[(String, Tensor)],
) -> Result<()> {
    let header = header_bytes(meta, tensors);
    let mut parts: Vec<&[u8]> = vec![&header];
    parts.extend(tensors.iter().map(|(_, t)| t.bytes.as_slice()));
    write_parts(path, &parts)
}

/// Writes the bytes of a portable file ([`encode_portable`]) to `path`, atomically; an
/// existing `path` is refused unless `force`.
pub fn write_portable_bytes(path: &Path, bytes: &[u8], force: bool) -> Result<()> {
    refuse_existing(path, force)?;
    write_parts(path, &[bytes])
}

/// Writes `parts` one after the other to `<path>.tmp` (creating the directory), syncs it
/// and renames it to `path`; the temporary file is removed on failure.
fn write_parts(path: &Path, parts: &[&[u8]]) -> Result<()> {
    let io = |e: std::io::Error| WorkflowError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let write = || -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        for part in parts {
            f.write_all(part)?;
        }
        f.into_inner().map_err(|e| e.into_error())?.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    std::fs::rename(&tmp, path).map_err(io)
}

/// The file split by the runtime's reader of the layout (`galerkin_runtime::format`), with
/// its errors naming the file.
struct Parsed<'a> {
    path: &'a Path,
    inner: galerkin_runtime::format::Parsed<'a>,
}

impl Parsed<'_> {
    fn bad(&self, reason: String) -> WorkflowError {
        WorkflowError::File {
            path: self.path.to_path_buf(),
            reason,
        }
    }

    fn lift<T>(&self, result: std::result::Result<T, galerkin_runtime::RuntimeError>) -> Result<T> {
        result.map_err(|e| self.bad(e.to_string()))
    }

    fn meta(&self, key: &str) -> Result<&str> {
        self.lift(self.inner.meta(key))
    }

    fn count(&self, key: &str) -> Result<usize> {
        self.lift(self.inner.count(key))
    }

    fn has(&self, name: &str) -> bool {
        self.inner.has(name)
    }

    fn f64s(&self, name: &str, shape: &[usize], what: &str) -> Result<Vec<f64>> {
        self.lift(self.inner.f64s(name, shape, what))
    }

    fn mat(&self, name: &str, rows: usize, cols: usize, what: &str) -> Result<Mat<f64>> {
        let v = self.f64s(name, &[rows, cols], what)?;
        Ok(Mat::from_fn(rows, cols, |i, j| v[i * cols + j]))
    }

    fn indices(&self, name: &str, n: usize) -> Result<Vec<usize>> {
        self.lift(self.inner.indices(name, n))
    }

    fn shape_of(&self, name: &str) -> Result<&[usize]> {
        self.lift(self.inner.shape_of(name))
    }
}

/// Splits the file's bytes into metadata and tensors, checking the header and that the
/// tensors tile the data buffer exactly.
fn parse<'a>(path: &'a Path, bytes: &'a [u8]) -> Result<Parsed<'a>> {
    let inner = galerkin_runtime::format::parse(bytes).map_err(|e| WorkflowError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(Parsed { path, inner })
}

/// Reads a portable ROM file written by [`write_portable`]: checks `format`, `version`
/// (refusing a newer one), the kind (one of [`PORTABLE_KINDS`]) and every tensor's dtype and
/// shape against r, n and m. A truncated, corrupt or foreign file is an error, never a
/// panic. The flux of a hyper-reduced ROM must be a built-in one.
pub fn read_portable(path: &Path) -> Result<ReducedModel> {
    let bytes = std::fs::read(path).map_err(|e| WorkflowError::File {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let p = parse(path, &bytes)?;
    let format = p.inner.meta.get("format").map(String::as_str).unwrap_or("");
    if format != PORTABLE_FORMAT {
        return Err(p.bad(format!(
            "metadata `format` = `{format}`: expected `{PORTABLE_FORMAT}`"
        )));
    }
    let version: u64 = p
        .meta("version")?
        .parse()
        .map_err(|_| p.bad("metadata `version` is not an integer".into()))?;
    if version > PORTABLE_VERSION {
        return Err(p.bad(format!(
            "version {version} is newer than this galerkin reads (allowed 1..={PORTABLE_VERSION})"
        )));
    }
    let kind_name = p.meta("rom_kind")?;
    let kind = RomKind::from_name(kind_name)
        .filter(|k| *k != RomKind::LiftedQuadratic)
        .ok_or_else(|| invalid("rom_kind", kind_name, PORTABLE_KINDS))?;
    let [n, r] = match p.shape_of("basis")? {
        &[n, r] if n > 0 && r > 0 => [n, r],
        s => {
            return Err(p.bad(format!(
                "tensor `basis` has shape {s:?}: expected [n, r] with n, r >= 1"
            )))
        }
    };
    let v = p.mat("basis", n, r, "[n, r]")?;
    let ip = if p.has("weights") {
        InnerProduct::diagonal(p.f64s("weights", &[n], "[n]")?)?
    } else {
        InnerProduct::Euclidean
    };
    let basis = Basis::from_orthonormal(v, ip, ORTHONORMAL_TOL)?;
    let mean = if p.has("mean") {
        Some(p.f64s("mean", &[n], "[n]")?)
    } else {
        None
    };
    let sv_len = p.shape_of("singular_values")?.first().copied().unwrap_or(0);
    let singular_values = p.f64s("singular_values", &[sv_len], "[k]")?;
    let fixed = p.mat("linear.fixed", r, r, "[r, r]")?;
    let constant = p.f64s("linear.constant", &[r], "[r]")?;
    let mut terms = Vec::new();
    for q in 0..p.count("linear.terms")? {
        let key = format!("linear.term.{q}");
        let parameter =
            Some(p.meta(&format!("{key}.parameter"))?.to_string()).filter(|s| !s.is_empty());
        let text = p.meta(&format!("{key}.coefficient"))?;
        let coefficient: f64 = text.parse().map_err(|_| {
            p.bad(format!(
                "metadata `{key}.coefficient` = `{text}`: allowed a number"
            ))
        })?;
        terms.push(ProjectedTerm {
            parameter,
            coefficient,
            matrix: p.mat(&format!("{key}.matrix"), r, r, "[r, r]")?,
            offset: p.f64s(&format!("{key}.offset"), &[r], "[r]")?,
        });
    }
    let nonlinear = match kind {
        RomKind::Galerkin | RomKind::Opinf | RomKind::GalerkinClosure | RomKind::Dmd => {
            Nonlinear::Quadratic {
                h: p.f64s("quadratic.h", &[r, r * (r + 1) / 2], "[r, r(r+1)/2]")?,
            }
        }
        _ => {
            let selection = match kind {
                RomKind::Deim => PointSelection::Deim,
                RomKind::Qdeim => PointSelection::Qdeim,
                _ => PointSelection::Eim,
            };
            let name = p.meta("flux")?;
            let flux = builtin_flux(name).ok_or_else(|| {
                p.bad(format!(
                    "metadata `flux` = `{name}`: allowed a built-in flux (`half-square`, \
                     `advection-2d`)"
                ))
            })?;
            let factors = p.count("hyper.factors")?;
            if factors != flux.factor_count() {
                return Err(p.bad(format!(
                    "metadata `hyper.factors` = {factors}: flux `{name}` has {}",
                    flux.factor_count()
                )));
            }
            let points = p.indices("hyper.points", n)?;
            let m = points.len();
            let map = p.f64s("hyper.map", &[r, m], "[r, m]")?;
            let (mut factor_rows, mut factor_offsets) = (Vec::new(), Vec::new());
            for j in 0..factors {
                factor_rows.push(p.f64s(&format!("hyper.factor_rows.{j}"), &[m, r], "[m, r]")?);
                factor_offsets.push(p.f64s(&format!("hyper.factor_offsets.{j}"), &[m], "[m]")?);
            }
            Nonlinear::Hyper(HyperReduction {
                flux,
                selection,
                points,
                map,
                factor_rows,
                factor_offsets,
                flux_basis: p.mat("hyper.flux_basis", n, m, "[n, m]")?,
                sample: p.indices("hyper.sample", n)?,
            })
        }
    };
    let json_meta = |key: &str| -> Result<Value> {
        serde_json::from_str(p.meta(key)?)
            .map_err(|e| p.bad(format!("metadata `{key}` is not JSON: {e}")))
    };
    let grid_shape: Vec<usize> = serde_json::from_value(json_meta("grid_shape")?).map_err(|e| {
        p.bad(format!(
            "metadata `grid_shape`: allowed a list of sizes ({e})"
        ))
    })?;
    let training_parameters: BTreeMap<String, Vec<f64>> =
        serde_json::from_value(json_meta("training_parameters")?).map_err(|e| {
            p.bad(format!(
                "metadata `training_parameters`: allowed an object of number lists ({e})"
            ))
        })?;
    Ok(ReducedModel {
        pde: p.meta("pde")?.to_string(),
        grid_shape,
        basis,
        mean,
        linear: LinearPart {
            terms,
            fixed,
            constant,
        },
        nonlinear,
        singular_values,
        recipe: p.meta("recipe")?.to_string(),
        training_parameters,
        learned: read_learned(&p, kind)?,
    })
}

/// The `learned` metadata of a learned kind (`None` for the others); the candidate scores
/// stay in the ROM file.
fn read_learned(p: &Parsed<'_>, kind: RomKind) -> Result<Option<Learned>> {
    if !matches!(
        kind,
        RomKind::Opinf | RomKind::GalerkinClosure | RomKind::Dmd
    ) {
        return Ok(None);
    }
    let value: Value = serde_json::from_str(p.meta("learned")?)
        .map_err(|e| p.bad(format!("metadata `learned` is not JSON: {e}")))?;
    let number = |key: &str| value[key].as_f64().unwrap_or(f64::INFINITY);
    let eigenvalues: Vec<[f64; 2]> =
        serde_json::from_value(value["eigenvalues"].clone()).map_err(|e| {
            p.bad(format!(
                "metadata `learned.eigenvalues`: allowed [re, im] pairs ({e})"
            ))
        })?;
    let eigenvalue_spread: Vec<f64> = serde_json::from_value(value["eigenvalue_spread"].clone())
        .map_err(|e| {
            p.bad(format!(
                "metadata `learned.eigenvalue_spread`: allowed numbers ({e})"
            ))
        })?;
    Ok(Some(Learned {
        kind,
        lambda: number("lambda"),
        quadratic_ratio: number("quadratic_ratio"),
        toward_galerkin: value["regularized_toward"] == "galerkin",
        training_error: number("training_error"),
        derivative_order: value["derivative_order"].as_u64().unwrap_or(0) as usize,
        scores: Vec::new(),
        // A timing, not stored: the same data give the same file.
        fit_seconds: 0.0,
        eigenvalues: eigenvalues
            .into_iter()
            .map(|[re, im]| faer::c64::new(re, im))
            .collect(),
        eigenvalue_spread,
    }))
}

/// The portable layout of `rom` and its kind: every kind has one, a lifted ROM through
/// [`write_portable_lifted`]'s layout.
fn stored_layout(rom: &StoredRom) -> (RomKind, Layout) {
    match rom {
        StoredRom::Projected(model) => (model.kind(), model_layout(model)),
        StoredRom::Lifted(file) => (RomKind::LiftedQuadratic, lifted_layout(file)),
    }
}

/// Converts the HDF5 ROM file `input` to a portable ROM file `output` (refused if it
/// exists, unless `force`; written atomically); returns the kind converted. Every kind
/// converts.
pub fn export_rom(input: &Path, output: &Path, force: bool) -> Result<RomKind> {
    refuse_existing(output, force)?;
    let (kind, (meta, tensors)) = stored_layout(&StoredRom::load(input)?);
    write_atomically(output, &meta, &tensors)?;
    Ok(kind)
}

/// The bytes of the portable file [`export_rom`] would write for `input`, and its kind,
/// for programs that embed the file elsewhere (an FMU's resources) without a file of it.
pub fn portable_bytes(input: &Path) -> Result<(RomKind, Vec<u8>)> {
    Ok(encode_portable(&StoredRom::load(input)?))
}

/// The bytes of the portable file of a ROM held in memory (what [`write_portable`] or
/// [`write_portable_lifted`] would write), and its kind: a program loads them with
/// `galerkin_runtime::RomModel::from_bytes` without a file.
pub fn encode_portable(rom: &StoredRom) -> (RomKind, Vec<u8>) {
    let (kind, (meta, tensors)) = stored_layout(rom);
    let mut bytes = header_bytes(&meta, &tensors);
    for (_, t) in &tensors {
        bytes.extend_from_slice(&t.bytes);
    }
    (kind, bytes)
}
