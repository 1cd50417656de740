//! ROM files (HDF5): everything a reduced model needs to run without the full model.
//!
//! Root attributes `format = "galerkin-rom"`, `schema_version`, `pde`, `rom_kind`,
//! `recipe`, `galerkin_version`; datasets `/grid_shape`, `/basis` `[r][n]` (one mode per
//! row), `/weights` `[n]` (diagonal inner product, if any), `/mean` `[n]` (if centred),
//! `/singular_values`, `/linear/{fixed [r][r], constant [r]}`,
//! `/linear/terms/<q>/{matrix [r][r], offset [r]}` with attributes `parameter`,
//! `coefficient`; then `/quadratic/h` `[r·r(r+1)/2]` or `/hyper/{points, map,
//! factor_rows/<j>, factor_offsets/<j>, flux_basis [m][n], sample}` with attributes `flux`,
//! `selection`; `/learned` for models learned from data (attributes `lambda`,
//! `quadratic_ratio`, `training_error`, `derivative_order`, `regularized_toward`; datasets
//! `scores`, `eigenvalues`, `eigenvalue_spread`);
//! `/training_parameters/<name>`. Written to a temporary name and renamed.

use std::path::Path;

use faer::Mat;
use std::sync::Arc;

use galerkin_solvers::{builtin_flux, PointwiseFlux};

use super::{file_error, read_common, read_mat, save_atomically, write_mat, write_vec, RomKind};
use crate::basis::{Basis, InnerProduct};
use crate::data::{read_string_attr, write_string_attr};
use crate::rom::opinf::RegularizationScore;
use crate::rom::{
    HyperReduction, Learned, LinearPart, Nonlinear, ProjectedTerm, ReducedModel, RomError,
};

use super::Result;

