//! Output equality across engines: each engine's CSV (a file, or a folder of part files,
//! with or without header lines) is read as a multiset of rows and compared with
//! Strom's. Numbers compare within the workload's tolerance (engines print `4950`,
//! `4950.0` or `4.95E+3` for the same value, and sum floating point in different
//! orders); everything else compares as text.

use std::path::Path;

use anyhow::{Context, Result};

/// One field of a row.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Field {
    Number(f64),
    Text(String),
}

pub(crate) type Row = Vec<Field>;

fn field(text: &str) -> Field {
    let t = text.trim().trim_matches('"');
    if let Some(ms) = timestamp_ms(t) {
        return Field::Number(ms as f64);
    }
    match t.parse::<f64>() {
        Ok(n) if t.chars().any(|c| c.is_ascii_digit()) => Field::Number(n),
        _ => Field::Text(t.to_string()),
    }
}

/// `YYYY-MM-DD HH:MM:SS[.fff]` (UTC; Flink writes window bounds so) as ms since the
/// epoch; plain dates stay text.
fn timestamp_ms(t: &str) -> Option<i64> {
    let (date, time) = t.split_once(' ')?;
    let date: strom_core::Date = date.parse().ok()?;
    let (hms, fraction) = time.split_once('.').unwrap_or((time, ""));
    let mut h = hms.splitn(3, ':').map(str::parse::<i64>);
    let (hh, mm, ss) = (h.next()?.ok()?, h.next()?.ok()?, h.next()?.ok()?);
    let millis: i64 = format!("{fraction:0<3}").get(..3)?.parse().ok()?;
    let days = i64::from(date.days());
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000 + millis)
}

/// The rows in `path` (a file, or every visible file of a folder), without header lines
/// (`header`: the first line of each file is one) and without rows whose first field is
/// `~end` (Spark's sentinel, see `peers/spark_jobs.py`).
pub(crate) fn read_rows(path: &Path, header: bool) -> Result<Vec<Row>> {
    let mut files = Vec::new();
    if path.is_dir() {
        for entry in std::fs::read_dir(path).with_context(|| format!("{}", path.display()))? {
            let p = entry?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if p.is_file() && !name.starts_with(['.', '_']) {
                files.push(p);
            }
        }
        files.sort();
    } else {
        files.push(path.to_path_buf());
    }
    let mut rows = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).with_context(|| format!("{}", file.display()))?;
        let mut csv = csv::ReaderBuilder::new()
            .has_headers(header)
            .flexible(true)
            .from_reader(text.as_bytes());
        for record in csv.records() {
            let record = record.with_context(|| format!("{}", file.display()))?;
            if record.get(0) == Some("~end") {
                continue;
            }
            rows.push(record.iter().map(field).collect());
        }
    }
    Ok(rows)
}

/// A sort key that puts equal-within-tolerance rows next to each other: text and whole
/// numbers exactly, other numbers rounded to 6 significant digits. (Only the same order
/// for equal rows matters, not which order.)
fn sort_key(row: &Row) -> Vec<String> {
    row.iter()
        .map(|f| match f {
            Field::Text(t) => format!("t{t}"),
            Field::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("i{}", *n as i64),
            Field::Number(n) => format!("n{n:.5e}"),
        })
        .collect()
}

/// `None` when `got` equals `expected` as multisets of rows (numbers within `abs` or
/// `rel`); otherwise what differs, for the report.
pub(crate) fn differences(
    mut expected: Vec<Row>,
    mut got: Vec<Row>,
    (abs, rel): (f64, f64),
) -> Option<String> {
    if expected.len() != got.len() {
        return Some(format!("{} rows, expected {}", got.len(), expected.len()));
    }
    expected.sort_by_cached_key(sort_key);
    got.sort_by_cached_key(sort_key);
    let same_field = |a: &Field, b: &Field| match (a, b) {
        (Field::Number(x), Field::Number(y)) => {
            (x - y).abs() <= abs.max(rel * x.abs().max(y.abs()))
        }
        _ => a == b,
    };
    let mismatches: Vec<usize> = (0..expected.len())
        .filter(|&i| {
            expected[i].len() != got[i].len()
                || !expected[i]
                    .iter()
                    .zip(&got[i])
                    .all(|(a, b)| same_field(a, b))
        })
        .collect();
    let first = *mismatches.first()?;
    Some(format!(
        "{} of {} rows differ; first: {:?}, expected {:?}",
        mismatches.len(),
        expected.len(),
        got[first],
        expected[first]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(text: &str, header: bool) -> Vec<Row> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.csv");
        std::fs::write(&file, text).unwrap();
        read_rows(&file, header).unwrap()
    }

    #[test]
    fn equal_across_formats_and_orders() {
        let strom = rows("key,n,sum\na,2,4950\nb,1,3774200.00\n", true);
        let spark = rows("b,1,3.7742E+6\na,2,4950.0\n~end,1,0\n", false);
        assert_eq!(differences(strom, spark, (0.0, 1e-12)), None);
    }

    #[test]
    fn rows_that_differ_only_in_a_large_whole_number_pair_up() {
        // Event times: equal in 6 significant digits, different windows.
        let strom = rows("k1,1700000042000,12\nk1,1700000076000,12\n", false);
        let spark = rows("k1,1700000076000,12\nk1,1700000042000,12\n", false);
        assert_eq!(differences(strom, spark, (0.0, 1e-12)), None);
    }

    #[test]
    fn timestamps_are_epoch_milliseconds() {
        assert_eq!(timestamp_ms("1970-01-01 00:00:01.5"), Some(1500));
        assert_eq!(
            timestamp_ms("2023-11-14 22:13:19.84"),
            Some(1_699_999_999_840)
        );
        assert_eq!(timestamp_ms("2023-11-14 22:13:20"), Some(1_700_000_000_000));
        assert_eq!(timestamp_ms("1995-03-14"), None);
        let flink = rows("k27,\"2023-11-14 22:13:19.852\",406\n", false);
        let strom = rows("k27,1699999999852,406\n", false);
        assert_eq!(differences(strom, flink, (0.0, 1e-12)), None);
    }

    #[test]
    fn mismatches_are_found_and_named() {
        let strom = rows("a,1,10\nb,2,20\n", false);
        let fewer = rows("a,1,10\n", false);
        assert_eq!(
            differences(strom.clone(), fewer, (0.0, 1e-12)).unwrap(),
            "1 rows, expected 2"
        );
        let off = rows("a,1,10\nb,2,20.5\n", false);
        let why = differences(strom.clone(), off, (0.01, 1e-12)).unwrap();
        assert!(why.starts_with("1 of 2 rows differ"), "{why}");
        // Within tolerance: cents.
        let cents = rows("a,1,10.004\nb,2,20\n", false);
        assert_eq!(differences(strom, cents, (0.006, 0.0)), None);
    }

    #[test]
    fn folders_of_part_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("part-0.csv"), "w,c\nx,1\n").unwrap();
        std::fs::write(dir.path().join("part-1.csv"), "w,c\ny,2\n").unwrap();
        std::fs::write(dir.path().join("_SUCCESS"), "").unwrap();
        std::fs::write(dir.path().join(".part-1.csv.crc"), "junk").unwrap();
        let got = read_rows(dir.path(), true).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1], vec![Field::Text("y".into()), Field::Number(2.0)]);
    }
}
