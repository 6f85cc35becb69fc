//! `strom-bench window-agg`: the event-time tumbling window count/sum per key of
//! `strom run window-agg`, on generated events.
//!
//! - Throughput: a fixed number of events as fast as the generator can make them,
//!   beside a single-threaded hand-written aggregation of the same events (results
//!   checked equal first); events/s per worker.
//! - Latency: events at a fixed rate, each stamped with the wall clock when made;
//!   for every window result, the time from the window's end (the event time of the
//!   record that closed it: the first at or after the end) to the result leaving the
//!   window operator; p50, p99 and max.

use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use rustc_hash::FxHashMap;
use strom_core::RuntimeConfig;
use strom_core::keys::stable_hash;
use strom_datastream::{Generator, Timestamps, WatermarkStrategy, execute};

/// Window length (ms) and disorder bound (ms) of the throughput run.
const WINDOW: i64 = 1_000;
const BOUND: i64 = 500;

/// Event `i` of the throughput run: 100 events per ms of event time, disorder within
/// the bound, `keys` keys.
fn event(i: u64, keys: u64) -> (i64, u64, i64) {
    let h = stable_hash(&i);
    let ts = (i / 100) as i64 - (h % BOUND as u64) as i64;
    (ts, (h >> 20) % keys, (i % 100) as i64)
}

type Row = (u64, i64, u64, i64);

fn baseline(events: u64, keys: u64) -> Vec<Row> {
    let mut windows: FxHashMap<(u64, i64), (u64, i64)> = FxHashMap::default();
    for i in 0..events {
        let (ts, key, value) = event(i, keys);
        let acc = windows
            .entry((key, ts - ts.rem_euclid(WINDOW)))
            .or_default();
        acc.0 += 1;
        acc.1 += value;
    }
    let mut rows: Vec<Row> = windows
        .into_iter()
        .map(|((k, s), (n, v))| (k, s, n, v))
        .collect();
    rows.sort_unstable();
    rows
}

fn strom(workers: usize, events: u64, keys: u64) -> Result<Vec<Row>> {
    strom_with(RuntimeConfig::default().with_workers(workers), events, keys)
}

fn strom_with(config: RuntimeConfig, events: u64, keys: u64) -> Result<Vec<Row>> {
    let rows = execute(&config, move |env| {
        env.generate(
            Generator {
                count: Some(events),
                rate: None,
            },
            move |i| event(i, keys),
            Timestamps::Event(Rc::new(|e: &(i64, u64, i64)| e.0)),
            WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(
                BOUND.unsigned_abs(),
            )),
        )
        .key_by(|e: &(i64, u64, i64)| e.1)
        .tumbling_window(Duration::from_millis(WINDOW.unsigned_abs()))
        .aggregate(
            || (0u64, 0i64),
            |acc, e| {
                acc.0 += 1;
                acc.1 += e.2;
            },
            |acc| acc,
        )
        .map(|w| (w.key, w.start, w.value.0, w.value.1))
    })?;
    let mut rows = rows.unwrap_or_default();
    rows.sort_unstable();
    Ok(rows)
}

fn wall_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Latencies (µs) of every window result at `rate` events/s for `seconds`.
fn latencies(
    workers: usize,
    rate: f64,
    seconds: f64,
    keys: u64,
    interval_ms: u64,
) -> Result<Vec<i64>> {
    let samples = Arc::new(Mutex::new(Vec::new()));
    let sink = samples.clone();
    let events = (rate * seconds) as u64;
    execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            let sink = sink.clone();
            env.with_auto_watermark_interval(Duration::from_millis(interval_ms))
                .generate(
                    Generator {
                        count: Some(events),
                        rate: Some(rate),
                    },
                    move |i| (wall_micros() / 1_000, stable_hash(&i) % keys, 1i64),
                    Timestamps::Event(Rc::new(|e: &(i64, u64, i64)| e.0)),
                    WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
                )
                .key_by(|e: &(i64, u64, i64)| e.1)
                .tumbling_window(Duration::from_millis(100))
                .aggregate(|| 0u64, |n, _| *n += 1, |n| n)
                .map(move |w| {
                    let lag = wall_micros() - w.end * 1_000;
                    sink.lock().unwrap().push((w.end, lag));
                })
        },
    )?;
    let samples = samples.lock().unwrap().clone();
    // The last window fires when the generator ends, not because a record closed it.
    let last = samples.iter().map(|s| s.0).max().unwrap_or(0);
    let mut all: Vec<i64> = samples
        .into_iter()
        .filter(|s| s.0 < last)
        .map(|s| s.1)
        .collect();
    all.sort_unstable();
    Ok(all)
}

fn percentile(sorted: &[i64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i] as f64 / 1_000.0
}

