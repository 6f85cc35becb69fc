//! Running a job: the per-worker [`Env`] that builds the dataflow, and [`execute`].
//!
//! A job runs in two phases. First the dataflow runs to completion; sources that fail
//! (a missing file, a malformed row) record their error and stop, and sinks write into
//! local staging files. Then all workers agree, through a second small dataflow, on
//! whether any worker in any process failed. Only if none did are staged files published
//! to their URLs, so a failed job leaves no partial output behind.

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use strom_core::error::JobFailure;
use strom_core::spill::{ExternalSorter, MemoryManager, SpillDir, SpillMetrics};
use strom_core::storage::Location;
use strom_core::timely::dataflow::Scope;
use strom_core::timely::dataflow::operators::vec::Broadcast;
use strom_core::timely::dataflow::operators::{Inspect, ToStream};
use strom_core::timely::worker::Worker;
use strom_core::{Error, Result, RuntimeConfig, launch};

use crate::output::JobOutput;

/// The timestamp of batch dataflows: everything happens in epoch 0.
pub type Time = u64;

/// State shared by the workers of one process.
pub(crate) struct ProcessContext {
    errors: Mutex<Vec<String>>,
    staging: Mutex<Option<strom_core::scratch::ScratchDir>>,
    pub(crate) memory: MemoryManager,
}

impl ProcessContext {
    fn new(config: &RuntimeConfig) -> Self {
        ProcessContext {
            errors: Mutex::new(Vec::new()),
            staging: Mutex::new(None),
            memory: MemoryManager::new(
                config.memory_limit,
                config.workers,
                config.spill_dir.clone(),
            ),
        }
    }
}

/// What a job did besides its output.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct JobMetrics {
    /// Spill files written by out-of-core operators in this process.
    pub spill_files: u64,
    /// Bytes spilled in this process.
    pub spilled_bytes: u64,
    /// Operator state moved to a disk store in this process, such as a delta
    /// iteration's solution set past its share of memory (one per worker that moved
    /// it); each also counts as a spill file of the bytes it moved.
    pub spill_stores: u64,
    /// Hash-table partitions kept on disk in this process, such as those of a loop's
    /// static join whose build side is past its share of memory (read back each round
    /// for the probes that fall in them); their files count in `spill_files`.
    pub spilled_partitions: u64,
}

/// A file a sink has finished writing, to be published when the job succeeds.
pub(crate) struct Staged {
    pub(crate) file: PathBuf,
    pub(crate) target: Location,
}

/// What one worker knows about the job it is building.
pub(crate) struct WorkerContext {
    pub(crate) config: RuntimeConfig,
    process: Arc<ProcessContext>,
    staged: RefCell<Vec<Staged>>,
    /// Part files of an earlier, wider run in a folder output: worker 0 deletes them before
    /// anything is published.
    stale_parts: RefCell<Vec<Location>>,
    next_file: RefCell<usize>,
    /// Memory consumers registered while this worker built its dataflow.
    memory_consumers: std::cell::Cell<usize>,
    /// Iterations built so far (their ids).
    pub(crate) loops: std::cell::Cell<usize>,
}

impl WorkerContext {
    /// Registers an operator that takes managed memory (while building the dataflow).
    pub(crate) fn register_memory_consumer(&self) {
        self.memory_consumers.set(self.memory_consumers.get() + 1);
    }

    /// One memory consumer's share of the budget (call once running).
    pub(crate) fn budget(&self) -> u64 {
        self.process.memory.budget(self.memory_consumers.get())
    }

    /// The job's spill folder, created on first use.
    pub(crate) fn spill_dir(&self) -> Result<Arc<SpillDir>> {
        self.process.memory.spill_dir()
    }

    /// The process's spill counters.
    pub(crate) fn spill_metrics(&self) -> Arc<SpillMetrics> {
        self.process.memory.metrics()
    }

    /// An external sorter with one consumer's share of the budget (call once running).
    pub(crate) fn sorter<T, C>(&self, compare: C) -> Result<ExternalSorter<T, C>>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
        C: Fn(&T, &T) -> std::cmp::Ordering,
    {
        self.sorter_with_budget(compare, self.budget())
    }

