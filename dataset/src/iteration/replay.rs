//! Entering a data set into an iteration: its records are cached per worker and given
//! again at every round the head starts, once the input is complete.
//!
//! The cache is a memory consumer. Without a limit it is a vector, as it always was.
//! Under one it counts its records' estimated size ([`footprint`]); past its share, the
//! records after those in memory are appended to a [`SpillFile`] in the job's spill
//! folder, written once, and every round gives the records in memory and then reads
//! the file from its start.

use std::collections::VecDeque;
use std::rc::Rc;

use strom_core::Result;
use strom_core::spill::{SpillFile, footprint};
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::Operator;

use crate::data_set::Data;
use crate::env::{Env, Time, WorkerContext};
use crate::operators::blocking::EMIT_BATCH;

/// The records to replay: those in memory, then those in the file (if any).
struct Cache<T> {
    memory: Vec<T>,
    file: Option<SpillFile<T>>,
    /// Estimated bytes in memory (counted only under a limit).
    bytes: u64,
    /// The cache's share, read once running (`u64::MAX`: no limit).
    budget: Option<u64>,
    ctx: Rc<WorkerContext>,
}

impl<T: Data> Cache<T> {
    fn append(&mut self, batch: &mut Vec<T>) -> Result<()> {
        let budget = *self.budget.get_or_insert_with(|| self.ctx.budget());
        if budget == u64::MAX {
            self.memory.append(batch);
            return Ok(());
        }
        for x in batch.drain(..) {
            if let Some(file) = self.file.as_mut() {
                file.push(&x)?;
                continue;
            }
            self.bytes += footprint(&x);
            self.memory.push(x);
            if self.bytes > budget {
                let file =
                    SpillFile::create("replay", self.ctx.spill_dir()?, self.ctx.spill_metrics())?;
                self.file = Some(file);
            }
        }
        Ok(())
    }

    /// Ends the input: the file, if any, is flushed.
    fn seal(&mut self) -> Result<()> {
        match self.file.as_mut() {
            Some(file) => file.seal(),
            None => Ok(()),
        }
    }
}

/// Where the current round's replay is.
enum Cursor<T> {
    Memory(usize),
    Disk(Box<dyn Iterator<Item = Result<T>>>),
}

/// `data` (time 0) again at the time of every token (one per round).
pub(crate) fn replay<'s, T: Data>(
    env: &Env<'s>,
    data: StreamVec<'s, Time, T>,
    tokens: StreamVec<'s, Time, u32>,
) -> StreamVec<'s, Time, T> {
    let scope = env.scope;
    let ctx = env.ctx.clone();
    ctx.register_memory_consumer();
    data.binary_frontier(
        tokens,
        Pipeline,
        Pipeline,
        "IterationEnter",
        move |_, info| {
            let activator = scope.activator_for(info.address);
            let mut cache = Cache {
                memory: Vec::new(),
                file: None,
                bytes: 0,
                budget: None,
                ctx: ctx.clone(),
            };
            let mut rounds: VecDeque<Capability<Time>> = VecDeque::new();
            let mut cursor = Cursor::Memory(0);
            let (mut sealed, mut failed) = (false, false);
            move |(data_in, data_frontier), (token_in, token_frontier), output| {
                let mut appended = Ok(());
                data_in.for_each(|_, batch| {
                    if appended.is_ok() && !failed {
                        appended = cache.append(batch);
                    }
                });
                token_in.for_each(|cap, _| rounds.extend(cap.retain_least(0)));
                if failed || !data_frontier.frontier().is_empty() {
                    return;
                }
                let run = || -> Result<()> {
                    appended?;
                    if !sealed {
                        cache.seal()?;
                        sealed = true;
                    }
                    let mut room = EMIT_BATCH;
                    while let Some(cap) = rounds.front() {
                        let mut session = output.session(cap);
                        let done = match &mut cursor {
                            Cursor::Memory(position) => {
                                let end = cache.memory.len().min(*position + room);
                                let slice = &cache.memory[*position..end];
                                session.give_iterator(slice.iter().cloned());
                                room -= end - *position;
                                *position = end;
                                if end < cache.memory.len() {
                                    false
                                } else if let Some(file) = cache.file.as_ref() {
                                    cursor = Cursor::Disk(Box::new(file.read()?));
                                    false
                                } else {
                                    true
                                }
                            }
                            Cursor::Disk(records) => {
                                let mut exhausted = true;
                                for x in records.by_ref() {
                                    session.give(x?);
                                    room -= 1;
                                    if room == 0 {
                                        exhausted = false;
                                        break;
                                    }
                                }
                                exhausted
                            }
                        };
                        drop(session);
                        if done {
                            rounds.pop_front();
                            cursor = Cursor::Memory(0);
                        }
                        if room == 0 {
                            activator.activate();
                            return Ok(());
                        }
                    }
                    Ok(())
                };
                if let Err(e) = run() {
                    ctx.fail(&e);
                    failed = true;
                    rounds.clear();
                }
                if failed || (rounds.is_empty() && token_frontier.frontier().is_empty()) {
                    cache.memory = Vec::new();
                    cache.file = None;
                }
            }
        },
    )
}
