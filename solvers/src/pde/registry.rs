//! The registry of PDE families: each PDE file declares its name, equation, parameters
//! (with defaults and allowed ranges), grid dimension and builder as one [`PdeSpec`], and
//! [`PDES`] lists them. Recipes, trajectory files and reduced models find a PDE here by
//! name, so adding one is its file and one line in [`PDES`].

use std::collections::BTreeMap;

use super::SemiLinearPde;
use crate::dealias::Dealias;
use crate::error::{invalid, Result};
use crate::grid::Grid;
use crate::pde::Forcing;

/// One parameter of a PDE family.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Parameter {
    /// The name recipes and reduced models use (`viscosity`).
    pub name: &'static str,
    /// The value when a recipe gives none; `None`: required.
    pub default: Option<f64>,
    /// The allowed range, in words (the builder checks it).
    pub allowed: &'static str,
}

/// The dimension of the grids a PDE family runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    /// 1-D only.
    One,
    /// 2-D only.
    Two,
    /// 1-D or 2-D, as the grid is given.
    Either,
}

/// What builds a family's model.
#[derive(Debug, Clone, Copy)]
pub enum Family {
    /// A semi-linear PDE ∂ₜu = L u + N(u) (+ f), built by the function from a [`Setup`].
    SemiLinear(fn(&Setup<'_>) -> Result<Box<dyn SemiLinearPde>>),
    /// A conservative wave q_tt = Δq − m²q − F′(q) ([`crate::wave`]): two stored fields
    /// (q, p), implicit midpoint, built from the wave's own settings.
    ConservativeWave,
}

/// Everything a builder needs: the grid, every parameter's value (defaults filled in),
/// the dealiasing and the forcing.
#[derive(Debug, Clone)]
pub struct Setup<'a> {
    /// The grid.
    pub grid: &'a Grid,
    /// Parameter values by name, one for each of the family's parameters.
    pub parameters: BTreeMap<String, f64>,
    /// The dealiasing of products.
    pub dealias: Dealias,
    /// The forcing, for families that take one.
    pub forcing: Forcing,
}

impl Setup<'_> {
    /// The value of parameter `name` (present for every declared parameter).
    pub fn parameter(&self, name: &str) -> Result<f64> {
        self.parameters
            .get(name)
            .copied()
            .ok_or_else(|| invalid(&format!("parameters.{name}"), "(missing)", "a value"))
    }
}

/// A PDE family as the registry knows it.
#[derive(Debug, Clone, Copy)]
pub struct PdeSpec {
    /// The name recipes and files use (`burgers`).
    pub name: &'static str,
    /// Other names recipes may use (`ns`).
    pub aliases: &'static [&'static str],
    /// The equation, with its parameters as symbols (stored in trajectory files).
    pub equation: &'static str,
    /// The name of the (first) stored field (`u`, `vorticity`), for exports.
    pub field: &'static str,
    /// The parameters, with defaults and ranges.
    pub parameters: &'static [Parameter],
    /// The grid dimension.
    pub dimension: Dimension,
    /// Whether the family takes a forcing section.
    pub forced: bool,
    /// How its model is built.
    pub family: Family,
}

impl PdeSpec {
    /// The full parameter set from `given` values: every declared parameter, its given
    /// value or its default; an error for an unknown name or a missing required one.
    pub fn complete(&self, given: &BTreeMap<String, f64>) -> Result<BTreeMap<String, f64>> {
        if let Some(name) = given
            .keys()
            .find(|k| !self.parameters.iter().any(|p| p.name == k.as_str()))
        {
            return Err(invalid(
                &format!("parameters.{name}"),
                given[name],
                &format!("a parameter of {}: {:?}", self.name, self.parameter_names()),
            ));
        }
        self.parameters
            .iter()
            .map(|p| {
                let value = given.get(p.name).copied().or(p.default).ok_or_else(|| {
                    invalid(
                        &format!("parameters.{}", p.name),
                        "(missing)",
                        &format!("{} (required for pde = \"{}\")", p.allowed, self.name),
                    )
                })?;
                Ok((p.name.to_string(), value))
            })
            .collect()
    }

    /// The parameter names.
    pub fn parameter_names(&self) -> Vec<&'static str> {
        self.parameters.iter().map(|p| p.name).collect()
    }

    /// The semi-linear PDE on `grid` with parameter values `given` (defaults for the rest).
    pub fn build(
        &self,
        grid: &Grid,
        given: &BTreeMap<String, f64>,
        dealias: Dealias,
        forcing: Forcing,
    ) -> Result<Box<dyn SemiLinearPde>> {
        let Family::SemiLinear(build) = self.family else {
            return Err(invalid(
                "pde",
                self.name,
                "a semi-linear PDE here (conservative waves are built from their [wave] section)",
            ));
        };
        build(&Setup {
            grid,
            parameters: self.complete(given)?,
            dealias,
            forcing,
        })
    }
}

/// Every registered PDE family.
pub const PDES: &[&PdeSpec] = &[
    &super::burgers::SPEC,
    &super::kuramoto_sivashinsky::SPEC,
    &super::navier_stokes::SPEC,
    &crate::wave::SPEC,
];

/// The family named `name` (or one of its aliases); the error lists the registered names.
///
/// ```
/// let spec = galerkin_solvers::pde_spec("ns").unwrap();
/// assert_eq!(spec.name, "navier-stokes");
/// assert_eq!(spec.parameter_names(), ["viscosity", "drag"]);
/// assert!(galerkin_solvers::pde_spec("heat").unwrap_err().to_string().contains("burgers"));
/// ```
pub fn pde_spec(name: &str) -> Result<&'static PdeSpec> {
    PDES.iter()
        .copied()
        .find(|s| s.name == name || s.aliases.contains(&name))
        .ok_or_else(|| {
            let names: Vec<&str> = PDES.iter().map(|s| s.name).collect();
            invalid("pde", name, &format!("one of {names:?}"))
        })
}
