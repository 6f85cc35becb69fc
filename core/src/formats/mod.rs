//! Readers and writers for text lines, CSV and Parquet, decoding into typed records (serde).
//!
//! Input is cut into splits that workers read independently: byte ranges of text and CSV
//! files (a line belongs to the split where it starts, as in Hadoop's line reader), row
//! groups of Parquet files. Bytes are fetched on the I/O runtime and handed to workers
//! through bounded channels (see [`crate::chunks`]); decoding into records happens on the
//! worker.
//!
//! Known limitation: a CSV field holding a quoted line break is only read correctly when its
//! file is a single split (files up to the split size, 64 MiB by default).

pub mod arrow_de;
pub mod arrow_ser;
pub mod csv;
pub mod fixed;
pub mod lines;
pub mod parquet;
pub mod schema;
pub mod stream_read;
pub mod text;

pub use self::csv::CsvOptions;
pub use self::lines::{LineSplit, SplitBytes};
pub use self::parquet::{ParquetOptions, ParquetSplit, StatsPredicate};
