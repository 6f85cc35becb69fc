//! Exactly-once recovery: `window-agg` as 2 processes with 1 s checkpoints, one
//! process killed with SIGKILL at a random moment, the job restarted with
//! `--restore latest`: the published output equals, sorted, a run that never failed.
//! The input: 20,000 events over 10 keys, disorder within 2 s, values in quarters (sums
//! exact in any order).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{fresh, run_strom, scratch, sorted_rows, strom};

/// The lines of every part file in `dir`, sorted (none while `dir` is not there: a
/// job creates it when it first publishes).
pub(crate) fn published(dir: &Path) -> Vec<String> {
    let mut lines = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return lines;
    };
    for entry in entries {
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

/// Asserts the published rows `got` are `want`, naming a few missing and extra ones.
pub(crate) fn assert_same_rows(got: &[String], want: &[String], context: &str) {
    let missing: Vec<&String> = want.iter().filter(|w| !got.contains(w)).take(5).collect();
    let extra: Vec<&String> = got.iter().filter(|g| !want.contains(g)).take(5).collect();
    assert!(
        got == want,
        "{context}: {} rows, want {}; missing {missing:?}, extra {extra:?}",
        got.len(),
        want.len()
    );
}

/// The pids of `parent`'s children.
pub(crate) fn children(parent: u32) -> Vec<u32> {
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

/// `window-agg` over `input` into `out`, 1 s tumbling windows, 2 s of disorder.
pub(crate) fn window_agg(input: &Path, out: &Path) -> Vec<String> {
    let args = [
        "run",
        "window-agg",
        "--input",
        input.to_str().unwrap(),
        "--window",
        "tumbling:1s",
    ];
    let mut args: Vec<String> = args.into_iter().map(String::from).collect();
    args.extend(
        [
            "--out-of-orderness",
            "2s",
            "--output",
            out.to_str().unwrap(),
        ]
        .map(String::from),
    );
    args
}

/// As [`window_agg`], as 2 processes with 1 s checkpoints, reading 5,000 events/s.
fn job_args(input: &Path, out: &Path, checkpoints: &Path) -> Vec<String> {
    let mut args = window_agg(input, out);
    let more = [
        "--checkpoint-dir",
        checkpoints.to_str().unwrap(),
        "--checkpoint-interval",
        "1s",
    ];
    args.extend(more.map(String::from));
    args.extend(["--rate", "5000", "-p", "2", "-w", "1"].map(String::from));
    args
}

/// Writes the input into `dir` and gives it with the sorted rows of an uninterrupted,
/// uncheckpointed run.
pub(crate) fn input_and_reference(dir: &Path) -> (PathBuf, Vec<String>) {
    let input = dir.join("events.csv");
    crate::window_agg::write_events(&input, 20_000, 2_000);
    let reference = fresh(dir.join("reference.csv"));
    run(&window_agg(&input, &reference));
    (input, sorted_rows(&reference))
}

/// Runs `strom` with `args`, which must succeed.
fn run(args: &[String]) {
    run_strom(&args.iter().map(String::as_str).collect::<Vec<_>>());
}

/// Kills one of `job`'s two processes with SIGKILL (the `pick`-th by pid) once `at`
/// has passed and a first checkpoint has committed (before it there is nothing to
/// restore).
pub(crate) fn kill_one(job: &std::process::Child, checkpoints: &Path, at: Duration, pick: usize) {
    let killed = kill_one_while(|| true, job.id(), checkpoints, at, pick);
    assert!(killed, "no worker processes");
}

/// As [`kill_one`], but gives `false` without killing anything when the job ends
/// first (on a loaded machine its input can run out before a checkpoint commits).
pub(crate) fn kill_one_unless_done(
    job: &mut std::process::Child,
    checkpoints: &Path,
    at: Duration,
    pick: usize,
) -> bool {
    let id = job.id();
    kill_one_while(
        || matches!(job.try_wait(), Ok(None)),
        id,
        checkpoints,
        at,
        pick,
    )
}

/// Waits for `at`, two worker processes and a committed checkpoint while `running`,
/// then kills the `pick`-th process; `false` if `running` stopped first.
fn kill_one_while(
    mut running: impl FnMut() -> bool,
    job: u32,
    checkpoints: &Path,
    at: Duration,
    pick: usize,
) -> bool {
    let start = Instant::now();
    let committed = || {
        std::fs::read_dir(checkpoints)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| e.path().join("COMMITTED").exists())
    };
    let mut victims = Vec::new();
    while start.elapsed() < at || victims.len() < 2 || !committed() {
        if !running() {
            return false;
        }
        victims = children(job);
        std::thread::sleep(Duration::from_millis(20));
        if start.elapsed() > Duration::from_secs(60) {
            return false;
        }
    }
    victims.sort_unstable();
    let victim = victims[pick % 2];
    Command::new("kill")
        .args(["-9", &victim.to_string()])
        .status()
        .unwrap();
    true
}

#[test]
fn a_process_killed_mid_job_and_restored_loses_and_repeats_nothing() {
    let dir = scratch("recovery");
    let (input, want) = input_and_reference(&dir);
    assert!(want.len() > 300);
    for seed in [1u64, 2, 3] {
        let run_dir: PathBuf = dir.join(format!("seed-{seed}"));
        let _ = std::fs::remove_dir_all(&run_dir);
        let (out, checkpoints) = (run_dir.join("out"), run_dir.join("checkpoints"));
        let args = job_args(&input, &out, &checkpoints);
        let mut job = strom().args(&args).spawn().unwrap();
        // Kill one of the two processes between 2.0 and 3.5 s in (the input takes 4 s).
        let at = Duration::from_millis(2_000 + seed * 7_919 % 1_500);
        kill_one(&job, &checkpoints, at, seed as usize);
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
        let got = published(&out);
        assert_same_rows(&got, &want, &format!("seed {seed}, killed at {at:?}"));
    }
}

/// `window-agg` at 2 workers with 500 ms checkpoints, reading `rate` events/s:
/// `(output folder, checkpoint folder, arguments)`, both folders emptied.
fn at_2_workers(dir: &Path, input: &Path, rate: &str) -> (PathBuf, PathBuf, Vec<String>) {
    let (first, checkpoints) = (dir.join("first"), dir.join("checkpoints"));
    let _ = std::fs::remove_dir_all(&first);
    let _ = std::fs::remove_dir_all(&checkpoints);
    let mut args = window_agg(input, &first);
    let more = [
        "--checkpoint-dir",
        checkpoints.to_str().unwrap(),
        "--checkpoint-interval",
        "500ms",
    ];
    args.extend(more.map(String::from));
    args.extend(["--rate", rate, "-w", "2"].map(String::from));
    (first, checkpoints, args)
}

/// Restores `from` at 4 and at 1 workers: with the rows published `before` it, the
/// output must be `want`.
fn restore_at_4_and_1(dir: &Path, input: &Path, from: &str, before: &[String], want: &[String]) {
    for workers in ["4", "1"] {
        let out = dir.join(format!("restored-{workers}"));
        let _ = std::fs::remove_dir_all(&out);
        let mut args = window_agg(input, &out);
        args.extend(["--restore", from, "-w", workers].map(String::from));
        run(&args);
        let mut got = published(&out);
        got.extend(before.iter().cloned());
        got.sort();
        assert!(
            got == want,
            "restored at {workers} workers: {} rows, want {}",
            got.len(),
            want.len()
        );
    }
}

/// The epoch in a part file's name, `part-<epoch>-<worker>.csv`.
fn epoch_of(name: &str) -> u64 {
    name.split('-').nth(1).unwrap().parse().unwrap()
}

#[test]
fn a_checkpoint_of_2_workers_restores_at_4_and_at_1() {
    let dir = scratch("rescale");
    let (input, want) = input_and_reference(&dir);
    // A checkpointed run at 2 workers, to the end.
    let (first, checkpoints, args) = at_2_workers(&dir, &input, "8000");
    run(&args);
    // The oldest checkpoint kept, and the output published up to it.
    let mut kept: Vec<PathBuf> = std::fs::read_dir(&checkpoints)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("COMMITTED").exists())
        .collect();
    kept.sort();
    let chosen = kept.first().expect("a committed checkpoint").clone();
    let epoch: u64 = chosen.file_name().unwrap().to_str().unwrap()[4..]
        .parse()
        .unwrap();
    let mut before = Vec::new();
    for entry in std::fs::read_dir(&first).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("part-") && epoch_of(&name) <= epoch {
            before.extend(
                std::fs::read_to_string(entry.path())
                    .unwrap()
                    .lines()
                    .map(String::from),
            );
        }
    }
    assert!(
        !before.is_empty() && before.len() < want.len(),
        "checkpoint {epoch} is mid-way"
    );
    restore_at_4_and_1(&dir, &input, chosen.to_str().unwrap(), &before, &want);
}

