//! The process-wide tokio runtime for I/O, kept off the timely worker threads.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Handle, Runtime};

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The I/O runtime's handle (created on first use, two threads).
pub fn handle() -> Handle {
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("strom-io")
                .enable_all()
                .build()
                .expect("the I/O runtime starts (threads can be spawned)")
        })
        .handle()
        .clone()
}

/// Runs `future` to completion on the I/O runtime, blocking the calling (non-async) thread.
pub fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handle = handle();
    match Handle::try_current() {
        // Inside some runtime already: hand the future over and wait from a plain thread.
        Ok(_) => std::thread::scope(|s| {
            s.spawn(|| handle.block_on(future))
                .join()
                .expect("I/O future did not panic")
        }),
        Err(_) => handle.block_on(future),
    }
}
