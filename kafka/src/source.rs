//! The Kafka source (Flink's `KafkaSource`): the topic's partitions are dealt to the
//! workers (partition `i` of the sorted list to worker `i % workers`); each worker's
//! [`SplitReader`] assigns its partitions to a consumer of its own and reads them
//! without blocking. Its position is the next offset of every partition it reads
//! ([`KafkaPosition`]), stored in each checkpoint; a restored job resumes every
//! partition at the offset any old split had reached, so restoring at another
//! parallelism neither loses nor repeats a record.
//!
//! Start offsets are resolved to numbers when the split is made (so that even a
//! checkpoint taken before the first record says exactly where to resume). A
//! bounded source ends each partition where it first reaches the partition's end
//! (the client's end-of-partition event). A record that does not
//! deserialize fails the job, naming topic, partition and offset.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use strom_datastream::{
    Data, DataStream, Poll, SourceError, SplitReader, StreamEnv, Timestamps, WatermarkStrategy,
};

use crate::client::{self, QuietConsumer, bounds, lookup, offsets_at, partitions_of};
use crate::{Error, KafkaUrl, StartFrom};

/// A record as read, handed to the source's deserializer.
#[derive(Clone, Copy, Debug)]
pub struct KafkaRecord<'a> {
    /// Its topic.
    pub topic: &'a str,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its timestamp (ms since the epoch), when it has one.
    pub timestamp: Option<i64>,
    /// Its key.
    pub key: Option<&'a [u8]>,
    /// Its value (empty for a record without one).
    pub value: &'a [u8],
}

/// A split's position: the next offset to read in each of its partitions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KafkaPosition {
    /// The topic.
    pub topic: String,
    /// `(partition, next offset)`, by partition.
    pub offsets: Vec<(i32, i64)>,
}

