//! External snapshots → a native trajectory file (`galerkin import`): arrays from `.npy`,
//! `.npz` or HDF5 files in any axis order, with times, grid coordinates or per-point
//! weights (non-uniform and unstructured grids), several trajectories, parameter values
//! and inputs u(t). The file gets `origin = "imported"` and no recipe: it has no full
//! model, and only data-driven methods (Operator Inference, DMD) reduce it.
//!
//! Layout written: `/u` [n_traj, n_t, space…, n_fields] (f64), `/t` [n_t], `/x` [nx]
//! (`/y` [ny]) for a grid or `/points` [n_points, d] for a point cloud, `/weights`
//! [space…] if given, `/params/<name>` [n_traj], `/inputs` [n_traj, n_t, n_inputs] if
//! given, `/done`, `/seed` and `/health/*` as simulated files have them; root attributes
//! `origin = "imported"`, `pde` (the dataset's name), `equation` (where it came from),
//! `import_spec` (the specification, TOML), `schema_version`, `galerkin_version`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{hdf5_error, DataError, Result};
use super::writer::{check_output, write_hdf5_atomically, write_string_attr, SCHEMA_VERSION};

/// The `origin` attribute of imported files.
pub const IMPORTED_ORIGIN: &str = "imported";

/// One array in a file: `.npy`, `.npz` (entry `key`) or HDF5 (dataset `key`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ArraySource {
    /// The file (relative paths are relative to the specification's directory).
    pub file: PathBuf,
    /// The `.npz` entry or HDF5 dataset path (optional when the file holds one array).
    #[serde(default)]
    pub key: Option<String>,
    /// The names of the array's axes, in its order (snapshots: `trajectory`, `time`, `x`,
    /// `y`, `point`, `field`; inputs: `trajectory`, `time`, `input`). Empty: the default
    /// for the array's rank.
    #[serde(default)]
    pub axes: Vec<String>,
}

/// The save times: an array (`file`, `key`), a list, or a uniform step.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TimesSpec {
    /// A file holding the times (one per snapshot).
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// Its `.npz` entry or HDF5 dataset.
    #[serde(default)]
    pub key: Option<String>,
    /// The times, listed.
    #[serde(default)]
    pub values: Option<Vec<f64>>,
    /// A uniform step (with `t0`).
    #[serde(default)]
    pub dt: Option<f64>,
    /// The first time of a uniform step (default 0).
    #[serde(default)]
    pub t0: Option<f64>,
}

/// Coordinates and quadrature weights of the spatial points.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// x coordinates of a grid \[nx\].
    #[serde(default)]
    pub x: Option<ArraySource>,
    /// y coordinates of a 2-D grid \[ny\].
    #[serde(default)]
    pub y: Option<ArraySource>,
    /// Coordinates of an unstructured point cloud [n_points, d].
    #[serde(default)]
    pub points: Option<ArraySource>,
    /// Quadrature (cell) weight of every point, > 0: makes the POD L²-optimal on
    /// non-uniform and unstructured grids.
    #[serde(default)]
    pub weights: Option<ArraySource>,
}

/// Parameter values: listed, or an array \[n_traj\].
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum ValuesSpec {
    /// One value per trajectory.
    Values(Vec<f64>),
    /// An array of them.
    Array(ArraySource),
}

/// What `galerkin import` reads and where it writes.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSpec {
    /// The native file to write.
    pub output: PathBuf,
    /// The dataset's name (stored as `pde`; ROMs and evaluations check it).
    #[serde(default = "default_name")]
    pub name: String,
    /// The snapshots.
    pub snapshots: ArraySource,
    /// The save times (required).
    #[serde(default)]
    pub times: TimesSpec,
    /// Coordinates and weights.
    #[serde(default)]
    pub grid: GridSpec,
    /// Parameter values per trajectory, by name.
    #[serde(default)]
    pub parameters: BTreeMap<String, ValuesSpec>,
    /// Inputs u(t) of a forced system [n_traj, n_t, n_inputs] (axes as named).
    #[serde(default)]
    pub inputs: Option<ArraySource>,
}

