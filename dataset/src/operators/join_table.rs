//! The build side of a hash join: a multimap from key to rows without an allocation per
//! key. Rows live in one arena in arrival order; each key maps to its first and last
//! row and its number of rows, and rows of the same key are chained through `next`. A
//! `matched` flag per row is kept only when the join emits unmatched build rows (right
//! and full outer joins).

use rustc_hash::FxHashMap;

const END: u32 = u32::MAX;

/// A key's rows: the first and last of its chain, and how many.
#[derive(Clone, Copy)]
struct Chain {
    first: u32,
    last: u32,
    len: u32,
}

pub(crate) struct JoinTable<K, R> {
    heads: FxHashMap<K, Chain>,
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
            Some(chain) => {
                self.next[chain.last as usize] = at;
                chain.last = at;
                chain.len += 1;
            }
            None => {
                let chain = Chain {
                    first: at,
                    last: at,
                    len: 1,
                };
                self.heads.insert(key, chain);
            }
        }
    }

    /// Calls `each` with every row of `key` (marking them matched); false if none.
    pub(crate) fn probe(&mut self, key: &K, mut each: impl FnMut(&R)) -> bool {
        let Some(chain) = self.heads.get(key) else {
            return false;
        };
        let mut at = chain.first;
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
    ///
    /// A counting sort, without walking the chains (a walk is a dependent random read
    /// per row): each key's place follows from the lengths, each chain's first row is
    /// placed from its key, and every other row one after its predecessor, found in
    /// one pass in arrival order (a row's predecessor arrived before it).
    pub(crate) fn compact(&mut self) {
        let n = self.rows.len();
        let mut dest = vec![END; n];
        let mut start = 0u32;
        for chain in self.heads.values_mut() {
            dest[chain.first as usize] = start;
            chain.first = start;
            chain.last = start + chain.len - 1;
            start += chain.len;
        }
        for i in 0..n {
            let after = self.next[i];
            if after != END {
                dest[after as usize] = dest[i] + 1;
            }
        }
        let mut rows: Vec<Option<R>> = std::iter::repeat_with(|| None).take(n).collect();
        for (row, at) in std::mem::take(&mut self.rows).into_iter().zip(&dest) {
            rows[*at as usize] = Some(row);
        }
        self.rows = rows
            .into_iter()
            .map(|r| r.expect("every place is taken once"))
            .collect();
        // Each key's rows now follow each other; its last row ends the chain.
        let mut next = dest;
        for (i, slot) in next.iter_mut().enumerate() {
            *slot = i as u32 + 1;
        }
        for chain in self.heads.values() {
            next[chain.last as usize] = END;
        }
        self.next = next;
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
        self.heads.drain().flat_map(move |(key, c)| {
            let mut chain = Vec::new();
            let mut at = c.first;
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
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Compacting keeps every key's rows in arrival order, and rows inserted
        /// afterwards join their key's chain (against a map of vectors).
        #[test]
        fn compact_keeps_each_keys_rows_in_order(
            before in proptest::collection::vec((0u8..20, any::<u32>()), 0..300),
            after in proptest::collection::vec((0u8..25, any::<u32>()), 0..50),
        ) {
            let mut t = JoinTable::new(false);
            let mut model: BTreeMap<u8, Vec<u32>> = BTreeMap::new();
            for (k, r) in &before {
                t.insert(*k, *r);
                model.entry(*k).or_default().push(*r);
            }
            t.compact();
            for (k, r) in &after {
                t.insert(*k, *r);
                model.entry(*k).or_default().push(*r);
            }
            for k in 0u8..25 {
                let mut got = Vec::new();
                let found = t.probe(&k, |r| got.push(*r));
                let want = model.get(&k).cloned().unwrap_or_default();
                prop_assert_eq!(found, !want.is_empty());
                prop_assert_eq!(got, want);
            }
        }
    }

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
        assert_eq!(t.rows.len(), 5);
        for (key, want) in [(2, vec!["b"]), (3, vec!["d"])] {
            let mut got = Vec::new();
            assert!(t.probe(&key, |r| got.push(*r)));
            assert_eq!(got, want);
        }
        t.insert(2, "f"); // still a chain after compacting
        let mut two = Vec::new();
        t.probe(&2, |r| two.push(*r));
        assert_eq!(two, ["b", "f"]);
        let mut all: Vec<_> = t.drain().collect();
        all.sort();
        assert_eq!(
            all,
            [(1, "a"), (1, "c"), (1, "e"), (2, "b"), (2, "f"), (3, "d")]
        );
    }
}
