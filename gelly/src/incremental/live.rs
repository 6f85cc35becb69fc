//! [`LiveResult`]: the current result of a running job, readable from any thread while
//! the job runs.
//!
//! A sink on the changelog ([`LiveResult::attach`]) hands each worker's rows to the
//! shared handle with how far that worker's input frontier has come: rows of change
//! time `t` travel at the stream time of watermark `t - 1`, so once every frontier
//! element's watermark is at or past `t`, no row of `t` or earlier can still come to
//! that worker. The handle applies the rows of a time only when every attached worker
//! has passed it, all of them at once under one lock, so a reader always sees the
//! result of exactly the times up to [`LiveResult::through`]: the fold of the changelog
//! up to that time, never a time half applied.
//!
//! One handle per job run, attached on every worker of the process (the dataflow
//! closure attaches it; a restored run needs a new handle). In a cluster, each
//! process's handle holds the vertices its own workers keep (the changelog is keyed by
//! vertex).

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::generic::Operator;
use strom_datastream::DataStream;

use super::{CurrentResult, ResultChange};

/// A running job's current result, shared between the job's workers (which keep it up
/// to date) and any reader. Cloning gives another handle on the same result.
#[derive(Clone, Default)]
pub struct LiveResult {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled whenever `through` moves.
    advanced: Condvar,
}

struct State {
    result: CurrentResult,
    /// Every change time at or before it is applied, none after.
    through: i64,
    /// Rows not applied yet, by change time.
    pending: BTreeMap<i64, Vec<ResultChange>>,
    /// Per attached worker: the time through which it has handed over every row.
    marks: Vec<i64>,
}

impl Default for State {
    fn default() -> Self {
        State {
            result: CurrentResult::default(),
            through: i64::MIN,
            pending: BTreeMap::new(),
            marks: Vec::new(),
        }
    }
}

impl LiveResult {
    /// A handle with nothing attached yet.
    pub fn new() -> Self {
        LiveResult::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A worker that panicked while holding the lock fails the job; what it left is
        // still a consistent prefix (rows are applied only after being handed over).
        self.shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps the handle up to date from `changelog` (the output of
    /// [`super::maintain`]), on this worker. Call it on every worker (in the dataflow
    /// closure), once per job run.
    pub fn attach(&self, changelog: &DataStream<'_, ResultChange>) {
        let slot = {
            let mut state = self.lock();
            state.marks.push(i64::MIN);
            state.marks.len() - 1
        };
        let live = self.clone();
        let mut rows = Vec::new();
        changelog
            .stream()
            .sink(Pipeline, "Live result", move |(input, frontier)| {
                input.for_each(|_, data| rows.extend(data.drain(..).map(|r| (r.ts, r.value))));
                let mark = frontier
                    .frontier()
                    .iter()
                    .map(|t| t.watermark())
                    .min()
                    .unwrap_or(i64::MAX);
                live.hand_over(slot, &mut rows, mark);
            });
    }

    /// Takes `rows` from the worker at `slot`, which will send nothing more at or
    /// before `mark`, and applies every time all workers have passed.
    fn hand_over(&self, slot: usize, rows: &mut Vec<(i64, ResultChange)>, mark: i64) {
        let mut state = self.lock();
        if rows.is_empty() && state.marks[slot] >= mark {
            return;
        }
        for (ts, change) in rows.drain(..) {
            state.pending.entry(ts).or_default().push(change);
        }
        state.marks[slot] = state.marks[slot].max(mark);
        let through = state.marks.iter().copied().min().unwrap_or(i64::MIN);
        if through <= state.through {
            return;
        }
        let State {
            result, pending, ..
        } = &mut *state;
        while let Some(entry) = pending.first_entry() {
            if *entry.key() > through {
                break;
            }
            for change in entry.remove() {
                result.apply(change);
            }
        }
        state.through = through;
        self.shared.advanced.notify_all();
    }

    /// The change time the result is at: every change at or before it is in, none
    /// after. `i64::MIN` before the first time completes, `i64::MAX` once the
    /// changelog has ended.
    pub fn through(&self) -> i64 {
        self.lock().through
    }

    /// The current value of `vertex`, if it has one.
    pub fn get(&self, vertex: u64) -> Option<u64> {
        self.lock().result.get(vertex)
    }

    /// Reads the current result and the time it is at under the lock (the workers
    /// wait meanwhile, so keep `read` short): `read(through, result)`.
    pub fn read<R>(&self, read: impl FnOnce(i64, &CurrentResult) -> R) -> R {
        let state = self.lock();
        read(state.through, &state.result)
    }

    /// A copy of the current result with the time it is at.
    pub fn snapshot(&self) -> (i64, CurrentResult) {
        self.read(|through, result| (through, result.clone()))
    }

    /// Waits until the result is at `time` or later, at most `timeout`; whether it is.
    pub fn wait_through(&self, time: i64, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut state = self.lock();
        while state.through < time {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .shared
                .advanced
                .wait_timeout(state, left)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
        true
    }
}

impl std::fmt::Debug for LiveResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("LiveResult")
            .field("through", &state.through)
            .field("workers", &state.marks.len())
            .field("pending_times", &state.pending.len())
            .finish()
    }
}
