//! Raw timely access, **unstable**: the types here are timely's and change when
//! timely does (it ships breaking minors often). For a library that builds its own
//! timely operator on [`crate::DataSet::stream`] and wraps its output with
//! [`crate::DataSet::from_stream`] or [`crate::DataSet::with_stream`]; most per-worker
//! logic fits `map_partition`, `fold_partition` or `process_with_state` instead.

pub use strom_core::timely;

use crate::env::Time;

/// The timely stream under a `DataSet<'scope, T>`: its records, at the iteration
/// round (0 outside iterations).
pub type RawStream<'scope, T> = timely::dataflow::StreamVec<'scope, Time, T>;

/// The timely scope a batch job is built in.
pub type RawScope<'scope> = timely::dataflow::Scope<'scope, Time>;
