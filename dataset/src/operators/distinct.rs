//! `distinct` and `distinct_by`: one record per value (or key), deduplicated before and
//! after the exchange, within the managed memory budget (spilling beyond it). `u64`
//! records (vertex ids, say) are deduped before the exchange through bitmap pages.

use std::any::TypeId;

use strom_core::dense_ids::IdSet;
use strom_core::keys::worker_for_key;
use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};
use strom_core::timely::dataflow::operators::vec::Filter;

use crate::data_set::{Data, DataSet, Key};
use crate::operators::spilling_map::keyed_blocking;

impl<'scope, T: Data> DataSet<'scope, T> {
    /// One record per distinct key: the first one seen (which one is unspecified across
    /// workers).
    pub fn distinct_by<K: Key>(
        &self,
        key: impl Fn(&T) -> K + Clone + 'static,
    ) -> DataSet<'scope, T> {
        let (groups, peers) = (self.env.config().key_groups, self.env.peers());
        let local = dedupe(&self.env, self.stream.clone(), Pipeline, key.clone());
        let route_key = key.clone();
        self.wrap(dedupe(
            &self.env,
            local,
            Exchange::new(move |x: &T| worker_for_key(&route_key(x), groups, peers) as u64),
            key,
        ))
    }
}

impl<'scope, T: Key> DataSet<'scope, T> {
    /// One copy of every distinct record.
    pub fn distinct(&self) -> DataSet<'scope, T> {
        // The record is its own key: the tables hold it once (a set), where
        // `distinct_by` keeps a key and a record per entry.
        let (groups, peers) = (self.env.config().key_groups, self.env.peers());
        let local = if TypeId::of::<T>() == TypeId::of::<u64>() && self.iteration.is_none() {
            drop_seen_ids(&self.env, self.stream.clone())
        } else {
            dedupe_set(&self.env, self.stream.clone(), Pipeline)
        };
        self.wrap(dedupe_set(
            &self.env,
            local,
            Exchange::new(move |x: &T| worker_for_key(x, groups, peers) as u64),
        ))
    }
}

/// The dedupe before the exchange for integer ids: a streaming filter through an
/// [`IdSet`] (bitmap pages for clustered ids), which passes each id on the first time
/// it meets it, and lets ids through rather than grow past a share of the memory
/// budget; the exact dedupe follows the exchange. Outside iterations only, where the
/// data set has a single time, 0 (the set is not kept per time).
fn drop_seen_ids<'s, T: Key>(
    env: &crate::env::Env<'s>,
    stream: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>,
) -> strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T> {
    let ctx = env.ctx.clone();
    ctx.register_memory_consumer();
    let mut seen: Option<IdSet<T>> = None;
    stream.filter(move |x| {
        let seen = seen.get_or_insert_with(|| {
            // A quarter of the operator's share (it holds its set until the job ends).
            IdSet::with_limit((ctx.budget() / 4).min(64 << 20) as usize)
        });
        seen.first_time(x)
    })
}

fn dedupe_set<'s, T: Key, P>(
    env: &crate::env::Env<'s>,
    stream: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>,
    pact: P,
) -> strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>
where
    P: strom_core::timely::dataflow::channels::pact::ParallelizationContract<
            crate::env::Time,
            Vec<T>,
        >,
{
    keyed_blocking(
        env,
        stream,
        pact,
        "Distinct",
        |table, ctx, x: T| table.upsert(ctx, x, || (), |_| ()),
        |_: &mut (), _: ()| (),
        |x: T, ()| x,
    )
}

fn dedupe<'s, T: Data, K: Key, P>(
    env: &crate::env::Env<'s>,
    stream: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>,
    pact: P,
    key: impl Fn(&T) -> K + 'static,
) -> strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>
where
    P: strom_core::timely::dataflow::channels::pact::ParallelizationContract<
            crate::env::Time,
            Vec<T>,
        >,
{
    keyed_blocking(
        env,
        stream,
        pact,
        "Distinct",
        move |table, ctx, x: T| table.upsert(ctx, key(&x), || x, |_| ()),
        |_first: &mut T, _later: T| (),
        |_k: K, x: T| x,
    )
}
