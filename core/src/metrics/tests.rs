//! The graph read off timely's events, checked against hand-counted cases.

use std::time::Duration;

use timely::logging::{ChannelsEvent, MessagesEvent, OperatesEvent, TimelyEvent};

use super::graph::{WorkerLog, merge};
use super::{CheckpointRecord, prometheus_text};

fn operates(addr: &[usize], name: &str) -> (Duration, TimelyEvent) {
    let event = OperatesEvent {
        id: addr.iter().sum(),
        addr: addr.to_vec(),
        name: name.into(),
    };
    (Duration::ZERO, TimelyEvent::Operates(event))
}

fn channel(id: usize, source: usize, target: usize) -> (Duration, TimelyEvent) {
    let event = ChannelsEvent {
        id,
        scope_addr: vec![0],
        source: (source, 0),
        target: (target, 0),
        typ: String::new(),
    };
    (Duration::ZERO, TimelyEvent::Channels(event))
}

fn message(channel: usize, is_send: bool, records: i64) -> (Duration, TimelyEvent) {
    let event = MessagesEvent {
        is_send,
        channel,
        source: 0,
        target: 0,
        seq_no: 0,
        record_count: records,
    };
    (Duration::ZERO, TimelyEvent::Messages(event))
}

/// A source feeding a map and a sink (two channels from one port), on one worker.
fn worker(sent: i64, received_by_map: i64, received_by_sink: i64) -> WorkerLog {
    let mut log = WorkerLog::default();
    log.record(&[
        operates(&[0], "dataflow"),
        operates(&[0, 1], "Source"),
        operates(&[0, 2], "Map"),
        operates(&[0, 3], "Sink"),
        channel(10, 1, 2),
        channel(11, 1, 3),
        message(10, true, sent),
        message(11, true, sent),
        message(10, false, received_by_map),
        message(11, false, received_by_sink),
    ]);
    log
}

#[test]
fn records_are_summed_over_workers_and_counted_once_per_port() {
    let (mut a, b) = (worker(100, 60, 100), worker(50, 90, 50));
    a.watermarks.insert(vec![0, 2], 7_000);
    a.blocked.insert(vec![0, 1], 3_000_000);
    let mut b = b;
    b.watermarks.insert(vec![0, 2], 5_000);
    let ops = merge([&a, &b]);
    let names: Vec<_> = ops
        .iter()
        .map(|o| (o.id.as_str(), o.name.as_str()))
        .collect();
    assert_eq!(names, [("0.1", "Source"), ("0.2", "Map"), ("0.3", "Sink")]);
    let source = &ops[0];
    assert_eq!((source.records_out, source.records_in), (150, 0));
    assert_eq!(source.backpressure_ms, 3);
    assert_eq!(source.parallelism, 2);
    let map = &ops[1];
    assert_eq!(
        (map.records_in, map.inputs.clone()),
        (150, vec!["0.1".to_string()])
    );
    assert_eq!(map.watermark, Some(5_000), "the least over the workers");
    assert_eq!(ops[2].records_in, 150);
    assert_eq!(ops[2].watermark, None);
}

#[test]
fn the_exposition_has_a_sample_per_operator_with_escaped_labels() {
    let ops = merge([&worker(3, 3, 3)]);
    let checkpoint = CheckpointRecord {
        id: 4,
        kind: "checkpoint".into(),
        path: "chk-4".into(),
        started_ms: 0,
        duration_ms: 1500,
        bytes: 2048,
        status: "completed".into(),
    };
    let text = prometheus_text("a \"job\"", 2500, &ops, &[checkpoint]);
    assert!(
        text.contains("strom_job_uptime_seconds{job=\"a \\\"job\\\"\"} 2.5"),
        "{text}"
    );
    assert!(
        text.contains(
            "strom_operator_records_in_total{job=\"a \\\"job\\\"\",operator_id=\"0.2\",operator=\"Map\"} 3"
        ),
        "{text}"
    );
    assert!(text.contains("strom_checkpoints_total{job=\"a \\\"job\\\"\",status=\"completed\"} 1"));
    assert!(text.contains("strom_last_checkpoint_duration_seconds{job=\"a \\\"job\\\"\"} 1.5"));
    assert!(text.contains("strom_last_checkpoint_size_bytes{job=\"a \\\"job\\\"\"} 2048"));
    // Every sample line is `name{labels} value`.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
    }
}
