//! The processes a `galerkin` run has: this one alone, or the ranks of an MPI job (feature
//! `mpi`), checked to run the same binary on the same command line.
//!
//! A build without the feature started by `mpirun` refuses to run: each copy would repeat
//! the whole job and race to write the same files.

use super::error::{AppError, Result};
use crate::parallel::{launched_by_mpi, Collective, SingleProcess};

/// This run's processes.
#[derive(Debug)]
pub struct Processes {
    #[cfg(feature = "mpi")]
    mpi: Option<crate::parallel::Mpi>,
}

impl Processes {
    /// Joins the MPI job when started by an MPI launcher (feature `mpi`), checking that
    /// every rank runs the same binary with the same arguments; one process otherwise.
    pub fn start() -> Result<Self> {
        let launched = launched_by_mpi();
        #[cfg(feature = "mpi")]
        {
            if launched.is_none() {
                return Ok(Self { mpi: None });
            }
            let mpi = crate::parallel::Mpi::init().map_err(|e| AppError::Mpi(e.to_string()))?;
            let exe = std::env::current_exe()
                .and_then(std::fs::read)
                .map_err(|e| AppError::Mpi(format!("cannot read this program's binary: {e}")))?;
            let args: Vec<String> = std::env::args().skip(1).collect();
            let check = mpi
                .check_same("the galerkin binary", &exe)
                .and_then(|()| mpi.check_same("the command line", args.join("\0").as_bytes()));
            check.map_err(|e| AppError::Mpi(e.to_string()))?;
            Ok(Self { mpi: Some(mpi) })
        }
        #[cfg(not(feature = "mpi"))]
        match launched {
            Some((_, size)) if size != 1 => {
                Err(AppError::Mpi(format!(
                "this galerkin was built without the `mpi` feature but was started as one of {} \
                 MPI ranks: every copy would run the whole job and write the same files. \
                 Rebuild with `cargo build --release --features mpi` (after `scripts/setup \
                 --mpi`), or run it without mpirun",
                if size == 0 { "several".to_string() } else { size.to_string() }
            )))
            }
            _ => Ok(Self {}),
        }
    }

    /// The collectives of this run (one process, or the MPI world).
    pub fn comm(&self) -> &dyn Collective {
        #[cfg(feature = "mpi")]
        if let Some(mpi) = &self.mpi {
            return mpi;
        }
        &SingleProcess
    }

    /// The MPI job, if this run is one.
    #[cfg(feature = "mpi")]
    pub fn mpi(&self) -> Option<&crate::parallel::Mpi> {
        self.mpi.as_ref()
    }

    /// Whether this process reports and writes files (rank 0, or the only process).
    pub fn is_root(&self) -> bool {
        self.comm().rank() == 0
    }

    /// Refuses `command` on several ranks: only `simulate`, `reduce` and `train` are
    /// distributed.
    pub fn require_single(&self, command: &str) -> Result<()> {
        let size = self.comm().size();
        if size > 1 {
            return Err(AppError::Mpi(format!(
                "`galerkin {command}` runs on one process, not {size} MPI ranks (only \
                 `simulate`, `reduce` and `train` are distributed); run it without mpirun"
            )));
        }
        Ok(())
    }

    /// Ends the run after `error` on this rank: alone, returns to report it; in an MPI job
    /// with several ranks, prints it and aborts every rank (the others may wait in a
    /// collective for this one forever). A rank other than 0 waits a moment first, so that
    /// when every rank fails alike (a bad argument), rank 0's abort usually ends the job
    /// before P copies of the same message are printed.
    pub fn fail(&self, error: &dyn std::fmt::Display) {
        #[cfg(feature = "mpi")]
        if let Some(mpi) = self.mpi.as_ref().filter(|m| m.size() > 1) {
            if mpi.rank() != 0 {
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
            eprintln!("error (rank {} of {}): {error:#}", mpi.rank(), mpi.size());
            mpi.abort(1);
        }
        let _ = error;
    }
}
