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
    Data, DataStream, Poll, Reached, SourceError, SplitReader, StreamEnv, Timestamps,
    WatermarkStrategy,
};

use crate::client::{self, QuietConsumer, bounds, lookup, offsets_at};
use crate::topics::{Topics, reader_of};
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
    /// `(topic, partition, next offset)`, by topic and partition.
    pub offsets: Vec<(String, i32, i64)>,
}

/// Turns a record into the stream's value: `Ok(None)` leaves it out on purpose (a
/// header line), `Err` fails the job with the record's topic, partition and offset
/// (or, read with [`KafkaSource::stream_with_dead_letters`], makes it a
/// [`DeadLetter`]).
pub type Deserializer<T> = Box<dyn Fn(&KafkaRecord<'_>) -> Result<Option<T>, String>>;

/// A record the deserializer refused, as read, with why (the dead-letter output).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    /// Its topic.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its timestamp (ms since the epoch), when it has one.
    pub timestamp: Option<i64>,
    /// Its key.
    pub key: Option<Vec<u8>>,
    /// Its value.
    pub value: Vec<u8>,
    /// What the deserializer said.
    pub error: String,
}

impl DeadLetter {
    fn of(record: &KafkaRecord<'_>, error: String) -> Self {
        DeadLetter {
            topic: record.topic.to_string(),
            partition: record.partition,
            offset: record.offset,
            timestamp: record.timestamp,
            key: record.key.map(<[u8]>::to_vec),
            value: record.value.to_vec(),
            error,
        }
    }
}

/// Kafka topics read as a stream (build with [`KafkaSource::new`],
/// [`KafkaSource::subscribe`] or [`KafkaSource::from_url`], then
/// [`KafkaSource::stream`]).
#[derive(Clone, Debug)]
pub struct KafkaSource {
    brokers: String,
    topics: Topics,
    group: Option<String>,
    start: StartFrom,
    bounded: bool,
    read_committed: bool,
    rate: Option<f64>,
    discovery: Option<Duration>,
    idleness: Option<Duration>,
}

impl KafkaSource {
    /// `topic` at the brokers `brokers` (`host:port`), from the earliest offsets,
    /// unbounded, `read_committed`, looking for new partitions every 30 s.
    pub fn new(brokers: &str, topic: &str) -> Self {
        KafkaSource::subscribe(brokers, Topics::Names(vec![topic.to_string()]))
    }

    /// The topics `topics` (a list, or a pattern) at the brokers `brokers`; as
    /// [`KafkaSource::new`] otherwise.
    pub fn subscribe(brokers: &str, topics: Topics) -> Self {
        KafkaSource {
            brokers: brokers.to_string(),
            topics,
            group: None,
            start: StartFrom::Earliest,
            bounded: false,
            read_committed: true,
            rate: None,
            discovery: Some(Duration::from_secs(30)),
            idleness: None,
        }
    }

