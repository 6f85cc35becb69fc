//! Raw timely access, **unstable**: the types here are timely's and change when
//! timely does (it ships breaking minors often). For a library that builds its own
//! timely operator and wraps its output with [`crate::DataStream::from_stream`]; a
//! keyed stateful operator is better written as a
//! [`crate::process::KeyedProcessFunction`], which gets keyed state, timers, side
//! outputs and checkpointing from the operator shell ([`crate::shell`]).

pub use strom_core::timely;

use strom_core::time::StreamTime;

use crate::stream::Timestamped;

/// The timely stream under a `DataStream<'s, T>`: records with their event times, at
/// stream times whose event part is the watermark plus one (`docs/0008-stream-time.md`).
pub type RawStream<'s, T> = timely::dataflow::StreamVec<'s, StreamTime, Timestamped<T>>;

/// The timely scope a streaming job is built in.
pub type RawScope<'s> = timely::dataflow::Scope<'s, StreamTime>;
