//! `sort_partition`: sorts the records within each partition.

use std::cmp::Ordering;

use strom_core::timely::dataflow::channels::pact::Pipeline;

use crate::data_set::{Data, DataSet};
use crate::operators::blocking::unary_blocking;

/// Sort direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Smallest first.
    Ascending,
    /// Largest first.
    Descending,
}

impl<'scope, T: Data> DataSet<'scope, T> {
    /// Sorts each partition by `key` (stable). Combine with [`DataSet::gather`] or
    /// [`DataSet::partition_by_range`] for a total order.
    pub fn sort_partition<K: Ord>(
        &self,
        key: impl Fn(&T) -> K + 'static,
        order: Order,
    ) -> DataSet<'scope, T> {
        self.sort_partition_by(move |a, b| {
            let o = key(a).cmp(&key(b));
            if order == Order::Descending {
                o.reverse()
            } else {
                o
            }
        })
    }

    /// Sorts each partition with a comparator (stable), e.g. for several keys.
    pub fn sort_partition_by(
        &self,
        compare: impl Fn(&T, &T) -> Ordering + 'static,
    ) -> DataSet<'scope, T> {
        let all = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        let sink = all.clone();
        self.wrap(unary_blocking(
            self.stream.clone(),
            Pipeline,
            "SortPartition",
            move |data: &mut Vec<T>| sink.borrow_mut().append(data),
            move || {
                let mut all = std::mem::take(&mut *all.borrow_mut());
                all.sort_by(|a, b| compare(a, b));
                all
            },
        ))
    }
}
