//! `sort_partition`: sorts the records within each partition.

use std::cmp::Ordering;

use strom_core::timely::dataflow::channels::pact::Pipeline;

use crate::data_set::{Data, DataSet};
use crate::operators::blocking::sorted_blocking;

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
        key: impl Fn(&T) -> K + Clone + 'static,
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

    /// Sorts each partition with a comparator (stable), e.g. for several keys. Sorts out
    /// of core: beyond its share of the managed memory it spills sorted runs and merges.
    pub fn sort_partition_by(
        &self,
        compare: impl Fn(&T, &T) -> Ordering + Clone + 'static,
    ) -> DataSet<'scope, T> {
        self.wrap(sorted_blocking(
            &self.env,
            self.stream.clone(),
            Pipeline,
            "SortPartition",
            compare,
            |sorted| sorted,
        ))
    }
}
