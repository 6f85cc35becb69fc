//! Kafka as a streaming job's input or output: `kafka://HOST:PORT/TOPIC?options`
//! URLs in `--input`/`--output` (options in `docs/0025-kafka.md`). A job checks its
//! URLs and prepares its output topics ([`Sinks::prepare`]: created when missing,
//! exactly-once staging in the checkpoint folder) before it runs, then reads with
//! [`read`] and writes with [`write`]. An input with `dead-letters=TOPIC` sends the
//! records its job cannot parse to that topic (exactly once with checkpoints, else
//! at least once) instead of failing.

use std::collections::BTreeMap;
use std::sync::Mutex;

use anyhow::{Context, Result, bail};
use strom_core::RuntimeConfig;
use strom_datastream::{Data, DataStream, StreamEnv, Timestamps, WatermarkStrategy};
use strom_kafka::{
    Delivery, KafkaRecord, KafkaSink, KafkaSource, KafkaUrl, ProducerRecord, ensure_topic,
    is_kafka_url,
};

/// The dead-letter sinks of this process's Kafka inputs, by input URL (made by
/// [`Sinks::prepare`], used by [`read`] where the dataflow is built).
static DEAD_LETTERS: Mutex<BTreeMap<String, KafkaSink>> = Mutex::new(BTreeMap::new());

/// The Kafka sinks of a job's outputs, by URL.
#[derive(Clone, Debug, Default)]
pub(crate) struct Sinks {
    by_url: BTreeMap<String, KafkaSink>,
}

impl Sinks {
    /// Checks the job's Kafka URLs (`input` and `outputs`) and makes each output's
    /// sink, creating its topic when missing; `job` names the exactly-once sinks'
    /// transactional ids.
    ///
    /// # Errors
    /// A malformed URL, exactly-once without a checkpoint folder, or brokers that
    /// cannot be reached.
    pub(crate) fn prepare<'a>(
        config: &RuntimeConfig,
        job: &str,
        input: &str,
        outputs: impl IntoIterator<Item = &'a Option<String>>,
    ) -> Result<Sinks> {
        if is_kafka_url(input) {
            let url = KafkaUrl::parse(input).context("--input")?;
            KafkaSource::from_url(&url).context("--input")?;
            if let Some(topic) = &url.dead_letters {
                let to = KafkaUrl {
                    topic: topic.clone(),
                    pattern: None,
                    delivery: match config.checkpoint_dir {
                        Some(_) => Delivery::ExactlyOnce,
                        None => Delivery::AtLeastOnce,
                    },
                    transactional_id: None,
                    ..url
                };
                let sink = Self::sink(config, job, &to).context("dead-letters")?;
                DEAD_LETTERS
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(input.to_string(), sink);
            }
        }
        let mut by_url = BTreeMap::new();
        for url in outputs.into_iter().flatten().filter(|u| is_kafka_url(u)) {
            let parsed = KafkaUrl::parse(url).context("--output")?;
            let sink = Self::sink(config, job, &parsed).with_context(|| format!("output {url}"))?;
            by_url.insert(url.clone(), sink);
        }
        Ok(Sinks { by_url })
    }

    /// The sink of `url` (one topic, created when missing).
    fn sink(config: &RuntimeConfig, job: &str, parsed: &KafkaUrl) -> Result<KafkaSink> {
        let url = format!("kafka://{}/{}", parsed.brokers, parsed.topic);
        {
            parsed.one_topic()?;
            let mut sink = KafkaSink::from_url(parsed, job);
            if let Some(run) = &config.run_id {
                sink = sink.run_id(run);
            }
            if parsed.delivery == Delivery::ExactlyOnce {
                let Some(dir) = &config.checkpoint_dir else {
                    bail!("{url}: delivery=exactly-once needs --checkpoint-dir");
                };
                let staging = format!(
                    "{}/kafka-staging/{}",
                    dir.trim_end_matches('/'),
                    parsed.topic
                );
                sink = sink.staging(&staging);
            }
            ensure_topic(&parsed.brokers, &parsed.topic, parsed.partitions)?;
            Ok(sink)
        }
    }
}

/// The records of the Kafka input `input` as a stream of
/// lines parsed by `parse`, read at `rate` records per second when given; with
/// `dead-letters=TOPIC`, the records `parse` refuses go there.
///
/// # Panics
/// When `input` is a malformed Kafka URL ([`Sinks::prepare`] checks it first).
pub(crate) fn read<'s, E: Data>(
    env: &StreamEnv<'s>,
    input: &str,
    rate: Option<f64>,
    parse: fn(u64, &str) -> Result<Option<E>, String>,
    timestamps: Timestamps<E>,
    strategy: WatermarkStrategy,
) -> DataStream<'s, E> {
    let url = KafkaUrl::parse(input).unwrap_or_else(|e| panic!("--input: {e}"));
    let source = KafkaSource::from_url(&url)
        .unwrap_or_else(|e| panic!("--input: {e}"))
        .rate(rate);
    let dead_letters = DEAD_LETTERS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .get(input)
        .cloned();
    match dead_letters {
        None => source.stream(env, lines(parse), timestamps, strategy),
        Some(sink) => {
            let (records, dead) =
                source.stream_with_dead_letters(env, lines(parse), timestamps, strategy);
            dead.map(|letter| ProducerRecord::dead_letter(&letter))
                .name(&format!("Dead letters of {input}"))
                .sink_exactly_once(sink);
            records
        }
    }
}

/// A deserializer of records holding one text line each, parsed by `parse` as the
/// file sources do (a record at offset 0 counts as a file's first line: a header).
pub(crate) fn lines<E: 'static>(
    parse: fn(u64, &str) -> Result<Option<E>, String>,
) -> impl Fn(&KafkaRecord<'_>) -> Result<Option<E>, String> + 'static {
    move |record| {
        let text = std::str::from_utf8(record.value).map_err(|e| format!("not UTF-8: {e}"))?;
        let line = u64::from(record.offset == 0);
        parse(line, text)
    }
}

/// Writes `rows` as lines to the Kafka sink of `url`; `false` when `url` is not one
/// of `sinks` (not Kafka).
pub(crate) fn write<T: Data>(
    rows: &DataStream<'_, T>,
    url: &str,
    line: impl Fn(&T) -> String + 'static,
    sinks: &Sinks,
) -> bool {
    let Some(sink) = sinks.by_url.get(url) else {
        return false;
    };
    rows.map(move |r| ProducerRecord::value(line(&r)))
        .name(&format!("To {url}"))
        .sink_exactly_once(sink.clone());
    true
}
