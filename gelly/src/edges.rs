//! Edge and vertex lists in text files (CSV or whitespace separated, at any storage
//! URL): one edge `source target [value]` per line, or one vertex `id [value]` per
//! line, fields separated by whitespace or a comma. Blank lines and comment lines
//! (starting with `#` or `%`, as in SNAP and Matrix Market files) are skipped; anything
//! else fails the job naming the file and line.
//!
//! [`read_edges`] and [`read_vertices`] read `u64` ids; [`read_edge_list`],
//! [`read_valued_edge_list`], [`read_vertex_ids`] and [`read_vertex_values`] read ids
//! and values of any type that parses from text (`String` ids take any field), and
//! [`Graph::from_edge_list`] makes a graph of them.

use std::str::FromStr;

use strom_dataset::{Data, DataSet, Env, Key};

use crate::Graph;

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
    match plain_edge(line.as_bytes()) {
        Some(edge) => Ok(Some(edge)),
        None => any_edge(line),
    }
}

/// [`parse_edge`] for every line the plain path leaves.
fn any_edge(line: &str) -> Result<Option<(u64, u64)>, String> {
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

/// The common line, read byte by byte: two fields of at most 19 decimal digits (so no
/// overflow) separated by ASCII whitespace or commas. Anything else (a comment, a
/// sign, a non-ASCII separator, an error) is `None`, for the general path to read.
fn plain_edge(line: &[u8]) -> Option<(u64, u64)> {
    // The ASCII characters `char::is_whitespace` takes (with vertical tab), and ','.
    let separator = |b: &u8| matches!(b, b' ' | b',' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let mut fields = line.split(separator).filter(|f| !f.is_empty());
    let source = digits(fields.next()?)?;
    let target = digits(fields.next()?)?;
    fields.next().is_none().then_some((source, target))
}

fn digits(field: &[u8]) -> Option<u64> {
    let plain = field.len() <= 19 && field.iter().all(u8::is_ascii_digit);
    plain.then(|| field.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
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

/// `field` parsed as a `T`, or what is wrong with it naming `what` it should be.
fn parse_field<T: FromStr>(field: &str, what: &str) -> Result<T, String> {
    field
        .parse()
        .map_err(|_| format!("{field:?} is not {what} ({})", std::any::type_name::<T>()))
}

/// An edge line `source target [value]`: the value is required unless `default` is
/// given (then a line without one gets it).
///
/// # Errors
/// What is wrong with the line.
pub fn parse_valued_edge<K: FromStr, EV: FromStr + Clone>(
    line: &str,
    default: Option<&EV>,
) -> Result<Option<(K, K, EV)>, String> {
    let mut fields = ids(line);
    let parts = (fields.next(), fields.next(), fields.next(), fields.next());
    let (a, b, value) = match parts {
        (None, ..) => return Ok(None),
        (Some(a), Some(b), Some(v), None) => (a, b, parse_field(v, "an edge value")?),
        (Some(a), Some(b), None, None) if default.is_some() => {
            (a, b, default.expect("checked").clone())
        }
        _ => {
            let expected = if default.is_some() {
                "`source target [value]`"
            } else {
                "`source target value`"
            };
            return Err(format!(
                "expected an edge {expected}, found {} fields",
                ids(line).count()
            ));
        }
    };
    Ok(Some((
        parse_field(a, "a vertex id")?,
        parse_field(b, "a vertex id")?,
        value,
    )))
}

/// A vertex line `id value`.
///
/// # Errors
/// What is wrong with the line.
pub fn parse_valued_vertex<K: FromStr, VV: FromStr>(line: &str) -> Result<Option<(K, VV)>, String> {
    let mut fields = ids(line);
    match (fields.next(), fields.next(), fields.next()) {
        (None, ..) => Ok(None),
        (Some(k), Some(v), None) => Ok(Some((
            parse_field(k, "a vertex id")?,
            parse_field(v, "a vertex value")?,
        ))),
        _ => Err(format!(
            "expected a vertex `id value`, found {} fields",
            ids(line).count()
        )),
    }
}

/// The edges `source target` of the file(s) at `url`, ids of type `K`.
pub fn read_edge_list<'s, K: Key + FromStr>(env: &Env<'s>, url: &str) -> DataSet<'s, (K, K, ())> {
    env.read_lines_with(url, |line| {
        let mut fields = ids(line);
        match (fields.next(), fields.next(), fields.next()) {
            (None, ..) => Ok(None),
            (Some(a), Some(b), None) => Ok(Some((
                parse_field(a, "a vertex id")?,
                parse_field(b, "a vertex id")?,
                (),
            ))),
            _ => Err(format!(
                "expected an edge `source target`, found {} fields",
                ids(line).count()
            )),
        }
    })
}

/// The edges `source target value` of the file(s) at `url`; with `default`, the value
/// may be left out (a weighted edge list whose missing weights are 1, say).
pub fn read_valued_edge_list<'s, K: Key + FromStr, EV: Data + FromStr>(
    env: &Env<'s>,
    url: &str,
    default: Option<EV>,
) -> DataSet<'s, (K, K, EV)> {
    env.read_lines_with(url, move |line| parse_valued_edge(line, default.as_ref()))
}

