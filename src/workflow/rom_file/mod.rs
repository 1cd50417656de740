//! ROM files (HDF5): everything a reduced model needs to run without the full model,
//! written atomically (temporary name, then rename).
//!
//! Every ROM file has the root attributes `format = "galerkin-rom"`, `schema_version`,
//! `rom_kind` (a [`RomKind`] name), `pde`, `recipe` and `galerkin_version`, and the datasets
//! `/grid_shape` and `/training_parameters/<name>`. The rest depends on the kind:
//! [`galerkin`] documents the Galerkin and hyper-reduced layout, [`lifted`] the lifted one.
//! [`StoredRom::load`] reads any kind; [`kind_of`] tells the kind without reading the rest.

pub mod galerkin;
pub mod lifted;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use faer::Mat;

pub use lifted::LiftedRomFile;

use crate::data::{read_string_attr, write_string_attr};
use crate::rom::{ReducedModel, ReducedOrderModel, RomError, RomKind};

/// Result of reading and writing ROM files.
pub type Result<T> = std::result::Result<T, RomError>;

/// The `format` attribute of ROM files.
pub const ROM_FORMAT: &str = "galerkin-rom";
/// Version of the ROM file layout.
pub const ROM_SCHEMA_VERSION: i64 = 1;

/// Any ROM a file can hold, read by [`StoredRom::load`].
#[derive(Debug, Clone)]
pub enum StoredRom {
    /// A Galerkin or hyper-reduced (DEIM / Q-DEIM / EIM) model.
    Projected(Box<ReducedModel>),
    /// A lifted energy-quadratized wave ROM.
    Lifted(Box<LiftedRomFile>),
}

impl StoredRom {
    /// Reads the ROM file `path`, whatever its kind.
    pub fn load(path: &Path) -> Result<Self> {
        Ok(match kind_of(path)? {
            RomKind::LiftedQuadratic => Self::Lifted(Box::new(LiftedRomFile::load(path)?)),
            _ => Self::Projected(Box::new(ReducedModel::load(path)?)),
        })
    }

    /// Writes the ROM to `path` atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        match self {
            Self::Projected(model) => model.save(path),
            Self::Lifted(file) => file.save(path),
        }
    }

    /// The model, through the one interface every ROM kind implements.
    pub fn model(&self) -> &dyn ReducedOrderModel {
        match self {
            Self::Projected(model) => model.as_ref(),
            Self::Lifted(file) => &file.rom,
        }
    }
}

/// The kind of the ROM file `path` (its `rom_kind` attribute), so a caller can pick the
/// loader; an error for a file that is not a ROM file or of a kind this version lacks.
pub fn kind_of(path: &Path) -> Result<RomKind> {
    let f = hdf5::File::open(path).map_err(file_error(path))?;
    kind_attribute(path, &f)
}

/// The checked `format`, `schema_version` and `rom_kind` of an open ROM file.
fn kind_attribute(path: &Path, f: &hdf5::File) -> Result<RomKind> {
    let bad = |reason: String| RomError::RomFile {
        path: path.to_path_buf(),
        reason,
    };
    if read_string_attr(f, "format").as_deref() != Some(ROM_FORMAT) {
        return Err(bad(format!(
            "not a ROM file (no `format = \"{ROM_FORMAT}\"` attribute; trajectory files go \
             to `galerkin reduce`)"
        )));
    }
    let version = f
        .attr("schema_version")
        .and_then(|a| a.read_scalar::<i64>())
        .map_err(file_error(path))?;
    if version > ROM_SCHEMA_VERSION {
        return Err(bad(format!(
            "schema version {version} is newer than this galerkin reads ({ROM_SCHEMA_VERSION})"
        )));
    }
    let name = read_string_attr(f, "rom_kind").unwrap_or_default();
    RomKind::from_name(&name).ok_or_else(|| {
        bad(format!(
            "unknown `rom_kind` = `{name}` (known: {})",
            RomKind::NAMES.join(", ")
        ))
    })
}

/// Maps an HDF5 error on `path` to [`RomError::RomFile`].
fn file_error(path: &Path) -> impl Fn(hdf5::Error) -> RomError + '_ {
    move |e| RomError::RomFile {
        path: path.to_path_buf(),
        reason: crate::data::describe_hdf5_error(&e),
    }
}