impl ReducedModel {
    /// Writes the model to `path` atomically (temporary file, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        save_atomically(
            path,
            (self.kind(), &self.pde, &self.recipe),
            &self.grid_shape,
            &self.training_parameters,
            |f| self.write_to(f),
        )
    }

    fn write_to(&self, f: &hdf5::File) -> hdf5::Result<()> {
        write_mat(f, "basis", &self.basis.vectors().transpose().to_owned())?;
        if let InnerProduct::Diagonal(w) = self.basis.inner_product() {
            write_vec(f, "weights", w)?;
        }
        if let Some(mean) = &self.mean {
            write_vec(f, "mean", mean)?;
        }
        write_vec(f, "singular_values", &self.singular_values)?;
        let linear = f.create_group("linear")?;
        write_mat(&linear, "fixed", &self.linear.fixed)?;
        write_vec(&linear, "constant", &self.linear.constant)?;
        let terms = linear.create_group("terms")?;
        for (q, term) in self.linear.terms.iter().enumerate() {
            let g = terms.create_group(&q.to_string())?;
            write_mat(&g, "matrix", &term.matrix)?;
            write_vec(&g, "offset", &term.offset)?;
            write_string_attr(&g, "parameter", term.parameter.as_deref().unwrap_or(""))?;
            g.new_attr::<f64>()
                .create("coefficient")?
                .write_scalar(&term.coefficient)?;
        }
        if let Some(learned) = &self.learned {
            write_learned(f, learned)?;
        }
        match &self.nonlinear {
            Nonlinear::Quadratic { h } => write_vec(&f.create_group("quadratic")?, "h", h)?,
            Nonlinear::Hyper(hr) => {
                let g = f.create_group("hyper")?;
                write_string_attr(&g, "flux", hr.flux.name())?;
                write_string_attr(&g, "selection", hr.selection.name())?;
                let points: Vec<u64> = hr.points.iter().map(|&p| p as u64).collect();
                g.new_dataset_builder()
                    .with_data(&points)
                    .create("points")?;
                write_vec(&g, "map", &hr.map)?;
                write_mat(&g, "flux_basis", &hr.flux_basis.transpose().to_owned())?;
                let sample: Vec<u64> = hr.sample.iter().map(|&p| p as u64).collect();
                g.new_dataset_builder()
                    .with_data(&sample)
                    .create("sample")?;
                let rows = g.create_group("factor_rows")?;
                let offsets = g.create_group("factor_offsets")?;
                for (j, (r, o)) in hr.factor_rows.iter().zip(&hr.factor_offsets).enumerate() {
                    write_vec(&rows, &j.to_string(), r)?;
                    write_vec(&offsets, &j.to_string(), o)?;
                }
            }
        }
        Ok(())
    }

    /// Reads a model written by [`ReducedModel::save`], checking every size against r and n.
    /// A hyper-reduced model's flux must be a built-in one; see
    /// [`ReducedModel::load_with_fluxes`] for a user's own.
    pub fn load(path: &Path) -> Result<Self> {
        Self::load_with_fluxes(path, &[])
    }

    /// [`ReducedModel::load`], finding the stored flux name among `fluxes` (a user's own
    /// pointwise fluxes) before the built-in ones.
    pub fn load_with_fluxes(path: &Path, fluxes: &[Arc<dyn PointwiseFlux>]) -> Result<Self> {
        let bad = |reason: String| RomError::RomFile {
            path: path.to_path_buf(),
            reason,
        };
        let f = hdf5::File::open(path).map_err(file_error(path))?;
        if super::kind_attribute(path, &f)? == RomKind::LiftedQuadratic {
            return Err(bad(
                "a lifted-quadratic ROM (read it with `LiftedRomFile::load` or `StoredRom::load`)"
                    .into(),
            ));
        }
        let h5 = file_error(path);
        let vec = |g: &hdf5::Group, name: &str| -> Result<Vec<f64>> {
            g.dataset(name)
                .and_then(|d| d.read_raw::<f64>())
                .map_err(file_error(path))
        };
        let mat = |g: &hdf5::Group, name: &str| -> Result<Mat<f64>> {
            let d = g.dataset(name).map_err(file_error(path))?;
            let shape = d.shape();
            let data = d.read_raw::<f64>().map_err(file_error(path))?;
            if shape.len() != 2 {
                return Err(bad(format!("`{name}` is not a matrix")));
            }
            Ok(Mat::from_fn(shape[0], shape[1], |i, j| {
                data[i * shape[1] + j]
            }))
        };
        let root = f.as_group().map_err(&h5)?;
        let basis_t = mat(&root, "basis")?;
        let (r, n) = (basis_t.nrows(), basis_t.ncols());
        let ip = match f.dataset("weights") {
            Ok(_) => InnerProduct::diagonal(vec(&root, "weights")?)?,
            Err(_) => InnerProduct::Euclidean,
        };
        let basis = Basis::from_orthonormal(basis_t.transpose().to_owned(), ip, 1e-8)?;
        let mean = match f.dataset("mean") {
            Ok(_) => Some(vec(&root, "mean")?),
            Err(_) => None,
        };
        let check = |what: &str, got: usize, want: usize| -> Result<()> {
            if got == want {
                Ok(())
            } else {
                Err(bad(format!("`{what}` has {got} values, expected {want}")))
            }
        };
        if let Some(m) = &mean {
            check("mean", m.len(), n)?;
        }
        let linear_g = f.group("linear").map_err(&h5)?;
        let fixed = mat(&linear_g, "fixed")?;
        check("linear/fixed", fixed.nrows() * fixed.ncols(), r * r)?;
        let constant = vec(&linear_g, "constant")?;
        check("linear/constant", constant.len(), r)?;
        let terms_g = linear_g.group("terms").map_err(&h5)?;
        let mut terms = Vec::new();
        for q in 0..terms_g.len() as usize {
            let g = terms_g.group(&q.to_string()).map_err(&h5)?;
            let matrix = mat(&g, "matrix")?;
            check("linear term matrix", matrix.nrows() * matrix.ncols(), r * r)?;
            let offset = vec(&g, "offset")?;
            check("linear term offset", offset.len(), r)?;
            let parameter = read_string_attr(&g, "parameter").filter(|p| !p.is_empty());
            let coefficient = g
                .attr("coefficient")
                .and_then(|a| a.read_scalar::<f64>())
                .map_err(&h5)?;
            terms.push(ProjectedTerm {
                parameter,
                coefficient,
                matrix,
                offset,
            });
        }
        let nonlinear = if let Ok(g) = f.group("quadratic") {
            let h = vec(&g, "h")?;
            check("quadratic/h", h.len(), r * r * (r + 1) / 2)?;
            Nonlinear::Quadratic { h }
        } else {
            let g = f.group("hyper").map_err(&h5)?;
            let name = read_string_attr(&g, "flux").unwrap_or_default();
            let flux = fluxes
                .iter()
                .find(|f| f.name() == name)
                .cloned()
                .or_else(|| builtin_flux(&name))
                .ok_or_else(|| {
                    bad(format!(
                        "flux `{name}` is neither built in nor among the fluxes given \
                         (load it with `ReducedModel::load_with_fluxes`)"
                    ))
                })?;
            let points: Vec<usize> = g
                .dataset("points")
                .and_then(|d| d.read_raw::<u64>())
                .map_err(&h5)?
                .into_iter()
                .map(|p| p as usize)
                .collect();
            let m = points.len();
            if let Some(p) = points.iter().find(|&&p| p >= n) {
                return Err(bad(format!("point {p} outside the grid of {n} values")));
            }
            let map = vec(&g, "map")?;
            check("hyper/map", map.len(), r * m)?;
            let (mut factor_rows, mut factor_offsets) = (Vec::new(), Vec::new());
            let rows_g = g.group("factor_rows").map_err(&h5)?;
            let offsets_g = g.group("factor_offsets").map_err(&h5)?;
            for j in 0..flux.factor_count() {
                let rows = vec(&rows_g, &j.to_string())?;
                check("hyper/factor_rows", rows.len(), m * r)?;
                let offsets = vec(&offsets_g, &j.to_string())?;
                check("hyper/factor_offsets", offsets.len(), m)?;
                factor_rows.push(rows);
                factor_offsets.push(offsets);
            }
            let flux_basis = read_mat(path, &g, "flux_basis")?.transpose().to_owned();
            check(
                "hyper/flux_basis",
                flux_basis.nrows() * flux_basis.ncols(),
                n * m,
            )?;
            let sample: Vec<usize> = g
                .dataset("sample")
                .and_then(|d| d.read_raw::<u64>())
                .map_err(&h5)?
                .into_iter()
                .map(|p| p as usize)
                .collect();
            if let Some(p) = sample.iter().find(|&&p| p >= n) {
                return Err(bad(format!(
                    "sample point {p} outside the grid of {n} values"
                )));
            }
            Nonlinear::Hyper(HyperReduction {
                flux,
                selection: {
                    let name = read_string_attr(&g, "selection").unwrap_or_default();
                    crate::names::parse("hyper/selection", &name).map_err(|e| bad(e.to_string()))?
                },
                points,
                map,
                factor_rows,
                factor_offsets,
                flux_basis,
                sample,
            })
        };
        let (grid_shape, training_parameters) = read_common(path, &f)?;
        Ok(Self {
            pde: read_string_attr(&f, "pde").unwrap_or_default(),
            grid_shape,
            basis,
            mean,
            linear: LinearPart {
                terms,
                fixed,
                constant,
            },
            nonlinear,
            singular_values: vec(&root, "singular_values")?,
            recipe: read_string_attr(&f, "recipe").unwrap_or_default(),
            training_parameters,
            learned: read_learned(path, &f, super::kind_attribute(path, &f)?)?,
        })
    }
}

