//! Kafka input and output of `graph-stream` and `session-windowing` against the
//! real broker ([`crate::kafka_broker`]): graph-stream reading its edge changes from
//! a topic and writing its changelog exactly once to another equals the file run's
//! changelog (as a multiset: rows of one time may come in any order); the sessions
//! of Flink's built-in data, produced into a topic and read back, equal the sessions
//! worked by hand (Flink's `SessionWindowingData.EXPECTED`).

use crate::kafka::{diff, run};
use crate::kafka_broker::Broker;
use crate::support::{fresh, scratch, sorted_rows};

#[test]
fn graph_stream_from_kafka_to_kafka_exactly_once_equals_the_file_runs_changelog() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-graph-stream");
    let changes = dir.join("changes.csv");
    crate::graph_stream::write_changes(&changes, 3_000);
    let reference = fresh(dir.join("reference.csv"));
    let base = ["run", "graph-stream", "--algorithm", "connected-components"];
    let file_run = [&base[..], &["--changes", changes.to_str().unwrap()]].concat();
    let file_run = [&file_run[..], &["--output", reference.to_str().unwrap()]].concat();
    let (ok, err) = run(&owned(&file_run));
    assert!(ok, "{err}");
    let want = sorted_rows(&reference);
    assert!(want.len() > 500, "{} rows", want.len());
    // Two partitions, each in time order (line i to partition i % 2).
    broker.produce("edge-changes", 2, changes.to_str().unwrap());
    let checkpoints = fresh(dir.join("checkpoints"));
    let from = broker.url("edge-changes", "bounded=true");
    let to = broker.url("components", "delivery=exactly-once");
    let kafka_run = [
        &base[..],
        &["--changes", &from, "--output", &to, "-w", "2"],
        &["--checkpoint-dir", checkpoints.to_str().unwrap()],
        &["--checkpoint-interval", "300ms"],
    ]
    .concat();
    let (ok, err) = run(&owned(&kafka_run));
    assert!(ok, "{err}");
    let got = broker.consume("components", true);
    assert!(got == want, "{}", diff(&got, &want));
}

#[test]
fn session_windowing_reads_flinks_data_from_a_topic_and_writes_its_sessions_to_one() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-sessions");
    let input = dir.join("clicks.csv");
    std::fs::write(&input, crate::streaming::SESSION_CLICKS).unwrap();
    broker.produce("clicks", 2, input.to_str().unwrap());
    let args = [
        "run",
        "session-windowing",
        "--input",
        &broker.url("clicks", "bounded=true"),
        "--output",
        &broker.url("sessions", ""),
        "-w",
        "2",
    ];
    let (ok, err) = run(&args.map(String::from));
    assert!(ok, "{err}");
    let mut want = crate::streaming::SESSIONS.map(String::from).to_vec();
    want.sort();
    assert_eq!(broker.consume("sessions", false), want);
}

/// `args` as owned strings.
fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}
