//! Lifted ROM files (HDF5), the `lifted-quadratic` counterpart of [`super::galerkin`]:
//! root attributes `format = "galerkin-rom"`, `rom_kind = "lifted-quadratic"`, `pde`,
//! `nonlinearity`, `recipe`, `galerkin_version`, `schema_version`, `mass`, `cell`;
//! `/grid_shape`; `/bases/<b>` `[r_b][n]` (block b's modes as rows); `/in_energy` `[blocks]`;
//! `/j0` `[R][R]`; `/stiffness` `[r_q][r_q]`; `/couplings/<c>/tensor` `[r_by][r_row][r_col]` with
//! attributes `row`, `col`, `by` (block indices) and `coef`; `/training_parameters/<name>`.

use std::collections::BTreeMap;
use std::path::Path;

use faer::Mat;
use galerkin_solvers::WaveNonlinearity;

use super::{
    file_error, kind_attribute, read_common, read_mat, save_atomically, write_mat, write_vec,
    Result,
};
use crate::data::{read_string_attr, write_string_attr};
use crate::rom::lifting::{LiftedRom, ProjectedCoupling};
use crate::rom::{RomError, RomKind};

/// A lifted ROM with what is needed to run it from a file.
#[derive(Debug, Clone)]
pub struct LiftedRomFile {
    /// The model (with the mass it was built at, the default online value).
    pub rom: LiftedRom,
    /// The full model's grid shape.
    pub grid_shape: Vec<usize>,
    /// The recipe of the training data.
    pub recipe: String,
    /// Parameter values of the training trajectories.
    pub training_parameters: BTreeMap<String, Vec<f64>>,
}

impl LiftedRomFile {
    /// Writes atomically (temporary name, then rename).
    pub fn save(&self, path: &Path) -> Result<()> {
        save_atomically(
            path,
            (
                RomKind::LiftedQuadratic,
                galerkin_solvers::wave::SPEC.name,
                &self.recipe,
            ),
            &self.grid_shape,
            &self.training_parameters,
            |f| self.write_to(f),
        )
    }

    fn write_to(&self, f: &hdf5::File) -> hdf5::Result<()> {
        let rom = &self.rom;
        write_string_attr(f, "nonlinearity", rom.nonlinearity.name())?;
        for (name, value) in [("mass", rom.mass), ("cell", rom.cell)] {
            f.new_attr::<f64>().create(name)?.write_scalar(&value)?;
        }
        let bases = f.create_group("bases")?;
        for (b, basis) in rom.bases.iter().enumerate() {
            write_mat(&bases, &b.to_string(), &basis.transpose().to_owned())?;
        }
        let in_energy: Vec<u8> = rom.in_energy.iter().map(|&e| u8::from(e)).collect();
        f.new_dataset_builder()
            .with_data(&in_energy)
            .create("in_energy")?;
        write_mat(f, "j0", &rom.j0)?;
        write_mat(f, "stiffness", &rom.stiffness)?;
        let couplings = f.create_group("couplings")?;
        let block_of = |start: usize| rom.offsets.iter().position(|&o| o == start).unwrap_or(0);
        for (k, c) in rom.couplings.iter().enumerate() {
            let g = couplings.create_group(&k.to_string())?;
            let flat: Vec<f64> = c
                .tensor
                .iter()
                .flat_map(|a| {
                    (0..a.nrows() * a.ncols()).map(move |i| a[(i / a.ncols(), i % a.ncols())])
                })
                .collect();
            write_vec(&g, "tensor", &flat)?;
            for (name, start) in [
                ("row", c.row.start),
                ("col", c.col.start),
                ("by", c.by.start),
            ] {
                g.new_attr::<u64>()
                    .create(name)?
                    .write_scalar(&(block_of(start) as u64))?;
            }
            g.new_attr::<f64>().create("coef")?.write_scalar(&c.coef)?;
        }
        Ok(())
    }