#[test]
fn stop_with_a_savepoint_then_restore_at_4_and_at_1_workers() {
    let dir = scratch("savepoint");
    let (input, want) = input_and_reference(&dir);
    let (first, checkpoints, args) = at_2_workers(&dir, &input, "5000");
    let mut job = strom().args(&args).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(1_500));
    let savepoint = stop_with_savepoint(&checkpoints);
    assert!(savepoint.contains("/savepoint-"), "{savepoint}");
    assert!(job.wait().unwrap().success(), "the job stops cleanly");
    let before = published(&first);
    assert!(before.len() < want.len(), "stopped before the end");
    restore_at_4_and_1(&dir, &input, &savepoint, &before, &want);
    // Another job cannot start from it.
    let other = strom()
        .args(["run", "top-speed-windowing", "--restore", &savepoint])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&other.stderr);
    assert!(
        !other.status.success() && err.contains("written by job \"window-agg\""),
        "{err}"
    );
}

#[test]
fn the_launcher_restarts_a_job_whose_process_died() {
    let dir = scratch("restart");
    let (input, want) = input_and_reference(&dir);
    let (out, checkpoints) = (dir.join("out"), dir.join("checkpoints"));
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&checkpoints);
    let mut args = job_args(&input, &out, &checkpoints);
    args.extend(["--restart-attempts", "1"].map(String::from));
    let mut job = strom().args(&args).spawn().unwrap();
    kill_one(&job, &checkpoints, Duration::from_millis(2_500), 1);
    assert!(
        job.wait().unwrap().success(),
        "restarted from the latest checkpoint"
    );
    assert!(
        published(&out) == want,
        "the restarted job's output is the uninterrupted one"
    );
}

