//! Broadcast variables: a (small) data set made available in full to every worker while
//! processing another one (Flink's `withBroadcastSet`).

use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::vec::Broadcast;

use crate::data_set::{Data, DataSet};
use crate::operators::blocking::binary_blocking;

impl<'scope, T: Data> DataSet<'scope, T> {
    /// `f(record, all of variable)` for every record; records wait until `variable` is
    /// complete.
    pub fn flat_map_with_broadcast<B: Data, I>(
        &self,
        variable: &DataSet<'scope, B>,
        f: impl FnMut(T, &[B]) -> I + 'static,
    ) -> DataSet<'scope, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
    {
        let var = std::rc::Rc::new(std::cell::RefCell::new(Vec::<B>::new()));
        let (sink, all) = (var.clone(), var.clone());
        let stash = std::rc::Rc::new(std::cell::RefCell::new(Vec::<T>::new()));
        let early_stash = stash.clone();
        let f = std::rc::Rc::new(std::cell::RefCell::new(f));
        let fe = f.clone();
        self.wrap(binary_blocking(
            self.stream.clone(),
            variable.stream.clone().broadcast(),
            (Pipeline, Pipeline),
            "WithBroadcast",
            move |data: &mut Vec<T>, var_done, out: &mut Vec<I::Item>| {
                if !var_done {
                    early_stash.borrow_mut().append(data);
                    return;
                }
                let var = sink.borrow();
                let mut f = fe.borrow_mut();
                for x in early_stash.borrow_mut().drain(..).chain(data.drain(..)) {
                    out.extend(f(x, &var));
                }
            },
            move |data: &mut Vec<B>| var.borrow_mut().append(data),
            move |out: &mut Vec<I::Item>| {
                let var = all.borrow();
                let mut f = f.borrow_mut();
                for x in stash.borrow_mut().drain(..) {
                    out.extend(f(x, &var));
                }
                Vec::new()
            },
        ))
    }

    /// `f(record, all of variable)` for every record.
    pub fn map_with_broadcast<B: Data, O: Data>(
        &self,
        variable: &DataSet<'scope, B>,
        mut f: impl FnMut(T, &[B]) -> O + 'static,
    ) -> DataSet<'scope, O> {
        self.flat_map_with_broadcast(variable, move |x, v| Some(f(x, v)))
    }
}