    /// Reads a file written by [`LiftedRomFile::save`], checking every size.
    pub fn load(path: &Path) -> Result<Self> {
        let bad = |reason: String| RomError::RomFile {
            path: path.to_path_buf(),
            reason,
        };
        let h5 = file_error(path);
        let f = hdf5::File::open(path).map_err(&h5)?;
        let kind = kind_attribute(path, &f)?;
        if kind != RomKind::LiftedQuadratic {
            return Err(bad(format!(
                "a `{}` ROM file, not a `lifted-quadratic` one",
                kind.name()
            )));
        }
        let nonlinearity: WaveNonlinearity = galerkin_solvers::error::parse_name(
            "nonlinearity",
            &read_string_attr(&f, "nonlinearity").unwrap_or_default(),
        )?;
        let scalar = |name: &str| {
            f.attr(name)
                .and_then(|a| a.read_scalar::<f64>())
                .map_err(&h5)
        };
        let (mass, cell) = (scalar("mass")?, scalar("cell")?);
        let root = f.as_group().map_err(&h5)?;
        let bases_g = f.group("bases").map_err(&h5)?;
        let mut bases = Vec::new();
        for b in 0..bases_g.len() as usize {
            bases.push(
                read_mat(path, &bases_g, &b.to_string())?
                    .transpose()
                    .to_owned(),
            );
        }
        let blocks = 2 + nonlinearity.auxiliary_fields();
        if bases.len() != blocks || bases.iter().any(|b| b.nrows() != bases[0].nrows()) {
            return Err(bad(format!(
                "{} bases of unequal or wrong count (need {blocks})",
                bases.len()
            )));
        }
        let mut offsets = vec![0];
        for b in &bases {
            offsets.push(offsets.last().expect("non-empty") + b.ncols());
        }
        let total = offsets[blocks];
        let j0 = read_mat(path, &root, "j0")?;
        let stiffness = read_mat(path, &root, "stiffness")?;
        if j0.nrows() != total || stiffness.nrows() != bases[0].ncols() {
            return Err(bad("`j0` or `stiffness` does not match the bases".into()));
        }
        let in_energy: Vec<bool> = f
            .dataset("in_energy")
            .and_then(|d| d.read_raw::<u8>())
            .map_err(&h5)?
            .into_iter()
            .map(|e| e == 1)
            .collect();
        let couplings_g = f.group("couplings").map_err(&h5)?;
        let mut couplings = Vec::new();
        for k in 0..couplings_g.len() as usize {
            let g = couplings_g.group(&k.to_string()).map_err(&h5)?;
            let block = |name: &str| -> Result<usize> {
                let b = g
                    .attr(name)
                    .and_then(|a| a.read_scalar::<u64>())
                    .map_err(&h5)? as usize;
                if b < blocks {
                    Ok(b)
                } else {
                    Err(bad(format!("coupling {k}: block {b} out of range")))
                }
            };
            let (row, col, by) = (block("row")?, block("col")?, block("by")?);
            let coef = g
                .attr("coef")
                .and_then(|a| a.read_scalar::<f64>())
                .map_err(&h5)?;
            let flat = g
                .dataset("tensor")
                .and_then(|d| d.read_raw::<f64>())
                .map_err(&h5)?;
            let (rr, rc, rb) = (bases[row].ncols(), bases[col].ncols(), bases[by].ncols());
            if flat.len() != rr * rc * rb {
                return Err(bad(format!(
                    "coupling {k}: tensor has {} values, expected {}",
                    flat.len(),
                    rr * rc * rb
                )));
            }
            let tensor = (0..rb)
                .map(|l| Mat::from_fn(rr, rc, |i, j| flat[l * rr * rc + i * rc + j]))
                .collect();
            let range = |b: usize| offsets[b]..offsets[b + 1];
            couplings.push(ProjectedCoupling::new(
                range(row),
                range(col),
                range(by),
                coef,
                tensor,
            ));
        }
        let (grid_shape, training_parameters) = read_common(path, &f)?;
        Ok(Self {
            rom: LiftedRom {
                nonlinearity,
                bases,
                offsets,
                j0,
                couplings,
                stiffness,
                in_energy,
                cell,
                mass,
            },
            grid_shape,
            recipe: read_string_attr(&f, "recipe").unwrap_or_default(),
            training_parameters,
        })
    }
}
