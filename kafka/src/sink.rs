//! The Kafka sink (Flink's `KafkaSink`), one [`TwoPhaseCommitSink`] for every
//! delivery guarantee:
//!
//! - [`Delivery::None`] and [`Delivery::AtLeastOnce`]: each worker's writer produces
//!   records as they come and waits at every pre-commit (the checkpoint barrier, and
//!   the end of the stream: writers have no close) until the broker has them all;
//!   at-least-once (idempotent producer) fails the job on a record not delivered,
//!   none only logs it. Nothing to commit.
//! - [`Delivery::ExactlyOnce`]: the writer keeps an epoch's records and, at the
//!   pre-commit, stages them in a file under the sink's staging folder; the
//!   committable ([`StagedBatch`]) names it. When the checkpoint is complete the
//!   committer produces every batch of the epoch in one Kafka transaction
//!   (transactional id of the sink: a restarted job's committer fences its zombie)
//!   that also commits the epoch, as an offset of the sink's own consumer group
//!   (with the run that staged it as the offset's metadata). A commit repeated after
//!   a restore skips an epoch whose staged files are gone (deleted only after its
//!   commit) or whose run and epoch the group's offset shows. Nothing is
//!   written to the broker before the checkpoint is complete, so no abort has to
//!   hide anything (`docs/0025-kafka.md`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use rdkafka::{Offset, TopicPartitionList};
use serde::{Deserialize, Serialize};
use strom_core::storage::{list_files, resolve};
use strom_datastream::{SinkCommitter, SinkError, SinkWriter, TwoPhaseCommitSink, WriterContext};

use crate::client::{self, TIMEOUT};
use crate::{Delivery, KafkaUrl, staging};

/// A record to produce: key (the partitioner hashes it: records of one key go to
/// one partition), value, headers, and the topic when it is not the sink's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerRecord {
    /// The key; without one, the producer spreads records over the partitions.
    pub key: Option<Vec<u8>>,
    /// The value.
    pub value: Vec<u8>,
    /// Headers, in order.
    #[serde(default)]
    pub headers: Vec<(String, Vec<u8>)>,
    /// The topic to write it to; `None`: the sink's (Flink's
    /// `KafkaRecordSerializationSchema` choosing a topic per record). The topic must
    /// exist (see [`crate::ensure_topic`]).
    #[serde(default)]
    pub topic: Option<String>,
}

impl ProducerRecord {
    /// A record with a value and no key.
    pub fn value(value: impl Into<Vec<u8>>) -> Self {
        ProducerRecord {
            value: value.into(),
            ..ProducerRecord::default()
        }
    }

    /// A record with a key and a value.
    pub fn keyed(key: impl Into<Vec<u8>>, value: impl Into<Vec<u8>>) -> Self {
        ProducerRecord {
            key: Some(key.into()),
            value: value.into(),
            ..ProducerRecord::default()
        }
    }

    /// The record with a header `name` added.
    pub fn header(mut self, name: &str, value: impl Into<Vec<u8>>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// The record written to `topic` instead of the sink's.
    pub fn to(mut self, topic: &str) -> Self {
        self.topic = Some(topic.to_string());
        self
    }

    /// A dead letter as a record: its key and value as read, its error and origin
    /// in the headers `error`, `topic`, `partition` and `offset`.
    pub fn dead_letter(letter: &crate::DeadLetter) -> Self {
        ProducerRecord {
            key: letter.key.clone(),
            value: letter.value.clone(),
            ..ProducerRecord::default()
        }
        .header("error", letter.error.as_str())
        .header("topic", letter.topic.as_str())
        .header("partition", letter.partition.to_string())
        .header("offset", letter.offset.to_string())
    }
}

/// An exactly-once writer's staged epoch: the exactly-once sink's committable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagedBatch {
    /// The staged file's URL.
    pub staged: String,
    /// The epoch.
    pub epoch: u64,
    /// The worker that staged it.
    pub worker: usize,
    /// The run that staged it ([`KafkaSink::run_id`]).
    pub run: String,
    /// How many records it holds.
    pub records: u64,
}

