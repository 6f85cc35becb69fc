//! A delta iteration whose solution set is larger than its memory budget: the solution
//! moves to disk (reported as spill stores) and the results equal a sequential answer
//! and the in-memory run.

use std::collections::VecDeque;

use strom_core::RuntimeConfig;
use strom_core::spill::footprint;
use strom_dataset::{DataSet, Env, JobMetrics, agg, execute_with_metrics};

use crate::iterations::{components, delta_components_with};

/// Workers of the out-of-core runs.
pub(crate) const WORKERS: [usize; 2] = [1, 3];

/// A seeded random graph on `n` vertices with `m` edges (many components).
pub(crate) fn random_graph(n: u64, m: usize, seed: u64) -> Vec<(u64, u64)> {
    let mut s = seed;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) % n
    };
    (0..m).map(|_| (next(), next())).collect()
}

/// Runs `build` on `workers` workers, under `memory` bytes if given, with a spill folder
/// that must be empty again afterwards; gives the sorted output and the metrics.
pub(crate) fn run_under<T: Ord + strom_dataset::Data>(
    workers: usize,
    memory: Option<u64>,
    build: impl for<'s> Fn(&Env<'s>) -> DataSet<'s, T> + Send + Sync + 'static,
) -> (Vec<T>, JobMetrics) {
    let spill = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::default()
        .with_workers(workers)
        .with_spill_dir(spill.path());
    if let Some(bytes) = memory {
        config = config.with_memory_limit(bytes);
    }
    let (out, metrics) = execute_with_metrics(&config, move |env| build(env).collect()).unwrap();
    let mut out = out.unwrap();
    out.sort();
    assert_eq!(
        std::fs::read_dir(spill.path()).unwrap().count(),
        0,
        "the spilled state is removed with the job"
    );
    (out, metrics)
}

/// Whether `metrics` say that each of `workers` workers moved its solution to disk
/// once, and nothing else went to a store.
fn moved_to_disk(metrics: &JobMetrics, workers: usize) -> bool {
    metrics.spill_stores == workers as u64 && metrics.spilled_bytes > 0
}

/// Delta-iteration components (`iterations.rs`) of a graph: its solution set is the
/// labels, its static inner join the edges.
pub(crate) fn components_job(
    n: u64,
    edges: Vec<(u64, u64)>,
) -> impl for<'s> Fn(&Env<'s>) -> DataSet<'s, (u64, u64)> + Clone + Send + Sync + 'static {
    move |env| delta_components_with(env, n, edges.clone(), |_, _| {})
}

#[test]
fn components_with_a_solution_set_ten_times_the_budget() {
    let n = 20_000u64;
    let edges = random_graph(n, 16_000, 7);
    let expected = components(n, &edges);
    let labels = expected.iter().filter(|&&(v, c)| v == c).count();
    assert!(labels > 1_000, "many components: {labels}");
    // The initial solution, one `(vertex, label)` per vertex, as the store sizes it.
    let solution_bytes: u64 = (0..n).map(|v| footprint(&(v, v))).sum();
    for w in WORKERS {
        let job = components_job(n, edges.clone());
        let (in_memory, metrics) = run_under(w, None, job.clone());
        assert_eq!(in_memory, expected, "in memory, workers {w}");
        assert_eq!(metrics.spill_stores, 0, "{metrics:?}");
        // Counted, but within its share: it stays in memory.
        let (counted, metrics) = run_under(w, Some(solution_bytes * 100), job.clone());
        assert_eq!(metrics.spill_stores, 0, "{metrics:?}");
        assert_eq!(counted, expected, "counted, workers {w}");
        let (spilled, metrics) = run_under(w, Some(solution_bytes / 10), job);
        assert!(moved_to_disk(&metrics, w), "workers {w}: {metrics:?}");
        assert_eq!(spilled, expected, "on disk, workers {w}");
        assert_eq!(spilled, in_memory);
    }
}

/// Breadth-first distances from `source`, sequentially.
fn distances(n: u64, edges: &[(u64, u64)], source: u64) -> Vec<(u64, u64)> {
    let mut adjacent = vec![Vec::new(); n as usize];
    for &(a, b) in edges {
        adjacent[a as usize].push(b);
        adjacent[b as usize].push(a);
    }
    let mut distance = vec![None; n as usize];
    distance[source as usize] = Some(0u64);
    let mut queue = VecDeque::from([source]);
    while let Some(v) = queue.pop_front() {
        let d = distance[v as usize].expect("queued vertices have a distance");
        for &u in &adjacent[v as usize] {
            if distance[u as usize].is_none() {
                distance[u as usize] = Some(d + 1);
                queue.push_back(u);
            }
        }
    }
    (0..n)
        .filter_map(|v| distance[v as usize].map(|d| (v, d)))
        .collect()
}

/// Distances as a delta iteration whose solution starts with the source alone and
/// grows by each round's newly reached vertices (new keys).
fn delta_distances<'s>(env: &Env<'s>, edges: Vec<(u64, u64)>) -> DataSet<'s, (u64, u64)> {
    let edges = env
        .from_collection(edges)
        .flat_map(|(a, b)| [(a, b), (b, a)]);
    let source = env.from_collection(vec![(0u64, 0u64)]);
    source.iterate_delta(
        &source,
        |x: &(u64, u64)| x.0,
        1000,
        |_, solution, frontier| {
            let reached = frontier
                .join(&edges, |f: &(u64, u64)| f.0, |e: &(u64, u64)| e.0)
                .with(|&(_, d), &(_, to)| (to, d + 1))
                .group_by(|r: &(u64, u64)| r.0)
                .aggregate(agg::min(|r: &(u64, u64)| r.1));
            let new = solution.lookup(
                &reached,
                |r: &(u64, u64)| r.0,
                |r, known| known.is_none().then_some(r),
            );
            (new.clone(), new)
        },
    )
}

/// [`delta_distances`] of a graph.
fn distances_job(
    edges: Vec<(u64, u64)>,
) -> impl for<'s> Fn(&Env<'s>) -> DataSet<'s, (u64, u64)> + Clone + Send + Sync + 'static {
    move |env| delta_distances(env, edges.clone())
}

#[test]
fn a_growing_solution_set_moves_to_disk_between_rounds() {
    // A graph with a giant component: the solution passes the budget after a few
    // rounds, and the later ones read and add to the table on disk.
    let n = 12_000u64;
    let edges = random_graph(n, 15_000, 11);
    let expected = distances(n, &edges, 0);
    assert!(expected.len() > n as usize / 2, "{}", expected.len());
    let solution_bytes: u64 = expected.iter().map(footprint).sum();
    for w in WORKERS {
        let job = distances_job(edges.clone());
        let (in_memory, metrics) = run_under(w, None, job.clone());
        assert_eq!(in_memory, expected, "in memory, workers {w}");
        assert_eq!(metrics.spill_stores, 0, "{metrics:?}");
        let (spilled, metrics) = run_under(w, Some(solution_bytes / 10), job);
        assert!(moved_to_disk(&metrics, w), "workers {w}: {metrics:?}");
        assert_eq!(spilled, expected, "on disk, workers {w}");
    }
}
