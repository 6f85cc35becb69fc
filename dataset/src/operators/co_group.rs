//! `co_group`: per key, all records of both inputs together. Both inputs are sorted by
//! key out of core (within the managed memory budget) and merged; one key's records are
//! in memory at a time.

use strom_core::keys::worker_for_key;
use strom_core::timely::dataflow::channels::pact::Exchange;

use crate::data_set::{Data, DataSet, Key};
use crate::operators::blocking::binary_blocking;
use crate::operators::keyed_sort::{KeyedSorter, Register, absorb, sorted};

impl<'scope, A: Data> DataSet<'scope, A> {
    /// Calls `f` once per key present in either input, in key order per worker, with
    /// both inputs' records for it (in input order; one side may be empty).
    pub fn co_group<B: Data, K: Key, I>(
        &self,
        other: &DataSet<'scope, B>,
        ka: impl Fn(&A) -> K + Clone + 'static,
        kb: impl Fn(&B) -> K + Clone + 'static,
        mut f: impl FnMut(&K, Vec<A>, Vec<B>) -> I + 'static,
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
        let ctx = self.env.ctx.clone();
        let (asorter, bsorter) = (
            KeyedSorter::<K, A>::register(&ctx),
            KeyedSorter::<K, B>::register(&ctx),
        );
        let (asink, bsink) = (asorter.clone(), bsorter.clone());
        let (actx, bctx) = (ctx.clone(), ctx.clone());
        self.wrap(binary_blocking(
            self.stream.clone(),
            other.stream.clone(),
            (pa, pb),
            "CoGroup",
            move |data: &mut Vec<A>, _, _| absorb(&actx, &asink, data, &ka),
            move |data: &mut Vec<B>| absorb(&bctx, &bsink, data, &kb),
            move |_| {
                let (mut left, mut right) = (sorted(&ctx, &asorter), sorted(&ctx, &bsorter));
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
                        current = Some(f(&key, xs, ys).into_iter());
                    }
                })
            },
        ))
    }
}
