//! `cross`: every pair of records of two inputs. The second input is broadcast, so it
//! should be the smaller one (Flink's `crossWithTiny`).

use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::vec::Broadcast;

use crate::data_set::{Data, DataSet};
use crate::operators::blocking::binary_blocking;

impl<'scope, A: Data> DataSet<'scope, A> {
    /// `f(a, b)` for every `a` in this data set and `b` in `other`.
    pub fn cross<B: Data, O: Data>(
        &self,
        other: &DataSet<'scope, B>,
        f: impl FnMut(&A, &B) -> O + 'static,
    ) -> DataSet<'scope, O> {
        let (this, other) = crate::iteration::align(self, other);
        let f = std::rc::Rc::new(std::cell::RefCell::new(f));
        let fl = f.clone();
        this.wrap(binary_blocking(
            this.stream.clone(),
            other.stream.clone().broadcast(),
            (Pipeline, Pipeline),
            "Cross",
            <(Vec<B>, Vec<A>)>::default,
            move |(small, stash), data: &mut Vec<A>, small_done, out: &mut Vec<O>| {
                if !small_done {
                    stash.append(data);
                    return;
                }
                let mut f = fl.borrow_mut();
                for a in stash.drain(..).chain(data.drain(..)) {
                    out.extend(small.iter().map(|b| f(&a, b)));
                }
            },
            |(small, _), data: &mut Vec<B>| small.append(data),
            move |(small, stash), out: &mut Vec<O>| {
                let mut f = f.borrow_mut();
                for a in stash {
                    out.extend(small.iter().map(|b| f(&a, b)));
                }
                Vec::new()
            },
        ))
    }
}
