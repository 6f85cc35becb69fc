//! `strom-bench state`: checkpoint size and duration, and recovery time, for a keyed
//! state of a given size on each backend.
//!
//! A job reads `keys` distinct keys and keeps a value of `value_bytes` per key in a
//! `ValueState`; its source then waits, the job checkpointing on its interval, until a
//! committed checkpoint holds every key. That checkpoint's size and the time its
//! operators took to write it are reported; then a second run restores it and, with
//! nothing left to read, ends: its wall time is the recovery time (restoring the state
//! and starting the job). Then the source sends 1% of the keys again, and the next
//! checkpoint's size and time are reported: on the disk backend, an incremental
//! checkpoint writes only those keys.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use strom_core::RuntimeConfig;
use strom_core::state::{DiskOptions, StateBackend};
use strom_datastream::checkpoint::{Restored, committed};
use strom_datastream::process::{Context, KeyedProcessFunction, ValueState};
use strom_datastream::{Poll, SourceError, SplitReader, Timestamps, WatermarkStrategy};

/// Keys `me, me + peers, ...` below `keys`; once `again` is set, the first
/// `updates` of them (across splits) once more; then nothing until told to stop.
struct KeysThenWait {
    keys: u64,
    updates: u64,
    me: u64,
    peers: u64,
    made: u64,
    again: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl KeysThenWait {
    fn share(&self, of: u64) -> u64 {
        of / self.peers + u64::from(self.me < of % self.peers)
    }
}

impl SplitReader<u64> for KeysThenWait {
    /// Records made.
    type Position = u64;

    fn read(&mut self, out: &mut Vec<u64>, max: usize) -> Poll {
        let share = self.share(self.keys);
        let total = if self.again.load(Ordering::Relaxed) {
            share + self.share(self.updates)
        } else {
            share
        };
        while out.len() < max && self.made < total {
            let i = if self.made < share {
                self.made
            } else {
                self.made - share
            };
            out.push(self.me + i * self.peers);
            self.made += 1;
        }
        if self.made < total {
            Poll::Ready
        } else if self.stop.load(Ordering::Relaxed) {
            Poll::Done
        } else {
            Poll::Pending(Duration::from_millis(50))
        }
    }
    fn position(&self) -> u64 {
        self.made
    }
    fn seek(&mut self, position: &u64) -> Result<(), SourceError> {
        self.made = *position;
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

/// Flags of a run: send the updates, stop.
#[derive(Clone, Default)]
struct Flags {
    again: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

fn job(config: &RuntimeConfig, keys: u64, bytes: usize, flags: &Flags) -> Result<()> {
    let flags = flags.clone();
    strom_datastream::run(config, move |env| {
        let reader = KeysThenWait {
            keys,
            updates: keys / 100,
            me: env.index() as u64,
            peers: env.peers() as u64,
            made: 0,
            again: flags.again.clone(),
            stop: flags.stop.clone(),
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
        .map(|p| p.decode::<u64>().unwrap_or(0))
        .sum()
}

/// One checkpoint: bytes, operator snapshot ms.
type Taken = (u64, u64);

/// Waits for a committed checkpoint under `url` that has read `read` records.
fn wait_for(
    url: &str,
    read: u64,
    running: &std::thread::JoinHandle<Result<()>>,
) -> Result<Restored> {
    loop {
        if running.is_finished() {
            bail!("the job ended before a checkpoint read {read} records");
        }
        if let Some(c) = committed(url)?.into_iter().find(|c| records(c) == read) {
            return Ok(c);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// One backend: the checkpoint holding every key, the next one after 1% of the keys
/// changed, and the recovery time (s) from the first.
fn measure(
    base: RuntimeConfig,
    keys: u64,
    bytes: usize,
    interval_ms: u64,
) -> Result<(Taken, Taken, f64)> {
    let dir = tempfile::tempdir()?;
    let url = dir.path().to_string_lossy().into_owned();
    let mut config = base.clone();
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(interval_ms));
    let flags = Flags::default();
    let running = {
        let (config, flags) = (config.clone(), flags.clone());
        std::thread::spawn(move || job(&config, keys, bytes, &flags))
    };
    let full = match wait_for(&url, keys, &running) {
        Ok(c) => c,
        Err(e) => {
            running.join().expect("the job thread")?;
            return Err(e);
        }
    };
    flags.again.store(true, Ordering::Relaxed);
    let next = wait_for(&url, keys + keys / 100, &running);
    flags.stop.store(true, Ordering::Relaxed);
    running.join().expect("the job thread")?;
    let next = next?;
    let mut again = base;
    again.restore = Some(strom_core::Restore::At(full.url.clone()));
    let started = Instant::now();
    let done = Flags::default();
    done.stop.store(true, Ordering::Relaxed);
    job(&again, keys, bytes, &done)?;
    let recovery = started.elapsed().as_secs_f64();
    // All state the first holds (with the files of earlier checkpoints it builds on);
    // what the next one wrote itself.
    let folder = std::path::Path::new(&full.url);
    let held = full
        .marker
        .files
        .keys()
        .map(|f| std::fs::metadata(folder.join(f)).map_or(0, |m| m.len()))
        .sum();
    Ok((
        (held, full.marker.snapshot_ms),
        (next.marker.bytes, next.marker.snapshot_ms),
        recovery,
    ))
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
    println!(
        "\n| backend | checkpoint MB | snapshot s | recovery s | next checkpoint (1% of keys changed) MB | its snapshot s |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, backend) in [
        ("heap", StateBackend::Heap),
        ("disk", StateBackend::Disk(DiskOptions::default())),
    ] {
        let mut config = RuntimeConfig::default().with_workers(workers);
        config.state_backend = backend;
        let ((bytes, ms), (next_bytes, next_ms), recovery) =
            measure(config, keys, value_bytes, interval_ms)?;
        println!(
            "| {name} | {:.0} | {:.2} | {recovery:.2} | {:.0} | {:.2} |",
            bytes as f64 / 1e6,
            ms as f64 / 1e3,
            next_bytes as f64 / 1e6,
            next_ms as f64 / 1e3
        );
    }
    Ok(())
}
