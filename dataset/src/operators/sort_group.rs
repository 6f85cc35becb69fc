//! `sort_group`: a grouped data set whose groups are read in a given order (Flink's
//! `groupBy(..).sortGroup(field, order)`), for `reduce_group` and `first(n)`.
//!
//! Records are paired with their group key and sort key and sorted out of core by both
//! (the external sorter of `strom-core`, as `reduce_group` always did, within its share
//! of the managed memory), then read group by group. The sort is stable: records of
//! equal sort keys keep their order of arrival. `first(n)` streams: it keeps no group
//! in memory, so a group may be larger than memory.
//!
//! One sort key per group; for several, sort by a tuple (with `std::cmp::Reverse` on
//! the fields to sort the other way).

use std::cmp::Ordering;
use std::marker::PhantomData;

use strom_core::timely::dataflow::channels::pact::Exchange;
use strom_core::timely::dataflow::operators::vec::Map;

use crate::data_set::{Data, DataSet, Key};
use crate::operators::blocking::sorted_blocking;
use crate::operators::group_by::Grouped;
use crate::operators::sort::Order;
use crate::total_order::{TotalOrder, ordered};

/// A grouped data set whose groups are read in order; see [`Grouped::sort_group`].
pub struct SortedGrouped<'scope, T, K, F, S, G> {
    grouped: Grouped<'scope, T, K, F>,
    sort: G,
    order: Order,
    _sort: PhantomData<S>,
}

impl<'scope, T, K, F> Grouped<'scope, T, K, F>
where
    T: Data,
    K: Key,
    F: Fn(&T) -> K + Clone + 'static,
{
    /// Orders the records of each group by `key` in [`TotalOrder`] (floats included)
    /// for the group functions that follow (ties keep their order of arrival).
    ///
    /// ```
    /// use strom_core::RuntimeConfig;
    /// use strom_dataset::{Order, execute};
    ///
    /// // Per customer, the two largest orders.
    /// let mut top = execute(&RuntimeConfig::default().with_workers(2), |env| {
    ///     env.from_collection(vec![('a', 3.5), ('b', 1.0), ('a', 9.0), ('a', 4.0)])
    ///         .group_by(|o: &(char, f64)| o.0)
    ///         .sort_group(|o| o.1, Order::Descending)
    ///         .first(2)
    ///         .collect()
    /// })
    /// .unwrap()
    /// .unwrap();
    /// top.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)));
    /// assert_eq!(top, vec![('a', 9.0), ('a', 4.0), ('b', 1.0)]);
    /// ```
    pub fn sort_group<S, G>(&self, key: G, order: Order) -> SortedGrouped<'scope, T, K, F, S, G>
    where
        S: Data + TotalOrder,
        G: Fn(&T) -> S + Clone + 'static,
    {
        SortedGrouped {
            grouped: self.clone(),
            sort: key,
            order,
            _sort: PhantomData,
        }
    }
}

/// A record with its group key and sort key.
type Keyed<K, S, T> = (K, S, T);

impl<'scope, T, K, F, S, G> SortedGrouped<'scope, T, K, F, S, G>
where
    T: Data,
    K: Key,
    F: Fn(&T) -> K + Clone + 'static,
    S: Data + TotalOrder,
    G: Fn(&T) -> S + Clone + 'static,
{
    /// Calls `f` once per group with the key and all of the group's records, in order.
    /// Only one group at a time must fit in memory.
    pub fn reduce_group<I>(
        &self,
        f: impl FnMut(&K, Vec<T>) -> I + 'static,
    ) -> DataSet<'scope, I::Item>
    where
        I: IntoIterator,
        I::Item: Data,
        I::IntoIter: 'static,
    {
        let f = std::rc::Rc::new(std::cell::RefCell::new(f));
        self.sorted("ReduceGroup", move |sorted| {
            let f = f.clone();
            let mut sorted = sorted.peekable();
            let mut current: Option<I::IntoIter> = None;
            std::iter::from_fn(move || {
                loop {
                    if let Some(item) = current.as_mut().and_then(Iterator::next) {
                        return Some(item);
                    }
                    let (k, _, first) = sorted.next()?;
                    let mut group = vec![first];
                    while let Some((_, _, x)) = sorted.next_if(|(k2, _, _)| *k2 == k) {
                        group.push(x);
                    }
                    current = Some(f.borrow_mut()(&k, group).into_iter());
                }
            })
        })
    }

    /// Per group, its first `n` records in order (the top `n`). Streams: groups need
    /// not fit in memory.
    pub fn first(&self, n: usize) -> DataSet<'scope, T> {
        self.sorted("GroupFirst", move |sorted| {
            let mut current: Option<K> = None;
            let mut taken = 0;
            sorted.filter_map(move |(k, _, x)| {
                if current.as_ref() != Some(&k) {
                    (current, taken) = (Some(k), 0);
                }
                taken += 1;
                (taken <= n).then_some(x)
            })
        })
    }

    /// The records routed to their group's worker and sorted there by group key, then
    /// sort key, handed to `finish`.
    fn sorted<O, I>(
        &self,
        name: &str,
        finish: impl FnMut(Box<dyn Iterator<Item = Keyed<K, S, T>>>) -> I + 'static,
    ) -> DataSet<'scope, O>
    where
        O: Data,
        I: IntoIterator<Item = O>,
        I::IntoIter: 'static,
    {
        let data = &self.grouped.data;
        let (key, sort, route) = (
            self.grouped.key.clone(),
            self.sort.clone(),
            self.grouped.route(),
        );
        let keyed = data.stream.clone().map(move |x| (key(&x), sort(&x), x));
        let order = self.order;
        let compare = move |a: &Keyed<K, S, T>, b: &Keyed<K, S, T>| -> Ordering {
            a.0.cmp(&b.0).then_with(|| ordered(&a.1, &b.1, order))
        };
        data.wrap(sorted_blocking(
            &data.env,
            keyed,
            Exchange::new(move |x: &Keyed<K, S, T>| route(&x.0)),
            name,
            compare,
            finish,
        ))
    }
}
