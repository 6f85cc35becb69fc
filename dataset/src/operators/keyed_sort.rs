//! Inputs sorted by key out of core, for the sort-merge join and `co_group`: records are
//! paired with their key, pushed into an external sorter (one memory consumer each), and
//! read back in key order.

use std::cell::RefCell;
use std::rc::Rc;

use strom_core::spill::ExternalSorter;

use crate::data_set::{Data, Key};
use crate::env::WorkerContext;

type ByKey<K, V> = fn(&(K, V), &(K, V)) -> std::cmp::Ordering;

/// A lazily created external sorter of `(key, record)` pairs.
pub(crate) type KeyedSorter<K, V> = RefCell<Option<ExternalSorter<(K, V), ByKey<K, V>>>>;

/// Pushes `data` into the sorter with their keys; a failure fails the job.
pub(crate) fn absorb<K: Key, V: Data>(
    ctx: &WorkerContext,
    slot: &KeyedSorter<K, V>,
    data: &mut Vec<V>,
    key: &impl Fn(&V) -> K,
) {
    if ctx.failed() {
        return data.clear();
    }
    for x in data.drain(..) {
        push(ctx, slot, key(&x), x);
    }
}

/// Pushes one `(key, value)` pair into the sorter; a failure fails the job.
pub(crate) fn push<K: Key, V: Data>(
    ctx: &WorkerContext,
    slot: &KeyedSorter<K, V>,
    key: K,
    value: V,
) {
    if ctx.failed() {
        return;
    }
    let mut slot = slot.borrow_mut();
    if slot.is_none() {
        let by_key: ByKey<K, V> = |a, b| a.0.cmp(&b.0);
        match ctx.sorter(by_key) {
            Ok(s) => *slot = Some(s),
            Err(e) => return ctx.fail(&e),
        }
    }
    if let Err(e) = slot
        .as_mut()
        .expect("sorter was just created")
        .push((key, value))
    {
        ctx.fail(&e);
    }
}

/// The sorted pairs (none if nothing was pushed); a read failure fails the job and ends
/// the iteration.
pub(crate) fn sorted<K: Key, V: Data>(
    ctx: &Rc<WorkerContext>,
    slot: &KeyedSorter<K, V>,
) -> std::iter::Peekable<Box<dyn Iterator<Item = (K, V)>>> {
    let it: Box<dyn Iterator<Item = (K, V)>> =
        match slot.borrow_mut().take().map(ExternalSorter::finish) {
            Some(Ok(s)) => {
                let ctx = ctx.clone();
                Box::new(s.map_while(move |r| r.map_err(|e| ctx.fail(&e)).ok()))
            }
            Some(Err(e)) => {
                ctx.fail(&e);
                Box::new(std::iter::empty())
            }
            None => Box::new(std::iter::empty()),
        };
    it.peekable()
}