/// Runs both parts.
/// Throughput with checkpoints every `interval_ms` against none, at `workers`, on
/// `events` events: the ratio, and the committed checkpoints' count and size.
pub(crate) fn bench_checkpoints(
    workers: usize,
    runs: usize,
    events: u64,
    keys: u64,
    interval_ms: u64,
) -> Result<()> {
    println!(
        "window-agg with checkpoints every {interval_ms} ms against none: {events} events, {workers} workers"
    );
    let expected = baseline(events, keys);
    let (mut plain, mut checked) = (Vec::new(), Vec::new());
    let mut last = (0usize, 0u64);
    for _ in 0..runs {
        let start = Instant::now();
        let got = strom(workers, events, keys)?;
        plain.push(start.elapsed().as_secs_f64());
        if got != expected {
            bail!("windows differ from the baseline's: no numbers reported");
        }
        let dir = std::env::temp_dir().join(format!("strom-bench-ckpt-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = RuntimeConfig::default().with_workers(workers);
        config.checkpoint_dir = Some(dir.to_string_lossy().into_owned());
        config.checkpoint_interval = Some(Duration::from_millis(interval_ms));
        let start = Instant::now();
        let got = strom_with(config, events, keys)?;
        checked.push(start.elapsed().as_secs_f64());
        if got != expected {
            bail!("windows with checkpoints differ from the baseline's: no numbers reported");
        }
        let committed = strom_datastream::checkpoint::committed(&dir.to_string_lossy())?;
        let bytes: u64 = committed
            .first()
            .map(|c| walk_bytes(std::path::Path::new(&c.url)))
            .unwrap_or(0);
        last = (committed.len(), bytes);
        let _ = std::fs::remove_dir_all(&dir);
    }
    let (p, c) = (crate::median(plain), crate::median(checked));
    println!("\n| checkpoints | seconds | events/s | relative |");
    println!("|---|---|---|---|");
    println!("| none | {p:.2} | {:.0} | 1 |", events as f64 / p);
    println!(
        "| every {interval_ms} ms | {c:.2} | {:.0} | {:.3} |",
        events as f64 / c,
        p / c
    );
    println!(
        "(last run: {} committed checkpoints kept, newest {} bytes)",
        last.0, last.1
    );
    Ok(())
}

/// Bytes of the files under `dir`.
fn walk_bytes(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let p = e.path();
            if p.is_dir() {
                walk_bytes(&p)
            } else {
                e.metadata().map_or(0, |m| m.len())
            }
        })
        .sum()
}

pub(crate) fn bench(
    workers: &[usize],
    runs: usize,
    events: u64,
    keys: u64,
    rate: f64,
    seconds: f64,
) -> Result<()> {
    println!("window-agg: tumbling {WINDOW} ms windows, count and sum per key, {keys} keys");
    println!("throughput: {events} events, disorder up to {BOUND} ms (watermark bound {BOUND} ms)");
    let mut base_times = Vec::new();
    let mut strom_times: Vec<Vec<f64>> = vec![Vec::new(); workers.len()];
    for _ in 0..runs {
        let start = Instant::now();
        let expected = baseline(events, keys);
        base_times.push(start.elapsed().as_secs_f64());
        for (slot, &w) in workers.iter().enumerate() {
            let start = Instant::now();
            let got = strom(w, events, keys)?;
            strom_times[slot].push(start.elapsed().as_secs_f64());
            if got != expected {
                bail!(
                    "strom's windows at {w} workers differ from the baseline's: no numbers reported"
                );
            }
        }
    }
    let per_s = |t: f64| events as f64 / t;
    let base = crate::median(base_times);
    println!(
        "\n| engine | workers | seconds | events/s | events/s per worker | strom / baseline per worker |"
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| hand-written, 1 thread | 1 | {base:.2} | {:.0} | {:.0} | 1 |",
        per_s(base),
        per_s(base)
    );
    for (slot, &w) in workers.iter().enumerate() {
        let t = crate::median(strom_times[slot].clone());
        println!(
            "| strom | {w} | {t:.2} | {:.0} | {:.0} | {:.3} |",
            per_s(t),
            per_s(t) / w as f64,
            per_s(t) / w as f64 / per_s(base)
        );
    }
    println!("(window results equal to the baseline's)");
    println!(
        "\nlatency: {rate} events/s for {seconds} s, 100 ms tumbling windows, event time = wall clock when made"
    );
    println!("\n| workers | auto-watermark interval ms | windows | p50 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|");
    for &w in workers {
        for interval in [10, 200] {
            let l = latencies(w, rate, seconds, keys, interval)?;
            println!(
                "| {w} | {interval} | {} | {:.2} | {:.2} | {:.2} |",
                l.len(),
                percentile(&l, 0.5),
                percentile(&l, 0.99),
                percentile(&l, 1.0)
            );
        }
    }
    Ok(())
}
