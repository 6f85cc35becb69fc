//! A library's own keyed stateful operator, written here with `strom_datastream`'s
//! public API only, as a CEP library would write its pattern operator: a pattern "a
//! start followed by an end of the same key within 30 ms of event time" with value
//! and map state, event-time timers and two tagged side outputs (timeouts, late
//! data). Run as 2 workers with 300 ms checkpoints, killed with SIGKILL mid-way and
//! restored, its three outputs equal those of a run that never failed, and both equal
//! a sequential model of the pattern.
//!
//! The job runs in a child process that is this test binary itself (the test re-runs
//! itself with an environment variable saying where the job writes), so the operator
//! needs no built-in job in the `strom` binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::rc::Rc;
use std::time::{Duration, Instant};

use strom_core::RuntimeConfig;
use strom_datastream::process::{
    Context, KeyedProcessFunction, MapState, OutputTag, OutputTags, ValueState,
};
use strom_datastream::{Generator, Timestamps, WatermarkStrategy};

use crate::recovery::published;
use crate::support::scratch;

/// Where the child process runs the job (set by the parent test).
const JOB_DIR: &str = "STROM_TEST_LIBRARY_OPERATOR_DIR";
/// Set when the child restores the latest checkpoint.
const JOB_RESTORE: &str = "STROM_TEST_LIBRARY_OPERATOR_RESTORE";

/// Events in all, and how fast the source reads them (4 s of input).
const N: u64 = 20_000;
const RATE: f64 = 5_000.0;
/// Event time of the first event (ms); event `i` is about `2 i` ms later.
const BASE: i64 = 1_000_000;
/// How far an end may follow its start (ms, exclusive).
const WITHIN: i64 = 30;
/// How far behind its key's latest event an event is late (ms).
const LATENESS: i64 = 1_000;

/// `(key, kind, id, event time)`; kinds: 0 start, 1 end, 2 other.
type Event = (u32, u8, u64, i64);

/// Event `i`: 10 keys in turn, a pseudo-random kind and up to 39 ms of disorder
/// (within the watermark's 100 ms); every 101st event from the 8,000th on is late, its
/// time far in the past.
fn event(i: u64) -> Event {
    let h = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (i >> 7);
    let kind = match (h >> 59) % 4 {
        0 => 0,
        1 => 1,
        _ => 2,
    };
    let jitter = ((h >> 32) % 40) as i64;
    let ts = if i >= 8_000 && i.is_multiple_of(101) {
        i as i64
    } else {
        BASE + 2 * i as i64 - jitter
    };
    ((i % 10) as u32, kind, i, ts)
}

/// The pattern operator: pending starts by id in map state, the key's latest event
/// time in value state, a timer per start at its deadline.
struct Pattern {
    starts: MapState<u64, i64>,
    latest: ValueState<i64>,
    timeouts: OutputTag<(u32, u64)>,
    late: OutputTag<(u32, u64, i64)>,
}

type Ctx<'a> = Context<'a, u32, (u32, u64, u64), ()>;

impl KeyedProcessFunction<u32, Event> for Pattern {
    type Out = (u32, u64, u64);
    type Side = ();