/// The vertex ids, one per line, of the file(s) at `url`.
pub fn read_vertex_ids<'s, K: Key + FromStr>(env: &Env<'s>, url: &str) -> DataSet<'s, K> {
    env.read_lines_with(url, |line| {
        let mut fields = ids(line);
        match (fields.next(), fields.next()) {
            (None, _) => Ok(None),
            (Some(k), None) => parse_field(k, "a vertex id").map(Some),
            _ => Err(format!(
                "expected one vertex id, found {} fields",
                ids(line).count()
            )),
        }
    })
}

/// The vertices `id value`, one per line, of the file(s) at `url`.
pub fn read_vertex_values<'s, K: Key + FromStr, VV: Data + FromStr>(
    env: &Env<'s>,
    url: &str,
) -> DataSet<'s, (K, VV)> {
    env.read_lines_with(url, parse_valued_vertex)
}

impl<'s, K: Key + FromStr> Graph<'s, K, (), ()> {
    /// The graph of the edge list at `edges_url` (`source target` lines) and, when
    /// given, the vertex list at `vertices_url` (one id per line, for vertices without
    /// edges), as Gelly's `fromCsvReader(..).keyType(..)`.
    pub fn from_edge_list(env: &Env<'s>, edges_url: &str, vertices_url: Option<&str>) -> Self {
        let extra = match vertices_url {
            Some(url) => read_vertex_ids(env, url),
            None => env.empty(),
        };
        Graph::from_edges_and_ids(&read_edge_list(env, edges_url), &extra, |_| ())
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

    #[test]
    fn plain_edges_read_as_the_general_path_does() {
        let lines = [
            "1 2",
            "0,0",
            " 12\t34\r",
            "1,,2",
            "1\x0b2",
            "1\x0c2",
            "1\u{3000}2",
            "1\u{a0}2",
            "+1 2",
            "1 -2",
            "1 2 3",
            "1",
            "",
            "  ",
            "#1 2",
            "% 1 2",
            "1 #2",
            "9999999999999999999 1",
            "18446744073709551615 18446744073709551615",
            "18446744073709551616 1",
            "01 002",
            "1 2x",
            "١ 2",
        ];
        for line in lines {
            assert_eq!(parse_edge(line), any_edge(line), "{line:?}");
        }
    }

    #[test]
    fn valued_lines() {
        let weighted = |l| parse_valued_edge::<String, f64>(l, Some(&1.0));
        assert_eq!(weighted("a b 2.5"), Ok(Some(("a".into(), "b".into(), 2.5))));
        assert_eq!(weighted("a,b"), Ok(Some(("a".into(), "b".into(), 1.0))));
        assert_eq!(weighted("% c"), Ok(None));
        assert!(
            weighted("a b x")
                .unwrap_err()
                .contains("\"x\" is not an edge value")
        );
        let strict = parse_valued_edge::<u64, i32>("1 2", None).unwrap_err();
        assert!(strict.contains("`source target value`"), "{strict}");
        assert_eq!(parse_valued_vertex::<u32, f64>("7 0.5"), Ok(Some((7, 0.5))));
        assert!(parse_valued_vertex::<u32, f64>("7").is_err());
    }
}
