//! The generator source (Flink's `DataGeneratorSource`): records made from their
//! index by a function, at a fixed rate across the job, for tests and benchmarks. A
//! checkpoint of it restores at any number of workers.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{Poll, SplitReader, Timestamps};
use crate::checkpoint::Stored;
use crate::env::StreamEnv;
use crate::error::SourceError;
use crate::stream::{Data, DataStream};
use crate::watermark::WatermarkStrategy;

/// How many records, how fast.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Generator {
    /// Records in all (`None`: without end).
    pub count: Option<u64>,
    /// Records per second across all workers (`None`: as fast as they can be made).
    pub rate: Option<f64>,
}

/// A generator split's place in the index space: every index below `base` is made;
/// the split makes the indices from `next` on that are `next` plus a multiple of the
/// number of splits, except those in `ahead` (made before a rescale, in ascending
/// order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratorPosition {
    /// Indices below this are made, by any split.
    pub base: u64,
    /// The next index of this split's class.
    pub next: u64,
    /// Indices of this split's class at or after `next` that are made already.
    pub ahead: Vec<u64>,
}

/// One split of a generator: the indices `next, next + peers, ...` below the count,
/// except those already made before a rescale (`ahead`), paced so that all splits
/// together keep the rate. A fresh split `index` starts at `next = index`.
///
/// Rescaling: indices below `base` are made; each old split's class above it is
/// described by its `next` and `ahead`. The new layout's base is the least point every
/// old split has passed; the indices made beyond it (the splits' uneven progress, a
/// few checkpoint intervals' worth at most for a paced generator) are dealt to the new
/// splits as their `ahead`.
struct GeneratorSplit<T> {
    make: Box<dyn Fn(u64) -> T>,
    peers: u64,
    base: u64,
    next: u64,
    ahead: VecDeque<u64>,
    /// Indices in all (`None`: without end).
    count: Option<u64>,
    /// Records given in this run, records per ms for this split, and when it started
    /// (processing time).
    given: u64,
    pace: Option<(f64, i64)>,
    clock: strom_core::time::ProcessingClock,
}

/// Every index made by the splits at `positions` (by split), `base` of them below the
/// layout's base, and the indices of each class in ascending order beyond it.
fn made_beyond_base(
    positions: &BTreeMap<usize, GeneratorPosition>,
) -> Result<(u64, Vec<u64>), SourceError> {
    let splits = positions.len() as u64;
    let classes: Vec<(u64, u64, Vec<u64>)> = positions
        .values()
        .map(|p| (p.base, p.next, p.ahead.clone()))
        .collect();
    let base = classes.first().map_or(0, |c| c.0);
    if classes.iter().any(|c| c.0 != base) {
        return Err(SourceError::Resume(
            "the splits' positions disagree on their base".into(),
        ));
    }
    // Class `s` has made `(next - base - s) / splits` indices beyond the base.
    let rounds = |s: u64, next: u64| (next.saturating_sub(base + s)).div_ceil(splits.max(1));
    let least = (0..splits)
        .zip(&classes)
        .map(|(s, c)| rounds(s, c.1))
        .min()
        .unwrap_or(0);
    let new_base = base + least * splits;
    let mut made = Vec::new();
    for (s, (_, next, ahead)) in (0..splits).zip(classes) {
        made.extend((least..rounds(s, next)).map(|k| base + s + k * splits));
        made.extend(ahead);
    }
    made.sort_unstable();
    Ok((new_base, made))
}

/// The records a generator's splits had made at `positions` (a checkpoint's positions
/// of one generator source, by split).
///
/// # Errors
/// [`SourceError::Position`] when a position is not a generator's.
pub fn generated(positions: &BTreeMap<usize, Stored>) -> Result<u64, SourceError> {
    let positions = positions
        .iter()
        .map(|(&split, p)| {
            p.decode()
                .map(|p| (split, p))
                .map_err(|source| SourceError::Position { split, source })
        })
        .collect::<Result<_, _>>()?;
    let (base, made) = made_beyond_base(&positions)?;
    Ok(base + made.len() as u64)
}

