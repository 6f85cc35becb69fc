//! A hash join inside an iteration whose build side comes from outside it (a graph's
//! edges, say): the table is built once, from the data set itself at time 0, and every
//! round probes the same table, as Flink caches a static path's hash table across
//! supersteps. Without it, the static side would be replayed and hashed again in every
//! round, so a delta iteration would cost the whole static input per round however
//! small its workset.
//!
//! The table lives in memory for the whole loop (the replay cache it replaces did too),
//! and the build side's unmatched rows are not tracked, so only inner and left outer
//! joins take this path.

use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::ParallelizationContract;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::Operator;

use super::join_table::JoinTable;
use crate::data_set::{Data, Key};
use crate::env::Time;

/// Joins `probe` (the rounds of a loop) with `build` (time 0, outside the loop).
pub(crate) fn static_hash_join<'s, L: Data, R: Data, K: Key, O: Data, P1, P2>(
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
    probe.binary_frontier(build, pacts.0, pacts.1, "StaticHashJoin", move |_, _| {
        let mut table: JoinTable<K, R> = JoinTable::new(false);
        let mut waiting: Vec<(Capability<Time>, Vec<L>)> = Vec::new();
        let mut compacted = false;
        move |(probe_in, _), (build_in, build_frontier), output| {
            build_in.for_each(|_, batch| {
                for r in batch.drain(..) {
                    table.insert(rk(&r), r);
                }
            });
            probe_in.for_each(|cap, batch| {
                if let Some(cap) = cap.retain_least(0) {
                    waiting.push((cap, std::mem::take(batch)));
                }
            });
            if !build_frontier.frontier().is_empty() {
                return;
            }
            if !compacted {
                table.compact();
                compacted = true;
            }
            for (cap, batch) in waiting.drain(..) {
                let mut session = output.session(&cap);
                for x in &batch {
                    table.join(&lk(x), x, keeps_left, &mut f, |o| session.give(o));
                }
            }
        }
    })
}