    /// A spilling queue with one consumer's share of the budget (call once running).
    pub(crate) fn spill_queue<T>(&self) -> Result<strom_core::spill::SpillQueue<T>>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        self.spill_queue_with_budget(self.budget())
    }

    /// A spilling queue keeping at most `budget` bytes in memory (0: a spill file).
    pub(crate) fn spill_queue_with_budget<T>(
        &self,
        budget: u64,
    ) -> Result<strom_core::spill::SpillQueue<T>>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
    {
        let memory = &self.process.memory;
        Ok(strom_core::spill::SpillQueue::new(
            budget,
            memory.spill_dir()?,
            memory.metrics(),
        ))
    }

    /// An external sorter with the given budget, spilling into the job's spill folder.
    pub(crate) fn sorter_with_budget<T, C>(
        &self,
        compare: C,
        budget: u64,
    ) -> Result<ExternalSorter<T, C>>
    where
        T: serde::Serialize + serde::de::DeserializeOwned,
        C: Fn(&T, &T) -> std::cmp::Ordering,
    {
        let memory = &self.process.memory;
        Ok(ExternalSorter::new(
            compare,
            budget,
            memory.spill_dir()?,
            memory.metrics(),
        ))
    }

    pub(crate) fn fail(&self, error: &Error) {
        self.fail_with(error.to_string());
    }

    /// Records a failure said in words (the job fails with it as its cause).
    pub(crate) fn fail_with(&self, message: String) {
        tracing::debug!(%message, "worker records a job failure");
        self.process
            .errors
            .lock()
            .expect("error lock")
            .push(message);
    }

    pub(crate) fn failed(&self) -> bool {
        !self.process.errors.lock().expect("error lock").is_empty()
    }

    /// A fresh local file for staging output.
    pub(crate) fn staging_file(&self, index: usize) -> Result<PathBuf> {
        let mut guard = self.process.staging.lock().expect("staging lock");
        if guard.is_none() {
            let dir =
                strom_core::scratch::ScratchDir::new("out", self.config.spill_dir.as_deref())?;
            *guard = Some(dir);
        }
        let mut next = self.next_file.borrow_mut();
        *next += 1;
        let dir = guard.as_ref().expect("staging folder exists").path();
        Ok(dir.join(format!("w{index}-{next}")))
    }

    pub(crate) fn stage(&self, staged: Staged) {
        self.staged.borrow_mut().push(staged);
    }

    pub(crate) fn remove_on_publish(&self, part: Location) {
        self.stale_parts.borrow_mut().push(part);
    }
}

/// The handle a job's build function gets on every worker: sources start here.
///
/// The build function runs once per worker, and must build the same dataflow on each.
#[derive(Clone)]
pub struct Env<'scope> {
    pub(crate) scope: Scope<'scope, Time>,
    pub(crate) ctx: Rc<WorkerContext>,
}

impl<'scope> Env<'scope> {
    /// This worker's index among all workers of the job.
    pub fn index(&self) -> usize {
        self.scope.index()
    }

    /// The number of workers in the job.
    pub fn peers(&self) -> usize {
        self.scope.peers()
    }

    /// The job's configuration.
    pub fn config(&self) -> &RuntimeConfig {
        &self.ctx.config
    }

    /// The timely scope, for building custom operators. Unstable: see
    /// [`crate::unstable`].
    pub fn scope(&self) -> crate::unstable::RawScope<'scope> {
        self.scope
    }

    /// Records an error that fails the job (no output is published).
    pub fn fail(&self, error: &Error) {
        self.ctx.fail(error);
    }

    /// A handle for user functions to fail the job at run time with a message (e.g. a
    /// value a map cannot use): the job runs on, then fails with that message as its
    /// cause, as a source's bad line does.
    pub fn failure(&self) -> Failure {
        Failure {
            ctx: self.ctx.clone(),
        }
    }
}

/// Fails the job from inside a user function ([`Env::failure`]).
#[derive(Clone)]
pub struct Failure {
    ctx: Rc<WorkerContext>,
}

impl Failure {
    /// Records `message` as a failure of the job (the first one recorded is reported).
    pub fn fail(&self, message: impl Into<String>) {
        self.ctx.fail_with(message.into());
    }

    /// Whether a failure was already recorded in this process (by a source's bad line,
    /// say): a check that only makes sense on good input can then stay quiet, since
    /// the job reports its failures in text order, not in the order they happened.
    pub fn has_failed(&self) -> bool {
        self.ctx.failed()
    }
}

