//! Kafka input and output of `graph-stream`, `session-windowing`,
//! `unique-visitors` and `socket-window-wordcount` against the real broker
//! ([`crate::kafka_broker`]): graph-stream reading its edge changes from a topic and
//! writing its changelog exactly once to another equals the file run's changelog (as
//! a multiset: rows of one time may come in any order); the sessions of Flink's
//! built-in data, produced into a topic and read back, equal the sessions worked by
//! hand (Flink's `SessionWindowingData.EXPECTED`); unique-visitors over visits read
//! from a topic (1 and 2 workers) and from a file gives the visits and first visits
//! per window counted by hand, and a visit that does not parse is named by its
//! offset; socket-window-wordcount reading the lines of a topic (1 and 2 workers)
//! counts the words the test counted.

use std::collections::{BTreeMap, HashSet};
use std::process::Stdio;

use crate::control::{json, listed, strom_in, wait_for};
use crate::kafka::{diff, run};
use crate::kafka_broker::Broker;
use crate::streaming::{expect_counts, stdout_lines, total};
use crate::support::{fresh, run_strom, scratch, sorted_rows, xorshift};

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

/// 1,200 visits `visitor,time_ms` in time order, 9 ms apart (11 windows of 1 s), by
/// seeded visitors among more and more (`0..=i / 10`, so first visits come all
/// along), and the rows `window_start,window_end,visits,first_visits` of 1 s windows
/// counted by hand over them, sorted.
fn visits() -> (Vec<String>, Vec<String>) {
    let mut next = xorshift(0x5eed);
    let (mut lines, mut seen) = (Vec::new(), HashSet::new());
    let mut windows: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for i in 0..1_200u64 {
        let (visitor, time) = (next() % (1 + i / 10), i * 9);
        lines.push(format!("{visitor},{time}"));
        let window = windows.entry(time / 1000 * 1000).or_default();
        window.0 += 1;
        window.1 += u64::from(seen.insert(visitor));
    }
    let mut rows: Vec<String> = (windows.iter())
        .map(|(start, (visits, first))| format!("{start},{},{visits},{first}", start + 1000))
        .collect();
    rows.sort();
    (lines, rows)
}

#[test]
fn unique_visitors_reads_visits_from_a_topic_and_a_file_as_counted_by_hand() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-unique-visitors-input");
    let (lines, want) = visits();
    assert_eq!(want.len(), 11, "{want:?}");
    let file = dir.join("visits.csv");
    std::fs::write(&file, format!("visitor,time_ms\n{}\n", lines.join("\n"))).unwrap();
    let records = dir.join("records.csv");
    std::fs::write(&records, lines.join("\n") + "\n").unwrap();
    // Keyed by visitor: each visitor's visits in one partition, in time order, so the
    // first the job handles is the earliest at any number of workers.
    let to = broker.url("visits", "partitions=3");
    let records = records.to_str().unwrap();
    run_strom(&[
        "kafka",
        "produce",
        "--input",
        records,
        "--to",
        &to,
        "--key-field",
        "1",
    ]);
    let from = broker.url("visits", "bounded=true");
    for (input, workers) in [(file.to_str().unwrap(), "1"), (&from, "1"), (&from, "2")] {
        let out = fresh(dir.join(format!("windows-{workers}.csv")));
        let out = out.to_str().unwrap();
        let args = ["run", "unique-visitors", "--input", input, "--output", out];
        let (ok, err) = run(&owned(&[&args[..], &["-w", workers]].concat()));
        assert!(ok, "{input}, {workers} workers: {err}");
        let got = sorted_rows(std::path::Path::new(out));
        assert!(
            got == want,
            "{input}, {workers} workers: {}",
            diff(&got, &want)
        );
    }
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "1,100\n2,soon\n3,300\n").unwrap();
    broker.produce("bad-visits", 1, bad.to_str().unwrap());
    let from = broker.url("bad-visits", "bounded=true");
    let (ok, err) = run(&owned(&["run", "unique-visitors", "--input", &from]));
    assert!(!ok, "the job fails");
    assert!(
        err.contains("topic bad-visits partition 0 offset 1") && err.contains("field time_ms"),
        "{err}"
    );
}

/// 300 lines of 1 to 5 seeded words, and each word's count.
fn word_lines() -> (String, BTreeMap<&'static str, u64>) {
    let words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta"];
    let mut next = xorshift(42);
    let (mut text, mut counts) = (String::new(), BTreeMap::new());
    for _ in 0..300 {
        let line: Vec<&str> = (0..=next() % 5)
            .map(|_| words[(next() % words.len() as u64) as usize])
            .collect();
        for word in &line {
            *counts.entry(*word).or_insert(0) += 1;
        }
        text.push_str(&line.join(" "));
        text.push('\n');
    }
    (text, counts)
}

#[test]
fn socket_window_wordcount_counts_the_words_of_a_topic_at_1_and_2_workers() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-word-lines");
    let (text, counts) = word_lines();
    let input = dir.join("lines.txt");
    std::fs::write(&input, text).unwrap();
    broker.produce("lines", 2, input.to_str().unwrap());
    let want: Vec<(&str, u64)> = counts.into_iter().collect();
    let home = dir.join("home");
    for workers in ["1", "2"] {
        // Unbounded: processing-time windows fire on the clock, and those still open
        // when the input ends would not (as in Flink); `strom cancel` ends the job.
        let mut job = Killed(
            strom_in(&home)
                .args(["run", "socket-window-wordcount", "--window", "1s"])
                .args(["--input", &broker.url("lines", ""), "-w", workers])
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        );
        let rx = stdout_lines(&mut job.0);
        let mut seen = Vec::new();
        expect_counts(&rx, &want, &mut seen);
        // Two more windows' time for any word counted twice to show, then the end
        // (a stop would need checkpoints for its savepoint).
        std::thread::sleep(std::time::Duration::from_secs(2));
        let id = listed(&home, job.0.id())["id"]
            .as_str()
            .unwrap()
            .to_string();
        json(&home, &["cancel", &id, "--json"]);
        assert_eq!(
            wait_for(&mut job.0).code(),
            Some(3),
            "{workers} workers: canceled"
        );
        seen.extend(rx.iter());
        let got: Vec<(&str, u64)> = want.iter().map(|(w, _)| (*w, total(&seen, w))).collect();
        assert_eq!(got, want, "{workers} workers: {seen:?}");
        let known = |l: &String| want.iter().any(|(w, _)| l.starts_with(&format!("{w} : ")));
        assert!(seen.iter().all(known), "{workers} workers: {seen:?}");
    }
}

/// A job killed when the test fails before it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `args` as owned strings.
fn owned(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}
