//! `strom run pagerank` and `connected-components` against independent references: a
//! plain power iteration in Python and networkx (from PyPI), on a generated graph with
//! dangling vertices, self-loops, duplicate edges and isolated vertices, and on a real
//! graph (Debian's package dependencies, about 290,000 edges).

use std::ffi::OsStr;
use std::path::Path;

use crate::support::{debian_graph, fresh, python_script, run_strom, scratch, skip, strom};

/// `vertex,value` rows of a CSV file with a header.
fn read_rows(path: &Path) -> Vec<(u64, f64)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let mut lines = text.lines();
    let header = lines.next().expect("a header");
    assert!(header.starts_with("vertex,"), "{header}");
    lines
        .map(|l| {
            let (v, x) = l.split_once(',').expect("two fields");
            (v.parse().expect("vertex id"), x.parse().expect("number"))
        })
        .collect()
}

/// Asserts the same vertices in the same order, and values within `tolerance`.
fn assert_close(got: &Path, expected: &Path, tolerance: f64) {
    assert_rows_close(&read_rows(got), &read_rows(expected), tolerance);
}

fn assert_rows_close(got: &[(u64, f64)], expected: &[(u64, f64)], tolerance: f64) {
    assert_eq!(got.len(), expected.len(), "number of vertices");
    for ((v, x), (w, y)) in got.iter().zip(expected) {
        assert_eq!(v, w, "vertex order");
        assert!((x - y).abs() <= tolerance, "vertex {v}: {x} vs {y}");
    }
}

/// A seeded random graph (skewed degrees) plus the awkward cases, in the accepted
/// syntaxes: whitespace and commas, comments, CRLF, duplicates, self-loops.
fn write_graph(dir: &Path) {
    let mut s = 2024u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let mut text = String::from("# generated test graph\r\n");
    for i in 0..4000 {
        let a = next() % 1500;
        let b = (next() % 1500) * (next() % 1500) / 1500;
        text.push_str(&if i % 3 == 0 {
            format!("{a},{b}\r\n")
        } else {
            format!("{a}\t {b}\n")
        });
    }
    text.push_str("7 7\n7 7\n8 9\n8 9\n\n% a comment\n5000 5001\n");
    std::fs::write(dir.join("edges.txt"), text).unwrap();
    std::fs::write(dir.join("vertices.txt"), "9000\n9001\n8\n").unwrap();
}

fn os(p: &Path) -> &OsStr {
    p.as_os_str()
}

/// Writes the Python power iteration's ranks after 10 iterations to `ranks` and
/// networkx's components to `components`.
fn reference_ranks_and_components(
    edges: &Path,
    vertices: &Path,
    ranks: &Path,
    components: &Path,
) -> Result<(), String> {
    let pagerank = [
        "pagerank".as_ref(),
        os(edges),
        os(vertices),
        "10".as_ref(),
        "0.85".as_ref(),
        os(ranks),
    ];
    python_script("graph_reference.py", &pagerank)?;
    let labels = [
        "components".as_ref(),
        os(edges),
        os(vertices),
        os(components),
    ];
    python_script("graph_reference.py", &labels)
}

