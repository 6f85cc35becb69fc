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
    let guards = timely::execute(timely_config, func)
        .map_err(|e| Error::Config(format!("cannot start workers: {e}")))?;
    guards
        .join()
        .into_iter()
        .map(|r| r.map_err(|e| Error::Job(format!("a worker panicked: {e}"))))
        .collect()
}
