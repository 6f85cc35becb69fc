//! Moving records between workers: `rebalance`, `partition_by_hash`, `partition_by_range`,
//! and `gather` (everything to worker 0).

use std::cmp::Ordering;

use strom_core::keys::worker_for_key;
use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};
use strom_core::timely::dataflow::operators::Exchange as _;
use strom_core::timely::dataflow::operators::generic::Operator;
use strom_core::timely::dataflow::operators::vec::{Broadcast, Map};

use crate::data_set::{Data, DataSet, Key};
use crate::operators::blocking::unary_blocking;

/// Samples each worker contributes to range partitioning.
const SAMPLES_PER_WORKER: usize = 1024;

impl<'scope, T: Data> DataSet<'scope, T> {
    /// Spreads records evenly over the workers (round robin).
    pub fn rebalance(&self) -> DataSet<'scope, T> {
        let peers = self.env.peers() as u64;
        let mut next = self.env.index() as u64;
        self.wrap(self.stream.clone().exchange(move |_| {
            next = (next + 1) % peers;
            next
        }))
    }

    /// Sends every record to the worker owning its key's key group.
    pub fn partition_by_hash<K: Key>(&self, key: impl Fn(&T) -> K + 'static) -> DataSet<'scope, T> {
        let (groups, peers) = (self.env.config().key_groups, self.env.peers());
        self.wrap(
            self.stream
                .clone()
                .exchange(move |x| worker_for_key(&key(x), groups, peers) as u64),
        )
    }

    /// Sends all records to worker 0 (a partition of parallelism one).
    pub fn gather(&self) -> DataSet<'scope, T> {
        self.wrap(self.stream.clone().exchange(|_| 0))
    }

    /// Range-partitions by `key`: worker `i` gets keys no greater than those of worker
    /// `i + 1`. Boundaries come from a sample of the keys (as Flink's `partitionByRange`);
    /// records that arrive before the boundaries are known wait in a queue that spills
    /// beyond its share of the managed memory.
    pub fn partition_by_range<K: Key>(
        &self,
        key: impl Fn(&T) -> K + Clone + 'static,
    ) -> DataSet<'scope, T> {
        let peers = self.env.peers();
        let worker = self.env.index() as u64;
        let sample_key = key.clone();
        crate::iteration::reject(self, "partition_by_range");
        let mut seen = 0u64;
        let mut rng = 0x9e37_79b9_7f4a_7c15u64 ^ worker;
        let samples = unary_blocking(
            self.stream.clone(),
            Pipeline,
            "RangeSample",
            Vec::<K>::new,
            move |reservoir: &mut Vec<K>, data: &mut Vec<T>| {
                for x in data.drain(..) {
                    seen += 1;
                    if reservoir.len() < SAMPLES_PER_WORKER {
                        reservoir.push(sample_key(&x));
                    } else {
                        rng ^= rng << 13;
                        rng ^= rng >> 7;
                        rng ^= rng << 17;
                        let slot = rng % seen;
                        if (slot as usize) < SAMPLES_PER_WORKER {
                            reservoir[slot as usize] = sample_key(&x);
                        }
                    }
                }
            },
            |reservoir| reservoir,
        )
        .broadcast();
        // Records wait in a spilling queue until the boundaries are known.
        let ctx = self.env.ctx.clone();
        ctx.register_memory_consumer();
        let scope = self.env.scope;
        let routed = self.stream.clone().binary_frontier(
            samples,
            Pipeline,
            Pipeline,
            "RangeRoute",
            move |cap, info| {
                let activator = scope.activator_for(info.address);
                let mut cap = Some(cap);
                let mut waiting: Option<strom_core::spill::SpillQueue<T>> = None;
                let mut replay: Option<Box<dyn Iterator<Item = strom_core::Result<T>>>> = None;
                let mut all_samples: Vec<K> = Vec::new();
                let mut bounds: Option<Vec<K>> = None;
                move |(data, data_frontier), (sample_in, sample_frontier), output| {
                    sample_in.for_each(|_, s| all_samples.append(s));
                    if bounds.is_none() && sample_frontier.frontier().is_empty() {
                        all_samples.sort();
                        bounds = Some(
                            (1..peers)
                                .filter_map(|i| {
                                    all_samples.get(i * all_samples.len() / peers).cloned()
                                })
                                .collect(),
                        );
                        if let Some(queue) = waiting.take() {
                            match queue.drain() {
                                Ok(records) => replay = Some(Box::new(records)),
                                Err(e) => ctx.fail(&e),
                            }
                        }
                    }
                    let Some(c) = cap.as_ref() else {
                        data.for_each(|_, d| d.clear());
                        return;
                    };
                    let Some(bounds) = bounds.as_ref() else {
                        data.for_each(|_, d| {
                            for x in d.drain(..) {
                                let queue = match waiting.as_mut() {
                                    Some(q) => q,
                                    None => match ctx.spill_queue() {
                                        Ok(q) => waiting.insert(q),
                                        Err(e) => return ctx.fail(&e),
                                    },
                                };
                                if let Err(e) = queue.push(x) {
                                    return ctx.fail(&e);
                                }
                            }
                        });
                        return;
                    };
                    let route = |x: &T| {
                        bounds.partition_point(|b| b.cmp(&key(x)) != Ordering::Greater) as u64
                    };
                    let mut session = output.session(c);
                    if let Some(records) = replay.as_mut() {
                        let mut emitted = 0;
                        for r in records.by_ref() {
                            match r {
                                Ok(x) => session.give((route(&x), x)),
                                Err(e) => ctx.fail(&e),
                            }
                            emitted += 1;
                            if emitted == crate::operators::blocking::EMIT_BATCH {
                                break;
                            }
                        }
                        if emitted == crate::operators::blocking::EMIT_BATCH {
                            activator.activate();
                        } else {
                            replay = None;
                        }
                    }
                    data.for_each(|_, d| {
                        session.give_iterator(d.drain(..).map(|x| (route(&x), x)))
                    });
                    drop(session);
                    if replay.is_none() && data_frontier.frontier().is_empty() {
                        cap = None;
                    }
                }
            },
        );
        let moved = routed.unary(
            Exchange::new(|(target, _): &(u64, T)| *target),
            "RangeExchange",
            |_, _| {
                move |input, output| {
                    input.for_each(|cap, data| {
                        output
                            .session(&cap)
                            .give_iterator(data.drain(..).map(|(_, x)| x));
                    });
                }
            },
        );
        self.wrap(moved.map(|x| x))
    }
}