    fn process_element(&mut self, (key, kind, id, ts): Event, ctx: &mut Ctx<'_>) {
        let latest = self.latest.value(ctx).unwrap_or(i64::MIN);
        if ts < ctx.current_watermark().max(latest.saturating_sub(LATENESS)) {
            ctx.output_to(&self.late, (key, id, ts));
            return;
        }
        self.latest.update(ctx, latest.max(ts));
        match kind {
            0 => {
                self.starts.put(ctx, id, ts);
                ctx.register_event_time_timer(ts + WITHIN);
            }
            1 => {
                for (start, at) in self.starts.entries(ctx) {
                    if at <= ts && ts < at + WITHIN {
                        self.starts.remove(ctx, &start);
                        ctx.collect((key, start, id));
                    }
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, deadline: i64, ctx: &mut Ctx<'_>) {
        for (start, at) in self.starts.entries(ctx) {
            if at + WITHIN <= deadline {
                self.starts.remove(ctx, &start);
                let key = *ctx.key();
                ctx.output_to(&self.timeouts, (key, start));
            }
        }
    }

    fn output_tags(&self) -> OutputTags {
        OutputTags::new().with(&self.timeouts).with(&self.late)
    }
}

/// Runs the job into `dir` (`matches/`, `timeouts/`, `late/`, `checkpoints/`).
fn run_job(dir: &Path, restore: bool) {
    let mut config = RuntimeConfig::default()
        .with_workers(2)
        .with_checkpoint_dir(dir.join("checkpoints").to_str().unwrap());
    config.checkpoint_interval = Some(Duration::from_millis(300));
    config.job_name = Some("library-operator".into());
    if restore {
        config.restore = Some(strom_core::Restore::Latest);
    }
    let out = dir.to_str().unwrap().to_string();
    strom_datastream::run(&config, move |env| {
        let (timeouts, late) = (OutputTag::new("timeouts"), OutputTag::new("late"));
        let found = env
            .generate(
                Generator {
                    count: Some(N),
                    rate: Some(RATE),
                },
                event,
                Timestamps::Event(Rc::new(|e: &Event| e.3)),
                WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(100)),
            )
            .key_by(|e: &Event| e.0)
            .process(Pattern {
                starts: MapState::new("starts"),
                latest: ValueState::new("latest"),
                timeouts: timeouts.clone(),
                late: late.clone(),
            });
        found
            .main
            .write_lines_exactly_once(&format!("{out}/matches"), |(k, s, e)| {
                format!("{k},{s},{e}")
            });
        found
            .side_output(&timeouts)
            .write_lines_exactly_once(&format!("{out}/timeouts"), |(k, s)| format!("{k},{s}"));
        found
            .side_output(&late)
            .write_lines_exactly_once(&format!("{out}/late"), |(k, i, t)| format!("{k},{i},{t}"));
    })
    .unwrap();
}

/// The three outputs, sorted, by a plain sequential run of the pattern: each key's
/// events in order (the order one source split gives them).
fn model() -> [Vec<String>; 3] {
    let (mut matches, mut timeouts, mut late) = (Vec::new(), Vec::new(), Vec::new());
    let mut keys: BTreeMap<u32, (i64, BTreeMap<u64, i64>)> = BTreeMap::new();
    for i in 0..N {
        let (key, kind, id, ts) = event(i);
        let (latest, starts) = keys.entry(key).or_insert((i64::MIN, BTreeMap::new()));
        if ts < latest.saturating_sub(LATENESS) {
            late.push(format!("{key},{id},{ts}"));
            continue;
        }
        *latest = (*latest).max(ts);
        match kind {
            0 => {
                starts.insert(id, ts);
            }
            1 => starts.retain(|&start, &mut at| {
                let hit = at <= ts && ts < at + WITHIN;
                if hit {
                    matches.push(format!("{key},{start},{id}"));
                }
                !hit
            }),
            _ => {}
        }
    }
    for (key, (_, starts)) in keys {
        timeouts.extend(starts.keys().map(|s| format!("{key},{s}")));
    }
    for out in [&mut matches, &mut timeouts, &mut late] {
        out.sort();
    }
    [matches, timeouts, late]
}

/// The three published outputs of a run into `dir`, sorted (empty when nothing of
/// one has been published yet).
fn outputs(dir: &Path) -> [Vec<String>; 3] {
    ["matches", "timeouts", "late"].map(|o| {
        let folder = dir.join(o);
        if folder.exists() {
            published(&folder)
        } else {
            Vec::new()
        }
    })
}

/// The job in a child process (this test binary, running only this test).
fn child(dir: &Path, restore: bool) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "library_operator::a_library_operator_with_two_side_outputs_restores_through_sigkill",
        "--exact",
        "--nocapture",
    ])
    .env(JOB_DIR, dir);
    if restore {
        cmd.env(JOB_RESTORE, "1");
    }
    cmd.spawn().unwrap()
}

/// Whether a checkpoint has committed in `dir`.
fn committed(dir: &Path) -> bool {
    std::fs::read_dir(dir.join("checkpoints"))
        .into_iter()
        .flatten()
        .flatten()
        .any(|e| e.path().join("COMMITTED").exists())
}

#[test]
fn a_library_operator_with_two_side_outputs_restores_through_sigkill() {
    if let Some(dir) = std::env::var_os(JOB_DIR) {
        // The child: run the job, then end (the parent checks the output).
        run_job(Path::new(&dir), std::env::var_os(JOB_RESTORE).is_some());
        return;
    }
    let want = model();
    assert!(
        want.iter().all(|o| o.len() > 50),
        "the input has matches, timeouts and late events: {:?}",
        want.each_ref().map(Vec::len)
    );
    let root = scratch("library-operator");
    let fresh = |name: &str| -> PathBuf {
        let dir = root.join(name);
        let _ = std::fs::remove_dir_all(&dir);
        dir
    };
    let reference = fresh("uninterrupted");
    assert!(child(&reference, false).wait().unwrap().success());
    assert!(
        outputs(&reference) == want,
        "the uninterrupted run gives the model's outputs"
    );

    let killed = fresh("killed");
    let mut job = child(&killed, false);
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1_800) || !committed(&killed) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no checkpoint committed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    job.kill().unwrap(); // SIGKILL
    assert!(!job.wait().unwrap().success());
    let before = outputs(&killed);
    assert!(
        before[0].len() < want[0].len(),
        "killed before the end: {} of {} matches published",
        before[0].len(),
        want[0].len()
    );
    assert!(
        child(&killed, true).wait().unwrap().success(),
        "the restored job completes"
    );
    let got = outputs(&killed);
    for (i, name) in ["matches", "timeouts", "late"].iter().enumerate() {
        assert!(
            got[i] == want[i],
            "{name}: {} rows after the restore, want {}",
            got[i].len(),
            want[i].len()
        );
    }
}
