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
        let (this, variable) = crate::iteration::align(self, variable);
        let f = std::rc::Rc::new(std::cell::RefCell::new(f));
        let fe = f.clone();
        this.wrap(binary_blocking(
            this.stream.clone(),
            variable.stream.clone().broadcast(),
            (Pipeline, Pipeline),
            "WithBroadcast",
            <(Vec<B>, Vec<T>)>::default,
            move |(var, stash), data: &mut Vec<T>, var_done, out: &mut Vec<I::Item>| {
                if !var_done {
                    stash.append(data);
                    return;
                }
                let mut f = fe.borrow_mut();
                for x in stash.drain(..).chain(data.drain(..)) {
                    out.extend(f(x, var));
                }
            },
            |(var, _), data: &mut Vec<B>| var.append(data),
            move |(var, stash), out: &mut Vec<I::Item>| {
                let mut f = f.borrow_mut();
                for x in stash {
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
