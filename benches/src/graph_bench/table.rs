//! The report of `strom-bench graph`: one Markdown row per graph, algorithm and
//! engine (medians; the reason instead when a run timed out, failed or differed), and
//! whether Strom meets the goal against igraph.

use super::{Algorithm, Engine, Row};
use crate::median;

/// The Markdown table of every row, and the goal per algorithm and graph:
/// at `goal_workers` workers, faster than igraph at most 3x its peak memory.
pub(super) fn print(tables: &[(String, Algorithm, Vec<Row>, String)], goal_workers: usize) {
    println!(
        "\n| graph | algorithm | engine | workers | seconds | algorithm alone, s | peak MiB | igraph's seconds / these | peak / igraph's |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut goals = Vec::new();
    for (graph, algorithm, rows, _) in tables {
        let typical = |r: &Row| (!r.processing.is_empty()).then(|| median(r.processing.clone()));
        let peak = |r: &Row| {
            (!r.peak.is_empty()).then(|| median(r.peak.iter().map(|&p| p as f64).collect()))
        };
        let igraph = rows.iter().find(|r| r.engine == Engine::Igraph);
        let (igraph_s, igraph_peak) = (igraph.and_then(typical), igraph.and_then(peak));
        for r in rows {
            let (seconds, memory) = (typical(r), peak(r));
            let cell = |x: Option<f64>, f: &dyn Fn(f64) -> String| x.map_or("-".into(), f);
            let status = r.status.as_deref();
            // Ratios only of rows with numbers.
            let ratio = |a: Option<f64>, b: Option<f64>| {
                a.zip(b).filter(|_| status.is_none()).map(|(a, b)| a / b)
            };
            let time = match (seconds, status) {
                (_, Some(s)) => s.to_string(),
                (Some(t), None) => format!("{t:.3}"),
                (None, None) => "-".into(),
            };
            let alone = (!r.algorithm_only.is_empty()).then(|| median(r.algorithm_only.clone()));
            println!(
                "| {graph} | {} | {} | {} | {time} | {} | {} | {} | {} |",
                algorithm.name(),
                r.engine.name(),
                r.engine.workers(),
                cell(alone.filter(|_| status.is_none()), &|a| format!("{a:.3}")),
                cell(memory.filter(|_| status.is_none()), &|m| format!(
                    "{:.0}",
                    m / f64::from(1 << 20)
                )),
                cell(ratio(igraph_s, seconds), &|x| format!("{x:.2}")),
                cell(ratio(memory, igraph_peak), &|x| format!("{x:.2}")),
            );
            if r.engine != Engine::Strom(goal_workers) {
                continue;
            }
            let goal = match (status, seconds, memory, igraph_s, igraph_peak) {
                (Some(why), ..) => format!("not met ({why})"),
                (None, Some(t), Some(m), Some(i), Some(ip)) => format!(
                    "{} ({:.2}x igraph's speed, {:.2}x its peak memory)",
                    if t < i && m <= 3.0 * ip {
                        "met"
                    } else {
                        "not met"
                    },
                    i / t,
                    m / ip
                ),
                _ => continue,
            };
            goals.push(format!("{graph}, {}: {goal}", algorithm.name()));
        }
    }
    let checked: Vec<String> = tables
        .iter()
        .map(|(g, a, _, by)| format!("{g} {}: against {by}'s", a.name()))
        .collect();
    println!(
        "(seconds: median, from reading the edge list to the result in memory; results checked before any time counts ({}), exact for components, hops and triangles, 1e-9 for ranks)",
        checked.join("; ")
    );
    println!("goal at {goal_workers} workers (faster than igraph, peak memory within 3x):");
    for goal in goals {
        println!("- {goal}");
    }
}
