//! `co_group`: per key, all records of both inputs together. Both inputs are sorted by
//! key out of core (within the managed memory budget) and merged; one key's records are
//! in memory at a time.

use strom_core::keys::worker_for_key;
use strom_core::timely::dataflow::channels::pact::Exchange;

use crate::data_set::{Data, DataSet, Key};
use crate::operators::blocking::binary_blocking;
use crate::operators::keyed_sort::{KeyedSorter, absorb, sorted};

impl<'scope, A: Data> DataSet<'scope, A> {
    /// Calls `f` once per key present in either input, in key order per worker, with
    /// both inputs' records for it (in input order; one side may be empty).
    pub fn co_group<B: Data, K: Key, I>(
        &self,
        other: &DataSet<'scope, B>,
        ka: impl Fn(&A) -> K + Clone + 'static,
        kb: impl Fn(&B) -> K + Clone + 'static,
        f: impl FnMut(&K, Vec<A>, Vec<B>) -> I + 'static,
    ) -> DataSet<'scope, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
        I::IntoIter: 'static,
    {
        let (groups, peers) = (self.env.config().key_groups, self.env.peers());
        let (ra, rb) = (ka.clone(), kb.clone());
        let pa = Exchange::new(move |x: &A| worker_for_key(&ra(x), groups, peers) as u64);
        let pb = Exchange::new(move |x: &B| worker_for_key(&rb(x), groups, peers) as u64);
        let (this, other) = crate::iteration::align(self, other);
        let ctx = this.env.ctx.clone();
        ctx.register_memory_consumer();
        ctx.register_memory_consumer();
        let (actx, bctx) = (ctx.clone(), ctx.clone());
        let f = std::rc::Rc::new(std::cell::RefCell::new(f));
        this.wrap(binary_blocking(
            this.stream.clone(),
            other.stream.clone(),
            (pa, pb),
            "CoGroup",
            <(KeyedSorter<K, A>, KeyedSorter<K, B>)>::default,
            move |(asorter, _), data: &mut Vec<A>, _, _| absorb(&actx, asorter, data, &ka),
            move |(_, bsorter), data: &mut Vec<B>| absorb(&bctx, bsorter, data, &kb),
            move |(asorter, bsorter), _| {
                let (mut left, mut right) = (sorted(&ctx, &asorter), sorted(&ctx, &bsorter));
                let f = f.clone();
                let mut current: Option<I::IntoIter> = None;
                std::iter::from_fn(move || {
                    loop {
                        if let Some(item) = current.as_mut().and_then(Iterator::next) {
                            return Some(item);
                        }
                        let key = match (left.peek(), right.peek()) {
                            (None, None) => return None,
                            (Some((a, _)), Some((b, _))) => a.min(b).clone(),
                            (Some((a, _)), None) => a.clone(),
                            (None, Some((b, _))) => b.clone(),
                        };
                        let mut xs = Vec::new();
                        while let Some((_, x)) = left.next_if(|(k, _)| *k == key) {
                            xs.push(x);
                        }
                        let mut ys = Vec::new();
                        while let Some((_, y)) = right.next_if(|(k, _)| *k == key) {
                            ys.push(y);
                        }
                        current = Some(f.borrow_mut()(&key, xs, ys).into_iter());
                    }
                })
            },
        ))
    }
}
