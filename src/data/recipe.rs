//! Dataset recipes: one TOML file says which PDE, parameters, grid, initial condition,
//! integrator, schedule, ensemble size and output make a dataset.
//!
//! ```toml
//! name = "burgers-tiny"
//! pde = "burgers"                 # burgers | ks | navier-stokes | wave (the PDE registry)
//! n_traj = 4
//! seed = 0
//! precision = "f32"               # f32 | f64 (storage only; solvers run in f64)
//! output = "data/burgers-tiny.h5"
//!
//! [parameters]                    # a value, a list, a grid, or uniform random per trajectory
//! viscosity = 0.1                 # = [0.1, 0.05] | { start = 0.01, stop = 0.1, num = 4 } | { low = 0.01, high = 0.1 }
//!
//! [grid]
//! n = 1024                        # nx, ny for 2-D
//! length = 1.0                    # lx, ly for 2-D
//! save_n = 256                    # store every (n / save_n)-th point (save_nx, save_ny in 2-D)
//!
//! [initial_condition]
//! kind = "gaussian-random-field"  # | fno-burgers | fno-navier-stokes | random-fourier | expression | file
//! sigma = 25.0
//! tau = 5.0
//! alpha = 2.0
//!
//! [time]
//! integrator = "etdrk4"           # etdrk4 | etdrk2 | imex-ars233 | rk4 | implicit-midpoint (waves)
//! dealias = "two-thirds"          # two-thirds | three-halves | none
//! dt = 1e-4
//! t_end = 1.0
//! save_every = 100
//!
//! [forcing]                       # pde = "navier-stokes" only
//! kind = "fno"                    # none | fno | kolmogorov (with `wavenumber`)
//!
//! [wave]                          # pde = "wave" only (integrator "implicit-midpoint")
//! nonlinearity = "sine-gordon"    # linear | exponential | sine-gordon | cubic
//! ```
//!
//! Unknown keys are rejected with the key's name and line. List and grid parameters form a
//! Cartesian product; `n_traj` must be a multiple of its size. Uniform parameters are drawn
//! per trajectory from that trajectory's own random stream (so resumed and parallel runs
//! agree bit for bit).

use std::collections::BTreeMap;
use std::path::PathBuf;

use galerkin_solvers::ensemble::{EnsemblePlan, Member, ParameterGrid};
use galerkin_solvers::pde::registry::{Dimension, Family};
use galerkin_solvers::{
    pde_spec, ConservativeWave, Dealias, Forcing, Grid, InitialCondition, PdeSpec, Schedule,
    Scheme, SemiLinearPde, Simulation, WaveNonlinearity,
};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::error::{invalid, DataError, Result};

/// A parsed recipe (the TOML document, typed).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Dataset name (file metadata, The Well's `dataset_name`).
    pub name: String,
    /// Free text: source, purpose.
    #[serde(default)]
    pub description: String,
    /// A PDE of the registry (`galerkin_solvers::PDES`): `burgers`, `ks`,
    /// `navier-stokes`, `wave`. A name rather than an enumeration, so that registering a
    /// PDE needs no change here.
    pub pde: String,
    /// Parameter name → value, list, grid or uniform range (see the module docs).
    #[serde(default)]
    pub parameters: BTreeMap<String, toml::Value>,
    /// The spatial grid.
    pub grid: GridSpec,
    /// The initial condition.
    pub initial_condition: IcSpec,
    /// Time stepping.
    pub time: TimeSpec,
    /// Body forcing (Navier–Stokes only).
    #[serde(default)]
    pub forcing: Option<ForcingSpec>,
    /// The potential of a conservative wave (pde = "wave" only).
    #[serde(default)]
    pub wave: Option<WaveSpec>,
    /// Number of trajectories.
    pub n_traj: usize,
    /// Base seed of the ensemble.
    #[serde(default)]
    pub seed: u64,
    /// Storage precision.
    #[serde(default)]
    pub precision: Precision,
    /// Output file.
    pub output: PathBuf,
}

/// Grid section: `n`/`length` in 1-D, `nx`/`ny`/`lx`/`ly` in 2-D, optional save resolution.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GridSpec {
    /// 1-D points.
    pub n: Option<usize>,
    /// 1-D length.
    pub length: Option<f64>,
    /// 2-D points along x.
    pub nx: Option<usize>,
    /// 2-D points along y.
    pub ny: Option<usize>,
    /// 2-D length along x.
    pub lx: Option<f64>,
    /// 2-D length along y.
    pub ly: Option<f64>,
    /// Stored points (1-D); must divide `n`.
    pub save_n: Option<usize>,
    /// Stored points along x (2-D).
    pub save_nx: Option<usize>,
    /// Stored points along y (2-D).
    pub save_ny: Option<usize>,
}

