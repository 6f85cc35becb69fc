//! # strom-core
//!
//! The execution layer of Strom, a batch-and-stream dataflow engine on
//! [timely-dataflow](https://github.com/TimelyDataflow/timely-dataflow). Everything above
//! it (`strom-dataset`, `strom-datastream`, the libraries and the CLI) reaches timely,
//! storage and formats through this crate:
//!
//! ```text
//!   strom-cli ──> gelly / ml / cep ──> dataset / datastream ──> strom-core ──> timely
//!                                                                    └──> object_store, arrow, parquet
//! ```
//!
//! - [`RuntimeConfig`] and [`launch`]: one process with N worker threads, or a timely
//!   cluster of processes (local or from a host file);
//! - [`dense_ids`]: integer ids in pages, for hot loops over many repeats of few ids;
//! - [`keys`]: stable hashing and key groups, so exchanges and state agree everywhere;
//! - [`state`]: keyed state by key group, with time to live;
//! - [`metrics`]: the running job's operator graph, records, watermarks, checkpoints;
//! - [`scratch`]: the spill, staging and state folders a process makes, marked as its
//!   own, removed on a signal and, after a SIGKILL, by the next run;
//! - [`storage`]: every path is a URL through object_store;
//! - [`formats`]: text, CSV and Parquet, decoded into serde records;
//! - [`Decimal`] and [`Date`]: exact values for tabular data.
//!
//! ```
//! use strom_core::{launch, RuntimeConfig};
//! use strom_core::timely::dataflow::operators::{ToStream, Inspect};
//!
//! let per_worker = launch::execute(&RuntimeConfig::default().with_workers(2), |worker| {
//!     worker.dataflow::<u64, _, _>(|scope| {
//!         (0..3u64).to_stream(scope).container::<Vec<_>>().inspect(|_| ());
//!     });
//!     worker.index()
//! })
//! .unwrap();
//! assert_eq!(per_worker, vec![0, 1]);
//! ```
#![warn(missing_docs)]

pub mod chunks;
pub mod commits;
pub mod config;
mod data;
pub mod dense_ids;
pub mod error;
pub mod formats;
mod http_listing;
pub mod io_runtime;
pub mod keys;
pub mod launch;
pub mod metrics;
pub mod scratch;
pub mod spill;
pub mod state;
pub mod storage;
pub mod time;
pub mod types;

pub use config::{Restore, RuntimeConfig};
pub use data::Data;
pub use error::{Error, JobFailure, Result};
pub use types::{Date, Decimal};

/// Re-exported for libraries that build or inspect Arrow data.
pub use arrow;
/// Re-exported for libraries and tests that write Parquet.
pub use parquet;
/// Re-exported so that no other library crate depends on timely directly.
pub use timely;
