//! Reading trajectory files lazily: one trajectory or one block of snapshots at a time.

use std::path::{Path, PathBuf};

use super::error::{hdf5_error, DataError, Result};
use super::writer::read_string_attr;

/// Checks what every reader relies on, so that a damaged or hand-edited file is refused
/// on open with what is wrong instead of giving a wrong answer later: a known
/// `schema_version`, a `pde` attribute, `/t` with one time per save, `/x` (`/y`) with one
/// coordinate per grid point along the axis, and one entry per trajectory in `/done` and
/// every `/params/*`.
fn check_structure(file: &hdf5::File, shape: &[usize]) -> std::result::Result<(), String> {
    let version = file
        .attr("schema_version")
        .and_then(|a| a.read_scalar::<i64>())
        .map_err(|_| "no integer `schema_version` attribute".to_string())?;
    if !(1..=super::SCHEMA_VERSION).contains(&version) {
        return Err(format!(
            "schema_version {version} is not one this galerkin reads (1 to {}); a newer \
             galerkin wrote it?",
            super::SCHEMA_VERSION
        ));
    }
    if read_string_attr(file, "pde").is_none() {
        return Err("no `pde` attribute".into());
    }
    let length = |name: &str| file.dataset(name).ok().map(|d| d.shape());
    let expect = |name: &str, len: usize, what: &str| -> std::result::Result<(), String> {
        match length(name) {
            Some(s) if s.len() == 1 && s[0] == len => Ok(()),
            Some(s) => Err(format!(
                "/{name} has shape {s:?} but /u {shape:?} has {len} {what}"
            )),
            None => Err(format!("no /{name} dataset ({len} {what} expected)")),
        }
    };
    expect("t", shape[1], "saves")?;
    if length("x").is_some() {
        expect("x", shape[2], "points along x")?;
    }
    if length("y").is_some() {
        if shape.len() < 5 {
            return Err(format!("/y is present but /u {shape:?} is not 2-D"));
        }
        expect("y", shape[3], "points along y")?;
    }
    if length("done").is_some() {
        expect("done", shape[0], "trajectories")?;
    }
    if let Ok(params) = file.group("params") {
        for name in params.member_names().unwrap_or_default() {
            expect(&format!("params/{name}"), shape[0], "trajectories")?;
        }
    }
    Ok(())
}

/// An open trajectory file. Nothing but metadata is read until asked.
pub struct Dataset {
    file: hdf5::File,
    path: PathBuf,
    shape: Vec<usize>,
}