/// The `regularized_toward` name of a prior.
fn toward(galerkin: bool) -> &'static str {
    if galerkin {
        "galerkin"
    } else {
        "zero"
    }
}

/// `/learned`: attributes `lambda`, `quadratic_ratio`, `training_error`,
/// `derivative_order`, `regularized_toward` (`galerkin` or `zero`); datasets `scores`
/// [candidates][4] (λ, ratio, training error, 1 if toward the Galerkin operators) and,
/// for DMD, `eigenvalues` [m][2] (re, im) and `eigenvalue_spread` [m].
fn write_learned(f: &hdf5::File, learned: &Learned) -> hdf5::Result<()> {
    let g = f.create_group("learned")?;
    for (name, value) in [
        ("lambda", learned.lambda),
        ("quadratic_ratio", learned.quadratic_ratio),
        ("training_error", learned.training_error),
    ] {
        g.new_attr::<f64>().create(name)?.write_scalar(&value)?;
    }
    g.new_attr::<i64>()
        .create("derivative_order")?
        .write_scalar(&(learned.derivative_order as i64))?;
    write_string_attr(&g, "regularized_toward", toward(learned.toward_galerkin))?;
    let scores = Mat::from_fn(learned.scores.len(), 4, |i, j| {
        let s = &learned.scores[i];
        let prior = if s.toward_galerkin { 1.0 } else { 0.0 };
        [s.lambda, s.quadratic_ratio, s.training_error, prior][j]
    });
    write_mat(&g, "scores", &scores)?;
    let eigenvalues = Mat::from_fn(learned.eigenvalues.len(), 2, |i, j| {
        let e = learned.eigenvalues[i];
        [e.re, e.im][j]
    });
    write_mat(&g, "eigenvalues", &eigenvalues)?;
    write_vec(&g, "eigenvalue_spread", &learned.eigenvalue_spread)
}

