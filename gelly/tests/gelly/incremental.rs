//! Incremental algorithms (`strom_gelly::incremental`) against batch answers: after
//! every time of a seeded random sequence of insertions and deletions (duplicates,
//! self-loops, deletions of present edges), the changelog folded up to that time
//! equals what networkx 3.4.2 computes on the edges present then (PageRank: the
//! integer recurrence written out in Python; k-core membership: networkx's `k_core`),
//! at one and three workers. Also: the
//! changelog is consolidated (no row cancels another of the same time).

use std::collections::BTreeMap;
use std::sync::Arc;

use strom_core::RuntimeConfig;
use strom_datastream::{WatermarkStrategy, execute};
use strom_gelly::incremental::{Algorithm, CurrentResult, EdgeChange, maintain};

use crate::support::{WORKERS, networkx_output, xorshift};

/// Roots of the path algorithms.
pub(crate) const ROOTS: [u64; 3] = [0, 2, 9];
const ROUNDS: u64 = 4;
/// The k of the k-core.
const K: u64 = 3;

fn algorithms() -> Vec<Algorithm> {
    let roots: Arc<[u64]> = ROOTS.into();
    vec![
        Algorithm::ConnectedComponents,
        Algorithm::Reachability(roots.clone()),
        Algorithm::Bfs(roots.clone()),
        Algorithm::Sssp(roots),
        Algorithm::Degrees,
        Algorithm::Triangles,
        Algorithm::PageRank(ROUNDS),
        Algorithm::KCore(K),
    ]
}

/// `batches` times of random changes over `vertices` vertices: mostly insertions
/// (some duplicates and self-loops) at first, deletions of present edges mixed in.
pub(crate) fn random_changes(seed: u64, vertices: u64, batches: i64) -> Vec<(i64, EdgeChange)> {
    let mut next = xorshift(seed);
    let mut present: Vec<(u64, u64, u64)> = Vec::new();
    let mut changes = Vec::new();
    for time in 1..=batches {
        for _ in 0..3 + next() % 12 {
            let delete = !present.is_empty() && next() % 100 < 20 + 3 * time as u64;
            let (edge, diff) = if delete {
                let i = (next() % present.len() as u64) as usize;
                (present.swap_remove(i), -1)
            } else if !present.is_empty() && next().is_multiple_of(10) {
                let i = (next() % present.len() as u64) as usize;
                (present[i], 1)
            } else {
                let (s, d) = (next() % vertices, next() % vertices);
                ((s, d, 1 + next() % 5), 1)
            };
            if diff > 0 {
                present.push(edge);
            }
            let (source, target, weight) = edge;
            changes.push((
                time,
                EdgeChange {
                    source,
                    target,
                    weight,
                    diff,
                },
            ));
        }
    }
    changes
}

/// networkx's answers per time: `algorithm name -> time -> (vertex, value)s`.
pub(crate) type Answers = BTreeMap<String, BTreeMap<i64, Vec<(u64, u64)>>>;

pub(crate) fn oracle(changes: &[(i64, EdgeChange)], name: &str) -> Option<Answers> {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("changes.txt");
    let text: String = changes
        .iter()
        .map(|(t, c)| format!("{t} {} {} {} {}\n", c.source, c.target, c.weight, c.diff))
        .collect();
    std::fs::write(&file, text).unwrap();
    let roots: Vec<String> = ROOTS.iter().map(u64::to_string).collect();
    let (roots, rounds, k) = (roots.join(","), ROUNDS.to_string(), K.to_string());
    let out = networkx_output(
        "incremental_oracle.py",
        &[
            file.as_os_str(),
            roots.as_ref(),
            rounds.as_ref(),
            k.as_ref(),
        ],
    )?;
    let mut answers = Answers::new();
    for line in out.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        answers
            .entry(f[1].to_string())
            .or_default()
            .entry(f[0].parse().unwrap())
            .or_default()
            .push((f[2].parse().unwrap(), f[3].parse().unwrap()));
    }
    Some(answers)
}

/// Every algorithm's changelog, `(algorithm index, time, change)`, at `workers`.
fn changelogs(changes: &[(i64, EdgeChange)], workers: usize) -> Vec<(usize, i64, (u64, u64, i64))> {
    let changes: Arc<[(i64, EdgeChange)]> = changes.into();
    execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            let input = env.from_timestamped(changes.clone(), WatermarkStrategy::monotonous());
            let logs: Vec<_> = algorithms()
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    maintain(env, &input, a)
                        .with_timestamps()
                        .map(move |(t, c)| (i, t, c))
                })
                .collect();
            logs[1..]
                .iter()
                .fold(logs[0].clone(), |all, log| all.union(log))
        },
    )
    .unwrap()
    .unwrap()
}

#[test]
fn maintained_results_equal_networkx_after_every_time() {
    let changes = random_changes(0x5eed_1c4e, 16, 14);
    let Some(answers) = oracle(&changes, "incremental-random") else {
        return;
    };
    let times: Vec<i64> = (1..=14).collect();
    for workers in WORKERS {
        let logs = changelogs(&changes, workers);
        for (i, algorithm) in algorithms().iter().enumerate() {
            let log: Vec<(i64, (u64, u64, i64))> = logs
                .iter()
                .filter(|(a, _, _)| *a == i)
                .map(|(_, t, c)| (*t, *c))
                .collect();
            let mut per_time: BTreeMap<(i64, u64, u64), i64> = BTreeMap::new();
            for (t, (v, x, d)) in &log {
                *per_time.entry((*t, *v, *x)).or_default() += d;
            }
            assert_eq!(
                per_time.len(),
                log.len(),
                "{}: rows of one time and value are consolidated, at {workers} workers",
                algorithm.name()
            );
            assert!(per_time.values().all(|d| *d != 0));
            let expected = &answers.get(algorithm.name()).cloned().unwrap_or_default();
            for &time in &times {
                let folded =
                    CurrentResult::fold(log.iter().filter(|(t, _)| *t <= time).map(|(_, c)| *c));
                assert!(
                    folded.is_consistent(),
                    "{} at time {time}",
                    algorithm.name()
                );
                let want = expected.get(&time).cloned().unwrap_or_default();
                assert_eq!(
                    folded.values(),
                    want,
                    "{} after time {time} at {workers} workers",
                    algorithm.name()
                );
            }
        }
    }
}
