//! Small helpers for demos and tests (`strom kafka produce` / `consume`): lines into
//! a topic, and a topic's records out as lines.

use std::io::Write;
use std::time::{Duration, Instant};

use rdkafka::consumer::Consumer;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};

use crate::client::{self, QuietConsumer, TIMEOUT, bounds, ensure_topic, lookup, partitions_of};
use crate::{Error, KafkaUrl, StartFrom};

/// Produces every line of `lines` as one record into the URL's topic (created with
/// `partitions=N` partitions when missing). Without `key_field`, line `i` goes to
/// partition `i % partitions`, so each partition keeps the lines' order; with it,
/// the line's CSV field `key_field` (from 1) is the record's key. Gives the count.
///
/// # Errors
/// When the brokers cannot be reached, refuse a record, or a line lacks the key
/// field (named by its line number).
pub fn produce_lines(
    url: &KafkaUrl,
    lines: impl Iterator<Item = std::io::Result<String>>,
    key_field: Option<usize>,
) -> Result<u64, Error> {
    url.one_topic()?;
    let partitions = ensure_topic(&url.brokers, &url.topic, url.partitions)? as i32;
    let producer: BaseProducer = client::config(&url.brokers)
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        .create()
        .map_err(|e| Error::kafka(format!("cannot connect to {}", url.brokers), e))?;
    let mut count = 0u64;
    for (i, line) in lines.enumerate() {
        let line = line.map_err(|e| Error::Broker(format!("line {}: {e}", i + 1)))?;
        let key =
            match key_field {
                Some(n) => Some(line.split(',').nth(n.saturating_sub(1)).ok_or_else(|| {
                    Error::Url(format!("line {}: no field {n} for the key", i + 1))
                })?),
                None => None,
            };
        loop {
            let mut record = BaseRecord::to(&url.topic).payload(line.as_str());
            record = match key {
                Some(key) => record.key(key),
                None => record.partition((i as i64 % i64::from(partitions)) as i32),
            };
            match producer.send(record) {
                Ok(()) => break,
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                    producer.poll(Duration::from_millis(10));
                }
                Err((e, _)) => return Err(Error::kafka(format!("line {}", i + 1), e)),
            }
        }
        count += 1;
    }
    producer
        .flush(TIMEOUT)
        .map_err(|e| Error::kafka(format!("cannot flush to {}", url.topic), e))?;
    Ok(count)
}

/// Writes the value of every record of the URL's topic to `out`, one line each
/// (partition by partition as they arrive), from the URL's start offsets, until no
/// record has come for `until_idle` after the end seen at start was reached; only
/// committed transactions with `read_committed`. Gives the count.
///
/// # Errors
/// When the brokers cannot be reached or the topic does not exist.
pub fn consume_lines(
    url: &KafkaUrl,
    read_committed: bool,
    until_idle: Duration,
    out: &mut dyn Write,
) -> Result<u64, Error> {
    url.one_topic()?;
    let meta = lookup(&url.brokers)?;
    let partitions = partitions_of(&meta, &url.topic)?;
    let consumer: QuietConsumer = client::config(&url.brokers)
        .set(
            "isolation.level",
            if read_committed {
                "read_committed"
            } else {
                "read_uncommitted"
            },
        )
        .set("enable.partition.eof", "true")
        // Needed to assign partitions; nothing is committed.
        .set("group.id", format!("strom-consume-{}", url.topic))
        .set("enable.auto.commit", "false")
        .create_with_context(client::Quiet)
        .map_err(|e| Error::kafka(format!("cannot connect to {}", url.brokers), e))?;
    let mut assignment = TopicPartitionList::new();
    for &p in &partitions {
        let (low, high) = bounds(&meta, &url.topic, p)?;
        let at = match url.start {
            StartFrom::Latest => high,
            _ => low,
        };
        assignment
            .add_partition_offset(&url.topic, p, Offset::Offset(at))
            .map_err(|e| Error::kafka(format!("partition {p}"), e))?;
    }
    consumer
        .assign(&assignment)
        .map_err(|e| Error::kafka(format!("cannot read {}", url.topic), e))?;
    let mut at_end = std::collections::BTreeSet::new();
    let mut last = Instant::now();
    let mut count = 0;
    while at_end.len() < partitions.len() || last.elapsed() < until_idle {
        match consumer.poll(Duration::from_millis(50)) {
            Some(Ok(message)) => {
                out.write_all(message.payload().unwrap_or_default())
                    .and_then(|()| out.write_all(b"\n"))
                    .map_err(|e| Error::Broker(format!("cannot write out: {e}")))?;
                count += 1;
                last = Instant::now();
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                at_end.insert(p);
            }
            Some(Err(e)) => tracing::warn!("kafka consume {}: {e}", url.topic),
            None => {}
        }
    }
    Ok(count)
}
