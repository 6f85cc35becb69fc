//! A cluster across hosts: three Linux network namespaces with addresses of their own
//! ([`crate::support::netns`]), one `strom` process in each, wired by a host file of
//! those addresses (`--hosts FILE --process-index I`), sharing a folder for inputs,
//! outputs and checkpoints as hosts share a network file system or an object store.
//!
//! - wordcount and TPC-H Q3 give the bytes of a single process;
//! - window-agg with checkpoints, one host's process killed with SIGKILL: the others
//!   fail within seconds naming the broken connection, and the job restored on all
//!   three hosts, or on two, publishes exactly what an uninterrupted run does;
//! - a host that never comes up: the others fail after `--connect-timeout`, naming it.
//!
//! The tests need root (to make namespaces): elsewhere they say so and skip.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::netns::{Ended, Hosts};
use crate::support::{fresh, run_strom, scratch, skip, tpch_data};

/// How long a process that should end by itself gets before the test calls it a hang.
const PATIENCE: Duration = Duration::from_secs(120);

/// `count` hosts for `test`, or `None` (the test says why it skips) where network
/// namespaces cannot be made.
fn hosts(test: &str, count: usize) -> Option<Hosts> {
    match Hosts::new(count) {
        Ok(h) => Some(h),
        Err(why) => {
            skip(test, &why);
            None
        }
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| (*a).to_string()).collect()
}

/// Starts `strom args` on the hosts `which`, as those processes of a cluster of
/// `size` (a host file of the first `size` hosts, written into `dir`); gives the
/// started processes' numbers, in the order of `which`.
fn start(
    hosts: &mut Hosts,
    size: usize,
    which: &[usize],
    dir: &Path,
    args: &[String],
) -> Vec<usize> {
    let file = dir.join(format!("hosts-{size}.txt"));
    hosts.write_host_file(&file, size);
    which
        .iter()
        .map(|&i| {
            let mut cmd = hosts.strom(i);
            cmd.args(args)
                .arg("--hosts")
                .arg(&file)
                .args(["--process-index", &i.to_string()]);
            hosts.spawn(&mut cmd)
        })
        .collect()
}

/// Waits for the started processes, which must all succeed.
fn all_succeed(hosts: &mut Hosts, started: &[usize], what: &str) {
    for (i, &n) in started.iter().enumerate() {
        let ended = hosts
            .wait(n, PATIENCE)
            .unwrap_or_else(|| panic!("{what}: process {i} still runs after {PATIENCE:?}"));
        assert!(
            ended.status.success(),
            "{what}: process {i} failed ({}):\n{}",
            ended.status,
            ended.stderr
        );
    }
}

/// Runs `strom job` (which writes `--output`) as one process, then on three hosts of
/// two workers each: both must write the same bytes, which it gives (`None` where the
/// hosts cannot be made).
fn same_bytes_on_three_hosts(test: &str, job: &[&str]) -> Option<Vec<u8>> {
    let mut hosts = hosts(test, 3)?;
    let dir = scratch(&format!("cluster-{test}"));
    let single = fresh(dir.join("single.out"));
    run_strom(&[job, &["--output", single.to_str().unwrap()]].concat());
    let spread = fresh(dir.join("three-hosts.out"));
    let mut args = strings(job);
    args.extend(strings(&["--output", spread.to_str().unwrap()]));
    args.extend(strings(&["--workers", "2"]));
    let started = start(&mut hosts, 3, &[0, 1, 2], &dir, &args);
    all_succeed(&mut hosts, &started, test);
    let (single, spread) = (
        std::fs::read(single).unwrap(),
        std::fs::read(spread).unwrap(),
    );
    assert!(
        single == spread,
        "{test}: 3 hosts' output differs from 1 process'"
    );
    Some(spread)
}

#[test]
fn wordcount_on_three_hosts_gives_the_bytes_of_one_process() {
    let corpus = scratch("cluster-corpus").join("corpus");
    crate::wordcount::write_corpus(&corpus);
    let job = ["run", "wordcount", "--input", corpus.to_str().unwrap()];
    let test = "wordcount_on_three_hosts_gives_the_bytes_of_one_process";
    if let Some(spread) = same_bytes_on_three_hosts(test, &job) {
        assert!(
            spread == crate::wordcount::reference(&corpus),
            "3 hosts' output differs from the reference"
        );
    }
}