    /// The source a `kafka://` URL describes.
    ///
    /// # Errors
    /// [`Error::Url`] when its pattern is not a regex.
    pub fn from_url(url: &KafkaUrl) -> Result<Self, Error> {
        let topics = match &url.pattern {
            Some(pattern) => Topics::pattern(pattern)?,
            None => Topics::Names(url.topics()),
        };
        Ok(KafkaSource {
            group: url.group.clone(),
            start: url.start.clone(),
            bounded: url.bounded,
            read_committed: url.read_committed,
            discovery: url.discovery,
            idleness: url.idleness,
            ..KafkaSource::subscribe(&url.brokers, topics)
        })
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
    /// it). A bounded source reads the partitions there are when it starts.
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

    /// How often an unbounded source looks for new partitions and (with a pattern)
    /// new topics, which it reads from their earliest offsets (Flink's partition
    /// discovery); `None`: never.
    pub fn discovery(mut self, every: Option<Duration>) -> Self {
        self.discovery = every;
        self
    }

    /// After how long without a record a partition no longer holds the watermark
    /// back (Flink's `withIdleness`, per partition); `None` (the default): as the
    /// stream's watermark strategy says, and without idleness there a partition
    /// holds the watermark until it gives a later record or ends.
    pub fn idleness(mut self, after: Option<Duration>) -> Self {
        self.idleness = after;
        self
    }

    /// The topics, as a list or `/pattern/`.
    pub fn topics(&self) -> String {
        self.topics.to_string()
    }

    /// This worker's split of the source, `me` of `peers`, with its start offsets
    /// resolved.
    ///
    /// # Errors
    /// When the brokers cannot be reached or a named topic does not exist.
    pub fn split<T: 'static>(
        &self,
        me: usize,
        peers: usize,
        deserialize: Deserializer<T>,
    ) -> Result<KafkaSplit<T>, Error> {
        let meta = lookup(&self.brokers)?;
        let found = self.topics.partitions(&meta, client::TIMEOUT)?;
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
            .unwrap_or_else(|| format!("strom-{}", self.topics));
        config.set("group.id", group);
        let consumer: QuietConsumer = config
            .create_with_context(client::Quiet)
            .map_err(|e| Error::kafka(format!("cannot connect to {}", self.brokers), e))?;
        let mut split = KafkaSplit {
            source: self.clone(),
            me,
            peers,
            names: Vec::new(),
            meta,
            partitions: BTreeMap::new(),
            queue: VecDeque::new(),
            event_time: None,
            idleness: self.idleness,
            consumer,
            next: BTreeMap::new(),
            earliest: BTreeMap::new(),
            done: BTreeSet::new(),
            assigned: false,
            deserialize,
            pace: self.rate.map(|r| Pace::new(r / peers.max(1) as f64)),
            discovered: Instant::now(),
        };
        for (topic, partitions) in found {
            let mine: Vec<i32> = partitions
                .into_iter()
                .filter(|&p| reader_of(&topic, p, peers) == me)
                .collect();
            if mine.is_empty() {
                continue;
            }
            let t = split.topic_index(&topic);
            let mut edges = BTreeMap::new();
            for &p in &mine {
                edges.insert(p, bounds(&split.meta, &topic, p)?);
            }
            let starts = self.start_offsets(&split.meta, &split.consumer, &topic, &mine, &edges)?;
            for (p, at) in starts {
                split.add((t, p), at, edges[&p].0);
            }
        }
        Ok(split)
    }

