//! Starting timely workers for a [`RuntimeConfig`].
//!
//! In a cluster, this process first connects to every other one (timely's protocol: a
//! process connects to those of lower index, greets them with its own, and accepts
//! those of higher index), retrying addresses that refuse or do not resolve yet, for
//! at most `connect_timeout`; then hands the connections to timely. A peer that ends
//! closes its connections and the job fails at once ([`JobFailure::Disconnected`]); a
//! peer whose machine vanishes (powered off, cut off the network) closes nothing, so
//! every connection is watched by TCP itself: keepalive probes while it is idle and
//! `TCP_USER_TIMEOUT` while sent data waits for acknowledgement break it after
//! [`PEER_TIMEOUT`] of silence (docs/0027-multi-host.md).

use std::cell::RefCell;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use timely::communication::AllocatorBuilder;
use timely::communication::allocator::ProcessBuilder;
use timely::communication::allocator::zero_copy::initialize::initialize_networking_from_sockets;
use timely::worker::Worker;

use crate::config::RuntimeConfig;
use crate::error::{Error, JobFailure, Result};

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
            if p.is::<Stopped>() {
                return JobFailure::Stopped;
            }
            let message = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "a panic without a message".to_string());
            JobFailure::Panicked {
                worker: worker.index(),
                operator: crate::metrics::failed_operator(),
                message,
            }
        })
    };
    let guards = match timely_config.communication {
        timely::CommunicationConfig::Cluster { threads, .. } => {
            let sockets = connect_cluster(config)?;
            let hooks = timely::communication::Hooks::default();
            let local = ProcessBuilder::new_typed_vector(threads, hooks.refill.clone(), None);
            let (builders, guard) = initialize_networking_from_sockets(
                local,
                sockets,
                config.process_index,
                threads,
                hooks,
            )
            .map_err(|e| Error::Config(format!("cannot start the cluster's network: {e}")))?;
            let builders = builders.into_iter().map(AllocatorBuilder::Tcp).collect();
            timely::execute::execute_from(builders, Box::new(guard), timely_config.worker, guarded)
        }
        communication => timely::execute(
            timely::Config {
                communication,
                worker: timely_config.worker,
            },
            guarded,
        ),
    }
    .map_err(|e| Error::Config(format!("cannot start workers: {e}")))?;
    // In a cluster, the network threads panic when a peer process ends (its sockets
    // close), and joining them re-raises that panic here, on the job's thread: it is
    // the job's failure, returned like a worker's (the caller may still have a commit
    // in flight to finish, `crate::commits`).
    let joined =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| guards.join())).map_err(|p| {
            let message = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                .unwrap_or_else(|| "a panic without a message".to_string());
            let error = Error::Job(JobFailure::Disconnected(message));
            crate::metrics::record_exception(error.to_string());
            error
        })?;
    let results: Vec<Result<T>> = joined
        .into_iter()
        .map(|r| match r {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(failure)) => Err(Error::Job(failure)),
            Err(e) => Err(Error::Job(JobFailure::Lost(e))),
        })
        .collect();
    // The failed worker's error, not that of a worker it stopped.
    let first_cause = results
        .iter()
        .position(|r| !matches!(r, Ok(_) | Err(Error::Job(JobFailure::Stopped))));
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

