//! The DataSet operators, one family per file. Each file adds methods to [`crate::DataSet`]
//! (or to the builders it returns).

pub(crate) mod blocking;
pub mod broadcast;
pub mod co_group;
pub mod cross;
pub mod distinct;
pub mod first;
pub mod group_by;
pub(crate) mod hybrid_join;
pub mod join;
pub(crate) mod join_table;
pub(crate) mod keyed_sort;
pub mod partition;
pub mod sort;
pub mod sort_group;
pub(crate) mod spilling_map;
pub(crate) mod static_join;
pub(crate) mod static_state;
pub(crate) mod static_table;
pub mod transform;

/// A parallelization contract for a batch stream of `T` records (shorthand for bounds).
pub(crate) trait Pact<T>:
    strom_core::timely::dataflow::channels::pact::ParallelizationContract<crate::env::Time, Vec<T>>
{
}

impl<T, P> Pact<T> for P where
    P: strom_core::timely::dataflow::channels::pact::ParallelizationContract<
            crate::env::Time,
            Vec<T>,
        >
{
}
