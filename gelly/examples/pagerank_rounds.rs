//! Times PageRank on an edge list (`source target` per line), as `strom run pagerank`
//! builds it, with 0 and with ITERATIONS rounds, alternating, and prints the time of a
//! round: the part of the job that the iteration's design decides (reading the edges
//! and building the graph are the same either way).
//!
//! ```text
//! cargo run --release -p strom-gelly --example pagerank_rounds -- EDGES ITERATIONS WORKERS RUNS
//! ```

use std::time::Instant;

use strom_core::RuntimeConfig;
use strom_dataset::{agg, execute};
use strom_gelly::Graph;
use strom_gelly::edges::read_edges;
use strom_gelly::link_analysis::{Rounds, pagerank};

/// Seconds of one run of `iterations` rounds, and the number of ranks.
fn run(edges: &str, iterations: u32, workers: usize) -> (f64, u64) {
    let url = edges.to_owned();
    let start = Instant::now();
    let out = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| {
            let edges = read_edges(env, &url).map(|(a, b)| (a, b, 1.0));
            let graph = Graph::from_edges_and_ids(&edges, &env.empty(), |_| ());
            pagerank(&graph, 0.85, Rounds::Fixed(iterations))
                .map(|_| 1u64)
                .aggregate(agg::sum(|x: &u64| *x))
                .collect()
        },
    )
    .expect("the job runs")
    .expect("one output");
    let count = out.first().copied().unwrap_or_default();
    (start.elapsed().as_secs_f64(), count)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [edges, iterations, workers, runs] = args.as_slice() else {
        eprintln!("usage: pagerank_rounds EDGES ITERATIONS WORKERS RUNS");
        std::process::exit(2);
    };
    let iterations: u32 = iterations.parse().expect("ITERATIONS is a number");
    let workers: usize = workers.parse().expect("WORKERS is a number");
    let runs: usize = runs.parse().expect("RUNS is a number");
    let (mut load, mut all) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (t0, n0) = run(edges, 0, workers);
        let (t, n) = run(edges, iterations, workers);
        assert_eq!(n0, n, "the same vertices with and without rounds");
        println!("vertices {n}: {t0:.2} s without rounds, {t:.2} s with {iterations}");
        load.push(t0);
        all.push(t);
    }
    load.sort_by(f64::total_cmp);
    all.sort_by(f64::total_cmp);
    let (load, all) = (load[runs / 2], all[runs / 2]);
    println!(
        "medians: {load:.2} s without rounds, {all:.2} s with {iterations}: {:.1} ms per round",
        (all - load) * 1000.0 / f64::from(iterations)
    );
}
