//! Off-loading blocking storage I/O from worker threads (`shared/DESIGN.md`: no
//! blocking storage calls on worker threads). [`OffLoad`] is the one mechanism: a
//! thread of the operator's own runs its jobs in order, at most [`IN_FLIGHT`] waiting
//! (past that, handing over waits: memory stays bounded), and wakes the operator when
//! a job has a reply. Its users:
//!
//! - snapshot upload ([`Uploader`]): an operator serialises its key groups on its
//!   worker (the synchronous part of a checkpoint, as in Flink) and hands the bytes
//!   over; when every file of a snapshot is written, the operator acknowledges them
//!   (holding back the epoch's commit until then);
//! - two-phase-commit sink writers (`sink::exactly_once`): records, pre-commits and
//!   aborts run on the writer's thread;
//! - the checkpoint committer (`checkpoint::commit`): markers, commits of sinks,
//!   retention and savepoints.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, SyncSender, TryRecvError, channel, sync_channel};

use strom_core::timely::scheduling::SyncActivator;

use crate::checkpoint::CheckpointStore;

/// Jobs handed over and not yet run, at most.
pub(crate) const IN_FLIGHT: usize = 32;

/// A thread running an operator's blocking jobs in order. Dropped with its operator
/// (the job failed), the thread skips the jobs still queued.
pub(crate) struct OffLoad<J, R> {
    name: String,
    jobs: SyncSender<J>,
    replies: Receiver<R>,
    alive: Arc<AtomicBool>,
    /// The message of the panic that ended the thread, if one did.
    death: Arc<std::sync::Mutex<Option<String>>>,
}

impl<J, R> Drop for OffLoad<J, R> {
    fn drop(&mut self) {
        self.alive.store(false, Ordering::Release);
    }
}

impl<J: Send + 'static, R: Send + 'static> OffLoad<J, R> {
    /// Starts the thread `name`, running each job through `run`; a reply it gives goes
    /// back to the operator, which `wake` (when given) activates.
    pub(crate) fn start(
        name: &str,
        wake: Option<SyncActivator>,
        mut run: impl FnMut(J) -> Option<R> + Send + 'static,
    ) -> Self {
        let (jobs, todo) = sync_channel::<J>(IN_FLIGHT);
        let (reply, replies) = channel();
        let alive = Arc::new(AtomicBool::new(true));
        let running = alive.clone();
        let death = Arc::new(std::sync::Mutex::new(None));
        let died = death.clone();
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                for job in todo {
                    if !running.load(Ordering::Acquire) {
                        // The operator is gone (its job failed): what is queued is
                        // not to be done (a marker, a commit).
                        return;
                    }
                    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(job)));
                    let r = match ran {
                        Ok(Some(r)) => r,
                        Ok(None) => continue,
                        Err(payload) => {
                            // The operator fails with this message (its channels close).
                            let message = payload
                                .downcast_ref::<String>()
                                .cloned()
                                .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
                                .unwrap_or_else(|| "a panic without a message".into());
                            if let Ok(mut d) = died.lock() {
                                *d = Some(message);
                            }
                            if let Some(w) = &wake {
                                let _ = w.activate();
                            }
                            return;
                        }
                    };
                    if reply.send(r).is_err() {
                        return;
                    }
                    if let Some(w) = &wake {
                        let _ = w.activate();
                    }
                }
            })
            .expect("an off-load thread starts");
        OffLoad {
            name: name.to_string(),
            jobs,
            replies,
            alive,
            death,
        }
    }

    /// Fails the operator because the thread died, with the panic's message.
    fn died(&self) -> ! {
        let why = self.death.lock().ok().and_then(|d| d.clone());
        match why {
            Some(message) => panic!("the {} thread failed: {message}", self.name),
            None => panic!("the {} thread died", self.name),
        }
    }

    /// Hands over a job (waiting while [`IN_FLIGHT`] are).
    ///
    /// # Panics
    /// When the thread has died (a job panicked).
    pub(crate) fn send(&self, job: J) {
        if self.jobs.send(job).is_err() {
            self.died();
        }
    }

    /// The next reply, if one is ready.
    ///
    /// # Panics
    /// When the thread has died (a job panicked) before replying.
    pub(crate) fn try_next(&self) -> Option<R> {
        match self.replies.try_recv() {
            Ok(r) => Some(r),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => self.died(),
        }
    }
}

/// Files written for one snapshot: `(epoch, path, crc32)`.
pub(crate) type Written = Result<Vec<(u64, String, u32)>, String>;

enum Job {
    Write {
        epochs: std::ops::Range<u64>,
        path: String,
        bytes: Vec<u8>,
    },
    Done {
        reply: Sender<Written>,
        wake: Option<SyncActivator>,
    },
}

/// An operator's uploader thread.
pub(crate) struct Uploader {
    thread: OffLoad<Job, ()>,
}

impl Uploader {
    /// Starts a thread writing into `store`.
    pub(crate) fn start(store: CheckpointStore, name: &str) -> Self {
        let mut written: Written = Ok(Vec::new());
        let thread = OffLoad::start(&format!("upload-{name}"), None, move |job| {
            match job {
                Job::Write {
                    epochs,
                    path,
                    bytes,
                } => {
                    let Ok(files) = written.as_mut() else {
                        return None;
                    };
                    for epoch in epochs {
                        match store.try_write(epoch, &path, &bytes) {
                            Ok(crc) => files.push((epoch, path.clone(), crc)),
                            Err(e) => {
                                written =
                                    Err(format!("checkpoint {epoch}: cannot write {path}: {e}"));
                                break;
                            }
                        }
                    }
                }
                Job::Done { reply, wake } => {
                    let _ = reply.send(std::mem::replace(&mut written, Ok(Vec::new())));
                    if let Some(w) = wake {
                        let _ = w.activate();
                    }
                }
            }
            None
        });
        Uploader { thread }
    }

    /// Hands over one file of epochs `epochs` (waiting while [`IN_FLIGHT`] are).
    pub(crate) fn write(&self, epochs: std::ops::Range<u64>, path: String, bytes: Vec<u8>) {
        self.thread.send(Job::Write {
            epochs,
            path,
            bytes,
        });
    }

    /// Ends a snapshot: the receiver gets its files once all are written, and `wake`
    /// is activated then.
    pub(crate) fn finish(&self, wake: Option<SyncActivator>) -> Receiver<Written> {
        let (reply, rx) = channel();
        self.thread.send(Job::Done { reply, wake });
        rx
    }
}

/// Whether a snapshot's files are written: `None` while not.
pub(crate) fn ready(rx: &Receiver<Written>) -> Option<Written> {
    match rx.try_recv() {
        Ok(w) => Some(w),
        Err(TryRecvError::Empty) => None,
        Err(TryRecvError::Disconnected) => Some(Err("the uploader thread died".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A job that panics ends the thread; the operator then fails with the job's
    /// message, not only "the thread died".
    #[test]
    fn a_panicking_job_fails_the_operator_with_its_message() {
        let off: OffLoad<u32, u32> = OffLoad::start("test-writer", None, |n| {
            assert!(n != 2, "disk full at job {n}");
            Some(n * 10)
        });
        for n in 1..=2 {
            off.send(n);
        }
        let mut got = Vec::new();
        let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            loop {
                if let Some(r) = off.try_next() {
                    got.push(r);
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        }))
        .unwrap_err();
        let message = failure
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert_eq!(got, [10]);
        assert!(
            message.contains("test-writer thread failed: disk full at job 2"),
            "{message}"
        );
    }
}
