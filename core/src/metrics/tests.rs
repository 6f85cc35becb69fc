//! The graph read off timely's events, checked against hand-counted cases.

use std::time::Duration;

use timely::logging::{ChannelsEvent, MessagesEvent, OperatesEvent, TimelyEvent};

use super::graph::{Group, WorkerLog, merge};
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

/// A source (id 1) with its own plumbing (id 2), a window (id 3) fed back through a
/// feedback operator (id 4) of its own, and a map (id 5) built by no API call.
/// (Operator ids are the sums of their addresses.)
fn grouped() -> WorkerLog {
    let mut log = WorkerLog::default();
    log.record(&[
        operates(&[0], "dataflow"),
        operates(&[0, 1], "FileSource"),
        operates(&[0, 2], "Concatenate"),
        operates(&[0, 3], "EventTimeWindow"),
        operates(&[0, 4], "Feedback"),
        operates(&[0, 5], "FlatMap"),
        channel(10, 1, 2),
        channel(11, 2, 3),
        channel(12, 3, 4),
        channel(13, 4, 3),
        channel(14, 3, 5),
        message(10, true, 40),
        message(11, true, 40),
        message(11, false, 40),
        message(12, true, 7),
        message(13, false, 7),
        message(14, true, 9),
        message(14, false, 9),
    ]);
    log.groups = vec![
        Group {
            from: 0,
            to: 3,
            lead: Some(vec![0, 1]),
            name: Some("Source: events.csv".into()),
        },
        Group {
            from: 3,
            to: 5,
            lead: Some(vec![0, 3]),
            name: None,
        },
    ];
    log.watermarks.insert(vec![0, 2], 1_000);
    log.watermarks.insert(vec![0, 4], i64::MIN);
    log
}

#[test]
fn the_operators_one_call_built_show_as_one_named_by_the_program() {
    let mut log = grouped();
    log.renames.insert(vec![0, 5], "Enrich".into());
    let ops = merge([&log]);
    let shown: Vec<_> = ops
        .iter()
        .map(|o| (o.id.as_str(), o.name.as_str(), o.inputs.clone()))
        .collect();
    let from = |id: &str| vec![id.to_string()];
    assert_eq!(
        shown,
        [
            ("0.1", "Source: events.csv", vec![]),
            ("0.3", "EventTimeWindow", from("0.1")),
            ("0.5", "Enrich", from("0.3")),
        ]
    );
    // The source's plumbing sent 40 records on to the window; the window's feedback
    // loop is inside it and counts neither in nor out.
    assert_eq!((ops[0].records_out, ops[1].records_in), (40, 40));
    assert_eq!((ops[1].records_out, ops[2].records_in), (9, 9));
    assert_eq!(ops[0].watermark, Some(1_000), "its plumbing's watermark");
    assert_eq!(ops[1].watermark, None, "i64::MIN is no watermark yet");
}

#[test]
fn a_name_given_to_a_plumbing_operator_names_the_operator_it_serves() {
    let mut log = grouped();
    log.renames.insert(vec![0, 4], "Window tumbling 1s".into());
    let ops = merge([&log]);
    assert_eq!(ops[1].name, "Window tumbling 1s");
}

#[test]
fn a_group_without_a_lead_shows_as_its_last_operator() {
    let mut log = grouped();
    log.groups[1].lead = None;
    log.groups[1].name = Some("Sink: out/".into());
    let ops = merge([&log]);
    assert_eq!(
        (ops[1].id.as_str(), ops[1].name.as_str()),
        ("0.4", "Sink: out/")
    );
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
