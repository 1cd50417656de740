//! P ranks as P threads of this process: a [`Collective`] for testing the distributed
//! algorithms in the ordinary test suite, without MPI. A rank that panics fails the others'
//! next gather instead of leaving them waiting.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Condvar, Mutex};

use galerkin::parallel::Collective;

/// The slots of one gather round and who has filled them.
struct Round {
    slots: Vec<Vec<f64>>,
    /// The last completed round's gather: it stays until the next round completes, which
    /// needs every rank, so each rank has read it by then.
    result: Arc<Vec<Vec<f64>>>,
    arrived: usize,
    /// Rounds completed so far (a waiting rank watches it change).
    generation: u64,
    /// A rank panicked: every gather fails from now on.
    broken: bool,
}

/// Queued messages by (sender, receiver).
type Mailboxes = HashMap<(usize, usize), VecDeque<Vec<f64>>>;

struct Shared {
    round: Mutex<Round>,
    changed: Condvar,
    /// Point-to-point messages by (from, to), in order.
    mail: Mutex<Mailboxes>,
    delivered: Condvar,
}

/// One of `size` threads that gather through shared slots.
pub struct ThreadRank {
    rank: usize,
    size: usize,
    shared: Arc<Shared>,
}

impl ThreadRank {
    /// Waits until every rank has arrived in this round; the gathered slots.
    fn meet(&self, local: &[f64]) -> Arc<Vec<Vec<f64>>> {
        let mut round = self.shared.round.lock().unwrap();
        assert!(!round.broken, "another rank panicked");
        round.slots[self.rank] = local.to_vec();
        round.arrived += 1;
        let generation = round.generation;
        if round.arrived == self.size {
            round.arrived = 0;
            round.generation += 1;
            round.result = Arc::new(std::mem::replace(
                &mut round.slots,
                vec![Vec::new(); self.size],
            ));
            self.shared.changed.notify_all();
        } else {
            while round.generation == generation && !round.broken {
                round = self.shared.changed.wait(round).unwrap();
            }
            assert!(!round.broken, "another rank panicked");
        }
        round.result.clone()
    }
}

impl Collective for ThreadRank {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn all_gather(&self, local: &[f64]) -> Vec<Vec<f64>> {
        self.meet(local).as_ref().clone()
    }
    fn send(&self, to: usize, data: &[f64]) {
        let mut mail = self.shared.mail.lock().unwrap();
        mail.entry((self.rank, to))
            .or_default()
            .push_back(data.to_vec());
        self.shared.delivered.notify_all();
    }
    fn receive(&self, from: usize) -> Vec<f64> {
        let mut mail = self.shared.mail.lock().unwrap();
        loop {
            if let Some(message) = mail.get_mut(&(from, self.rank)).and_then(|q| q.pop_front()) {
                return message;
            }
            assert!(
                !self.shared.round.lock().unwrap().broken,
                "another rank panicked"
            );
            mail = self
                .shared
                .delivered
                .wait_timeout(mail, std::time::Duration::from_millis(50))
                .unwrap()
                .0;
        }
    }
}

/// Marks the group broken when its rank's thread unwinds.
struct BreakOnPanic(Arc<Shared>);

impl Drop for BreakOnPanic {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(mut round) = self.0.round.lock() {
                round.broken = true;
            }
            self.0.changed.notify_all();
        }
    }
}

/// Runs `job` on `size` thread ranks and returns each rank's result, in rank order; a
/// panic on any rank is a panic here.
pub fn on_ranks<T: Send>(size: usize, job: impl Fn(&dyn Collective) -> T + Sync) -> Vec<T> {
    let shared = Arc::new(Shared {
        round: Mutex::new(Round {
            slots: vec![Vec::new(); size],
            result: Arc::new(Vec::new()),
            arrived: 0,
            generation: 0,
            broken: false,
        }),
        changed: Condvar::new(),
        mail: Mutex::new(Default::default()),
        delivered: Condvar::new(),
    });
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..size)
            .map(|rank| {
                let me = ThreadRank {
                    rank,
                    size,
                    shared: shared.clone(),
                };
                let job = &job;
                scope.spawn(move || {
                    let _guard = BreakOnPanic(me.shared.clone());
                    job(&me)
                })
            })
            .collect();
        let results: Vec<_> = handles.into_iter().map(|h| h.join()).collect();
        results
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
