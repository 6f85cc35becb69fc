//! What `strom run` does on SIGINT (Ctrl-C) and SIGTERM, and how the processes of a
//! local cluster follow their launcher.
//!
//! - A checkpointing job stops on the first signal with a final savepoint (its output
//!   published up to there) and exits 0; a second signal ends it at once.
//! - Any other job ends at once: no output publishing starts any more (output already
//!   being published is finished first, never cut in half), every spill, staging and
//!   state folder the process made is removed (and staging a job keeps at its output's
//!   URL, [`strom_core::scratch::remove_on_signal`]), stderr says so, and the process exits
//!   with 128 + the signal's number: 130 for SIGINT, 143 for SIGTERM.
//! - Either way, a commit of a checkpoint's output in flight is let finish first
//!   ([`settle_commits`]), unless a second signal comes.
//! - A process of a local cluster (`STROM_LAUNCHER_PID` set by the launcher) asks the
//!   kernel for SIGTERM when its launcher dies, even by SIGKILL (Linux's parent-death
//!   signal), and then ends at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use nix::sys::signal::Signal;

/// The environment variable through which a local cluster's processes know their
/// launcher's pid.
pub const LAUNCHER_PID: &str = "STROM_LAUNCHER_PID";

static TERMINATING: AtomicBool = AtomicBool::new(false);

/// Whether the process is ending because of a signal (its job's errors and panics from
/// then on are the clean-up's doing, not news).
pub fn terminating() -> bool {
    TERMINATING.load(Ordering::SeqCst)
}

/// The exit status of a process ended by `signal`: 128 + its number.
pub fn exit_status(signal: Signal) -> i32 {
    128 + signal as i32
}

/// How a signal is named on stderr.
fn name(signal: Signal) -> &'static str {
    match signal {
        Signal::SIGINT => "SIGINT (Ctrl-C)",
        _ => signal.as_str(),
    }
}

/// How the running job reacts to a signal.
pub struct OnSignal {
    /// The job as messages name it (`job ID (NAME)`).
    pub job: String,
    /// Asks for a stop with a final savepoint; `true` when one was asked for (or
    /// another process of the job asks for it).
    pub stop: Option<Box<dyn Fn() -> bool + Send + Sync>>,
    /// Records that the job ended at once (the registry's `canceled`).
    pub ended: Option<Box<dyn Fn() + Send + Sync>>,
}

static JOB_DONE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Tells a signal handler that waits for publishing that the job has returned.
pub fn job_returned() {
    JOB_DONE.notify_one();
}

/// Handles SIGINT and SIGTERM for the running job, as the module says.
pub fn install(on: OnSignal) {
    let handle = strom_core::io_runtime::handle();
    let _guard = handle.enter();
    let (Ok(mut term), Ok(mut int)) = (
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()),
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()),
    ) else {
        return;
    };
    handle.spawn(async move {
        let mut next = async || {
            tokio::select! {
                _ = term.recv() => Signal::SIGTERM,
                _ = int.recv() => Signal::SIGINT,
            }
        };
        let first = next().await;
        let job = &on.job;
        if !launcher_gone() && on.stop.as_ref().is_some_and(|stop| stop()) {
            eprintln!(
                "{}: stopping {job} with a final savepoint (again to end at once)",
                name(first)
            );
            next().await;
        }
        TERMINATING.store(true, Ordering::SeqCst);
        let publishing = strom_core::scratch::close();
        if publishing {
            eprintln!(
                "{}: {job} is publishing its output; it ends once that is done (again to end at once)",
                name(first)
            );
            tokio::select! {
                () = JOB_DONE.notified() => {}
                _ = next() => {}
            }
        }
        if strom_core::commits::in_flight() > 0 {
            eprintln!(
                "{}: {job} is committing a checkpoint's output; it ends once that is done (again to end at once)",
                name(first)
            );
            tokio::select! {
                _ = tokio::task::spawn_blocking(settle_commits) => {}
                _ = next() => {}
            }
        }
        if let Some(ended) = &on.ended {
            ended();
        }
        let (mut folders, bytes) = strom_core::scratch::remove_all();
        folders += strom_core::scratch::remove_staging();
        let output = if publishing {
            "its output was being published"
        } else {
            "no output published"
        };
        eprintln!(
            "{}: {job} ends now; removed {folders} spill and staging folder(s) ({}); {output}",
            name(first),
            strom_core::scratch::megabytes(bytes)
        );
        exit(exit_status(first));
    });
}

