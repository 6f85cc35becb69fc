//! Streaming jobs driven end to end: `socket-window-wordcount` against a text server
//! the test runs, its window counts read from the job's output as they fire.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::strom;

/// The count of `word` summed over the `word : count` lines.
pub(crate) fn total(seen: &[String], word: &str) -> u64 {
    seen.iter()
        .map(|l| l.split_once(" : ").expect("word : count"))
        .filter(|(w, _)| *w == word)
        .map(|(_, n)| n.parse::<u64>().unwrap())
        .sum()
}

/// The lines `job` prints, as they come (the channel closes when its output ends).
pub(crate) fn stdout_lines(job: &mut Child) -> mpsc::Receiver<String> {
    let stdout = job.stdout.take().expect("standard output piped");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads `word : count` lines from `rx` until the counts per word (summed over
/// windows: a line's words may straddle a window boundary) reach `want`, or fails.
pub(crate) fn expect_counts(
    rx: &mpsc::Receiver<String>,
    want: &[(&str, u64)],
    seen: &mut Vec<String>,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !want.iter().all(|(w, n)| total(seen, w) == *n) {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("waited for {want:?}, saw {seen:?}"),
        }
    }
}

#[test]
fn socket_window_wordcount_prints_each_window_as_it_fires() {
    let server = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = server.local_addr().unwrap().port().to_string();
    let mut job = strom()
        .args([
            "run",
            "socket-window-wordcount",
            "--hostname",
            "127.0.0.1",
            "--port",
            &port,
        ])
        .args(["--window", "1s", "-w", "2"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let rx = stdout_lines(&mut job);
    let (mut conn, _) = server.accept().unwrap();
    let mut seen = Vec::new();
    conn.write_all(b"hello world hello\r\n").unwrap();
    // Printed while the connection is still open: the window fired on the clock.
    expect_counts(&rx, &[("hello", 2), ("world", 1)], &mut seen);
    conn.write_all(b"to be or not to be\n").unwrap();
    expect_counts(
        &rx,
        &[("to", 2), ("be", 2), ("or", 1), ("not", 1)],
        &mut seen,
    );
    drop(conn);
    let status = job.wait().unwrap();
    assert!(status.success(), "the job ends with its connection");
    let mut rest: Vec<String> = rx.try_iter().collect();
    seen.append(&mut rest);
    let all = [
        ("hello", 2),
        ("world", 1),
        ("to", 2),
        ("be", 2),
        ("or", 1),
        ("not", 1),
    ];
    assert!(all.iter().all(|(w, n)| total(&seen, w) == *n), "{seen:?}");
    let known = |l: &String| all.iter().any(|(w, _)| l.starts_with(&format!("{w} : ")));
    assert!(seen.iter().all(known), "nothing else: {seen:?}");
}

/// A job's output lines, sorted.
fn sorted_lines(out: std::process::Output) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    lines.sort();
    lines
}

/// Flink's `SessionWindowingData` as `session-windowing --input` reads it.
pub(crate) const SESSION_CLICKS: &str = "key,time,count\na,1,1\nb,1,1\nb,3,1\nb,5,1\nc,6,1\n\
    a,10,1\nc,11,1\n";

/// The 3 ms sessions of [`SESSION_CLICKS`] by hand, as `(key,first time,count)`: a at 1
/// and at 10 (9 ms apart), b at 1, 3 and 5 (2 ms gaps: one session of 3), c at 6 and
/// at 11 (5 ms apart). Flink's `SessionWindowingData.EXPECTED` lists the same.
pub(crate) const SESSIONS: [&str; 5] = ["(a,1,1)", "(c,6,1)", "(c,11,1)", "(b,1,3)", "(a,10,1)"];

#[test]
fn session_windowing_gives_flinks_expected_output() {
    let mut want = SESSIONS;
    want.sort_unstable();
    for workers in ["1", "3"] {
        let out = crate::support::run_strom(&["run", "session-windowing", "-w", workers]);
        assert_eq!(sorted_lines(out), want, "{workers} workers");
    }
    // The same records from a file, the sessions to a file (sorted by time and key).
    let dir = crate::support::scratch("sessions");
    let (input, output) = (dir.join("clicks.csv"), dir.join("sessions.txt"));
    std::fs::write(&input, SESSION_CLICKS).unwrap();
    let output = crate::support::fresh(output);
    crate::support::run_strom(&[
        "run",
        "session-windowing",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
        "-w",
        "2",
    ]);
    let written = std::fs::read_to_string(&output).unwrap();
    let by_time = ["(a,1,1)", "(b,1,3)", "(c,6,1)", "(a,10,1)", "(c,11,1)"];
    assert_eq!(written.lines().collect::<Vec<_>>(), by_time);
}

/// Cars for `top-speed-windowing`, and their firings worked by hand ([`CAR_FIRINGS`]).
pub(crate) const CARS: &str = "car,speed,distance,time\n0,50,0,0\n1,90,0,0\n0,60,20,100\n\
    1,80,51,100\n0,55,40,200\n0,70,60,300\n0,40,100,11000\n0,45,120,11100\n";

/// The firings of [`CARS`], sorted: car 0 fires at 60 m (top of all four: 70) and at
/// 120 m (top of the last 10 s: 45); car 1 at 51 m (90).
pub(crate) const CAR_FIRINGS: [&str; 3] = ["(0,45,120,11100)", "(0,70,60,300)", "(1,90,0,0)"];

#[test]
fn top_speed_windowing_fires_every_50_m_over_the_last_10_s() {
    let dir = crate::support::scratch("top-speed");
    let input = dir.join("cars.csv");
    std::fs::write(&input, CARS).unwrap();
    let out = crate::support::run_strom(&[
        "run",
        "top-speed-windowing",
        "--input",
        input.to_str().unwrap(),
        "-w",
        "2",
    ]);
    assert_eq!(sorted_lines(out), CAR_FIRINGS);
}
