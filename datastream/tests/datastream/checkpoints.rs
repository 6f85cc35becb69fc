//! Checkpoints of keyed state and source positions, and restoring from them: a rolling
//! sum restarted from a checkpoint taken mid-way (at another number of workers) ends with the same totals as the
//! whole input, each record counted once; a corrupt checkpoint is skipped.

use std::collections::BTreeMap;
use std::time::Duration;

use strom_core::state::{DiskOptions, StateBackend};
use strom_core::{Restore, RuntimeConfig};
use strom_datastream::checkpoint::{committed, latest};
use strom_datastream::{
    DataStream, Generator, Poll, SourceError, SplitReader, StreamEnv, Timestamps,
    WatermarkStrategy, execute, generated,
};

const N: u64 = 4_000;

/// Running sums per key of `i % 5 -> i` over `N` records at 4,000/s.
fn rolling(config: &RuntimeConfig) -> Vec<(u64, u64)> {
    rolling_by(config, 5)
}

/// Running sums per key of `i % keys -> i` over `N` records at 4,000/s.
fn rolling_by(config: &RuntimeConfig, keys: u64) -> Vec<(u64, u64)> {
    execute(config, move |env| {
        env.generate(
            Generator {
                count: Some(N),
                rate: Some(4_000.0),
            },
            move |i| (i % keys, i),
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .key_by(|r: &(u64, u64)| r.0)
        .sum(|r| &mut r.1)
    })
    .unwrap()
    .unwrap()
}

fn totals() -> BTreeMap<u64, u64> {
    let mut t = BTreeMap::new();
    for i in 0..N {
        *t.entry(i % 5).or_default() += i;
    }
    t
}

#[test]
fn a_rolling_sum_restored_from_a_checkpoint_counts_every_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(150));
    let first = rolling(&config);
    assert_eq!(first.len() as u64, N);
    let checkpoints = committed(&url).unwrap();
    assert!(checkpoints.len() >= 2, "{} checkpoints", checkpoints.len());
    // The oldest retained one, taken mid-way.
    let chosen = checkpoints.last().unwrap().clone();
    let read: u64 = chosen
        .marker
        .positions
        .values()
        .map(|splits| generated(splits).unwrap())
        .sum();
    assert!(
        read > 0 && read < N,
        "read {read} of {N} at epoch {}",
        chosen.marker.epoch
    );
    // Restored at 3 workers: the generator's splits and the key groups are dealt anew.
    let mut again = RuntimeConfig::default().with_workers(3);
    again.restore = Some(Restore::At(chosen.url.clone()));
    let second = rolling(&again);
    assert_eq!(second.len() as u64, N - read, "the rest of the input, once");
    let mut last: BTreeMap<u64, u64> = BTreeMap::new();
    for (k, s) in second {
        let e = last.entry(k).or_default();
        *e = (*e).max(s);
    }
    assert_eq!(
        last,
        totals(),
        "state restored: sums go on from the checkpoint"
    );
}

#[test]
fn a_corrupt_checkpoint_is_skipped_for_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let mut config = RuntimeConfig::default().with_workers(1);
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(150));
    rolling(&config);
    let all = committed(&url).unwrap();
    assert!(all.len() >= 2);
    let newest = &all[0];
    let (path, _) = newest.marker.files.iter().next().expect("state files");
    let file = dir
        .path()
        .join(format!("chk-{:010}", newest.marker.epoch))
        .join(path);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[0] ^= 0xff;
    std::fs::write(&file, bytes).unwrap();
    let chosen = latest(&url).unwrap().unwrap();
    assert_eq!(
        chosen.marker.epoch, all[1].marker.epoch,
        "fell back to the previous one"
    );
}

