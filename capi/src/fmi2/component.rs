//! One FMU instance (an fmi2Component): the shared ROM, the variables' values, the phase of
//! the FMI life cycle and the runtime instance that steps. Safe Rust; the `fmi2*` glue in
//! the parent module only converts pointers.

use std::path::Path;
use std::sync::Arc;

use galerkin_runtime::{Instance, Probe, RomModel};

use crate::fmu::{variables, FmuConfig, ProbeAt, Role, Variable, CONFIG_FILE, ROM_FILE};

/// Where the instance is in the FMI 2.0 co-simulation life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// After fmi2Instantiate or fmi2Reset: every parameter may be set.
    Instantiated,
    /// Between fmi2EnterInitializationMode and fmi2ExitInitializationMode.
    Initialization,
    /// Stepping with fmi2DoStep; only tunable parameters may be set.
    Stepping,
    /// After fmi2Terminate.
    Terminated,
}

/// A saved FMU state (fmi2GetFMUstate): time, reduced state and parameter values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Saved {
    time: f64,
    state: Vec<f64>,
    values: Vec<f64>,
}

/// The first 8 bytes of a serialized FMU state.
const STATE_MAGIC: &[u8; 8] = b"GLKFMU01";

impl Saved {
    /// The serialized bytes: magic, time, r, state, count, values (little-endian).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = STATE_MAGIC.to_vec();
        out.extend(self.time.to_le_bytes());
        for list in [&self.state, &self.values] {
            out.extend((list.len() as u64).to_le_bytes());
            list.iter().for_each(|v| out.extend(v.to_le_bytes()));
        }
        out
    }

    /// Parses [`Saved::to_bytes`] for a model of rank `r` with `count` variables.
    pub fn from_bytes(bytes: &[u8], r: usize, count: usize) -> Result<Self, String> {
        let bad = || {
            format!(
                "serialized FMU state of {} bytes: allowed the {} bytes fmi2SerializeFMUstate \
                 wrote for this FMU",
                bytes.len(),
                8 * (4 + r + count)
            )
        };
        let rest = bytes.strip_prefix(STATE_MAGIC).ok_or_else(bad)?;
        let words: Vec<f64> = rest
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
        let len = |w: f64| w.to_bits() as usize;
        if rest.len() != 8 * (3 + r + count) || len(words[1]) != r || len(words[2 + r]) != count {
            return Err(bad());
        }
        Ok(Self {
            time: words[0],
            state: words[2..2 + r].to_vec(),
            values: words[3 + r..].to_vec(),
        })
    }
}

/// A probe output, resolved against the model.
enum Reader {
    /// The full state at a grid index.
    Index(usize),
    /// A point probe.
    Point(Probe),
}

/// The variable at value reference `vr` of `vars`, or an error naming the allowed range.
fn variable(vars: &[Variable], vr: u32) -> Result<&Variable, String> {
    vars.get(vr as usize).ok_or_else(|| {
        format!(
            "invalid value reference {vr}: allowed 0..{} (modelDescription.xml)",
            vars.len()
        )
    })
}

/// One FMU instance.
pub(crate) struct Component {
    model: Arc<RomModel>,
    probes: Vec<Reader>,
    vars: Vec<Variable>,
    /// Current values of the parameters by value reference (outputs hold 0).
    values: Vec<f64>,
    phase: Phase,
    /// The stepping instance, built from the values when first needed.
    run: Option<Instance>,
    start_time: f64,
    /// The time at which the runtime instance's state was last set.
    time_origin: f64,
}

