//! Runs one engine's process and measures it from outside: wall time, the reports it
//! prints (`STROM_BENCH {...}` lines on its standard output, stamped as they arrive:
//! each job's processing time, and last the process's), and the resident memory of the
//! child and all its descendants together, sampled from `/proc` every 20 ms (a JVM
//! started by Python counts), so that the peak while one job ran is known too.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// A `STROM_BENCH {...}` line of the job's standard output, and when it came.
#[derive(Clone, Debug)]
pub(crate) struct Report {
    /// Seconds from the start of the process.
    pub(crate) at_s: f64,
    pub(crate) value: serde_json::Value,
}

/// What a run of a process gave: its cost, its reports, its memory over time, and
/// what went wrong if it failed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Measured {
    pub(crate) cost: Cost,
    pub(crate) reports: Vec<Report>,
    /// (seconds from the start, resident bytes of the process tree), every 20 ms.
    samples: Vec<(f64, u64)>,
    /// The exit status and the tail of standard error, when the process failed.
    pub(crate) error: Option<String>,
}

impl Measured {
    /// The peak resident memory of the process tree between two moments (seconds from
    /// the start), at least the sample just before the first.
    pub(crate) fn peak_between(&self, from_s: f64, to_s: f64) -> u64 {
        let before = self
            .samples
            .iter()
            .take_while(|s| s.0 <= from_s)
            .last()
            .map_or(0, |s| s.1);
        self.samples
            .iter()
            .filter(|s| s.0 >= from_s && s.0 <= to_s)
            .map(|s| s.1)
            .fold(before, u64::max)
    }
}

/// Runs `cmd` to its end, keeping every `STROM_BENCH` report it prints with the time it
/// came (a suite reports each job, and last the suite's processing time). A process
/// that fails is measured too, with `error` set; an error here is one of starting it or
/// of a process that reported nothing.
pub(crate) fn run_reporting(mut cmd: Command) -> Result<Measured> {
    let shown = format!("{cmd:?}");
    let started = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {shown}"))?;
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (done, pid) = (done.clone(), child.id());
        std::thread::spawn(move || {
            let mut samples = Vec::new();
            while !done.load(Ordering::Relaxed) {
                samples.push((started.elapsed().as_secs_f64(), tree_rss(pid)));
                std::thread::sleep(Duration::from_millis(20));
            }
            samples
        })
    };
    let mut stderr = String::new();
    let mut err_pipe = child.stderr.take().expect("piped");
    let err_reader = std::thread::spawn(move || {
        let _ = err_pipe.read_to_string(&mut stderr);
        stderr
    });
    let mut reports = Vec::new();
    let mut last_lines = std::collections::VecDeque::new();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line?;
        let at_s = started.elapsed().as_secs_f64();
        if let Some(value) = line
            .strip_prefix("STROM_BENCH ")
            .and_then(|json| serde_json::from_str(json).ok())
        {
            reports.push(Report { at_s, value });
        }
        last_lines.push_back(line);
        if last_lines.len() > 10 {
            last_lines.pop_front();
        }
    }
    let status = child.wait()?;
    let wall_s = started.elapsed().as_secs_f64();
    done.store(true, Ordering::Relaxed);
    let samples = sampler.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let error =
        (!status.success()).then(|| format!("{shown} failed ({status}):\n{}", tail(&stderr, 15)));
    let processing_s = reports
        .last()
        .and_then(|r| r.value["processing_s"].as_f64());
    if error.is_none() && processing_s.is_none() {
        let out: Vec<String> = last_lines.into();
        bail!("{shown} reported no processing time:\n{}", out.join("\n"));
    }
    let peak_rss = samples.iter().map(|s| s.1).max().unwrap_or(0);
    Ok(Measured {
        cost: Cost {
            wall_s,
            processing_s: processing_s.unwrap_or(f64::NAN),
            peak_rss,
        },
        reports,
        samples,
        error,
    })
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
        // A shell whose child holds 64 MiB, then a stretch without it: the tree's peak
        // counts the child, and the peak between two reports is that of the stretch.
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(
            r#"python3 -c 'import time; b = bytearray(64 << 20); print("STROM_BENCH {\"begin\": \"big\"}", flush=True); time.sleep(0.5)'
               echo 'STROM_BENCH {"begin": "idle"}'; sleep 0.4; echo 'STROM_BENCH {"item": "idle"}'
               echo 'STROM_BENCH {"processing_s": 0.25}'"#,
        );
        let measured = run_reporting(cmd).unwrap();
        assert!(measured.error.is_none());
        let cost = measured.cost;
        assert_eq!(cost.processing_s, 0.25);
        assert!(cost.wall_s >= 0.9, "{cost:?}");
        assert!(cost.peak_rss > 64 << 20, "{cost:?}");
        assert!((cost.overhead_s() - (cost.wall_s - 0.25)).abs() < 1e-9);
        let at = |key: &str, name: &str| {
            let r = measured.reports.iter().find(|r| r.value[key] == name);
            r.unwrap_or_else(|| panic!("{key} {name}: {measured:?}"))
                .at_s
        };
        let big = at("begin", "big");
        let (idle, idle_end) = (at("begin", "idle"), at("item", "idle"));
        assert!(big < idle && idle + 0.3 < idle_end, "{measured:?}");
        assert!(measured.peak_between(big, big + 0.2) > 64 << 20);
        assert!(measured.peak_between(idle + 0.1, idle_end) < 64 << 20);
        let mut silent = Command::new("true");
        silent.arg("x");
        assert!(run_reporting(silent).is_err(), "no report is an error");
        let mut failing = Command::new("sh");
        failing.args([
            "-c",
            "echo 'STROM_BENCH {\"processing_s\": 1}'; echo oops >&2; exit 3",
        ]);
        let failed = run_reporting(failing).unwrap();
        assert!(
            failed.error.as_deref().is_some_and(|e| e.contains("oops")),
            "{failed:?}"
        );
    }
}