fn default_name() -> String {
    "imported".into()
}

impl TimesSpec {
    /// The array source of `file` / `key`, if a file is named.
    fn array(&self) -> Option<ArraySource> {
        self.file.as_ref().map(|file| ArraySource {
            file: file.clone(),
            key: self.key.clone(),
            axes: Vec::new(),
        })
    }
}

impl ImportSpec {
    /// Reads a specification (TOML); relative file names become relative to its directory.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            action: "read import specification",
            path: path.to_path_buf(),
            source,
        })?;
        let mut spec: ImportSpec = toml::from_str(&text).map_err(|e| DataError::Recipe {
            origin: format!("(import specification) {}", path.display()),
            message: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        spec.resolve(base);
        Ok(spec)
    }

    /// Makes every relative input path relative to `base` (the output stays as given).
    fn resolve(&mut self, base: &Path) {
        let fix = |a: &mut ArraySource| {
            if a.file.is_relative() {
                a.file = base.join(&a.file);
            }
        };
        fix(&mut self.snapshots);
        if let Some(file) = self.times.file.as_mut().filter(|f| f.is_relative()) {
            *file = base.join(&*file);
        }
        for a in [
            self.grid.x.as_mut(),
            self.grid.y.as_mut(),
            self.grid.points.as_mut(),
            self.grid.weights.as_mut(),
            self.inputs.as_mut(),
        ]
        .into_iter()
        .flatten()
        {
            fix(a);
        }
        for v in self.parameters.values_mut() {
            if let ValuesSpec::Array(a) = v {
                fix(a);
            }
        }
    }
}

/// An n-dimensional f64 array in C order.
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    /// The shape.
    pub shape: Vec<usize>,
    /// The values, last axis fastest.
    pub data: Vec<f64>,
}

fn invalid(field: &str, value: impl std::fmt::Display, allowed: impl Into<String>) -> DataError {
    DataError::InvalidField {
        field: field.into(),
        value: value.to_string(),
        allowed: allowed.into(),
    }
}

/// Reads `source` as f64 (from f64, f32 or integer data).
pub fn read_array(source: &ArraySource) -> Result<Array> {
    let path = &source.file;
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let io = |source: std::io::Error| DataError::Io {
        action: "read",
        path: path.clone(),
        source,
    };
    match ext.as_str() {
        "npy" => parse_npy(&std::fs::read(path).map_err(io)?, path),
        "npz" => {
            let file = std::fs::File::open(path).map_err(io)?;
            read_npz(file, path, source.key.as_deref())
        }
        "h5" | "hdf5" | "he5" => read_hdf5(path, source.key.as_deref()),
        _ => Err(invalid(
            "file",
            path.display(),
            "a .npy, .npz or HDF5 (.h5, .hdf5) file",
        )),
    }
}

/// A `.npy` file's array.
fn parse_npy(bytes: &[u8], path: &Path) -> Result<Array> {
    let bad = |reason: String| {
        invalid(
            "file",
            path.display(),
            format!("a readable .npy array ({reason})"),
        )
    };
    let npy = npyz::NpyFile::new(bytes).map_err(|e| bad(e.to_string()))?;
    let shape: Vec<usize> = npy.shape().iter().map(|&s| s as usize).collect();
    let fortran = npy.order() == npyz::Order::Fortran;
    let descr = npy.dtype().descr();
    let data: Vec<f64> = match descr
        .trim_matches(['\'', '"'])
        .trim_start_matches(['<', '|', '='])
    {
        "f8" => npy.into_vec::<f64>().map_err(|e| bad(e.to_string()))?,
        "f4" => npy
            .into_vec::<f32>()
            .map_err(|e| bad(e.to_string()))?
            .into_iter()
            .map(f64::from)
            .collect(),
        "i8" => npy
            .into_vec::<i64>()
            .map_err(|e| bad(e.to_string()))?
            .into_iter()
            .map(|v| v as f64)
            .collect(),
        "i4" => npy
            .into_vec::<i32>()
            .map_err(|e| bad(e.to_string()))?
            .into_iter()
            .map(f64::from)
            .collect(),
        other => {
            return Err(bad(format!(
                "dtype `{other}`: allowed little-endian f8, f4, i8, i4"
            )))
        }
    };
    Ok(if fortran {
        Array {
            data: fortran_to_c(&data, &shape),
            shape,
        }
    } else {
        Array { shape, data }
    })
}

