//! Patterns on a keyed DataStream in event time, at 1 and 2 workers: matches,
//! timed-out partial matches (a tag) and late records (another tag) against a
//! hand-computed case, and a generated input against the NFA harness run per key.

use std::time::Duration;

use strom_cep::{Match, Nfa, Pattern, PatternProcessFunction, TimedOut, pattern, pattern_all};
use strom_core::RuntimeConfig;
use strom_datastream::process::{Context, OutputTag, OutputTags};
use strom_datastream::{WATERMARK_EVERY, WatermarkStrategy, execute};

/// (key, kind, id).
pub(crate) type Ev = (u32, char, u32);

pub(crate) fn kind(k: char) -> impl Fn(&Ev) -> bool + Send + Sync + 'static {
    move |e: &Ev| e.1 == k
}

/// a, then b one or more times, then c (all relaxed) within `ms`.
pub(crate) fn a_bs_c(ms: u64) -> Pattern<Ev> {
    Pattern::begin("a")
        .where_(kind('a'))
        .followed_by("b")
        .where_(kind('b'))
        .one_or_more()
        .followed_by("c")
        .where_(kind('c'))
        .within(Duration::from_millis(ms))
}

fn ids(m: &Match<Ev>, name: &str) -> String {
    let v: Vec<String> = m.get(name).iter().map(|e| e.2.to_string()).collect();
    v.join("+")
}

/// Runs `p` over `events` keyed by the key; rows "m,key,a,b[,c]" for matches,
/// "t,key,a,deadline" for timeouts and "l,id" for late records, sorted.
pub(crate) fn run(p: &Pattern<Ev>, events: Vec<(i64, Ev)>, workers: usize) -> Vec<String> {
    let p = p.clone();
    let mut rows = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            let stream = env.from_timestamped(
                events.clone(),
                WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(50)),
            );
            let (timeouts, late) = (OutputTag::new("timeouts"), OutputTag::new("late"));
            let found = pattern(stream.key_by(|e: &Ev| e.0), &p)
                .unwrap()
                .side_output_late_data(&late)
                .select_with_timeout(
                    &timeouts,
                    |t| {
                        format!(
                            "t,{},{},{}",
                            t.events.events().next().unwrap().0,
                            ids(&t.events, "a"),
                            t.timeout
                        )
                    },
                    |m| {
                        let mut row = format!(
                            "m,{},{},{}",
                            m.events().next().unwrap().0,
                            ids(&m, "a"),
                            ids(&m, "b")
                        );
                        if !m.get("c").is_empty() {
                            row += &format!(",{}", ids(&m, "c"));
                        }
                        row
                    },
                );
            let late_rows = found.side_output(&late).map(|e: Ev| format!("l,{}", e.2));
            found
                .main
                .union(&found.side_output(&timeouts))
                .union(&late_rows)
        },
    )
    .unwrap()
    .unwrap();
    rows.sort();
    rows
}

/// Asserts that `p` over `events` gives the rows `want` at 1 and at 2 workers.
pub(crate) fn assert_rows(p: &Pattern<Ev>, events: &[(i64, Ev)], want: &[&str]) {
    for workers in [1, 2] {
        assert_eq!(run(p, events.to_vec(), workers), want, "{workers} workers");
    }
}

fn a_then_b() -> Pattern<Ev> {
    Pattern::begin("a")
        .where_(kind('a'))
        .followed_by("b")
        .where_(kind('b'))
        .within(Duration::from_millis(10))
}

/// Two keys' events, out of order within 50 ms.
fn keyed_events() -> Vec<(i64, Ev)> {
    vec![
        (2, (2, 'a', 3)),
        (5, (1, 'b', 2)),
        (1, (1, 'a', 1)),
        (20, (2, 'b', 4)),
        (31, (1, 'x', 7)),
        (30, (1, 'a', 5)),
        (35, (1, 'b', 6)),
    ]
}

#[test]
fn keyed_matches_and_timeouts_in_event_time() {
    // Out of order within the watermark's 50 ms; sorted per key they give
    // key 1: a1@1 b2@5 (match), a5@30 x7@31 b6@35 (match); key 2: a3@2, b4@20
    // (a3 times out at 12; b4 alone is nothing).
    let events = keyed_events();
    assert_rows(&a_then_b(), &events, &["m,1,1,2", "m,1,5,6", "t,2,3,12"]);
}

