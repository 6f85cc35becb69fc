//! `co_group`: per key, all records of both inputs together.

use std::collections::HashMap;

use strom_core::keys::worker_for_key;
use strom_core::timely::dataflow::channels::pact::Exchange;

use crate::data_set::{Data, DataSet, Key};
use crate::operators::blocking::binary_blocking;

impl<'scope, A: Data> DataSet<'scope, A> {
    /// Calls `f` once per key present in either input, with both inputs' records for it
    /// (one side may be empty).
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
    {
        let (groups, peers) = (self.env.config().key_groups, self.env.peers());
        let (ra, rb) = (ka.clone(), kb.clone());
        let pa = Exchange::new(move |x: &A| worker_for_key(&ra(x), groups, peers) as u64);
        let pb = Exchange::new(move |x: &B| worker_for_key(&rb(x), groups, peers) as u64);
        let map = std::rc::Rc::new(std::cell::RefCell::new(
            HashMap::<K, (Vec<A>, Vec<B>)>::new(),
        ));
        let (sa, sb) = (map.clone(), map.clone());
        self.wrap(binary_blocking(
            self.stream.clone(),
            other.stream.clone(),
            (pa, pb),
            "CoGroup",
            move |data: &mut Vec<A>, _, _| {
                let mut m = sa.borrow_mut();
                for x in data.drain(..) {
                    m.entry(ka(&x)).or_default().0.push(x);
                }
            },
            move |data: &mut Vec<B>| {
                let mut m = sb.borrow_mut();
                for x in data.drain(..) {
                    m.entry(kb(&x)).or_default().1.push(x);
                }
            },
            move |_| {
                let m = std::mem::take(&mut *map.borrow_mut());
                let mut out = Vec::new();
                for (k, (a, b)) in m {
                    out.extend(f(&k, a, b));
                }
                out
            },
        ))
    }
}
