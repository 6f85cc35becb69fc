//! Starting timely workers for a [`RuntimeConfig`].

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use timely::worker::Worker;

use crate::config::RuntimeConfig;
use crate::error::{Error, Result};

/// Runs `func` on every worker of this process (threads of one process, or this process's
/// share of a cluster) and returns their results in worker order.
///
/// # Errors
/// [`Error::Config`] for an invalid layout or when the cluster cannot connect;
/// [`Error::Job`] when a worker panicked.
pub fn execute<T, F>(config: &RuntimeConfig, func: F) -> Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(&mut Worker) -> T + Send + Sync + 'static,
{
    let timely_config = config.timely_config()?;
    let failed = Arc::new(AtomicBool::new(false));
    crate::metrics::begin();
    // A worker's panic message says what went wrong (a sink that cannot write, a user
    // function's bug): keep it rather than timely's opaque payload. The other workers
    // of the process stop too (they would wait for the failed one for ever).
    let guarded = move |worker: &mut Worker| {
        FAILED.with(|f| *f.borrow_mut() = Some(failed.clone()));
        crate::metrics::attach(worker);
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| func(worker)));
        result.map_err(|p| {
            failed.store(true, Ordering::Relaxed);
            // Timely would otherwise run what is left of them to their end.
            for id in worker.installed_dataflows() {
                worker.drop_dataflow(id);
            }
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "a worker panicked".to_string())
        })
    };
    let guards = timely::execute(timely_config, guarded)
        .map_err(|e| Error::Config(format!("cannot start workers: {e}")))?;
    let results: Vec<Result<T>> = guards
        .join()
        .into_iter()
        .map(|r| match r {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(message)) => Err(Error::Job(message)),
            Err(e) => Err(Error::Job(format!("a worker panicked: {e}"))),
        })
        .collect();
    // The failed worker's error, not that of a worker it stopped.
    let first_cause = results
        .iter()
        .position(|r| matches!(r, Err(Error::Job(m)) if m != STOPPED));
    match first_cause {
        Some(i) => {
            let error = results
                .into_iter()
                .nth(i)
                .and_then(Result::err)
                .expect("an error");
            crate::metrics::record_exception(error.to_string());
            Err(error)
        }
        None => results.into_iter().collect(),
    }
}

thread_local! {
    /// Set when a worker of this worker's job (in this process) has failed.
    static FAILED: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// What a worker stopped because another failed says.
const STOPPED: &str = "stopped: another worker of this job failed";

/// Steps `worker` until its dataflows are complete.
///
/// # Panics
/// When another worker of the job in this process has failed (the job is over).
pub fn drive(worker: &mut Worker) {
    let failed = FAILED.with(|f| f.borrow().clone());
    while worker.has_dataflows() {
        worker.step_or_park(Some(Duration::from_millis(100)));
        if failed.as_ref().is_some_and(|f| f.load(Ordering::Relaxed)) {
            std::panic::panic_any(STOPPED.to_string());
        }
    }
}