/// Initial-condition section, by `kind`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum IcSpec {
    /// σ²(−Δ + τ²)^(−α) Gaussian random field.
    GaussianRandomField {
        /// σ.
        sigma: f64,
        /// τ.
        tau: f64,
        /// α.
        alpha: f64,
    },
    /// The FNO Burgers preset N(0, 625(−Δ + 25)^(−2)).
    FnoBurgers,
    /// The FNO Navier–Stokes preset N(0, 7^{3/2}(−Δ + 49)^(−2.5)).
    FnoNavierStokes,
    /// Random truncated Fourier series.
    RandomFourier {
        /// Highest mode.
        max_mode: usize,
        /// Amplitude decay exponent.
        decay: f64,
        /// max|u|.
        amplitude: f64,
    },
    /// A formula in x, y, lx, ly.
    Expression {
        /// The formula.
        expression: String,
    },
    /// A field from `.npy` or HDF5.
    File {
        /// The file.
        path: PathBuf,
        /// HDF5 dataset (default `u0`).
        dataset: Option<String>,
    },
}

/// Time section.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TimeSpec {
    /// The time integrator (default `etdrk4`).
    #[serde(default)]
    pub integrator: TimeIntegrator,
    /// Step size.
    pub dt: f64,
    /// Final time (a whole number of steps).
    pub t_end: f64,
    /// Steps between stored snapshots.
    pub save_every: usize,
    /// The dealiasing of products (default `two-thirds`).
    #[serde(default)]
    pub dealias: Dealias,
    /// Largest CFL number tolerated at save points (default 1; Burgers / NS only).
    #[serde(default = "default_cfl")]
    pub cfl_limit: f64,
}

/// The time integrator of a recipe: a solver [`Scheme`] for semi-linear PDEs, the
/// implicit midpoint rule for conservative waves.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum TimeIntegrator {
    /// ETDRK4 (the default).
    #[default]
    Etdrk4,
    /// ETDRK2.
    Etdrk2,
    /// IMEX ARS(2,3,3).
    ImexArs233,
    /// Classical RK4.
    Rk4,
    /// The implicit midpoint rule (structure-preserving; conservative waves).
    ImplicitMidpoint,
}

impl TimeIntegrator {
    /// The solver scheme, or `None` for the implicit midpoint rule of waves.
    pub fn scheme(self) -> Option<Scheme> {
        match self {
            Self::Etdrk4 => Some(Scheme::Etdrk4),
            Self::Etdrk2 => Some(Scheme::Etdrk2),
            Self::ImexArs233 => Some(Scheme::ImexArs233),
            Self::Rk4 => Some(Scheme::Rk4),
            Self::ImplicitMidpoint => None,
        }
    }

    /// The name used in recipes and files.
    pub fn name(self) -> &'static str {
        self.into()
    }
}
fn default_cfl() -> f64 {
    1.0
}

/// Wave section: q_tt = Δq − m²q − F′(q), with the mass m a parameter (`mass`, default 0)
/// and the initial condition giving q (p = q_t starts at 0).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WaveSpec {
    /// F: `linear` (0), `exponential` (e^q), `sine-gordon` (1 − cos q), `cubic` (q⁴/4).
    pub nonlinearity: WaveNonlinearity,
}

/// Forcing section (Navier–Stokes).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum ForcingSpec {
    /// No forcing.
    None,
    /// FNO forcing A(sin 2π(x+y) + cos 2π(x+y)).
    Fno {
        /// A (default 0.1).
        #[serde(default = "default_fno_amplitude")]
        amplitude: f64,
    },
    /// Kolmogorov forcing A sin(2πn y/Ly) along x.
    Kolmogorov {
        /// A (default 1).
        #[serde(default = "default_kolmogorov_amplitude")]
        amplitude: f64,
        /// n.
        wavenumber: u32,
    },
}

fn default_fno_amplitude() -> f64 {
    0.1
}
fn default_kolmogorov_amplitude() -> f64 {
    1.0
}

