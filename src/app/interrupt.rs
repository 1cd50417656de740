//! Ctrl-C as a request to stop: the first SIGINT sets a flag that long work polls between
//! units (a simulation between trajectories, which it keeps in its partial file; training
//! between epochs, with a checkpoint) and prints what happens next; a second one ends the process at once, as Ctrl-C always does.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by the first SIGINT.
static REQUESTED: AtomicBool = AtomicBool::new(false);

/// What the first Ctrl-C prints (from the handler: `write(2)` is async-signal-safe).
const NOTICE: &[u8] = b"\ninterrupt: stopping at the next safe point (after the trajectories \
in progress, or at the end of the epoch with a checkpoint) and keeping what is finished \
(Ctrl-C again to stop at once)\n";

/// The SIGINT handler: flags the request, says so, and restores the default action so that
/// a second Ctrl-C kills the process.
extern "C" fn on_interrupt(_signal: libc::c_int) {
    REQUESTED.store(true, Ordering::SeqCst);
    // SAFETY: write(2) and signal(2) are async-signal-safe; NOTICE is a static buffer.
    unsafe {
        libc::write(2, NOTICE.as_ptr().cast(), NOTICE.len());
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

/// Installs the handler (once, at start-up, before other threads exist).
pub fn install() {
    let handler: extern "C" fn(libc::c_int) = on_interrupt;
    // SAFETY: installs a handler that only touches an atomic and calls async-signal-safe
    // functions.
    unsafe {
        libc::signal(libc::SIGINT, handler as libc::sighandler_t);
    }
}

/// Whether the user asked to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}
