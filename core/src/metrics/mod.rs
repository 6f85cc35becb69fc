//! Live numbers of the job running in this process, for its REST endpoint, status page
//! and `/metrics` (the CLI's job control, `docs/0011-job-control.md`).
//!
//! - The operator graph with records in and out comes from timely's own log of the
//!   operators, channels and messages each worker builds and sends, so every batch and
//!   stream job has it without instrumenting operators.
//! - Stream operators report their event-time watermark and sources the time they were
//!   held back by slower operators ([`report_watermark`], [`report_blocked`]).
//! - The checkpoint committer records each checkpoint; failures record exceptions.
//!
//! Collection is off until [`enable`] (the CLI turns it on): library users and tests pay
//! nothing for it. Reports from operators are a thread-local lookup and an uncontended
//! lock per operator activation, never per record.

mod failure;
mod graph;
mod prometheus;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use timely::worker::Worker;

pub(crate) use failure::failed_operator;
pub use failure::{Running, next_operator_id, running};
pub use graph::OperatorView;
pub use prometheus::render as prometheus_text;

/// Checkpoints kept in the history.
const HISTORY: usize = 64;
/// Exceptions kept.
const EXCEPTIONS: usize = 32;

/// One checkpoint or savepoint of the running job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CheckpointRecord {
    /// Its epoch (checkpoint id).
    pub id: u64,
    /// `"checkpoint"` or `"savepoint"`.
    pub kind: String,
    /// Where it is.
    pub path: String,
    /// When its epoch began, ms since the Unix epoch.
    pub started_ms: i64,
    /// From the start of its epoch to its commit, ms.
    pub duration_ms: u64,
    /// Bytes it wrote.
    pub bytes: u64,
    /// `"completed"` (committed), or `"failed"`.
    pub status: String,
}

/// A failure of the running job.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ExceptionRecord {
    /// When, ms since the Unix epoch.
    pub at_ms: i64,
    /// What went wrong.
    pub message: String,
}

/// What the running job reports.
#[derive(Default)]
struct JobMetrics {
    workers: Mutex<Vec<Arc<Mutex<graph::WorkerLog>>>>,
    checkpoints: Mutex<VecDeque<CheckpointRecord>>,
    exceptions: Mutex<VecDeque<ExceptionRecord>>,
}

static ENABLED: AtomicBool = AtomicBool::new(false);
/// Bytes of input files the running job's workers have planned to read, and read.
static INPUT_PLANNED: AtomicU64 = AtomicU64::new(0);
static INPUT_READ: AtomicU64 = AtomicU64::new(0);
static JOB: OnceLock<JobMetrics> = OnceLock::new();

fn job() -> &'static JobMetrics {
    JOB.get_or_init(JobMetrics::default)
}

thread_local! {
    /// This worker thread's log, once attached.
    static LOG: RefCell<Option<Arc<Mutex<graph::WorkerLog>>>> = const { RefCell::new(None) };
}

/// Turns collection on for the jobs this process runs from now on.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether collection is on.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Forgets the workers of the job before (called by [`crate::launch::execute`] before
/// it starts a job's workers).
pub(crate) fn begin() {
    INPUT_PLANNED.store(0, Ordering::Relaxed);
    INPUT_READ.store(0, Ordering::Relaxed);
    if enabled() {
        lock(&job().workers).clear();
    }
}

/// Starts logging `worker`'s operators, channels and messages (before it builds its
/// dataflows). Called by [`crate::launch::execute`] on each worker when collection is on.
pub(crate) fn attach(worker: &mut Worker) {
    if !enabled() {
        return;
    }
    let log = Arc::new(Mutex::new(graph::WorkerLog::default()));
    lock(&job().workers).push(log.clone());
    LOG.with(|l| *l.borrow_mut() = Some(log.clone()));
    failure::forget();
    if let Some(mut registry) = worker.log_register() {
        registry.insert::<timely::logging::TimelyEventBuilder, _>("timely", move |_, events| {
            if let Some(events) = events {
                lock(&log).record(events);
            }
        });
    }
}

