//! Sources of timestamped records. A bounded source reads its records as a live source
//! would: in order, in batches, moving its watermark after each batch; its capability
//! is at the watermark plus one (`docs/0008-stream-time.md`), so downstream frontiers
//! carry the watermark. When it ends, it drops its capability: the watermark reaches
//! the end of time and every window fires.

use strom_core::time::StreamTime;
use strom_core::timely::dataflow::operators::generic::operator::source;

use crate::env::StreamEnv;
use crate::stream::{Data, DataStream, Timestamped};
use crate::watermark::WatermarkStrategy;

/// Records a bounded source gives before moving its watermark on (the stand-in for
/// Flink's periodic watermark interval when reading a file as a stream).
pub const WATERMARK_EVERY: usize = 256;

impl<'s> StreamEnv<'s> {
    /// A stream of `(event time ms, record)` pairs. Worker `i` of `n` reads the `i`-th
    /// of `n` contiguous splits, in order, with its own watermark (as one split of a
    /// file source would).
    pub fn from_timestamped<T: Data>(
        &self,
        records: impl Into<std::sync::Arc<[(i64, T)]>>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        let records = records.into();
        let (index, peers) = (self.index(), self.peers());
        let (start, end) = (
            records.len() * index / peers,
            records.len() * (index + 1) / peers,
        );
        let mut mine = records[start..end]
            .iter()
            .map(|(ts, value)| Timestamped {
                ts: *ts,
                value: value.clone(),
            })
            .collect::<Vec<_>>()
            .into_iter();
        let scope = self.scope;
        let stream = source(self.scope, "TimestampedSource", move |cap, info| {
            let activator = scope.activator_for(info.address);
            let mut cap = Some(cap);
            let mut max_seen: Option<i64> = None;
            move |output| {
                let Some(c) = cap.as_mut() else { return };
                let batch: Vec<_> = mine.by_ref().take(WATERMARK_EVERY).collect();
                if batch.is_empty() {
                    cap = None;
                    return;
                }
                for r in &batch {
                    max_seen = Some(max_seen.map_or(r.ts, |m| m.max(r.ts)));
                }
                output.session(&*c).give_iterator(batch.into_iter());
                let next = StreamTime::at_watermark(c.time().epoch, strategy.watermark(max_seen));
                if next.event > c.time().event {
                    c.downgrade(&next);
                }
                activator.activate();
            }
        });
        DataStream {
            env: self.clone(),
            stream,
        }
    }
}