#[test]
fn tpch_q3_on_three_hosts_gives_the_bytes_of_one_process() {
    let test = "tpch_q3_on_three_hosts_gives_the_bytes_of_one_process";
    let (data, _) = match tpch_data() {
        Ok(d) => d,
        Err(why) => return skip(test, &why),
    };
    let job = [
        "run",
        "tpch",
        "--query",
        "3",
        "--data",
        data.to_str().unwrap(),
    ];
    if let Some(spread) = same_bytes_on_three_hosts(test, &job) {
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tpch/q3.csv");
        let golden = std::fs::read(golden).unwrap();
        crate::tpch::assert_same_answer(3, "on 3 hosts", &spread, &golden);
    }
}

/// window-agg over `input` into `out` (1 s tumbling windows), with 1 s checkpoints into
/// `checkpoints`, reading 4,000 events/s (20,000 events: 5 s), one worker per process.
fn checkpointed(input: &Path, out: &Path, checkpoints: &Path) -> Vec<String> {
    let mut args = crate::recovery::window_agg(input, out);
    args.extend(strings(&[
        "--checkpoint-dir",
        checkpoints.to_str().unwrap(),
        "--checkpoint-interval",
        "1s",
        "--rate",
        "4000",
        "--workers",
        "1",
    ]));
    args
}

/// How a process whose peer went away ends.
const BROKE: &str = "error: job failed: the connection to another process of the cluster broke";

/// Whether a process's standard error holds the job's error line (among those timely's
/// network threads print as they fail).
fn says_broke(stderr: &str) -> bool {
    stderr.lines().any(|l| l.starts_with(BROKE))
}

fn committed(checkpoints: &Path) -> bool {
    std::fs::read_dir(checkpoints)
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.path().join("COMMITTED").exists())
}

/// Runs `args` on the three hosts and kills host `victim`'s process with SIGKILL once
/// 2 s have passed and a checkpoint has committed; the other two must fail, within
/// seconds, naming the broken connection. Gives how long the slower of them took.
fn run_and_kill(
    hosts: &mut Hosts,
    dir: &Path,
    args: &[String],
    checkpoints: &Path,
    victim: usize,
) -> Duration {
    let started = start(hosts, 3, &[0, 1, 2], dir, args);
    let begun = Instant::now();
    while begun.elapsed() < Duration::from_secs(2) || !committed(checkpoints) {
        assert!(begun.elapsed() < PATIENCE, "no checkpoint committed");
        std::thread::sleep(Duration::from_millis(20));
    }
    hosts.kill(started[victim]);
    let killed = Instant::now();
    let mut slowest = Duration::ZERO;
    for (i, &n) in started.iter().enumerate().filter(|(i, _)| *i != victim) {
        let Some(Ended { status, stderr, .. }) = hosts.wait(n, Duration::from_secs(60)) else {
            panic!("process {i} still runs 60 s after process {victim} was killed");
        };
        slowest = slowest.max(killed.elapsed());
        assert!(!status.success(), "process {i} fails with the cluster");
        assert!(
            says_broke(&stderr),
            "process {i} says what happened: {stderr}"
        );
        assert!(
            stderr.contains("timely communication error: reading data"),
            "process {i} names the broken connection: {stderr}"
        );
    }
    let _ = hosts.wait(started[victim], Duration::from_secs(5));
    assert!(
        slowest < Duration::from_secs(10),
        "the others took {slowest:?} to notice"
    );
    slowest
}

