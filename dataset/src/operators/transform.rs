//! Record-at-a-time transformations: `map`, `flat_map`, `filter`, `map_partition`, `union`.

use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::Concat;
use strom_core::timely::dataflow::operators::vec::{Filter, Map};

use strom_core::metrics::running;

use crate::data_set::{Data, DataSet};
use crate::operators::blocking::unary_blocking;

impl<'scope, T: Data> DataSet<'scope, T> {
    /// Applies `f` to every record.
    pub fn map<O: Data>(&self, mut f: impl FnMut(T) -> O + 'static) -> DataSet<'scope, O> {
        let id = self.next_operator_id();
        self.wrap(self.stream.clone().map(move |x| {
            let _running = running(id);
            f(x)
        }))
    }

    /// Applies `f` to every record and flattens the results.
    pub fn flat_map<I>(&self, mut f: impl FnMut(T) -> I + 'static) -> DataSet<'scope, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
    {
        let id = self.next_operator_id();
        self.wrap(self.stream.clone().flat_map(move |x| {
            let _running = running(id);
            f(x)
        }))
    }

    /// Keeps the records for which `predicate` holds.
    pub fn filter(&self, mut predicate: impl FnMut(&T) -> bool + 'static) -> DataSet<'scope, T> {
        let id = self.next_operator_id();
        self.wrap(self.stream.clone().filter(move |x| {
            let _running = running(id);
            predicate(x)
        }))
    }

    /// Calls `f` once per partition (worker) with all of that partition's records.
    pub fn map_partition<I>(&self, f: impl FnMut(Vec<T>) -> I + 'static) -> DataSet<'scope, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
        I::IntoIter: 'static,
    {
        self.wrap(unary_blocking(
            self.stream.clone(),
            Pipeline,
            "MapPartition",
            Vec::new,
            |all: &mut Vec<T>, data: &mut Vec<T>| all.append(data),
            f,
        ))
    }

    /// Folds each partition's records into an accumulator as they stream by (no
    /// buffering), then emits `finish(accumulator)`: a partition-local combiner, e.g. to
    /// count words with borrowed look-ups before a `group_by`.
    pub fn fold_partition<A, I>(
        &self,
        init: impl FnMut() -> A + 'static,
        mut fold: impl FnMut(&mut A, T) + 'static,
        finish: impl FnMut(A) -> I + 'static,
    ) -> DataSet<'scope, I::Item>
    where
        A: 'static,
        I: IntoIterator,
        I::Item: Data,
        I::IntoIter: 'static,
    {
        self.wrap(unary_blocking(
            self.stream.clone(),
            Pipeline,
            "FoldPartition",
            init,
            move |acc: &mut A, data: &mut Vec<T>| {
                for x in data.drain(..) {
                    fold(acc, x);
                }
            },
            finish,
        ))
    }

    /// The records of both data sets (a bag union: duplicates stay).
    pub fn union(&self, other: &DataSet<'scope, T>) -> DataSet<'scope, T> {
        let (this, other) = crate::iteration::align(self, other);
        this.wrap(this.stream.clone().concat(other.stream.clone()))
    }
}
