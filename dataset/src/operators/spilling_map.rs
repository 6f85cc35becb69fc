//! A hash table of per-key state that stays within a memory budget: when its estimated
//! size passes the budget, its entries are written to disk as a run sorted by key and the
//! table starts empty; at the end the runs and the table merge, and equal keys combine.
//! One key's state is in memory at a time, so skewed keys do not break the budget.

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;

use strom_core::Result;
use strom_core::spill::{ExternalSorter, footprint};

use crate::data_set::{Data, Key};
use crate::env::WorkerContext;

type ByKey<K, V> = fn(&(K, V), &(K, V)) -> std::cmp::Ordering;
/// Merged entries, in key order once anything spilled.
type Entries<K, V> = Box<dyn Iterator<Item = Result<(K, V)>>>;

pub(crate) struct SpillingMap<K, V> {
    map: FxHashMap<K, V>,
    bytes: u64,
    budget: Option<u64>,
    sorter: Option<ExternalSorter<(K, V), ByKey<K, V>>>,
}

impl<K: Key, V: Data> SpillingMap<K, V> {
    pub(crate) fn new() -> Self {
        SpillingMap {
            map: FxHashMap::default(),
            bytes: 0,
            budget: None,
            sorter: None,
        }
    }

    /// Updates `key`'s state (creating it with `init`), spilling when over budget.
    pub(crate) fn upsert(
        &mut self,
        ctx: &WorkerContext,
        key: K,
        init: impl FnOnce() -> V,
        update: impl FnOnce(&mut V),
    ) -> Result<()> {
        match self.map.entry(key) {
            Entry::Occupied(mut e) => update(e.get_mut()),
            Entry::Vacant(e) => {
                let mut v = init();
                update(&mut v);
                self.bytes += footprint(e.key()) + footprint(&v) + 16;
                e.insert(v);
            }
        }
        let budget = *self.budget.get_or_insert_with(|| ctx.budget());
        if self.bytes > budget && self.map.len() > 1 {
            self.spill(ctx)?;
        }
        Ok(())
    }

    fn spill(&mut self, ctx: &WorkerContext) -> Result<()> {
        if self.sorter.is_none() {
            let by_key: ByKey<K, V> = |a, b| a.0.cmp(&b.0);
            self.sorter = Some(ctx.sorter_with_budget(by_key, u64::MAX)?);
        }
        let sorter = self.sorter.as_mut().expect("sorter was just created");
        for entry in self.map.drain() {
            sorter.push(entry)?;
        }
        self.bytes = 0;
        sorter.spill_now()
    }

    /// Every key once, with its states merged by `merge`.
    pub(crate) fn finish(mut self, merge: impl Fn(&mut V, V) + 'static) -> Result<Entries<K, V>> {
        let Some(mut sorter) = self.sorter.take() else {
            return Ok(Box::new(self.map.into_iter().map(Ok)));
        };
        for entry in self.map.drain() {
            sorter.push(entry)?;
        }
        let mut sorted = sorter.finish()?.peekable();
        Ok(Box::new(std::iter::from_fn(move || {
            let (key, mut value) = match sorted.next()? {
                Ok(first) => first,
                Err(e) => return Some(Err(e)),
            };
            while let Some(Ok((_, more))) =
                sorted.next_if(|next| matches!(next, Ok((k, _)) if *k == key))
            {
                merge(&mut value, more);
            }
            Some(Ok((key, value)))
        })))
    }
}

/// A blocking operator whose state is a [`SpillingMap`]: `upsert` folds each record in,
/// and at the end every key's merged state becomes `finish(key, state)`.
pub(crate) fn keyed_blocking<'s, T, K, V, O, P>(
    env: &crate::env::Env<'s>,
    stream: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>,
    pact: P,
    name: &str,
    mut upsert: impl FnMut(&mut SpillingMap<K, V>, &WorkerContext, T) -> Result<()> + 'static,
    merge: impl Fn(&mut V, V) + 'static,
    finish: impl Fn(K, V) -> O + Clone + 'static,
) -> strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, O>
where
    T: Data,
    K: Key,
    V: Data,
    O: Data,
    P: strom_core::timely::dataflow::channels::pact::ParallelizationContract<
            crate::env::Time,
            Vec<T>,
        >,
{
    let ctx = env.ctx.clone();
    ctx.register_memory_consumer();
    let absorb_ctx = ctx.clone();
    let merge = std::rc::Rc::new(merge);
    super::blocking::unary_blocking(
        stream,
        pact,
        name,
        || Some(SpillingMap::new()),
        move |slot: &mut Option<SpillingMap<K, V>>, data: &mut Vec<T>| {
            let Some(table) = slot.as_mut() else {
                return data.clear();
            };
            for x in data.drain(..) {
                if let Err(e) = upsert(table, &absorb_ctx, x) {
                    absorb_ctx.fail(&e);
                    *slot = None;
                    return;
                }
            }
        },
        move |slot| {
            let merge = merge.clone();
            let merged = slot.map(|t| t.finish(move |a: &mut V, b| merge(a, b)));
            let results: Box<dyn Iterator<Item = O>> = match merged {
                Some(Ok(entries)) => {
                    let ctx = ctx.clone();
                    let finish = finish.clone();
                    Box::new(entries.map_while(move |r| match r {
                        Ok((k, v)) => Some(finish(k, v)),
                        Err(e) => {
                            ctx.fail(&e);
                            None
                        }
                    }))
                }
                Some(Err(e)) => {
                    ctx.fail(&e);
                    Box::new(std::iter::empty())
                }
                None => Box::new(std::iter::empty()),
            };
            results
        },
    )
}