#[test]
fn graph_jobs_match_power_iteration_and_networkx() {
    let dir = scratch("graph-small");
    write_graph(&dir);
    let (edges, vertices) = (dir.join("edges.txt"), dir.join("vertices.txt"));
    let (pr10, pr_nx, cc) = (
        dir.join("pagerank-10.csv"),
        dir.join("pagerank-nx.csv"),
        dir.join("components.csv"),
    );
    let references = reference_ranks_and_components(&edges, &vertices, &pr10, &cc).and_then(|()| {
        python_script(
            "graph_reference.py",
            &[
                "pagerank-networkx".as_ref(),
                os(&edges),
                os(&vertices),
                "0.85".as_ref(),
                os(&pr_nx),
            ],
        )
    });
    if let Err(why) = references {
        return skip("graph_jobs_match_power_iteration_and_networkx", &why);
    }
    let (e, v) = (edges.to_str().unwrap(), vertices.to_str().unwrap());
    for layout in [&["-w", "1"][..], &["-w", "3"], &["-p", "2", "-w", "2"]] {
        let out = fresh(dir.join("ranks.csv"));
        let o = out.to_str().unwrap();
        let mut args = vec![
            "run",
            "pagerank",
            "--edges",
            e,
            "--vertices",
            v,
            "--output",
            o,
        ];
        args.extend_from_slice(layout);
        run_strom(&args);
        assert_close(&out, &pr10, 1e-9);

        let labels = fresh(dir.join("labels.csv"));
        let l = labels.to_str().unwrap();
        let mut args = vec!["run", "connected-components", "--edges", e, "--vertices", v];
        args.extend_from_slice(&["--output", l]);
        args.extend_from_slice(layout);
        run_strom(&args);
        assert_close(&labels, &cc, 0.0);
    }
    // Iterated to convergence, as networkx does (0.85^200 is far below 1e-9).
    let out = fresh(dir.join("ranks-200.csv"));
    let o = out.to_str().unwrap();
    run_strom(&[
        "run",
        "pagerank",
        "--edges",
        e,
        "--vertices",
        v,
        "--iterations",
        "200",
        "--output",
        o,
        "-w",
        "2",
    ]);
    assert_close(&out, &pr_nx, 1e-9);
    // A folder output is sorted across its part files in name order.
    let folder = dir.join("ranks-parts/");
    let _ = std::fs::remove_dir_all(&folder);
    let f = format!("{}/", folder.display());
    run_strom(&[
        "run",
        "pagerank",
        "--edges",
        e,
        "--vertices",
        v,
        "--output",
        &f,
        "-w",
        "3",
    ]);
    let mut parts: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|p| p.unwrap().path())
        .collect();
    parts.sort();
    assert_eq!(parts.len(), 3);
    let joined: Vec<(u64, f64)> = parts.iter().flat_map(|p| read_rows(p)).collect();
    assert_rows_close(&joined, &read_rows(&pr10), 1e-9);
}

#[test]
fn graph_jobs_on_a_real_graph() {
    let (edges, vertices) = match debian_graph() {
        Ok(paths) => paths,
        Err(why) => return skip("graph_jobs_on_a_real_graph", &why),
    };
    let lines = std::fs::read_to_string(&edges).unwrap().lines().count();
    assert!(lines > 100_000, "a real graph of {lines} edges");
    let dir = scratch("graph-debian");
    let (pr10, cc) = (dir.join("pagerank-10.csv"), dir.join("components.csv"));
    reference_ranks_and_components(&edges, &vertices, &pr10, &cc)
        .expect("the references run once the graph is here");
    let (e, v) = (edges.to_str().unwrap(), vertices.to_str().unwrap());
    let (ranks, labels) = (fresh(dir.join("ranks.csv")), fresh(dir.join("labels.csv")));
    run_strom(&[
        "run",
        "pagerank",
        "--edges",
        e,
        "--vertices",
        v,
        "--output",
        ranks.to_str().unwrap(),
        "-w",
        "2",
    ]);
    assert_close(&ranks, &pr10, 1e-9);
    run_strom(&[
        "run",
        "connected-components",
        "--edges",
        e,
        "--vertices",
        v,
        "--output",
        labels.to_str().unwrap(),
        "-w",
        "2",
    ]);
    assert_close(&labels, &cc, 0.0);
}

#[test]
fn malformed_edge_lines_are_named() {
    let dir = scratch("graph-errors");
    std::fs::write(dir.join("bad.txt"), "1 2\n2 3\n3 three\n").unwrap();
    let out = dir.join("never.csv");
    let _ = std::fs::remove_file(&out);
    let result = strom()
        .args(["run", "connected-components", "--edges"])
        .arg(dir.join("bad.txt"))
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!result.status.success());
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(
        err.contains("bad.txt:3") && err.contains("\"three\""),
        "{err}"
    );
    assert!(!out.exists(), "no output from a failed job");
    let bad_damping = strom()
        .args(["run", "pagerank", "--damping", "1.5", "--edges"])
        .arg(dir.join("bad.txt"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad_damping.stderr).contains("--damping"));
}
