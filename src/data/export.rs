//! Exports of native trajectory files to the layouts other tools read.
//!
//! - **PDEBench 1-D** (`1D_*.hdf5` convention): `tensor` f32 [N, T, X] (x fastest),
//!   `x-coordinate` f32 [X], `t-coordinate` f32 [T + 1] and root attributes. PDEBench's own
//!   files carry one *more* time coordinate than snapshots (`arange(nt + 1)·dt_save`); its
//!   loaders ignore `t-coordinate` for 1-D, and we follow the same length convention so that
//!   strict readers built against PDEBench files accept ours. `x-coordinate` holds our grid
//!   nodes xᵢ = i·dx (PDEBench's are cell centres; ours are where the values live). For
//!   Burgers, PDEBench's root attribute `Nu` is ε with physical viscosity ε/π, so we write
//!   `Nu = π·ν` when ν is the same for every trajectory.
//! - **PDEBench 2-D** (per-sample groups, `.h5`): groups `0000`, `0001`, … each with `data`
//!   f32 [T, X, Y, 1] and `grid/{x, y, t}`. PDEBench's loader reads the grid from group
//!   `0023`, so it needs at least 24 samples.
//! - **The Well**: the schema of its `docs/data_format.md` — field groups by tensor order
//!   (`t0_fields/u` [N, T, X(, Y)]), `dimensions`, `boundary_conditions` (periodic, with
//!   masks), `scalars` for the simulation parameters, booleans as HDF5 enums over int8,
//!   string attributes as variable-length UTF-8, `sample_varying` / `time_varying` /
//!   `dim_varying` flags.

use std::path::Path;

use hdf5::types::VarLenUnicode;

use super::dataset::Dataset;
use super::error::{hdf5_error, invalid, Result};
use super::writer::{check_output, create_parent_dir, write_string_attr};

/// Target layout of [`export`] (`pdebench`, `the-well`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, strum::EnumString, strum::IntoStaticStr, strum::VariantNames,
)]
#[strum(serialize_all = "kebab-case")]
pub enum ExportFormat {
    /// PDEBench (1-D `tensor` layout or 2-D per-sample groups).
    #[strum(serialize = "pdebench")]
    PdeBench,
    /// The Well.
    TheWell,
}

/// How [`export`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportOptions {
    /// The target layout.
    pub format: ExportFormat,
    /// Replace an existing output file.
    pub force: bool,
    /// Export trajectories flagged as failed (NaN) too; refused by default, since every
    /// reader would train or compare on NaN.
    pub allow_non_finite: bool,
}

/// Writes `input` (native schema) in `opts.format` to `output` (atomically: a temporary
/// name, renamed when complete; its directory made if missing). Never onto `input`; onto
/// an existing file only with `force`; a file with failed (non-finite) trajectories only
/// with `allow_non_finite`. Returns warnings about how the target's own readers will take
/// the file (PDEBench's loaders expect `.hdf5` for 1-D, `.h5` and ≥ 24 samples for 2-D).
pub fn export(input: &Path, output: &Path, opts: &ExportOptions) -> Result<Vec<String>> {
    check_output(output, &[input], opts.force)?;
    let ds = Dataset::open(input)?;
    if ds.done()?.contains(&0) {
        return Err(invalid(
            "input",
            input.display(),
            "a complete trajectory file (this one has unfinished trajectories)",
        ));
    }
    if ds.fields() != 1 {
        return Err(invalid(
            "input",
            input.display(),
            "a single-field file (exports of the two-field wave files are not supported yet)",
        ));
    }
    let failed: Vec<usize> = match ds.health_status() {
        Ok(status) => (0..status.len()).filter(|&i| status[i] == 2).collect(),
        Err(_) => Vec::new(),
    };
    if !failed.is_empty() && !opts.allow_non_finite {
        return Err(invalid(
            "input",
            input.display(),
            &format!(
                "a file without failed trajectories: {} of {} blew up and hold NaN ({failed:?}); \
                 pass --allow-non-finite to export them anyway",
                failed.len(),
                ds.n_traj()
            ),
        ));
    }
    let warnings = reader_warnings(&ds, output, opts.format);
    let format = opts.format;
    create_parent_dir(output)?;
    let tmp = output.with_extension("export-partial");
    let result = match format {
        ExportFormat::PdeBench if ds.shape().len() == 4 => pdebench_1d(&ds, &tmp),
        ExportFormat::PdeBench => pdebench_2d(&ds, &tmp),
        ExportFormat::TheWell => the_well(&ds, &tmp),
    };
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, output).map_err(|source| super::error::DataError::Io {
        action: "rename the export to",
        path: output.to_path_buf(),
        source,
    })?;
    Ok(warnings)
}