/// Turns a record into the stream's value: `Ok(None)` leaves it out on purpose (a
/// header line), `Err` fails the job with the record's topic, partition and offset.
pub type Deserializer<T> = Box<dyn Fn(&KafkaRecord<'_>) -> Result<Option<T>, String>>;

/// A Kafka topic read as a stream (build with [`KafkaSource::new`] or
/// [`KafkaSource::from_url`], then [`KafkaSource::stream`]).
#[derive(Clone, Debug)]
pub struct KafkaSource {
    brokers: String,
    topic: String,
    group: Option<String>,
    start: StartFrom,
    bounded: bool,
    read_committed: bool,
    rate: Option<f64>,
}

impl KafkaSource {
    /// `topic` at the brokers `brokers` (`host:port`), from the earliest offsets,
    /// unbounded, `read_committed`.
    pub fn new(brokers: &str, topic: &str) -> Self {
        KafkaSource {
            brokers: brokers.to_string(),
            topic: topic.to_string(),
            group: None,
            start: StartFrom::Earliest,
            bounded: false,
            read_committed: true,
            rate: None,
        }
    }

    /// The source a `kafka://` URL describes.
    pub fn from_url(url: &KafkaUrl) -> Self {
        KafkaSource {
            group: url.group.clone(),
            start: url.start,
            bounded: url.bounded,
            read_committed: url.read_committed,
            ..KafkaSource::new(&url.brokers, &url.topic)
        }
    }

    /// The consumer group: its committed offsets for [`StartFrom::Committed`], and
    /// where the source commits what it has read at each epoch (for monitoring).
    pub fn group(mut self, group: &str) -> Self {
        self.group = Some(group.to_string());
        self
    }

    /// Where to start without a checkpoint.
    pub fn start(mut self, start: StartFrom) -> Self {
        self.start = start;
        self
    }

    /// Whether to stop at the end of each partition (where the reader first reaches
    /// it).
    pub fn bounded(mut self, bounded: bool) -> Self {
        self.bounded = bounded;
        self
    }

    /// Whether to read only committed transactions (`read_committed`, the default).
    pub fn read_committed(mut self, read_committed: bool) -> Self {
        self.read_committed = read_committed;
        self
    }

    /// Read at most this many records per second (all workers together), as a test
    /// or demo of a live source wants it.
    pub fn rate(mut self, per_second: Option<f64>) -> Self {
        self.rate = per_second;
        self
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// This worker's split of the source, `me` of `peers`, with its start offsets
    /// resolved.
    ///
    /// # Errors
    /// When the brokers cannot be reached or the topic does not exist.
    pub fn split<T: 'static>(
        &self,
        me: usize,
        peers: usize,
        deserialize: Deserializer<T>,
    ) -> Result<KafkaSplit<T>, Error> {
        let meta = lookup(&self.brokers)?;
        let all = partitions_of(&meta, &self.topic)?;
        let mine: Vec<i32> = all
            .iter()
            .enumerate()
            .filter(|(i, _)| i % peers.max(1) == me)
            .map(|(_, &p)| p)
            .collect();
        let mut config = client::config(&self.brokers);
        config
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set(
                "enable.partition.eof",
                if self.bounded { "true" } else { "false" },
            )
            .set(
                "isolation.level",
                if self.read_committed {
                    "read_committed"
                } else {
                    "read_uncommitted"
                },
            );
        // The client needs a group to assign partitions; offsets are committed to
        // it only when one was given.
        let group = self
            .group
            .clone()
            .unwrap_or_else(|| format!("strom-{}", self.topic));
        config.set("group.id", group);
        let consumer: QuietConsumer = config
            .create_with_context(client::Quiet)
            .map_err(|e| Error::kafka(format!("cannot connect to {}", self.brokers), e))?;
        let mut edges = BTreeMap::new();
        for &p in &mine {
            edges.insert(p, bounds(&meta, &self.topic, p)?);
        }
        let next = self.start_offsets(&meta, &consumer, &mine, &edges)?;
        let buffered = mine
            .iter()
            .map(|&p| {
                let partition = Partition {
                    records: VecDeque::new(),
                    heard: Instant::now(),
                };
                (p, partition)
            })
            .collect();
        Ok(KafkaSplit {
            buffered,
            event_time: None,
            paused: BTreeSet::new(),
            topic: self.topic.clone(),
            consumer,
            commits: self.group.is_some(),
            next,
            bounded: self.bounded,
            done: BTreeSet::new(),
            assigned: false,
            deserialize,
            pace: self.rate.map(|r| Pace::new(r / peers.max(1) as f64)),
        })
    }

    /// The offsets to start from, per partition of `mine`.
    fn start_offsets(
        &self,
        meta: &BaseConsumer,
        consumer: &QuietConsumer,
        mine: &[i32],
        edges: &BTreeMap<i32, (i64, i64)>,
    ) -> Result<BTreeMap<i32, i64>, Error> {
        let edge = |p: &i32, high: bool| edges.get(p).map_or(0, |e| if high { e.1 } else { e.0 });
        Ok(match self.start {
            StartFrom::Earliest => mine.iter().map(|p| (*p, edge(p, false))).collect(),
            StartFrom::Latest => mine.iter().map(|p| (*p, edge(p, true))).collect(),
            StartFrom::Timestamp(ms) => offsets_at(meta, &self.topic, mine, ms)?
                .into_iter()
                .zip(mine)
                .map(|(o, p)| (*p, o.unwrap_or_else(|| edge(p, true))))
                .collect(),
            StartFrom::Committed => {
                let mut query = TopicPartitionList::new();
                for &p in mine {
                    query.add_partition(&self.topic, p);
                }
                let committed = if self.group.is_some() && !mine.is_empty() {
                    Some(
                        consumer
                            .committed_offsets(query, client::TIMEOUT)
                            .map_err(|e| {
                                Error::kafka(
                                    format!("cannot read committed offsets of {}", self.topic),
                                    e,
                                )
                            })?,
                    )
                } else {
                    None
                };
                mine.iter()
                    .map(|p| {
                        let at = committed
                            .as_ref()
                            .and_then(|c| c.find_partition(&self.topic, *p))
                            .and_then(|e| match e.offset() {
                                Offset::Offset(o) => Some(o),
                                _ => None,
                            });
                        (*p, at.unwrap_or_else(|| edge(p, false)))
                    })
                    .collect()
            }
        })
    }

    /// The topic as a stream on this worker: records turned into values by
    /// `deserialize`, stamped by `timestamps`, watermarks by `strategy`; named
    /// `Source: kafka <topic>`, checkpointed under `KafkaSource`.
    ///
    /// # Panics
    /// (Failing the job) when the brokers cannot be reached or the topic does not
    /// exist.
    pub fn stream<'s, T: Data>(
        &self,
        env: &StreamEnv<'s>,
        deserialize: impl Fn(&KafkaRecord<'_>) -> Result<Option<T>, String> + 'static,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        let mut split = self
            .split(env.index(), env.peers(), Box::new(deserialize))
            .unwrap_or_else(|e| panic!("kafka source {}: {e}", self.topic));
        if let Timestamps::Event(f) = &timestamps {
            split.event_time = Some(f.clone());
        }
        env.source("KafkaSource", split, timestamps, strategy)
            .name(&format!("Source: kafka {}", self.topic))
    }
}

/// Reading at a given rate: how many records may be read by now.
struct Pace {
    per_second: f64,
    started: Option<Instant>,
    given: u64,
}

impl Pace {
    fn new(per_second: f64) -> Self {
        Pace {
            per_second,
            started: None,
            given: 0,
        }
    }

    /// How many more records may be read now.
    fn allowed(&mut self) -> usize {
        let started = *self.started.get_or_insert_with(Instant::now);
        let due = (started.elapsed().as_secs_f64() * self.per_second) as u64 + 1;
        due.saturating_sub(self.given) as usize
    }
}

/// One worker's split of a [`KafkaSource`].
pub struct KafkaSplit<T> {
    topic: String,
    consumer: QuietConsumer,
    commits: bool,
    /// The next offset to read, per partition of the split.
    next: BTreeMap<i32, i64>,
    /// Bounded: each partition ends where the reader first finds its end.
    bounded: bool,
    /// Bounded: partitions read to their end.
    done: BTreeSet<i32>,
    assigned: bool,
    deserialize: Deserializer<T>,
    pace: Option<Pace>,
    /// Records read but not yet given, per partition, with their offsets.
    buffered: BTreeMap<i32, Partition<T>>,
    /// Event time of a record, when records are stamped by it: partitions are then
    /// merged in event time (see [`KafkaSplit::read`]).
    event_time: Option<EventTime<T>>,
    /// Partitions paused because their buffer is full.
    paused: BTreeSet<i32>,
}

/// A record's event time (ms).
type EventTime<T> = Rc<dyn Fn(&T) -> i64>;

/// A partition's records read ahead, and when it last had one.
struct Partition<T> {
    records: VecDeque<(i64, i64, T)>,
    heard: Instant,
}

/// Records buffered per partition before the partition is paused.
const BUFFER: usize = 4_096;

/// A partition with nothing for this long does not hold the merge back.
const IDLE: Duration = Duration::from_secs(2);

impl<T> KafkaSplit<T> {
    /// Assigns the partitions not yet at their end, at their next offsets.
    fn assign(&mut self) {
        let mut assignment = TopicPartitionList::new();
        for (&p, &at) in &self.next {
            assignment
                .add_partition_offset(&self.topic, p, Offset::Offset(at))
                .unwrap_or_else(|e| panic!("kafka source {}: partition {p}: {e}", self.topic));
        }
        self.consumer.assign(&assignment).unwrap_or_else(|e| {
            panic!("kafka source {}: cannot assign partitions: {e}", self.topic)
        });
        self.assigned = true;
        // Idleness counts from here: the first fetch takes a moment.
        for buffer in self.buffered.values_mut() {
            buffer.heard = Instant::now();
        }
    }

    fn finished(&self) -> bool {
        self.bounded && self.done.len() == self.next.len()
    }

    /// Moves what the consumer has into the buffers (pausing full ones); a record
    /// that does not deserialize fails the job.
    fn fill(&mut self) {
        let mut full = TopicPartitionList::new();
        let mut polls = 0;
        let mut buffered: usize = self.buffered.values().map(|b| b.records.len()).sum();
        while !self.finished() && polls < 2 * BUFFER {
            // Enough to give: read on only while the merge waits for a partition with
            // nothing buffered. Pausing a partition drops what the client fetched
            // ahead for it (it is fetched again on resume), so a partition is paused
            // only then, not whenever its buffer fills: that cost 6x the throughput.
            if buffered >= BUFFER && !self.merge_waits() {
                break;
            }
            polls += 1;
            let message = match self.consumer.poll(Duration::ZERO) {
                None => break,
                Some(Err(KafkaError::PartitionEOF(p))) => {
                    self.done.insert(p);
                    continue;
                }
                Some(Err(e)) => {
                    // Transient (a broker away): the client reconnects by itself.
                    tracing::warn!("kafka source {}: {e}", self.topic);
                    break;
                }
                Some(Ok(message)) => message,
            };
            let (p, offset) = (message.partition(), message.offset());
            let record = KafkaRecord {
                topic: &self.topic,
                partition: p,
                offset,
                timestamp: message.timestamp().to_millis(),
                key: message.key(),
                value: message.payload().unwrap_or_default(),
            };
            let value = match (self.deserialize)(&record) {
                Ok(value) => value,
                Err(why) => panic!(
                    "kafka source: topic {} partition {p} offset {offset}: cannot read the record: {why}",
                    self.topic
                ),
            };
            let Some(buffer) = self.buffered.get_mut(&p) else {
                continue;
            };
            buffer.heard = Instant::now();
            match value {
                Some(value) => {
                    let ts = self.event_time.as_ref().map_or(0, |f| f(&value));
                    buffer.records.push_back((ts, offset, value));
                    buffered += 1;
                }
                // Left out on purpose: read past it.
                None if buffer.records.is_empty() => {
                    self.next.insert(p, offset + 1);
                }
                None => {}
            }
            let is_full = buffer.records.len() >= BUFFER;
            if is_full && self.merge_waits() && self.paused.insert(p) {
                let _ = full.add_partition(&self.topic, p);
            }
        }
        if full.count() > 0 {
            let _ = self.consumer.pause(&full);
        }
    }

    /// Whether the event-time merge waits for a partition with nothing buffered that
    /// is neither finished nor idle (then the consumer is read on, past partitions
    /// whose buffers are full).
    fn merge_waits(&self) -> bool {
        self.event_time.is_some()
            && self.buffered.iter().any(|(p, b)| {
                b.records.is_empty() && !self.done.contains(p) && b.heard.elapsed() < IDLE
            })
    }

    /// The partition whose head is to be given next, if one may be.
    fn next_partition(&self) -> Option<i32> {
        let mut best: Option<(i64, i32)> = None;
        for (&p, buffer) in &self.buffered {
            match buffer.records.front() {
                Some(&(ts, _, _)) => {
                    // Without event time: the fullest buffer first.
                    let ts = match self.event_time {
                        Some(_) => ts,
                        None => -(buffer.records.len() as i64),
                    };
                    if best.is_none_or(|(b, _)| ts < b) {
                        best = Some((ts, p));
                    }
                }
                None => {
                    let waiting = self.event_time.is_some()
                        && !self.done.contains(&p)
                        && buffer.heard.elapsed() < IDLE;
                    if waiting {
                        return None;
                    }
                }
            }
        }
        best.map(|(_, p)| p)
    }

    /// Resumes paused partitions whose buffers have room again.
    fn resume_drained(&mut self) {
        let drained: Vec<i32> = self
            .paused
            .iter()
            .copied()
            .filter(|p| self.buffered[p].records.len() < BUFFER / 2)
            .collect();
        if drained.is_empty() {
            return;
        }
        let mut list = TopicPartitionList::new();
        for p in drained {
            self.paused.remove(&p);
            list.add_partition(&self.topic, p);
        }
        let _ = self.consumer.resume(&list);
    }
}

impl<T: 'static> SplitReader<T> for KafkaSplit<T> {
    type Position = KafkaPosition;

    /// Reads what the consumer has into the partitions' buffers, then gives at most
    /// `max` records: with event time, always the earliest head among the
    /// partitions, and only while every partition that is neither finished nor idle
    /// has one (so that the split's watermark is the least over its partitions, as
    /// Flink's per-partition watermarks, and a partition read ahead does not make
    /// another's records late); otherwise in the order read.
    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll {
        if !self.assigned {
            self.assign();
        }
        self.fill();
        let mut room = max;
        if let Some(pace) = &mut self.pace {
            room = room.min(pace.allowed());
            if room == 0 {
                let wait = Duration::from_secs_f64(1.0 / pace.per_second);
                return Poll::Pending(wait.min(Duration::from_millis(50)));
            }
        }
        let mut given = 0;
        while given < room {
            let Some(p) = self.next_partition() else {
                break;
            };
            let buffer = self.buffered.get_mut(&p).expect("a partition of the split");
            let (_, offset, value) = buffer.records.pop_front().expect("a head");
            self.next.insert(p, offset + 1);
            out.push(value);
            given += 1;
        }
        if let Some(pace) = &mut self.pace {
            pace.given += given as u64;
        }
        self.resume_drained();
        let empty = self.buffered.values().all(|b| b.records.is_empty());
        if self.finished() && empty {
            Poll::Done
        } else if given == 0 {
            Poll::Pending(Duration::from_millis(5))
        } else {
            Poll::Ready
        }
    }

    fn position(&self) -> KafkaPosition {
        let offsets: Vec<(i32, i64)> = self.next.iter().map(|(&p, &o)| (p, o)).collect();
        if self.commits && self.assigned {
            // For monitoring only (lag per group); the checkpoint is what resumes.
            let mut read = TopicPartitionList::new();
            for &(p, o) in &offsets {
                let _ = read.add_partition_offset(&self.topic, p, Offset::Offset(o));
            }
            if let Err(e) = self.consumer.commit(&read, CommitMode::Async) {
                tracing::warn!("kafka source {}: cannot commit offsets: {e}", self.topic);
            }
        }
        KafkaPosition {
            topic: self.topic.clone(),
            offsets,
        }
    }

    fn resume(
        &mut self,
        positions: &BTreeMap<usize, KafkaPosition>,
        _old_splits: usize,
        _me: usize,
        _peers: usize,
    ) -> Result<(), SourceError> {
        let mut reached = BTreeMap::new();
        for position in positions.values() {
            if position.topic != self.topic {
                return Err(SourceError::Resume(format!(
                    "the checkpoint read topic {}, this source reads {}",
                    position.topic, self.topic
                )));
            }
            reached.extend(position.offsets.iter().copied());
        }
        // Partitions new since the checkpoint keep their start offsets.
        for (p, next) in &mut self.next {
            if let Some(&at) = reached.get(p) {
                *next = at;
            }
        }
        Ok(())
    }
}