#[test]
fn a_restored_run_cleans_what_a_dead_run_left() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(150));
    rolling(&config);
    let all = committed(&url).unwrap();
    assert!(all.len() >= 2);
    let older = all[1].marker.epoch;
    // What a run that died leaves: a checkpoint without its marker.
    let oldest = all.last().unwrap().marker.epoch;
    assert!(oldest > 0, "older checkpoints were retired");
    let incomplete = dir.path().join(format!("chk-{:010}", oldest - 1));
    std::fs::create_dir_all(incomplete.join("000-process")).unwrap();
    std::fs::write(incomplete.join("000-process/kg-00001.bin"), b"partial").unwrap();
    let mut again = RuntimeConfig::default().with_workers(2);
    again.checkpoint_dir = Some(url.clone());
    again.checkpoint_interval = Some(Duration::from_millis(150));
    again.restore = Some(Restore::At(all[1].url.clone()));
    rolling(&again);
    assert!(!incomplete.exists(), "the incomplete checkpoint is deleted");
    assert!(latest(&url).unwrap().unwrap().marker.epoch > older);
}

/// `(key, window start, count)` of the `(key, event time)` records of `source` in
/// tumbling event-time windows of `size` ms, sorted.
fn window_counts<S>(config: &RuntimeConfig, size: i64, source: S) -> Vec<(u64, i64, u64)>
where
    S: for<'s> Fn(&StreamEnv<'s>) -> DataStream<'s, (u64, i64)> + Send + Sync + 'static,
{
    let mut rows = execute(config, move |env| {
        source(env)
            .key_by(|r: &(u64, i64)| r.0)
            .tumbling_window(Duration::from_millis(size as u64))
            .aggregate(|| 0u64, |n, _| *n += 1, |n| n)
            .map(|w| (w.key, w.start, w.value))
    })
    .unwrap()
    .unwrap();
    rows.sort_unstable();
    rows
}

/// Counts per key in 100 ms event-time windows of `N` records at 4,000/s, event time
/// = index (ms), keys `i % 3`.
fn windows(config: &RuntimeConfig) -> Vec<(u64, i64, u64)> {
    window_counts(config, 100, |env| {
        env.generate(
            Generator {
                count: Some(N),
                rate: Some(4_000.0),
            },
            |i| (i % 3, i as i64),
            Timestamps::Event(std::rc::Rc::new(|r: &(u64, i64)| r.1)),
            WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
        )
    })
}

#[test]
fn windows_restored_from_a_checkpoint_fire_with_every_record_once() {
    let mut reference: BTreeMap<(u64, i64), u64> = BTreeMap::new();
    for i in 0..N {
        *reference.entry((i % 3, i as i64 / 100 * 100)).or_default() += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    // Checkpointed on the disk backend at 2 workers, restored on the heap at 3.
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(dir.path().to_str().unwrap().to_string());
    config.checkpoint_interval = Some(Duration::from_millis(150));
    config.state_backend = StateBackend::Disk(DiskOptions {
        cache_entries: 2,
        ..DiskOptions::default()
    });
    let first = windows(&config);
    let want: Vec<(u64, i64, u64)> = reference.iter().map(|(&(k, s), &n)| (k, s, n)).collect();
    assert_eq!(first, want, "with checkpoints, the same windows");
    let chosen = committed(dir.path().to_str().unwrap())
        .unwrap()
        .pop()
        .expect("a checkpoint");
    let mut again = RuntimeConfig::default().with_workers(3);
    again.restore = Some(Restore::At(chosen.url.clone()));
    let second = windows(&again);
    // Windows still open at the checkpoint fire after the restore with their full
    // counts (restored part plus the rest of the input); none is missing at the end.
    assert!(
        !second.is_empty() && second.len() < want.len(),
        "{} of {}",
        second.len(),
        want.len()
    );
    for row in &second {
        assert!(want.contains(row), "{row:?} is not a window of the input");
    }
    let last = want.iter().map(|r| r.1).max().unwrap();
    assert_eq!(second.iter().filter(|r| r.1 == last).count(), 3);
}

/// Session counts per key of `N` records at 4,000/s, published exactly once into
/// `out` as `key,start,end,count`: event time `10 i` ms, key `i / 4 % 3`, 15 ms gap:
/// one session per block of 4 records, which stays open after its last record until
/// the next block's second record moves the watermark past it.
fn sessions(config: &RuntimeConfig, out: &std::path::Path) {
    let out = out.to_str().unwrap().to_string();
    strom_datastream::run(config, move |env| {
        env.generate(
            Generator {
                count: Some(N),
                rate: Some(4_000.0),
            },
            |i| (i / 4 % 3, (i * 10) as i64),
            Timestamps::Event(std::rc::Rc::new(|r: &(u64, i64)| r.1)),
            WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
        )
        .key_by(|r: &(u64, i64)| r.0)
        .session_window(Duration::from_millis(15))
        .aggregate(|| 0u64, |n, _| *n += 1, |a, b| *a += b, |n| n)
        .write_lines_exactly_once(&out, |w| {
            format!("{},{},{},{}", w.key, w.start, w.end, w.value)
        });
    })
    .unwrap();
}

/// The lines of the part files in `dir` of epochs up to `last` (`part-<epoch>-...`).
fn published_up_to(dir: &std::path::Path, last: u64) -> Vec<String> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(epoch) = name.strip_prefix("part-").and_then(|r| r.split('-').next()) else {
            continue;
        };
        if epoch.parse::<u64>().unwrap() <= last {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            lines.extend(text.lines().map(String::from));
        }
    }
    lines.sort();
    lines
}