/// What the target's own loaders will make of `output`: PDEBench's 1-D loaders glob
/// `*.hdf5`, its 2-D per-sample loader `*.h5` and reads the grid from sample `0023`.
fn reader_warnings(ds: &Dataset, output: &Path, format: ExportFormat) -> Vec<String> {
    let mut warnings = Vec::new();
    let extension = output.extension().and_then(|e| e.to_str()).unwrap_or("");
    if format == ExportFormat::PdeBench {
        let two_d = ds.shape().len() > 4;
        let expected = if two_d { "h5" } else { "hdf5" };
        if extension != expected {
            warnings.push(format!(
                "PDEBench's {} loaders look for `.{expected}` files; `{}` ends in `.{extension}`",
                if two_d { "2-D" } else { "1-D" },
                output.display()
            ));
        }
        if two_d && ds.n_traj() < 24 {
            warnings.push(format!(
                "PDEBench's 2-D loader reads the grid from sample `0023`: it needs at least 24 \
                 samples, this file has {}",
                ds.n_traj()
            ));
        }
    }
    warnings
}

/// All trajectories as f32 in native order [N, T, space…].
fn all_f32(ds: &Dataset) -> Result<Vec<f32>> {
    let mut out = Vec::with_capacity(ds.n_traj() * ds.shape()[1] * ds.snapshot_len());
    for i in 0..ds.n_traj() {
        out.extend(ds.trajectory(i)?.into_iter().map(|v| v as f32));
    }
    Ok(out)
}

