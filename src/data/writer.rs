//! The native trajectory file, written atomically and resumably.
//!
//! Layout: `/u` [n_traj, n_t, nx(, ny), 1] (f32 or f64, one chunk per trajectory, deflate),
//! `/t` [n_t], `/x` [nx] (`/y` [ny]), `/params/<name>` [n_traj], `/seed` [n_traj],
//! `/done` [n_traj] (u8, the resume marker), `/health/{mean, energy, max_cfl, tail_ratio,
//! max_tail_ratio, status}` [n_traj] (CFL and `max_tail_ratio` over the run's saves); root attributes `pde`, `equation`, `integrator`, `dt_internal`,
//! `save_every`, `dealias`, `schema_version`, `galerkin_version`, `recipe`. Space is stored
//! x first (then y), as PDEBench and The Well do.
//!
//! Everything is written to `<output>.partial`; after every trajectory the file is
//! flushed and its `/done` entry set, and only a complete file is renamed to `<output>`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hdf5::types::VarLenUnicode;
use ndarray::ArrayView;

use super::error::{hdf5_error, DataError, Result};
use super::health::Health;
use super::recipe::{Precision, Recipe};

/// Version of the native schema written by this code.
pub const SCHEMA_VERSION: i64 = 1;

/// The temporary name a file is written under until complete.
pub fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Shape of what is stored per trajectory.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Number of trajectories.
    pub n_traj: usize,
    /// Saved times.
    pub times: Vec<f64>,
    /// Stored x coordinates.
    pub x: Vec<f64>,
    /// Stored y coordinates (empty in 1-D).
    pub y: Vec<f64>,
    /// Parameter names.
    pub parameters: Vec<String>,
    /// Fields per point (1; 2 for waves: q and p).
    pub fields: usize,
}

impl Layout {
    /// Stored spatial shape, x first.
    pub fn space(&self) -> Vec<usize> {
        if self.y.is_empty() {
            vec![self.x.len()]
        } else {
            vec![self.x.len(), self.y.len()]
        }
    }
}

/// An open `<output>.partial` being filled.
pub struct TrajectoryWriter {
    file: hdf5::File,
    partial: PathBuf,
    output: PathBuf,
    layout: Layout,
    precision: Precision,
    done: Vec<u8>,
}

/// Root metadata of a file.
#[derive(Debug, Clone)]
pub struct FileMetadata {
    /// PDE name.
    pub pde: String,
    /// Equation text.
    pub equation: String,
    /// Integrator name.
    pub integrator: String,
    /// Internal time step.
    pub dt: f64,
    /// Steps between saves.
    pub save_every: usize,
    /// Dealiasing name.
    pub dealias: String,
}

impl TrajectoryWriter {
    /// Opens `<output>.partial` to resume it when it was written by the same recipe text,
    /// or creates it. A partial file of a different recipe is refused, never overwritten.
    pub fn create_or_resume(recipe: &Recipe, layout: Layout, meta: &FileMetadata) -> Result<Self> {
        let output = recipe.output.clone();
        let partial = partial_path(&output);
        let text = recipe.canonical_text();
        if partial.exists() {
            let file = hdf5::File::open_rw(&partial).map_err(hdf5_error(&partial))?;
            let stored = read_string_attr(&file, "recipe").unwrap_or_default();
            if stored != text {
                return Err(DataError::RecipeMismatch { path: partial });
            }
            let done = file
                .dataset("done")
                .and_then(|d| d.read_raw::<u8>())
                .map_err(hdf5_error(&partial))?;
            return Ok(Self {
                file,
                partial,
                output,
                layout,
                precision: recipe.precision,
                done,
            });
        }
        create_parent_dir(&output)?;
        let file = hdf5::File::create(&partial).map_err(hdf5_error(&partial))?;
        let writer = Self {
            file,
            partial,
            output,
            done: vec![0; layout.n_traj],
            layout,
            precision: recipe.precision,
        };
        writer
            .create_datasets(&text, meta)
            .map_err(hdf5_error(&writer.partial))?;
        Ok(writer)
    }