#[test]
fn sessions_restored_at_another_parallelism_and_backend_fire_once_in_full() {
    let mut reference: BTreeMap<(u64, u64), (i64, i64, u64)> = BTreeMap::new();
    for i in 0..N {
        let ts = (i * 10) as i64;
        let s = reference.entry((i / 4 % 3, i / 4)).or_insert((ts, ts, 0));
        (s.0, s.1, s.2) = (s.0.min(ts), s.1.max(ts), s.2 + 1);
    }
    let mut want: Vec<String> = reference
        .iter()
        .map(|(&(k, _), &(first, last, n))| format!("{k},{first},{},{n}", last + 15))
        .collect();
    want.sort();
    let dir = tempfile::tempdir().unwrap();
    let (checkpoints, first, second) = (
        dir.path().join("chk"),
        dir.path().join("first"),
        dir.path().join("second"),
    );
    // Checkpointed on the disk backend (one cached entry) at 2 workers.
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(checkpoints.to_str().unwrap().to_string());
    config.checkpoint_interval = Some(Duration::from_millis(150));
    config.state_backend = StateBackend::Disk(DiskOptions {
        cache_entries: 1,
        ..DiskOptions::default()
    });
    sessions(&config, &first);
    let whole = published_up_to(&first, u64::MAX);
    assert!(
        whole == want,
        "with checkpoints, on disk: {} rows",
        whole.len()
    );
    // Restored from a checkpoint mid-way on the heap at 3 workers: what the first run
    // published up to it and what the second run publishes are every session once.
    for chosen in committed(checkpoints.to_str().unwrap())
        .unwrap()
        .iter()
        .skip(1)
    {
        let before = published_up_to(&first, chosen.marker.epoch);
        if before.is_empty() || before.len() == want.len() {
            continue;
        }
        let mut again = RuntimeConfig::default().with_workers(3);
        again.restore = Some(Restore::At(chosen.url.clone()));
        let _ = std::fs::remove_dir_all(&second);
        sessions(&again, &second);
        let mut all = before;
        all.extend(published_up_to(&second, u64::MAX));
        all.sort();
        let missing: Vec<_> = want.iter().filter(|r| !all.contains(r)).collect();
        assert!(
            all.len() == want.len() && missing.is_empty(),
            "restored from epoch {}: {} rows for {}, missing {missing:?}",
            chosen.marker.epoch,
            all.len(),
            want.len()
        );
        return;
    }
    panic!("no checkpoint mid-way");
}

/// Running sums per key of `i % 2000 -> i` over `N` records at 4,000/s.
fn rolling_wide(config: &RuntimeConfig) -> Vec<(u64, u64)> {
    rolling_by(config, 2_000)
}

