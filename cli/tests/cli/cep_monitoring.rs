//! `strom run cep-monitoring` (Flink's CEP monitoring example) as 2 processes with
//! 500 ms checkpoints, one process killed with SIGKILL mid-job and the job restored
//! with `--restore latest`: its published alerts equal those of an uninterrupted,
//! uncheckpointed run.

use std::time::Duration;

use crate::recovery::{kill_one, published};
use crate::support::{fresh, run_strom, scratch, sorted_rows, strom};

const JOB: [&str; 6] = [
    "run",
    "cep-monitoring",
    "--events",
    "10000",
    "--events-per-second",
    "1000",
];

#[test]
fn cep_monitoring_killed_and_restored_gives_the_uninterrupted_alerts() {
    let dir = scratch("cep-monitoring");
    let reference = fresh(dir.join("reference.csv"));
    let mut args: Vec<&str> = JOB.to_vec();
    args.extend(["--output", reference.to_str().unwrap()]);
    run_strom(&args);
    let want = sorted_rows(&reference);
    assert!(want.len() > 100, "{} alerts", want.len());

    let (out, checkpoints) = (fresh(dir.join("out")), fresh(dir.join("checkpoints")));
    let mut args: Vec<String> = JOB.iter().map(|s| s.to_string()).collect();
    args.extend(
        [
            "--output",
            out.to_str().unwrap(),
            "--checkpoint-dir",
            checkpoints.to_str().unwrap(),
            "--checkpoint-interval",
            "500ms",
            "--rate",
            "2500",
            "-p",
            "2",
            "-w",
            "1",
        ]
        .map(String::from),
    );
    let mut job = strom().args(&args).spawn().unwrap();
    kill_one(&job, &checkpoints, Duration::from_millis(2_000), 1);
    assert!(
        !job.wait().unwrap().success(),
        "the job fails with its process"
    );
    let before = if out.exists() {
        published(&out).len()
    } else {
        0
    };
    assert!(before < want.len(), "killed before the end");
    args.extend(["--restore".to_string(), "latest".to_string()]);
    assert!(
        strom().args(&args).status().unwrap().success(),
        "the restored job completes"
    );
    let got = published(&out);
    assert!(
        got == want,
        "{} alerts after the restore, want {}",
        got.len(),
        want.len()
    );
}
