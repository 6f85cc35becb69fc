//! Starting a local cluster: `strom run ... --processes N` (without `--hosts`) re-runs
//! itself N times, wired as a timely cluster on 127.0.0.1, and supervises the processes.
//!
//! The launcher passes SIGINT and SIGTERM on to its processes and waits for them (they
//! run in a process group of their own, so a terminal's Ctrl-C reaches them once,
//! through it), then exits as they did: 0 after a graceful stop, else 128 + the
//! signal. Each process asks for SIGTERM when the launcher dies, even by SIGKILL
//! ([`crate::signals::follow_launcher`]).
//!
//! Timely reports connection progress on standard output; the supervisor forwards each
//! process's output without those lines, so a job's output stays clean. (In a cluster
//! started from a host file, those lines do reach standard output.)

use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// The environment variable through which a local cluster's processes share the id
/// their launcher gave the job.
pub const JOB_ID: &str = "STROM_JOB_ID";

/// Runs this command line as `processes` local processes and waits for all of them.
/// When one fails, the others are given time to end (`WIND_DOWN`, 40 s: a commit in
/// flight finishes), then killed; with `restart_attempts` left, all are
/// started again from the latest checkpoint (`--restore latest`), else the run fails.
pub fn run_local_cluster(processes: usize, restart_attempts: u32, id: &str) -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut left = restart_attempts;
    let received = crate::signals::watch();
    loop {
        match run_processes(processes, &args, id, &received) {
            Ok(()) => return Ok(()),
            Err(e) if left > 0 => {
                left -= 1;
                eprintln!("{e:#}; restarting from the latest checkpoint ({left} restarts left)");
                if let Some(i) = args.iter().position(|a| a == "--restore") {
                    args.drain(i..(i + 2).min(args.len()));
                }
                args.extend(["--restore".to_string(), "latest".to_string()]);
            }
            Err(e) => return Err(e),
        }
    }
}

fn run_processes(
    processes: usize,
    args: &[String],
    id: &str,
    received: &crate::signals::Received,
) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let addresses = strom_core::config::free_local_addresses(processes)?;
    let exe = std::env::current_exe().context("cannot find the strom executable")?;
    let mut children: Vec<Child> = Vec::new();
    let mut forwarders = Vec::new();
    for index in 0..processes {
        let child = Command::new(&exe)
            .args(args)
            .arg("--process-index")
            .arg(index.to_string())
            .arg("--cluster-addresses")
            .arg(addresses.join(","))
            .env(crate::signals::LAUNCHER_PID, std::process::id().to_string())
            .env(JOB_ID, id)
            .process_group(0)
            .stdout(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start process {index}"));
        match child {
            Ok(mut c) => {
                if let Some(out) = c.stdout.take() {
                    forwarders.push(std::thread::spawn(move || forward_output(out)));
                }
                children.push(c);
            }
            Err(e) => {
                stop_all(&mut children);
                return Err(e);
            }
        }
    }
    let mut running: Vec<Option<Child>> = children.into_iter().map(Some).collect();
    let (mut passed_on, mut failed) = (0, None);
    loop {
        let (signals, last) = received.get();
        if let Some(signal) = last.filter(|_| signals > passed_on) {
            passed_on = signals;
            let alive: Vec<u32> = running.iter().flatten().map(Child::id).collect();
            eprintln!(
                "{signal}: passed on to the job's {} running process(es); waiting for them",
                alive.len()
            );
            for pid in alive {
                crate::signals::send(pid, signal);
            }
        }
        let mut alive = 0;
        for (index, slot) in running.iter_mut().enumerate() {
            let Some(child) = slot.as_mut() else { continue };
            match child.try_wait()? {
                None => alive += 1,
                Some(status) if status.success() => *slot = None,
                Some(status) if last.is_some() => {
                    // Ending on a signal: the others end on theirs, cleaning up.
                    *slot = None;
                    failed.get_or_insert(format!("process {index} of {processes} ({status})"));
                }
                Some(status) => {
                    *slot = None;
                    let mut rest: Vec<Child> =
                        running.iter_mut().filter_map(Option::take).collect();
                    let killed = wind_down(&mut rest, WIND_DOWN);
                    if killed > 0 {
                        eprintln!(
                            "{killed} process(es) still running {WIND_DOWN:?} after process {index} failed: killed"
                        );
                    }
                    bail!("process {index} of {processes} failed ({status})");
                }
            }
        }
        if alive == 0 {
            for f in forwarders {
                let _ = f.join();
            }
            if let (Some(signal), Some(which)) = (last, failed) {
                eprintln!("{signal}: the job's processes have ended, the first by {which}");
                crate::signals::exit(crate::signals::exit_status(signal));
            }
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How long the other processes of a failed run get to end by themselves: longer than
/// a process waits for its commit in flight.
const WIND_DOWN: Duration = Duration::from_secs(crate::signals::COMMIT_GRACE.as_secs() + 10);

/// After one process failed: waits for the others, which fail on their own once their
/// connections to it break, letting a commit in flight finish
/// ([`crate::signals::settle_commits`]); kills those still running after `limit`.
/// Gives how many it killed.
fn wind_down(children: &mut [Child], limit: Duration) -> usize {
    let deadline = std::time::Instant::now() + limit;
    let mut killed = 0;
    for child in children.iter_mut() {
        loop {
            match child.try_wait() {
                Ok(None) if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Ok(None) => {
                    killed += 1;
                    let _ = child.kill();
                    let _ = child.wait();
                    break;
                }
                _ => break,
            }
        }
    }
    killed
}

fn stop_all(children: &mut [Child]) {
    for child in children.iter_mut() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// Copies a child's standard output to ours, without timely's connection messages.
fn forward_output(out: std::process::ChildStdout) {
    let reader = std::io::BufReader::new(out);
    for line in reader.lines() {
        let Ok(line) = line else { break };
        if is_timely_chatter(&line) {
            continue;
        }
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{line}").is_err() {
            break;
        }
    }
}

fn is_timely_chatter(line: &str) -> bool {
    line.starts_with("awaiting connections (at ")
        || (line.starts_with("worker ") && line.contains("connect"))
}