impl Dataset {
    /// Opens `path` and checks it has the native schema.
    pub fn open(path: &Path) -> Result<Self> {
        let file = hdf5::File::open(path).map_err(hdf5_error(path))?;
        let not_ours = |reason: &str| DataError::NotATrajectoryFile {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let u = file.dataset("u").map_err(|_| not_ours("no /u dataset"))?;
        let shape = u.shape();
        if shape.len() < 4 {
            return Err(not_ours("/u must be [n_traj, n_t, space…, n_fields]"));
        }
        if read_string_attr(&file, "recipe").is_none()
            && read_string_attr(&file, "origin").as_deref() != Some(super::IMPORTED_ORIGIN)
        {
            return Err(not_ours(
                "no `recipe` attribute (nor `origin = \"imported\"` of `galerkin import`)",
            ));
        }
        check_structure(&file, &shape).map_err(|reason| not_ours(&reason))?;
        Ok(Self {
            file,
            path: path.to_path_buf(),
            shape,
        })
    }

    /// Number of trajectories.
    pub fn n_traj(&self) -> usize {
        self.shape[0]
    }

    /// Shape of `/u`: [n_traj, n_t, space…, n_fields].
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Values per snapshot (space × fields).
    pub fn snapshot_len(&self) -> usize {
        self.shape[2..].iter().product()
    }

    /// Save times.
    pub fn times(&self) -> Result<Vec<f64>> {
        self.read_vec("t")
    }

    /// A 1-D dataset of the file as f64.
    pub fn read_vec(&self, name: &str) -> Result<Vec<f64>> {
        self.file
            .dataset(name)
            .and_then(|d| d.read_raw::<f64>())
            .map_err(hdf5_error(&self.path))
    }

    /// Snapshots `times` of trajectory `index`, as f64, each of [`Dataset::snapshot_len`]
    /// values (x first).
    pub fn snapshots(&self, index: usize, times: std::ops::Range<usize>) -> Result<Vec<f64>> {
        if index >= self.n_traj() || times.end > self.shape[1] || times.start > times.end {
            return Err(DataError::InvalidField {
                field: "trajectory / time range".into(),
                value: format!("{index} / {times:?}"),
                allowed: format!(
                    "index < {}, times within 0..{}",
                    self.n_traj(),
                    self.shape[1]
                ),
            });
        }
        let u = self.file.dataset("u").map_err(hdf5_error(&self.path))?;
        let mut sel: Vec<hdf5::SliceOrIndex> = vec![index.into(), (times.start..times.end).into()];
        sel.extend(std::iter::repeat_n(
            hdf5::SliceOrIndex::from(..),
            self.shape.len() - 2,
        ));
        let block = u
            .read_slice::<f64, _, ndarray::IxDyn>(hdf5::Hyperslab::from(sel))
            .map_err(hdf5_error(&self.path))?;
        // The hyperslab arrives in standard (row-major) layout: take its buffer as it is
        // rather than copying it (a trajectory read then peaks at one trajectory's bytes).
        if !block.is_standard_layout() {
            return Ok(block.iter().copied().collect());
        }
        let len = block.len();
        let (values, offset) = block.into_raw_vec_and_offset();
        let offset = offset.unwrap_or(0);
        Ok(if offset == 0 && values.len() == len {
            values
        } else {
            values[offset..offset + len].to_vec()
        })
    }

    /// Like [`Dataset::snapshots`], in the solvers' layout: per snapshot, field after
    /// field, each \[y\]\[x\] with x fastest (what full-order models and reduced bases use).
    pub fn solver_snapshots(
        &self,
        index: usize,
        times: std::ops::Range<usize>,
    ) -> Result<Vec<f64>> {
        let file_order = self.snapshots(index, times)?;
        let fields = self.fields();
        let (nx, ny) = if self.shape.len() >= 5 {
            (self.shape[2], self.shape[3])
        } else {
            (self.shape[2], 1)
        };
        if ny == 1 && fields == 1 {
            return Ok(file_order);
        }
        let per = nx * ny * fields;
        let mut out = vec![0.0; file_order.len()];
        for (src, dst) in file_order.chunks_exact(per).zip(out.chunks_exact_mut(per)) {
            for i in 0..nx {
                for j in 0..ny {
                    for f in 0..fields {
                        dst[f * nx * ny + j * nx + i] = src[(i * ny + j) * fields + f];
                    }
                }
            }
        }
        Ok(out)
    }

    /// Fields per point (the last axis of `/u`): 1, or 2 (q, p) for waves.
    pub fn fields(&self) -> usize {
        self.shape[self.shape.len() - 1]
    }

    /// Whether the file was imported from external snapshots (`galerkin import`): it has
    /// no recipe and no full model.
    pub fn is_imported(&self) -> bool {
        self.attribute("origin").as_deref() == Some(super::IMPORTED_ORIGIN)
    }

    /// The recipe the file was made from (its `recipe` attribute); an error that says so
    /// for an imported file.
    pub fn recipe(&self) -> Result<super::Recipe> {
        if self.is_imported() {
            return Err(DataError::NoFullModel {
                path: self.path.clone(),
                needed: "rebuild".into(),
            });
        }
        let text = self.attribute("recipe").unwrap_or_default();
        super::Recipe::parse(&text, &self.path.display().to_string(), &[])
    }

    /// The parameter values of trajectory `index` (`/params/*`).
    pub fn parameters(&self, index: usize) -> Result<std::collections::BTreeMap<String, f64>> {
        let mut out = std::collections::BTreeMap::new();
        for name in self.parameter_names()? {
            let values = self.read_vec(&format!("params/{name}"))?;
            if let Some(v) = values.get(index) {
                out.insert(name, *v);
            }
        }
        Ok(out)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole trajectory `index`.
    pub fn trajectory(&self, index: usize) -> Result<Vec<f64>> {
        self.snapshots(index, 0..self.shape[1])
    }

    /// The inputs u(t) of trajectory `index` at the saves `times` (`/inputs` [n_traj, n_t,
    /// m] of an imported forced system), as m rows of `times.len()` values each; `None` for
    /// a file without inputs.
    pub fn inputs(
        &self,
        index: usize,
        times: std::ops::Range<usize>,
    ) -> Result<Option<Vec<Vec<f64>>>> {
        let Ok(d) = self.file.dataset("inputs") else {
            return Ok(None);
        };
        let shape = d.shape();
        if shape.len() != 3 || index >= shape[0] || times.end > shape[1] {
            return Err(DataError::InvalidField {
                field: "inputs".into(),
                value: format!("shape {shape:?} for trajectory {index}, saves {times:?}"),
                allowed: format!("[{}, {}, m]", self.n_traj(), self.shape[1]),
            });
        }
        let all = d.read_raw::<f64>().map_err(hdf5_error(&self.path))?;
        let m = shape[2];
        let at = |t: usize, i: usize| all[(index * shape[1] + t) * m + i];
        Ok(Some(
            (0..m)
                .map(|i| times.clone().map(|t| at(t, i)).collect())
                .collect(),
        ))
    }

    /// Names of the stored parameters (`/params/*`).
    pub fn parameter_names(&self) -> Result<Vec<String>> {
        let group = self.file.group("params").map_err(hdf5_error(&self.path))?;
        let mut names = group.member_names().map_err(hdf5_error(&self.path))?;
        names.sort();
        Ok(names)
    }

    /// Root string attribute.
    pub fn attribute(&self, name: &str) -> Option<String> {
        read_string_attr(&self.file, name)
    }

    /// Which trajectories are complete.
    pub fn done(&self) -> Result<Vec<u8>> {
        self.file
            .dataset("done")
            .and_then(|d| d.read_raw::<u8>())
            .map_err(hdf5_error(&self.path))
    }

    /// The health status of every trajectory (`/health/status`): 0 healthy, 1
    /// under-resolved, 2 failed (blow-up or CFL stop); the measures beside it are f64
    /// vectors `health/{mean, energy, max_cfl, tail_ratio}` ([`Dataset::read_vec`]).
    pub fn health_status(&self) -> Result<Vec<u8>> {
        self.file
            .dataset("health/status")
            .and_then(|d| d.read_raw::<u8>())
            .map_err(hdf5_error(&self.path))
    }

    /// A human-readable summary: schema, recipe, health (`galerkin info`).
    pub fn summary(&self) -> Result<String> {
        use std::fmt::Write;
        let mut s = String::new();
        let attr = |n: &str| self.attribute(n).unwrap_or_else(|| "?".into());
        let _ = writeln!(s, "file      {}", self.path.display());
        let _ = writeln!(s, "pde       {}: {}", attr("pde"), attr("equation"));
        let _ = writeln!(
            s,
            "scheme    {} (dealias {})",
            attr("integrator"),
            attr("dealias")
        );
        let precision = match self.file.dataset("u").and_then(|u| u.dtype()) {
            Ok(t) if t.size() == 4 => "f32",
            Ok(t) if t.size() == 8 => "f64",
            _ => "?",
        };
        let _ = writeln!(
            s,
            "/u        {:?} = [n_traj, n_t, space (x first), n_fields], stored as {precision} \
             (recipe `precision`, default f32; the solvers compute in f64)",
            self.shape
        );
        let times = self.times()?;
        let _ = writeln!(
            s,
            "time      {} saves, t = {} … {}",
            times.len(),
            times.first().copied().unwrap_or(0.0),
            times.last().copied().unwrap_or(0.0)
        );
        let done = self.done()?;
        let n_done = done.iter().filter(|&&d| d == 1).count();
        let _ = writeln!(s, "complete  {n_done}/{} trajectories", done.len());
        let status = self.health_status()?;
        let energy = self.read_vec("health/energy")?;
        let finite: Vec<f64> = energy.iter().copied().filter(|e| e.is_finite()).collect();
        let mean_energy = finite.iter().sum::<f64>() / finite.len().max(1) as f64;
        let flagged: Vec<usize> = (0..status.len()).filter(|&i| status[i] != 0).collect();
        let _ = writeln!(
            s,
            "health    mean final energy {mean_energy:.4e}; flagged: {}",
            if flagged.is_empty() {
                "none".to_string()
            } else {
                format!("{flagged:?}")
            }
        );
        // Over the whole run: the largest CFL number and spectral tail ratio at any save
        // (files written before `max_tail_ratio` existed have the final state's only).
        let largest = |name: &str| -> Option<f64> {
            let values = self.read_vec(name).ok()?;
            values
                .into_iter()
                .filter(|v| v.is_finite())
                .reduce(f64::max)
        };
        let shown = |v: Option<f64>, precision: usize| {
            v.map_or("n/a".to_string(), |v| format!("{v:.precision$e}"))
        };
        let _ = writeln!(
            s,
            "          over all saves: max CFL {}, max spectral tail ratio {} (limit {:e})",
            shown(largest("health/max_cfl"), 3),
            shown(
                largest("health/max_tail_ratio").or_else(|| largest("health/tail_ratio")),
                2
            ),
            super::TAIL_RATIO_LIMIT
        );
        let _ = writeln!(s, "recipe:\n{}", attr("recipe"));
        Ok(s)
    }
}
