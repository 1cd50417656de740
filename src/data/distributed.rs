//! `mpirun -n P galerkin simulate`: an ensemble over MPI ranks (feature `mpi`).
//!
//! Rank 0 owns the file: it opens (or resumes) the partial file and hands out members one
//! at a time to whichever rank asks (dynamic assignment: a rank that draws cheap members
//! simply asks more often), while a thread of its own computes members too. Every other
//! rank loops: ask for a member, compute it, send the stored values back with the next
//! request. Rank 0 writes each outcome as it arrives, flushed and marked done, into the
//! same single file as a serial run — every member depends only on (recipe, seed, index),
//! so the file's datasets are identical to the serial run's for any P, and a killed job
//! resumes from what rank 0 wrote (re-run the same command, with any P).
//!
//! Rank 0 polls for messages with a short sleep rather than MPI's busy-waiting receive, so
//! on a node with one core per rank it leaves its core to its own compute thread.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, TryRecvError};
use std::time::{Duration, Instant};

use galerkin_solvers::ensemble::Member;
use mpi::traits::*;

use super::ensemble_run::{confirm_complete, Outcome, SimulateOptions, SimulateSummary, Store};
use super::error::{DataError, Result};
use super::health::Health;
use super::recipe::Recipe;
use super::simulate::Job;
use crate::parallel::{Collective, Mpi, MpiError};

/// Worker → rank 0: a request for work, carrying the previous member's outcome if any.
const TAG_READY: i32 = 1;
/// Rank 0 → worker: the next member's index, or [`STOP`].
const TAG_WORK: i32 = 2;
/// The assignment that ends a worker's loop.
const STOP: u64 = u64::MAX;

/// Runs (or resumes, or confirms) the dataset of `recipe` over every rank of `mpi`: a
/// collective (every rank calls it with the same recipe; checked). Rank 0 returns the
/// summary of the run; the others return theirs (members they computed, nothing written).
pub fn simulate_on(recipe: &Recipe, opts: &SimulateOptions, mpi: &Mpi) -> Result<SimulateSummary> {
    mpi.check_same("the recipe", recipe.canonical_text().as_bytes())
        .map_err(mpi_error)?;
    let start = Instant::now();
    if mpi.rank() == 0 {
        coordinate(recipe, opts, mpi, start)
    } else {
        work(recipe, mpi, start)
    }
}

fn mpi_error(e: MpiError) -> DataError {
    DataError::Interrupted(e.to_string())
}

