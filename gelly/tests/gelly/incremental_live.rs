//! The queryable current result (`strom_gelly::incremental::LiveResult`) read from
//! another thread while a job runs: the changes come at a fixed rate, so the job takes
//! a few seconds; every snapshot the reader takes is the result of exactly the times
//! up to the snapshot's time, equal to networkx 3.4.2's on the edges present then, at
//! one and three workers.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use strom_core::RuntimeConfig;
use strom_datastream::{WatermarkStrategy, execute};
use strom_gelly::incremental::{Algorithm, EdgeChange, LiveResult, maintain};

use crate::incremental::{ROOTS, oracle, random_changes};
use crate::support::WORKERS;

/// Readings of one live result: `(through, values)`, each different from the last.
type Readings = Vec<(i64, Vec<(u64, u64)>)>;

/// The answer at change time `through`: that of the last time at or before it.
fn answer_at(answers: &BTreeMap<i64, Vec<(u64, u64)>>, through: i64) -> Vec<(u64, u64)> {
    answers
        .range(..=through)
        .next_back()
        .map(|(_, values)| values.clone())
        .unwrap_or_default()
}

/// Runs components and BFS over `changes` at `rate` changes/s, reading both live
/// results from this thread meanwhile: every distinct `(through, values)` seen, per
/// algorithm, and each one's final value of vertex `probe`.
fn observe(
    changes: &[(i64, EdgeChange)],
    workers: usize,
    rate: f64,
    probe: u64,
) -> (Vec<Readings>, Vec<Option<u64>>) {
    let lives = [LiveResult::new(), LiveResult::new()];
    let algorithms = [Algorithm::ConnectedComponents, Algorithm::Bfs(ROOTS.into())];
    let changes: Arc<[(i64, EdgeChange)]> = changes.into();
    let attached = lives.clone();
    let job = std::thread::spawn(move || {
        execute(
            &RuntimeConfig::default().with_workers(workers),
            move |env| {
                let input = env.from_timestamped_at(
                    changes.clone(),
                    WatermarkStrategy::monotonous(),
                    Some(rate),
                );
                let logs: Vec<_> = algorithms
                    .iter()
                    .zip(&attached)
                    .map(|(algorithm, live)| {
                        let log = maintain(env, &input, algorithm);
                        live.attach(&log);
                        log
                    })
                    .collect();
                logs[0].union(&logs[1])
            },
        )
        .unwrap()
    });
    let mut seen: Vec<Readings> = vec![Vec::new(), Vec::new()];
    loop {
        let mut ended = true;
        for (live, seen) in lives.iter().zip(&mut seen) {
            let (through, values) = live.read(|t, result| (t, result.values()));
            if seen.last().is_none_or(|(t, _)| *t != through) {
                seen.push((through, values));
            }
            ended &= through == i64::MAX;
        }
        if ended {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    job.join().unwrap();
    let finals = lives.iter().map(|live| live.get(probe)).collect();
    (seen, finals)
}

#[test]
fn live_results_read_while_running_equal_networkx_at_their_time() {
    let changes = random_changes(0x11fe_0b5e, 16, 14);
    let Some(answers) = oracle(&changes, "incremental-live") else {
        return;
    };
    let names = ["connected-components", "bfs"];
    for workers in WORKERS {
        let (seen, finals) = observe(&changes, workers, 60.0, ROOTS[1]);
        for (name, seen) in names.iter().zip(&seen) {
            let expected = &answers.get(*name).cloned().unwrap_or_default();
            let midway = seen.iter().filter(|(t, _)| (1..14).contains(t)).count();
            assert!(
                midway >= 3,
                "{name} at {workers} workers: the reader saw only the times {:?}",
                seen.iter().map(|(t, _)| *t).collect::<Vec<_>>()
            );
            for (through, values) in seen {
                assert_eq!(
                    *values,
                    answer_at(expected, *through),
                    "{name} read at time {through}, {workers} workers"
                );
            }
        }
        // The value of one vertex at the end, against networkx's after the last time.
        for ((name, got), live_seen) in names.iter().zip(&finals).zip(&seen) {
            let last = answer_at(&answers[*name], i64::MAX);
            let want = last.iter().find(|(v, _)| *v == ROOTS[1]).map(|(_, x)| *x);
            assert_eq!(*got, want, "{name}: vertex {} at the end", ROOTS[1]);
            assert_eq!(live_seen.last().map(|(t, _)| *t), Some(i64::MAX));
        }
    }
}

#[test]
fn waiting_for_a_time_gives_a_result_at_or_after_it() {
    let edge = |source, target, diff| EdgeChange {
        source,
        target,
        weight: 1,
        diff,
    };
    // Hand-computed: at time 1 the path 1-2-3 (component 1); at time 2 the edge 0-3
    // joins vertex 0 (component 0 for all); at time 3 the edge 2-3 goes (3 keeps 0
    // through 0-3, 1 and 2 are component 1 again).
    let changes: Arc<[(i64, EdgeChange)]> = vec![
        (1, edge(1, 2, 1)),
        (1, edge(2, 3, 1)),
        (2, edge(0, 3, 1)),
        (3, edge(2, 3, -1)),
    ]
    .into();
    let live = LiveResult::new();
    let attached = live.clone();
    let job = std::thread::spawn(move || {
        execute(&RuntimeConfig::default().with_workers(2), move |env| {
            let input = env.from_timestamped_at(
                changes.clone(),
                WatermarkStrategy::monotonous(),
                Some(8.0),
            );
            let log = maintain(env, &input, &Algorithm::ConnectedComponents);
            attached.attach(&log);
            log
        })
        .unwrap()
    });
    let expected = [
        vec![(1, 1), (2, 1), (3, 1)],
        vec![(0, 0), (1, 0), (2, 0), (3, 0)],
        vec![(0, 0), (1, 1), (2, 1), (3, 0)],
    ];
    for time in 1..=3 {
        assert!(
            live.wait_through(time, Duration::from_secs(30)),
            "time {time}"
        );
        let (through, result) = live.snapshot();
        assert!(through >= time);
        let at = usize::try_from(through.min(3)).unwrap() - 1;
        assert_eq!(result.values(), expected[at], "read at {through}");
        assert!(result.is_consistent());
    }
    job.join().unwrap();
    assert_eq!(live.through(), i64::MAX);
    assert_eq!(live.get(3), Some(0));
    assert_eq!(live.get(2), Some(1));
    assert_eq!(live.get(9), None);
}