/// A topic written by a job (build with [`KafkaSink::new`] or
/// [`KafkaSink::from_url`]; used through
/// [`DataStream::sink_exactly_once`](strom_datastream::DataStream::sink_exactly_once),
/// whatever the delivery guarantee).
#[derive(Clone, Debug)]
pub struct KafkaSink {
    brokers: String,
    topic: String,
    delivery: Delivery,
    staging: Option<String>,
    transactional_id: String,
    run: String,
}

impl KafkaSink {
    /// `topic` at the brokers `brokers`, with `delivery`; the transactional id is
    /// `strom-<topic>` until [`transactional_id`](KafkaSink::transactional_id) says
    /// otherwise.
    pub fn new(brokers: &str, topic: &str, delivery: Delivery) -> Self {
        KafkaSink {
            brokers: brokers.to_string(),
            topic: topic.to_string(),
            delivery,
            staging: None,
            transactional_id: format!("strom-{topic}"),
            run: format!(
                "{}-{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_micros())
            ),
        }
    }

    /// The sink a `kafka://` URL describes, for the job `job` (whose name makes the
    /// default transactional id, `strom-<job>-<topic>`).
    pub fn from_url(url: &KafkaUrl, job: &str) -> Self {
        let mut sink = KafkaSink::new(&url.brokers, &url.topic, url.delivery);
        sink.transactional_id = url
            .transactional_id
            .clone()
            .unwrap_or_else(|| format!("strom-{job}-{}", url.topic));
        sink
    }

    /// Where an exactly-once sink stages epochs (a folder URL every process of the
    /// job can read, such as one in the checkpoint folder).
    pub fn staging(mut self, folder: &str) -> Self {
        self.staging = Some(folder.trim_end_matches('/').to_string());
        self
    }

    /// The exactly-once committer's transactional id (also its consumer group, where
    /// the committed epochs are kept). Unique per job and sink: a job started again
    /// with the same id fences the old one's producer.
    pub fn transactional_id(mut self, id: &str) -> Self {
        self.transactional_id = id.to_string();
        self
    }

    /// The id of this run of the job, the same in all its processes (a job's run id;
    /// by default one made from the process id and the clock, right for a job of one
    /// process). The committer records with each committed epoch the run that
    /// staged it, so that a commit repeated after a restore is recognised, while a
    /// later run (a fresh start, or one restored from an older savepoint) whose
    /// epochs have the same numbers is not taken for it.
    pub fn run_id(mut self, id: &str) -> Self {
        self.run = id.to_string();
        self
    }

    /// The delivery guarantee.
    pub fn delivery(&self) -> Delivery {
        self.delivery
    }
}

impl TwoPhaseCommitSink<ProducerRecord> for KafkaSink {
    type Committable = StagedBatch;
    type Writer = KafkaWriter;
    type Committer = KafkaCommitter;

    fn writer(&self, context: &WriterContext) -> KafkaWriter {
        KafkaWriter {
            sink: self.clone(),
            worker: context.worker,
            producer: None,
            epochs: BTreeMap::new(),
        }
    }

    fn committer(&self) -> KafkaCommitter {
        KafkaCommitter {
            sink: self.clone(),
            client: None,
        }
    }

    fn name(&self) -> String {
        format!("Sink: kafka {} ({})", self.topic, self.delivery)
    }
}

/// Remembers the first failed delivery, for the writer to report.
#[derive(Default)]
pub(crate) struct Deliveries {
    failed: Mutex<Option<String>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            let mut failed = self.failed.lock().expect("not poisoned");
            failed.get_or_insert_with(|| e.to_string());
        }
    }
}

type Producer_ = BaseProducer<Deliveries>;

fn refused(what: &str, e: impl std::fmt::Display) -> SinkError {
    SinkError::Refused(format!("{what}: {e}"))
}