/// A floating-point precision, `f32` or `f64`: the storage of `/u` in dataset recipes, the
/// arithmetic of training in training recipes (`train.precision`).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// 32-bit floats (the default, as PDEBench and The Well).
    #[default]
    F32,
    /// 64-bit floats.
    F64,
}

/// How one parameter varies over the ensemble.
#[derive(Debug, Clone, PartialEq)]
pub enum ParameterValues {
    /// One value (or a list / grid): part of the Cartesian product.
    Grid(Vec<f64>),
    /// Uniform on [low, high), drawn per trajectory.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
}

impl Recipe {
    /// Parses recipe text; `origin` names it in errors. `overrides` are `key=value` pairs
    /// (dotted keys, TOML values; bare words are taken as strings) applied before typing.
    pub fn parse(text: &str, origin: &str, overrides: &[String]) -> Result<Self> {
        let recipe_error = |message: String| DataError::Recipe {
            origin: origin.to_string(),
            message,
        };
        let mut doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| recipe_error(e.to_string()))?;
        for o in overrides {
            apply_override(&mut doc, o)?;
        }
        Self::from_document(doc, origin, &[])
    }

    /// Types and validates a recipe given as a TOML document (built by a program rather
    /// than parsed from text), after setting the dotted keys of `overrides` to their values
    /// as given (typed, never re-parsed from text); `origin` names it in errors.
    pub fn from_document(
        mut doc: toml::Table,
        origin: &str,
        overrides: &[(String, toml::Value)],
    ) -> Result<Self> {
        for (key, value) in overrides {
            set_dotted(&mut doc, key, value.clone())?;
        }
        let recipe: Recipe = toml::Value::Table(doc)
            .try_into()
            .map_err(|e: toml::de::Error| DataError::Recipe {
                origin: origin.to_string(),
                message: e.to_string(),
            })?;
        recipe.validate()?;
        Ok(recipe)
    }

    /// Reads and parses a recipe file.
    pub fn from_file(path: &std::path::Path, overrides: &[String]) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|source| DataError::Io {
            action: "read recipe",
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string(), overrides)
    }

    /// The canonical text stored in files (keys sorted, overrides applied): two runs are
    /// the same dataset exactly when these agree.
    pub fn canonical_text(&self) -> String {
        toml::to_string(self).expect("a parsed recipe serializes")
    }

    /// The PDE's registry entry.
    pub fn pde_spec(&self) -> Result<&'static PdeSpec> {
        Ok(pde_spec(&self.pde)?)
    }

    /// Whether the PDE is a conservative wave (two stored fields q, p; implicit midpoint).
    pub fn is_wave(&self) -> Result<bool> {
        Ok(matches!(self.pde_spec()?.family, Family::ConservativeWave))
    }

    /// The solver scheme of a semi-linear PDE's recipe.
    pub fn scheme(&self) -> Result<Scheme> {
        self.time.integrator.scheme().ok_or_else(|| {
            invalid(
                "time.integrator",
                self.time.integrator.name(),
                "`etdrk4`, `etdrk2`, `imex-ars233` or `rk4` (a semi-linear PDE)",
            )
        })
    }

    /// Checks every field; run by [`Recipe::parse`].
    pub fn validate(&self) -> Result<()> {
        let spec = self.pde_spec()?;
        self.solver_grid()?;
        self.save_strides()?;
        self.schedule()?;
        if self.is_wave()? {
            if self.time.integrator != TimeIntegrator::ImplicitMidpoint {
                return Err(invalid(
                    "time.integrator",
                    self.time.integrator.name(),
                    "`implicit-midpoint` (the structure-preserving scheme of pde = \"wave\")",
                ));
            }
            if self.wave.is_none() {
                return Err(invalid(
                    "wave",
                    "(missing)",
                    "a [wave] section with `nonlinearity`",
                ));
            }
        } else {
            self.scheme()?;
            if self.wave.is_some() {
                return Err(invalid("wave", "(given)", "only for pde = \"wave\""));
            }
        }
        if self.n_traj == 0 {
            return Err(invalid("n_traj", 0, "an integer >= 1"));
        }
        let params = self.parameter_values()?;
        for p in spec.parameters {
            if p.default.is_none() && !params.contains_key(p.name) {
                return Err(invalid(
                    &format!("parameters.{}", p.name),
                    "(missing)",
                    &format!("{} (required for pde = \"{}\")", p.allowed, self.pde),
                ));
            }
        }
        let grid_points: usize = params
            .values()
            .map(|v| match v {
                ParameterValues::Grid(values) => values.len(),
                ParameterValues::Uniform { .. } => 1,
            })
            .product();
        if self.n_traj % grid_points != 0 {
            return Err(invalid(
                "n_traj",
                self.n_traj,
                &format!("a multiple of the {grid_points} points of the parameter grid"),
            ));
        }
        if self.forcing.is_some() && !spec.forced {
            let forced: Vec<&str> = galerkin_solvers::PDES
                .iter()
                .filter(|s| s.forced)
                .map(|s| s.name)
                .collect();
            return Err(invalid(
                "forcing",
                "(given)",
                &format!("only for pde = {forced:?}"),
            ));
        }
        // Build one member's model to let the solvers check parameter ranges.
        let plan = self.plan()?;
        let member = plan.member(0);
        if self.is_wave()? {
            self.wave_member(&member)?;
        } else {
            self.build_pde(&member, &mut member.rng())?;
        }
        Ok(())
    }

    /// Parameter specs, checked against the PDE.
    pub fn parameter_values(&self) -> Result<BTreeMap<String, ParameterValues>> {
        let spec = self.pde_spec()?;
        let mut out = BTreeMap::new();
        for (name, value) in &self.parameters {
            let field = format!("parameters.{name}");
            if !spec.parameters.iter().any(|p| p.name == name.as_str()) {
                let names = spec.parameter_names();
                return Err(invalid(
                    &field,
                    value,
                    &format!("a parameter of {}: {names:?}", self.pde),
                ));
            }
            out.insert(name.clone(), parse_parameter(&field, value)?);
        }
        Ok(out)
    }

    /// The simulation grid.
    pub fn solver_grid(&self) -> Result<Grid> {
        let g = &self.grid;
        let two_d = match self.pde_spec()?.dimension {
            Dimension::One => false,
            Dimension::Two => true,
            Dimension::Either => g.nx.is_some(),
        };
        Ok(if two_d {
            let need = |v: Option<usize>, f: &str| {
                v.ok_or_else(|| {
                    invalid(&format!("grid.{f}"), "(missing)", "required for a 2-D PDE")
                })
            };
            let len = |v: Option<f64>| v.unwrap_or(1.0);
            Grid::new_2d(need(g.nx, "nx")?, need(g.ny, "ny")?, len(g.lx), len(g.ly))?
        } else {
            let n =
                g.n.ok_or_else(|| invalid("grid.n", "(missing)", "required for a 1-D PDE"))?;
            Grid::new_1d(n, g.length.unwrap_or(1.0))?
        })
    }

    /// Strides (x, y) between stored points.
    pub fn save_strides(&self) -> Result<(usize, usize)> {
        let grid = self.solver_grid()?;
        let stride = |n: usize, save: Option<usize>, field: &str| -> Result<usize> {
            match save {
                None => Ok(1),
                Some(s) if s >= 1 && s <= n && n % s == 0 => Ok(n / s),
                Some(s) => Err(invalid(
                    field,
                    s,
                    &format!("a divisor of the grid size {n}"),
                )),
            }
        };
        if grid.is_2d() {
            Ok((
                stride(grid.nx(), self.grid.save_nx, "grid.save_nx")?,
                stride(grid.ny(), self.grid.save_ny, "grid.save_ny")?,
            ))
        } else {
            Ok((stride(grid.nx(), self.grid.save_n, "grid.save_n")?, 1))
        }
    }

    /// The save schedule.
    pub fn schedule(&self) -> Result<Schedule> {
        let t = &self.time;
        let mut schedule = Schedule::from_t_end(t.dt, t.t_end, t.save_every)?;
        if !(t.cfl_limit.is_finite() && t.cfl_limit > 0.0) {
            return Err(invalid(
                "time.cfl_limit",
                t.cfl_limit,
                "a finite number > 0",
            ));
        }
        schedule.cfl_limit = Some(t.cfl_limit);
        Ok(schedule)
    }

    /// The ensemble: the Cartesian product of list/grid parameters × samples per point.
    pub fn plan(&self) -> Result<EnsemblePlan> {
        let mut grid = ParameterGrid::default();
        for (name, values) in self.parameter_values()? {
            if let ParameterValues::Grid(v) = values {
                grid = grid.with_axis(&name, v)?;
            }
        }
        let samples = self.n_traj / grid.len();
        Ok(EnsemblePlan {
            grid,
            samples,
            base_seed: self.seed,
        })
    }

    /// Parameter values of `member`: its grid point, then uniform draws from `rng` in name
    /// order, then defaults.
    pub fn member_parameters(
        &self,
        member: &Member,
        rng: &mut impl Rng,
    ) -> Result<BTreeMap<String, f64>> {
        let mut out = BTreeMap::new();
        for (name, spec) in self.parameter_values()? {
            let value = match spec {
                ParameterValues::Grid(_) => member.parameter(&name).expect("grid axis"),
                ParameterValues::Uniform { low, high } => rng.random_range(low..high),
            };
            out.insert(name, value);
        }
        Ok(self.pde_spec()?.complete(&out)?)
    }

    fn build_pde(
        &self,
        member: &Member,
        rng: &mut impl Rng,
    ) -> Result<(Box<dyn SemiLinearPde>, BTreeMap<String, f64>)> {
        let params = self.member_parameters(member, rng)?;
        let pde = self.semi_linear_pde(&self.solver_grid()?, &params)?;
        Ok((pde, params))
    }

    /// The recipe's semi-linear PDE on `grid` with the parameter values `params` (missing
    /// ones take their defaults), built by the PDE registry: how a reduced model rebuilds
    /// the full model a trajectory file came from, on the file's grid.
    pub fn semi_linear_pde(
        &self,
        grid: &Grid,
        params: &BTreeMap<String, f64>,
    ) -> Result<Box<dyn SemiLinearPde>> {
        let forcing = match self.forcing.clone().unwrap_or(ForcingSpec::None) {
            ForcingSpec::None => Forcing::None,
            ForcingSpec::Fno { amplitude } => Forcing::Fno { amplitude },
            ForcingSpec::Kolmogorov {
                amplitude,
                wavenumber,
            } => Forcing::Kolmogorov {
                amplitude,
                wavenumber,
            },
        };
        Ok(self
            .pde_spec()?
            .build(grid, params, self.time.dealias, forcing)?)
    }

    /// The recipe's conservative wave on `grid` with parameters `params` (pde = "wave").
    pub fn wave_on(&self, grid: &Grid, params: &BTreeMap<String, f64>) -> Result<ConservativeWave> {
        let spec = self
            .wave
            .as_ref()
            .ok_or_else(|| invalid("wave", "(missing)", "a [wave] section with `nonlinearity`"))?;
        let params = self.pde_spec()?.complete(params)?;
        Ok(ConservativeWave::new(
            grid,
            spec.nonlinearity,
            params["mass"],
        )?)
    }

    /// The wave, initial q and parameters of `member` (pde = "wave"); p starts at 0.
    pub fn wave_member(
        &self,
        member: &Member,
    ) -> Result<(ConservativeWave, Vec<f64>, BTreeMap<String, f64>)> {
        let mut rng = member.rng();
        let params = self.member_parameters(member, &mut rng)?;
        let grid = self.solver_grid()?;
        let wave = self.wave_on(&grid, &params)?;
        let q0 = self.initial_condition().sample(&grid, &mut rng)?;
        Ok((wave, q0, params))
    }

    /// The grid the trajectory file stores (the solver grid every save stride).
    pub fn save_grid(&self) -> Result<Grid> {
        let grid = self.solver_grid()?;
        let (sx, sy) = self.save_strides()?;
        Ok(if grid.is_2d() {
            Grid::new_2d(grid.nx() / sx, grid.ny() / sy, grid.lx(), grid.ly())?
        } else {
            Grid::new_1d(grid.nx() / sx, grid.lx())?
        })
    }

    /// The solver initial condition.
    pub fn initial_condition(&self) -> InitialCondition {
        match self.initial_condition.clone() {
            IcSpec::GaussianRandomField { sigma, tau, alpha } => {
                InitialCondition::GaussianRandomField { sigma, tau, alpha }
            }
            IcSpec::FnoBurgers => InitialCondition::fno_burgers(),
            IcSpec::FnoNavierStokes => InitialCondition::fno_navier_stokes(),
            IcSpec::RandomFourier {
                max_mode,
                decay,
                amplitude,
            } => InitialCondition::RandomFourier {
                max_mode,
                decay,
                amplitude,
            },
            IcSpec::Expression { expression } => InitialCondition::Expression(expression),
            IcSpec::File { path, dataset } => InitialCondition::File { path, dataset },
        }
    }

    /// The simulation of `member` and its parameter values. The member's random stream
    /// draws uniform parameters first, then the initial condition.
    pub fn simulation(&self, member: &Member) -> Result<(Simulation, BTreeMap<String, f64>)> {
        let mut rng = member.rng();
        let (pde, params) = self.build_pde(member, &mut rng)?;
        let grid = pde.grid().clone();
        let u0 = self.initial_condition().sample(&grid, &mut rng)?;
        Ok((
            Simulation::new(pde, self.scheme()?, self.time.dt, &u0)?,
            params,
        ))
    }
}

