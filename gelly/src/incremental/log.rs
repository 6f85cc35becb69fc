//! The input log: every edge change the job has taken, kept by key group of the edge
//! and checkpointed, so that a restored job rebuilds differential's arrangements by
//! replaying it (`docs/0026-incremental-graphs.md`, "Checkpoints").
//!
//! Changes pass through at once; the log keeps each with its change time, consolidated
//! per time and edge when a snapshot is taken. A restored log sends its changes again,
//! each at its own time in the first epoch of the run, before any new change.
//!
//! Known limitation: the log keeps the whole history (a restore recomputes it, at the
//! cost of the original run's incremental work up to the checkpoint); compacting the
//! times every key group of the changelog has published into one is not done yet.

use serde::{Deserialize, Serialize};
use strom_core::state::KeyGroupRange;
use strom_core::time::StreamTime;
use strom_datastream::Timestamped;
use strom_datastream::checkpoint::{GroupSink, Part};
use strom_datastream::shell::{Held, Outputs, StatefulLogic};

/// One change of an edge: `diff` copies of `source -> target` with `weight` added
/// (positive) or removed (negative).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EdgeChange {
    /// Where the edge starts.
    pub source: u64,
    /// Where it ends.
    pub target: u64,
    /// Its weight (shortest paths read it; 1 when the input has none).
    pub weight: u64,
    /// Copies added (positive) or removed (negative).
    pub diff: i64,
}

/// Changes with their times, in the order taken.
type History = Vec<(i64, EdgeChange)>;

/// Sorts `history` by time and edge and adds up the changes of one edge at one time,
/// dropping those that cancel.
fn consolidate(history: &mut History) {
    history.sort_unstable_by_key(|(ts, c)| (*ts, c.source, c.target, c.weight));
    let mut kept: History = Vec::with_capacity(history.len());
    for (ts, change) in history.drain(..) {
        match kept.last_mut() {
            Some((t, last))
                if *t == ts
                    && (last.source, last.target, last.weight)
                        == (change.source, change.target, change.weight) =>
            {
                last.diff += change.diff;
            }
            _ => kept.push((ts, change)),
        }
        if kept.last().is_some_and(|(_, c)| c.diff == 0) {
            kept.pop();
        }
    }
    *history = kept;
}

/// The log's logic on the operator shell (keyed by edge).
pub(crate) struct EdgeLog {
    range: KeyGroupRange,
    groups: Vec<History>,
    /// Lengths at the last consolidation, to consolidate when a group doubles.
    sizes: Vec<usize>,
    /// Restored changes still to send, and where from.
    replay: Option<(Held, u64, History)>,
}

impl EdgeLog {
    pub(crate) fn new(range: KeyGroupRange) -> Self {
        EdgeLog {
            range,
            groups: vec![Vec::new(); range.len()],
            sizes: vec![0; range.len()],
            replay: None,
        }
    }

    fn slot(&self, change: &EdgeChange) -> usize {
        let group = self
            .range
            .group_of(&(change.source, change.target, change.weight));
        (group - self.range.start) as usize
    }
}

impl StatefulLogic<EdgeChange> for EdgeLog {
    type Out = EdgeChange;
    type Side = ();

    fn on_record(
        &mut self,
        record: Timestamped<EdgeChange>,
        at: &Held,
        _watermark: i64,
        out: &mut Outputs<EdgeChange, ()>,
    ) {
        // A late change (behind the watermark it is sent at) counts at that watermark.
        let ts = record.ts.max(at.time().watermark().saturating_add(1));
        let slot = self.slot(&record.value);
        let history = &mut self.groups[slot];
        history.push((ts, record.value));
        if history.len() >= 2 * self.sizes[slot].max(1_024) {
            consolidate(history);
            self.sizes[slot] = history.len();
        }
        out.emit(
            at,
            Timestamped {
                ts,
                value: record.value,
            },
        );
    }

    fn on_watermark(&mut self, _watermark: i64, out: &mut Outputs<EdgeChange, ()>) {
        let Some((held, epoch, mut history)) = self.replay.take() else {
            return;
        };
        consolidate(&mut history);
        let mut at: Option<(i64, Held)> = None;
        for (ts, change) in history {
            if at.as_ref().is_none_or(|(t, _)| *t != ts) {
                let time = StreamTime::at_watermark(epoch, ts.saturating_sub(1));
                at = Some((ts, held.delayed(&time)));
            }
            let (_, held) = at.as_ref().expect("set above");
            out.emit(held, Timestamped { ts, value: change });
        }
    }

    fn snapshot(&mut self, sink: &mut dyn GroupSink) {
        for (slot, history) in self.groups.iter_mut().enumerate() {
            consolidate(history);
            self.sizes[slot] = history.len();
            if !history.is_empty() {
                let bytes = bincode::serialize(history).expect("edge changes serialise");
                sink.emit(self.range.start + slot as u32, Part::Full(bytes));
            }
        }
    }

    fn restore_group(&mut self, group: u32, parts: Vec<Part>, epoch: u64, initial: &Held) {
        let slot = (group - self.range.start) as usize;
        for part in parts {
            let (Part::Full(bytes) | Part::Delta(bytes)) = part;
            let history: History = bincode::deserialize(&bytes).unwrap_or_else(|e| {
                panic!("key group {group} of the edge log does not decode: {e}")
            });
            let replay = self
                .replay
                .get_or_insert_with(|| (initial.clone(), epoch, Vec::new()));
            replay.2.extend_from_slice(&history);
            self.groups[slot].extend(history);
        }
    }

    fn end_of_epoch(&mut self, epoch: u64) {
        if let Some((held, at, _)) = self.replay.as_mut() {
            held.in_epoch(epoch);
            *at = (*at).max(epoch);
        }
    }

    fn on_stop(&mut self) {
        self.replay = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(source: u64, target: u64, diff: i64) -> EdgeChange {
        EdgeChange {
            source,
            target,
            weight: 1,
            diff,
        }
    }

    #[test]
    fn consolidation_adds_up_one_edge_at_one_time_and_drops_what_cancels() {
        let mut history = vec![
            (2, change(1, 2, 1)),
            (1, change(1, 2, 1)),
            (2, change(1, 2, -1)),
            (1, change(3, 4, 1)),
            (1, change(1, 2, 1)),
        ];
        consolidate(&mut history);
        assert_eq!(history, vec![(1, change(1, 2, 2)), (1, change(3, 4, 1))]);
    }
}
