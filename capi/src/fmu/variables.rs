//! The FMU's scalar variables in value-reference order: the value reference of a variable
//! is its index in [`variables`].

use galerkin_runtime::RomModel;

use super::config::{FmuConfig, ProbeAt};

/// What a variable is, with its index in its group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// ROM parameter `i` (tunable: a master may change it between steps).
    Parameter(usize),
    /// The ROM step dt (fixed: set before initialization).
    Dt,
    /// Initial reduced coordinate `k` (fixed).
    Initial(usize),
    /// Probe output `i` (the field at a grid index or a point).
    Probe(usize),
    /// Reduced coordinate `k` (output).
    Reduced(usize),
    /// The energy of the state (output): ½‖u‖²_W, or the lifted wave ROM's invariant.
    Energy,
}

impl Role {
    /// Whether the variable is a parameter (settable) rather than an output.
    pub fn is_parameter(self) -> bool {
        matches!(self, Self::Parameter(_) | Self::Dt | Self::Initial(_))
    }

    /// Whether the variable is a fixed parameter (settable only before initialization ends).
    pub fn is_fixed(self) -> bool {
        matches!(self, Self::Dt | Self::Initial(_))
    }
}

/// One scalar variable (all are Real).
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// The name in modelDescription.xml.
    pub name: String,
    /// What it is.
    pub role: Role,
    /// Its description in modelDescription.xml.
    pub description: String,
    /// The start value (parameters only).
    pub start: Option<f64>,
}

/// The variables of the FMU of `model` configured by `config`, in value-reference order:
/// parameters, `dt`, `a0[k]`, probes, `a[k]`, `energy`.
pub fn variables(model: &RomModel, config: &FmuConfig) -> Vec<Variable> {
    let mut all: Vec<Variable> = model
        .parameters()
        .into_iter()
        .enumerate()
        .map(|(i, (name, value))| Variable {
            name: name.to_string(),
            role: Role::Parameter(i),
            description: format!(
                "ROM parameter `{name}` (affine coefficient; build value {value})"
            ),
            start: Some(value),
        })
        .collect();
    all.push(Variable {
        name: "dt".into(),
        role: Role::Dt,
        description: "ROM time step; every communication step is a whole number of them".into(),
        start: Some(config.dt),
    });
    all.extend((0..model.rank()).map(|k| Variable {
        name: format!("a0[{k}]"),
        role: Role::Initial(k),
        description: format!("initial reduced coordinate {k}"),
        start: Some(config.initial_state.get(k).copied().unwrap_or(0.0)),
    }));
    all.extend(config.probes.iter().enumerate().map(|(i, p)| Variable {
        name: p.name.clone(),
        role: Role::Probe(i),
        description: match &p.at {
            ProbeAt::Index { index } => format!("full state at grid index {index}"),
            ProbeAt::Point { field, point } => format!(
                "field `{}` at the point {point:?} (grid-shape order)",
                model.field_names().get(*field).map_or("?", String::as_str)
            ),
        },
        start: None,
    }));
    all.extend((0..model.rank()).map(|k| Variable {
        name: format!("a[{k}]"),
        role: Role::Reduced(k),
        description: format!("reduced coordinate {k}"),
        start: None,
    }));
    all.push(Variable {
        name: "energy".into(),
        role: Role::Energy,
        description: "energy of the state: ½‖u‖² in the basis' inner product (Galerkin, \
                      hyper-reduced), the conserved lifted energy (lifted wave ROM)"
            .into(),
        start: None,
    });
    all
}