/// A producer of the sink (`extra` settings added).
fn producer(sink: &KafkaSink, extra: &[(&str, &str)]) -> Result<Producer_, SinkError> {
    let mut config: ClientConfig = client::config(&sink.brokers);
    config
        .set("linger.ms", "5")
        .set("message.timeout.ms", "60000");
    for (k, v) in extra {
        config.set(*k, *v);
    }
    config
        .create_with_context(Deliveries::default())
        .map_err(|e| refused(&format!("cannot connect to {}", sink.brokers), e))
}

/// Queues `record` for its topic (`topic` unless it names one), waiting while the
/// producer's queue is full.
fn send(producer: &Producer_, topic: &str, record: &ProducerRecord) -> Result<(), SinkError> {
    let topic = record.topic.as_deref().unwrap_or(topic);
    loop {
        let mut out = BaseRecord::to(topic).payload(&record.value);
        if let Some(key) = &record.key {
            out = out.key(key);
        }
        if !record.headers.is_empty() {
            let mut headers = OwnedHeaders::new_with_capacity(record.headers.len());
            for (name, value) in &record.headers {
                headers = headers.insert(Header {
                    key: name,
                    value: Some(value),
                });
            }
            out = out.headers(headers);
        }
        match producer.send(out) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                producer.poll(std::time::Duration::from_millis(10));
            }
            Err((e, _)) => return Err(refused(&format!("cannot send to {topic}"), e)),
        }
    }
}

/// The first failed delivery of `producer`, as an error.
fn failures(producer: &Producer_, topic: &str) -> Result<(), SinkError> {
    let failed = producer
        .context()
        .failed
        .lock()
        .expect("not poisoned")
        .take();
    match failed {
        Some(e) => Err(refused(
            &format!("a record was not delivered to {topic}"),
            e,
        )),
        None => Ok(()),
    }
}

/// One worker's writer of a [`KafkaSink`].
pub struct KafkaWriter {
    sink: KafkaSink,
    worker: usize,
    producer: Option<Producer_>,
    /// Exactly-once: the records of each epoch not yet staged.
    epochs: BTreeMap<u64, Vec<ProducerRecord>>,
}

/// The epoch and worker of a staged file's name, `chk-<epoch>-part-<worker>`.
fn staged_name(name: &str) -> Option<(u64, usize)> {
    let (epoch, worker) = name.strip_prefix("chk-")?.split_once("-part-")?;
    Some((epoch.parse().ok()?, worker.parse().ok()?))
}

impl KafkaWriter {
    fn staging(&self) -> Result<&str, SinkError> {
        self.sink.staging.as_deref().ok_or_else(|| {
            SinkError::Refused(format!(
                "the exactly-once sink to {} has no staging folder",
                self.sink.topic
            ))
        })
    }
}

impl SinkWriter<ProducerRecord> for KafkaWriter {
    type Committable = StagedBatch;

