//! Event-time latency at a fixed input rate, the same way for every engine: each engine
//! generates RATE events/s stamped with the wall clock as they are made, counts them in
//! 1 s tumbling event-time windows per key, and prints every window result to its
//! standard output as the window fires; `strom-bench` stamps each line as it arrives.
//! Latency is that arrival time minus the window's end (the event time of the record
//! that closes it). Windows ending in the warm-up or after the run's last full second
//! are left out. Spark's number depends on its micro-batch trigger, which the report
//! shows.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::rc::Rc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use strom_core::RuntimeConfig;
use strom_datastream::{Generator, Timestamps, WatermarkStrategy, execute};

/// Settings of a latency run.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    pub(crate) rate: u64,
    pub(crate) seconds: u64,
    pub(crate) warm_up: u64,
    pub(crate) keys: u64,
    /// Spark's trigger interval (0: micro-batches back to back).
    pub(crate) spark_trigger_ms: u64,
}

/// Flink's default auto-watermark interval, which Strom is given too.
pub(crate) const WATERMARK_INTERVAL_MS: u64 = 200;

fn wall_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The latencies (ms) of `cmd`'s window results, sorted.
pub(crate) fn measure(mut cmd: Command, s: Settings) -> Result<Vec<i64>> {
    let shown = format!("{cmd:?}");
    let started = wall_ms();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {shown}"))?;
    let mut arrivals = Vec::new();
    for line in BufReader::new(child.stdout.take().expect("piped")).lines() {
        let line = line?;
        let at = wall_ms();
        // The window's end: the first whole number of 13 digits or more (epoch ms).
        let end = line
            .split(|c: char| !c.is_ascii_digit())
            .find(|t| t.len() >= 13)
            .and_then(|t| t.parse::<i64>().ok());
        if let Some(end) = end {
            arrivals.push((end, at));
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    let (from, to) = (
        started + (s.warm_up * 1000) as i64,
        started + (s.seconds * 1000) as i64 - 1000,
    );
    let mut latencies: Vec<i64> = arrivals
        .into_iter()
        .filter(|&(end, _)| end >= from && end <= to)
        .map(|(end, at)| at - end)
        .collect();
    latencies.sort_unstable();
    if latencies.is_empty() {
        bail!("{shown} printed no window result in the measured span");
    }
    Ok(latencies)
}

/// `strom-bench engine strom-latency WORKERS RATE SECONDS KEYS`: Strom's side.
pub(crate) fn run_strom(workers: usize, rate: u64, seconds: u64, keys: u64) -> Result<()> {
    let events = rate * seconds;
    let t0 = Instant::now();
    execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            env.with_auto_watermark_interval(Duration::from_millis(WATERMARK_INTERVAL_MS))
                .generate(
                    Generator {
                        count: Some(events),
                        rate: Some(rate as f64),
                    },
                    move |i| (wall_ms(), i % keys),
                    Timestamps::Event(Rc::new(|e: &(i64, u64)| e.0)),
                    WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
                )
                .key_by(|e: &(i64, u64)| e.1)
                .tumbling_window(Duration::from_secs(1))
                .aggregate(|| 0u64, |n, _| *n += 1, |n| n)
                .map(|w| {
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{},{},{}", w.key, w.end, w.value);
                    let _ = out.flush();
                })
        },
    )?;
    println!(
        "STROM_BENCH {{\"processing_s\": {}}}",
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

/// p50, p99 and max of sorted latencies.
pub(crate) fn percentiles(sorted: &[i64]) -> (i64, i64, i64) {
    let at = |p: f64| sorted[((sorted.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.99), *sorted.last().expect("non-empty"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies_from_printed_lines() {
        // Window ends one second before the start and two seconds after it: only the
        // second is in the span; it arrives about 0.3 s after the script starts.
        let now = wall_ms();
        let script = format!(
            "echo 'Batch: 1'; echo '|k|{}|5|'; sleep 0.3; echo '1> +I[3, {}, 100]'",
            now - 1000,
            now + 200
        );
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(script);
        let settings = Settings {
            rate: 1,
            seconds: 5,
            warm_up: 0,
            keys: 1,
            spark_trigger_ms: 0,
        };
        let got = measure(cmd, settings).unwrap();
        assert_eq!(got.len(), 1);
        assert!((50..1000).contains(&got[0]), "{got:?}");
        assert_eq!(percentiles(&[1, 2, 3, 4, 100]), (3, 100, 100));
    }
}