/// Reorders a Fortran-order buffer of `shape` into C order.
fn fortran_to_c(data: &[f64], shape: &[usize]) -> Vec<f64> {
    let reversed: Vec<usize> = shape.iter().rev().copied().collect();
    let order: Vec<usize> = (0..shape.len()).rev().collect();
    permute(data, &reversed, &order)
}

/// The array `data` of `shape` with its axes reordered: output axis i is input axis
/// `order[i]` (C order in and out).
fn permute(data: &[f64], shape: &[usize], order: &[usize]) -> Vec<f64> {
    let d = shape.len();
    let mut strides = vec![1usize; d];
    for i in (0..d.saturating_sub(1)).rev() {
        strides[i] = strides[i + 1] * shape[i + 1];
    }
    let out_shape: Vec<usize> = order.iter().map(|&a| shape[a]).collect();
    let out_strides: Vec<usize> = order.iter().map(|&a| strides[a]).collect();
    let mut out = Vec::with_capacity(data.len());
    let mut index = vec![0usize; d];
    for _ in 0..data.len() {
        let offset: usize = index.iter().zip(&out_strides).map(|(i, s)| i * s).sum();
        out.push(data[offset]);
        for a in (0..d).rev() {
            index[a] += 1;
            if index[a] < out_shape[a] {
                break;
            }
            index[a] = 0;
        }
    }
    out
}

/// Entry `key` (or the only entry) of a `.npz` archive, stored or deflated
/// (`np.savez`, `np.savez_compressed`).
fn read_npz(file: std::fs::File, path: &Path, key: Option<&str>) -> Result<Array> {
    let bad = |reason: String| {
        invalid(
            "file",
            path.display(),
            format!("a readable .npz archive ({reason})"),
        )
    };
    let mut archive = zip::ZipArchive::new(file).map_err(|e| bad(e.to_string()))?;
    let names: Vec<String> = archive.file_names().map(str::to_string).collect();
    let wanted = match key {
        Some(k) => format!("{}.npy", k.trim_end_matches(".npy")),
        None if names.len() == 1 => names[0].clone(),
        None => {
            return Err(invalid(
                "key",
                "none",
                format!("one of the archive's entries {names:?} (without .npy)"),
            ))
        }
    };
    let index = archive.index_for_name(&wanted).ok_or_else(|| {
        invalid(
            "key",
            wanted.trim_end_matches(".npy"),
            format!("one of the archive's entries {names:?}"),
        )
    })?;
    let mut entry = archive
        .by_index_raw(index)
        .map_err(|e| bad(e.to_string()))?;
    let method = entry.compression();
    let mut raw = Vec::new();
    entry
        .read_to_end(&mut raw)
        .map_err(|e| bad(e.to_string()))?;
    let bytes = match method {
        zip::CompressionMethod::Stored => raw,
        m if m == zip::CompressionMethod::DEFLATE => miniz_oxide::inflate::decompress_to_vec(&raw)
            .map_err(|e| bad(format!("inflate: {e:?}")))?,
        other => {
            return Err(bad(format!(
                "entry compressed with {other:?}: allowed stored or deflated"
            )))
        }
    };
    parse_npy(&bytes, path)
}