/// The `/learned` record of a learned kind (`None` for projected kinds).
fn read_learned(path: &Path, f: &hdf5::File, kind: RomKind) -> Result<Option<Learned>> {
    if !matches!(
        kind,
        RomKind::Opinf | RomKind::GalerkinClosure | RomKind::Dmd
    ) {
        return Ok(None);
    }
    let h5 = file_error(path);
    let g = f.group("learned").map_err(&h5)?;
    let scalar = |name: &str| {
        g.attr(name)
            .and_then(|a| a.read_scalar::<f64>())
            .map_err(&h5)
    };
    let scores = read_mat(path, &g, "scores")?;
    let eigenvalues = read_mat(path, &g, "eigenvalues")?;
    Ok(Some(Learned {
        kind,
        lambda: scalar("lambda")?,
        quadratic_ratio: scalar("quadratic_ratio")?,
        toward_galerkin: read_string_attr(&g, "regularized_toward").as_deref()
            == Some(toward(true)),
        training_error: scalar("training_error")?,
        derivative_order: g
            .attr("derivative_order")
            .and_then(|a| a.read_scalar::<i64>())
            .map_err(&h5)?
            .max(0) as usize,
        // A timing, not stored: the same data give the same file.
        fit_seconds: 0.0,
        scores: (0..scores.nrows())
            .map(|i| RegularizationScore {
                lambda: scores[(i, 0)],
                quadratic_ratio: scores[(i, 1)],
                training_error: scores[(i, 2)],
                toward_galerkin: scores.ncols() > 3 && scores[(i, 3)] == 1.0,
            })
            .collect(),
        eigenvalues: (0..eigenvalues.nrows())
            .map(|i| faer::c64::new(eigenvalues[(i, 0)], eigenvalues[(i, 1)]))
            .collect(),
        eigenvalue_spread: g
            .dataset("eigenvalue_spread")
            .and_then(|d| d.read_raw::<f64>())
            .map_err(&h5)?,
    }))
}
