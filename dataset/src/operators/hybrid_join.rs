//! The state of a hybrid hash join (Grace partitioning with in-memory partitions, as in
//! Flink's `MutableHashTable`): build records are split by a hash of their key into
//! [`FANOUT`] partitions, each an in-memory [`JoinTable`]. When the table and the probe
//! records waiting for it outgrow the join's share of memory, the largest in-memory
//! partition moves to disk: its build records and waiting probe records go to spill
//! files, and so do all later records of that partition. Probe records of in-memory
//! partitions are joined as they arrive once the build side is complete. At the end,
//! each spilled partition is joined on its own by a new hybrid join one level down, with
//! a different hash, so it splits again if it still does not fit. A partition that
//! still does not fit after [`MAX_LEVEL`] levels holds few, heavy keys (skew): it is
//! joined by sorting both sides out of core and merging.

use std::cell::RefCell;
use std::rc::Rc;

use strom_core::Result;
use strom_core::keys::stable_hash;
use strom_core::spill::{SpillQueue, footprint};

use super::join::{Kind, merge_join};
use super::join_table::{JoinTable, largest_in_memory};
use super::keyed_sort::{KeyedSorter, push, sorted};
use crate::data_set::{Data, Key};
use crate::env::WorkerContext;

/// Partitions per level.
const FANOUT: usize = 16;
/// Levels of re-partitioning before a partition is sorted instead.
const MAX_LEVEL: u32 = 3;

enum Part<K, L, R> {
    Memory {
        table: JoinTable<K, R>,
        waiting: Vec<L>,
        bytes: u64,
    },
    Disk {
        build: SpillQueue<R>,
        probe: SpillQueue<L>,
    },
}

/// Shared join function.
pub(crate) type JoinFn<L, R, O> = Rc<RefCell<dyn FnMut(Option<&L>, Option<&R>) -> O>>;

/// The key functions and the join function, for joining spilled partitions.
pub(crate) struct Fns<K, L, R, O> {
    pub(crate) lk: Rc<dyn Fn(&L) -> K>,
    pub(crate) rk: Rc<dyn Fn(&R) -> K>,
    pub(crate) f: JoinFn<L, R, O>,
}

impl<K, L, R, O> Clone for Fns<K, L, R, O> {
    fn clone(&self) -> Self {
        Fns {
            lk: self.lk.clone(),
            rk: self.rk.clone(),
            f: self.f.clone(),
        }
    }
}

/// See the module documentation.
pub(crate) struct Hybrid<K, L, R> {
    level: u32,
    parts: Vec<Part<K, L, R>>,
    /// Bytes held in memory (only counted under a budget).
    bytes: u64,
    budget: Option<u64>,
    kind: Kind,
}

impl<K: Key, L: Data, R: Data> Hybrid<K, L, R> {
    /// An empty join at `level`, holding at most `budget` bytes in memory if given.
    pub(crate) fn new(level: u32, budget: Option<u64>, kind: Kind) -> Self {
        Hybrid {
            level,
            parts: (0..FANOUT)
                .map(|_| Part::Memory {
                    table: JoinTable::new(kind.keeps_right()),
                    waiting: Vec::new(),
                    bytes: 0,
                })
                .collect(),
            bytes: 0,
            budget,
            kind,
        }
    }

    fn part_of(&self, key: &K) -> usize {
        (stable_hash(&(0x5eed_u64 + u64::from(self.level), key)) % FANOUT as u64) as usize
    }

    /// Adds a build record.
    pub(crate) fn build(&mut self, ctx: &WorkerContext, key: K, row: R) -> Result<()> {
        let at = self.part_of(&key);
        let size = self.size(&row);
        match &mut self.parts[at] {
            Part::Memory { table, bytes, .. } => {
                table.insert(key, row);
                *bytes += size;
                self.bytes += size;
                self.fit(ctx)
            }
            Part::Disk { build, .. } => build.push(row),
        }
    }

    /// Adds a probe record that came before the build side was complete.
    pub(crate) fn wait(&mut self, ctx: &WorkerContext, key: &K, row: L) -> Result<()> {
        let at = self.part_of(key);
        let size = self.size(&row);
        match &mut self.parts[at] {
            Part::Memory { waiting, bytes, .. } => {
                waiting.push(row);
                *bytes += size;
                self.bytes += size;
                self.fit(ctx)
            }
            Part::Disk { probe, .. } => probe.push(row),
        }
    }

    /// Joins a probe record (the build side being complete) into `out`, or spills it
    /// with its partition.
    pub(crate) fn probe<O>(
        &mut self,
        key: &K,
        row: L,
        out: &mut Vec<O>,
        f: &mut impl FnMut(Option<&L>, Option<&R>) -> O,
    ) -> Result<()> {
        let at = self.part_of(key);
        match &mut self.parts[at] {
            Part::Memory { table, .. } => {
                table.join(key, &row, self.kind.keeps_left(), f, |o| out.push(o));
                Ok(())
            }
            Part::Disk { probe, .. } => probe.push(row),
        }
    }

    fn size<T: serde::Serialize>(&self, x: &T) -> u64 {
        if self.budget.is_some() {
            footprint(x) + 16
        } else {
            0
        }
    }

