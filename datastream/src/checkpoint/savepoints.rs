//! Savepoint requests (`docs/0009-checkpoints.md`, `docs/0011-job-control.md`): a
//! request file in the checkpoint folder asks the running job for a savepoint at its
//! next checkpoint ([`Request`]); the committer takes it, copies the checkpoint to
//! `savepoint-<epoch>` and, for a stop, writes [`STOP`], which sources and operators
//! read.

use strom_core::{Error, Result};

use super::protocol::Marker;
use super::{folder, locate};

/// A request for a savepoint in a checkpoint folder: `savepoint`, `stop` or `drain`
/// ([`Request`]), then the id of the run it is for, if it names one.
pub const REQUEST: &str = "SAVEPOINT-REQUEST";
/// Written when a job stops with a savepoint: the epoch after which sources end, then
/// ` drain` when the job drains.
pub const STOP: &str = "STOP";

/// What a savepoint request asks of a job.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// A savepoint; the job goes on.
    Savepoint,
    /// A savepoint, after which sources end and the job finishes without firing what
    /// is pending: event-time windows and timers stay in the savepoint, for the job
    /// restored from it (Flink's `stop`).
    Stop,
    /// A savepoint, after which sources end and the watermark goes to the end of time:
    /// every pending window and timer fires and the output is published, for a job
    /// that is over (Flink's `stop --drain`). A job restored from the savepoint fires
    /// those windows again.
    Drain,
}

impl Request {
    fn word(self) -> &'static str {
        match self {
            Request::Savepoint => "savepoint",
            Request::Stop => "stop",
            Request::Drain => "drain",
        }
    }

    fn parse(word: &str) -> Option<Request> {
        [Request::Savepoint, Request::Stop, Request::Drain]
            .into_iter()
            .find(|r| r.word() == word)
    }
}

/// Asks the job checkpointing into `dir` for a savepoint at its next checkpoint, and
/// to stop after it (without draining) when `stop`.
///
/// # Errors
/// When the folder cannot be written.
pub fn request_savepoint(dir: &str, stop: bool) -> Result<()> {
    request(
        dir,
        if stop {
            Request::Stop
        } else {
            Request::Savepoint
        },
    )
}

/// Asks whatever job checkpoints into `dir` for what `what` says, at its next
/// checkpoint. A job started later removes the request unanswered.
///
/// # Errors
/// When the folder cannot be written.
pub fn request(dir: &str, what: Request) -> Result<()> {
    locate(dir, REQUEST)?.write(what.word().as_bytes().to_vec().into())
}

/// Asks the run `run_id` (its [`RuntimeConfig::run_id`]) checkpointing into `dir` for
/// what `what` says; any other job that checkpoints there removes the request
/// unanswered.
///
/// [`RuntimeConfig::run_id`]: strom_core::RuntimeConfig::run_id
///
/// # Errors
/// When the folder cannot be written.
pub fn request_for(dir: &str, run_id: &str, what: Request) -> Result<()> {
    let text = format!("{} {run_id}", what.word());
    locate(dir, REQUEST)?.write(text.into_bytes().into())
}

/// Removes a request that is still pending (one no job took), so that no later job
/// takes it.
///
/// # Errors
/// When the folder cannot be written.
pub fn withdraw_request(dir: &str) -> Result<()> {
    match locate(dir, REQUEST)?.delete_prefix() {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

/// The pending request, taken (removed): `None` when there is none, or when it is
/// for another run than `me` (removed all the same: that run is not here).
pub(super) fn take_request(dir: &str, me: Option<&str>) -> Option<Request> {
    let loc = locate(dir, REQUEST).ok()?;
    let bytes = loc.read_all().ok()?;
    let _ = loc.delete_prefix();
    let text = String::from_utf8_lossy(&bytes);
    let mut words = text.split_whitespace();
    let what = words.next().and_then(Request::parse);
    match (what, words.next()) {
        (Some(what), None) => Some(what),
        (Some(what), Some(id)) if Some(id) == me => Some(what),
        (_, id) => {
            eprintln!(
                "ignored a savepoint request in {dir} for another job ({}): {}",
                id.unwrap_or("none"),
                text.trim()
            );
            None
        }
    }
}

/// Removes, when a run starts, a pending request that is not addressed to it: it was
/// left by a request that raced with the end of an earlier job.
pub(super) fn remove_stale_request(dir: &str, me: Option<&str>) {
    let Ok(loc) = locate(dir, REQUEST) else {
        return;
    };
    let Ok(bytes) = loc.read_all() else {
        return;
    };
    let text = String::from_utf8_lossy(&bytes);
    let addressed_to_me = me.is_some() && text.split_whitespace().nth(1) == me;
    if !addressed_to_me {
        let _ = loc.delete_prefix();
        eprintln!(
            "removed a stale savepoint request from {dir} (\"{}\", left by an earlier job)",
            text.trim()
        );
    }
}

/// Whether the job checkpointing into `dir` is stopping (sources end at their next
/// epoch).
pub fn stop_requested(dir: &str) -> bool {
    stopping(dir).is_some()
}

/// How the job checkpointing into `dir` stops: `None` when it does not,
/// `Some(true)` when it drains.
pub(crate) fn stopping(dir: &str) -> Option<bool> {
    let bytes = locate(dir, STOP).and_then(|l| l.read_all()).ok()?;
    Some(String::from_utf8_lossy(&bytes).trim().ends_with("drain"))
}

/// Copies the committed checkpoint of `epoch` to `savepoint-<epoch>` (kept whatever
/// the retention), marker last; gives its URL.
///
/// # Errors
/// When the copy cannot be made.
pub(super) fn save(dir: &str, epoch: u64, marker: &Marker) -> Result<String> {
    let name = format!("savepoint-{epoch:010}");
    let mut copy = marker.clone();
    copy.files.clear();
    let copied = (|| -> Result<()> {
        for (path, crc) in &marker.files {
            // Files of earlier checkpoints go inside: a savepoint stands alone.
            let (from, to) = match path.strip_prefix("../") {
                Some(shared) => (shared.to_string(), shared.to_string()),
                None => (format!("{}/{path}", folder(epoch)), path.clone()),
            };
            let bytes = locate(dir, &from)?.read_all()?;
            locate(dir, &format!("{name}/{to}"))?.write(bytes)?;
            copy.files.insert(to, *crc);
        }
        locate(dir, &format!("{name}/COMMITTED"))?.write(copy.to_bytes().into())
    })();
    if let Err(e) = copied {
        return Err(Error::Internal(format!("savepoint {name}: {e}")));
    }
    Ok(format!("{}/{name}", dir.trim_end_matches('/')))
}
