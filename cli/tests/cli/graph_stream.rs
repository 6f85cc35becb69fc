//! `strom run graph-stream`: changelogs by hand (components of a small stream with
//! a duplicate edge, removals and a vertex that leaves; the 2-core of a stream that
//! grows, peels and collapses), the built-in data's degrees against
//! a count of the same changes, and exactly-once recovery: the job as 2 processes
//! with checkpoints, one killed with SIGKILL mid-stream and restored with
//! `--restore latest`, publishes exactly the changelog of an uninterrupted run.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use crate::recovery::{assert_same_rows, kill_one_unless_done, published};
use crate::support::{fresh, run_strom, scratch, sorted_rows, strom};

fn lines(text: &str) -> Vec<String> {
    text.lines().map(String::from).collect()
}

/// `strom run graph-stream --algorithm ALGORITHM ARGS.. --changes CHANGES` at `workers`
/// with its changelog and snapshot written under `dir`: their lines.
fn changelog_and_snapshot(
    dir: &Path,
    changes: &Path,
    algorithm: &[&str],
    workers: &str,
) -> (Vec<String>, Vec<String>) {
    let out = fresh(dir.join(format!("log-{workers}.csv")));
    let snapshot = fresh(dir.join(format!("now-{workers}.csv")));
    let mut args = vec!["run", "graph-stream", "--algorithm"];
    args.extend_from_slice(algorithm);
    args.extend([
        "--changes",
        changes.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--snapshot-output",
        snapshot.to_str().unwrap(),
        "-w",
        workers,
    ]);
    run_strom(&args);
    let read = |p: &Path| lines(&std::fs::read_to_string(p).unwrap());
    (read(&out), read(&snapshot))
}

#[test]
fn components_changelog_by_hand() {
    let dir = scratch("graph-stream-hand");
    let changes = dir.join("changes.csv");
    // Time 1: 1-2 and 2-3, 7-8. Time 2: 3-7 joins them; 1-2 twice. Time 3: 3-7 goes.
    // Time 4: one copy of 1-2 goes (the other keeps it). Time 5: 2-3 goes, and with
    // it vertex 3 (no edge left).
    std::fs::write(
        &changes,
        "time,source,target,diff\n1,1,2,1\n1,2,3,1\n1,8,7,1\n2,3,7,1\n2,1,2,1\n\
         3,3,7,-1\n4,1,2,-1\n5,2,3,-1\n",
    )
    .unwrap();
    let want = lines(
        "time,vertex,value,diff\n1,1,1,1\n1,2,1,1\n1,3,1,1\n1,7,7,1\n1,8,7,1\n\
         2,7,1,1\n2,7,7,-1\n2,8,1,1\n2,8,7,-1\n3,7,1,-1\n3,7,7,1\n3,8,1,-1\n3,8,7,1\n\
         5,3,1,-1\n",
    );
    let printed = run_strom(&[
        "run",
        "graph-stream",
        "--algorithm",
        "connected-components",
        "--changes",
        changes.to_str().unwrap(),
    ]);
    assert_eq!(lines(&String::from_utf8(printed.stdout).unwrap()), want);
    let (log, snapshot) = changelog_and_snapshot(&dir, &changes, &["connected-components"], "2");
    assert_eq!(log, want);
    assert_eq!(snapshot, lines("vertex,value\n1,1\n2,1\n7,7\n8,7\n"));
}

/// The 2-core as edges come and go (hand-peeled): a triangle with a tail, a cycle that
/// takes the tail in, a vertex peeled off, a duplicate edge whose last copy brings the
/// whole core down, a self-loop that counts for nothing, and the triangle back.
#[test]
fn k_core_changelog_by_hand() {
    let dir = scratch("graph-stream-k-core");
    let changes = dir.join("changes.csv");
    // 1: triangle 1-2-3 and tail 3-4: core {1,2,3}. 2: 4-5 and 5-1 close a cycle
    // 1-3-4-5 (and a self-loop on 5): core {1..5}. 3: 2-3 goes, 2 keeps only 1: out.
    // 4: a second 4-5. 5: one 4-5 goes (one is left). 6: the last 4-5 goes: 4 and 5
    // keep one neighbour each, then 1 and 3 too: the core is empty. 7: 2-3 again:
    // triangle 1-2-3.
    std::fs::write(
        &changes,
        "time,source,target,diff\n1,1,2,1\n1,2,3,1\n1,3,1,1\n1,3,4,1\n\
         2,4,5,1\n2,5,1,1\n2,5,5,1\n3,2,3,-1\n4,4,5,1\n5,4,5,-1\n6,4,5,-1\n7,2,3,1\n",
    )
    .unwrap();
    let want = lines(
        "time,vertex,value,diff\n1,1,1,1\n1,2,1,1\n1,3,1,1\n2,4,1,1\n2,5,1,1\n\
         3,2,1,-1\n6,1,1,-1\n6,3,1,-1\n6,4,1,-1\n6,5,1,-1\n7,1,1,1\n7,2,1,1\n7,3,1,1\n",
    );
    for workers in ["1", "2"] {
        let (log, snapshot) =
            changelog_and_snapshot(&dir, &changes, &["k-core", "--k", "2"], workers);
        assert_eq!(log, want, "{workers} workers");
        assert_eq!(
            snapshot,
            lines("vertex,value\n1,1\n2,1\n3,1\n"),
            "{workers} workers"
        );
    }
}