/// Rank 0: the file, the dispatch and a compute thread.
fn coordinate(
    recipe: &Recipe,
    opts: &SimulateOptions,
    mpi: &Mpi,
    start: Instant,
) -> Result<SimulateSummary> {
    let world = mpi.world();
    let workers = mpi.size() - 1;
    if recipe.output.exists() {
        // Nothing to do: every worker's first request gets STOP.
        for _ in 0..workers {
            let (_, status) = world.any_process().receive_vec_with_tag::<u8>(TAG_READY);
            world
                .process_at_rank(status.source_rank())
                .send_with_tag(&STOP, TAG_WORK);
        }
        return confirm_complete(recipe, start);
    }
    let job = Job::new(recipe)?;
    let (writer, todo, skipped) = job.open()?;
    let mut store = Store::new(writer, recipe, opts, todo.len(), job.values);
    let next = AtomicUsize::new(0);
    let claim = || {
        let i = next.fetch_add(1, Ordering::SeqCst);
        todo.get(i)
    };
    let (tx, rx) = sync_channel::<(Member, Result<Outcome>)>(1);
    let result = std::thread::scope(|scope| -> Result<()> {
        let local = scope.spawn(|| {
            while let Some(member) = claim() {
                if tx.send((member.clone(), job.compute(member))).is_err() {
                    break;
                }
            }
            drop(tx);
        });
        let mut active = workers;
        let mut local_open = true;
        let outcome = (|| -> Result<()> {
            while active > 0 || local_open {
                let mut busy = false;
                match rx.try_recv() {
                    Ok((member, computed)) => {
                        store.store(&member, computed?)?;
                        busy = true;
                    }
                    Err(TryRecvError::Disconnected) => local_open = false,
                    Err(TryRecvError::Empty) => {}
                }
                if active > 0 {
                    if let Some(probed) = world
                        .any_process()
                        .immediate_matched_probe_with_tag(TAG_READY)
                    {
                        let (bytes, status) = probed.matched_receive_vec::<u8>();
                        let source = status.source_rank();
                        if let Some((index, outcome)) = decode(&bytes, source as usize)? {
                            store.store(&job.plan.member(index), outcome)?;
                        }
                        let assignment = claim().map_or(STOP, |m| m.index as u64);
                        world
                            .process_at_rank(source)
                            .send_with_tag(&assignment, TAG_WORK);
                        if assignment == STOP {
                            active -= 1;
                        }
                        busy = true;
                    }
                }
                if !busy {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            Ok(())
        })();
        if outcome.is_err() {
            // Stop handing out work; the local thread ends after its current member.
            next.store(todo.len(), Ordering::SeqCst);
            drop(rx);
        }
        local.join().expect("compute thread panicked");
        outcome
    });
    if let Err(e) = result {
        store.abandon();
        return Err(e);
    }
    store.finish(skipped, start)
}

/// Any rank but 0: ask, compute, send back, until told to stop.
fn work(recipe: &Recipe, mpi: &Mpi, start: Instant) -> Result<SimulateSummary> {
    let world = mpi.world();
    let root = world.process_at_rank(0);
    let mut done = 0;
    let mut report = encode_request();
    let job = match Job::new(recipe) {
        Ok(job) => Some(job),
        Err(e) => {
            report = encode_fatal(&e.to_string());
            None
        }
    };
    loop {
        root.send_with_tag(&report[..], TAG_READY);
        let (assignment, _) = root.receive_with_tag::<u64>(TAG_WORK);
        let Some(job) = job.as_ref().filter(|_| assignment != STOP) else {
            break;
        };
        let member = job.plan.member(assignment as usize);
        report = match job.compute(&member) {
            Ok(outcome) => encode_outcome(member.index, &outcome),
            Err(e) => encode_fatal(&e.to_string()),
        };
        done += 1;
    }
    Ok(SimulateSummary {
        output: recipe.output.clone(),
        written: done,
        skipped: 0,
        unhealthy: Vec::new(),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Message kinds of a worker's request.
const KIND_REQUEST: u8 = 0;
const KIND_STORED: u8 = 1;
const KIND_FAILED: u8 = 2;
const KIND_FATAL: u8 = 3;

fn encode_request() -> Vec<u8> {
    vec![KIND_REQUEST]
}

fn encode_fatal(message: &str) -> Vec<u8> {
    let mut out = vec![KIND_FATAL];
    out.extend_from_slice(message.as_bytes());
    out
}

/// [kind][index u64][health: mean, energy, max_cfl, tail_ratio, max_tail_ratio f64, status
/// u8][values f64…]
/// for a stored member; [kind][index u64][reason] for a failed one. Little-endian.
fn encode_outcome(index: usize, outcome: &Outcome) -> Vec<u8> {
    match outcome {
        Ok((values, health)) => {
            let mut out = Vec::with_capacity(1 + 8 + 41 + 8 * values.len());
            out.push(KIND_STORED);
            out.extend_from_slice(&(index as u64).to_le_bytes());
            for v in [
                health.mean,
                health.energy,
                health.max_cfl,
                health.tail_ratio,
                health.max_tail_ratio,
            ] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.push(health.status);
            for v in values {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out
        }
        Err(reason) => {
            let mut out = vec![KIND_FAILED];
            out.extend_from_slice(&(index as u64).to_le_bytes());
            out.extend_from_slice(reason.as_bytes());
            out
        }
    }
}

/// The member and outcome a request from rank `source` carries (none for a first request);
/// a worker's fatal error, or a malformed message, is an error.
fn decode(bytes: &[u8], source: usize) -> Result<Option<(usize, Outcome)>> {
    let malformed = || {
        mpi_error(MpiError::Remote {
            rank: source,
            message: format!("malformed message of {} bytes", bytes.len()),
        })
    };
    let f64_at = |at: usize| -> Option<f64> {
        Some(f64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    };
    let index = || -> Option<usize> {
        Some(u64::from_le_bytes(bytes.get(1..9)?.try_into().ok()?) as usize)
    };
    match bytes.first() {
        Some(&KIND_REQUEST) => Ok(None),
        Some(&KIND_FATAL) => Err(mpi_error(MpiError::Remote {
            rank: source,
            message: String::from_utf8_lossy(&bytes[1..]).into_owned(),
        })),
        Some(&KIND_FAILED) => {
            let reason = String::from_utf8_lossy(bytes.get(9..).ok_or_else(malformed)?);
            Ok(Some((
                index().ok_or_else(malformed)?,
                Err(reason.into_owned()),
            )))
        }
        Some(&KIND_STORED) => {
            let health = Health {
                mean: f64_at(9).ok_or_else(malformed)?,
                energy: f64_at(17).ok_or_else(malformed)?,
                max_cfl: f64_at(25).ok_or_else(malformed)?,
                tail_ratio: f64_at(33).ok_or_else(malformed)?,
                max_tail_ratio: f64_at(41).ok_or_else(malformed)?,
                status: *bytes.get(49).ok_or_else(malformed)?,
            };
            let values = bytes[50..]
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect();
            Ok(Some((index().ok_or_else(malformed)?, Ok((values, health)))))
        }
        _ => Err(malformed()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_round_trip_through_messages() {
        let health = Health {
            mean: 0.5,
            energy: 1.25,
            max_cfl: f64::NAN,
            tail_ratio: 1e-9,
            max_tail_ratio: 2e-9,
            status: 1,
        };
        let stored = encode_outcome(7, &Ok((vec![1.0, -2.5, f64::NAN], health)));
        let Some((7, Ok((values, back)))) = decode(&stored, 1).unwrap() else {
            panic!("stored outcome not decoded");
        };
        assert_eq!(values[..2], [1.0, -2.5]);
        assert!(values[2].is_nan() && back.max_cfl.is_nan());
        assert_eq!((back.mean, back.energy, back.status), (0.5, 1.25, 1));
        let failed = encode_outcome(3, &Err("blow-up at t = 1".into()));
        assert!(
            matches!(decode(&failed, 1).unwrap(), Some((3, Err(r))) if r == "blow-up at t = 1")
        );
        assert!(decode(&encode_request(), 1).unwrap().is_none());
        let fatal = decode(&encode_fatal("no such file"), 2)
            .unwrap_err()
            .to_string();
        assert!(
            fatal.contains("rank 2") && fatal.contains("no such file"),
            "{fatal}"
        );
        assert!(decode(&[KIND_STORED, 0, 0], 1).is_err());
    }
}
