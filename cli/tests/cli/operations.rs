//! How `strom` behaves as a process: quiet on a closed standard output, one-line reports
//! of failures, `strom jobs` listing what `strom run` runs, and a cluster whose peers
//! never connect failing after `--connect-timeout`.

use std::process::{Output, Stdio};

use crate::support::strom;

/// Runs `strom args` with a standard output whose reading end is already closed.
fn into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    strom()
        .args(args)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .expect("strom runs")
}

#[test]
fn a_closed_standard_output_ends_commands_quietly() {
    for args in [
        &["jobs"][..],
        &["list", "--all", "--json"],
        &["run", "wordcount"],
        &["run", "wordcount", "--workers", "2"],
    ] {
        let out = into_closed_pipe(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "strom {args:?}: {:?}, standard error:\n{stderr}",
            out.status
        );
    }
}

#[test]
fn strom_jobs_lists_every_job_strom_run_knows() {
    let listed = strom().arg("jobs").output().unwrap();
    assert!(listed.status.success());
    let listed: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect();
    // The jobs `strom run --help` names, in its "Commands:" section.
    let help = strom().args(["run", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    let runnable: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect();
    assert!(runnable.contains(&"unique-visitors".to_string()), "{help}");
    assert_eq!(listed, runnable);
}

/// A free port on 127.0.0.1 (nobody listens there once this returns).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn a_cluster_whose_peer_never_connects_fails_naming_it() {
    let dir = crate::support::scratch("operations-connect");
    let hosts = dir.join("hosts.txt");
    let (first, second) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    std::fs::write(&hosts, format!("{first}\n{second}\n")).unwrap();
    // Process 0 waits for process 1, which never starts; process 1 for process 0.
    for (index, missing) in [
        ("0", format!("process 1 at {second}")),
        ("1", format!("process 0 at {first}")),
    ] {
        let out = strom()
            .args(["run", "wordcount", "--hosts", hosts.to_str().unwrap()])
            .args(["--process-index", index, "--connect-timeout", "1s"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "process {index}: {stderr}");
        assert!(
            stderr.contains("did not connect") && stderr.contains(&missing),
            "process {index}: {missing:?} not in: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
