//! What a `window-agg` job reads from Kafka besides one topic from its start, against
//! the real broker ([`crate::kafka_broker`]): a topic list and a pattern read as one
//! input (a topic the pattern does not match left out), a topic
//! created while the job runs found by its pattern, explicit start offsets, and
//! records that do not parse sent to a dead-letter topic while the rest is read.
//! Each output is compared with a run over the same events read from a file.

use std::path::{Path, PathBuf};

use crate::control::{json, listed, strom_in, wait_for};
use crate::kafka::{diff, job, run, wait_until_read};
use crate::kafka_broker::Broker;
use crate::recovery::input_and_reference;
use crate::support::{fresh, scratch, sorted_rows};

/// The lines of `input` dealt to `parts` files, line `i` to file `i % parts` (the
/// header to the first), each keeping the lines' order.
fn deal(dir: &Path, input: &Path, parts: usize) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(input).unwrap();
    let mut dealt = vec![String::new(); parts];
    for (i, line) in text.lines().enumerate() {
        dealt[i % parts].push_str(line);
        dealt[i % parts].push('\n');
    }
    (dealt.into_iter().enumerate())
        .map(|(i, text)| {
            let path = dir.join(format!("dealt-{parts}-{i}.csv"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect()
}

/// The sorted rows of window-agg run over the file `input`.
fn reference(dir: &Path, input: &Path) -> Vec<String> {
    let out = fresh(dir.join(format!(
        "reference-{}",
        input.file_name().unwrap().to_str().unwrap()
    )));
    let (ok, err) = run(&job(input.to_str().unwrap(), out.to_str().unwrap()));
    assert!(ok, "{err}");
    sorted_rows(&out)
}

/// Runs window-agg from `from` at `workers` into a file; its sorted rows.
fn rows_read(dir: &Path, from: &str, workers: &str, name: &str) -> Vec<String> {
    let out = fresh(dir.join(format!("{name}-{workers}.csv")));
    let mut args = job(from, out.to_str().unwrap());
    args.extend(["-w", workers].map(String::from));
    let (ok, err) = run(&args);
    assert!(ok, "{name} at {workers} workers: {err}");
    sorted_rows(&out)
}

#[test]
fn a_topic_list_and_a_pattern_read_as_one_input_give_the_file_runs_windows() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-topics");
    let (input, want) = input_and_reference(&dir);
    let halves = deal(&dir, &input, 2);
    broker.produce("list-a", 2, halves[0].to_str().unwrap());
    broker.produce("list-b", 1, halves[1].to_str().unwrap());
    // Matches neither the list nor the pattern: its events would change the windows.
    broker.produce("list-c-other", 1, halves[1].to_str().unwrap());
    for (from, workers) in [
        (broker.url("list-a,list-b", "bounded=true"), "1"),
        (broker.url("list-a,list-b", "bounded=true"), "3"),
        (broker.url("", "pattern=list-[ab]&bounded=true"), "2"),
    ] {
        let got = rows_read(&dir, &from, workers, "list");
        assert!(got == want, "{from} at {workers}: {}", diff(&got, &want));
    }
    // A named topic that does not exist is an error naming it.
    let (ok, err) = run(&job(
        &broker.url("list-a,list-missing", "bounded=true"),
        dir.join("none.csv").to_str().unwrap(),
    ));
    assert!(
        !ok && err.contains("topic list-missing does not exist"),
        "{err}"
    );
}

#[test]
fn a_topic_created_while_the_job_runs_is_found_by_its_pattern_and_read() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-discovery");
    let (input, want) = input_and_reference(&dir);
    let text = std::fs::read_to_string(&input).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let half = lines.len() / 2;
    let (first, second) = (dir.join("first.csv"), dir.join("second.csv"));
    std::fs::write(&first, lines[..half].join("\n") + "\n").unwrap();
    std::fs::write(&second, lines[half..].join("\n") + "\n").unwrap();
    broker.produce("grow-1", 2, first.to_str().unwrap());
    let home = dir.join("home");
    let checkpoints = fresh(dir.join("checkpoints"));
    let mut args = job(
        &broker.url("", "pattern=grow-.*&discovery=500ms"),
        &broker.url("grown", "delivery=exactly-once"),
    );
    args.extend(["--checkpoint-dir", checkpoints.to_str().unwrap()].map(String::from));
    args.extend(["--checkpoint-interval", "1s", "-w", "2"].map(String::from));
    let mut running = strom_in(&home).args(&args).spawn().unwrap();
    let id = listed(&home, running.id())["id"]
        .as_str()
        .unwrap()
        .to_string();
    wait_until_read(&home, &id, half as u64 - 1, "the first topic");
    // A new topic of two partitions, matching the pattern.
    broker.produce("grow-2", 2, second.to_str().unwrap());
    wait_until_read(&home, &id, lines.len() as u64 - 1, "the topic found later");
    json(&home, &["stop", &id, "--drain", "--json"]);
    assert!(wait_for(&mut running).success(), "stops");
    let got = broker.consume("grown", true);
    assert!(got == want, "{}", diff(&got, &want));
}

#[test]
fn explicit_start_offsets_leave_out_what_is_before_them() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-offsets");
    let (input, _) = input_and_reference(&dir);
    broker.produce("offsets-one", 1, input.to_str().unwrap());
    // Offset 5,001 of the one partition: the header and 5,000 events left out.
    let text = std::fs::read_to_string(&input).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let rest = dir.join("rest.csv");
    std::fs::write(&rest, lines[5_001..].join("\n") + "\n").unwrap();
    let want = reference(&dir, &rest);
    for start in ["offsets:0=5001", "offsets:offsets-one:0=5001,0=7"] {
        let from = broker.url("offsets-one", &format!("bounded=true&start={start}"));
        let got = rows_read(&dir, &from, "2", "offsets");
        assert!(got == want, "{start}: {}", diff(&got, &want));
    }
}

