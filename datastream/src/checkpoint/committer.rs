//! The checkpoint committer (`docs/0009-checkpoints.md`, rule 4): every
//! acknowledgement goes to worker 0, whose committer operator hands each epoch to its
//! commit thread once the operator's input frontier has passed it (every
//! acknowledgement of it is in). The thread ([`CommitLoop`], on the crate's off-load
//! mechanism: no storage I/O on the worker) writes the marker ([`super::marker`]),
//! commits the sinks' committables ([`super::publish`]), takes savepoint requests
//! ([`super::savepoints`]) and applies retention ([`super::retention`]), in that order,
//! epoch after epoch, each as a commit in flight (`strom_core::commits`: the process lets
//! it finish before it ends). The operator holds the dataflow open until the thread has
//! finished the last epoch, and fails the job when the thread reports an error.

use std::collections::BTreeMap;

use strom_core::metrics::CheckpointRecord;
use strom_core::time::{ProcessingClock, StreamTime};
use strom_core::timely::dataflow::channels::pact::Exchange;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;
use strom_core::timely::dataflow::{Scope, StreamVec};
use strom_core::{Error, Result};

use super::marker::MarkerWriter;
use super::protocol::{Ack, Marker, Stored};
use super::publish::Committers;
use super::retention::Retention;
use super::savepoints::{Request, STOP, save, take_request};
use super::{folder, locate};
use crate::upload::OffLoad;

/// What the commit thread is asked to do.
enum Job {
    /// Commit again what the restored checkpoint holds (perhaps committed already).
    Restore(BTreeMap<String, Vec<Stored>>),
    /// Epoch `epoch` is complete with `acks`; the committer heard of it first at
    /// `started` (ms); `over` when the job's input has ended.
    Complete {
        epoch: u64,
        acks: Vec<Ack>,
        started: i64,
        over: bool,
    },
    /// No more epochs: reply once everything before is done.
    Finish,
}

/// The commit thread's state.
pub(super) struct CommitLoop {
    dir: String,
    /// The run's id, which savepoint requests for it carry.
    me: Option<String>,
    /// The run's first epoch: epochs before it are not this run's checkpoints.
    first: u64,
    markers: MarkerWriter,
    committers: Committers,
    retention: Retention,
    /// Stopped with a savepoint (not drained): nothing after it is committed.
    stopping: bool,
}

fn now() -> i64 {
    ProcessingClock::System.now()
}

impl CommitLoop {
    /// The commit loop of a run checkpointing into `dir` from epoch `first`, its
    /// markers starting from `base`, committing through `committers`, keeping the
    /// newest `retain` checkpoints.
    pub(super) fn new(
        dir: String,
        me: Option<String>,
        first: u64,
        base: Marker,
        committers: Committers,
        retain: usize,
    ) -> Self {
        CommitLoop {
            markers: MarkerWriter::new(dir.clone(), base),
            dir,
            me,
            first,
            committers,
            retention: Retention::new(retain),
            stopping: false,
        }
    }

    fn run(&mut self, job: Job) -> Option<std::result::Result<(), String>> {
        if matches!(job, Job::Finish) {
            return Some(Ok(()));
        }
        // The process lets this finish before it ends (`strom_core::commits`).
        let Some(_committing) = strom_core::commits::begin() else {
            return Some(Err(
                "the process is ending: the commit is left to the restored run".into(),
            ));
        };
        let done = match job {
            Job::Restore(committables) => self.committers.commit_all(committables),
            Job::Complete {
                epoch,
                acks,
                started,
                over,
            } => self
                .complete(epoch, acks, started, over)
                .map_err(|e| format!("checkpoint {epoch}: {e}")),
            Job::Finish => Ok(()),
        };
        done.err().map(Err)
    }

    /// Epoch `epoch` is complete: its marker, its commits, a savepoint if one is
    /// asked for, retention.
    fn complete(&mut self, epoch: u64, acks: Vec<Ack>, started: i64, over: bool) -> Result<()> {
        self.markers.fold(epoch, acks)?;
        if self.stopping {
            // Stopped with a savepoint, not drained: nothing after it is committed
            // (the restored job makes it again; its writers abort this staging).
            return Ok(());
        }
        if over {
            // The job is over: its last output is final, though the end of input is
            // not a checkpoint.
            return self.commit();
        }
        if epoch < self.first {
            return Ok(());
        }
        let marker = self.markers.write(now())?.clone();
        self.commit()?;
        let record = |kind: &str, path: String| {
            strom_core::metrics::record_checkpoint(CheckpointRecord {
                id: epoch,
                kind: kind.into(),
                path,
                started_ms: started,
                duration_ms: (now() - started).max(0) as u64,
                bytes: marker.bytes,
                status: "completed".into(),
            });
        };
        record(
            "checkpoint",
            format!("{}/{}", self.dir.trim_end_matches('/'), folder(epoch)),
        );
        if let Some(request) = take_request(&self.dir, self.me.as_deref()) {
            let at = save(&self.dir, epoch, &marker)?;
            record("savepoint", at.clone());
            self.stop_if_asked(request, epoch, &at)?;
        }
        self.retention.committed(&self.dir, &marker);
        Ok(())
    }

