//! Runs one engine's job as a child process and measures it from outside: wall time,
//! the processing time the job reports (`STROM_BENCH {"processing_s": ...}` on its
//! standard output), and the peak resident memory of the child and all its descendants
//! together (sampled from `/proc` every 20 ms; a JVM started by Python counts).

use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// What one run cost.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Cost {
    /// From spawning the process to its exit.
    pub(crate) wall_s: f64,
    /// What the job reported as its processing (submit to output written).
    pub(crate) processing_s: f64,
    /// Peak resident memory of the process tree, bytes.
    pub(crate) peak_rss: u64,
}

impl Cost {
    /// Start-up and shutdown: everything but processing.
    pub(crate) fn overhead_s(&self) -> f64 {
        (self.wall_s - self.processing_s).max(0.0)
    }
}

/// Runs `cmd` to its end; fails with the tail of its standard error if it fails or does
/// not report its processing time.
pub(crate) fn run(cmd: Command) -> Result<Cost> {
    run_reporting(cmd).map(|(cost, _)| cost)
}

/// As [`run`], also giving every `STROM_BENCH` report the job printed, in order (a
/// suite of queries reports each query's time, and last the whole suite's).
pub(crate) fn run_reporting(mut cmd: Command) -> Result<(Cost, Vec<serde_json::Value>)> {
    let shown = format!("{cmd:?}");
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {shown}"))?;
    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, peak, pid) = (done.clone(), peak.clone(), child.id());
        std::thread::spawn(move || {
            while !done.load(Ordering::Relaxed) {
                peak.fetch_max(tree_rss(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut err_pipe = child.stderr.take().expect("piped");
    let err_reader = std::thread::spawn(move || {
        let _ = err_pipe.read_to_string(&mut stderr);
        stderr
    });
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_string(&mut stdout)?;
    let status = child.wait()?;
    let wall_s = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let stderr = err_reader.join().unwrap_or_default();
    if !status.success() {
        bail!("{shown} failed ({status}):\n{}", tail(&stderr, 15));
    }
    let reports: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("STROM_BENCH "))
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect();
    let processing_s = reports
        .last()
        .and_then(|v| v["processing_s"].as_f64())
        .with_context(|| {
            format!(
                "{shown} reported no processing time:\n{}",
                tail(&stdout, 10)
            )
        })?;
    let cost = Cost {
        wall_s,
        processing_s,
        peak_rss: peak.load(Ordering::Relaxed),
    };
    Ok((cost, reports))
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// Resident bytes of `root` and its descendants now (0 once they are gone).
fn tree_rss(root: u32) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    // (pid, parent) of every process.
    let parents: Vec<(u32, u32)> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // The name is in parentheses and may hold spaces: the parent follows the last ')'.
            let rest = &stat[stat.rfind(')')? + 2..];
            let ppid = rest.split(' ').nth(1)?.parse().ok()?;
            Some((pid, ppid))
        })
        .collect();
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(parents.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    tree.iter().map(|&pid| rss(pid)).sum()
}

/// `VmRSS` of a process, bytes.
fn rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_process_tree() {
        // A shell whose child holds 64 MiB: the tree's peak counts the child.
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(
            "python3 -c 'import time; b = bytearray(64 << 20); time.sleep(0.5)'; \
             echo 'STROM_BENCH {\"processing_s\": 0.25}'",
        );
        let cost = run(cmd).unwrap();
        assert_eq!(cost.processing_s, 0.25);
        assert!(cost.wall_s >= 0.5, "{cost:?}");
        assert!(cost.peak_rss > 64 << 20, "{cost:?}");
        assert!((cost.overhead_s() - (cost.wall_s - 0.25)).abs() < 1e-9);
        let mut silent = Command::new("true");
        silent.arg("x");
        assert!(run(silent).is_err(), "no report is an error");
    }
}
