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
        let small = std::rc::Rc::new(std::cell::RefCell::new(Vec::<B>::new()));
        let (sink, all) = (small.clone(), small.clone());
        let stash = std::rc::Rc::new(std::cell::RefCell::new(Vec::<A>::new()));
        let left_stash = stash.clone();
        let f = std::rc::Rc::new(std::cell::RefCell::new(f));
        let fl = f.clone();
        self.wrap(binary_blocking(
            self.stream.clone(),
            other.stream.clone().broadcast(),
            (Pipeline, Pipeline),
            "Cross",
            move |data: &mut Vec<A>, small_done, out: &mut Vec<O>| {
                if !small_done {
                    left_stash.borrow_mut().append(data);
                    return;
                }
                let small = sink.borrow();
                let mut f = fl.borrow_mut();
                for a in left_stash.borrow_mut().drain(..).chain(data.drain(..)) {
                    out.extend(small.iter().map(|b| f(&a, b)));
                }
            },
            move |data: &mut Vec<B>| small.borrow_mut().append(data),
            move |out: &mut Vec<O>| {
                let small = all.borrow();
                let mut f = f.borrow_mut();
                for a in stash.borrow_mut().drain(..) {
                    out.extend(small.iter().map(|b| f(&a, b)));
                }
                Vec::new()
            },
        ))
    }
}