/// Dataset `key` (or the only root dataset) of an HDF5 file.
fn read_hdf5(path: &Path, key: Option<&str>) -> Result<Array> {
    let f = hdf5::File::open(path).map_err(hdf5_error(path))?;
    let key = match key {
        Some(k) => k.to_string(),
        None => {
            let names: Vec<String> = f
                .member_names()
                .map_err(hdf5_error(path))?
                .into_iter()
                .filter(|n| f.dataset(n).is_ok())
                .collect();
            match names.as_slice() {
                [one] => one.clone(),
                _ => {
                    return Err(invalid(
                        "key",
                        "none",
                        format!("a dataset path of the file (root datasets: {names:?})"),
                    ))
                }
            }
        }
    };
    let d = f
        .dataset(&key)
        .map_err(|_| invalid("key", &key, format!("a dataset path in {}", path.display())))?;
    let shape = d.shape();
    let data = d.read_raw::<f64>().map_err(hdf5_error(path))?;
    Ok(Array { shape, data })
}

/// Summary of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSummary {
    /// The file written.
    pub output: PathBuf,
    /// Shape of `/u`.
    pub shape: Vec<usize>,
    /// Parameter names.
    pub parameters: Vec<String>,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "imported {} trajectories × {} snapshots of {} values (/u {:?}; parameters {:?}) → {}",
            self.shape[0],
            self.shape[1],
            self.shape[2..].iter().product::<usize>(),
            self.shape,
            self.parameters,
            self.output.display()
        )
    }
}

/// The snapshots in the native order [n_traj, n_t, space…, n_fields], from `array` whose
/// axes are named `axes` (defaults: rank 2 `time, x`; rank 3 `trajectory, time, x`).
fn native_order(array: Array, axes: &[String]) -> Result<Array> {
    const KNOWN: [&str; 6] = ["trajectory", "time", "x", "y", "point", "field"];
    let rank = array.shape.len();
    let axes: Vec<String> = if axes.is_empty() {
        match rank {
            2 => vec!["time".into(), "x".into()],
            3 => vec!["trajectory".into(), "time".into(), "x".into()],
            _ => {
                return Err(invalid(
                    "snapshots.axes",
                    "not given",
                    format!(
                        "the names of the {rank} axes of shape {:?}, from {KNOWN:?}",
                        array.shape
                    ),
                ))
            }
        }
    } else {
        axes.to_vec()
    };
    let position = |name: &str| axes.iter().position(|a| a == name);
    let unknown = axes.iter().find(|a| !KNOWN.contains(&a.as_str()));
    let repeated = (1..axes.len()).any(|i| axes[..i].contains(&axes[i]));
    let spatial_ok = matches!(
        (position("x"), position("y"), position("point")),
        (Some(_), _, None) | (None, None, Some(_))
    );
    if axes.len() != rank
        || unknown.is_some()
        || repeated
        || position("time").is_none()
        || !spatial_ok
    {
        return Err(invalid(
            "snapshots.axes",
            format!("{axes:?} for shape {:?}", array.shape),
            format!(
                "one distinct name per axis from {KNOWN:?}, with `time` and either `x` (and \
                 `y`) or `point`"
            ),
        ));
    }
    let mut order: Vec<usize> = Vec::new();
    let mut shape: Vec<usize> = Vec::new();
    let mut data_shape = array.shape.clone();
    let mut data = array.data;
    // Missing trajectory / field axes become size 1 (appended to the input, then moved).
    for name in ["trajectory", "field"] {
        if position(name).is_none() {
            data_shape.push(1);
        }
    }
    let mut named = axes.clone();
    for name in ["trajectory", "field"] {
        if position(name).is_none() {
            named.push(name.into());
        }
    }
    for name in ["trajectory", "time", "x", "y", "point", "field"] {
        if let Some(p) = named.iter().position(|a| a == name) {
            order.push(p);
            shape.push(data_shape[p]);
        }
    }
    data = permute(&data, &data_shape, &order);
    Ok(Array { shape, data })
}

