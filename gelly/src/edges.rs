//! Edge and vertex lists in text files: one edge `source target` per line (unsigned
//! 64-bit ids separated by whitespace or a comma) or one vertex id per line. Blank
//! lines and comment lines (starting with `#` or `%`, as in SNAP and Matrix Market
//! files) are skipped; anything else fails the job naming the file and line.

use strom_dataset::{DataSet, Env};

/// The edges in the file(s) at `url`.
pub fn read_edges<'s>(env: &Env<'s>, url: &str) -> DataSet<'s, (u64, u64)> {
    env.read_lines_with(url, parse_edge)
}

/// The vertex ids in the file(s) at `url`.
pub fn read_vertices<'s>(env: &Env<'s>, url: &str) -> DataSet<'s, u64> {
    env.read_lines_with(url, parse_vertex)
}

/// The ids on a line: none for a blank or comment line.
fn ids(line: &str) -> impl Iterator<Item = &str> {
    let content = line.trim();
    let skip = content.is_empty() || content.starts_with('#') || content.starts_with('%');
    content
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(move |s| !skip && !s.is_empty())
}

fn id(field: &str) -> Result<u64, String> {
    field
        .parse()
        .map_err(|_| format!("{field:?} is not a vertex id (an unsigned 64-bit integer)"))
}

/// An edge line: `source target`.
///
/// # Errors
/// What is wrong with the line.
pub fn parse_edge(line: &str) -> Result<Option<(u64, u64)>, String> {
    // Fields looked at in place: no allocation per line.
    let mut fields = ids(line);
    match (fields.next(), fields.next(), fields.next()) {
        (None, _, _) => Ok(None),
        (Some(a), Some(b), None) => Ok(Some((id(a)?, id(b)?))),
        _ => Err(format!(
            "expected an edge `source target`, found {} fields",
            ids(line).count()
        )),
    }
}

/// A vertex line: one id.
///
/// # Errors
/// What is wrong with the line.
pub fn parse_vertex(line: &str) -> Result<Option<u64>, String> {
    let mut fields = ids(line);
    match (fields.next(), fields.next()) {
        (None, _) => Ok(None),
        (Some(v), None) => Ok(Some(id(v)?)),
        _ => Err(format!(
            "expected one vertex id, found {} fields",
            ids(line).count()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_lines() {
        assert_eq!(parse_edge("1 2"), Ok(Some((1, 2))));
        assert_eq!(parse_edge("  3\t4 "), Ok(Some((3, 4))));
        assert_eq!(parse_edge("5,6"), Ok(Some((5, 6))));
        assert_eq!(parse_edge("7, 7"), Ok(Some((7, 7))));
        assert_eq!(parse_edge("# FromNodeId ToNodeId"), Ok(None));
        assert_eq!(parse_edge(""), Ok(None));
        assert!(parse_edge("1 2 3").unwrap_err().contains("3 fields"));
        assert!(parse_edge("1 x").unwrap_err().contains("\"x\""));
        assert!(parse_edge("-1 2").is_err());
        assert_eq!(parse_vertex("18446744073709551615"), Ok(Some(u64::MAX)));
        assert!(parse_vertex("1 2").is_err());
    }
}