/// The largest running sum per key: the total once every record is counted.
fn last_sums(rows: Vec<(u64, u64)>) -> BTreeMap<u64, u64> {
    let mut last: BTreeMap<u64, u64> = BTreeMap::new();
    for (k, s) in rows {
        let e = last.entry(k).or_default();
        *e = (*e).max(s);
    }
    last
}

#[test]
fn incremental_checkpoints_restore_from_every_retained_one_and_a_savepoint() {
    let mut want: BTreeMap<u64, u64> = BTreeMap::new();
    for i in 0..N {
        *want.entry(i % 2_000).or_default() += i;
    }
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(100));
    config.state_backend = StateBackend::Disk(DiskOptions {
        cache_entries: 16,
        ..DiskOptions::default()
    });
    // A savepoint asked for mid-way: it copies the files its deltas build on.
    let asker = {
        let url = url.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(600));
            strom_datastream::checkpoint::request_savepoint(&url, false).unwrap();
        })
    };
    assert_eq!(last_sums(rolling_wide(&config)), want);
    asker.join().unwrap();
    let all = committed(&url).unwrap();
    let newest = &all[0].marker;
    assert!(
        newest.files.keys().any(|p| p.ends_with(".d.bin")),
        "the newest checkpoint writes deltas: {:?}",
        newest.files.keys().take(5).collect::<Vec<_>>()
    );
    assert!(
        newest.files.keys().any(|p| p.starts_with("../chk-")),
        "and lists the earlier files they build on"
    );
    let savepoint = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("savepoint-"))
        .expect("a savepoint")
        .path();
    let mut sources: Vec<String> = all
        .iter()
        .filter(|c| c.url.contains("/chk-"))
        .map(|c| c.url.clone())
        .collect();
    sources.push(savepoint.to_str().unwrap().to_string());
    for from in &sources {
        // The rest of the input, each record once, and every running sum going on
        // from the restored state to the key's total.
        let marker = &committed(from).unwrap()[0].marker;
        let read: u64 = marker
            .positions
            .values()
            .map(|s| generated(s).unwrap())
            .sum();
        let mut again = RuntimeConfig::default().with_workers(3);
        again.restore = Some(Restore::At(from.clone()));
        let rows = rolling_wide(&again);
        assert_eq!(rows.len() as u64, N - read, "restored from {from}");
        let sums = last_sums(rows);
        let wrong: Vec<_> = sums
            .iter()
            .filter(|(k, s)| want[k] != **s)
            .take(3)
            .collect();
        assert!(wrong.is_empty(), "restored from {from}: sums {wrong:?}");
    }
    // A corrupt file that deltas build on: every checkpoint naming it is skipped.
    let (shared, _) = newest
        .files
        .iter()
        .find(|(p, _)| p.starts_with("../chk-"))
        .unwrap();
    let shared = shared.trim_start_matches("../").to_string();
    std::fs::write(dir.path().join(&shared), b"corrupt").unwrap();
    let chosen = latest(&url).unwrap();
    if let Some(c) = chosen {
        let named = format!("../{shared}");
        assert!(
            !c.marker.files.contains_key(&named),
            "{} names {shared}",
            c.url
        );
        assert!(!shared.starts_with(&c.url.rsplit('/').next().unwrap().to_string()));
    }
}

/// Rules by key (`key -> factor`), broadcast once at the start; each main record
/// `(key, i)` comes out as `(i, i * factor)`, with factor 0 while its key has no rule.
struct Rules;

impl strom_datastream::broadcast::BroadcastProcessFunction<(u64, u64), (u64, u64)> for Rules {
    type Out = (u64, u64);
    type State = BTreeMap<u64, u64>;
    fn process_element(
        &mut self,
        (key, i): (u64, u64),
        rules: &BTreeMap<u64, u64>,
        ctx: &mut strom_datastream::broadcast::BroadcastContext<'_, (u64, u64)>,
    ) {
        ctx.collect((i, i * rules.get(&key).copied().unwrap_or(0)));
    }
    fn process_broadcast_element(
        &mut self,
        (key, factor): (u64, u64),
        rules: &mut BTreeMap<u64, u64>,
        _: &mut strom_datastream::broadcast::BroadcastContext<'_, (u64, u64)>,
    ) {
        rules.insert(key, factor);
    }
}