/// Imports the snapshots `spec` names into a native file (atomically: a temporary name,
/// then rename); refuses an existing output unless `force`, and an output that is one of
/// the inputs.
pub fn import(spec: &ImportSpec, force: bool) -> Result<ImportSummary> {
    let output = &spec.output;
    let inputs: Vec<&Path> = std::iter::once(spec.snapshots.file.as_path())
        .chain(spec.times.file.as_deref())
        .chain(
            [
                &spec.grid.x,
                &spec.grid.y,
                &spec.grid.points,
                &spec.grid.weights,
                &spec.inputs,
            ]
            .into_iter()
            .flatten()
            .map(|a| a.file.as_path()),
        )
        .chain(spec.parameters.values().filter_map(|v| match v {
            ValuesSpec::Array(a) => Some(a.file.as_path()),
            ValuesSpec::Values(_) => None,
        }))
        .collect();
    check_output(output, &inputs, force)?;
    let u = native_order(read_array(&spec.snapshots)?, &spec.snapshots.axes)?;
    let (n_traj, n_t) = (u.shape[0], u.shape[1]);
    let per = u.data.len() / (n_traj * n_t).max(1);
    if n_t < 2 {
        return Err(invalid(
            "snapshots",
            format!("{n_t} snapshot per trajectory"),
            "at least 2 snapshots per trajectory (a time axis of length >= 2)",
        ));
    }
    if let Some(i) = u.data.iter().position(|v| !v.is_finite()) {
        return Err(invalid(
            "snapshots",
            format!(
                "{} at trajectory {}, snapshot {}, value {}",
                u.data[i],
                i / (n_t * per),
                (i / per) % n_t,
                i % per
            ),
            "finite values (the data hold NaN or Inf)",
        ));
    }
    let times = import_times(&spec.times, n_t)?;
    let space: Vec<usize> = u.shape[2..u.shape.len() - 1].to_vec();
    let n_space: usize = space.iter().product();
    let vector = |name: &str, a: &ArraySource, len: usize| -> Result<Vec<f64>> {
        let array = read_array(a)?;
        if array.data.len() != len {
            return Err(invalid(
                name,
                format!("{} values (shape {:?})", array.data.len(), array.shape),
                format!("{len} values"),
            ));
        }
        Ok(array.data)
    };
    let is_grid = spec.snapshots.axes.iter().all(|a| a != "point");
    let x = match &spec.grid.x {
        Some(a) if is_grid => Some(vector("grid.x", a, space[0])?),
        Some(_) => return Err(invalid("grid.x", "given", "grid.points for a `point` axis")),
        None => None,
    };
    let y = match &spec.grid.y {
        Some(a) if is_grid && space.len() == 2 => Some(vector("grid.y", a, space[1])?),
        Some(_) => return Err(invalid("grid.y", "given", "a snapshots `y` axis")),
        None => None,
    };
    let points = match &spec.grid.points {
        Some(a) if !is_grid => {
            let array = read_array(a)?;
            if array.shape.first() != Some(&n_space) {
                return Err(invalid(
                    "grid.points",
                    format!("shape {:?}", array.shape),
                    format!("[{n_space}, d] (one row per point)"),
                ));
            }
            Some(array)
        }
        Some(_) => return Err(invalid("grid.points", "given", "a snapshots `point` axis")),
        None => None,
    };
    let weights = match &spec.grid.weights {
        Some(a) => {
            let w = vector("grid.weights", a, n_space)?;
            if let Some((i, v)) = w
                .iter()
                .enumerate()
                .find(|(_, v)| !(v.is_finite() && **v > 0.0))
            {
                return Err(invalid(
                    "grid.weights",
                    format!("weights[{i}] = {v}"),
                    "finite values > 0",
                ));
            }
            Some(w)
        }
        None => None,
    };
    let mut parameters = BTreeMap::new();
    for (name, values) in &spec.parameters {
        let v = match values {
            ValuesSpec::Values(v) => v.clone(),
            ValuesSpec::Array(a) => read_array(a)?.data,
        };
        if v.len() != n_traj || v.iter().any(|x| !x.is_finite()) {
            return Err(invalid(
                &format!("parameters.{name}"),
                format!("{} values", v.len()),
                format!("{n_traj} finite values (one per trajectory)"),
            ));
        }
        parameters.insert(name.clone(), v);
    }
    let inputs = match &spec.inputs {
        Some(a) => Some(import_inputs(a, n_traj, n_t)?),
        None => None,
    };
    let text = toml::to_string(spec).unwrap_or_default();
    write_imported(
        output,
        &u,
        &Extras {
            name: &spec.name,
            source: &spec.snapshots.file,
            spec_text: &text,
            times: &times,
            x: x.as_deref(),
            y: y.as_deref(),
            points: points.as_ref(),
            weights: weights.as_deref(),
            space: &space,
            parameters: &parameters,
            inputs: inputs.as_ref(),
        },
    )?;
    Ok(ImportSummary {
        output: output.clone(),
        shape: u.shape,
        parameters: parameters.keys().cloned().collect(),
    })
}

