//! A source split's acknowledgements: its position at the end of each epoch, sent to
//! the committer at the epoch's capability (`docs/0009-checkpoints.md`), and the last
//! one when the split ends.

use serde::Serialize;
use strom_core::time::StreamTime;
use strom_core::timely::dataflow::operators::Capability;

use crate::checkpoint::{Ack, AckOutput, Stored};

/// Where a split's positions go: `None` capability when the job does not checkpoint.
pub(super) struct PositionAcks {
    source: String,
    split: usize,
    out: AckOutput,
    cap: Option<Capability<StreamTime>>,
}

impl PositionAcks {
    /// The acknowledgements of split `split` of the source `source` on `out`, from
    /// `cap`.
    pub(super) fn new(
        source: String,
        split: usize,
        out: AckOutput,
        cap: Option<Capability<StreamTime>>,
    ) -> Self {
        PositionAcks {
            source,
            split,
            out,
            cap,
        }
    }

    /// Whether the split acknowledges (the job checkpoints and the split goes on).
    pub(super) fn active(&self) -> bool {
        self.cap.is_some()
    }

    /// Says `position` is where the split is at the end of its current epoch, and
    /// moves to epoch `to`.
    pub(super) fn end_epoch<P: Serialize>(&mut self, position: &P, to: u64) {
        let ack = self.ack(position);
        let Some(cap) = self.cap.as_mut() else {
            return;
        };
        self.out.activate().session(&*cap).give(ack);
        cap.downgrade(&StreamTime {
            epoch: to,
            ..*cap.time()
        });
    }

    /// Says `position` is where the split ended; no more acknowledgements.
    pub(super) fn end<P: Serialize>(&mut self, position: &P) {
        let ack = self.ack(position);
        if let Some(cap) = self.cap.take() {
            self.out.activate().session(&cap).give(ack);
        }
    }

    /// The acknowledgement of `position`.
    fn ack<P: Serialize>(&self, position: &P) -> Ack {
        Ack::Position {
            source: self.source.clone(),
            split: self.split,
            position: Stored::encode(position).to_text(),
        }
    }

    /// Stops without a last position (a stop with a savepoint).
    pub(super) fn abandon(&mut self) {
        self.cap = None;
    }
}
