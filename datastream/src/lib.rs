//! # strom-datastream
//!
//! Strom's DataStream API for streams in event time, on the same execution layer as
//! `strom-dataset` (`strom-core` below it; `gelly`, `cep` and the CLI above it).
//!
//! Time follows `docs/0008-stream-time.md`: a stream's timely timestamp is a
//! [`StreamTime`] whose event component is the watermark plus one, so an operator's
//! input frontier is the minimum watermark over all its inputs and upstream workers.
//! Records carry their own event time ([`Timestamped`]).
//!
//! What it holds: sources (collections, generators, files, sockets) with watermark
//! strategies; `map`/`filter`/`flat_map`, `union`, partitioning, `key_by` and rolling
//! aggregation; tumbling, sliding and session windows in event and processing time
//! (incremental aggregation, allowed lateness, late side output), count and global
//! windows with triggers and evictors; interval and window joins; connected streams
//! and broadcast state; keyed process functions with keyed state (value, list, map,
//! reducing, aggregating; TTL) and event- and processing-time timers ([`process`]);
//! sinks, exactly-once through one two-phase-commit trait ([`TwoPhaseCommitSink`]);
//! and aligned checkpoints with exactly-once restore ([`checkpoint`]). Every
//! stateful operator runs on one operator shell ([`shell`]) that owns the checkpoint
//! protocol; libraries extend the API through keyed and non-keyed process functions
//! with tagged side outputs ([`process`]), `window_all`, and the raw timely access of
//! [`unstable`]. Test harnesses drive process functions and windows step by step
//! ([`process::KeyedProcessHarness`], [`window::WindowHarness`]).
//!
//! ```
//! use std::time::Duration;
//!
//! use strom_core::RuntimeConfig;
//! use strom_datastream::{WatermarkStrategy, execute};
//!
//! // (event time ms, sensor id): count per sensor per second.
//! let events = vec![(1_000, 7u32), (1_500, 8), (2_100, 7), (900, 7), (5_000, 8)];
//! let mut counts = execute(&RuntimeConfig::default().with_workers(2), move |env| {
//!     env.from_timestamped(
//!         events.clone(),
//!         WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(500)),
//!     )
//!     .key_by(|sensor: &u32| *sensor)
//!     .tumbling_window(Duration::from_secs(1))
//!     .aggregate(|| 0u64, |n, _| *n += 1, |n| n)
//!     .map(|w| (w.start, w.key, w.value))
//! })
//! .unwrap()
//! .unwrap();
//! counts.sort();
//! assert_eq!(counts, [(0, 7, 1), (1_000, 7, 1), (1_000, 8, 1), (2_000, 7, 1), (5_000, 8, 1)]);
//! ```
#![warn(missing_docs)]

pub mod broadcast;
pub mod checkpoint;
pub mod connect;
mod env;
mod error;
mod flow;
pub mod join;
mod ordered;
pub mod process;
mod rolling;
pub mod shell;
pub mod sink;
pub mod source;
mod stream;
pub mod unstable;
mod upload;
mod watermark;
pub mod window;

pub use connect::{ConnectedStreams, Either, KeyedCoProcessFunction};
pub use env::{AUTO_WATERMARK_INTERVAL, StreamEnv, execute, run};
pub use error::{SinkError, SourceError};
pub use flow::MAX_LEAD;
pub use sink::{
    FileSink, LineSink, SinkCommitter, SinkWriter, StagedFileSink, TwoPhaseCommitSink,
    WriterContext,
};
pub use source::{
    CollectionPosition, FileFormat, FileMode, FilePosition, Generator, GeneratorPosition, Poll,
    Reached, SplitReader, Timestamps, WATERMARK_EVERY, generated,
};
pub use stream::{Data, DataStream, KeyedStream, Timestamped};
pub use strom_core::time::StreamTime;
pub use watermark::WatermarkStrategy;
pub use window::{SessionWindows, WindowResult};
