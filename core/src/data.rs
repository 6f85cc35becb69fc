//! [`Data`]: what a record must be to flow through a job, in the DataSet and the
//! DataStream API alike (both re-export it).

/// A record type: cloneable, and serializable so that it can cross workers and
/// processes (timely's `ExchangeData`), spill to disk and enter checkpoints.
/// Implemented for every such type.
pub trait Data: timely::ExchangeData + Clone {}
impl<T: timely::ExchangeData + Clone> Data for T {}
