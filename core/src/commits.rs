//! Commits in flight: a sink's commit, once begun, is let finish before the process
//! ends.
//!
//! A two-phase-commit sink commits on the checkpoint committer's thread, apart from the
//! workers. When the job fails (a peer process died, a worker panicked) or a signal ends
//! the process, the workers stop at once, but a commit cut in half by the process's exit
//! can leave a broker transaction open, to be aborted by the next run. A broker that does
//! not hide aborted transactions from `read_committed` readers (Tansu) then shows its
//! records next to the restored run's commit of the same epoch. So the committer holds a
//! [`Committing`] guard while it commits, and whatever ends the process first waits, up
//! to a limit, for [`settle`]: the commit finishes (it is the commit of a complete
//! checkpoint, which a restore would make anyway), then the process ends. No commit
//! begins once the process is settling: it is left to the restored run.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

/// The commits in flight, and whether the process is ending.
struct Commits {
    in_flight: usize,
    closed: bool,
}

static COMMITS: Mutex<Commits> = Mutex::new(Commits {
    in_flight: 0,
    closed: false,
});
static SETTLED: Condvar = Condvar::new();

fn commits() -> std::sync::MutexGuard<'static, Commits> {
    COMMITS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A commit in flight, from [`begin`] until dropped.
#[must_use = "the commit counts as in flight only while the guard lives"]
#[derive(Debug)]
pub struct Committing(());

impl Drop for Committing {
    fn drop(&mut self) {
        let mut c = commits();
        c.in_flight -= 1;
        if c.in_flight == 0 {
            SETTLED.notify_all();
        }
    }
}

/// Marks a commit as in flight until the guard is dropped; `None` once the process is
/// ending ([`settle`]): the commit is not to begin.
pub fn begin() -> Option<Committing> {
    let mut c = commits();
    if c.closed {
        return None;
    }
    c.in_flight += 1;
    Some(Committing(()))
}

/// How many commits are in flight.
pub fn in_flight() -> usize {
    commits().in_flight
}

/// For a process that is ending: lets no commit begin any more and waits until none
/// is in flight, for at most `limit`; gives how many still are.
pub fn settle(limit: Duration) -> usize {
    let deadline = Instant::now() + limit;
    let mut c = commits();
    c.closed = true;
    while c.in_flight > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        c = SETTLED
            .wait_timeout(c, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    c.in_flight
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settle_waits_for_the_commit_in_flight_and_no_longer() {
        let guard = begin().expect("the process is not ending");
        assert_eq!(in_flight(), 1);
        // Nothing ends the commit: settle gives up at its limit.
        let started = Instant::now();
        assert_eq!(settle(Duration::from_millis(50)), 1);
        assert!(started.elapsed() >= Duration::from_millis(50));
        let ends = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            drop(guard);
        });
        assert_eq!(settle(Duration::from_secs(60)), 0);
        assert_eq!(in_flight(), 0);
        assert!(begin().is_none(), "no commit begins once settling");
        ends.join().unwrap();
    }
}