/// Runs a batch job: `build` is called on every worker to build the dataflow, which then
/// runs to completion. Returns what the job collected on the driver (worker 0, in
/// process 0), or `None` in other processes.
///
/// # Errors
/// The first error any worker met, after which no output of the job is published.
///
/// ```
/// use strom_dataset::execute;
/// use strom_core::RuntimeConfig;
///
/// let squares = execute(&RuntimeConfig::default().with_workers(2), |env| {
///     env.generate_sequence(1, 4).map(|x| x * x).collect()
/// })
/// .unwrap()
/// .unwrap();
/// let mut squares = squares;
/// squares.sort();
/// assert_eq!(squares, vec![1, 4, 9, 16]);
/// ```
pub fn execute<R, F>(config: &RuntimeConfig, build: F) -> Result<Option<R::Output>>
where
    R: JobOutput,
    F: for<'s> Fn(&Env<'s>) -> R + Send + Sync + 'static,
{
    execute_with_metrics(config, build).map(|(output, _)| output)
}

/// As [`execute`], also returning what this process spilled.
///
/// # Errors
/// As [`execute`].
pub fn execute_with_metrics<R, F>(
    config: &RuntimeConfig,
    build: F,
) -> Result<(Option<R::Output>, JobMetrics)>
where
    R: JobOutput,
    F: for<'s> Fn(&Env<'s>) -> R + Send + Sync + 'static,
{
    let process = Arc::new(ProcessContext::new(config));
    let worker_process = process.clone();
    let worker_config = config.clone();
    let results = launch::execute(config, move |worker| {
        run_worker(worker, &worker_config, &worker_process, &build)
    })?;
    let spilled = process.memory.metrics();
    let metrics = JobMetrics {
        spill_files: spilled.files(),
        spilled_bytes: spilled.bytes(),
        spill_stores: spilled.stores(),
        spilled_partitions: spilled.partitions(),
    };
    let mut driver = None;
    for (i, result) in results.into_iter().enumerate() {
        let output = result?;
        if i == 0 && config.process_index == 0 {
            driver = Some(output);
        }
    }
    Ok((driver, metrics))
}

fn run_worker<R: JobOutput, F>(
    worker: &mut Worker,
    config: &RuntimeConfig,
    process: &Arc<ProcessContext>,
    build: &F,
) -> Result<R::Output>
where
    F: for<'s> Fn(&Env<'s>) -> R,
{
    let ctx = Rc::new(WorkerContext {
        config: config.clone(),
        process: process.clone(),
        staged: RefCell::new(Vec::new()),
        stale_parts: RefCell::new(Vec::new()),
        next_file: RefCell::new(0),
        memory_consumers: std::cell::Cell::new(0),
        loops: std::cell::Cell::new(0),
    });
    let output = worker.dataflow_named::<Time, _, _>("strom-job", |scope| {
        build(&Env {
            scope,
            ctx: ctx.clone(),
        })
    });
    strom_core::launch::drive(worker);

    // Agree on failure across all workers and processes.
    let local: Vec<String> = process.errors.lock().expect("error lock").clone();
    let errors = exchange_all(worker, local);
    let discard = |why: JobFailure| {
        for staged in ctx.staged.borrow_mut().drain(..) {
            let _ = std::fs::remove_file(&staged.file);
        }
        Err(Error::Job(why))
    };
    if let Some(first) = errors.first() {
        return discard(JobFailure::Reported(first.clone()));
    }
    if !strom_core::scratch::start_publishing() {
        // The process is ending (a signal): nothing is published, not even in part.
        return discard(JobFailure::Interrupted);
    }
    // Worker 0 removes stale part files of an earlier, wider run; then everyone publishes.
    if worker.index() == 0 {
        for part in ctx.stale_parts.borrow().iter() {
            part.delete_prefix()?;
        }
    }
    exchange_all(worker, Vec::<String>::new());
    let mut publish_errors = Vec::new();
    for staged in ctx.staged.borrow_mut().drain(..) {
        if let Err(e) = staged.target.publish_file(&staged.file) {
            publish_errors.push(e.to_string());
        }
    }
    let publish_errors = exchange_all(worker, publish_errors);
    if let Some(first) = publish_errors.first() {
        return Err(Error::Job(JobFailure::Publishing(first.clone())));
    }
    Ok(output.finish())
}

/// Sends `items` to every worker; returns everything every worker sent (deduplicated,
/// sorted). Doubles as a barrier.
fn exchange_all(worker: &mut Worker, items: Vec<String>) -> Vec<String> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    worker.dataflow::<Time, _, _>(move |scope| {
        items
            .to_stream(scope)
            .container::<Vec<_>>()
            .broadcast()
            .inspect(move |e: &String| {
                sink.borrow_mut().push(e.clone());
            });
    });
    strom_core::launch::drive(worker);
    let mut all = seen.borrow().clone();
    all.sort();
    all.dedup();
    all
}
