//! Asynchronous writing of snapshot files: an operator serialises its key groups on
//! its worker (the synchronous part of a checkpoint, as in Flink) and hands the bytes
//! to its uploader thread, which writes them to the checkpoint store while the worker
//! goes on processing. At most [`IN_FLIGHT`] groups wait to be written, so a state
//! larger than memory is never all in memory: past that, handing over waits.
//!
//! When every file of a snapshot is written, the uploader gives the operator the paths
//! and checksums and wakes it; the operator then acknowledges them (holding back the
//! epoch's commit until then).

use std::sync::mpsc::{Receiver, Sender, SyncSender, TryRecvError, channel, sync_channel};

use strom_core::timely::scheduling::SyncActivator;

use crate::checkpoint::CheckpointStore;

/// Groups handed over and not yet written, at most.
pub(crate) const IN_FLIGHT: usize = 32;

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
    jobs: SyncSender<Job>,
}

impl Uploader {
    /// Starts a thread writing into `store`.
    pub(crate) fn start(store: CheckpointStore, name: &str) -> Self {
        let (jobs, todo) = sync_channel::<Job>(IN_FLIGHT);
        std::thread::Builder::new()
            .name(format!("upload-{name}"))
            .spawn(move || {
                let mut written: Written = Ok(Vec::new());
                for job in todo {
                    match job {
                        Job::Write {
                            epochs,
                            path,
                            bytes,
                        } => {
                            let Ok(files) = written.as_mut() else {
                                continue;
                            };
                            for epoch in epochs {
                                match store.try_write(epoch, &path, &bytes) {
                                    Ok(crc) => files.push((epoch, path.clone(), crc)),
                                    Err(e) => {
                                        written = Err(format!(
                                            "checkpoint {epoch}: cannot write {path}: {e}"
                                        ));
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
                }
            })
            .expect("an uploader thread starts");
        Uploader { jobs }
    }

    /// Hands over one file of epochs `epochs` (waiting while [`IN_FLIGHT`] are).
    pub(crate) fn write(&self, epochs: std::ops::Range<u64>, path: String, bytes: Vec<u8>) {
        self.jobs
            .send(Job::Write {
                epochs,
                path,
                bytes,
            })
            .expect("the uploader thread runs while its operator does");
    }

    /// Ends a snapshot: the receiver gets its files once all are written, and `wake`
    /// is activated then.
    pub(crate) fn finish(&self, wake: Option<SyncActivator>) -> Receiver<Written> {
        let (reply, rx) = channel();
        self.jobs
            .send(Job::Done { reply, wake })
            .expect("the uploader thread runs while its operator does");
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