impl Component {
    /// Reads `resources/fmu.json` and the ROM under `resources`, checking the GUID.
    pub fn new(resources: &Path, guid: &str) -> Result<Self, String> {
        let config_path = resources.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&config_path)
            .map_err(|e| format!("cannot read `{}`: {e}", config_path.display()))?;
        let config: FmuConfig = serde_json::from_str(&text).map_err(|e| {
            format!(
                "`{}` is not an FMU configuration: {e}",
                config_path.display()
            )
        })?;
        if config.guid != guid {
            return Err(format!(
                "invalid `fmuGUID` = {guid}: allowed {} (this FMU's modelDescription.xml)",
                config.guid
            ));
        }
        let model =
            Arc::new(RomModel::from_file(resources.join(ROM_FILE)).map_err(|e| e.to_string())?);
        let probes = config
            .probes
            .iter()
            .map(|p| match &p.at {
                ProbeAt::Index { index } if *index < model.full_dim() => Ok(Reader::Index(*index)),
                ProbeAt::Index { index } => Err(format!(
                    "invalid probe `{}` index {index}: allowed 0..{}",
                    p.name,
                    model.full_dim()
                )),
                ProbeAt::Point { field, point } => model
                    .probe_at(*field, point)
                    .map(Reader::Point)
                    .map_err(|e| format!("probe `{}`: {e}", p.name)),
            })
            .collect::<Result<Vec<_>, String>>()?;
        let vars = variables(&model, &config);
        let mut component = Self {
            values: vec![0.0; vars.len()],
            vars,
            model,
            probes,
            phase: Phase::Instantiated,
            run: None,
            start_time: 0.0,
            time_origin: 0.0,
        };
        component.reset();
        Ok(component)
    }

    /// Back to the state after instantiation (fmi2Reset): start values, no run.
    pub fn reset(&mut self) {
        for (value, var) in self.values.iter_mut().zip(&self.vars) {
            *value = var.start.unwrap_or(0.0);
        }
        self.phase = Phase::Instantiated;
        self.run = None;
        self.start_time = 0.0;
        self.time_origin = 0.0;
    }

    /// The phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Moves to `phase` (the caller checked the transition is allowed).
    pub fn set_phase(&mut self, phase: Phase) {
        self.phase = phase;
    }

    /// Records the experiment's start time (fmi2SetupExperiment).
    pub fn setup_experiment(&mut self, start_time: f64) -> Result<(), String> {
        if !start_time.is_finite() {
            return Err(format!(
                "invalid `startTime` = {start_time}: allowed a finite time"
            ));
        }
        self.start_time = start_time;
        self.time_origin = start_time;
        self.run = None;
        Ok(())
    }

    /// The value reference of the variable with `role`.
    fn vr_of(&self, role: Role) -> usize {
        self.vars.iter().position(|v| v.role == role).unwrap_or(0)
    }

    /// The runtime instance, built from the current values when there is none.
    fn run(&mut self) -> Result<&mut Instance, String> {
        if self.run.is_none() {
            let dt = self.values[self.vr_of(Role::Dt)];
            let mut run = Instance::new(self.model.clone(), dt).map_err(|e| e.to_string())?;
            let mut state = vec![0.0; self.model.rank()];
            for (var, &value) in self.vars.iter().zip(&self.values) {
                match var.role {
                    Role::Parameter(_) => run
                        .set_parameter(&var.name, value)
                        .map_err(|e| e.to_string())?,
                    Role::Initial(k) => state[k] = value,
                    _ => {}
                }
            }
            run.set_state_reduced(&state).map_err(|e| e.to_string())?;
            self.time_origin = self.start_time;
            self.run = Some(run);
        }
        Ok(self.run.as_mut().expect("built above"))
    }

    /// Sets the parameter at `vr` to `value` (fmi2SetReal).
    pub fn set_real(&mut self, vr: u32, value: f64) -> Result<(), String> {
        let var = variable(&self.vars, vr)?;
        if !var.role.is_parameter() {
            return Err(format!(
                "variable `{}` (value reference {vr}) is an output: allowed to set parameters only",
                var.name
            ));
        }
        if !value.is_finite() {
            return Err(format!(
                "invalid `{}` = {value}: allowed a finite number",
                var.name
            ));
        }
        if var.role.is_fixed() {
            if matches!(self.phase, Phase::Stepping | Phase::Terminated) {
                return Err(format!(
                    "`{}` is a fixed parameter: allowed to set it only before \
                     fmi2ExitInitializationMode",
                    var.name
                ));
            }
            if var.role == Role::Dt && value <= 0.0 {
                return Err(format!(
                    "invalid `dt` = {value}: allowed a finite number > 0"
                ));
            }
            self.run = None;
        } else if let Some(run) = self.run.as_mut() {
            run.set_parameter(&var.name, value)
                .map_err(|e| e.to_string())?;
        }
        self.values[vr as usize] = value;
        Ok(())
    }

    /// The value of the variable at `vr` (fmi2GetReal); outputs are computed in O(r).
    pub fn get_real(&mut self, vr: u32) -> Result<f64, String> {
        let role = variable(&self.vars, vr)?.role;
        if role.is_parameter() {
            return Ok(self.values[vr as usize]);
        }
        self.run()?;
        let run = self.run.as_ref().expect("built above");
        match role {
            Role::Reduced(k) => Ok(run.state()[k]),
            Role::Energy => Ok(run.energy()),
            Role::Probe(i) => match &self.probes[i] {
                Reader::Index(index) => run.probe(*index).map_err(|e| e.to_string()),
                Reader::Point(probe) => Ok(run.value_at(probe)),
            },
            _ => unreachable!("parameters answered above"),
        }
    }

    /// The current time.
    pub fn time(&self) -> f64 {
        self.run
            .as_ref()
            .map_or(self.start_time, |run| self.time_origin + run.time())
    }

    /// Builds the runtime instance from the values (fmi2ExitInitializationMode).
    pub fn initialize(&mut self) -> Result<(), String> {
        self.run().map(|_| ())
    }

    /// Advances from `t` by `h` (fmi2DoStep): h / dt whole ROM steps. Allocates nothing.
    pub fn do_step(&mut self, t: f64, h: f64) -> Result<(), String> {
        let now = self.time();
        let run = self.run()?;
        let dt = run.dt();
        let steps = (h / dt).round();
        let scale = h.abs().max(dt);
        if !(h.is_finite() && h > 0.0 && (steps * dt - h).abs() <= 1e-9 * scale) {
            return Err(format!(
                "invalid `communicationStepSize` = {h}: allowed a positive whole number of \
                 ROM steps dt = {dt} (set the `dt` parameter to divide the master's step)"
            ));
        }
        let gap = (t - now).abs();
        if gap.is_nan() || gap > 1e-9 * t.abs().max(1.0) {
            return Err(format!(
                "invalid `currentCommunicationPoint` = {t}: allowed the FMU's time {now}"
            ));
        }
        for _ in 0..steps as u64 {
            run.step().map_err(|e| e.to_string())?;
        }
        Ok(())
    }

    /// The FMU state now (fmi2GetFMUstate).
    pub fn save(&mut self) -> Result<Saved, String> {
        let time = self.time();
        let state = self.run()?.state().to_vec();
        Ok(Saved {
            time,
            state,
            values: self.values.clone(),
        })
    }

    /// Restores a saved state (fmi2SetFMUstate).
    pub fn restore(&mut self, saved: &Saved) -> Result<(), String> {
        if saved.state.len() != self.model.rank() || saved.values.len() != self.values.len() {
            return Err("the FMU state belongs to another FMU: allowed a state of this one".into());
        }
        let rebuild = self
            .vars
            .iter()
            .zip(saved.values.iter().zip(&self.values))
            .any(|(v, (a, b))| v.role.is_fixed() && a != b);
        self.values.clone_from(&saved.values);
        if rebuild {
            self.run = None;
        }
        self.run()?;
        let run = self.run.as_mut().expect("built above");
        for (var, &value) in self.vars.iter().zip(&saved.values) {
            if let Role::Parameter(_) = var.role {
                run.set_parameter(&var.name, value)
                    .map_err(|e| e.to_string())?;
            }
        }
        run.set_state_reduced(&saved.state)
            .map_err(|e| e.to_string())?;
        self.time_origin = saved.time;
        Ok(())
    }

    /// Parses a serialized state of this FMU.
    pub fn parse_state(&self, bytes: &[u8]) -> Result<Saved, String> {
        Saved::from_bytes(bytes, self.model.rank(), self.values.len())
    }
}