#[test]
fn builtin_degrees_equal_a_count_of_the_changes() {
    let dir = scratch("graph-stream-builtin");
    let snapshot = fresh(dir.join("degrees.csv"));
    let printed = run_strom(&[
        "run",
        "graph-stream",
        "--algorithm",
        "degrees",
        "--scale",
        "6",
        "--batches",
        "3",
        "--snapshot-output",
        snapshot.to_str().unwrap(),
        "-w",
        "3",
    ]);
    let mut degrees: BTreeMap<u64, i64> = BTreeMap::new();
    for (_, c) in strom_jobs::graph_stream::builtin_changes(6, 4, 3).unwrap() {
        *degrees.entry(c.source).or_default() += c.diff;
        *degrees.entry(c.target).or_default() += c.diff;
    }
    let mut want = String::from("vertex,value\n");
    for (v, d) in degrees.iter().filter(|(_, d)| **d > 0) {
        want.push_str(&format!("{v},{d}\n"));
    }
    assert_eq!(std::fs::read_to_string(&snapshot).unwrap(), want);
    let log = String::from_utf8(printed.stdout).unwrap();
    let times: std::collections::BTreeSet<&str> = log
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(times.len(), 6, "3 batches added, 3 removing: {times:?}");
}

/// `count` changes over 250 vertices at 8 per time: insertions, duplicates, and
/// deletions of present edges (more as time goes on).
pub(crate) fn write_changes(path: &Path, count: usize) {
    let mut s = 7u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut present: Vec<(u64, u64)> = Vec::new();
    let mut text = String::from("time,source,target,diff\n");
    for i in 0..count {
        let time = 1_000 + (i / 8) as u64;
        if !present.is_empty() && next() % 100 < 10 + (30 * i / count) as u64 {
            let (s, d) = present.swap_remove((next() % present.len() as u64) as usize);
            text.push_str(&format!("{time},{s},{d},-1\n"));
        } else {
            let (s, d) = (next() % 250, next() % 250);
            present.push((s, d));
            text.push_str(&format!("{time},{s},{d},1\n"));
        }
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_process_killed_mid_stream_and_restored_gives_the_uninterrupted_changelog() {
    let dir = scratch("graph-stream-recovery");
    let changes = dir.join("changes.csv");
    write_changes(&changes, 6_000);
    for algorithm in ["connected-components", "bfs"] {
        let reference = fresh(dir.join(format!("{algorithm}-reference.csv")));
        let base = [
            "run",
            "graph-stream",
            "--algorithm",
            algorithm,
            "--roots",
            "0,1,2",
            "--changes",
            changes.to_str().unwrap(),
        ];
        let mut args: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        run_strom(&[&base[..], &["--output", reference.to_str().unwrap()][..]].concat());
        let want = sorted_rows(&reference);
        assert!(want.len() > 1_000, "{algorithm}: {} rows", want.len());
        let (out, checkpoints) = (
            fresh(dir.join(format!("{algorithm}-out"))),
            fresh(dir.join(format!("{algorithm}-checkpoints"))),
        );
        args.extend(
            [
                "--output",
                out.to_str().unwrap(),
                "--checkpoint-dir",
                checkpoints.to_str().unwrap(),
                "--checkpoint-interval",
                "500ms",
                "-p",
                "2",
                "-w",
                "1",
            ]
            .map(String::from),
        );
        // The input takes 8 s at 750 changes/s; kill one process after 2 s and a
        // committed checkpoint. A loaded machine can take longer than the input to
        // commit the first checkpoint: then the input is read again, slower.
        let mut killed = false;
        for rate in ["750", "250", "80"] {
            let _ = std::fs::remove_dir_all(&out);
            let _ = std::fs::remove_dir_all(&checkpoints);
            let paced: Vec<String> = [&args[..], &["--rate".into(), rate.into()][..]].concat();
            let mut job = strom().args(&paced).spawn().unwrap();
            killed = kill_one_unless_done(&mut job, &checkpoints, Duration::from_millis(2_000), 1);
            if killed {
                assert!(
                    !job.wait().unwrap().success(),
                    "the job fails with its process"
                );
                args = paced;
                break;
            }
            let _ = job.kill();
            let _ = job.wait();
            eprintln!("{algorithm}: the job ended before a checkpoint at {rate} changes/s; slower");
        }
        assert!(
            killed,
            "{algorithm}: no checkpoint committed while the input ran"
        );
        let before = published(&out).len();
        assert!(
            before < want.len(),
            "{algorithm}: killed before the end ({before} rows published, want {})",
            want.len()
        );
        args.extend(["--restore".to_string(), "latest".to_string()]);
        let status = strom().args(&args).status().unwrap();
        assert!(status.success(), "{algorithm}: the restored job completes");
        let got = published(&out);
        assert_same_rows(
            &got,
            &want,
            &format!("{algorithm} ({before} rows before the kill)"),
        );
    }
}
