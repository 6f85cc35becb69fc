//! [`VertexId`]: a vertex id read from text that is an integer when it looks like one
//! and a string otherwise, so one edge list can name vertices `17` or `Valjean` and an
//! output keeps integers as integers (ordered numerically, `2` before `10`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A vertex id: a signed 64-bit integer, or any other text.
///
/// Integers order numerically and before every string; strings order bytewise.
///
/// ```
/// use strom_gelly::VertexId;
///
/// let mut ids: Vec<VertexId> = ["10", "b", "2", "-3", "a"]
///     .iter()
///     .map(|s| s.parse().unwrap())
///     .collect();
/// ids.sort();
/// let shown: Vec<String> = ids.iter().map(ToString::to_string).collect();
/// assert_eq!(shown, ["-3", "2", "10", "a", "b"]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum VertexId {
    /// An integer id.
    Int(i64),
    /// Any other id.
    Name(String),
}

impl FromStr for VertexId {
    type Err = std::convert::Infallible;

    /// An integer when the text is one (`+` and leading zeros allowed, as Rust's
    /// integer parsing), else the text itself.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.parse::<i64>() {
            Ok(i) => VertexId::Int(i),
            Err(_) => VertexId::Name(s.to_owned()),
        })
    }
}

impl From<u64> for VertexId {
    /// An integer id; ids above `i64::MAX` (which no generator makes) become names.
    fn from(v: u64) -> Self {
        i64::try_from(v).map_or_else(|_| VertexId::Name(v.to_string()), VertexId::Int)
    }
}

impl fmt::Display for VertexId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VertexId::Int(i) => write!(f, "{i}"),
            VertexId::Name(s) => f.write_str(s),
        }
    }
}
