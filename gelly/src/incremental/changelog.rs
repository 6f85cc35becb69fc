//! The changelog: a maintained result's changes consolidated per change time, one
//! vertex's old value retracted and its new value added, sent once the watermark has
//! passed the time (so no more of that time can come, from any epoch).
//!
//! differential consolidates per `(epoch, time)`; a change time whose edge changes
//! fell in two epochs gives two pieces, which only this step sums. Checkpoints keep,
//! per key group, the watermark up to which its rows were sent; a restored job, which
//! recomputes the history from the input log, drops the rows at or before it.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};
use strom_core::state::KeyGroupRange;
use strom_core::time::StreamTime;
use strom_datastream::Timestamped;
use strom_datastream::checkpoint::{GroupSink, Part};
use strom_datastream::shell::{Held, Outputs, StatefulLogic};

/// A change of a result: `(vertex, value, diff)`, `diff` +1 for a value added and -1
/// for one retracted.
pub type ResultChange = (u64, u64, i64);

/// The changes of one time not sent yet: where they go out, and their sums by
/// `(vertex, value)`.
type Pending = (Held, FxHashMap<(u64, u64), i64>);

/// The changelog's logic on the operator shell (keyed by vertex).
pub(crate) struct Changelog {
    range: KeyGroupRange,
    /// Changes not sent yet, by change time.
    pending: BTreeMap<i64, Pending>,
    watermark: i64,
    /// Groups that sent rows.
    sent: FxHashSet<u32>,
    /// Restored groups: rows at or before their time were sent by an earlier run.
    published: FxHashMap<u32, i64>,
}

impl Changelog {
    pub(crate) fn new(range: KeyGroupRange) -> Self {
        Changelog {
            range,
            pending: BTreeMap::new(),
            watermark: i64::MIN,
            sent: FxHashSet::default(),
            published: FxHashMap::default(),
        }
    }
}

impl StatefulLogic<ResultChange> for Changelog {
    type Out = ResultChange;
    type Side = ();

    fn on_record(
        &mut self,
        record: Timestamped<ResultChange>,
        at: &Held,
        _watermark: i64,
        _out: &mut Outputs<ResultChange, ()>,
    ) {
        let (vertex, value, diff) = record.value;
        let (_, sums) = self.pending.entry(record.ts).or_insert_with(|| {
            let now = at.time();
            let time = StreamTime {
                event: StreamTime::at_watermark(now.epoch, record.ts.saturating_sub(1))
                    .event
                    .max(now.event),
                ..now
            };
            (at.delayed(&time), FxHashMap::default())
        });
        *sums.entry((vertex, value)).or_default() += diff;
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Outputs<ResultChange, ()>) {
        self.watermark = self.watermark.max(watermark);
        while let Some(entry) = self.pending.first_entry() {
            let ts = *entry.key();
            if ts > watermark {
                break;
            }
            let (held, sums) = entry.remove();
            let mut rows: Vec<_> = sums.into_iter().filter(|(_, diff)| *diff != 0).collect();
            rows.sort_unstable();
            for ((vertex, value), diff) in rows {
                let group = self.range.group_of(&vertex);
                if self.published.get(&group).is_some_and(|&w| ts <= w) {
                    continue;
                }
                self.sent.insert(group);
                out.emit(
                    &held,
                    Timestamped {
                        ts,
                        value: (vertex, value, diff),
                    },
                );
            }
        }
    }

    fn snapshot(&mut self, sink: &mut dyn GroupSink) {
        let mut groups: Vec<u32> = self
            .sent
            .iter()
            .chain(self.published.keys())
            .copied()
            .collect();
        groups.sort_unstable();
        groups.dedup();
        for group in groups {
            let upto = self
                .published
                .get(&group)
                .map_or(self.watermark, |&w| w.max(self.watermark));
            sink.emit(group, Part::Full(upto.to_le_bytes().to_vec()));
        }
    }

    fn restore_group(&mut self, group: u32, parts: Vec<Part>, _epoch: u64, _initial: &Held) {
        for part in parts {
            let (Part::Full(bytes) | Part::Delta(bytes)) = part;
            let upto = <[u8; 8]>::try_from(bytes.as_slice())
                .map(i64::from_le_bytes)
                .unwrap_or_else(|_| panic!("key group {group} of the changelog does not decode"));
            let kept = self.published.entry(group).or_insert(upto);
            *kept = (*kept).max(upto);
        }
    }

    fn end_of_epoch(&mut self, epoch: u64) {
        for (held, _) in self.pending.values_mut() {
            held.in_epoch(epoch);
        }
    }

    fn on_stop(&mut self) {
        self.pending.clear();
    }
}