/// The times of `spec` for `n_t` snapshots: finite and strictly increasing.
fn import_times(spec: &TimesSpec, n_t: usize) -> Result<Vec<f64>> {
    let times = match (spec.array(), &spec.values, spec.dt) {
        (Some(a), None, None) => read_array(&a)?.data,
        (None, Some(v), None) => v.clone(),
        (None, None, Some(dt)) if dt.is_finite() && dt > 0.0 => {
            let t0 = spec.t0.unwrap_or(0.0);
            (0..n_t).map(|j| t0 + j as f64 * dt).collect()
        }
        (None, None, Some(dt)) => return Err(invalid("times.dt", dt, "a finite number > 0")),
        _ => {
            return Err(invalid(
                "times",
                "missing or ambiguous",
                "exactly one of an array (file, key), `values` or `dt` (with `t0`)",
            ))
        }
    };
    if times.len() != n_t {
        return Err(invalid(
            "times",
            format!("{} values", times.len()),
            format!("one per snapshot ({n_t}, the length of the time axis)"),
        ));
    }
    crate::rom::opinf::check_increasing(&times).map_err(|e| match e {
        crate::rom::RomError::Invalid {
            field,
            value,
            allowed,
        } => DataError::InvalidField {
            field,
            value,
            allowed,
        },
        other => invalid("times", other, "finite and strictly increasing"),
    })?;
    Ok(times)
}

/// Inputs [n_traj, n_t, n_inputs] from `source` (axes `trajectory`, `time`, `input`;
/// default `time, input` for rank 2 and `trajectory, time, input` for rank 3).
fn import_inputs(source: &ArraySource, n_traj: usize, n_t: usize) -> Result<Array> {
    let array = read_array(source)?;
    let axes: Vec<&str> = if source.axes.is_empty() {
        match array.shape.len() {
            2 => vec!["time", "input"],
            _ => vec!["trajectory", "time", "input"],
        }
    } else {
        source.axes.iter().map(String::as_str).collect()
    };
    let mut shape = array.shape.clone();
    let mut named = axes.clone();
    if !named.contains(&"trajectory") {
        named.push("trajectory");
        shape.push(1);
    }
    let order: Option<Vec<usize>> = ["trajectory", "time", "input"]
        .iter()
        .map(|a| named.iter().position(|n| n == a))
        .collect();
    let Some(order) = order.filter(|_| named.len() == shape.len() && named.len() == 3) else {
        return Err(invalid(
            "inputs.axes",
            format!("{axes:?} for shape {:?}", array.shape),
            "the names `time`, `input` and optionally `trajectory`, one per axis",
        ));
    };
    let out_shape: Vec<usize> = order.iter().map(|&a| shape[a]).collect();
    if out_shape[0] != n_traj || out_shape[1] != n_t || array.data.iter().any(|v| !v.is_finite()) {
        return Err(invalid(
            "inputs",
            format!("shape {out_shape:?} (trajectory, time, input)"),
            format!("[{n_traj}, {n_t}, n_inputs] of finite values (the snapshots' trajectories and times)"),
        ));
    }
    Ok(Array {
        data: permute(&array.data, &shape, &order),
        shape: out_shape,
    })
}

