//! Progress of long work, reported to whoever runs it: the library counts, the application
//! draws (a terminal bar, a log line, nothing).

use std::sync::Arc;

/// A sink for the progress of a job of known length; called from worker threads.
pub trait Progress: Send + Sync {
    /// The job has `total` units of work.
    fn start(&self, total: u64);
    /// `n` more units are done.
    fn advance(&self, n: u64);
    /// The job has ended (done or stopped).
    fn finish(&self);
    /// Whoever runs the job asks it to stop (an interrupt from the user): polled between
    /// units of work; a stopped run keeps what it finished (a trajectory file stays partial
    /// and resumable). Never, by default.
    fn cancelled(&self) -> bool {
        false
    }
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// The default sink, [`Silent`].
pub fn silent() -> Arc<dyn Progress> {
    Arc::new(Silent)
}
