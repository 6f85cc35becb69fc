//! `strom run tpch` against DuckDB's answers (golden files beside the script that makes
//! them), to the cent, at every parallelism and on Parquet from two writers.

use std::path::Path;

use crate::support::{run_strom, scratch, skip, tpch_data};

fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Same header and rows; numbers equal to the cent, everything else exactly.
pub(crate) fn assert_same_answer(query: u32, context: &str, got: &[u8], expected: &[u8]) {
    let (got, expected) = (read_csv(got), read_csv(expected));
    assert_eq!(got.len(), expected.len(), "Q{query} {context}: row count");
    assert_eq!(got[0], expected[0], "Q{query} {context}: header");
    for (row, (g, e)) in got.iter().zip(&expected).enumerate().skip(1) {
        assert_eq!(g.len(), e.len(), "Q{query} {context}: row {row} width");
        for (col, (a, b)) in g.iter().zip(e).enumerate() {
            let same = match (a.parse::<f64>(), b.parse::<f64>()) {
                (Ok(x), Ok(y)) if b.contains('.') || a.contains('.') => {
                    (x - y).abs() <= 0.005 + 1e-9 * y.abs()
                }
                _ => a == b,
            };
            assert!(
                same,
                "Q{query} {context}: row {row}, column {}: {a} != {b}",
                expected[0][col]
            );
        }
    }
}

/// Runs TPC-H query `query` over `data` with the settings `layout`, writing `out` (removed
/// first, as a new output must be), and returns the answer.
fn answer(query: u32, data: &Path, out: &Path, layout: &[&str]) -> Vec<u8> {
    let _ = std::fs::remove_file(out);
    let q = query.to_string();
    let mut args = vec![
        "run",
        "tpch",
        "--query",
        &q,
        "--data",
        data.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(layout);
    run_strom(&args);
    std::fs::read(out).unwrap()
}

#[test]
fn tpch_queries_match_duckdb_to_the_cent() {
    let (arrow_rs, pyarrow) = match tpch_data() {
        Ok(d) => d,
        Err(why) => return skip("tpch_queries_match_duckdb_to_the_cent", &why),
    };
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tpch");
    let out_dir = scratch("tpch-out");
    // The last layout runs under a tiny memory budget: joins sort-merge and aggregates
    // spill, and the answers must not change.
    let layouts: [&[&str]; 4] = [
        &["--workers", "1"],
        &["--workers", "4"],
        &["--processes", "2", "--workers", "2"],
        &["--workers", "2", "--memory", "1MB"],
    ];
    for (writer, data) in [("arrow-rs", &arrow_rs), ("pyarrow", &pyarrow)] {
        for query in [1u32, 3, 5, 6, 10] {
            let expected = std::fs::read(golden.join(format!("q{query}.csv"))).unwrap();
            for layout in layouts {
                let got = answer(query, data, &out_dir.join(format!("q{query}.csv")), layout);
                assert_same_answer(query, &format!("{writer} {layout:?}"), &got, &expected);
            }
        }
    }
}

#[test]
fn answer_comparison_catches_a_wrong_cent() {
    let expected = b"a,revenue\nx,10.004\n";
    assert_same_answer(6, "self-check", b"a,revenue\nx,10.00\n", expected);
    let wrong = std::panic::catch_unwind(|| {
        assert_same_answer(6, "self-check", b"a,revenue\nx,10.01\n", expected)
    });
    assert!(wrong.is_err());
}

/// `strom run tpchgen` at scale factor 0.1, split three ways, writes the tables TPC-H
/// defines (the sizes its specification fixes) with the rows DuckDB answered on
/// `tpchgen-cli`'s data: every query gives the golden answers.
#[test]
fn tpchgen_data_gives_duckdbs_answers() {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/tpch");
    let dir = scratch("tpchgen-sf0.1");
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.join("data");
    let made = run_strom(&[
        "run",
        "tpchgen",
        "--sf",
        "0.1",
        "--output",
        data.to_str().unwrap(),
        "--workers",
        "3",
    ]);
    let report = String::from_utf8(made.stdout).unwrap();
    // Sizes at scale factor 0.1 (TPC-H 4.2.5: SF x 150,000 customers, ...); line items
    // are 1 to 7 per order, 600,572 as dbgen makes them.
    for (table, rows) in [
        ("lineitem", 600_572),
        ("orders", 150_000),
        ("customer", 15_000),
        ("part", 20_000),
        ("partsupp", 80_000),
        ("supplier", 1_000),
        ("nation", 25),
        ("region", 5),
    ] {
        let line = format!("{table}: {rows} rows");
        assert!(report.lines().any(|l| l == line), "{line} not in {report}");
    }
    let out = dir.join("answer.csv");
    for query in [1u32, 3, 5, 6, 10] {
        let expected = std::fs::read(golden.join(format!("q{query}.csv"))).unwrap();
        let got = answer(query, &data, &out, &["--workers", "2"]);
        assert_same_answer(query, "tpchgen data", &got, &expected);
    }
}
