//! The incremental-graph benchmark's data: the first `loaded` edges of an R-MAT graph,
//! and seeded single-edge changes to it, half insertions of further R-MAT edges and
//! half deletions of distinct loaded edges, in a random order.

use rustc_hash::FxHashSet;
use strom_gelly::generators::RmatConfig;

use crate::graph::mix;

/// The graph and its changes.
pub(crate) struct Workload {
    /// Where the edges come from.
    pub(crate) rmat: RmatConfig,
    /// Edges `0..loaded` of `rmat` are the starting graph.
    pub(crate) loaded: u64,
    /// `(source, target, +1 | -1)`, in the order applied.
    pub(crate) changes: Vec<(u64, u64, i64)>,
}

impl Workload {
    /// `loaded` edges of an R-MAT graph of `2^scale` vertex ids, and `changes` changes
    /// drawn with `seed` (at most one deletion per loaded edge).
    pub(crate) fn new(scale: u32, loaded: u64, changes: u64, seed: u64) -> Self {
        let rmat = RmatConfig::new(scale, loaded.div_ceil(1 << scale).max(1));
        let mut deleted = FxHashSet::default();
        let mut state = seed;
        let mut draw = || {
            state = mix(state);
            state
        };
        let changes = (0..changes)
            .map(|k| {
                let deletable = (deleted.len() as u64) < loaded;
                if deletable && draw().is_multiple_of(2) {
                    loop {
                        let i = draw() % loaded;
                        if deleted.insert(i) {
                            let (s, d) = rmat.edge(i);
                            return (s, d, -1);
                        }
                    }
                }
                let (s, d) = rmat.edge(loaded + k);
                (s, d, 1)
            })
            .collect();
        Workload {
            rmat,
            loaded,
            changes,
        }
    }

    /// The changes of pass `p`: even passes apply the changes in order, odd ones undo
    /// them (in reverse order, each negated), so every pass is 100% single-edge
    /// insertions and deletions on a graph of the loaded size.
    pub(crate) fn phase(&self, p: usize) -> Vec<(u64, u64, i64)> {
        if p.is_multiple_of(2) {
            self.changes.clone()
        } else {
            self.changes
                .iter()
                .rev()
                .map(|&(s, d, diff)| (s, d, -diff))
                .collect()
        }
    }

    /// The edges present after `passes` passes, duplicates repeated.
    pub(crate) fn edges_after(&self, passes: usize) -> Vec<(u64, u64)> {
        let mut edges: Vec<(u64, u64)> = (0..self.loaded).map(|i| self.rmat.edge(i)).collect();
        if passes % 2 == 1 {
            let mut counts: rustc_hash::FxHashMap<(u64, u64), i64> = Default::default();
            for &(s, d, diff) in &self.changes {
                *counts.entry((s, d)).or_default() += diff;
            }
            edges.retain(|e| match counts.get_mut(e) {
                Some(n) if *n < 0 => {
                    *n += 1;
                    false
                }
                _ => true,
            });
            for (e, n) in counts {
                edges.extend(std::iter::repeat_n(e, n.max(0) as usize));
            }
        }
        edges
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_half_deletions_of_distinct_loaded_edges_and_undo_cleanly() {
        let work = Workload::new(8, 2_000, 1_000, 7);
        let deletions = work.changes.iter().filter(|c| c.2 < 0).count();
        assert!((400..600).contains(&deletions), "{deletions} deletions");
        let mut after = work.edges_after(1);
        let mut expected: Vec<(u64, u64)> = (0..2_000).map(|i| work.rmat.edge(i)).collect();
        for &(s, d, diff) in &work.changes {
            if diff > 0 {
                expected.push((s, d));
            } else {
                let at = expected.iter().position(|e| *e == (s, d)).unwrap();
                expected.swap_remove(at);
            }
        }
        after.sort_unstable();
        expected.sort_unstable();
        assert_eq!(after, expected);
        assert_eq!(work.edges_after(2).len(), 2_000);
        let undo = work.phase(1);
        assert_eq!(
            undo[0],
            (
                work.changes[999].0,
                work.changes[999].1,
                -work.changes[999].2
            )
        );
    }
}
