//! Ensembles of reduced trajectories: one model at one parameter point run from many
//! initial states at once, the many-query use a ROM exists for (uncertainty propagation,
//! initial-condition sweeps, data generation from the ROM).
//!
//! A single Galerkin trajectory is bound by memory bandwidth: each right-hand side streams
//! the packed quadratic tensor Ĥ (r × r(r+1)/2; 451 kB at r = 48, beyond L1) for one
//! matrix–vector product. An ensemble evaluates the right-hand side of a block of states as
//! one matrix–matrix product ([`Stepper::step_batch`]), which reads Ĥ once per block and
//! runs at the arithmetic rate of the core instead. Blocks of [`ENSEMBLE_BLOCK`]
//! trajectories run in parallel; the blocks are fixed by the ensemble size alone, so the
//! results do not depend on the number of threads.

use std::collections::BTreeMap;

use rayon::prelude::*;

use super::error::{invalid, Result, RomError};
use super::integrate::{run_saving, RomIntegrator, Stepper};
use super::reduced::ReducedOrderModel;

/// Trajectories stepped together in one block of [`solve_ensemble`]: enough that Ĥ is read
/// once per 32 states (the product then runs near the core's arithmetic peak at r ≥ 16),
/// few enough that a block's pair products (32 · r(r+1)/2 values, 301 kB at r = 48) stay
/// in L2 beside Ĥ.
pub const ENSEMBLE_BLOCK: usize = 32;

/// Integrates `model` at `params` from each of the initial states in `x0` (B states of
/// r values back to back) for `n_steps` steps of `dt`, keeping every `save_every`-th
/// ensemble state (and the initial one), each r × B back to back like `x0`.
///
/// Blocks of [`ENSEMBLE_BLOCK`] trajectories run in parallel, each through
/// [`Stepper::step_batch`] with its own copy of the stepper (the ETDRK4 coefficients are
/// formed once for all blocks). A trajectory's values round differently from a run of it
/// alone ([`super::solve`]) — the sums of the matrix–matrix product are ordered otherwise
/// — but the same on any thread count.
///
/// # Errors
/// An empty ensemble, `x0` not a multiple of r, `save_every` = 0, an invalid `dt` or
/// scheme, parameters the model does not know; [`RomError::BlowUp`] at the first step
/// where any trajectory leaves the finite numbers.
pub fn solve_ensemble(
    model: &(dyn ReducedOrderModel + Sync),
    params: &BTreeMap<String, f64>,
    scheme: RomIntegrator,
    x0: &[f64],
    dt: f64,
    n_steps: usize,
    save_every: usize,
) -> Result<Vec<Vec<f64>>> {
    let r = model.rank();
    if r == 0 || x0.is_empty() || x0.len() % r != 0 {
        return Err(invalid(
            "x0",
            format!("{} values", x0.len()),
            &format!("one or more initial states of r = {r} values each"),
        ));
    }
    if save_every == 0 {
        return Err(invalid("save_every", 0, "an integer >= 1"));
    }
    let stepper = Stepper::new(scheme, model.dynamics(params)?.as_ref(), dt)?;
    let blocks: Vec<Result<Vec<Vec<f64>>>> = x0
        .par_chunks(ENSEMBLE_BLOCK * r)
        .map(|block| {
            let mut dynamics = model.dynamics(params)?;
            let mut stepper = stepper.clone();
            run_saving(
                &mut stepper,
                dynamics.as_mut(),
                block.to_vec(),
                dt,
                n_steps,
                save_every,
            )
        })
        .collect();
    let mut saves: Vec<Vec<f64>> = Vec::new();
    // The earliest blow-up of any block is the ensemble's.
    let mut first_error: Option<RomError> = None;
    for block in blocks {
        match block {
            Ok(block_saves) => {
                saves.resize_with(block_saves.len(), Vec::new);
                for (save, part) in saves.iter_mut().zip(block_saves) {
                    save.extend_from_slice(&part);
                }
            }
            Err(e) => {
                let earlier = match (&first_error, &e) {
                    (None, _) => true,
                    (Some(RomError::BlowUp { step: a, .. }), RomError::BlowUp { step: b, .. }) => {
                        b < a
                    }
                    _ => false,
                };
                if earlier {
                    first_error = Some(e);
                }
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(saves),
    }
}
