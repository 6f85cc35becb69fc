//! Talking to the brokers: client settings, topics (created when missing), a topic's
//! partitions and offsets. These calls block (for at most [`TIMEOUT`]); sources call
//! them while the dataflow is built, sinks on their own threads.

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::{Offset, TopicPartitionList};

use crate::Error;

/// How long a metadata, offset or admin request may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Client settings for the brokers `brokers`.
pub(crate) fn config(brokers: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", brokers)
        .set("socket.timeout.ms", "10000")
        .set("reconnect.backoff.max.ms", "1000")
        .set("log_level", "3");
    config
}

/// A consumer's context that leaves out the end-of-partition "errors" (how a
/// bounded reader learns it has reached the end) and logs other client errors as
/// warnings (the client retries them).
pub(crate) struct Quiet;

impl rdkafka::client::ClientContext for Quiet {
    fn error(&self, error: rdkafka::error::KafkaError, reason: &str) {
        use rdkafka::error::{KafkaError, RDKafkaErrorCode};
        let end = matches!(
            error,
            KafkaError::PartitionEOF(_) | KafkaError::Global(RDKafkaErrorCode::PartitionEOF)
        );
        if !end {
            tracing::warn!("kafka: {error}: {reason}");
        }
    }
}

impl rdkafka::consumer::ConsumerContext for Quiet {}

/// A consumer that stays quiet about partition ends.
pub(crate) type QuietConsumer = BaseConsumer<Quiet>;

/// A consumer that reads metadata and offsets only (`read_uncommitted`: some
/// brokers answer offset lookups of `read_committed` clients with 0).
pub(crate) fn lookup(brokers: &str) -> Result<BaseConsumer, Error> {
    config(brokers)
        .set("isolation.level", "read_uncommitted")
        .create()
        .map_err(|e| Error::kafka(format!("cannot connect to {brokers}"), e))
}

/// Creates `topic` with `partitions` partitions unless it exists; gives its partition
/// count.
///
/// # Errors
/// When the brokers cannot be reached or refuse to create it.
pub fn ensure_topic(brokers: &str, topic: &str, partitions: i32) -> Result<usize, Error> {
    let consumer = lookup(brokers)?;
    if let Ok(found) = partitions_of(&consumer, topic) {
        return Ok(found.len());
    }
    let admin: AdminClient<DefaultClientContext> = config(brokers)
        .create()
        .map_err(|e| Error::kafka(format!("cannot connect to {brokers}"), e))?;
    let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    let created = futures::executor::block_on(
        admin.create_topics([&new], &AdminOptions::new().request_timeout(Some(TIMEOUT))),
    )
    .map_err(|e| Error::kafka(format!("cannot create topic {topic}"), e))?;
    for result in created {
        match result {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => {
                return Err(Error::Broker(format!(
                    "cannot create topic {topic}: {code}"
                )));
            }
        }
    }
    // Metadata may lag the creation a little.
    let deadline = std::time::Instant::now() + TIMEOUT;
    loop {
        match partitions_of(&consumer, topic) {
            Ok(found) => return Ok(found.len()),
            Err(e) if std::time::Instant::now() > deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// The partitions of `topic`, in order.
///
/// # Errors
/// When the brokers cannot be reached or do not have the topic.
pub(crate) fn partitions_of(consumer: &BaseConsumer, topic: &str) -> Result<Vec<i32>, Error> {
    let metadata = consumer
        .fetch_metadata(Some(topic), TIMEOUT)
        .map_err(|e| Error::kafka(format!("cannot read the metadata of topic {topic}"), e))?;
    let found = metadata
        .topics()
        .iter()
        .find(|t| t.name() == topic)
        .filter(|t| t.error().is_none() && !t.partitions().is_empty())
        .ok_or_else(|| Error::Broker(format!("topic {topic} does not exist")))?;
    let mut partitions: Vec<i32> = found.partitions().iter().map(|p| p.id()).collect();
    partitions.sort_unstable();
    Ok(partitions)
}

/// The first and the next offset of `partition` of `topic` (low and high watermarks).
///
/// # Errors
/// When the brokers do not answer.
pub(crate) fn bounds(
    consumer: &BaseConsumer,
    topic: &str,
    partition: i32,
) -> Result<(i64, i64), Error> {
    consumer
        .fetch_watermarks(topic, partition, TIMEOUT)
        .map_err(|e| {
            Error::kafka(
                format!("cannot read the offsets of topic {topic} partition {partition}"),
                e,
            )
        })
}

/// The first offset of each of `partitions` of `topic` whose record timestamp is at
/// or after `ms`; `None` where there is none (the end).
///
/// # Errors
/// When the brokers do not answer.
pub(crate) fn offsets_at(
    consumer: &BaseConsumer,
    topic: &str,
    partitions: &[i32],
    ms: i64,
) -> Result<Vec<Option<i64>>, Error> {
    let mut query = TopicPartitionList::new();
    for &p in partitions {
        query
            .add_partition_offset(topic, p, Offset::Offset(ms))
            .map_err(|e| Error::kafka(format!("topic {topic} partition {p}"), e))?;
    }
    let found = consumer
        .offsets_for_times(query, TIMEOUT)
        .map_err(|e| Error::kafka(format!("cannot look up offsets at {ms} in {topic}"), e))?;
    Ok(partitions
        .iter()
        .map(
            |&p| match found.find_partition(topic, p).map(|e| e.offset()) {
                Some(Offset::Offset(o)) => Some(o),
                _ => None,
            },
        )
        .collect())
}
