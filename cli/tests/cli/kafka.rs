//! Kafka input and output of `window-agg` against a real broker
//! ([`crate::kafka_broker`]): a bounded topic read at 1 and 3 workers (and written to
//! topics with delivery at-least-once and none), an unbounded one read at 1 and 3
//! workers while it is written and stopped with a drain, exactly-once
//! output through a process killed at seeded moments and restored, and through a
//! restart of the broker (its data in a local S3 server), a rescale from 2
//! to 3 workers through a savepoint, and a record that does not parse. Every output
//! is compared with the sorted rows of an uninterrupted run over the same events
//! read from a file ([`input_and_reference`]: 20,000 events, 10 keys, disorder
//! within 2 s, 1 s tumbling windows).

use std::path::Path;
use std::time::Duration;

use crate::cep_fraud::{READINGS, READINGS_ALERTS};
use crate::control::{json, listed, strom_in, wait_for};
use crate::kafka_broker::Broker;
use crate::recovery::{input_and_reference, kill_one, stop_with_savepoint, window_agg};
use crate::support::{fresh, scratch, sorted_rows, strom};

/// `window-agg` from the Kafka URL `input` to `output` (a file or a Kafka URL).
pub(crate) fn job(input: &str, output: &str) -> Vec<String> {
    window_agg(Path::new(input), Path::new(output))
}

