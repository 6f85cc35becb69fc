//! `first(n)`: any `n` records of the data set.

use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};

use crate::data_set::{Data, DataSet};
use crate::operators::blocking::unary_blocking;

impl<'scope, T: Data> DataSet<'scope, T> {
    /// At most `n` records of the data set (which ones is unspecified, as in Flink; sort
    /// first for the top `n`), on worker 0.
    pub fn first(&self, n: usize) -> DataSet<'scope, T> {
        let local = take_first(self.stream.clone(), Pipeline, n);
        self.wrap(take_first(local, Exchange::new(|_: &T| 0), n))
    }
}

fn take_first<'s, T: Data, P>(
    stream: strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>,
    pact: P,
    n: usize,
) -> strom_core::timely::dataflow::StreamVec<'s, crate::env::Time, T>
where
    P: strom_core::timely::dataflow::channels::pact::ParallelizationContract<
            crate::env::Time,
            Vec<T>,
        >,
{
    unary_blocking(
        stream,
        pact,
        "First",
        Vec::new,
        move |kept: &mut Vec<T>, data: &mut Vec<T>| {
            let room = n.saturating_sub(kept.len());
            kept.extend(data.drain(..).take(room));
        },
        |kept| kept,
    )
}
