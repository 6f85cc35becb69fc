//! The build side of a hash join: a multimap from key to rows without an allocation per
//! key. Rows live in one arena in arrival order; each key maps to its first and last
//! row, and rows of the same key are chained through `next`. A `matched` flag per row
//! is kept only when the join emits unmatched build rows (right and full outer joins).

use rustc_hash::FxHashMap;

const END: u32 = u32::MAX;

pub(crate) struct JoinTable<K, R> {
    /// Key to (first row, last row).
    heads: FxHashMap<K, (u32, u32)>,
    rows: Vec<R>,
    next: Vec<u32>,
    matched: Option<Vec<bool>>,
}

impl<K: std::hash::Hash + Eq, R> JoinTable<K, R> {
    pub(crate) fn new(track_matches: bool) -> Self {
        JoinTable {
            heads: FxHashMap::default(),
            rows: Vec::new(),
            next: Vec::new(),
            matched: track_matches.then(Vec::new),
        }
    }

    pub(crate) fn insert(&mut self, key: K, row: R) {
        let at = u32::try_from(self.rows.len()).expect("fewer than 2^32 rows per join table");
        self.rows.push(row);
        self.next.push(END);
        if let Some(m) = self.matched.as_mut() {
            m.push(false);
        }
        match self.heads.get_mut(&key) {
            Some((_, last)) => {
                self.next[*last as usize] = at;
                *last = at;
            }
            None => {
                self.heads.insert(key, (at, at));
            }
        }
    }

    /// Calls `each` with every row of `key` (marking them matched); false if none.
    pub(crate) fn probe(&mut self, key: &K, mut each: impl FnMut(&R)) -> bool {
        let Some(&(first, _)) = self.heads.get(key) else {
            return false;
        };
        let mut at = first;
        while at != END {
            each(&self.rows[at as usize]);
            if let Some(m) = self.matched.as_mut() {
                m[at as usize] = true;
            }
            at = self.next[at as usize];
        }
        true
    }

    /// The rows no probe matched (only when tracking matches).
    pub(crate) fn unmatched(&self) -> impl Iterator<Item = &R> {
        let matched = self.matched.as_deref().unwrap_or(&[]);
        self.rows
            .iter()
            .zip(matched)
            .filter(|(_, m)| !**m)
            .map(|(r, _)| r)
    }

    /// Every `(key, row)`, emptying the table.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = (K, R)> + '_
    where
        K: Clone,
    {
        let mut rows: Vec<Option<R>> = std::mem::take(&mut self.rows)
            .into_iter()
            .map(Some)
            .collect();
        let next = std::mem::take(&mut self.next);
        self.matched = self.matched.take().map(|_| Vec::new());
        self.heads.drain().flat_map(move |(key, (first, _))| {
            let mut chain = Vec::new();
            let mut at = first;
            while at != END {
                chain.push((key.clone(), rows[at as usize].take().expect("once")));
                at = next[at as usize];
            }
            chain
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_by_key_in_arrival_order() {
        let mut t = JoinTable::new(true);
        for (k, r) in [(1, "a"), (2, "b"), (1, "c"), (3, "d"), (1, "e")] {
            t.insert(k, r);
        }
        let mut seen = Vec::new();
        assert!(t.probe(&1, |r| seen.push(*r)));
        assert_eq!(seen, ["a", "c", "e"]);
        assert!(!t.probe(&9, |_| unreachable!()));
        assert_eq!(t.unmatched().copied().collect::<Vec<_>>(), ["b", "d"]);
        let mut all: Vec<_> = t.drain().collect();
        all.sort();
        assert_eq!(all, [(1, "a"), (1, "c"), (1, "e"), (2, "b"), (3, "d")]);
    }
}