impl<T: 'static> SplitReader<T> for GeneratorSplit<T> {
    type Position = GeneratorPosition;

    fn read(&mut self, out: &mut Vec<T>, max: usize) -> Poll {
        let mut n = max as u64;
        if let Some((per_ms, start)) = self.pace {
            let due = ((self.clock.now() - start) as f64 * per_ms) as u64 + 1;
            let ready = due.saturating_sub(self.given);
            if ready == 0 {
                let wait = (self.given as f64 / per_ms) as i64 + start - self.clock.now();
                return Poll::Pending(Duration::from_millis(wait.clamp(1, 1_000) as u64));
            }
            n = n.min(ready);
        }
        let end = self.count.unwrap_or(u64::MAX);
        let mut made = 0;
        while made < n && self.next < end {
            let i = self.next;
            self.next += self.peers;
            if self.ahead.front() == Some(&i) {
                self.ahead.pop_front();
                continue;
            }
            out.push((self.make)(i));
            made += 1;
        }
        self.given += made;
        if made == 0 && self.next >= end {
            Poll::Done
        } else {
            Poll::Ready
        }
    }

    fn position(&self) -> GeneratorPosition {
        GeneratorPosition {
            base: self.base,
            next: self.next,
            ahead: self.ahead.iter().copied().collect(),
        }
    }

    fn resume(
        &mut self,
        positions: &BTreeMap<usize, GeneratorPosition>,
        old_splits: usize,
        me: usize,
        peers: usize,
    ) -> Result<(), SourceError> {
        if let Some(missing) = (0..old_splits).find(|s| !positions.contains_key(s)) {
            return Err(SourceError::Resume(format!(
                "no position of split {missing} of {old_splits}"
            )));
        }
        let (base, made) = made_beyond_base(positions)?;
        let (me, peers) = (me as u64, peers as u64);
        self.base = base;
        self.next = base + me;
        self.ahead = made
            .into_iter()
            .filter(|i| (i - base) % peers == me)
            .collect();
        Ok(())
    }
}

impl<'s> StreamEnv<'s> {
    /// Records `make(0)`, `make(1)`, ... as `generator` says, spread over the workers,
    /// with event times from `timestamps`.
    pub fn generate<T: Data>(
        &self,
        generator: Generator,
        make: impl Fn(u64) -> T + 'static,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        let (index, peers) = (self.index() as u64, self.peers() as u64);
        let split = GeneratorSplit {
            make: Box::new(make),
            peers,
            base: 0,
            next: index,
            ahead: VecDeque::new(),
            count: generator.count,
            given: 0,
            pace: generator
                .rate
                .map(|r| (r / peers as f64 / 1_000.0, self.clock().now())),
            clock: self.clock().clone(),
        };
        self.source("GeneratorSource", split, timestamps, strategy)
            .name("Source: generator")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn split(me: u64, peers: u64, count: u64) -> GeneratorSplit<u64> {
        GeneratorSplit {
            make: Box::new(|i| i),
            peers,
            base: 0,
            next: me,
            ahead: VecDeque::new(),
            count: Some(count),
            given: 0,
            pace: None,
            clock: strom_core::time::ProcessingClock::manual(0),
        }
    }

    proptest! {
        /// Runs with other numbers of splits, each stopped after uneven reads and resumed
        /// from the last one's positions, make every index below the count exactly once.
        #[test]
        fn rescaled_runs_make_every_index_once(
            count in 0u64..400,
            layouts in prop::collection::vec((1usize..6, prop::collection::vec(0usize..40, 6)), 1..5),
        ) {
            let mut made = Vec::new();
            let mut positions: Option<(BTreeMap<usize, GeneratorPosition>, usize)> = None;
            for (peers, reads) in layouts {
                let mut splits: Vec<_> = (0..peers).map(|me| {
                    let mut s = split(me as u64, peers as u64, count);
                    if let Some((p, old)) = &positions {
                        s.resume(p, *old, me, peers).unwrap();
                    }
                    s
                }).collect();
                for (s, n) in splits.iter_mut().zip(&reads) {
                    let mut out = Vec::new();
                    s.read(&mut out, *n);
                    prop_assert!(out.len() <= *n);
                    made.extend(out);
                }
                let p: BTreeMap<usize, GeneratorPosition> =
                    splits.iter().enumerate().map(|(i, s)| (i, s.position())).collect();
                let stored = p.iter().map(|(&i, p)| (i, Stored::encode(p))).collect();
                prop_assert_eq!(generated(&stored).unwrap(), made.len() as u64);
                positions = Some((p, peers));
            }
            // A last run at 3 splits reads to the end.
            let (p, old) = positions.unwrap();
            for me in 0..3 {
                let mut s = split(me, 3, count);
                s.resume(&p, old, me as usize, 3).unwrap();
                let mut out = Vec::new();
                while s.read(&mut out, 7) != Poll::Done {}
                made.extend(out);
            }
            made.sort_unstable();
            prop_assert_eq!(made, (0..count).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_position_of_another_source_or_a_missing_split_is_refused() {
        let mut s = split(0, 2, 10);
        let other = BTreeMap::from([(0, Stored::encode(&"not a generator"))]);
        let e = generated(&other).unwrap_err();
        assert!(matches!(e, SourceError::Position { split: 0, .. }), "{e}");
        let one = BTreeMap::from([(0, s.position())]);
        let e = s.resume(&one, 2, 0, 2).unwrap_err().to_string();
        assert!(e.contains("no position of split 1"), "{e}");
    }
}
