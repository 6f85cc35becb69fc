//! [`DataStream::sink_exactly_once`]: the operator that wires a
//! [`TwoPhaseCommitSink`] into the checkpoint protocol. Records go to the worker's
//! writer on its own thread (the crate's off-load mechanism); when the input passes
//! an epoch that had records, the writer pre-commits it there, and the operator holds
//! a capability at that epoch until the committable is back, then acknowledges it to
//! the committer, so the epoch's checkpoint cannot complete before its committables
//! are in it. Without checkpoints, the sink has a committer of its own that commits
//! at the end of the stream.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use serde::de::DeserializeOwned;
use strom_core::time::StreamTime;
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;

use super::two_phase::{
    RestoredFrom, SinkCommitter, SinkWriter, TwoPhaseCommitSink, WriterContext,
};
use crate::checkpoint::{Ack, Checkpointing, Stored, StoredCommitter};
use crate::error::SinkError;
use crate::stream::{Data, DataStream, Timestamped};
use crate::upload::OffLoad;

/// A sink's committer behind the type-erased face the checkpoint committer uses.
struct Typed<C>(C);

impl<C> StoredCommitter for Typed<C>
where
    C: SinkCommitter,
    C::Committable: DeserializeOwned,
{
    fn commit(&mut self, committables: Vec<Stored>) -> Result<(), SinkError> {
        let typed = committables
            .iter()
            .map(Stored::decode)
            .collect::<Result<Vec<_>, _>>()
            .map_err(SinkError::Committable)?;
        self.0.commit(typed)
    }
}

/// What a writer's thread is asked to do.
enum WriterJob<T> {
    Abort(WriterContext),
    Records(u64, Vec<Timestamped<T>>),
    PreCommit(u64),
}

/// What it answers: an epoch's committable, or why it failed.
type Reply<C> = Result<(u64, Option<C>), SinkError>;

impl<T: Data> DataStream<'_, T> {
    /// Writes the stream into `sink` exactly once: each worker's writer stages the
    /// records of each checkpoint epoch and pre-commits them when the input passes the
    /// epoch; the sink's committer commits them when the epoch's checkpoint is
    /// complete. A job restored from a checkpoint commits again what the checkpoint
    /// holds, and its writers abort what the failed run staged after it. Without
    /// checkpointing, everything is committed when the stream ends.
    /// See [`TwoPhaseCommitSink`] and `docs/0017-sink-and-source-traits.md`.
    ///
    /// # Panics
    /// (Failing the job) when the sink's writer or committer fails, naming the sink.
    pub fn sink_exactly_once<S: TwoPhaseCommitSink<T>>(&self, sink: S) {
        let env = &self.env;
        let mut builder = OperatorBuilder::new("TwoPhaseCommitSink".to_string(), env.scope);
        let info = builder.operator_info();
        let (address, index) = (info.address, info.local_id);
        let mut input = builder.new_input(self.stream.clone(), Pipeline);
        let (acks_out, acks) = builder.new_output::<Vec<Ack>>();
        let mut acks_out = OutputBuilder::from(acks_out);
        let sink_name = sink.name();
        let committer: Box<dyn StoredCommitter> = Box::new(Typed(sink.committer()));
        let (id, context) = match &env.checkpoints {
            Some(c) => {
                c.acknowledge(acks);
                let context = WriterContext {
                    worker: env.index(),
                    peers: env.peers(),
                    first_epoch: c.first_epoch,
                    restored: c.restore.as_ref().map(|r| RestoredFrom {
                        epoch: r.marker.epoch,
                        workers: r.marker.workers,
                    }),
                };
                (c.register_sink(committer), context)
            }
            None => {
                // Commit at the end: a committer of its own that only ever sees the
                // end of the stream.
                let c = Checkpointing::new(Duration::MAX, String::new(), None);
                c.acknowledge(acks);
                let id = c.register_sink(committer);
                c.build_committer(env.scope, env.peers(), env.config().key_groups, 0);
                let context = WriterContext {
                    worker: env.index(),
                    peers: env.peers(),
                    first_epoch: 0,
                    restored: None,
                };
                (id, context)
            }
        };
        let mut writer = sink.writer(&context);
        let wake = env.scope.worker().sync_activator_for(address.to_vec());
        let name = format!("{id}-writer-{}", env.index());
        let thread: OffLoad<WriterJob<T>, Reply<S::Committable>> =
            OffLoad::start(&name, Some(wake), move |job| match job {
                WriterJob::Abort(context) => writer.abort(&context).err().map(Err),
                WriterJob::Records(epoch, records) => records
                    .into_iter()
                    .find_map(|r| writer.write(epoch, r.value).err())
                    .map(Err),
                WriterJob::PreCommit(epoch) => Some(writer.pre_commit(epoch).map(|c| (epoch, c))),
            });
        thread.send(WriterJob::Abort(context));
        builder.build(move |mut caps| {
            let mut cap = caps.pop();
            // Epochs with records not yet pre-committed, and the capabilities of those
            // being pre-committed (in order).
            let mut written: BTreeSet<u64> = BTreeSet::new();
            let mut waiting: VecDeque<_> = VecDeque::new();
            move |frontiers| {
                input.for_each(|time, batch| {
                    let epoch = time
                        .stamp()
                        .iter()
                        .map(|t| t.epoch)
                        .min()
                        .expect("a message has a time");
                    written.insert(epoch);
                    thread.send(WriterJob::Records(epoch, std::mem::take(batch)));
                });
                let open = frontiers[0].frontier().iter().map(|t| t.epoch).min();
                if let Some(c) = cap.as_mut() {
                    while let Some(&epoch) = written.first() {
                        if open.is_some_and(|o| epoch >= o) {
                            break;
                        }
                        written.pop_first();
                        waiting.push_back(c.delayed(&StreamTime { epoch, ..*c.time() }));
                        thread.send(WriterJob::PreCommit(epoch));
                    }
                    match open {
                        Some(o) if o > c.time().epoch => c.downgrade(&StreamTime {
                            epoch: o,
                            ..*c.time()
                        }),
                        Some(_) => {}
                        None => cap = None,
                    }
                }
                while let Some(reply) = thread.try_next() {
                    let (epoch, committable) = reply.unwrap_or_else(|e| panic!("sink {id}: {e}"));
                    let held = waiting
                        .pop_front()
                        .expect("a pre-commit answers a pre-commit asked for");
                    debug_assert_eq!(held.time().epoch, epoch);
                    if let Some(committable) = committable {
                        acks_out.activate().session(&held).give(Ack::Committable {
                            sink: id.clone(),
                            committable: Stored::encode(&committable).to_text(),
                        });
                    }
                }
            }
        });
        strom_core::metrics::group_built(&env.scope, Some(index), Some(&sink_name));
    }
}