/// Everything written beside `/u`.
struct Extras<'a> {
    name: &'a str,
    source: &'a Path,
    spec_text: &'a str,
    times: &'a [f64],
    x: Option<&'a [f64]>,
    y: Option<&'a [f64]>,
    points: Option<&'a Array>,
    weights: Option<&'a [f64]>,
    space: &'a [usize],
    parameters: &'a BTreeMap<String, Vec<f64>>,
    inputs: Option<&'a Array>,
}

/// Writes the native file at `output` under a temporary name, then renames it.
fn write_imported(output: &Path, u: &Array, e: &Extras<'_>) -> Result<()> {
    let (n_traj, n_t) = (u.shape[0], u.shape[1]);
    let per = u.data.len() / (n_traj * n_t);
    write_hdf5_atomically(output, |f| {
        let mut chunk = u.shape.clone();
        chunk[0] = 1;
        let view = ndarray::ArrayViewD::from_shape(u.shape.clone(), &u.data)
            .map_err(|err| hdf5::Error::from(err.to_string()))?;
        f.new_dataset_builder()
            .chunk(chunk)
            .deflate(4)
            .with_data(&view)
            .create("u")?;
        f.new_dataset_builder().with_data(e.times).create("t")?;
        if let Some(x) = e.x {
            f.new_dataset_builder().with_data(x).create("x")?;
        }
        if let Some(y) = e.y {
            f.new_dataset_builder().with_data(y).create("y")?;
        }
        if let Some(p) = e.points {
            let view = ndarray::ArrayViewD::from_shape(p.shape.clone(), &p.data)
                .map_err(|err| hdf5::Error::from(err.to_string()))?;
            f.new_dataset_builder().with_data(&view).create("points")?;
        }
        if let Some(w) = e.weights {
            let view = ndarray::ArrayViewD::from_shape(e.space.to_vec(), w)
                .map_err(|err| hdf5::Error::from(err.to_string()))?;
            f.new_dataset_builder().with_data(&view).create("weights")?;
        }
        if let Some(inputs) = e.inputs {
            let view = ndarray::ArrayViewD::from_shape(inputs.shape.clone(), &inputs.data)
                .map_err(|err| hdf5::Error::from(err.to_string()))?;
            f.new_dataset_builder().with_data(&view).create("inputs")?;
        }
        let params = f.create_group("params")?;
        for (name, values) in e.parameters {
            params
                .new_dataset_builder()
                .with_data(values)
                .create(name.as_str())?;
        }
        f.new_dataset_builder()
            .with_data(&vec![0u64; n_traj])
            .create("seed")?;
        f.new_dataset_builder()
            .with_data(&vec![1u8; n_traj])
            .create("done")?;
        let health = f.create_group("health")?;
        let last = |t: usize| &u.data[((t + 1) * n_t - 1) * per..(t + 1) * n_t * per];
        let mean: Vec<f64> = (0..n_traj)
            .map(|t| last(t).iter().sum::<f64>() / per as f64)
            .collect();
        let energy: Vec<f64> = (0..n_traj)
            .map(|t| 0.5 * last(t).iter().map(|v| v * v).sum::<f64>() / per as f64)
            .collect();
        health
            .new_dataset_builder()
            .with_data(&mean)
            .create("mean")?;
        health
            .new_dataset_builder()
            .with_data(&energy)
            .create("energy")?;
        for name in ["max_cfl", "tail_ratio"] {
            health
                .new_dataset_builder()
                .with_data(&vec![f64::NAN; n_traj])
                .create(name)?;
        }
        health
            .new_dataset_builder()
            .with_data(&vec![0u8; n_traj])
            .create("status")?;
        for (name, value) in [
            ("origin", IMPORTED_ORIGIN),
            ("pde", e.name),
            ("equation", &format!("imported from {}", e.source.display())),
            ("integrator", "none (external data)"),
            ("dealias", "none"),
            ("import_spec", e.spec_text),
            ("galerkin_version", env!("CARGO_PKG_VERSION")),
        ] {
            write_string_attr(f, name, value)?;
        }
        f.new_attr::<i64>()
            .create("schema_version")?
            .write_scalar(&SCHEMA_VERSION)
    })
}
