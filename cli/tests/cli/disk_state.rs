//! State larger than memory: `unique-visitors` remembers 20 million visitors in keyed
//! state on the disk backend while its resident memory stays far below that state's
//! size; it checkpoints, is killed with SIGKILL, and restored from its latest
//! checkpoint it ends with exactly the output the job's definition gives.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::recovery::published;
use crate::support::{scratch, strom};

const VISITORS: u64 = 20_000_000;
const VISITS: u64 = 24_000_000;
const PER_SECOND: u64 = 100_000;
/// Anonymous resident memory (heap and stacks) allowed to the job, below the state it
/// keeps: 20 million keys are about 315 MB serialised (a key and an expiry stamp of 8
/// bytes each), and the same job on the heap backend peaks at 870 MB (release build).
/// The pages of the program file itself are not counted: the debug binary's code
/// touched by the job is about 90 MB resident, and it grows with every crate linked in
/// (stop 33: +6 MB from the incremental-graph and cluster code took the total of the
/// same run from under 256 MB to 270 MB while its heap stayed equal, record 0010). On
/// disk the heap peaked at about 135 MB (first run, measured at stop 34).
const MEMORY_LIMIT: u64 = 200 << 20;
const _: () = assert!(MEMORY_LIMIT < 15 * VISITORS, "the limit is below the state");

/// The rows the job's definition gives for `visits` of `visitors` at `per_second`, in
/// 1 s windows: visit `i` at `i * 1000 / per_second` ms is a first visit when
/// `i < visitors` (each visitor comes once per round of `visitors`).
fn expected(visitors: u64, visits: u64, per_second: u64) -> Vec<String> {
    let mut rows = Vec::new();
    let mut start = 0;
    while start * per_second / 1000 < visits {
        let (from, to) = (
            start * per_second / 1000,
            ((start + 1000) * per_second / 1000).min(visits),
        );
        let first = to.min(visitors).saturating_sub(from);
        rows.push(format!("{start},{},{},{first}", start + 1000, to - from));
        start += 1000;
    }
    rows.sort();
    rows
}

fn job(out: &Path, checkpoints: &Path, state: &Path, restore: bool) -> Child {
    let mut cmd = strom();
    cmd.args(["run", "unique-visitors"])
        .args(["--visitors", &VISITORS.to_string()])
        .args(["--visits", &VISITS.to_string()])
        .args(["--events-per-second", &PER_SECOND.to_string(), "-w", "2"])
        .args(["--state-backend", "disk", "--state-cache-entries", "20000"])
        .args(["--state-store-memory", "8MB"])
        .args(["--checkpoint-interval", "15s"])
        .arg("--state-dir")
        .arg(state)
        .arg("--checkpoint-dir")
        .arg(checkpoints)
        .arg("--output")
        .arg(out)
        // As Flink's images use jemalloc under RocksDB: glibc's arenas keep what the
        // store's threads freed.
        .env("MALLOC_ARENA_MAX", "2")
        .env("MALLOC_TRIM_THRESHOLD_", "0");
    if restore {
        cmd.args(["--restore", "latest"]);
    }
    cmd.spawn().unwrap()
}

