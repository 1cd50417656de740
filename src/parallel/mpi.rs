//! MPI ranks (feature `mpi`, rsmpi over the system's MPI library) as a [`Collective`], and
//! the point-to-point messages of the distributed ensemble.

use mpi::datatype::PartitionMut;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::*;
use mpi::Threading;

use super::{fingerprint, Collective};

/// Why a distributed run stopped.
#[derive(Debug, thiserror::Error)]
pub enum MpiError {
    /// MPI could not be started.
    #[error("MPI could not be initialized ({0})")]
    Init(String),
    /// The ranks do not run the same job.
    #[error(
        "the MPI ranks do not agree on {what}: ranks {ranks:?} differ from rank 0 (every rank \
         must run the same galerkin binary on the same inputs; check that every node sees the \
         same files)"
    )]
    Mismatch {
        /// What differs (the binary, the recipe, the command line).
        what: String,
        /// The ranks that differ from rank 0.
        ranks: Vec<usize>,
    },
    /// Another rank failed.
    #[error("rank {rank} failed: {message}")]
    Remote {
        /// The failing rank.
        rank: usize,
        /// Its error.
        message: String,
    },
}

/// The MPI world of this process: initialized once, finalized when dropped.
pub struct Mpi {
    universe: Universe,
    rank: usize,
    size: usize,
}

impl std::fmt::Debug for Mpi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mpi {{ rank: {}, size: {} }}", self.rank, self.size)
    }
}

impl Mpi {
    /// Initializes MPI. Worker threads never call MPI (only the main thread does: the
    /// `Funneled` level), which every MPI library provides.
    pub fn init() -> Result<Self, MpiError> {
        let (universe, provided) = mpi::initialize_with_threading(Threading::Funneled)
            .ok_or_else(|| MpiError::Init("MPI was already initialized".into()))?;
        if provided < Threading::Funneled {
            return Err(MpiError::Init(format!(
                "the MPI library provides thread level {provided:?}, galerkin needs Funneled"
            )));
        }
        let world = universe.world();
        let (rank, size) = (world.rank() as usize, world.size() as usize);
        Ok(Self {
            universe,
            rank,
            size,
        })
    }

    /// The world communicator.
    pub fn world(&self) -> SimpleCommunicator {
        self.universe.world()
    }

    /// Checks that every rank holds the same `bytes` (the binary, a recipe, the command
    /// line): their fingerprints are gathered and compared with rank 0's, on every rank.
    pub fn check_same(&self, what: &str, bytes: &[u8]) -> Result<(), MpiError> {
        let mine = fingerprint(bytes);
        let mut all = vec![0u64; self.size];
        self.world().all_gather_into(&mine, &mut all[..]);
        let ranks: Vec<usize> = (0..self.size).filter(|&r| all[r] != all[0]).collect();
        if ranks.is_empty() {
            Ok(())
        } else {
            Err(MpiError::Mismatch {
                what: what.to_string(),
                ranks,
            })
        }
    }

    /// Whether every rank's `ok` is true (a collective: every rank must call it), so that
    /// all ranks stop together when one fails a check.
    pub fn all_ok(&self, ok: bool) -> bool {
        let mine = u8::from(ok);
        let mut all = vec![0u8; self.size];
        self.world().all_gather_into(&mine, &mut all[..]);
        all.iter().all(|&v| v == 1)
    }

    /// Ends every rank of the job with `code` (after an error on one rank that the others
    /// cannot learn of by a collective: they would wait for it forever).
    pub fn abort(&self, code: i32) -> ! {
        self.world().abort(code)
    }
}

impl Collective for Mpi {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    /// `MPI_Allgatherv` in rounds of at most `i32::MAX / size` values per rank, so blocks of
    /// any length fit MPI's C-int counts.
    fn all_gather(&self, local: &[f64]) -> Vec<Vec<f64>> {
        let world = self.world();
        let mine = local.len() as u64;
        let mut lengths = vec![0u64; self.size];
        world.all_gather_into(&mine, &mut lengths[..]);
        let mut out: Vec<Vec<f64>> = lengths
            .iter()
            .map(|&l| Vec::with_capacity(l as usize))
            .collect();
        let round = (i32::MAX as usize / self.size).max(1);
        let longest = lengths.iter().copied().max().unwrap_or(0) as usize;
        let mut offset = 0;
        while offset < longest {
            let piece = |len: u64| (len as usize).saturating_sub(offset).min(round);
            let counts: Vec<i32> = lengths.iter().map(|&l| piece(l) as i32).collect();
            let displs: Vec<i32> = counts
                .iter()
                .scan(0i32, |at, &c| {
                    let d = *at;
                    *at += c;
                    Some(d)
                })
                .collect();
            let total: usize = counts.iter().map(|&c| c as usize).sum();
            let mut buf = vec![0.0f64; total];
            let send = &local[offset.min(local.len())..offset.min(local.len()) + piece(mine)];
            {
                let mut partition = PartitionMut::new(&mut buf[..], &counts[..], &displs[..]);
                world.all_gather_varcount_into(send, &mut partition);
            }
            for ((o, &c), &d) in out.iter_mut().zip(&counts).zip(&displs) {
                o.extend_from_slice(&buf[d as usize..(d + c) as usize]);
            }
            offset += round;
        }
        out
    }
    /// The length, then the values in pieces of at most 2³⁰ (MPI counts are C ints).
    fn send(&self, to: usize, data: &[f64]) {
        let world = self.world();
        let peer = world.process_at_rank(to as i32);
        peer.send_with_tag(&(data.len() as u64), TAG_POINT_TO_POINT);
        for piece in data.chunks(PIECE) {
            peer.send_with_tag(piece, TAG_POINT_TO_POINT);
        }
    }
    fn receive(&self, from: usize) -> Vec<f64> {
        let world = self.world();
        let peer = world.process_at_rank(from as i32);
        let (len, _) = peer.receive_with_tag::<u64>(TAG_POINT_TO_POINT);
        let mut out = vec![0.0; len as usize];
        for piece in out.chunks_mut(PIECE) {
            peer.receive_into_with_tag(piece, TAG_POINT_TO_POINT);
        }
        out
    }
}

/// The tag of [`Collective::send`] messages (the ensemble's dispatch uses others).
const TAG_POINT_TO_POINT: i32 = 3;
/// The largest piece of one point-to-point message.
const PIECE: usize = 1 << 30;
