//! The build side of a loop's static join (`static_join.rs`): one [`JoinTable`] while it
//! fits in the join's share of managed memory; past it, hash partitions, as many kept in
//! memory as fit and the others written once to files in the job's spill folder, read
//! back in every round for the probes that fall in them (a hybrid hash join's spilled
//! partitions, kept across rounds).
//!
//! Without a memory limit nothing is counted, and the table is the one `JoinTable` it
//! always was. Under a limit each row counts `footprint(key) + footprint(row) + 16`.
//! When the table passes its share, its rows are split by a hash of their key into
//! [`PARTS`] partitions, and the largest move to [`SpillFile`]s until the rest take at
//! most half the share; later rows of a spilled partition are appended to its file.
//! The other half is for reading a spilled partition back: [`StaticTable::answer`]
//! loads it in chunks of at most half the share, hashes each chunk and probes it with
//! the round's probes of that partition (a nested loop over chunks, so a partition
//! larger than the share still joins; a left outer join's unmatched probes are given
//! after the last chunk).
//!
//! Known limitation: the partitions are fixed once split (64), so a build side much
//! larger than 64 shares reads its partitions back in several chunks, each probed by
//! the partition's probes.

use std::rc::Rc;

use strom_core::keys::stable_hash;
use strom_core::spill::{SpillFile, footprint};
use strom_core::{Error, Result};

use super::join_table::{JoinTable, largest_in_memory};
use crate::data_set::{Data, Key};
use crate::env::WorkerContext;

/// Partitions of a table past its share.
pub(crate) const PARTS: usize = 64;
/// Bytes a row is counted for beyond its key and value (its slots in the table).
const ENTRY_OVERHEAD: u64 = 16;
/// Salts the partition hash, so partitions do not follow the workers' key groups.
const SEED: u64 = 0x57a7_1c7a_b1e5;

enum Part<K, R> {
    Memory { table: JoinTable<K, R>, bytes: u64 },
    Disk(SpillFile<R>),
}

enum Layout<K, R> {
    Whole(JoinTable<K, R>),
    Parts(Vec<Part<K, R>>),
}

/// See the module documentation.
pub(crate) struct StaticTable<K, R> {
    layout: Layout<K, R>,
    /// Estimated bytes of the rows in memory (counted only under a memory limit).
    bytes: u64,
    /// The table's share, read once running (`u64::MAX`: no limit).
    budget: Option<u64>,
    ctx: Rc<WorkerContext>,
}

/// The partition of `key`.
pub(crate) fn part_of<K: Key>(key: &K) -> u32 {
    (stable_hash(&(SEED, key)) % PARTS as u64) as u32
}

fn size<K: Key, R: Data>(key: &K, row: &R) -> u64 {
    footprint(key) + footprint(row) + ENTRY_OVERHEAD
}

impl<K: Key, R: Data> StaticTable<K, R> {
    /// An empty table taking one memory consumer's share (registered by the caller
    /// while building).
    pub(crate) fn new(ctx: Rc<WorkerContext>) -> Self {
        StaticTable {
            layout: Layout::Whole(JoinTable::new(false)),
            bytes: 0,
            budget: None,
            ctx,
        }
    }

    /// The table's share of managed memory.
    pub(crate) fn budget(&mut self) -> u64 {
        *self.budget.get_or_insert_with(|| self.ctx.budget())
    }

    /// Adds a build row, splitting the table or moving partitions to disk when it
    /// passes its share.
    ///
    /// # Errors
    /// When a partition cannot be written.
    pub(crate) fn insert(&mut self, key: K, row: R) -> Result<()> {
        let budget = self.budget();
        match &mut self.layout {
            Layout::Whole(table) if budget == u64::MAX => {
                table.insert(key, row);
                Ok(())
            }
            Layout::Whole(table) => {
                self.bytes += size(&key, &row);
                table.insert(key, row);
                if self.bytes > budget {
                    self.split()?;
                }
                Ok(())
            }
            Layout::Parts(parts) => match &mut parts[part_of(&key) as usize] {
                Part::Memory { table, bytes } => {
                    let size = size(&key, &row);
                    table.insert(key, row);
                    *bytes += size;
                    self.bytes += size;
                    self.fit()
                }
                Part::Disk(file) => file.push(&row),
            },
        }
    }

    /// Splits the whole table into partitions and moves the largest to disk.
    fn split(&mut self) -> Result<()> {
        let Layout::Whole(whole) = &mut self.layout else {
            return Ok(());
        };
        let mut parts: Vec<Part<K, R>> = (0..PARTS)
            .map(|_| Part::Memory {
                table: JoinTable::new(false),
                bytes: 0,
            })
            .collect();
        for (key, row) in whole.drain() {
            if let Part::Memory { table, bytes } = &mut parts[part_of(&key) as usize] {
                *bytes += size(&key, &row);
                table.insert(key, row);
            }
        }
        tracing::debug!(
            estimated = self.bytes,
            budget = self.budget,
            "a static join's table passes its share: split into {PARTS} partitions"
        );
        self.layout = Layout::Parts(parts);
        self.fit()
    }

