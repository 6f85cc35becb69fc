//! A hash join inside an iteration whose build side comes from outside it (a graph's
//! edges, say): the table is built once, from the data set itself at time 0, and every
//! round probes the same table, as Flink caches a static path's hash table across
//! supersteps. Without it, the static side would be replayed and hashed again in every
//! round, so a delta iteration would cost the whole static input per round however
//! small its workset.
//!
//! The table is a memory consumer (`static_table.rs`): below its share it is one hash
//! table in memory and probes are joined as they arrive. Past it, some of its hash
//! partitions are on disk, written once; a round's probes that fall in those are
//! buffered by partition (an external sort, within a second share, spilling if large)
//! and answered when the round's probe input is complete, one partition read back at a
//! time (a chunk of a partition's probes per activation, so the output leaves in
//! pieces). The operator holds the round's capability until then, so the round ends
//! after them, as it would in memory.
//!
//! The build side's unmatched rows are not tracked, so only inner and left outer joins
//! take this path.

use std::cmp::Ordering;
use std::rc::Rc;

use strom_core::Result;
use strom_core::spill::{ExternalSorter, Sorted, footprint};
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::ParallelizationContract;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::Operator;

use super::static_table::StaticTable;
use crate::data_set::{Data, Key};
use crate::env::{Time, WorkerContext};

/// Orders deferred probes by partition (the sort is stable).
type ByPart<L> = fn(&(u32, L), &(u32, L)) -> Ordering;

/// A round's probes whose rows are on disk, by partition, answered when the round's
/// probe input is complete.
struct Deferred<L> {
    cap: Capability<Time>,
    probes: ExternalSorter<(u32, L), ByPart<L>>,
}

/// A round's deferred probes, sorted by partition, as they are answered.
type Answers<L> = std::iter::Peekable<Sorted<(u32, L), ByPart<L>>>;

/// Joins `probe` (the rounds of a loop) with `build` (time 0, outside the loop).
#[allow(clippy::too_many_arguments)]
pub(crate) fn static_hash_join<'s, L: Data, R: Data, K: Key, O: Data, P1, P2>(
    ctx: Rc<WorkerContext>,
    probe: StreamVec<'s, Time, L>,
    build: StreamVec<'s, Time, R>,
    pacts: (P1, P2),
    lk: impl Fn(&L) -> K + 'static,
    rk: impl Fn(&R) -> K + 'static,
    keeps_left: bool,
    mut f: impl FnMut(Option<&L>, Option<&R>) -> O + 'static,
) -> StreamVec<'s, Time, O>
where
    P1: ParallelizationContract<Time, Vec<L>>,
    P2: ParallelizationContract<Time, Vec<R>>,
{
    // Two shares: the table, and the probes waiting for its partitions on disk.
    ctx.register_memory_consumer();
    ctx.register_memory_consumer();
    let scope = probe.scope();
    probe.binary_frontier(build, pacts.0, pacts.1, "StaticHashJoin", move |_, info| {
        let activator = scope.activator_for(info.address);
        let mut table: StaticTable<K, R> = StaticTable::new(ctx.clone());
        let mut waiting: Vec<(Capability<Time>, Vec<L>)> = Vec::new();
        let mut deferred: Vec<Deferred<L>> = Vec::new();
        // The round whose deferred probes are being answered, and those left.
        let mut answering: Option<(Capability<Time>, Answers<L>)> = None;
        let mut sealed = false;
        // Set after a failure (recorded for the job): input is dropped from then on.
        let mut failed = false;
        move |(probe_in, probe_frontier), (build_in, build_frontier), output| {
            if failed {
                probe_in.for_each(|_, _| {});
                build_in.for_each(|_, _| {});
                return;
            }
            let mut built = Ok(());
            build_in.for_each(|_, batch| {
                for r in batch.drain(..) {
                    if built.is_ok() {
                        built = table.insert(rk(&r), r);
                    }
                }
            });
            probe_in.for_each(|cap, batch| {
                if let Some(cap) = cap.retain_least(0) {
                    waiting.push((cap, std::mem::take(batch)));
                }
            });
            let run = || -> Result<()> {
                built?;
                if !build_frontier.frontier().is_empty() {
                    return Ok(());
                }
                if !sealed {
                    table.seal()?;
                    sealed = true;
                }
                for (cap, batch) in waiting.drain(..) {
                    let mut session = output.session(&cap);
                    for x in batch {
                        let key = lk(&x);
                        let Some(part) = table.join(&key, &x, keeps_left, &mut f, |o| {
                            session.give(o);
                        }) else {
                            continue;
                        };
                        let round = match deferred.iter().position(|d| d.cap.time() == cap.time()) {
                            Some(i) => &mut deferred[i],
                            None => {
                                let by_part: ByPart<L> = |a, b| a.0.cmp(&b.0);
                                let budget = table.budget() / 2;
                                deferred.push(Deferred {
                                    cap: cap.clone(),
                                    probes: ctx.sorter_with_budget(by_part, budget)?,
                                });
                                deferred.last_mut().expect("just pushed")
                            }
                        };
                        round.probes.push((part, x))?;
                    }
                }
                // One chunk of one partition's probes per activation, so a round's
                // deferred output leaves in pieces, as its probes came.
                let chunk = (table.budget() / 2).max(1);
                loop {
                    if answering.is_none() {
                        let Some(i) = deferred
                            .iter()
                            .position(|d| !probe_frontier.less_equal(d.cap.time()))
                        else {
                            return Ok(());
                        };
                        let Deferred { cap, probes } = deferred.swap_remove(i);
                        answering = Some((cap, probes.finish()?.peekable()));
                    }
                    let (cap, probes) = answering.as_mut().expect("a round is being answered");
                    let (mut part, mut xs, mut bytes) = (None, Vec::new(), 0);
                    while let Some(Ok((p, _))) = probes.peek() {
                        if part.is_some_and(|q| q != *p) || bytes >= chunk {
                            break;
                        }
                        let (p, x) = probes.next().expect("peeked")?;
                        part = Some(p);
                        bytes += footprint(&x);
                        xs.push(x);
                    }
                    if let Some(Err(_)) = probes.peek() {
                        probes.next().expect("peeked")?;
                    }
                    let Some(part) = part else {
                        // The round is answered: its capability goes.
                        answering = None;
                        continue;
                    };
                    let mut session = output.session(&*cap);
                    let give = |o| session.give(o);
                    table.answer(part, &xs, &lk, &rk, keeps_left, &mut f, give)?;
                    activator.activate();
                    return Ok(());
                }
            };
            if let Err(e) = run() {
                ctx.fail(&e);
                failed = true;
                waiting.clear();
                deferred.clear();
                answering = None;
            }
        }
    })
}