/// A parameter value: number, list of numbers, `{start, stop, num}` or `{low, high}`.
fn parse_parameter(field: &str, value: &toml::Value) -> Result<ParameterValues> {
    let number = |v: &toml::Value| match v {
        toml::Value::Float(f) => Some(*f),
        toml::Value::Integer(i) => Some(*i as f64),
        _ => None,
    };
    let bad = || {
        invalid(
            field,
            value,
            "a number, a list of numbers, { start, stop, num } or { low, high }",
        )
    };
    let values = match value {
        toml::Value::Array(items) => items
            .iter()
            .map(|v| number(v).ok_or_else(bad))
            .collect::<Result<Vec<_>>>()?,
        toml::Value::Table(t) => {
            let get = |k: &str| t.get(k).and_then(number);
            let mut keys: Vec<&str> = t.keys().map(String::as_str).collect();
            keys.sort_unstable();
            match keys.as_slice() {
                ["num", "start", "stop"] => {
                    let (start, stop) =
                        (get("start").ok_or_else(bad)?, get("stop").ok_or_else(bad)?);
                    let num = t
                        .get("num")
                        .and_then(toml::Value::as_integer)
                        .filter(|n| *n >= 1)
                        .ok_or_else(bad)? as usize;
                    (0..num)
                        .map(|i| {
                            if num == 1 {
                                start
                            } else {
                                start + (stop - start) * i as f64 / (num - 1) as f64
                            }
                        })
                        .collect()
                }
                ["high", "low"] => {
                    let (low, high) = (get("low").ok_or_else(bad)?, get("high").ok_or_else(bad)?);
                    if !(low.is_finite() && high.is_finite() && low < high) {
                        return Err(invalid(field, value, "finite bounds with low < high"));
                    }
                    return Ok(ParameterValues::Uniform { low, high });
                }
                _ => return Err(bad()),
            }
        }
        v => vec![number(v).ok_or_else(bad)?],
    };
    if values.is_empty() || values.iter().any(|v| !v.is_finite()) {
        return Err(invalid(
            field,
            value,
            "finite numbers (no NaN or Inf), at least one",
        ));
    }
    Ok(ParameterValues::Grid(values))
}

