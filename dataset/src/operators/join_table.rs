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

    /// Reorders the rows so that each key's rows are contiguous (probes then read them
    /// sequentially): worth it for a table probed many times, as a loop's static side.
    pub(crate) fn compact(&mut self) {
        let mut old: Vec<Option<R>> = std::mem::take(&mut self.rows)
            .into_iter()
            .map(Some)
            .collect();
        let mut rows = Vec::with_capacity(old.len());
        let mut next = Vec::with_capacity(old.len());
        for (first, last) in self.heads.values_mut() {
            let start = rows.len() as u32;
            let mut at = *first;
            while at != END {
                rows.push(old[at as usize].take().expect("each row is in one chain"));
                next.push(rows.len() as u32);
                at = self.next[at as usize];
            }
            *next.last_mut().expect("a key has a row") = END;
            (*first, *last) = (start, rows.len() as u32 - 1);
        }
        (self.rows, self.next) = (rows, next);
        self.matched = self.matched.take().map(|m| vec![false; m.len()]);
    }

    /// Joins probe record `x` with `key`'s rows through `f`, or with no row when none
    /// matched and `keeps_left` (a left outer join).
    pub(crate) fn join<L, O>(
        &mut self,
        key: &K,
        x: &L,
        keeps_left: bool,
        f: &mut (impl FnMut(Option<&L>, Option<&R>) -> O + ?Sized),
        mut emit: impl FnMut(O),
    ) {
        if !self.probe(key, |r| emit(f(Some(x), Some(r)))) && keeps_left {
            emit(f(Some(x), None));
        }
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

/// The index and size of the largest partition among `sizes` (`None`: not in memory;
/// empty ones are never picked), the one a hash table moves to disk first.
pub(crate) fn largest_in_memory(sizes: impl Iterator<Item = Option<u64>>) -> Option<(u64, usize)> {
    sizes
        .enumerate()
        .filter_map(|(i, bytes)| bytes.filter(|&b| b > 0).map(|b| (b, i)))
        .max()
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
        t.compact();
        let mut again = Vec::new();
        assert!(t.probe(&1, |r| again.push(*r)));
        assert_eq!(again, ["a", "c", "e"]);
        let mut all: Vec<_> = t.drain().collect();
        all.sort();
        assert_eq!(all, [(1, "a"), (1, "c"), (1, "e"), (2, "b"), (3, "d")]);
    }
}