/// Runs `strom` with `args`; gives its success and standard error.
pub(crate) fn run(args: &[String]) -> (bool, String) {
    let out = strom().args(args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Where a mismatch is, in a few rows.
pub(crate) fn diff(got: &[String], want: &[String]) -> String {
    let missing: Vec<&String> = want.iter().filter(|w| !got.contains(w)).take(3).collect();
    let extra: Vec<&String> = got.iter().filter(|g| !want.contains(g)).take(3).collect();
    format!(
        "{} rows, want {}; missing {missing:?}, extra {extra:?}",
        got.len(),
        want.len()
    )
}

#[test]
fn a_bounded_topic_read_at_1_and_3_workers_and_written_to_topics_gives_the_file_runs_windows() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-read");
    let (input, want) = input_and_reference(&dir);
    broker.produce("events", 3, input.to_str().unwrap());
    let from = broker.url("events", "bounded=true&start=earliest");
    for workers in ["1", "3"] {
        let out = fresh(dir.join(format!("out-{workers}.csv")));
        let mut args = job(&from, out.to_str().unwrap());
        args.extend(["-w", workers].map(String::from));
        let (ok, err) = run(&args);
        assert!(ok, "{err}");
        let got = sorted_rows(&out);
        assert!(got == want, "{workers} workers: {}", diff(&got, &want));
    }
    // Into a topic without checkpoints: at-least-once (flushed at the end) and none.
    for delivery in ["at-least-once", "none"] {
        let to = broker.url(delivery, &format!("delivery={delivery}&partitions=2"));
        let mut args = job(&from, &to);
        args.extend(["-w", "2"].map(String::from));
        let (ok, err) = run(&args);
        assert!(ok, "{err}");
        let got = broker.consume(delivery, false);
        assert!(got == want, "delivery {delivery}: {}", diff(&got, &want));
    }
}

/// Waits until the sources of job `id` (its state under `home`) have given `n`
/// records, at most 2 minutes (`what` names the run in the failure).
pub(crate) fn wait_until_read(home: &Path, id: &str, n: u64, what: &str) {
    let start = std::time::Instant::now();
    while read_so_far(home, id) < n {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "{what}: the job reads {n} records"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Records the job's sources have given so far (`strom status`).
fn read_so_far(home: &Path, id: &str) -> u64 {
    let status = json(home, &["status", id, "--json"]);
    status["operators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["name"].as_str().is_some_and(|n| n.starts_with("Source")))
        .map(|o| o["records_out"].as_u64().unwrap())
        .sum()
}

#[test]
fn an_unbounded_topic_read_at_1_and_3_workers_while_it_is_written_gives_the_file_runs_windows() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-unbounded");
    let (input, want) = input_and_reference(&dir);
    // The events in two halves: the second is produced while the job runs.
    let text = std::fs::read_to_string(&input).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let events = lines.len() as u64 - 1;
    let half = lines.len() / 2;
    let (first, second) = (dir.join("first.csv"), dir.join("second.csv"));
    std::fs::write(&first, lines[..half].join("\n") + "\n").unwrap();
    std::fs::write(&second, lines[half..].join("\n") + "\n").unwrap();
    let home = dir.join("home");
    for workers in ["1", "3"] {
        let (topic, out) = (format!("live-{workers}"), format!("windows-{workers}"));
        broker.produce(&topic, 3, first.to_str().unwrap());
        let checkpoints = fresh(dir.join(format!("checkpoints-{workers}")));
        let mut args = job(
            &broker.url(&topic, "start=earliest"),
            &broker.url(&out, "delivery=exactly-once"),
        );
        args.extend(["--checkpoint-dir", checkpoints.to_str().unwrap()].map(String::from));
        args.extend(["--checkpoint-interval", "1s", "-w", workers].map(String::from));
        let mut running = strom_in(&home).args(&args).spawn().unwrap();
        let id = listed(&home, running.id())["id"]
            .as_str()
            .unwrap()
            .to_string();
        let what = format!("{workers} workers");
        wait_until_read(&home, &id, half as u64 - 1, &what);
        broker.produce(&topic, 3, second.to_str().unwrap());
        wait_until_read(&home, &id, events, &what);
        // The end of an unbounded input is the user's call: a stop that fires what
        // is pending.
        json(&home, &["stop", &id, "--drain", "--json"]);
        assert!(wait_for(&mut running).success(), "{workers} workers: stops");
        let got = broker.consume(&out, true);
        assert!(got == want, "{workers} workers: {}", diff(&got, &want));
    }
}

#[test]
fn a_record_that_does_not_parse_fails_the_job_naming_its_offset() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-bad");
    let input = dir.join("bad.csv");
    std::fs::write(&input, "k1,1000,1.5\nk2,2000,2.5\nk3,soon,1\nk1,3000,1\n").unwrap();
    broker.produce("bad", 1, input.to_str().unwrap());
    let out = fresh(dir.join("out.csv"));
    let (ok, err) = run(&job(
        &broker.url("bad", "bounded=true"),
        out.to_str().unwrap(),
    ));
    assert!(!ok, "the job fails");
    assert!(
        err.contains("topic bad partition 0 offset 2")
            && err.contains("event_time_ms is not an integer"),
        "{err}"
    );
}

#[test]
fn cep_monitoring_reads_and_writes_kafka_as_it_does_files() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-cep");
    let input = dir.join("readings.csv");
    std::fs::write(&input, READINGS).unwrap();
    broker.produce("readings", 2, input.to_str().unwrap());
    let from = broker.url("readings", "bounded=true");
    let out = fresh(dir.join("alerts.csv"));
    let (ok, err) = run(&[
        "run".into(),
        "cep-monitoring".into(),
        "--input".into(),
        from.clone(),
        "--output".into(),
        out.to_str().unwrap().into(),
    ]);
    assert!(ok, "{err}");
    assert_eq!(sorted_rows(&out), READINGS_ALERTS);
    let (ok, err) = run(&[
        "run".into(),
        "cep-monitoring".into(),
        "--input".into(),
        from,
        "--output".into(),
        broker.url("alerts", "delivery=at-least-once"),
    ]);
    assert!(ok, "{err}");
    assert_eq!(broker.consume("alerts", false), READINGS_ALERTS);
}

/// `args` with 1 s checkpoints into `checkpoints`, reading 5,000 events/s.
fn checkpointed(mut args: Vec<String>, checkpoints: &Path) -> Vec<String> {
    args.extend(["--checkpoint-dir", checkpoints.to_str().unwrap()].map(String::from));
    args.extend(["--checkpoint-interval", "1s", "--rate", "5000"].map(String::from));
    args
}

#[test]
fn exactly_once_to_kafka_through_a_killed_process_equals_an_uninterrupted_run() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-recovery");
    let (input, want) = input_and_reference(&dir);
    broker.produce("events", 2, input.to_str().unwrap());
    let from = broker.url("events", "bounded=true");
    for seed in [1u64, 2, 3] {
        let topic = format!("windows-{seed}");
        let checkpoints = fresh(dir.join(format!("checkpoints-{seed}")));
        let to = broker.url(&topic, "delivery=exactly-once");
        let mut args = checkpointed(job(&from, &to), &checkpoints);
        args.extend(["-p", "2", "-w", "1"].map(String::from));
        let mut running = strom().args(&args).spawn().unwrap();
        // Between 2.0 and 3.5 s in (the input takes 4 s).
        let at = Duration::from_millis(2_000 + seed * 7_919 % 1_500);
        kill_one(&running, &checkpoints, at, seed as usize);
        assert!(!running.wait().unwrap().success(), "seed {seed}: fails");
        let before = broker.consume(&topic, true);
        assert!(
            before.len() < want.len(),
            "seed {seed}: killed before the end"
        );
        args.extend(["--restore", "latest"].map(String::from));
        let (ok, err) = run(&args);
        assert!(ok, "seed {seed}: the restored job completes: {err}");
        let got = broker.consume(&topic, true);
        assert!(
            got == want,
            "seed {seed}, killed at {at:?}: {}",
            diff(&got, &want)
        );
    }
}