    fn create_datasets(&self, recipe_text: &str, meta: &FileMetadata) -> hdf5::Result<()> {
        let f = &self.file;
        let l = &self.layout;
        let n_t = l.times.len();
        let mut shape = vec![l.n_traj, n_t];
        shape.extend(l.space());
        shape.push(l.fields);
        let mut chunk = shape.clone();
        chunk[0] = 1;
        match self.precision {
            Precision::F32 => f
                .new_dataset::<f32>()
                .shape(shape.clone())
                .chunk(chunk.clone())
                .deflate(4)
                .create("u")?,
            Precision::F64 => f
                .new_dataset::<f64>()
                .shape(shape)
                .chunk(chunk)
                .deflate(4)
                .create("u")?,
        };
        f.new_dataset_builder().with_data(&l.times).create("t")?;
        f.new_dataset_builder().with_data(&l.x).create("x")?;
        if !l.y.is_empty() {
            f.new_dataset_builder().with_data(&l.y).create("y")?;
        }
        let params = f.create_group("params")?;
        for name in &l.parameters {
            params
                .new_dataset::<f64>()
                .shape(l.n_traj)
                .create(name.as_str())?;
        }
        f.new_dataset::<u64>().shape(l.n_traj).create("seed")?;
        f.new_dataset_builder()
            .with_data(&self.done)
            .create("done")?;
        let health = f.create_group("health")?;
        for name in ["mean", "energy", "max_cfl", "tail_ratio", "max_tail_ratio"] {
            health.new_dataset::<f64>().shape(l.n_traj).create(name)?;
        }
        health
            .new_dataset::<u8>()
            .shape(l.n_traj)
            .create("status")?;
        for (name, value) in [
            ("pde", meta.pde.as_str()),
            ("equation", meta.equation.as_str()),
            ("integrator", meta.integrator.as_str()),
            ("dealias", meta.dealias.as_str()),
            ("galerkin_version", env!("CARGO_PKG_VERSION")),
            ("recipe", recipe_text),
        ] {
            write_string_attr(f, name, value)?;
        }
        f.new_attr::<f64>()
            .create("dt_internal")?
            .write_scalar(&meta.dt)?;
        f.new_attr::<i64>()
            .create("save_every")?
            .write_scalar(&(meta.save_every as i64))?;
        f.new_attr::<i64>()
            .create("schema_version")?
            .write_scalar(&SCHEMA_VERSION)?;
        f.flush()
    }

    /// Which trajectories are already stored.
    pub fn done(&self) -> &[u8] {
        &self.done
    }

    /// Stores trajectory `index`: `data` is [n_t][space][fields] with space x first
    /// (already subsampled), then marks it done and flushes the file to disk.
    pub fn write(
        &mut self,
        index: usize,
        data: &[f64],
        params: &BTreeMap<String, f64>,
        seed: u64,
        health: &Health,
    ) -> Result<()> {
        self.write_inner(index, data, params, seed, health)
            .map_err(hdf5_error(&self.partial))?;
        self.done[index] = 1;
        Ok(())
    }

    fn write_inner(
        &self,
        index: usize,
        data: &[f64],
        params: &BTreeMap<String, f64>,
        seed: u64,
        health: &Health,
    ) -> hdf5::Result<()> {
        let f = &self.file;
        let mut shape = vec![1, self.layout.times.len()];
        shape.extend(self.layout.space());
        shape.push(self.layout.fields);
        let u = f.dataset("u")?;
        let mut slices: Vec<hdf5::SliceOrIndex> = vec![(index..index + 1).into()];
        slices.extend(std::iter::repeat_n(
            hdf5::SliceOrIndex::from(..),
            shape.len() - 1,
        ));
        let sel = hdf5::Hyperslab::from(slices);
        let shape = ndarray::IxDyn(&shape);
        match self.precision {
            Precision::F32 => {
                let narrow: Vec<f32> = data.iter().map(|&v| v as f32).collect();
                u.write_slice(ArrayView::from_shape(shape, &narrow).expect("layout"), sel)?
            }
            Precision::F64 => {
                u.write_slice(ArrayView::from_shape(shape, data).expect("layout"), sel)?
            }
        }
        for (name, value) in params {
            f.dataset(&format!("params/{name}"))?
                .write_slice(&[*value], index..index + 1)?;
        }
        f.dataset("seed")?.write_slice(&[seed], index..index + 1)?;
        for (name, value) in [
            ("mean", health.mean),
            ("energy", health.energy),
            ("max_cfl", health.max_cfl),
            ("tail_ratio", health.tail_ratio),
            ("max_tail_ratio", health.max_tail_ratio),
        ] {
            f.dataset(&format!("health/{name}"))?
                .write_slice(&[value], index..index + 1)?;
        }
        f.dataset("health/status")?
            .write_slice(&[health.status], index..index + 1)?;
        f.flush()?;
        f.dataset("done")?.write_slice(&[1u8], index..index + 1)?;
        f.flush()
    }