fn mat_rows(m: &Mat<f64>) -> Vec<f64> {
    (0..m.nrows() * m.ncols())
        .map(|k| m[(k / m.ncols(), k % m.ncols())])
        .collect()
}

/// Writes a 1-D f64 dataset.
fn write_vec(group: &hdf5::Group, name: &str, v: &[f64]) -> hdf5::Result<()> {
    group.new_dataset_builder().with_data(v).create(name)?;
    Ok(())
}

/// Writes a matrix as a row-major 2-D f64 dataset.
fn write_mat(group: &hdf5::Group, name: &str, m: &Mat<f64>) -> hdf5::Result<()> {
    let data = mat_rows(m);
    let view = ndarray::ArrayView2::from_shape((m.nrows(), m.ncols()), &data)
        .map_err(|e| hdf5::Error::from(e.to_string()))?;
    group.new_dataset_builder().with_data(view).create(name)?;
    Ok(())
}

/// Reads a row-major 2-D f64 dataset of `path` as a matrix.
fn read_mat(path: &Path, group: &hdf5::Group, name: &str) -> Result<Mat<f64>> {
    let d = group.dataset(name).map_err(file_error(path))?;
    let shape = d.shape();
    let data = d.read_raw::<f64>().map_err(file_error(path))?;
    if shape.len() != 2 {
        return Err(RomError::RomFile {
            path: path.to_path_buf(),
            reason: format!("`{name}` is not a matrix"),
        });
    }
    Ok(Mat::from_fn(shape[0], shape[1], |i, j| {
        data[i * shape[1] + j]
    }))
}

/// Creates the ROM file `path` under a temporary name, lets `write` fill it, and renames it
/// when complete: the root attributes every ROM file has (`format`, `rom_kind`, `pde`,
/// `recipe`, `galerkin_version`, `schema_version`), `/grid_shape` and
/// `/training_parameters` are written here.
fn save_atomically(
    path: &Path,
    (kind, pde, recipe): (RomKind, &str, &str),
    grid_shape: &[usize],
    training_parameters: &BTreeMap<String, Vec<f64>>,
    write: impl FnOnce(&hdf5::File) -> hdf5::Result<()>,
) -> Result<()> {
    let tmp = PathBuf::from(format!("{}.tmp", path.display()));
    let create = || -> hdf5::Result<()> {
        if let Some(parent) = tmp.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| hdf5::Error::from(e.to_string()))?;
        }
        let f = hdf5::File::create(&tmp)?;
        for (name, value) in [
            ("format", ROM_FORMAT),
            ("pde", pde),
            ("rom_kind", kind.name()),
            ("recipe", recipe),
            ("galerkin_version", env!("CARGO_PKG_VERSION")),
        ] {
            write_string_attr(&f, name, value)?;
        }
        f.new_attr::<i64>()
            .create("schema_version")?
            .write_scalar(&ROM_SCHEMA_VERSION)?;
        let shape: Vec<u64> = grid_shape.iter().map(|&s| s as u64).collect();
        f.new_dataset_builder()
            .with_data(&shape)
            .create("grid_shape")?;
        let params = f.create_group("training_parameters")?;
        for (name, values) in training_parameters {
            write_vec(&params, name, values)?;
        }
        write(&f)?;
        f.flush()
    };
    create().map_err(file_error(path))?;
    std::fs::rename(&tmp, path).map_err(|e| RomError::RomFile {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// `/grid_shape` and `/training_parameters` of an open ROM file.
#[allow(clippy::type_complexity)]
fn read_common(path: &Path, f: &hdf5::File) -> Result<(Vec<usize>, BTreeMap<String, Vec<f64>>)> {
    let h5 = file_error(path);
    let mut training_parameters = BTreeMap::new();
    if let Ok(g) = f.group("training_parameters") {
        for name in g.member_names().map_err(&h5)? {
            let v = g
                .dataset(&name)
                .and_then(|d| d.read_raw::<f64>())
                .map_err(&h5)?;
            training_parameters.insert(name, v);
        }
    }
    let grid_shape = f
        .dataset("grid_shape")
        .and_then(|d| d.read_raw::<u64>())
        .map_err(&h5)?
        .into_iter()
        .map(|s| s as usize)
        .collect();
    Ok((grid_shape, training_parameters))
}
