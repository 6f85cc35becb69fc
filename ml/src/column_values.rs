//! Exact column summaries that need a column's values in order (quantiles, medians,
//! most frequent values): each column's non-missing values are grouped on one worker
//! (columns spread over the workers, grouped by an out-of-core sort), sorted, and
//! summarised; the summaries are gathered into one record, in column order.
//! Known limitation: one column's values must fit in a worker's memory (Spark's
//! `approxQuantile` would need less; the answers here are exact, as scikit-learn's).

use strom_dataset::{Data, DataSet};

use crate::error::Result;
use crate::params::check;
use crate::table::{ColumnType, Row, Schema, num};

/// Checks a stage's `input` columns (at least one) and `output` columns (none, or one
/// per input).
pub(crate) fn check_columns(input: &[String], output: &[String]) -> Result<()> {
    check("input", !input.is_empty(), "needs at least one column")?;
    check(
        "output",
        output.is_empty() || output.len() == input.len(),
        "needs one column per input column",
    )
}

/// The output columns: as set, or each input's name with `suffix`.
pub(crate) fn outputs(input: &[String], output: &[String], suffix: &str) -> Vec<String> {
    if output.is_empty() {
        input.iter().map(|c| format!("{c}{suffix}")).collect()
    } else {
        output.to_vec()
    }
}

/// `schema` with a numeric output column per numeric input column (see [`outputs`]).
pub(crate) fn numeric_schema(
    schema: &Schema,
    input: &[String],
    output: &[String],
    suffix: &str,
) -> Result<Schema> {
    check_columns(input, output)?;
    let mut out = schema.clone();
    for (i, o) in input.iter().zip(outputs(input, output, suffix)) {
        schema.typed_index(i, &[ColumnType::Number])?;
        out = out.with_column(&o, ColumnType::Number);
    }
    Ok(out)
}

/// The positions of `columns` in `schema`.
pub(crate) fn positions(schema: &Schema, columns: &[String]) -> Result<Vec<usize>> {
    columns.iter().map(|c| schema.index(c)).collect()
}

/// Per column `at` of `rows`, `summary` of its values that are neither NaN nor
/// `missing`, sorted ascending (an empty slice for a column without any): one record,
/// on worker 0, unless there are no rows with a value.
pub(crate) fn per_column<'s, T: Data>(
    rows: &DataSet<'s, Row>,
    at: Vec<usize>,
    missing: f64,
    summary: impl Fn(&[f64]) -> T + Clone + 'static,
) -> DataSet<'s, Vec<T>> {
    let width = at.len();
    let fill = summary.clone();
    rows.flat_map(move |r: Row| {
        at.iter()
            .enumerate()
            .map(|(c, &i)| (c as u32, num(&r[i])))
            .filter(|(_, v)| !v.is_nan() && *v != missing)
            .collect::<Vec<_>>()
    })
    .group_by(|p: &(u32, f64)| p.0)
    .reduce_group(move |&c, values: Vec<(u32, f64)>| {
        let mut v: Vec<f64> = values.into_iter().map(|p| p.1).collect();
        v.sort_by(f64::total_cmp);
        Some(vec![(c, summary(&v))])
    })
    .reduce(|mut a, mut b| {
        a.append(&mut b);
        a
    })
    .map(move |mut parts: Vec<(u32, T)>| {
        parts.sort_by_key(|p| p.0);
        let mut parts = parts.into_iter().peekable();
        (0..width as u32)
            .map(|c| match parts.next_if(|p| p.0 == c) {
                Some((_, t)) => t,
                None => fill(&[]),
            })
            .collect()
    })
}

/// The `q`-quantile (`0 ≤ q ≤ 1`) of sorted `v` by linear interpolation between the
/// closest ranks, rounded as NumPy's default `percentile` rounds; NaN for no values.
pub(crate) fn quantile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let pos = (v.len() as f64 * q + (1.0 - q) - 1.0).clamp(0.0, (v.len() - 1) as f64);
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let t = pos - lo as f64;
    let (a, b) = (v[lo], v[hi]);
    // NumPy's `_lerp`, exact at both ends.
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// The most frequent value of sorted `v` (the smallest of ties); NaN for no values.
pub(crate) fn most_frequent(v: &[f64]) -> f64 {
    let (mut best, mut best_count) = (f64::NAN, 0);
    let mut i = 0;
    while i < v.len() {
        let j = i + v[i..].iter().take_while(|x| **x == v[i]).count();
        if j - i > best_count {
            (best, best_count) = (v[i], j - i);
        }
        i = j;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_and_modes_by_hand() {
        let v = [1.0, 2.0, 4.0, 7.0];
        assert_eq!(quantile(&v, 0.0), 1.0);
        assert_eq!(quantile(&v, 1.0), 7.0);
        // Position 1.5: halfway between 2 and 4.
        assert_eq!(quantile(&v, 0.5), 3.0);
        // Position 0.75: 1 + 0.75 · 1.
        assert_eq!(quantile(&v, 0.25), 1.75);
        assert!(quantile(&[], 0.5).is_nan());
        assert_eq!(most_frequent(&[1.0, 2.0, 2.0, 3.0, 3.0]), 2.0);
        assert_eq!(most_frequent(&[5.0]), 5.0);
        assert!(most_frequent(&[]).is_nan());
    }
}
