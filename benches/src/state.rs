//! `strom-bench state`: checkpoint size and duration, and recovery time, for a keyed
//! state of a given size on each backend.
//!
//! A job reads `keys` distinct keys and keeps a value of `value_bytes` per key in a
//! `ValueState`; its source then waits, the job checkpointing on its interval, until a
//! committed checkpoint holds every key. That checkpoint's size and the time its
//! operators took to write it are reported; then a second run restores it and, with
//! nothing left to read, ends: its wall time is the recovery time (restoring the state
//! and starting the job).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use strom_core::RuntimeConfig;
use strom_core::state::{DiskOptions, StateBackend};
use strom_datastream::checkpoint::{Restored, committed};
use strom_datastream::process::{Context, KeyedProcessFunction, ValueState};
use strom_datastream::{Poll, Position, SplitReader, Timestamps, WatermarkStrategy};

/// Keys `me, me + peers, ...` below `keys`, then nothing until told to stop.
struct KeysThenWait {
    keys: u64,
    me: u64,
    peers: u64,
    made: u64,
    stop: Arc<AtomicBool>,
}

impl KeysThenWait {
    fn share(&self) -> u64 {
        self.keys / self.peers + u64::from(self.me < self.keys % self.peers)
    }
}

impl SplitReader<u64> for KeysThenWait {
    fn read(&mut self, out: &mut Vec<u64>, max: usize) -> Poll {
        let share = self.share();
        while out.len() < max && self.made < share {
            out.push(self.me + self.made * self.peers);
            self.made += 1;
        }
        if self.made < share {
            Poll::Ready
        } else if self.stop.load(Ordering::Relaxed) {
            Poll::Done
        } else {
            Poll::Pending(Duration::from_millis(50))
        }
    }
    fn position(&self) -> Position {
        Position::Records(self.made)
    }
    fn seek(&mut self, position: &Position) -> Result<(), String> {
        self.made = position.records()?;
        Ok(())
    }
}

/// Keeps `bytes` bytes per key.
struct Keep {
    value: ValueState<Vec<u8>>,
    bytes: usize,
}

impl KeyedProcessFunction<u64, u64> for Keep {
    type Out = ();
    type Side = ();
    fn process_element(&mut self, key: u64, ctx: &mut Context<'_, u64, (), ()>) {
        self.value.update(ctx, vec![key as u8; self.bytes]);
    }
}

fn job(config: &RuntimeConfig, keys: u64, bytes: usize, stop: &Arc<AtomicBool>) -> Result<()> {
    let stop = stop.clone();
    strom_datastream::run(config, move |env| {
        let reader = KeysThenWait {
            keys,
            me: env.index() as u64,
            peers: env.peers() as u64,
            made: 0,
            stop: stop.clone(),
        };
        env.source(
            "keys",
            reader,
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .key_by(|k: &u64| *k)
        .process(Keep {
            value: ValueState::new("value"),
            bytes,
        });
    })?;
    Ok(())
}

fn records(c: &Restored) -> u64 {
    c.marker
        .positions
        .values()
        .flat_map(|s| s.values())
        .map(|p| match p {
            Position::Records(n) => *n,
            _ => 0,
        })
        .sum()
}

/// One backend: (checkpoint bytes, operator snapshot ms, recovery s).
fn measure(
    base: RuntimeConfig,
    keys: u64,
    bytes: usize,
    interval_ms: u64,
) -> Result<(u64, u64, f64)> {
    let dir = tempfile::tempdir()?;
    let url = dir.path().to_string_lossy().into_owned();
    let mut config = base.clone();
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(interval_ms));
    let stop = Arc::new(AtomicBool::new(false));
    let running = {
        let (config, stop) = (config.clone(), stop.clone());
        std::thread::spawn(move || job(&config, keys, bytes, &stop))
    };
    loop {
        if running.is_finished() {
            running.join().expect("the job thread")?;
            bail!("the job ended before a checkpoint held every key");
        }
        if committed(&url)?.iter().any(|c| records(c) == keys) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    running.join().expect("the job thread")?;
    // The newest (older ones may be retired by now): it holds every key too.
    let Some(full) = committed(&url)?.into_iter().find(|c| records(c) == keys) else {
        bail!("no committed checkpoint holds every key");
    };
    let mut again = base;
    again.restore = Some(full.url.clone());
    let started = Instant::now();
    job(&again, keys, bytes, &Arc::new(AtomicBool::new(true)))?;
    let recovery = started.elapsed().as_secs_f64();
    Ok((full.marker.bytes, full.marker.snapshot_ms, recovery))
}

/// Runs the benchmark on both backends and prints a table.
pub(crate) fn bench_state(
    workers: usize,
    keys: u64,
    value_bytes: usize,
    interval_ms: u64,
) -> Result<()> {
    println!(
        "keyed state of {keys} keys x {value_bytes} bytes, {workers} workers, checkpoints every {interval_ms} ms"
    );
    println!("\n| backend | checkpoint MB | snapshot s | recovery s |");
    println!("|---|---|---|---|");
    for (name, backend) in [
        ("heap", StateBackend::Heap),
        ("disk", StateBackend::Disk(DiskOptions::default())),
    ] {
        let mut config = RuntimeConfig::default().with_workers(workers);
        config.state_backend = backend;
        let (bytes, snapshot_ms, recovery) = measure(config, keys, value_bytes, interval_ms)?;
        println!(
            "| {name} | {:.0} | {:.2} | {recovery:.2} |",
            bytes as f64 / 1e6,
            snapshot_ms as f64 / 1e3
        );
    }
    Ok(())
}