/// How many checkpoints of `dir` are complete (hold their marker).
fn complete_checkpoints(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("COMMITTED").exists())
        .count()
}

#[test]
fn exactly_once_to_kafka_through_a_broker_restart_equals_an_uninterrupted_run() {
    let Some(mut broker) = Broker::start_on_s3() else {
        return;
    };
    let dir = scratch("kafka-broker-restart");
    let (input, want) = input_and_reference(&dir);
    broker.produce("events", 2, input.to_str().unwrap());
    let checkpoints = fresh(dir.join("checkpoints"));
    let to = broker.url("windows", "delivery=exactly-once");
    let mut args = checkpointed(
        job(&broker.url("events", "bounded=true"), &to),
        &checkpoints,
    );
    args.extend(["-p", "2", "-w", "1", "--restart-attempts", "3"].map(String::from));
    let mut running = strom().args(&args).spawn().unwrap();
    // Down for 2 s from 300 ms after the second checkpoint's marker: between two
    // commits (each takes about 100 ms, once a second), as Tansu shows the records of
    // a transaction cut by the restart to read_committed readers, where Kafka would not.
    let start = std::time::Instant::now();
    while complete_checkpoints(&checkpoints) < 2 {
        assert!(start.elapsed() < Duration::from_secs(60), "no checkpoints");
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    broker.restart(Duration::from_secs(2));
    assert!(
        running.wait().unwrap().success(),
        "the job rides through the restart or fails over"
    );
    let got = broker.consume("windows", true);
    assert!(got == want, "{}", diff(&got, &want));
}

#[test]
fn a_savepoint_of_2_workers_restored_at_3_loses_and_repeats_nothing() {
    let Some(broker) = Broker::start() else {
        return;
    };
    let dir = scratch("kafka-rescale");
    let (input, want) = input_and_reference(&dir);
    broker.produce("events", 3, input.to_str().unwrap());
    let checkpoints = fresh(dir.join("checkpoints"));
    let to = broker.url("windows", "delivery=exactly-once");
    let args = checkpointed(
        job(&broker.url("events", "bounded=true"), &to),
        &checkpoints,
    );
    let at = |workers: &str| {
        let mut args = args.clone();
        args.extend(["-w", workers].map(String::from));
        args
    };
    let mut running = strom().args(at("2")).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    let savepoint = stop_with_savepoint(&checkpoints);
    assert!(running.wait().unwrap().success(), "the job stops cleanly");
    let before = broker.consume("windows", true);
    assert!(before.len() < want.len(), "stopped before the end");
    let mut again = at("3");
    again.extend(["--restore".to_string(), savepoint]);
    let (ok, err) = run(&again);
    assert!(ok, "the job restored at 3 workers completes: {err}");
    let got = broker.consume("windows", true);
    assert!(got == want, "{}", diff(&got, &want));
}
