//! The two-phase-commit sink trait (Flink's `TwoPhaseCommittingSink` with its
//! `PrecommittingSinkWriter` and `Committer`), and what a writer is told when it
//! starts. The protocol across checkpoints, restores and failures is in
//! `docs/0017-sink-and-source-traits.md`.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::SinkError;

/// The checkpoint a job restored from, as a sink writer needs to know it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestoredFrom {
    /// The restored checkpoint's epoch: work staged for it and before is in its
    /// marker (and committed by the committer); work staged after it is to abort.
    pub epoch: u64,
    /// Workers of the run that wrote the checkpoint (the old parallelism).
    pub workers: usize,
}

/// What a sink writer is told when it starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriterContext {
    /// This writer's worker index.
    pub worker: usize,
    /// Workers of the job (the writers).
    pub peers: usize,
    /// The first epoch this run stages for.
    pub first_epoch: u64,
    /// The checkpoint restored, if the run restored one.
    pub restored: Option<RestoredFrom>,
}

impl WriterContext {
    /// Whether this writer is the one to clean up after writer `old_worker` of an
    /// earlier run: the old writers are dealt to the new ones by index modulo the
    /// parallelism (each old writer has exactly one heir).
    pub fn inherits(&self, old_worker: usize) -> bool {
        old_worker % self.peers.max(1) == self.worker
    }
}

/// A sink that publishes exactly once through two-phase commit: its output becomes
/// visible only when the checkpoint that covers it is complete.
///
/// Contract (see `docs/0017-sink-and-source-traits.md`):
/// - every worker has a [`SinkWriter`], which gets the records of each epoch and, once
///   the sink's input has passed the epoch (the checkpoint barrier), pre-commits it:
///   staged work that is durable but not visible, described by a
///   [`Committable`](TwoPhaseCommitSink::Committable);
/// - the committable goes into the epoch's checkpoint; once the checkpoint is
///   complete (its marker written), the job's one [`SinkCommitter`] (on worker 0)
///   commits it;
/// - a job restored from a checkpoint commits again every committable the checkpoint
///   holds (some may be committed already: commits are idempotent), and each writer
///   aborts, before it writes anything, what the failed run staged after the
///   checkpoint (its own and that of the old writers it inherits).
///
/// Writers and the committer run on threads of their own, never on a worker thread:
/// they may block on storage or the network.
pub trait TwoPhaseCommitSink<T>: 'static {
    /// What a pre-commit gives and a commit takes: stored in checkpoints as JSON.
    type Committable: Serialize + DeserializeOwned + Clone + Send + 'static;
    /// A worker's writer.
    type Writer: SinkWriter<T, Committable = Self::Committable>;
    /// The job's committer.
    type Committer: SinkCommitter<Committable = Self::Committable>;

    /// The writer of the worker `context` describes. No I/O here: the writer's
    /// [`abort`](SinkWriter::abort) runs first, on its thread.
    fn writer(&self, context: &WriterContext) -> Self::Writer;

    /// The committer (built on every worker, used on worker 0).
    fn committer(&self) -> Self::Committer;

    /// The sink as the status page and failures name it (Flink's `Sink: ...`).
    fn name(&self) -> String {
        "Sink".to_string()
    }
}

/// One worker's side of a [`TwoPhaseCommitSink`].
pub trait SinkWriter<T>: Send + 'static {
    /// What a pre-commit gives.
    type Committable;

    /// Called once, first: aborts staged-but-uncommitted work of an earlier run that
    /// this writer is responsible for. On a restore (`context.restored`) that is work
    /// staged for epochs after the restored checkpoint by this writer's index or by
    /// old writers it [inherits](WriterContext::inherits); such work will never be
    /// committed. A fresh run may leave it alone.
    ///
    /// # Errors
    /// When the staged work cannot be removed (the job fails).
    fn abort(&mut self, context: &WriterContext) -> Result<(), SinkError>;

    /// Takes a record of epoch `epoch` (epochs come in order; records of an epoch
    /// until its pre-commit).
    ///
    /// # Errors
    /// When the record cannot be staged (the job fails).
    fn write(&mut self, epoch: u64, record: T) -> Result<(), SinkError>;

    /// The sink's input has passed `epoch` (called for every epoch that had
    /// records, in order): makes the epoch's records durable but invisible, and gives
    /// what the committer needs to make them visible (`None`: nothing to commit).
    ///
    /// # Errors
    /// When the epoch cannot be staged (the job fails; the checkpoint never
    /// completes).
    fn pre_commit(&mut self, epoch: u64) -> Result<Option<Self::Committable>, SinkError>;
}

/// The job's committer of a [`TwoPhaseCommitSink`], on worker 0.
pub trait SinkCommitter: Send + 'static {
    /// What it commits.
    type Committable;

    /// Makes `committables` visible: those of a complete checkpoint, in the order
    /// pre-committed. Must be idempotent: after a failure, a restored job commits
    /// again what the checkpoint holds, some of it perhaps committed already.
    ///
    /// # Errors
    /// When a committable cannot be committed (the job fails; a restore commits it
    /// again).
    fn commit(&mut self, committables: Vec<Self::Committable>) -> Result<(), SinkError>;
}
