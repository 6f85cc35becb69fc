//! Starting timely workers for a [`RuntimeConfig`].

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
    // A worker's panic message says what went wrong (a sink that cannot write, a user
    // function's bug): keep it rather than timely's opaque payload.
    let guarded = move |worker: &mut Worker| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| func(worker))).map_err(|p| {
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "a worker panicked".to_string())
        })
    };
    let guards = timely::execute(timely_config, guarded)
        .map_err(|e| Error::Config(format!("cannot start workers: {e}")))?;
    guards
        .join()
        .into_iter()
        .map(|r| match r {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(message)) => Err(Error::Job(message)),
            Err(e) => Err(Error::Job(format!("a worker panicked: {e}"))),
        })
        .collect()
}