fn f32s(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// Parameter values per trajectory, by name.
fn parameters(ds: &Dataset) -> Result<Vec<(String, Vec<f64>)>> {
    let mut out = Vec::new();
    for name in ds.parameter_names()? {
        out.push((name.clone(), ds.read_vec(&format!("params/{name}"))?));
    }
    Ok(out)
}

fn constant(values: &[f64]) -> Option<f64> {
    values
        .first()
        .copied()
        .filter(|v| values.iter().all(|w| w == v))
}

fn pdebench_1d(ds: &Dataset, path: &Path) -> Result<()> {
    let shape = ds.shape();
    let (n, nt, nx) = (shape[0], shape[1], shape[2]);
    let times = ds.times()?;
    let dt_save = if nt > 1 { times[1] - times[0] } else { 0.0 };
    let t_coord: Vec<f32> = (0..=nt)
        .map(|k| (times[0] + k as f64 * dt_save) as f32)
        .collect();
    let tensor = ndarray::Array3::from_shape_vec((n, nt, nx), all_f32(ds)?).expect("shape");
    let x = f32s(&ds.read_vec("x")?);
    let params = parameters(ds)?;
    let write = || -> hdf5::Result<()> {
        let f = hdf5::File::create(path)?;
        f.new_dataset_builder()
            .with_data(&tensor)
            .create("tensor")?;
        f.new_dataset_builder()
            .with_data(&x)
            .create("x-coordinate")?;
        f.new_dataset_builder()
            .with_data(&t_coord)
            .create("t-coordinate")?;
        for (name, values) in &params {
            if let Some(v) = constant(values) {
                if name == "viscosity" {
                    f.new_attr::<f64>()
                        .create("Nu")?
                        .write_scalar(&(std::f64::consts::PI * v))?;
                }
                f.new_attr::<f64>()
                    .create(name.as_str())?
                    .write_scalar(&v)?;
            } else {
                f.new_dataset_builder()
                    .with_data(values)
                    .create(name.as_str())?;
            }
        }
        write_string_attr(&f, "source", "galerkin export --format pdebench")?;
        write_root_provenance(&f, ds)?;
        f.flush()
    };
    write().map_err(hdf5_error(path))
}

/// The native file's `pde`, `equation` and `recipe` attributes, copied.
fn write_root_provenance(f: &hdf5::File, ds: &Dataset) -> hdf5::Result<()> {
    for key in ["pde", "equation", "recipe"] {
        write_string_attr(f, key, &ds.attribute(key).unwrap_or_default())?;
    }
    Ok(())
}

fn pdebench_2d(ds: &Dataset, path: &Path) -> Result<()> {
    let shape = ds.shape().to_vec();
    let (nt, nx, ny) = (shape[1], shape[2], shape[3]);
    let (x, y, t) = (ds.read_vec("x")?, ds.read_vec("y")?, ds.times()?);
    let write = || -> hdf5::Result<()> {
        let f = hdf5::File::create(path)?;
        for i in 0..ds.n_traj() {
            let g = f.create_group(&format!("{i:04}"))?;
            let data: Vec<f32> = ds
                .trajectory(i)
                .map_err(|e| hdf5::Error::from(e.to_string()))?
                .into_iter()
                .map(|v| v as f32)
                .collect();
            g.new_dataset_builder()
                .with_data(&ndarray::Array4::from_shape_vec((nt, nx, ny, 1), data).expect("shape"))
                .create("data")?;
            let grid = g.create_group("grid")?;
            grid.new_dataset_builder()
                .with_data(&f32s(&x))
                .create("x")?;
            grid.new_dataset_builder()
                .with_data(&f32s(&y))
                .create("y")?;
            grid.new_dataset_builder()
                .with_data(&f32s(&t))
                .create("t")?;
        }
        write_root_provenance(&f, ds)?;
        f.flush()
    };
    write().map_err(hdf5_error(path))
}

fn strings(items: &[&str]) -> Vec<VarLenUnicode> {
    items
        .iter()
        .map(|s| s.parse().expect("no NUL in names"))
        .collect()
}

fn flags(loc: &hdf5::Location, sample_varying: bool, time_varying: bool) -> hdf5::Result<()> {
    loc.new_attr::<bool>()
        .create("sample_varying")?
        .write_scalar(&sample_varying)?;
    loc.new_attr::<bool>()
        .create("time_varying")?
        .write_scalar(&time_varying)
}

fn the_well(ds: &Dataset, path: &Path) -> Result<()> {
    let shape = ds.shape().to_vec();
    let two_d = shape.len() == 5;
    let n = shape[0];
    let dims: Vec<&str> = if two_d { vec!["x", "y"] } else { vec!["x"] };
    let field = galerkin_solvers::pde_spec(&ds.attribute("pde").unwrap_or_default())
        .map_or("u", |spec| spec.field);
    let params = parameters(ds)?;
    let recipe_name = ds
        .attribute("recipe")
        .and_then(|r| r.parse::<toml::Table>().ok())
        .and_then(|t| t.get("name").and_then(|v| v.as_str()).map(str::to_string))
        .unwrap_or_else(|| "galerkin".into());
    let times = f32s(&ds.times()?);
    let coords = dims
        .iter()
        .map(|d| ds.read_vec(d).map(|v| f32s(&v)))
        .collect::<Result<Vec<_>>>()?;
    let data = all_f32(ds)?;
    let write = || -> hdf5::Result<()> {
        let f = hdf5::File::create(path)?;
        write_string_attr(&f, "dataset_name", &recipe_name)?;
        write_string_attr(&f, "grid_type", "cartesian")?;
        f.new_attr::<i64>()
            .create("n_spatial_dims")?
            .write_scalar(&(dims.len() as i64))?;
        f.new_attr::<i64>()
            .create("n_trajectories")?
            .write_scalar(&(n as i64))?;
        let names: Vec<&str> = params.iter().map(|(k, _)| k.as_str()).collect();
        f.new_attr_builder()
            .with_data(&strings(&names))
            .create("simulation_parameters")?;
        for (name, values) in &params {
            // A root attribute per parameter: its value if constant, else the mean.
            let v = constant(values).unwrap_or(values.iter().sum::<f64>() / values.len() as f64);
            f.new_attr::<f64>()
                .create(name.as_str())?
                .write_scalar(&v)?;
        }
        // dimensions
        let dg = f.create_group("dimensions")?;
        dg.new_attr_builder()
            .with_data(&strings(&dims))
            .create("spatial_dims")?;
        let time = dg.new_dataset_builder().with_data(&times).create("time")?;
        flags(&time, false, true)?;
        for (d, coord) in dims.iter().zip(&coords) {
            let c = dg.new_dataset_builder().with_data(coord).create(*d)?;
            flags(&c, false, false)?;
        }
        // boundary conditions: periodic on every axis
        let bg = f.create_group("boundary_conditions")?;
        for (axis, d) in dims.iter().enumerate() {
            let g = bg.create_group(&format!("{d}_periodic"))?;
            write_string_attr(&g, "bc_type", "PERIODIC")?;
            g.new_attr_builder()
                .with_data(&strings(&[d]))
                .create("associated_dims")?;
            g.new_attr_builder()
                .with_data(&strings(&[]))
                .create("associated_fields")?;
            flags(&g, false, false)?;
            let len = shape[2 + axis];
            let mask: Vec<bool> = (0..len).map(|i| i == 0 || i + 1 == len).collect();
            g.new_dataset_builder().with_data(&mask).create("mask")?;
        }
        // scalars
        let sg = f.create_group("scalars")?;
        sg.new_attr_builder()
            .with_data(&strings(&names))
            .create("field_names")?;
        for (name, values) in &params {
            match constant(values) {
                Some(v) => {
                    let s = sg.new_dataset::<f32>().create(name.as_str())?;
                    s.write_scalar(&(v as f32))?;
                    flags(&s, false, false)?;
                }
                None => {
                    let s = sg
                        .new_dataset_builder()
                        .with_data(&f32s(values))
                        .create(name.as_str())?;
                    flags(&s, true, false)?;
                }
            }
        }
        // fields
        let t0 = f.create_group("t0_fields")?;
        t0.new_attr_builder()
            .with_data(&strings(&[field]))
            .create("field_names")?;
        let u = if two_d {
            t0.new_dataset_builder()
                .with_data(
                    &ndarray::Array4::from_shape_vec((n, shape[1], shape[2], shape[3]), data)
                        .expect("shape"),
                )
                .create(field)?
        } else {
            t0.new_dataset_builder()
                .with_data(
                    &ndarray::Array3::from_shape_vec((n, shape[1], shape[2]), data).expect("shape"),
                )
                .create(field)?
        };
        u.new_attr_builder()
            .with_data(&vec![true; dims.len()])
            .create("dim_varying")?;
        flags(&u, true, true)?;
        for group in ["t1_fields", "t2_fields"] {
            f.create_group(group)?
                .new_attr_builder()
                .with_data(&strings(&[]))
                .create("field_names")?;
        }
        write_string_attr(
            &f,
            "galerkin_recipe",
            &ds.attribute("recipe").unwrap_or_default(),
        )?;
        f.flush()
    };
    write().map_err(hdf5_error(path))
}
