//! Strom's side of `strom-bench graph`: each algorithm of `strom_gelly` through its
//! public API, as a user would call it, on the edge list read by `read_edges`, the
//! result collected to this process. Timed as one job: reading the file, building the
//! graph, the algorithm, collecting.

use anyhow::Result;
use strom_core::RuntimeConfig;
use strom_dataset::execute;
use strom_gelly::Graph;
use strom_gelly::components::connected_components;
use strom_gelly::edges::read_edges;
use strom_gelly::library::sssp_scatter_gather;
use strom_gelly::link_analysis::{Rounds, pagerank};
use strom_gelly::similarity::triangle_count;

use super::{Algorithm, PAGERANK_TOLERANCE, Value};

/// `algorithm` at `workers` workers on the edge list at `edges` from `source`: one
/// value per vertex by vertex id (the total alone for triangles).
pub(super) fn run(
    algorithm: Algorithm,
    workers: usize,
    edges: &str,
    source: u64,
) -> Result<Vec<(u64, Value)>> {
    let config = RuntimeConfig::default().with_workers(workers);
    let url = edges.to_owned();
    let mut out = match algorithm {
        Algorithm::Pagerank => rows(
            execute(&config, move |env| {
                let graph =
                    Graph::from_edges(&read_edges(env, &url).map(|(a, b)| (a, b, ())), |_| ());
                let rounds = Rounds::Converge {
                    tolerance: PAGERANK_TOLERANCE,
                    max: u32::MAX,
                };
                pagerank(&graph, 0.85, rounds).collect()
            })?,
            |(v, r)| (v, Value::Rank(r)),
        ),
        Algorithm::Components => rows(
            execute(&config, move |env| {
                connected_components(&read_edges(env, &url), &env.empty()).collect()
            })?,
            |(v, c)| (v, Value::Count(c)),
        ),
        Algorithm::Sssp => rows(
            execute(&config, move |env| {
                let weighted = read_edges(env, &url).map(|(a, b)| (a, b, 1.0));
                sssp_scatter_gather(&Graph::from_edges(&weighted, |_| ()), source, u32::MAX)
                    .collect()
            })?,
            |(v, d)| (v, Value::Count(d as u64)),
        ),
        Algorithm::Triangles => rows(
            execute(&config, move |env| {
                let graph =
                    Graph::from_edges(&read_edges(env, &url).map(|(a, b)| (a, b, ())), |_| ());
                triangle_count(&graph)
                    .map(|(_, t)| t)
                    .reduce(|a, b| a + b)
                    .collect()
            })?,
            // Every triangle is counted at each of its three corners.
            |t| (0, Value::Count(t / 3)),
        ),
    };
    out.sort_unstable_by_key(|r| r.0);
    Ok(out)
}

/// The rows of a job's collected output.
fn rows<T>(collected: Option<Vec<T>>, row: impl Fn(T) -> (u64, Value)) -> Vec<(u64, Value)> {
    collected.unwrap_or_default().into_iter().map(row).collect()
}