/// `N` main records `(i % 3, i)` at 4,000/s under three broadcast rules.
fn ruled(config: &RuntimeConfig) -> BTreeMap<u64, u64> {
    execute(config, |env| {
        let rules = env.from_timestamped(
            vec![(0, (0, 10)), (0, (1, 20)), (0, (2, 30))],
            WatermarkStrategy::monotonous(),
        );
        env.generate(
            Generator {
                count: Some(N),
                rate: Some(4_000.0),
            },
            |i| (i % 3, i),
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .connect_broadcast(&rules)
        .process(Rules)
    })
    .unwrap()
    .unwrap()
    .into_iter()
    .collect()
}

/// Issue 17: broadcast state was in no checkpoint, so a restored job had lost its
/// rules without a word. Restored at another number of workers, every worker has the
/// rules again: the records after the checkpoint come out as in the uninterrupted run.
#[test]
fn issue_17_broadcast_state_is_restored_at_another_parallelism() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(150));
    let first = ruled(&config);
    assert_eq!(first.len() as u64, N);
    let chosen = committed(&url).unwrap().pop().expect("a checkpoint");
    let read: u64 = chosen
        .marker
        .positions
        .iter()
        .filter(|(source, _)| source.ends_with("GeneratorSource"))
        .map(|(_, splits)| generated(splits).unwrap())
        .sum();
    assert!(read > 0 && read < N, "read {read} of {N}");
    for workers in [3, 1] {
        let mut again = RuntimeConfig::default().with_workers(workers);
        again.restore = Some(Restore::At(chosen.url.clone()));
        let second = ruled(&again);
        assert_eq!(second.len() as u64, N - read, "{workers} workers");
        let differ: Vec<_> = second
            .iter()
            .filter(|(i, out)| first.get(i) != Some(out))
            .take(3)
            .collect();
        assert!(differ.is_empty(), "{workers} workers: {differ:?}");
    }
}

/// `(key, event time)` records `(i % 3, 10 i ms)`, split by worker (`i % peers`),
/// read all at once; then the split ends when `ends`, or waits for more forever (a
/// live source, which only a stop ends).
struct Live {
    records: Vec<(u64, i64)>,
    given: usize,
    ends: bool,
}

impl SplitReader<(u64, i64)> for Live {
    /// Records given.
    type Position = u64;

    fn read(&mut self, out: &mut Vec<(u64, i64)>, max: usize) -> Poll {
        let rest = &self.records[self.given..];
        let n = rest.len().min(max);
        out.extend_from_slice(&rest[..n]);
        self.given += n;
        match (n, self.ends) {
            (0, true) => Poll::Done,
            (0, false) => Poll::Pending(Duration::from_millis(5)),
            _ => Poll::Ready,
        }
    }
    fn position(&self) -> u64 {
        self.given as u64
    }
    fn paced_by_records(&self) -> bool {
        true
    }
    fn seek(&mut self, position: &u64) -> Result<(), SourceError> {
        self.given = *position as usize;
        Ok(())
    }
}

const LIVE: u64 = 300;

/// Counts per key in 1 s windows of the [`Live`] records: the watermark stops at
/// 2,979 ms, so the windows `[2 s, 3 s)` are pending until the input ends.
fn live_windows(config: &RuntimeConfig, ends: bool) -> Vec<(u64, i64, u64)> {
    window_counts(config, 1_000, move |env| {
        let (me, peers) = (env.index() as u64, env.peers() as u64);
        let records = (0..LIVE)
            .filter(|i| i % peers == me)
            .map(|i| (i % 3, i as i64 * 10))
            .collect();
        let live = Live {
            records,
            given: 0,
            ends,
        };
        env.source(
            "LiveSource",
            live,
            Timestamps::Event(std::rc::Rc::new(|r: &(u64, i64)| r.1)),
            WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
        )
    })
}