/// The anonymous resident memory of `pid` now (RssAnon: its heap and stacks, not the
/// pages of its program file), in bytes.
fn anonymous(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("RssAnon:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

/// Watches `child` until `done` holds or it exits, giving its peak anonymous memory
/// (sampled every 100 ms) and whether it exited.
fn watch(child: &mut Child, mut done: impl FnMut() -> bool) -> (u64, bool) {
    let mut highest = 0;
    let deadline = Instant::now() + Duration::from_secs(1800);
    loop {
        if let Some(p) = anonymous(child.id()) {
            highest = highest.max(p);
        }
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the job failed: {status}");
            return (highest, true);
        }
        if done() {
            return (highest, false);
        }
        assert!(Instant::now() < deadline, "the job took over 30 minutes");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Records read in the newest committed checkpoint, the bytes of state a restore from
/// it reads (its own files and those of earlier checkpoints its deltas build on), and
/// the bytes it wrote itself.
fn newest(checkpoints: &Path) -> Option<(u64, u64, u64)> {
    let all = strom_datastream::checkpoint::committed(checkpoints.to_str()?).ok()?;
    let newest = all.first()?;
    let marker = &newest.marker;
    let read = marker
        .positions
        .values()
        .map(|splits| strom_datastream::generated(splits).unwrap_or(0))
        .sum();
    let folder = Path::new(&newest.url);
    let held = marker
        .files
        .keys()
        .map(|f| std::fs::metadata(folder.join(f)).map_or(0, |m| m.len()))
        .sum();
    Some((read, held, marker.bytes))
}

#[test]
fn twenty_million_keys_on_disk_checkpoint_and_recover_in_bounded_memory() {
    let dir = scratch("disk-state");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (out, checkpoints, state) = (dir.join("out"), dir.join("chk"), dir.join("state"));
    let mut first = job(&out, &checkpoints, &state, false);
    // Killed once a checkpoint holds every visitor (its state is the full 20 million).
    let (peak_first, exited) = watch(&mut first, || {
        newest(&checkpoints).is_some_and(|(read, _, _)| read >= VISITORS)
    });
    assert!(
        !exited,
        "the job ended before a checkpoint held every visitor"
    );
    let (_, bytes, written) = newest(&checkpoints).unwrap();
    Command::new("kill")
        .args(["-9", &first.id().to_string()])
        .status()
        .unwrap();
    let _ = first.wait();
    assert!(
        bytes >= 15 * VISITORS,
        "the checkpoint holds {bytes} bytes of state"
    );
    let left_by_the_kill = std::fs::read_dir(&state).unwrap().count();
    let mut second = job(&out, &checkpoints, &state, true);
    let (peak_second, exited) = watch(&mut second, || false);
    assert!(exited);
    eprintln!(
        "state {} MB ({} MB written by the last, incremental checkpoint); peak anonymous \
         resident memory {} MB, after the restore {} MB",
        bytes >> 20,
        written >> 20,
        peak_first >> 20,
        peak_second >> 20
    );
    for peak in [peak_first, peak_second] {
        assert!(
            peak < MEMORY_LIMIT,
            "peak anonymous resident memory {} MB with {} MB of state",
            peak >> 20,
            bytes >> 20
        );
    }
    assert_eq!(
        published(&out),
        expected(VISITORS, VISITS, PER_SECOND),
        "exactly once after the kill"
    );
    assert!(left_by_the_kill > 0, "the kill left its stores");
    assert_eq!(
        std::fs::read_dir(&state).unwrap().count(),
        0,
        "a job that ends deletes its stores, and the stores the kill left"
    );
}

/// A small unique-visitors job on the heap backend with 1 s checkpoints, killed once a
/// checkpoint committed and restored with `--restore latest` into its output folder
/// (named without a trailing `/`, which the restored run must accept as the folder the
/// first run made), ends with exactly the rows of the job's definition.
#[test]
fn a_small_job_killed_and_restored_into_its_output_folder() {
    let dir = scratch("unique-visitors-restore");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (out, checkpoints) = (dir.join("out"), dir.join("chk"));
    let (visitors, visits, per_second) = (3_000, 40_000, 2_000);
    let run = |restore: bool| {
        let mut cmd = strom();
        cmd.args(["run", "unique-visitors", "-w", "2", "--rate", "8000"])
            .args(["--visitors", &visitors.to_string()])
            .args(["--visits", &visits.to_string()])
            .args(["--events-per-second", &per_second.to_string()])
            .args(["--checkpoint-interval", "1s", "--checkpoint-dir"])
            .arg(&checkpoints)
            .arg("--output")
            .arg(&out);
        if restore {
            cmd.args(["--restore", "latest"]);
        }
        cmd.spawn().unwrap()
    };
    let mut first = run(false);
    let (_, exited) = watch(&mut first, || newest(&checkpoints).is_some());
    assert!(!exited, "the job ended before its first checkpoint");
    first.kill().unwrap();
    let _ = first.wait();
    let mut second = run(true);
    let (_, exited) = watch(&mut second, || false);
    assert!(exited);
    assert_eq!(
        published(&out),
        expected(visitors, visits, per_second),
        "exactly once after the kill"
    );
}