/// How long an ending process waits for a commit in flight (a transaction's commit
/// against a slow broker takes several round trips, each bounded by the client's
/// timeout).
pub const COMMIT_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Lets a commit in flight finish before the process ends (`strom_core::commits`), for
/// at most [`COMMIT_GRACE`], saying so on stderr when it waits.
pub fn settle_commits() {
    let started = std::time::Instant::now();
    if strom_core::commits::in_flight() > 0 {
        eprintln!("waiting for the commit in flight to finish");
    }
    let left = strom_core::commits::settle(COMMIT_GRACE);
    if left > 0 {
        eprintln!(
            "{left} commit(s) still in flight after {:?}: ending anyway (the restored run commits again)",
            started.elapsed()
        );
    }
}

/// Ends the process with `status` after removing its scratch and staging folders and
/// releasing its folder locks (no destructor runs after `std::process::exit`).
pub fn exit(status: i32) -> ! {
    strom_core::scratch::close();
    strom_core::scratch::remove_all();
    strom_core::scratch::remove_staging();
    crate::locks::release_all();
    std::process::exit(status)
}

/// In a process started by a local cluster's launcher: asks for SIGTERM when the
/// launcher dies, and ends at once when it is already gone.
pub fn follow_launcher() {
    let Some(launcher) = launcher() else { return };
    if let Err(e) = nix::sys::prctl::set_pdeathsig(Signal::SIGTERM) {
        tracing::warn!("cannot ask for a signal when the launcher {launcher} dies: {e}");
    }
    if launcher_gone() {
        eprintln!("the launcher (process {launcher}) is gone: ending");
        exit(exit_status(Signal::SIGTERM));
    }
}

fn launcher() -> Option<i32> {
    std::env::var(LAUNCHER_PID).ok()?.parse().ok()
}

/// Whether this process was started by a launcher that is gone.
fn launcher_gone() -> bool {
    launcher().is_some_and(|pid| nix::unistd::getppid().as_raw() != pid)
}

/// The signals a launcher has received, for it to pass on.
#[derive(Default)]
pub struct Received {
    count: AtomicUsize,
    last: AtomicI32,
}

impl Received {
    /// How many signals have arrived, and the last one.
    pub fn get(&self) -> (usize, Option<Signal>) {
        let last = Signal::try_from(self.last.load(Ordering::SeqCst)).ok();
        (self.count.load(Ordering::SeqCst), last)
    }
}

/// Catches SIGINT and SIGTERM (for a launcher, which passes them on): counts them.
pub fn watch() -> Arc<Received> {
    let received = Arc::new(Received::default());
    let handle = strom_core::io_runtime::handle();
    let _guard = handle.enter();
    for (kind, signal) in [
        (
            tokio::signal::unix::SignalKind::terminate(),
            Signal::SIGTERM,
        ),
        (tokio::signal::unix::SignalKind::interrupt(), Signal::SIGINT),
    ] {
        let Ok(mut stream) = tokio::signal::unix::signal(kind) else {
            continue;
        };
        let received = received.clone();
        handle.spawn(async move {
            while stream.recv().await.is_some() {
                received.last.store(signal as i32, Ordering::SeqCst);
                received.count.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    received
}

/// Sends `signal` to process `pid` (a launcher passing a signal on).
pub fn send(pid: u32, signal: Signal) {
    let pid = nix::unistd::Pid::from_raw(pid as i32);
    if let Err(e) = nix::sys::signal::kill(pid, signal) {
        tracing::debug!("cannot send {signal} to {pid}: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_statuses_are_128_plus_the_signal() {
        assert_eq!(exit_status(Signal::SIGINT), 130);
        assert_eq!(exit_status(Signal::SIGTERM), 143);
    }
}
