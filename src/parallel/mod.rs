//! Work shared between processes: the [`Collective`] operations the distributed POD and
//! operator assembly need, one process ([`SingleProcess`]) or MPI ranks (`Mpi`, feature
//! `mpi`), and how items are split among ranks.
//!
//! Every collective here gathers in rank order and every sum is formed by our own code in
//! that order, so a result never depends on the MPI library's reduction tree: the same
//! inputs on the same number of ranks give the same bits.

use std::ops::Range;

#[cfg(feature = "mpi")]
mod mpi;
#[cfg(feature = "mpi")]
pub use self::mpi::{Mpi, MpiError};

/// The collective operations of a group of processes (ranks 0..size) running the same
/// program on the same inputs.
pub trait Collective {
    /// This process's rank.
    fn rank(&self) -> usize;
    /// The number of processes.
    fn size(&self) -> usize;
    /// Every rank's `local` (lengths may differ), in rank order, on every rank.
    fn all_gather(&self, local: &[f64]) -> Vec<Vec<f64>>;
    /// Sends `data` to rank `to`, where [`Collective::receive`] from this rank returns it
    /// (messages between two ranks arrive in order).
    fn send(&self, to: usize, data: &[f64]);
    /// The next message from rank `from`.
    fn receive(&self, from: usize) -> Vec<f64>;

    /// Element-wise sum of every rank's `local` (all of one length), added in rank order.
    fn all_sum(&self, local: &[f64]) -> Vec<f64> {
        let mut parts = self.all_gather(local).into_iter();
        let mut sum = parts.next().unwrap_or_default();
        for part in parts {
            sum.iter_mut().zip(part).for_each(|(s, p)| *s += p);
        }
        sum
    }

    /// The items of `0..n` this rank owns in a contiguous split ([`share`]).
    fn my_share(&self, n: usize) -> Range<usize> {
        share(n, self.size(), self.rank())
    }
}

/// The values of `a`, column after column: how a matrix travels in a message.
pub fn column_major(a: faer::MatRef<'_, f64>) -> Vec<f64> {
    (0..a.ncols())
        .flat_map(|j| a.col(j).iter().copied())
        .collect()
}

/// One process: every collective is the identity.
#[derive(Debug, Clone, Copy, Default)]
pub struct SingleProcess;

impl Collective for SingleProcess {
    fn rank(&self) -> usize {
        0
    }
    fn size(&self) -> usize {
        1
    }
    fn all_gather(&self, local: &[f64]) -> Vec<Vec<f64>> {
        vec![local.to_vec()]
    }
    /// One process has no other rank: the reduction trees of this crate have no edges on
    /// one rank and never send. A message to itself is dropped.
    fn send(&self, _to: usize, _data: &[f64]) {}
    /// See [`SingleProcess::send`]: no message ever arrives (empty).
    fn receive(&self, _from: usize) -> Vec<f64> {
        Vec::new()
    }
}

/// The contiguous part of `0..n` rank `rank` of `size` owns: the first `n % size` ranks take
/// one item more, so shares differ by at most one.
pub fn share(n: usize, size: usize, rank: usize) -> Range<usize> {
    let size = size.max(1);
    let (base, extra) = (n / size, n % size);
    let start = rank * base + rank.min(extra);
    start..start + base + usize::from(rank < extra)
}

/// The contiguous part of the items rank `rank` of `size` owns when item i costs
/// `costs[i]`: item i goes to the rank whose equal slice of the total cost holds the cost
/// accumulated up to the middle of item i (the quadratic tensor's column j costs j + 1
/// form evaluations, so an equal split by count would leave the last rank r/2 times the
/// first's work).
pub fn share_by_cost(costs: &[f64], size: usize, rank: usize) -> Range<usize> {
    let total: f64 = costs.iter().sum();
    let size = size.max(1);
    let owner = |before: f64, cost: f64| {
        if total <= 0.0 {
            return 0;
        }
        (((before + 0.5 * cost) / total * size as f64) as usize).min(size - 1)
    };
    // Owners never decrease along the items, so a rank's items are contiguous.
    let owners: Vec<usize> = costs
        .iter()
        .scan(0.0, |before, &c| {
            let o = owner(*before, c);
            *before += c;
            Some(o)
        })
        .collect();
    let start = owners
        .iter()
        .position(|&o| o >= rank)
        .unwrap_or(owners.len());
    let end = owners
        .iter()
        .position(|&o| o > rank)
        .unwrap_or(owners.len());
    start..end
}

/// Whether this process was started by an MPI launcher, and as which rank of how many
/// (0: a launcher that does not say): read from the launcher's environment (Open MPI's
/// `OMPI_COMM_WORLD_*`, PMI's `PMI_*`, PMIx's `PMIX_RANK` with Slurm's task count), without
/// initializing MPI. Lets a build without the `mpi` feature refuse to run as one of several
/// ranks, where each copy would repeat the whole job.
pub fn launched_by_mpi() -> Option<(usize, usize)> {
    let read = |name: &str| std::env::var(name).ok()?.parse::<usize>().ok();
    let pairs = [
        ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
        ("PMI_RANK", "PMI_SIZE"),
        ("PMIX_RANK", "SLURM_STEP_NUM_TASKS"),
    ];
    pairs
        .iter()
        .find_map(|(rank, size)| Some((read(rank)?, read(size)?)))
        .or_else(|| read("PMIX_RANK").map(|rank| (rank, 0)))
}

/// FNV-1a hash of `bytes`: the fingerprint ranks compare to check they run the same
/// binary on the same inputs (not cryptographic: it guards against mistakes).
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_every_item_once() {
        for n in 0..20 {
            for size in 1..6 {
                let mut next = 0;
                for rank in 0..size {
                    let s = share(n, size, rank);
                    assert_eq!(s.start, next);
                    next = s.end;
                }
                assert_eq!(next, n);
            }
        }
    }

    #[test]
    fn cost_shares_cover_every_item_once_and_balance() {
        for r in 1..40 {
            let costs: Vec<f64> = (0..r).map(|j| (j + 1) as f64).collect();
            for size in 1..5 {
                let mut next = 0;
                let mut loads = Vec::new();
                for rank in 0..size {
                    let s = share_by_cost(&costs, size, rank);
                    assert!(s.is_empty() || s.start == next, "r {r} size {size}");
                    if !s.is_empty() {
                        next = s.end;
                    }
                    loads.push(costs[s].iter().sum::<f64>());
                }
                assert_eq!(next, r);
                // Each load is within one item (≤ r) of the ideal total / size.
                let ideal = costs.iter().sum::<f64>() / size as f64;
                for load in loads {
                    assert!((load - ideal).abs() <= r as f64, "r {r} size {size}");
                }
            }
        }
    }
}
