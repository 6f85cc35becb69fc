//! Starting a local cluster: `strom run ... --processes N` (without `--hosts`) re-runs
//! itself N times, wired as a timely cluster on 127.0.0.1, and supervises the processes.
//!
//! Timely reports connection progress on standard output; the supervisor forwards each
//! process's output without those lines, so a job's output stays clean. (In a cluster
//! started from a host file, those lines do reach standard output.)

use std::io::{BufRead, Write};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// Runs this command line as `processes` local processes and waits for all of them.
/// When one fails, the others are stopped; with `restart_attempts` left, all are
/// started again from the latest checkpoint (`--restore latest`), else the run fails.
pub fn run_local_cluster(processes: usize, restart_attempts: u32) -> Result<()> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut left = restart_attempts;
    loop {
        match run_processes(processes, &args) {
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

fn run_processes(processes: usize, args: &[String]) -> Result<()> {
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
    loop {
        let mut alive = 0;
        for (index, slot) in running.iter_mut().enumerate() {
            let Some(child) = slot.as_mut() else { continue };
            match child.try_wait()? {
                None => alive += 1,
                Some(status) if status.success() => *slot = None,
                Some(status) => {
                    *slot = None;
                    let mut rest: Vec<Child> =
                        running.iter_mut().filter_map(Option::take).collect();
                    stop_all(&mut rest);
                    bail!("process {index} of {processes} failed ({status})");
                }
            }
        }
        if alive == 0 {
            for f in forwarders {
                let _ = f.join();
            }
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
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
