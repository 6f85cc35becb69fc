//! [`CurrentResult`]: a changelog folded into the result it describes.

use std::collections::BTreeMap;

use super::ResultChange;

/// The result at some time: every vertex's value, from the changelog up to it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CurrentResult {
    /// Per vertex, the count of each value (one value with count 1 when consistent).
    counts: BTreeMap<u64, BTreeMap<u64, i64>>,
}

impl CurrentResult {
    /// The result of `changes` (a changelog, or part of one) applied to nothing.
    pub fn fold(changes: impl IntoIterator<Item = ResultChange>) -> Self {
        let mut result = CurrentResult::default();
        for change in changes {
            result.apply(change);
        }
        result
    }

    /// Applies one change.
    pub fn apply(&mut self, (vertex, value, diff): ResultChange) {
        let values = self.counts.entry(vertex).or_default();
        let count = values.entry(value).or_default();
        *count += diff;
        if *count == 0 {
            values.remove(&value);
            if values.is_empty() {
                self.counts.remove(&vertex);
            }
        }
    }

    /// The value of `vertex`, if it has one.
    pub fn get(&self, vertex: u64) -> Option<u64> {
        self.counts
            .get(&vertex)
            .and_then(|values| values.keys().next().copied())
    }

    /// `(vertex, value)` for every vertex with a value, by vertex. A vertex that has
    /// several values or a negative count (a changelog that was cut in the middle of
    /// a time, or not consolidated) shows each value with a positive count.
    pub fn values(&self) -> Vec<(u64, u64)> {
        self.counts
            .iter()
            .flat_map(|(v, values)| {
                values
                    .iter()
                    .filter(|(_, n)| **n > 0)
                    .map(move |(value, _)| (*v, *value))
            })
            .collect()
    }

    /// Whether every vertex has exactly one value with count 1.
    pub fn is_consistent(&self) -> bool {
        self.counts
            .values()
            .all(|values| values.len() == 1 && values.values().all(|n| *n == 1))
    }
}
