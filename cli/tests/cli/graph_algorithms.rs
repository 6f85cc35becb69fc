//! `strom run graph`: every algorithm on two real graphs (Zachary's karate club, with
//! integer ids, and Les Miserables, with names and weights, both from networkx) against
//! networkx 3.4.2 (`support/graph_algorithms.py`), at 1 worker printing and at 2
//! writing a file; plus the help text, the R-MAT generator and the errors.

use std::path::Path;

use crate::support::{debian_graph, fresh, python_script, run_strom, scratch, skip, strom};

/// The algorithms of `strom run graph`.
const ALGORITHMS: [&str; 13] = [
    "pagerank",
    "hits",
    "connected-components",
    "sssp",
    "label-propagation",
    "community-detection",
    "triangle-count",
    "triangle-listing",
    "local-clustering-coefficient",
    "jaccard",
    "adamic-adar",
    "graph-metrics",
    "triadic-census",
];

/// Asserts the same header and rows in the same order: numbers within 1e-9, other
/// fields equal.
fn assert_same_csv(what: &str, got: &str, expected: &str) {
    let (got, expected): (Vec<&str>, Vec<&str>) =
        (got.lines().collect(), expected.lines().collect());
    assert_eq!(got.first(), expected.first(), "{what}: header");
    assert_eq!(got.len(), expected.len(), "{what}: number of rows");
    for (g, e) in got.iter().zip(&expected).skip(1) {
        let (gs, es): (Vec<&str>, Vec<&str>) = (g.split(',').collect(), e.split(',').collect());
        assert_eq!(gs.len(), es.len(), "{what}: {g} vs {e}");
        for (x, y) in gs.iter().zip(&es) {
            match (x.parse::<f64>(), y.parse::<f64>()) {
                (Ok(a), Ok(b)) => assert!((a - b).abs() <= 1e-9, "{what}: {g} vs {e}"),
                _ => assert_eq!(x, y, "{what}: {g} vs {e}"),
            }
        }
    }
}

#[test]
fn graph_algorithms_match_networkx_on_real_graphs() {
    let dir = scratch("graph-algorithms");
    let references = python_script("graph_algorithms.py", &[dir.as_os_str()]);
    if let Err(why) = references {
        return skip("graph_algorithms_match_networkx_on_real_graphs", &why);
    }
    for (graph, source) in [("karate", "0"), ("lesmis", "Valjean")] {
        let edges = dir.join(format!("{graph}.txt"));
        let edges = edges.to_str().unwrap();
        for algorithm in ALGORITHMS {
            let what = format!("{graph} {algorithm}");
            let expected = std::fs::read_to_string(dir.join(format!("{graph}-{algorithm}.csv")))
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            let args = [
                "run",
                "graph",
                "--algorithm",
                algorithm,
                "--edges",
                edges,
                "--undirected",
                "--weighted",
                "--source",
                source,
            ];
            let printed = run_strom(&[&args[..], &["-w", "1"]].concat());
            let printed = String::from_utf8(printed.stdout).unwrap();
            assert_same_csv(&format!("{what} at 1 worker"), &printed, &expected);
            let out = fresh(dir.join(format!("{graph}-{algorithm}-out.csv")));
            let o = out.to_str().unwrap();
            run_strom(&[&args[..], &["-w", "2", "--output", o]].concat());
            let written = std::fs::read_to_string(&out).unwrap();
            assert_same_csv(&format!("{what} at 2 workers"), &written, &expected);
        }
    }
}

#[test]
fn graph_help_lists_every_algorithm_with_its_columns() {
    let out = run_strom(&["run", "graph", "--help"]);
    let help = String::from_utf8(out.stdout).unwrap();
    let columns = [
        "vertex,rank",
        "vertex,hub,authority",
        "vertex,component",
        "vertex,distance",
        "vertex,label",
        "vertex,community",
        "vertex,triangles",
        "a,b,c",
        "vertex,coefficient",
        "source,target,score",
        "source,target,score",
        "metric,value",
        "triad,count",
    ];
    for (algorithm, columns) in ALGORITHMS.iter().zip(columns) {
        let line = help
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("- {algorithm}:")))
            .unwrap_or_else(|| panic!("{algorithm} in\n{help}"));
        assert!(line.contains(&format!("`{columns}`")), "{line}");
    }
}