    fn abort(&mut self, context: &WriterContext) -> Result<(), SinkError> {
        if self.sink.delivery != Delivery::ExactlyOnce {
            let idempotent = if self.sink.delivery == Delivery::AtLeastOnce {
                "true"
            } else {
                "false"
            };
            self.producer = Some(producer(&self.sink, &[("enable.idempotence", idempotent)])?);
            return Ok(());
        }
        let staging = self.staging()?.to_string();
        let Some(restored) = context.restored else {
            return Ok(());
        };
        // Staged after the checkpoint by this writer or one it inherits: never to be
        // committed (nothing of it reached the broker).
        let files = match list_files(&staging) {
            Ok(files) => files,
            Err(strom_core::Error::Plan(_)) => return Ok(()),
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        for file in files {
            let url = &file.location.url;
            let name = url.rsplit('/').next().unwrap_or(url);
            if let Some((epoch, worker)) = staged_name(name)
                && epoch > restored.epoch
                && context.inherits(worker)
            {
                match file.location.delete_prefix() {
                    Err(e) if !e.is_not_found() => return Err(e.into()),
                    _ => {}
                }
            }
        }
        Ok(())
    }

    fn write(&mut self, epoch: u64, record: ProducerRecord) -> Result<(), SinkError> {
        match &self.producer {
            Some(producer) => send(producer, &self.sink.topic, &record),
            None => {
                self.epochs.entry(epoch).or_default().push(record);
                Ok(())
            }
        }
    }

    fn pre_commit(&mut self, epoch: u64) -> Result<Option<StagedBatch>, SinkError> {
        if let Some(producer) = &self.producer {
            // The writer has no close: the stream's last pre-commit is its end, so
            // both flush here; only at-least-once fails on what was not delivered.
            let flushed = producer
                .flush(TIMEOUT)
                .map_err(|e| refused(&format!("cannot flush to {}", self.sink.topic), e));
            let delivered = failures(producer, &self.sink.topic);
            match self.sink.delivery {
                Delivery::AtLeastOnce => flushed.and(delivered)?,
                _ => {
                    if let Err(e) = flushed.and(delivered) {
                        tracing::warn!("{e}");
                    }
                }
            }
            return Ok(None);
        }
        let Some(records) = self.epochs.remove(&epoch) else {
            return Ok(None);
        };
        let staged = format!(
            "{}/chk-{epoch:010}-part-{:05}",
            self.staging()?,
            self.worker
        );
        resolve(&staged)?.write(staging::encode(&records).into())?;
        Ok(Some(StagedBatch {
            staged,
            epoch,
            worker: self.worker,
            run: self.sink.run.clone(),
            records: records.len() as u64,
        }))
    }
}

impl Drop for KafkaWriter {
    fn drop(&mut self) {
        if let Some(producer) = &self.producer {
            let _ = producer.flush(TIMEOUT);
        }
    }
}

/// Whether the staged file `url` is still there.
fn staged_exists(url: &str) -> Result<bool, SinkError> {
    let location = resolve(url)?;
    if let Some(path) = &location.local {
        return Ok(path.exists());
    }
    match location.read_all() {
        Ok(_) => Ok(true),
        Err(e) if e.is_not_found() => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// The transactional producer and the group consumer of the exactly-once committer.
struct Transactional {
    producer: Producer_,
    group: BaseConsumer,
}

/// The committer of a [`KafkaSink`] (exactly-once: produces each complete epoch's
/// staged batches in one transaction; otherwise nothing to do).
pub struct KafkaCommitter {
    sink: KafkaSink,
    client: Option<Transactional>,
}

impl KafkaCommitter {
    /// The transactional producer, made (fencing any earlier one of the same id) on
    /// first use.
    fn client(&mut self) -> Result<&Transactional, SinkError> {
        if self.client.is_none() {
            let id = self.sink.transactional_id.clone();
            let producer = producer(&self.sink, &[("transactional.id", &id)])?;
            producer
                .init_transactions(TIMEOUT)
                .map_err(|e| refused(&format!("transactional id {id}: cannot start"), e))?;
            let group: BaseConsumer = client::config(&self.sink.brokers)
                .set("group.id", &id)
                .set("enable.auto.commit", "false")
                .create()
                .map_err(|e| refused(&format!("cannot connect to {}", self.sink.brokers), e))?;
            self.client = Some(Transactional { producer, group });
        }
        Ok(self.client.as_ref().expect("made above"))
    }

    /// The last committed epoch's run and the epoch after it (`None`: none
    /// committed yet).
    fn last_committed(&mut self) -> Result<Option<(String, u64)>, SinkError> {
        let topic = self.sink.topic.clone();
        let client = self.client()?;
        let mut query = TopicPartitionList::new();
        query.add_partition(&topic, 0);
        let committed = client
            .group
            .committed_offsets(query, TIMEOUT)
            .map_err(|e| refused("cannot read the committed epochs", e))?;
        Ok(committed
            .find_partition(&topic, 0)
            .and_then(|e| match e.offset() {
                Offset::Offset(next) if next > 0 => Some((e.metadata().to_string(), next as u64)),
                _ => None,
            }))
    }

    /// Produces `batches` (all of `epoch`, of one run) in one transaction that also
    /// records the epoch and its run as committed.
    fn commit_epoch(&mut self, epoch: u64, batches: &[StagedBatch]) -> Result<(), SinkError> {
        let topic = self.sink.topic.clone();
        let began = std::time::Instant::now();
        let mut records = Vec::new();
        for batch in batches {
            let bytes = resolve(&batch.staged)?.read_all()?;
            let decoded = staging::decode(&bytes)
                .map_err(|e| refused(&format!("staged batch {}", batch.staged), e))?;
            records.extend(decoded);
        }
        let client = self.client()?;
        let producer = &client.producer;
        let aborted = |e: SinkError| {
            let _ = producer.abort_transaction(TIMEOUT);
            e
        };
        producer
            .begin_transaction()
            .map_err(|e| refused("cannot begin a transaction", e))?;
        for record in &records {
            send(producer, &topic, record).map_err(aborted)?;
        }
        let mut done = TopicPartitionList::new();
        {
            let mut entry = done.add_partition(&topic, 0);
            entry
                .set_offset(Offset::Offset(epoch as i64 + 1))
                .map_err(|e| refused("epoch offset", e))?;
            entry.set_metadata(&batches[0].run);
        }
        let group = client
            .group
            .group_metadata()
            .ok_or_else(|| SinkError::Refused("the committer's group has no metadata".into()))?;
        producer
            .send_offsets_to_transaction(&done, &group, TIMEOUT)
            .map_err(|e| aborted(refused("cannot add the epoch to the transaction", e)))?;
        let sent = began.elapsed();
        producer.commit_transaction(TIMEOUT).map_err(|e| {
            aborted(refused(
                &format!("cannot commit epoch {epoch} to {topic}"),
                e,
            ))
        })?;
        tracing::debug!(
            "{topic}: epoch {epoch} committed ({} records; produced in {sent:?}, committed in {:?})",
            records.len(),
            began.elapsed() - sent
        );
        failures(producer, &topic)
    }
}

impl SinkCommitter for KafkaCommitter {
    type Committable = StagedBatch;

    fn commit(&mut self, batches: Vec<StagedBatch>) -> Result<(), SinkError> {
        if batches.is_empty() {
            return Ok(());
        }
        let mut by_epoch: BTreeMap<u64, Vec<StagedBatch>> = BTreeMap::new();
        for batch in batches {
            by_epoch.entry(batch.epoch).or_default().push(batch);
        }
        let asked = std::time::Instant::now();
        let last = self.last_committed()?;
        tracing::debug!(
            "{}: the group's last committed epoch: {last:?} (asked in {:?})",
            self.sink.topic,
            asked.elapsed()
        );
        for (epoch, batches) in by_epoch {
            // Staged files are deleted only after their epoch's commit: one missing
            // means the epoch is in the topic.
            let mut deleted = false;
            for batch in &batches {
                deleted |= !staged_exists(&batch.staged)?;
            }
            let committed = deleted
                || last
                    .as_ref()
                    .is_some_and(|(run, next)| *run == batches[0].run && epoch < *next);
            if committed {
                tracing::debug!(
                    "{}: epoch {epoch} of run {} committed already (staged files gone: {deleted})",
                    self.sink.topic,
                    batches[0].run
                );
            } else {
                self.commit_epoch(epoch, &batches)?;
            }
            for batch in &batches {
                match resolve(&batch.staged)?.delete_prefix() {
                    Err(e) if !e.is_not_found() => return Err(e.into()),
                    _ => {}
                }
            }
        }
        Ok(())
    }
}