    /// Moves the largest partitions in memory to disk until the rest take at most half
    /// the share.
    fn fit(&mut self) -> Result<()> {
        let keep = self.budget() / 2;
        let Layout::Parts(parts) = &mut self.layout else {
            return Ok(());
        };
        while self.bytes > keep {
            let largest = largest_in_memory(parts.iter().map(|p| match p {
                Part::Memory { bytes, .. } => Some(*bytes),
                Part::Disk(_) => None,
            }));
            let Some((bytes, at)) = largest else {
                return Ok(());
            };
            let mut file = SpillFile::create(
                "static-join",
                self.ctx.spill_dir()?,
                self.ctx.spill_metrics(),
            )?;
            if let Part::Memory { table, .. } = &mut parts[at] {
                for (_, row) in table.drain() {
                    file.push(&row)?;
                }
            }
            parts[at] = Part::Disk(file);
            self.bytes -= bytes;
            self.ctx.spill_metrics().record_partitions(1);
        }
        Ok(())
    }

    /// Ends the build: the tables in memory are compacted for probing, the files
    /// flushed.
    ///
    /// # Errors
    /// When a partition's file cannot be flushed.
    pub(crate) fn seal(&mut self) -> Result<()> {
        match &mut self.layout {
            Layout::Whole(table) => table.compact(),
            Layout::Parts(parts) => {
                let mut spilled = 0;
                for part in parts {
                    match part {
                        Part::Memory { table, .. } => table.compact(),
                        Part::Disk(file) => {
                            file.seal()?;
                            spilled += file.bytes();
                        }
                    }
                }
                tracing::debug!(
                    in_memory = self.bytes,
                    spilled,
                    "a static join's table is sealed with partitions on disk"
                );
            }
        }
        Ok(())
    }

    /// Joins probe record `x` of `key` through `f` if its rows are in memory (or with no
    /// row when none matched and `keeps_left`); otherwise gives the partition on disk
    /// the probe must wait for.
    pub(crate) fn join<L, O>(
        &mut self,
        key: &K,
        x: &L,
        keeps_left: bool,
        f: &mut (impl FnMut(Option<&L>, Option<&R>) -> O + ?Sized),
        emit: impl FnMut(O),
    ) -> Option<u32> {
        let table = match &mut self.layout {
            Layout::Whole(table) => table,
            Layout::Parts(parts) => {
                let at = part_of(key);
                match &mut parts[at as usize] {
                    Part::Memory { table, .. } => table,
                    Part::Disk(_) => return Some(at),
                }
            }
        };
        table.join(key, x, keeps_left, f, emit);
        None
    }

    /// Joins `probes` (all of partition `part`, on disk) with the partition's rows,
    /// read back in chunks of at most half the share.
    ///
    /// # Errors
    /// When `part` is not on disk, or its file cannot be read.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn answer<L, O>(
        &mut self,
        part: u32,
        probes: &[L],
        lk: &impl Fn(&L) -> K,
        rk: &impl Fn(&R) -> K,
        keeps_left: bool,
        f: &mut (impl FnMut(Option<&L>, Option<&R>) -> O + ?Sized),
        mut emit: impl FnMut(O),
    ) -> Result<()> {
        let chunk = (self.budget() / 2).max(1);
        let Layout::Parts(parts) = &self.layout else {
            return Err(Error::Internal(
                "probes deferred for an unsplit table".into(),
            ));
        };
        let Some(Part::Disk(file)) = parts.get(part as usize) else {
            return Err(Error::Internal(format!(
                "probes deferred for partition {part}, which is not on disk"
            )));
        };
        let keys: Vec<K> = probes.iter().map(lk).collect();
        let mut matched = vec![false; if keeps_left { probes.len() } else { 0 }];
        let mut rows = file.read()?;
        let mut done = false;
        while !done {
            let mut table = JoinTable::new(false);
            let mut bytes = 0;
            while bytes < chunk {
                let Some(row) = rows.next() else {
                    done = true;
                    break;
                };
                let row = row?;
                let key = rk(&row);
                bytes += size(&key, &row);
                table.insert(key, row);
            }
            for (i, (x, key)) in probes.iter().zip(&keys).enumerate() {
                if table.probe(key, |r| emit(f(Some(x), Some(r)))) && keeps_left {
                    matched[i] = true;
                }
            }
        }
        for (x, _) in probes.iter().zip(&matched).filter(|(_, m)| !**m) {
            emit(f(Some(x), None));
        }
        Ok(())
    }
}
