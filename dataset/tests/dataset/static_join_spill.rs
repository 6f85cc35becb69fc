//! Iterations whose static join (the loop-invariant build side, a graph's edges) is
//! about ten times larger than the whole memory limit: the table keeps hash partitions
//! on disk (reported as spilled partitions), reads them back each round, and the
//! results equal a sequential answer and the in-memory run.

use strom_core::spill::footprint;
use strom_dataset::{DataSet, Env, agg};

use crate::iterations::components;
use crate::solution_spill::{WORKERS, components_job, random_graph, run_under};

/// What the static table counts for the graph's directed edges: key, row and slot.
fn edge_table_bytes(edges: &[(u64, u64)]) -> u64 {
    2 * edges.len() as u64 * (footprint(&0u64) + footprint(&(0u64, 0u64)) + 16)
}

#[test]
fn delta_components_with_edges_ten_times_the_memory() {
    let n = 4_000u64;
    let edges = random_graph(n, 12_000, 23);
    let expected = components(n, &edges);
    let limit = edge_table_bytes(&edges) / 10;
    for w in WORKERS {
        let job = components_job(n, edges.clone());
        let (in_memory, metrics) = run_under(w, None, job.clone());
        assert_eq!(in_memory, expected, "in memory, workers {w}");
        assert_eq!(metrics.spilled_partitions, 0, "{metrics:?}");
        // Counted, but within its share: the table stays whole in memory.
        let (counted, metrics) = run_under(w, Some(limit * 1000), job.clone());
        assert_eq!(metrics.spilled_partitions, 0, "{metrics:?}");
        assert_eq!(counted, expected, "counted, workers {w}");
        let (spilled, metrics) = run_under(w, Some(limit), job);
        assert!(metrics.spilled_partitions > 0, "workers {w}: {metrics:?}");
        assert_eq!(spilled, expected, "edges on disk, workers {w}");
        assert_eq!(spilled, in_memory);
    }
}

/// `rounds` synchronous rounds of min-label propagation over undirected `edges`,
/// sequentially: each vertex takes the least of its label and its neighbours'.
fn min_labels(n: u64, edges: &[(u64, u64)], rounds: u32) -> Vec<(u64, u64)> {
    let mut labels: Vec<u64> = (0..n).collect();
    for _ in 0..rounds {
        let mut next = labels.clone();
        for &(a, b) in edges {
            next[b as usize] = next[b as usize].min(labels[a as usize]);
            next[a as usize] = next[a as usize].min(labels[b as usize]);
        }
        labels = next;
    }
    labels
        .into_iter()
        .enumerate()
        .map(|(v, l)| (v as u64, l))
        .collect()
}

/// The same as a bulk iteration: every vertex sends its label along its edges and to
/// itself through a left outer join with the edges (a vertex without edges gets its
/// own label from the unmatched side only), then keeps the least label it received.
fn bulk_min_labels<'s>(
    env: &Env<'s>,
    n: u64,
    edges: Vec<(u64, u64)>,
    rounds: u32,
) -> DataSet<'s, (u64, u64)> {
    let edges = env
        .from_collection(edges)
        .flat_map(|(a, b)| [(a, b), (b, a)]);
    let labels = env.generate_sequence(0, n - 1).map(|v| (v, v));
    labels.iterate(rounds, |_, labels| {
        labels
            .left_outer_join(&edges, |l: &(u64, u64)| l.0, |e: &(u64, u64)| e.0)
            .with(|&(v, label), edge| match edge {
                Some(&(_, to)) => vec![(to, label), (v, label)],
                None => vec![(v, label)],
            })
            .flat_map(|sent| sent)
            .group_by(|s: &(u64, u64)| s.0)
            .aggregate(agg::min(|s: &(u64, u64)| s.1))
    })
}

/// [`bulk_min_labels`] of a graph.
fn min_labels_job(
    n: u64,
    edges: Vec<(u64, u64)>,
    rounds: u32,
) -> impl for<'s> Fn(&Env<'s>) -> DataSet<'s, (u64, u64)> + Clone + Send + Sync + 'static {
    move |env| bulk_min_labels(env, n, edges.clone(), rounds)
}

#[test]
fn bulk_left_outer_join_with_edges_ten_times_the_memory() {
    // Sparse, so that many vertices have no edge and take the left outer path.
    let (n, rounds) = (6_000u64, 6);
    let edges = random_graph(n, 9_000, 31);
    let expected = min_labels(n, &edges, rounds);
    let mut seen: Vec<bool> = vec![false; n as usize];
    edges
        .iter()
        .for_each(|&(a, b)| (seen[a as usize], seen[b as usize]) = (true, true));
    assert!(
        seen.iter().filter(|s| !**s).count() > 100,
        "vertices without edges"
    );
    let limit = edge_table_bytes(&edges) / 10;
    for w in WORKERS {
        let job = min_labels_job(n, edges.clone(), rounds);
        let (in_memory, metrics) = run_under(w, None, job.clone());
        assert_eq!(in_memory, expected, "in memory, workers {w}");
        assert_eq!(metrics.spilled_partitions, 0, "{metrics:?}");
        let (spilled, metrics) = run_under(w, Some(limit), job);
        assert!(metrics.spilled_partitions > 0, "workers {w}: {metrics:?}");
        assert_eq!(spilled, expected, "edges on disk, workers {w}");
        assert_eq!(spilled, in_memory);
    }
}