/// Runs [`live_windows`] at 2 workers, checkpointing into `url`, and asks for `what`
/// once a checkpoint holds every record read; gives its output and the savepoint.
fn stopped(
    url: &str,
    what: strom_datastream::checkpoint::Request,
) -> (Vec<(u64, i64, u64)>, String) {
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(url.to_string());
    config.checkpoint_interval = Some(Duration::from_millis(100));
    let asker = {
        let url = url.to_string();
        std::thread::spawn(move || {
            let all_read = || {
                committed(&url).unwrap().iter().any(|c| {
                    let read: u64 = c
                        .marker
                        .positions
                        .values()
                        .flat_map(|s| s.values())
                        .map(|p| p.decode::<u64>().unwrap())
                        .sum();
                    read == LIVE
                })
            };
            let start = std::time::Instant::now();
            while !all_read() && start.elapsed() < Duration::from_secs(60) {
                std::thread::sleep(Duration::from_millis(20));
            }
            strom_datastream::checkpoint::request(&url, what).unwrap();
        })
    };
    let rows = live_windows(&config, false);
    asker.join().unwrap();
    let savepoint = committed(url)
        .unwrap()
        .into_iter()
        .find(|c| c.url.contains("/savepoint-"))
        .expect("a savepoint");
    (rows, savepoint.url)
}

/// Issue 17: a stop with a savepoint fired every pending window into the job's output,
/// and the job restored from the savepoint fired them again. Stopped without
/// draining, the pending windows stay in the savepoint: what the stopped run and the
/// restored run give together is the uninterrupted run's output, each window once.
#[test]
fn issue_17_a_stop_leaves_pending_windows_to_the_restored_job() {
    let want = live_windows(&RuntimeConfig::default().with_workers(2), true);
    assert_eq!(want.len(), 9, "3 keys, 3 windows: {want:?}");
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let (before, savepoint) = stopped(&url, strom_datastream::checkpoint::Request::Stop);
    assert!(
        before.iter().all(|r| r.1 < 2_000),
        "fired at the stop: {before:?}"
    );
    let mut again = RuntimeConfig::default().with_workers(2);
    again.restore = Some(Restore::At(savepoint));
    let mut all = before;
    all.extend(live_windows(&again, true));
    all.sort_unstable();
    assert_eq!(all, want);
}

/// A drained stop (`strom stop --drain`) fires every pending window first: the
/// stopped run's output is the uninterrupted run's.
#[test]
fn issue_17_a_drained_stop_fires_every_pending_window() {
    let want = live_windows(&RuntimeConfig::default().with_workers(2), true);
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let (drained, _) = stopped(&url, strom_datastream::checkpoint::Request::Drain);
    assert_eq!(drained, want);
}

#[test]
fn a_new_run_numbers_after_the_folder_and_a_checkpoint_restores_only_into_its_graph() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().to_str().unwrap().to_string();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(url.clone());
    config.checkpoint_interval = Some(Duration::from_millis(150));
    rolling(&config);
    let newest_first = committed(&url).unwrap()[0].marker.epoch;
    // A fresh run in the same folder: its checkpoints come after the first run's.
    rolling(&config);
    let second = committed(&url).unwrap();
    assert!(
        second[0].marker.epoch > newest_first,
        "newest {} after {newest_first}",
        second[0].marker.epoch
    );
    assert!(
        !second[0].marker.graph.is_empty(),
        "the marker names its graph"
    );

    // Restored into a graph with one more stateful operator: refused, not misread.
    let mut again = RuntimeConfig::default().with_workers(2);
    again.restore = Some(Restore::At(second[0].url.clone()));
    let err = strom_datastream::execute(&again, |env| {
        env.generate(
            Generator {
                count: Some(N),
                rate: None,
            },
            |i| (i % 5, i),
            Timestamps::Ingestion,
            WatermarkStrategy::monotonous(),
        )
        .key_by(|r: &(u64, u64)| r.0)
        .sum(|r| &mut r.1)
        .key_by(|r: &(u64, u64)| r.1 % 3)
        .sum(|r| &mut r.0)
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("another job graph"), "{err}");
}