fn with_log(f: impl FnOnce(&mut graph::WorkerLog)) {
    LOG.with(|l| {
        if let Some(log) = l.borrow().as_ref() {
            f(&mut lock(log));
        }
    });
}

/// Reports the event-time watermark of the operator at `address` on this worker.
pub fn report_watermark(address: &[usize], watermark: i64) {
    with_log(|log| {
        log.watermarks.insert(address.to_vec(), watermark);
    });
}

/// Adds `nanos` to the time the operator at `address` was held back on this worker.
pub fn report_blocked(address: &[usize], nanos: u64) {
    with_log(|log| *log.blocked.entry(address.to_vec()).or_default() += nanos);
}

/// Shows the timely operators built in `scope` since the last group (on this worker)
/// as one operator of the user's program: the one at `lead` (an operator index in
/// `scope`; without one, the last one built), named `name` (without one, by the lead's
/// own name). The DataSet and DataStream APIs call this as each of their calls
/// returns, so their plumbing shows as part of the operator it serves.
pub fn group_built<T: timely::progress::Timestamp>(
    scope: &timely::dataflow::Scope<'_, T>,
    lead: Option<usize>,
    name: Option<&str>,
) {
    with_log(|log| {
        let (from, to) = (log.mark, scope.worker().peek_identifier());
        if to <= from {
            return;
        }
        log.mark = to;
        let lead = lead.map(|index| [&scope.addr()[..], &[index]].concat());
        let name = name.map(str::to_owned);
        log.groups.push(graph::Group {
            from,
            to,
            lead,
            name,
        });
    });
}

/// Shows the operator of the user's program that produced `stream` as `name` (a
/// program's own name for it, as Flink's `.name(..)`).
pub fn rename<T: timely::progress::Timestamp, C>(
    stream: &timely::dataflow::Stream<'_, T, C>,
    name: &str,
) {
    with_log(|log| {
        let addr = [&stream.scope().addr()[..], &[stream.name().node]].concat();
        log.renames.insert(addr, name.to_owned());
    });
}

/// Adds `bytes` to the input a worker of the running job plans to read (its splits).
pub fn input_planned(bytes: u64) {
    INPUT_PLANNED.fetch_add(bytes, Ordering::Relaxed);
}

/// Adds `bytes` to the input the running job has read.
pub fn input_read(bytes: u64) {
    INPUT_READ.fetch_add(bytes, Ordering::Relaxed);
}

/// Bytes of input read and planned so far (for a progress bar; the plan grows as
/// workers list their splits).
pub fn input_progress() -> (u64, u64) {
    (
        INPUT_READ.load(Ordering::Relaxed),
        INPUT_PLANNED.load(Ordering::Relaxed),
    )
}

/// The operators of the running job (this process's workers), in address order.
pub fn operators() -> Vec<OperatorView> {
    let workers: Vec<_> = lock(&job().workers).clone();
    let guards: Vec<_> = workers.iter().map(|w| lock(w)).collect();
    graph::merge(guards.iter().map(|g| &**g))
}

/// Records a checkpoint of the running job (the newest last; a few dozen are kept).
pub fn record_checkpoint(record: CheckpointRecord) {
    let mut history = lock(&job().checkpoints);
    history.push_back(record);
    while history.len() > HISTORY {
        history.pop_front();
    }
}

/// The checkpoint history, oldest first.
pub fn checkpoints() -> Vec<CheckpointRecord> {
    lock(&job().checkpoints).iter().cloned().collect()
}

/// Records a failure of the running job.
pub fn record_exception(message: impl Into<String>) {
    let mut all = lock(&job().exceptions);
    all.push_back(ExceptionRecord {
        at_ms: crate::time::ProcessingClock::System.now(),
        message: message.into(),
    });
    while all.len() > EXCEPTIONS {
        all.pop_front();
    }
}

/// The failures recorded, oldest first.
pub fn exceptions() -> Vec<ExceptionRecord> {
    lock(&job().exceptions).iter().cloned().collect()
}

#[cfg(test)]
mod tests;