    /// Closes the file and renames it to its final name (only if every trajectory is done);
    /// returns that name and every trajectory's health status (read through the open
    /// handle: opening the file again could meet a lock that a child process of the caller
    /// inherited).
    pub fn finish(self) -> Result<(PathBuf, Vec<u8>)> {
        if let Some(missing) = self.done.iter().position(|&d| d == 0) {
            return Err(DataError::NotATrajectoryFile {
                path: self.partial.clone(),
                reason: format!("trajectory {missing} is missing; the file stays partial"),
            });
        }
        let (partial, output) = (self.partial.clone(), self.output.clone());
        let status = self
            .file
            .dataset("health/status")
            .and_then(|d| d.read_raw::<u8>())
            .map_err(hdf5_error(&partial))?;
        self.file.flush().map_err(hdf5_error(&partial))?;
        drop(self.file);
        std::fs::rename(&partial, &output).map_err(|source| DataError::Io {
            action: "rename the finished file to",
            path: output.clone(),
            source,
        })?;
        Ok((output, status))
    }
}

/// Checks that a command may write `output`: never onto one of its `inputs` (the same file
/// by any path, even with `force`), and onto an existing file only with `force`.
pub fn check_output(output: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    if !output.exists() {
        return Ok(());
    }
    let same = |input: &&&Path| {
        matches!(
            (std::fs::canonicalize(output), std::fs::canonicalize(input)),
            (Ok(a), Ok(b)) if a == b
        )
    };
    if let Some(input) = inputs.iter().find(same) {
        return Err(DataError::InvalidField {
            field: "output".into(),
            value: output.display().to_string(),
            allowed: format!(
                "a path other than the input `{}` (an input is never overwritten, even with \
                 --force)",
                input.display()
            ),
        });
    }
    if !force {
        return Err(DataError::InvalidField {
            field: "output".into(),
            value: output.display().to_string(),
            allowed: "a path that does not exist yet (pass --force to overwrite it)".into(),
        });
    }
    Ok(())
}

/// Writes `text` to `path` under the name `<path>.tmp`, then renames it: a reader (or an
/// interrupted run) never sees half a file.
pub fn write_text_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Creates the directory `output` goes into, if it has one and it is missing.
pub(crate) fn create_parent_dir(output: &Path) -> Result<()> {
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| DataError::Io {
            action: "create output directory",
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(())
}

/// Creates the HDF5 file `path` under the name `<path>.tmp` (its directory made if
/// missing), lets `write` fill it and renames it when complete: a reader never sees a
/// partial file.
pub(crate) fn write_hdf5_atomically(
    path: &Path,
    write: impl FnOnce(&hdf5::File) -> hdf5::Result<()>,
) -> Result<()> {
    create_parent_dir(path)?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let fill = || -> hdf5::Result<()> {
        let f = hdf5::File::create(&tmp)?;
        write(&f)?;
        f.flush()
    };
    fill().map_err(hdf5_error(path))?;
    std::fs::rename(&tmp, path).map_err(|source| DataError::Io {
        action: "rename the finished file to",
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a variable-length UTF-8 string attribute.
pub fn write_string_attr(loc: &hdf5::Location, name: &str, value: &str) -> hdf5::Result<()> {
    let v: VarLenUnicode = value
        .parse()
        .map_err(|e| hdf5::Error::from(format!("{e}")))?;
    loc.new_attr::<VarLenUnicode>()
        .create(name)?
        .write_scalar(&v)
}

/// Reads a string attribute.
pub fn read_string_attr(loc: &hdf5::Location, name: &str) -> Option<String> {
    loc.attr(name)
        .and_then(|a| a.read_scalar::<VarLenUnicode>())
        .ok()
        .map(|s| s.as_str().to_string())
}