#[test]
fn records_behind_the_watermark_go_to_the_late_tag() {
    // More fillers than a source reads before moving its watermark, at 1,000 to
    // 1,900 ms: the watermark moves far past 0; then an 'a' at 0 is late.
    let n = WATERMARK_EVERY as i64 + 100;
    let mut events: Vec<(i64, Ev)> = (0..n)
        .map(|i| (1_000 + i * 900 / n, (9, 'x', 100 + i as u32)))
        .collect();
    events.push((0, (1, 'a', 1)));
    events.push((2_000, (1, 'a', 2)));
    events.push((2_003, (1, 'b', 3)));
    assert_eq!(run(&a_then_b(), events, 1), ["l,1", "m,1,2,3"]);
}

/// Generated events: 5 keys, kinds a/b/c/x, unique times with up to 9 ms disorder.
fn generated() -> Vec<(i64, Ev)> {
    (0..3_000u32).map(event).collect()
}

/// The same rows by the NFA harness, each key's events in time order.
fn model(p: &Pattern<Ev>, events: &[(i64, Ev)]) -> Vec<String> {
    let mut rows = Vec::new();
    for key in 0..5 {
        let mut mine: Vec<(i64, Ev)> = events.iter().filter(|e| e.1.0 == key).copied().collect();
        mine.sort_by_key(|e| e.0);
        let mut nfa = Nfa::compile(p).unwrap();
        let row =
            |m: &Match<Ev>| format!("m,{key},{},{},{}", ids(m, "a"), ids(m, "b"), ids(m, "c"));
        for (ts, e) in mine {
            let (m, t) = nfa.advance_time(ts).unwrap();
            rows.extend(m.iter().map(row));
            rows.extend(
                t.iter()
                    .map(|t| format!("t,{key},{},{}", ids(&t.events, "a"), t.timeout)),
            );
            rows.extend(nfa.process(e, ts).unwrap().iter().map(row));
        }
        let (m, t) = nfa.advance_time(i64::MAX / 2).unwrap();
        rows.extend(m.iter().map(row));
        rows.extend(
            t.iter()
                .map(|t| format!("t,{key},{},{}", ids(&t.events, "a"), t.timeout)),
        );
        assert!(nfa.is_empty());
    }
    rows.sort();
    rows
}

#[test]
fn a_generated_input_gives_the_harness_rows_at_1_and_2_workers() {
    let p = a_bs_c(200);
    let events = generated();
    let want = model(&p, &events);
    assert!(want.iter().filter(|r| r.starts_with('m')).count() > 100);
    assert!(want.iter().filter(|r| r.starts_with('t')).count() > 100);
    for workers in [1, 2] {
        assert!(
            run(&p, events.clone(), workers) == want,
            "{workers} workers"
        );
    }
}

#[test]
fn a_non_keyed_stream_runs_one_nfa() {
    let events = vec![(1, (1, 'a', 1)), (2, (2, 'b', 2)), (3, (3, 'b', 3))];
    let p = Pattern::begin("a")
        .where_(kind('a'))
        .followed_by_any("b")
        .where_(kind('b'));
    let mut rows = execute(&RuntimeConfig::default().with_workers(2), move |env| {
        let s = env.from_timestamped(events.clone(), WatermarkStrategy::monotonous());
        pattern_all(&s, &p)
            .unwrap()
            .select(|m| format!("{}-{}", ids(&m, "a"), ids(&m, "b")))
    })
    .unwrap()
    .unwrap();
    rows.sort();
    assert_eq!(rows, ["1-2", "1-3"]);
}

/// Runs a→b+→c over 6,000 generated events (1.5 s at 4,000 a second) whose watermark
/// stays behind them until the input ends, so that every checkpoint holds records
/// and partial matches in the CEP state; rows sorted.
fn checkpointed_rows(config: &RuntimeConfig) -> Vec<String> {
    let p = a_bs_c(200);
    let mut rows = execute(config, move |env| {
        let stream = env.generate(
            strom_datastream::Generator {
                count: Some(6_000),
                rate: Some(4_000.0),
            },
            |i| {
                let (_, e) = event(i as u32);
                e
            },
            strom_datastream::Timestamps::Event(std::rc::Rc::new(|e: &Ev| event(e.2).0)),
            WatermarkStrategy::bounded_out_of_orderness(Duration::from_secs(3_600)),
        );
        pattern(stream.key_by(|e: &Ev| e.0), &p)
            .unwrap()
            .select(|m| {
                format!(
                    "{},{},{},{}",
                    m.events().next().unwrap().0,
                    ids(&m, "a"),
                    ids(&m, "b"),
                    ids(&m, "c")
                )
            })
    })
    .unwrap()
    .unwrap();
    rows.sort();
    rows
}

/// Event `i` of the generated input (time, event).
fn event(i: u32) -> (i64, Ev) {
    let h = u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let kind = ['a', 'b', 'c', 'x'][((h >> 40) % 4) as usize];
    (
        i64::from(i) * 10 + ((h >> 20) % 10) as i64,
        (i % 5, kind, i),
    )
}