/// Triangles of an R-MAT graph: the same at 1 and 3 workers, and as counted here from
/// the edge list the job's own triangle listing gives (every listed triangle's edges
/// are in the graph, and per-vertex counts add up to three per triangle).
#[test]
fn generated_rmat_graph_is_the_same_at_any_number_of_workers() {
    let base = [
        "run",
        "graph",
        "--generator",
        "rmat",
        "--scale",
        "7",
        "--edge-factor",
        "8",
        "--seed",
        "3",
        "--algorithm",
    ];
    let run = |algorithm: &str, workers: &str| {
        let out = run_strom(&[&base[..], &[algorithm, "-w", workers]].concat());
        String::from_utf8(out.stdout).unwrap()
    };
    // Counts and ids exactly, the clustering averages (summed in another order) to 1e-9.
    for algorithm in ["triangle-count", "connected-components", "graph-metrics"] {
        assert_same_csv(algorithm, &run(algorithm, "1"), &run(algorithm, "3"));
    }
    let listing = run("triangle-listing", "2");
    let counts = run("triangle-count", "2");
    let triangles = listing.lines().skip(1).count() as u64;
    let total: u64 = counts
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(triangles > 10, "an R-MAT graph of scale 7 has triangles");
    assert_eq!(total, 3 * triangles);
}

/// The directed triad census of a real directed graph, Debian's package dependencies
/// induced on the 10,000 packages from the 30,000th in name order (KDE Frameworks and
/// Rust crates, among which mutual dependencies give closed triads with mutual dyads),
/// exactly as networkx's `triadic_census`, at 1 worker printing and 2 writing a file.
#[test]
fn triadic_census_matches_networkx_on_a_real_directed_graph() {
    let test = "triadic_census_matches_networkx_on_a_real_directed_graph";
    let (edges, _) = match debian_graph() {
        Ok(paths) => paths,
        Err(why) => return skip(test, &why),
    };
    let dir = scratch("graph-triadic-census");
    let args = [
        edges.as_os_str(),
        "30000".as_ref(),
        "40000".as_ref(),
        dir.as_os_str(),
    ];
    if let Err(why) = python_script("triad_census.py", &args) {
        return skip(test, &why);
    }
    let expected = std::fs::read_to_string(dir.join("slice-triadic-census.csv")).unwrap();
    let count = |triad: &str| -> u64 {
        let row = expected
            .lines()
            .find(|l| l.starts_with(&format!("{triad},")));
        row.and_then(|l| l.split(',').nth(1)?.parse().ok()).unwrap()
    };
    assert!(
        count("030T") > 0 && count("120D") > 0 && count("300") > 0,
        "closed triads, also with mutual dyads:\n{expected}"
    );
    let slice = dir.join("slice.txt");
    let base = ["run", "graph", "--algorithm", "triadic-census", "--edges"];
    let base = [&base[..], &[slice.to_str().unwrap()]].concat();
    let printed = run_strom(&[&base[..], &["-w", "1"]].concat());
    assert_eq!(String::from_utf8(printed.stdout).unwrap(), expected);
    let out = fresh(dir.join("census.csv"));
    run_strom(&[&base[..], &["-w", "2", "--output", out.to_str().unwrap()]].concat());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), expected);
}

fn failure(args: &[&str], dir: &Path) -> String {
    let out = strom().args(args).current_dir(dir).output().unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn graph_errors_name_the_file_line_and_option() {
    let dir = scratch("graph-algorithm-errors");
    std::fs::write(dir.join("bad.txt"), "# names\na b 1\nb c x\n").unwrap();
    let bad = ["run", "graph", "--algorithm", "sssp", "--edges", "bad.txt"];
    let err = failure(&[&bad[..], &["--weighted", "--source", "a"]].concat(), &dir);
    assert!(err.contains("bad.txt:3") && err.contains("\"x\""), "{err}");
    let err = failure(&bad, &dir);
    assert!(err.contains("--source"), "{err}");
    // A --source that is not a vertex, of an edge list or of a generated graph: the
    // job fails naming it and writes nothing.
    std::fs::write(dir.join("good.txt"), "a b 1\nb c 2\n").unwrap();
    let out = fresh(dir.join("never-sssp.csv"));
    let o = out.to_str().unwrap();
    let sssp = [
        "run",
        "graph",
        "--algorithm",
        "sssp",
        "--output",
        o,
        "--source",
    ];
    let err = failure(&[&sssp[..], &["zz", "--edges", "good.txt"]].concat(), &dir);
    assert!(
        err.contains("--source zz") && err.contains("no vertex"),
        "{err}"
    );
    let rmat = ["--generator", "rmat", "--scale", "3", "-w", "2"];
    let err = failure(&[&sssp[..], &["4096"], &rmat[..]].concat(), &dir);
    assert!(
        err.contains("--source 4096") && err.contains("no vertex"),
        "{err}"
    );
    assert!(!out.exists(), "no output for a failed job");
    let err = failure(&["run", "graph", "--algorithm", "hits"], &dir);
    assert!(err.contains("--edges"), "{err}");
    let rmat = ["run", "graph", "--algorithm", "hits", "--generator", "rmat"];
    let err = failure(&[&rmat[..], &["--scale", "70"]].concat(), &dir);
    assert!(err.contains("scale"), "{err}");
    let err = failure(
        &["run", "graph", "--algorithm", "nope", "--edges", "bad.txt"],
        &dir,
    );
    assert!(err.contains("nope") && err.contains("pagerank"), "{err}");
}
