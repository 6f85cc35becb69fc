//! A data set drawn from one iterator per worker (Flink's `fromParallelCollection`):
//! generators that can start anywhere (TPC-H's, TeraGen's) give each worker its share
//! without materialising it. The iterator is pulled a batch per activation, so
//! downstream operators run between batches and a worker holds one batch at a time.

use strom_core::timely::dataflow::operators::generic::operator::source;

use crate::data_set::{Data, DataSet};
use crate::env::Env;

/// Records pulled from a worker's iterator per activation before it yields.
const PER_ACTIVATION: usize = 8192;

impl<'scope> Env<'scope> {
    /// A data set whose records on worker `index` of `peers` are those of
    /// `make(index, peers)`, pulled lazily.
    ///
    /// ```
    /// use strom_core::RuntimeConfig;
    /// use strom_dataset::execute;
    ///
    /// // Every worker counts its own stripe of 0..100.
    /// let mut all = execute(&RuntimeConfig::default().with_workers(3), |env| {
    ///     env.from_parallel_iter(|index, peers| (index as u64..100).step_by(peers))
    ///         .collect()
    /// })
    /// .unwrap()
    /// .unwrap();
    /// all.sort();
    /// assert_eq!(all, (0..100).collect::<Vec<u64>>());
    /// ```
    pub fn from_parallel_iter<T, I>(
        &self,
        make: impl FnOnce(usize, usize) -> I,
    ) -> DataSet<'scope, T>
    where
        T: Data,
        I: Iterator<Item = T> + 'static,
    {
        let mut records = Some(make(self.index(), self.peers()));
        let scope = self.scope();
        let stream = source(scope, "ParallelIter", move |cap, info| {
            let activator = scope.activator_for(info.address);
            let mut cap = Some(cap);
            move |output| {
                let (Some(c), Some(iter)) = (cap.as_ref(), records.as_mut()) else {
                    return;
                };
                let mut batch: Vec<T> = iter.by_ref().take(PER_ACTIVATION).collect();
                let exhausted = batch.len() < PER_ACTIVATION;
                if !batch.is_empty() {
                    output.session(c).give_container(&mut batch);
                }
                if exhausted {
                    (cap, records) = (None, None);
                } else {
                    activator.activate();
                }
            }
        });
        DataSet::from_stream(self, stream)
    }
}