/// Checkpoints at 2 workers on `backend`, restores a mid-run checkpoint at 1 worker:
/// the uninterrupted run's matches.
fn checkpoint_and_restore(backend: &strom_core::state::StateBackend) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::default().with_workers(2);
    config.checkpoint_dir = Some(dir.path().to_str().unwrap().to_string());
    config.checkpoint_interval = Some(Duration::from_millis(150));
    config.state_backend = backend.clone();
    let want = checkpointed_rows(&config);
    assert!(want.len() > 100, "{} matches", want.len());
    let all = strom_datastream::checkpoint::committed(dir.path().to_str().unwrap()).unwrap();
    assert!(all.len() >= 3, "{} checkpoints", all.len());
    let mid = &all[all.len() / 2];
    let mut again = RuntimeConfig::default().with_workers(1);
    again.restore = Some(strom_core::Restore::At(mid.url.clone()));
    again.state_backend = backend.clone();
    assert!(checkpointed_rows(&again) == want, "restored at 1 worker");
}

#[test]
fn cep_state_is_checkpointed_and_restored_at_another_parallelism() {
    checkpoint_and_restore(&strom_core::state::StateBackend::Heap);
}

#[test]
fn cep_state_on_the_disk_backend_is_checkpointed_and_restored() {
    let dir = tempfile::tempdir().unwrap();
    checkpoint_and_restore(&strom_core::state::StateBackend::Disk(
        strom_core::state::DiskOptions {
            dir: Some(dir.path().to_path_buf()),
            cache_entries: 2,
            ..Default::default()
        },
    ));
}

/// A user's pattern function: matches as "a+b" on the main output, timed-out partial
/// matches as "a@deadline" to its own tag.
struct Pairs {
    timeouts: OutputTag<String>,
}

impl PatternProcessFunction<u32, Ev> for Pairs {
    type Out = String;

    fn process_match(&mut self, m: Match<Ev>, ctx: &mut Context<'_, u32, String, ()>) {
        ctx.collect(format!("{}+{}", ids(&m, "a"), ids(&m, "b")));
    }

    fn process_timed_out(&mut self, t: TimedOut<Ev>, ctx: &mut Context<'_, u32, String, ()>) {
        ctx.output_to(
            &self.timeouts,
            format!("{}@{}", ids(&t.events, "a"), t.timeout),
        );
    }

    fn output_tags(&self) -> OutputTags {
        OutputTags::new().with(&self.timeouts)
    }
}

#[test]
fn a_users_pattern_process_function_gets_matches_and_timeouts() {
    // The events of `keyed_matches_and_timeouts_in_event_time`, through `process`.
    let events = keyed_events();
    for workers in [1, 2] {
        let events = events.clone();
        let mut rows = execute(
            &RuntimeConfig::default().with_workers(workers),
            move |env| {
                let stream = env.from_timestamped(
                    events.clone(),
                    WatermarkStrategy::bounded_out_of_orderness(Duration::from_millis(50)),
                );
                let timeouts = OutputTag::new("timeouts");
                let found = pattern(stream.key_by(|e: &Ev| e.0), &a_then_b())
                    .unwrap()
                    .process(Pairs {
                        timeouts: timeouts.clone(),
                    });
                let timed_out = found.side_output(&timeouts).map(|t| format!("t:{t}"));
                found.main.map(|m| format!("m:{m}")).union(&timed_out)
            },
        )
        .unwrap()
        .unwrap();
        rows.sort();
        assert_eq!(rows, ["m:1+2", "m:5+6", "t:3@12"], "{workers} workers");
    }
}

#[test]
fn in_processing_time_records_match_in_arrival_order() {
    // Event times are ignored in processing time: b2 carries an earlier event time
    // than a1 but arrives after it, so a1 b2 matches (in event time it would not);
    // `within` runs on the wall clock, far longer than the job.
    let p = Pattern::begin("a")
        .where_(kind('a'))
        .followed_by("b")
        .where_(kind('b'))
        .within(Duration::from_secs(600));
    let events = vec![(100, (1, 'a', 1)), (50, (1, 'b', 2)), (200, (1, 'b', 3))];
    let mut rows = execute(&RuntimeConfig::default().with_workers(1), move |env| {
        let stream = env.from_timestamped(
            events.clone(),
            WatermarkStrategy::bounded_out_of_orderness(Duration::ZERO),
        );
        pattern(stream.key_by(|e: &Ev| e.0), &p)
            .unwrap()
            .in_processing_time()
            .select(|m| format!("{}+{}", ids(&m, "a"), ids(&m, "b")))
    })
    .unwrap()
    .unwrap();
    rows.sort();
    assert_eq!(rows, ["1+2"]);
}