#[test]
fn records_that_do_not_parse_go_to_the_dead_letter_topic_and_the_rest_is_read() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-dead-letters");
    let bad = ["k3,soon,1", "only-a-key", "k4,5000.5,2"];
    let good = [
        "k1,1000,1.5",
        "k2,2000,2.5",
        "k1,3000,1",
        "k2,4000,2",
        "k1,6500,4",
    ];
    let mixed = [
        good[0], good[1], bad[0], good[2], bad[1], good[3], bad[2], good[4],
    ];
    let input = dir.join("mixed.csv");
    std::fs::write(&input, mixed.join("\n") + "\n").unwrap();
    let clean = dir.join("clean.csv");
    std::fs::write(&clean, good.join("\n") + "\n").unwrap();
    let want = reference(&dir, &clean);
    broker.produce("mixed", 1, input.to_str().unwrap());
    let from = broker.url("mixed", "bounded=true&dead-letters=mixed-dead");
    let got = rows_read(&dir, &from, "1", "dead-letters");
    assert!(got == want, "{}", diff(&got, &want));
    let mut letters = bad.map(String::from).to_vec();
    letters.sort();
    assert_eq!(broker.consume("mixed-dead", false), letters);
}

#[test]
fn top_speed_windowing_reads_and_writes_kafka_as_it_reads_files() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-top-speed");
    let input = dir.join("cars.csv");
    std::fs::write(&input, crate::streaming::CARS).unwrap();
    broker.produce("cars", 1, input.to_str().unwrap());
    let args = [
        "run",
        "top-speed-windowing",
        "--input",
        &broker.url("cars", "bounded=true"),
        "--output",
        &broker.url("top-speeds", ""),
        "-w",
        "2",
    ];
    let (ok, err) = run(&args.map(String::from));
    assert!(ok, "{err}");
    let got = broker.consume("top-speeds", false);
    assert_eq!(got, crate::streaming::CAR_FIRINGS);
}

#[test]
fn socket_window_wordcount_and_unique_visitors_write_their_windows_to_kafka() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    let to = broker.url("word-counts", "");
    let job = crate::support::strom()
        .args(["run", "socket-window-wordcount", "--hostname", "127.0.0.1"])
        .args([
            "--port", &port, "--window", "1s", "-w", "2", "--output", &to,
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (mut conn, _) = server.accept().unwrap();
    std::io::Write::write_all(&mut conn, b"hello world hello\nto be or not to be\n").unwrap();
    // Processing-time windows fire on the clock, not at the end of the input (as in
    // Flink): the connection stays open until the 1 s windows have fired.
    std::thread::sleep(std::time::Duration::from_millis(2_500));
    drop(conn);
    let out = job.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = broker.consume("word-counts", false);
    // Summed over windows (a line's words may straddle a window's end).
    let totals: Vec<(&str, u64)> = ["be", "hello", "not", "or", "to", "world"]
        .iter()
        .map(|w| (*w, crate::streaming::total(&seen, w)))
        .collect();
    let want = [
        ("be", 2),
        ("hello", 2),
        ("not", 1),
        ("or", 1),
        ("to", 2),
        ("world", 1),
    ];
    assert_eq!(totals, want, "{seen:?}");
    // unique-visitors: the rows of its file output, as records of a topic.
    let dir = scratch("kafka-unique-visitors");
    let file = fresh(dir.join("visitors.csv"));
    let options = [
        "--visitors",
        "50",
        "--visits",
        "2000",
        "--events-per-second",
        "500",
    ];
    let to = broker.url("visitors", "");
    for output in [file.to_str().unwrap(), &to] {
        let args = ["run", "unique-visitors", "--output", output];
        let args: Vec<String> = args.iter().chain(&options).map(|a| a.to_string()).collect();
        let (ok, err) = run(&args);
        assert!(ok, "{err}");
    }
    let want = sorted_rows(&file);
    assert!(want.len() >= 4, "{want:?}");
    assert_eq!(broker.consume("visitors", false), want);
}