    /// The offsets to start from, per partition of `mine` of `topic`.
    fn start_offsets(
        &self,
        meta: &BaseConsumer,
        consumer: &QuietConsumer,
        topic: &str,
        mine: &[i32],
        edges: &BTreeMap<i32, (i64, i64)>,
    ) -> Result<BTreeMap<i32, i64>, Error> {
        let edge = |p: &i32, high: bool| edges.get(p).map_or(0, |e| if high { e.1 } else { e.0 });
        Ok(match &self.start {
            StartFrom::Earliest => mine.iter().map(|p| (*p, edge(p, false))).collect(),
            StartFrom::Latest => mine.iter().map(|p| (*p, edge(p, true))).collect(),
            StartFrom::Offsets(_) => mine
                .iter()
                .map(|p| {
                    let at = self.start.explicit(topic, *p);
                    (*p, at.unwrap_or_else(|| edge(p, false)))
                })
                .collect(),
            StartFrom::Timestamp(ms) => offsets_at(meta, topic, mine, *ms)?
                .into_iter()
                .zip(mine)
                .map(|(o, p)| (*p, o.unwrap_or_else(|| edge(p, true))))
                .collect(),
            StartFrom::Committed => {
                let mut query = TopicPartitionList::new();
                for &p in mine {
                    query.add_partition(topic, p);
                }
                let committed = if self.group.is_some() && !mine.is_empty() {
                    Some(
                        consumer
                            .committed_offsets(query, client::TIMEOUT)
                            .map_err(|e| {
                                Error::kafka(format!("cannot read committed offsets of {topic}"), e)
                            })?,
                    )
                } else {
                    None
                };
                mine.iter()
                    .map(|p| {
                        let at = committed
                            .as_ref()
                            .and_then(|c| c.find_partition(topic, *p))
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

    /// The topics as a stream on this worker: records turned into values by
    /// `deserialize`, stamped by `timestamps`, watermarks by `strategy`; named
    /// `Source: kafka <topics>`, checkpointed under `KafkaSource`.
    ///
    /// # Panics
    /// (Failing the job) when the brokers cannot be reached or a named topic does
    /// not exist.
    pub fn stream<'s, T: Data>(
        &self,
        env: &StreamEnv<'s>,
        deserialize: impl Fn(&KafkaRecord<'_>) -> Result<Option<T>, String> + 'static,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        let mut split = self
            .split(env.index(), env.peers(), Box::new(deserialize))
            .unwrap_or_else(|e| panic!("kafka source {}: {e}", self.topics));
        if let Timestamps::Event(f) = &timestamps {
            split.event_time = Some(f.clone());
        }
        split.idleness = self.idleness.or(strategy.idleness());
        env.source("KafkaSource", split, timestamps, strategy)
            .name(&format!("Source: kafka {}", self.topics))
    }

    /// As [`KafkaSource::stream`], but a record that `deserialize` refuses does not
    /// fail the job: it goes, as read and with the error, to the second stream (the
    /// dead letters, Flink users' dead-letter queue). A dead letter does not move
    /// the watermark (its event time is [`DEAD_LETTER_TIME`], before every other).
    pub fn stream_with_dead_letters<'s, T: Data>(
        &self,
        env: &StreamEnv<'s>,
        deserialize: impl Fn(&KafkaRecord<'_>) -> Result<Option<T>, String> + 'static,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> (DataStream<'s, T>, DataStream<'s, DeadLetter>) {
        let either = move |record: &KafkaRecord<'_>| match deserialize(record) {
            Ok(value) => Ok(value.map(Ok)),
            Err(why) => Ok(Some(Err(DeadLetter::of(record, why)))),
        };
        let timestamps = match timestamps {
            Timestamps::Event(f) => Timestamps::Event(Rc::new(move |r: &Result<T, DeadLetter>| {
                r.as_ref().map_or(DEAD_LETTER_TIME, |v| f(v))
            })),
            Timestamps::Ingestion => Timestamps::Ingestion,
        };
        let both = self.stream(env, either, timestamps, strategy);
        (
            both.flat_map(Result::ok).name("Read"),
            both.flat_map(Result::err).name("Dead letters"),
        )
    }
}

/// The event time of a dead letter: far below any record's, so that it never moves
/// a watermark (and far enough above `i64::MIN` that a watermark's arithmetic on it
/// cannot overflow).
pub const DEAD_LETTER_TIME: i64 = i64::MIN / 4;

/// A deserializer that pairs each value with its record's timestamp, for a stream
/// in Kafka's record time: `Timestamps::Event(Rc::new(|(ms, _)| *ms))`. A record
/// without a timestamp is an error.
pub fn with_record_time<T>(
    deserialize: impl Fn(&KafkaRecord<'_>) -> Result<Option<T>, String>,
) -> impl Fn(&KafkaRecord<'_>) -> Result<Option<(i64, T)>, String> {
    move |record| {
        let ms = record
            .timestamp
            .ok_or_else(|| "the record has no timestamp".to_string())?;
        Ok(deserialize(record)?.map(|value| (ms, value)))
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

/// A partition of the split: the index of its topic in the split's names, and its
/// number.
type Tp = (usize, i32);

/// One worker's split of a [`KafkaSource`].
pub struct KafkaSplit<T> {
    source: KafkaSource,
    me: usize,
    peers: usize,
    /// The topics of the split's partitions (records name theirs by index).
    names: Vec<String>,
    /// For metadata (discovery).
    meta: BaseConsumer,
    consumer: QuietConsumer,
    /// The next offset to read, per partition of the split.
    next: BTreeMap<Tp, i64>,
    /// The first offset still in each partition when the split took it (where a
    /// partition the checkpoint does not know starts, on restore).
    earliest: BTreeMap<Tp, i64>,
    /// Bounded: partitions read to their end (where the reader first found it).
    done: BTreeSet<Tp>,
    assigned: bool,
    deserialize: Deserializer<T>,
    pace: Option<Pace>,
    /// Per partition of the split: what the reader knows of it.
    partitions: BTreeMap<Tp, Partition>,
    /// Records fetched but not yet given, in the order fetched, with their
    /// partitions and offsets (`None`: a record left out on purpose, read past).
    queue: VecDeque<(Tp, i64, Option<T>)>,
    /// Event time of a record, when records are stamped by it: the split then
    /// tells how far its least partition has come ([`SplitReader::reached`]).
    event_time: Option<EventTime<T>>,
    /// A partition with no record for this long does not hold the watermark back.
    idleness: Option<Duration>,
    /// When the split last looked for new partitions.
    discovered: Instant,
}

/// A record's event time (ms).
type EventTime<T> = Rc<dyn Fn(&T) -> i64>;

/// A partition as the split reads it.
struct Partition {
    /// When it last had a record.
    heard: Instant,
    /// The offset after the last record the consumer gave (where to fetch from if
    /// the partitions are assigned again).
    fetched: i64,
    /// Its records in the queue, not yet given.
    queued: usize,
    /// The greatest event time among its records given.
    greatest: Option<i64>,
}

/// Records fetched ahead of what is given, in all.
const BUFFER: usize = 4_096;

/// How long discovery waits for the brokers' answer (the worker waits with it).
const DISCOVERY_WAIT: Duration = Duration::from_secs(2);

impl<T> KafkaSplit<T> {
    /// The index of `topic` in the split's names (added when new).
    fn topic_index(&mut self, topic: &str) -> usize {
        match self.names.iter().position(|t| t == topic) {
            Some(i) => i,
            None => {
                self.names.push(topic.to_string());
                self.names.len() - 1
            }
        }
    }

    /// Takes partition `tp` into the split, to be read from `at` (`earliest` the
    /// first offset still in it).
    fn add(&mut self, tp: Tp, at: i64, earliest: i64) {
        self.next.insert(tp, at);
        self.earliest.insert(tp, earliest);
        let partition = Partition {
            heard: Instant::now(),
            fetched: at,
            queued: 0,
            greatest: None,
        };
        self.partitions.insert(tp, partition);
    }

    /// Assigns every partition of the split to the consumer, from where it has
    /// fetched to.
    fn assign(&mut self) {
        let mut assignment = TopicPartitionList::new();
        for (&(t, p), partition) in &self.partitions {
            let topic = &self.names[t];
            assignment
                .add_partition_offset(topic, p, Offset::Offset(partition.fetched))
                .unwrap_or_else(|e| panic!("kafka source {topic}: partition {p}: {e}"));
        }
        self.consumer.assign(&assignment).unwrap_or_else(|e| {
            panic!(
                "kafka source {}: cannot assign partitions: {e}",
                self.source.topics
            )
        });
        if !self.assigned {
            // Idleness counts from here: the first fetch takes a moment.
            for partition in self.partitions.values_mut() {
                partition.heard = Instant::now();
            }
        }
        self.assigned = true;
    }

    fn finished(&self) -> bool {
        self.source.bounded && self.done.len() == self.next.len()
    }

    /// Looks for partitions of the source's topics that are new since the split
    /// last looked and belong to this worker; reads them from their earliest
    /// offsets. A broker that does not answer in time is asked again next time.
    fn discover(&mut self) {
        let found = match self.source.topics.partitions(&self.meta, DISCOVERY_WAIT) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!("kafka source {}: discovery: {e}", self.source.topics);
                return;
            }
        };
        let mut added = false;
        for (topic, partitions) in found {
            for p in partitions {
                let known = self.names.iter().position(|t| *t == topic);
                let is_new = known.is_none_or(|t| !self.next.contains_key(&(t, p)));
                if !is_new || reader_of(&topic, p, self.peers) != self.me {
                    continue;
                }
                let Ok((low, _)) = self.meta.fetch_watermarks(&topic, p, DISCOVERY_WAIT) else {
                    continue;
                };
                tracing::info!(
                    "kafka source {}: reads {topic} partition {p}, new, from offset {low}",
                    self.source.topics
                );
                let t = self.topic_index(&topic);
                self.add((t, p), low, low);
                added = true;
            }
        }
        if added && self.assigned {
            self.assign();
        }
    }

    /// Moves what the consumer has into the queue, up to [`BUFFER`] records; a
    /// record that does not deserialize fails the job.
    fn fill(&mut self) {
        let mut polls = 0;
        while !self.finished() && self.queue.len() < BUFFER && polls < 2 * BUFFER {
            polls += 1;
            let message = match self.consumer.poll(Duration::ZERO) {
                None => break,
                Some(Err(KafkaError::PartitionEOF(p))) => {
                    if let Some(tp) = self.at_end(p) {
                        self.done.insert(tp);
                    }
                    continue;
                }
                Some(Err(e)) => {
                    // Transient (a broker away): the client reconnects by itself.
                    tracing::warn!("kafka source {}: {e}", self.source.topics);
                    break;
                }
                Some(Ok(message)) => message,
            };
            let (p, offset) = (message.partition(), message.offset());
            let topic = message.topic();
            let Some(t) = self.names.iter().position(|n| n == topic) else {
                continue;
            };
            let record = KafkaRecord {
                topic,
                partition: p,
                offset,
                timestamp: message.timestamp().to_millis(),
                key: message.key(),
                value: message.payload().unwrap_or_default(),
            };
            let value = match (self.deserialize)(&record) {
                Ok(value) => value,
                Err(why) => panic!(
                    "kafka source: topic {topic} partition {p} offset {offset}: cannot read the record: {why}"
                ),
            };
            let Some(partition) = self.partitions.get_mut(&(t, p)) else {
                continue;
            };
            partition.heard = Instant::now();
            partition.fetched = offset + 1;
            partition.queued += 1;
            self.queue.push_back(((t, p), offset, value));
        }
    }

    /// The partition of number `p` that the client says is at its end. The client
    /// names the number only: with several topics, the one of them still reading
    /// whose fetched offset is nearest the end the brokers tell of (another at its
    /// end too is named by its own event next).
    fn at_end(&self, p: i32) -> Option<Tp> {
        let candidates: Vec<Tp> = (self.next.keys())
            .filter(|&&(_, q)| q == p)
            .filter(|tp| !self.done.contains(tp))
            .copied()
            .collect();
        if candidates.len() <= 1 {
            return candidates.first().copied();
        }
        candidates.into_iter().min_by_key(|&(t, p)| {
            let fetched = self.partitions.get(&(t, p)).map_or(0, |b| b.fetched);
            match self
                .meta
                .fetch_watermarks(&self.names[t], p, DISCOVERY_WAIT)
            {
                Ok((_, high)) => (high - fetched).max(0),
                Err(_) => i64::MAX,
            }
        })
    }

    /// Whether partition `tp` holds the split's watermark back: it has records not
    /// yet given, or it is neither at its end (bounded) nor idle.
    fn holds(&self, tp: &Tp, partition: &Partition) -> bool {
        let idle = self
            .idleness
            .is_some_and(|d| partition.heard.elapsed() >= d);
        partition.queued > 0 || !(self.done.contains(tp) || idle)
    }
}

impl<T: 'static> SplitReader<T> for KafkaSplit<T> {
    type Position = KafkaPosition;

    /// Reads what the consumer has into the queue, then gives at most `max`
    /// records, in the order fetched. An unbounded split looks for new partitions
    /// on the source's discovery interval.
    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll {
        if !self.assigned {
            self.assign();
        }
        if let Some(every) = self.source.discovery.filter(|_| !self.source.bounded)
            && self.discovered.elapsed() >= every
        {
            self.discovered = Instant::now();
            self.discover();
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
            let Some((tp, offset, value)) = self.queue.pop_front() else {
                break;
            };
            self.next.insert(tp, offset + 1);
            let partition = self
                .partitions
                .get_mut(&tp)
                .expect("a partition of the split");
            partition.queued -= 1;
            if let Some(value) = value {
                if let Some(f) = &self.event_time {
                    let ts = f(&value);
                    partition.greatest = Some(partition.greatest.map_or(ts, |g| g.max(ts)));
                }
                out.push(value);
                given += 1;
            }
        }
        if let Some(pace) = &mut self.pace {
            pace.given += given as u64;
        }
        if self.finished() && self.queue.is_empty() {
            Poll::Done
        } else if given == 0 {
            Poll::Pending(Duration::from_millis(5))
        } else {
            Poll::Ready
        }
    }

    /// With event time, the least greatest event time among the partitions that
    /// hold the watermark (records queued, or neither at their end nor idle): a
    /// partition read ahead does not make another's records late, as with Flink's
    /// per-partition watermarks. A partition that has given nothing holds the
    /// watermark where it is until it does, or until it is idle for the source's
    /// idleness. When none holds: the greatest of all.
    fn reached(&self) -> Reached {
        if self.event_time.is_none() {
            return Reached::Greatest;
        }
        let mut least: Option<Option<i64>> = None;
        for (tp, partition) in &self.partitions {
            if self.holds(tp, partition) {
                let g = partition.greatest;
                least = Some(least.map_or(g, |l| l.zip(g).map(|(l, g)| l.min(g))));
            }
        }
        least.map_or(Reached::Greatest, Reached::Least)
    }

    fn position(&self) -> KafkaPosition {
        let offsets: Vec<(String, i32, i64)> = self
            .next
            .iter()
            .map(|(&(t, p), &o)| (self.names[t].clone(), p, o))
            .collect();
        if self.source.group.is_some() && self.assigned {
            // For monitoring only (lag per group); the checkpoint is what resumes.
            let mut read = TopicPartitionList::new();
            for (topic, p, o) in &offsets {
                let _ = read.add_partition_offset(topic, *p, Offset::Offset(*o));
            }
            if let Err(e) = self.consumer.commit(&read, CommitMode::Async) {
                tracing::warn!(
                    "kafka source {}: cannot commit offsets: {e}",
                    self.source.topics
                );
            }
        }
        KafkaPosition { offsets }
    }

    /// Every partition resumes at the offset any old split had reached in it; a
    /// partition the checkpoint does not know (new since) starts at its earliest
    /// offset, as a discovered one; a topic the checkpoint read and this source
    /// does not is left (and logged).
    fn resume(
        &mut self,
        positions: &BTreeMap<usize, KafkaPosition>,
        _old_splits: usize,
        _me: usize,
        _peers: usize,
    ) -> Result<(), SourceError> {
        let mut reached = BTreeMap::new();
        for position in positions.values() {
            for (topic, p, o) in &position.offsets {
                reached.insert((topic.as_str(), *p), *o);
            }
        }
        for (&(t, p), next) in &mut self.next {
            let at = reached.get(&(self.names[t].as_str(), p)).copied();
            *next = at.unwrap_or(self.earliest[&(t, p)]);
            if let Some(partition) = self.partitions.get_mut(&(t, p)) {
                partition.fetched = *next;
            }
        }
        let old_topics: BTreeSet<&str> = reached.keys().map(|(t, _)| *t).collect();
        for topic in old_topics {
            if !self.source.topics.includes(topic) {
                tracing::warn!(
                    "kafka source {}: the checkpoint read topic {topic}, which this source \
                     does not: left",
                    self.source.topics
                );
            }
        }
        Ok(())
    }
}