/// Splits a `key=value` override (the command line's `--set`) into the dotted key and its
/// value: TOML-typed (`3`, `1e-3`, `true`, `[1, 2]`, `"text"`), a bare word taken as a
/// string.
pub fn parse_override(assignment: &str) -> Result<(String, toml::Value)> {
    let (key, raw) = assignment
        .split_once('=')
        .ok_or_else(|| DataError::Recipe {
            origin: "--set".into(),
            message: format!("`{assignment}` is not of the form key=value"),
        })?;
    let value: toml::Value = format!("v = {raw}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(raw.trim().to_string()));
    Ok((key.trim().to_string(), value))
}

/// Applies a `key=value` override ([`parse_override`]) to the document.
pub(crate) fn apply_override(doc: &mut toml::Table, assignment: &str) -> Result<()> {
    let (key, value) = parse_override(assignment)?;
    set_dotted(doc, &key, value)
}

/// Sets the dotted `key` (`time.dt`) of `doc` to `value`, creating missing tables.
fn set_dotted(doc: &mut toml::Table, key: &str, value: toml::Value) -> Result<()> {
    let parts: Vec<&str> = key.trim().split('.').collect();
    let (last, parents) = parts.split_last().expect("split yields at least one part");
    let mut table = doc;
    for p in parents {
        table = table
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .ok_or_else(|| DataError::Recipe {
                origin: "--set".into(),
                message: format!("`{p}` in `{key}` is not a table"),
            })?;
    }
    table.insert(last.to_string(), value);
    Ok(())
}