/// The epochs of the committed checkpoints in `checkpoints`.
fn committed_epochs(checkpoints: &Path) -> Vec<u64> {
    let mut epochs: Vec<u64> = std::fs::read_dir(checkpoints)
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("COMMITTED").exists())
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("chk-")?.parse().ok())
        .collect();
    epochs.sort_unstable();
    epochs
}

/// Runs `strom` with `args`, which must succeed; gives its standard error.
fn run_for_stderr(args: &[String]) -> String {
    let out = run_strom(&args.iter().map(String::as_str).collect::<Vec<_>>());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_checkpoint_folder_holds_one_jobs_history() {
    let dir = scratch("checkpoint-folder");
    let (input, want) = input_and_reference(&dir);
    let checkpoints = fresh(dir.join("checkpoints"));
    let args = |out: &str| {
        let mut args = window_agg(&input, &fresh(dir.join(out)));
        let more = ["--checkpoint-dir", checkpoints.to_str().unwrap()];
        args.extend(more.into_iter().map(String::from));
        args.extend(
            [
                "--checkpoint-interval",
                "200ms",
                "--rate",
                "20000",
                "-w",
                "2",
            ]
            .map(String::from),
        );
        args
    };
    run(&args("first"));
    let first = committed_epochs(&checkpoints);
    assert!(!first.is_empty(), "the first run committed checkpoints");

    // A stop request that raced with the end of an earlier job is left behind: the
    // next job must neither take it (stopping at its first checkpoint, publishing
    // nothing) nor keep it.
    std::fs::write(
        checkpoints.join("SAVEPOINT-REQUEST"),
        "stop 00000000deadbeef",
    )
    .unwrap();
    let stderr = run_for_stderr(&args("second"));
    assert!(
        stderr.contains("removed a stale savepoint request"),
        "the second run says it removed the stale request: {stderr}"
    );
    assert!(!checkpoints.join("SAVEPOINT-REQUEST").exists());
    assert_eq!(
        published(&dir.join("second")),
        want,
        "the second run ran to its end"
    );

    // The second run numbers its checkpoints after the first's: the newest is its own.
    let second = committed_epochs(&checkpoints);
    let newest = *second.last().unwrap();
    assert!(
        newest > *first.last().unwrap(),
        "checkpoints {second:?} after the first run's {first:?}"
    );

    // Restoring `latest` says which checkpoint it took.
    let mut restore = window_agg(&input, &fresh(dir.join("restored")));
    let more = [
        "--checkpoint-dir",
        checkpoints.to_str().unwrap(),
        "--restore",
        "latest",
    ];
    restore.extend(more.into_iter().map(String::from));
    let stderr = run_for_stderr(&restore);
    let said = format!(
        "restoring from {}/chk-{newest:010} (checkpoint {newest}, taken 20",
        checkpoints.display()
    );
    assert!(stderr.contains(&said), "want {said:?} in: {stderr}");

    // Another job does not mix its checkpoints into the folder.
    let other = strom()
        .args([
            "run",
            "unique-visitors",
            "--visitors",
            "100",
            "--visits",
            "1000",
        ])
        .args(["--output", fresh(dir.join("visitors")).to_str().unwrap()])
        .args(["--checkpoint-dir", checkpoints.to_str().unwrap()])
        .args(["--checkpoint-interval", "200ms"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(!other.status.success(), "another job is refused");
    assert!(
        stderr.contains("holds checkpoints of job \"window-agg\""),
        "the refusal names the folder's job: {stderr}"
    );
}

/// Stops the job writing checkpoints to `checkpoints` with a savepoint
/// (`strom savepoint --stop`) and gives the savepoint's folder.
pub(crate) fn stop_with_savepoint(checkpoints: &Path) -> String {
    let asked = strom()
        .args([
            "savepoint",
            "--checkpoint-dir",
            checkpoints.to_str().unwrap(),
            "--stop",
        ])
        .output()
        .unwrap();
    assert!(
        asked.status.success(),
        "{}",
        String::from_utf8_lossy(&asked.stderr)
    );
    String::from_utf8(asked.stdout).unwrap().trim().to_string()
}
