//! Results of `strom-bench graph` as every engine writes them (`vertex value` lines by
//! vertex; triangles: `0 total`), and their check: exact for components (labelled by
//! the smallest vertex id, so equal labels are equal partitions), hops and triangle
//! counts; within 1e-9 per vertex for ranks.

use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

use super::Value;

/// Writes `rows` to `path`.
pub(super) fn write(path: &Path, rows: &[(u64, Value)]) -> Result<()> {
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    for (v, x) in rows {
        match x {
            Value::Rank(r) => writeln!(out, "{v} {r:?}")?,
            Value::Count(c) => writeln!(out, "{v} {c}")?,
        }
    }
    out.flush()?;
    Ok(())
}

/// Reads the rows at `path`; values are ranks when `ranks`, else counts.
pub(super) fn read(path: &Path, ranks: bool) -> Result<Vec<(u64, Value)>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .map(|line| {
            let (v, x) = line
                .split_once(' ')
                .with_context(|| format!("{}: {line:?}", path.display()))?;
            let x = x.trim();
            let value = if ranks {
                Value::Rank(x.parse()?)
            } else {
                // Python writes hop counts of a dict as ints, igraph's as ints too.
                Value::Count(x.parse()?)
            };
            Ok((v.parse()?, value))
        })
        .collect()
}

/// Where `got` differs from `expected`, or `None` when they are equal.
pub(super) fn differs(expected: &[(u64, Value)], got: &[(u64, Value)]) -> Option<String> {
    if expected.len() != got.len() {
        return Some(format!("{} rows, expected {}", got.len(), expected.len()));
    }
    let mismatches: Vec<_> = expected
        .iter()
        .zip(got)
        .filter(|(e, g)| {
            e.0 != g.0
                || match (e.1, g.1) {
                    (Value::Rank(a), Value::Rank(b)) => (a - b).abs() > 1e-9,
                    (a, b) => a != b,
                }
        })
        .collect();
    let (e, g) = mismatches.first()?;
    Some(format!(
        "{} rows differ, first: {:?} against expected {:?}",
        mismatches.len(),
        g,
        e
    ))
}
