//! Kafka connector for Strom's streaming API (Flink's `KafkaSource` and `KafkaSink`),
//! built on the library's public source and two-phase-commit sink traits:
//!
//! - [`KafkaSource`]: a [`SplitReader`](strom_datastream::SplitReader) per worker
//!   reading the partitions dealt to it; its position (next offset per
//!   partition, [`KafkaPosition`]) goes into every checkpoint, so a restored job
//!   resumes exactly, at any parallelism; bounded or unbounded; `read_committed` by
//!   default.
//! - [`KafkaSink`]: a [`TwoPhaseCommitSink`](strom_datastream::TwoPhaseCommitSink)
//!   with delivery [`Delivery::None`], [`Delivery::AtLeastOnce`] (flush at every
//!   checkpoint) or [`Delivery::ExactlyOnce`] (records staged at the checkpoint,
//!   produced in one Kafka transaction per checkpoint once it is complete).
//! - [`KafkaUrl`]: `kafka://HOST:PORT/TOPIC?options`, as the CLI takes them;
//!   [`tools`]: produce and consume lines; [`formats`]: bytes, UTF-8, CSV and JSON
//!   records into and from typed values.
//! - Topics by name, list or pattern ([`Topics`]), new partitions and topics found
//!   while running, explicit start offsets ([`StartFrom::Offsets`]), records that do
//!   not read as [`DeadLetter`]s instead of a failed job, record time as event time
//!   ([`with_record_time`]), a topic and headers per produced record.
//!
//! The design, and why, is in `docs/0025-kafka.md`.

#![warn(missing_docs)]

pub mod client;
pub mod formats;
mod options;
mod sink;
mod source;
mod staging;
pub mod tools;
mod topics;

pub use client::ensure_topic;
pub use options::{Delivery, KafkaUrl, StartFrom, StartOffset, is_kafka_url, set_defaults};
pub use sink::{KafkaCommitter, KafkaSink, KafkaWriter, ProducerRecord, StagedBatch};
pub use source::{
    DEAD_LETTER_TIME, DeadLetter, Deserializer, KafkaPosition, KafkaRecord, KafkaSource,
    KafkaSplit, with_record_time,
};
pub use topics::Topics;

/// What can go wrong talking to Kafka.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `kafka://` URL or one of its options is wrong.
    #[error("{0}")]
    Url(String),
    /// The client failed (what it was doing, and why).
    #[error("{what}: {source}")]
    Kafka {
        /// What it was doing.
        what: String,
        /// The client's error.
        #[source]
        source: rdkafka::error::KafkaError,
    },
    /// The brokers refused or lack something.
    #[error("{0}")]
    Broker(String),
}

impl Error {
    pub(crate) fn kafka(what: String, source: rdkafka::error::KafkaError) -> Error {
        Error::Kafka { what, source }
    }
}