/// Kills one host's process of a checkpointed window-agg on 3 hosts, then restores the
/// job on `restore_on` hosts: it must publish exactly the rows of an uninterrupted run.
fn kill_and_restore(name: &str, victim: usize, restore_on: usize) {
    let Some(mut hosts) = hosts(name, 3) else {
        return;
    };
    let dir = scratch(&format!("cluster-{name}"));
    let (input, want) = crate::recovery::input_and_reference(&dir);
    let (out, checkpoints) = (fresh(dir.join("out")), fresh(dir.join("checkpoints")));
    let args = checkpointed(&input, &out, &checkpoints);
    let noticed = run_and_kill(&mut hosts, &dir, &args, &checkpoints, victim);
    eprintln!("{name}: the other processes ended {noticed:?} after process {victim} was killed");
    let before = crate::recovery::published(&out).len();
    assert!(before < want.len(), "killed before the end");
    let mut again = args.clone();
    again.extend(strings(&["--restore", "latest"]));
    let hosts_used: Vec<usize> = (0..restore_on).collect();
    let started = start(&mut hosts, restore_on, &hosts_used, &dir, &again);
    all_succeed(&mut hosts, &started, "the restored job");
    let got = crate::recovery::published(&out);
    crate::recovery::assert_same_rows(&got, &want, &format!("restored on {restore_on} hosts"));
}

#[test]
fn a_host_killed_mid_job_then_all_three_restored_publish_exactly_once() {
    kill_and_restore("killed-restored-on-3", 1, 3);
}

#[test]
fn a_host_killed_mid_job_then_restored_on_two_hosts_publishes_exactly_once() {
    kill_and_restore("killed-restored-on-2", 0, 2);
}

#[test]
fn a_host_that_never_comes_up_fails_the_others_after_the_connect_timeout() {
    let test = "a_host_that_never_comes_up_fails_the_others_after_the_connect_timeout";
    let Some(mut hosts) = hosts(test, 3) else {
        return;
    };
    // Host 0 is off the network: connecting to it times out, nothing refuses.
    hosts.unplug(0);
    let dir = scratch("cluster-never-up");
    let args = strings(&["run", "wordcount", "--connect-timeout", "3s"]);
    let begun = Instant::now();
    let started = start(&mut hosts, 3, &[1, 2], &dir, &args);
    for (i, n) in [1, 2].into_iter().zip(started) {
        let Some(ended) = hosts.wait(n, Duration::from_secs(60)) else {
            panic!("process {i} still waits 60 s in, with a connect timeout of 3 s");
        };
        let took = begun.elapsed();
        assert!(!ended.status.success(), "process {i} fails");
        assert!(
            ended
                .stderr
                .contains("did not connect within 3s (--connect-timeout)")
                && ended.stderr.contains("process 0 at 10.99.0.1:2101"),
            "process {i} names the host that never came up: {}",
            ended.stderr
        );
        assert!(
            took >= Duration::from_secs(3) && took < Duration::from_secs(15),
            "process {i} gave up after {took:?}"
        );
    }
}

#[test]
fn a_host_cut_off_the_network_fails_every_process_within_the_peer_timeout() {
    let test = "a_host_cut_off_the_network_fails_every_process_within_the_peer_timeout";
    let Some(mut hosts) = hosts(test, 3) else {
        return;
    };
    let dir = scratch("cluster-cut-off");
    let input = dir.join("events.csv");
    crate::window_agg::write_events(&input, 20_000, 2_000);
    // 20 s of input at 1,000 events/s: host 1 goes 3 s in.
    let mut args = crate::recovery::window_agg(&input, &fresh(dir.join("out")));
    args.extend(strings(&["--rate", "1000", "--workers", "1"]));
    let started = start(&mut hosts, 3, &[0, 1, 2], &dir, &args);
    std::thread::sleep(Duration::from_secs(3));
    for (i, &n) in started.iter().enumerate() {
        assert!(
            hosts.wait(n, Duration::ZERO).is_none(),
            "process {i} ended before host 1 was cut off"
        );
    }
    // No connection is closed: the others only hear nothing more from host 1 (nor it
    // from them).
    hosts.unplug(1);
    let cut = Instant::now();
    for (i, &n) in started.iter().enumerate() {
        let Some(ended) = hosts.wait(n, Duration::from_secs(90)) else {
            panic!("process {i} still runs 90 s after host 1 was cut off: a hang");
        };
        let took = cut.elapsed();
        eprintln!("{test}: process {i} ended {took:?} after host 1 was cut off");
        assert!(!ended.status.success(), "process {i} fails");
        assert!(
            says_broke(&ended.stderr),
            "process {i} says what happened: {}",
            ended.stderr
        );
        assert!(took < Duration::from_secs(45), "process {i} took {took:?}");
    }
}