/// Connects this process to the others of its cluster, as timely's cluster mode does (a
/// process connects to those of lower index and sends its index; those of higher index
/// connect to it), within `config.connect_timeout`.
///
/// # Errors
/// [`Error::Config`] naming the processes (index and address) that did not connect in
/// time, or the address this process cannot listen on.
fn connect_cluster(config: &RuntimeConfig) -> Result<Vec<Option<TcpStream>>> {
    let (me, hosts) = (config.process_index, &config.hosts);
    let deadline = Instant::now() + config.connect_timeout;
    let mut sockets: Vec<Option<TcpStream>> = (0..hosts.len()).map(|_| None).collect();
    let listener = if me + 1 < hosts.len() {
        let listener = TcpListener::bind(&hosts[me]).map_err(|e| {
            Error::Config(format!(
                "cannot listen at {} (process {me}): {e}",
                hosts[me]
            ))
        })?;
        listener.set_nonblocking(true)?;
        Some(listener)
    } else {
        None
    };
    let pending = |sockets: &[Option<TcpStream>]| -> Vec<usize> {
        (0..hosts.len())
            .filter(|&i| i != me && sockets[i].is_none())
            .collect()
    };
    loop {
        for peer in 0..me {
            if sockets[peer].is_none() {
                sockets[peer] = connect_to(&hosts[peer], me);
            }
        }
        if let Some(listener) = &listener {
            while let Ok((stream, _)) = listener.accept() {
                if let Some(peer) = greeted_by(&stream).filter(|&p| p > me && p < hosts.len()) {
                    sockets[peer] = Some(stream);
                }
            }
        }
        let missing = pending(&sockets);
        if missing.is_empty() {
            for (peer, socket) in sockets.iter().enumerate() {
                if let Some(s) = socket {
                    watch_peer(s).map_err(|e| {
                        Error::Config(format!(
                            "cannot set TCP keepalive on the connection to process {peer}: {e}"
                        ))
                    })?;
                }
            }
            return Ok(sockets);
        }
        if Instant::now() >= deadline {
            let named: Vec<String> = missing
                .iter()
                .map(|&i| format!("process {i} at {}", hosts[i]))
                .collect();
            return Err(Error::Config(format!(
                "the cluster did not connect within {:?} (the `connect_timeout` setting): no connection with {}",
                config.connect_timeout,
                named.join(", ")
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How long a connection between two processes of a cluster may stay unanswered
/// before it counts as broken (and the job fails): the peer's machine is gone.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(20);

/// Makes `stream` fail once its peer has not answered for [`PEER_TIMEOUT`]: keepalive
/// probes after 5 s of quiet, every 3 s, 5 unanswered ones ending it (5 + 5 * 3 =
/// 20 s), and sent data unacknowledged for as long ending it too.
fn watch_peer(stream: &TcpStream) -> std::io::Result<()> {
    use nix::sys::socket::{setsockopt, sockopt};
    const IDLE_S: u32 = 5;
    const INTERVAL_S: u32 = 3;
    const PROBES: u32 = 5;
    const _: () = assert!(IDLE_S + INTERVAL_S * PROBES == PEER_TIMEOUT.as_secs() as u32);
    setsockopt(stream, sockopt::KeepAlive, &true)?;
    setsockopt(stream, sockopt::TcpKeepIdle, &IDLE_S)?;
    setsockopt(stream, sockopt::TcpKeepInterval, &INTERVAL_S)?;
    setsockopt(stream, sockopt::TcpKeepCount, &PROBES)?;
    #[cfg(target_os = "linux")]
    setsockopt(
        stream,
        sockopt::TcpUserTimeout,
        &(PEER_TIMEOUT.as_millis() as u32),
    )?;
    Ok(())
}

/// A connection to `address`, greeted with this process's index; `None` while nobody
/// listens there.
fn connect_to(address: &str, me: usize) -> Option<TcpStream> {
    let target = address.to_socket_addrs().ok()?.next()?;
    let mut stream = TcpStream::connect_timeout(&target, Duration::from_secs(1)).ok()?;
    stream.set_nodelay(true).ok()?;
    stream.write_all(&(me as u64).to_be_bytes()).ok()?;
    Some(stream)
}

/// The index a connecting process sends first.
fn greeted_by(stream: &TcpStream) -> Option<usize> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.set_nodelay(true).ok()?;
    let mut index = [0u8; 8];
    (&*stream).read_exact(&mut index).ok()?;
    stream.set_read_timeout(None).ok()?;
    usize::try_from(u64::from_be_bytes(index)).ok()
}

thread_local! {
    /// Set when a worker of this worker's job (in this process) has failed.
    static FAILED: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// The panic payload of a worker stopped because another failed (a panic hook can
/// leave it unprinted: the job's error names the worker that failed).
#[derive(Debug)]
pub struct Stopped;

/// Steps `worker` until its dataflows are complete.
///
/// # Panics
/// When another worker of the job in this process has failed (the job is over).
pub fn drive(worker: &mut Worker) {
    let failed = FAILED.with(|f| f.borrow().clone());
    while worker.has_dataflows() {
        worker.step_or_park(Some(Duration::from_millis(100)));
        if failed.as_ref().is_some_and(|f| f.load(Ordering::Relaxed)) {
            std::panic::panic_any(Stopped);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panicking_worker_is_named_with_its_message() {
        let config = RuntimeConfig::default().with_workers(2);
        let err = execute(&config, |worker| {
            if worker.index() == 1 {
                panic!("the user function broke");
            }
        })
        .unwrap_err();
        assert!(
            matches!(
                &err,
                Error::Job(JobFailure::Panicked { worker: 1, operator: None, message })
                    if message == "the user function broke"
            ),
            "typed: {err:?}"
        );
        assert_eq!(
            err.to_string(),
            "job failed: worker 1 panicked: the user function broke"
        );
    }
}