    /// Commits what is pre-committed and not yet committed.
    fn commit(&mut self) -> Result<()> {
        let committables = self.markers.take_uncommitted();
        self.committers
            .commit_all(committables)
            .map_err(Error::Internal)
    }

    /// After the savepoint `at` of `epoch` asked for by `request`: a stop or drain
    /// writes [`STOP`], which the sources see.
    fn stop_if_asked(&mut self, request: Request, epoch: u64, at: &str) -> Result<()> {
        let drain = request == Request::Drain;
        if !drain && request != Request::Stop {
            eprintln!("savepoint {at}");
            return Ok(());
        }
        // Draining, the job's last output is final (committed at the end, as when
        // the input ends).
        self.stopping = !drain;
        let text = if drain {
            format!("{epoch} drain")
        } else {
            epoch.to_string()
        };
        locate(&self.dir, STOP)?.write(text.into())?;
        eprintln!(
            "savepoint {at}; the job stops there, as asked{}",
            if drain {
                ", firing what is pending"
            } else {
                ""
            }
        );
        Ok(())
    }
}

/// Builds the committer operator on this worker: `acks` go to worker 0, whose commit
/// thread runs `commit_loop` (other workers' operators hold nothing), first
/// committing `restored` again.
pub(super) fn build<'s>(
    scope: Scope<'s, StreamTime>,
    acks: StreamVec<'s, StreamTime, Ack>,
    mut commit_loop: CommitLoop,
    restored: BTreeMap<String, Vec<Stored>>,
) {
    let mut builder = OperatorBuilder::new("CheckpointCommitter".to_string(), scope);
    let address = builder.operator_info().address;
    let mut input = builder.new_input(acks, Exchange::new(|_: &Ack| 0));
    // An output nobody reads: its capability holds the dataflow open until the
    // commit thread has finished.
    let (_hold_out, _hold) = builder.new_output::<Vec<()>>();
    let on_worker_0 = scope.index() == 0;
    let thread = on_worker_0.then(|| {
        let wake = scope.worker().sync_activator_for(address.to_vec());
        let thread = OffLoad::start("checkpoint-committer", Some(wake), move |job| {
            commit_loop.run(job)
        });
        if !restored.is_empty() {
            // A crash may have come between the marker and the commits.
            thread.send(Job::Restore(restored));
        }
        thread
    });
    builder.build(move |mut caps| {
        let mut hold = caps.pop().filter(|_| on_worker_0);
        let mut pending: BTreeMap<u64, Vec<Ack>> = BTreeMap::new();
        // When the committer first heard of each epoch (ms): a checkpoint's duration
        // runs from there to its commit.
        let mut heard: BTreeMap<u64, i64> = BTreeMap::new();
        let mut finishing = false;
        move |frontiers| {
            input.for_each(|cap, batch| {
                let epoch = cap
                    .stamp()
                    .iter()
                    .map(|t| t.epoch)
                    .min()
                    .expect("a message has a time");
                pending.entry(epoch).or_default().append(batch);
                heard.entry(epoch).or_insert_with(now);
            });
            let Some(thread) = &thread else { return };
            let open = frontiers[0]
                .frontier()
                .iter()
                .map(|t| t.epoch)
                .min()
                .unwrap_or(u64::MAX);
            // Every epoch below the least open one is complete, with or without acks.
            while let Some(entry) = pending.first_entry() {
                let epoch = *entry.key();
                if epoch >= open {
                    break;
                }
                let acks = entry.remove();
                let started = heard.remove(&epoch).unwrap_or_else(now);
                let over = open == u64::MAX;
                thread.send(Job::Complete {
                    epoch,
                    acks,
                    started,
                    over,
                });
            }
            if open == u64::MAX && !finishing {
                finishing = true;
                thread.send(Job::Finish);
            }
            while let Some(reply) = thread.try_next() {
                match reply {
                    Ok(()) => drop(hold.take()),
                    Err(e) => panic!("{e}"),
                }
            }
        }
    });
}