    /// Moves the largest in-memory partitions to disk until the rest fits.
    fn fit(&mut self, ctx: &WorkerContext) -> Result<()> {
        let Some(budget) = self.budget else {
            return Ok(());
        };
        while self.bytes > budget {
            let largest = largest_in_memory(self.parts.iter().map(|p| match p {
                Part::Memory { bytes, .. } => Some(*bytes),
                Part::Disk { .. } => None,
            }));
            let Some((bytes, at)) = largest else {
                return Ok(());
            };
            let mut build = ctx.spill_queue_with_budget(0)?;
            let mut probe = ctx.spill_queue_with_budget(0)?;
            if let Part::Memory { table, waiting, .. } = &mut self.parts[at] {
                for (_, r) in table.drain() {
                    build.push(r)?;
                }
                for l in waiting.drain(..) {
                    probe.push(l)?;
                }
            }
            self.parts[at] = Part::Disk { build, probe };
            self.bytes -= bytes;
        }
        Ok(())
    }

    /// The rest of the join, once both sides are complete: waiting probe records, the
    /// unmatched build rows (outer joins), then the spilled partitions, lazily.
    pub(crate) fn finish<O: 'static>(
        self,
        ctx: &Rc<WorkerContext>,
        fns: Fns<K, L, R, O>,
    ) -> Box<dyn Iterator<Item = O>> {
        let Hybrid {
            level,
            parts,
            budget,
            kind,
            ..
        } = self;
        let ctx = ctx.clone();
        let parts = parts
            .into_iter()
            .flat_map(move |part| -> Box<dyn Iterator<Item = O>> {
                match part {
                    Part::Memory {
                        mut table, waiting, ..
                    } => {
                        let mut out = Vec::new();
                        let mut f = fns.f.borrow_mut();
                        for l in waiting {
                            let key = (fns.lk)(&l);
                            table.join(&key, &l, kind.keeps_left(), &mut *f, |o| out.push(o));
                        }
                        if kind.keeps_right() {
                            out.extend(table.unmatched().map(|r| f(None, Some(r))));
                        }
                        Box::new(out.into_iter())
                    }
                    Part::Disk { build, probe } => {
                        let joined = if level < MAX_LEVEL {
                            rejoin(&ctx, level + 1, budget, kind, build, probe, &fns)
                        } else {
                            sort_join(&ctx, kind, build, probe, &fns)
                        };
                        joined.unwrap_or_else(|e| {
                            ctx.fail(&e);
                            Box::new(std::iter::empty())
                        })
                    }
                }
            });
        Box::new(parts)
    }
}

/// Joins a spilled partition with a new hybrid join one level down.
fn rejoin<K: Key, L: Data, R: Data, O: 'static>(
    ctx: &Rc<WorkerContext>,
    level: u32,
    budget: Option<u64>,
    kind: Kind,
    build: SpillQueue<R>,
    probe: SpillQueue<L>,
    fns: &Fns<K, L, R, O>,
) -> Result<Box<dyn Iterator<Item = O>>> {
    let mut sub = Hybrid::new(level, budget, kind);
    for r in build.drain()? {
        let r = r?;
        sub.build(ctx, (fns.rk)(&r), r)?;
    }
    let mut probes = probe.drain()?;
    let (ctx, fns) = (ctx.clone(), fns.clone());
    let mut sub = Some(sub);
    // A probe record's results, given from the back (join output has no order); the
    // buffer is reused across probe records.
    let mut pending: Vec<O> = Vec::new();
    let mut rest: Option<Box<dyn Iterator<Item = O>>> = None;
    Ok(Box::new(std::iter::from_fn(move || {
        loop {
            if let Some(o) = pending.pop() {
                return Some(o);
            }
            if let Some(rest) = rest.as_mut() {
                return rest.next();
            }
            let table = sub.as_mut()?;
            match probes.next() {
                Some(Ok(l)) => {
                    let key = (fns.lk)(&l);
                    let mut f = fns.f.borrow_mut();
                    let probed = table.probe(&key, l, &mut pending, &mut |a, b| f(a, b));
                    if let Err(e) = probed {
                        ctx.fail(&e);
                        return None;
                    }
                }
                Some(Err(e)) => {
                    ctx.fail(&e);
                    return None;
                }
                None => {
                    let done = sub.take().expect("present");
                    rest = Some(done.finish(&ctx, fns.clone()));
                }
            }
        }
    })))
}

/// Joins a spilled partition by sorting both sides out of core and merging.
fn sort_join<K: Key, L: Data, R: Data, O: 'static>(
    ctx: &Rc<WorkerContext>,
    kind: Kind,
    build: SpillQueue<R>,
    probe: SpillQueue<L>,
    fns: &Fns<K, L, R, O>,
) -> Result<Box<dyn Iterator<Item = O>>> {
    let (left, right) = (
        KeyedSorter::<K, L>::default(),
        KeyedSorter::<K, R>::default(),
    );
    for l in probe.drain()? {
        let l = l?;
        push(ctx, &left, (fns.lk)(&l), l);
    }
    for r in build.drain()? {
        let r = r?;
        push(ctx, &right, (fns.rk)(&r), r);
    }
    let f = fns.f.clone();
    Ok(Box::new(merge_join(
        sorted(ctx, &left),
        sorted(ctx, &right),
        kind,
        move |l, r| f.borrow_mut()(l, r),
    )))
}
