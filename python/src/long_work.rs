//! Long work off the interpreter's thread: the job runs on a worker thread with the GIL
//! released, while the calling thread wakes every 50 ms to report progress to a Python
//! callable and to check for Ctrl-C. On an interrupt the job is asked to stop (through
//! [`Progress::cancelled`]), finishes what it was doing (a trajectory file stays partial
//! and resumable) and the `KeyboardInterrupt` is raised.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use galerkin::data::Progress;
use pyo3::prelude::*;

/// The progress of one job, shared between the job (which counts) and the caller (which
/// reports and may cancel).
#[derive(Debug, Default)]
pub struct Counter {
    total: AtomicU64,
    done: AtomicU64,
    cancel: AtomicBool,
    finished: AtomicBool,
}

impl Progress for Counter {
    fn start(&self, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
    }
    fn advance(&self, n: u64) {
        self.done.fetch_add(n, Ordering::Relaxed);
    }
    fn finish(&self) {}
    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

impl Counter {
    /// Sets the position to `done` of `total` (a job that knows both, like training).
    #[cfg(feature = "operators")]
    pub fn set(&self, done: u64, total: u64) {
        self.total.store(total, Ordering::Relaxed);
        self.done.store(done, Ordering::Relaxed);
    }

    /// Whether the caller asked the job to stop (Ctrl-C).
    #[cfg(feature = "operators")]
    pub fn stop_requested(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// (done, total) so far.
    fn position(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}

/// Runs `job` (which reports to `counter`) on a worker thread, reporting `(done, total)`
/// to `progress` (a callable, or `None`) whenever it changes, and stopping the job on
/// Ctrl-C. The GIL is released while waiting.
pub fn run<T: Send>(
    py: Python<'_>,
    progress: Option<&Bound<'_, PyAny>>,
    counter: Arc<Counter>,
    job: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    std::thread::scope(|scope| {
        let flag = Arc::clone(&counter);
        let handle = scope.spawn(move || {
            let out = job();
            flag.finished.store(true, Ordering::Release);
            out
        });
        let mut reported = None;
        loop {
            let done = py.detach(|| {
                for _ in 0..5 {
                    if counter.finished.load(Ordering::Acquire) {
                        return true;
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
                counter.finished.load(Ordering::Acquire)
            });
            let position = counter.position();
            let mut status = Ok(());
            if let Some(callback) = progress {
                if reported != Some(position) && position.1 > 0 {
                    status = callback.call1(position).map(drop);
                    reported = Some(position);
                }
            }
            if let Err(stop) = status.and_then(|()| py.check_signals()) {
                // Ctrl-C (or a failing progress callback): the job stops at its next check
                // and keeps what it finished.
                counter.cancel.store(true, Ordering::Relaxed);
                let _ = py.detach(|| handle.join());
                return Err(stop);
            }
            if done {
                break;
            }
        }
        py.detach(|| handle.join()).map_err(|_| {
            pyo3::exceptions::PyRuntimeError::new_err("galerkin: the worker thread panicked")
        })
    })
}
