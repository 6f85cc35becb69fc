//! Exactly-once recovery: `window-agg` as 2 processes with 1 s checkpoints, one
//! process killed with SIGKILL at a random moment, the job restarted with
//! `--restore latest`: the published output equals, sorted, a run that never failed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{run_strom, scratch, strom};

/// 20,000 events over 10 keys, disorder within 2 s, values in quarters (sums exact in
/// any order).
fn write_events(path: &Path) {
    let mut s = 0x5eed_u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut text = String::from("key,event_time_ms,value\n");
    let mut max = 1_700_000_000_000i64;
    for _ in 0..20_000 {
        max += (next() % 40) as i64;
        let ts = max - (next() % 2_000) as i64;
        let value = (next() % 2_001) as i64 - 1_000;
        text.push_str(&format!("k{},{ts},{}\n", next() % 10, value as f64 / 4.0));
    }
    std::fs::write(path, text).unwrap();
}

/// The lines of every part file in `dir`, sorted.
fn published(dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("part-")
        {
            lines.extend(
                std::fs::read_to_string(&path)
                    .unwrap()
                    .lines()
                    .map(String::from),
            );
        }
    }
    lines.sort();
    lines
}

/// The pids of `parent`'s children.
fn children(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The parent pid is the second field after the command in parentheses.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        if after.split_whitespace().nth(1) == Some(&parent.to_string()) {
            found.push(pid);
        }
    }
    found
}

fn job_args(input: &Path, out: &Path, checkpoints: &Path) -> Vec<String> {
    [
        "run",
        "window-agg",
        "--input",
        input.to_str().unwrap(),
        "--window",
        "tumbling:1s",
        "--out-of-orderness",
        "2s",
        "--output",
        out.to_str().unwrap(),
        "--checkpoint-dir",
        checkpoints.to_str().unwrap(),
        "--checkpoint-interval",
        "1s",
        "--rate",
        "5000",
        "-p",
        "2",
        "-w",
        "1",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

#[test]
fn a_process_killed_mid_job_and_restored_loses_and_repeats_nothing() {
    let dir = scratch("recovery");
    let input = dir.join("events.csv");
    write_events(&input);
    let reference = dir.join("reference.csv");
    run_strom(&[
        "run",
        "window-agg",
        "--input",
        input.to_str().unwrap(),
        "--window",
        "tumbling:1s",
        "--out-of-orderness",
        "2s",
        "--output",
        reference.to_str().unwrap(),
    ]);
    let mut want: Vec<String> = std::fs::read_to_string(&reference)
        .unwrap()
        .lines()
        .skip(1)
        .map(String::from)
        .collect();
    want.sort();
    assert!(want.len() > 300);
    for seed in [1u64, 2, 3] {
        let run_dir: PathBuf = dir.join(format!("seed-{seed}"));
        let _ = std::fs::remove_dir_all(&run_dir);
        let (out, checkpoints) = (run_dir.join("out"), run_dir.join("checkpoints"));
        let args = job_args(&input, &out, &checkpoints);
        let mut job = strom().args(&args).spawn().unwrap();
        // Kill one of the two processes between 2.0 and 3.5 s in (the input takes 4 s).
        let at = Duration::from_millis(2_000 + seed * 7_919 % 1_500);
        let start = Instant::now();
        let mut victims = Vec::new();
        while start.elapsed() < at || victims.len() < 2 {
            victims = children(job.id());
            std::thread::sleep(Duration::from_millis(20));
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no worker processes"
            );
        }
        victims.sort_unstable();
        let victim = victims[(seed as usize) % 2];
        Command::new("kill")
            .args(["-9", &victim.to_string()])
            .status()
            .unwrap();
        let status = job.wait().unwrap();
        assert!(
            !status.success(),
            "seed {seed}: the job fails with its process"
        );
        let before = published(&out).len();
        assert!(before < want.len(), "seed {seed}: killed before the end");
        let mut again = args.clone();
        again.extend(["--restore".to_string(), "latest".to_string()]);
        let status = strom().args(&again).status().unwrap();
        assert!(status.success(), "seed {seed}: the restored job completes");
        assert_eq!(published(&out), want, "seed {seed}: killed at {at:?}");
    }
}
