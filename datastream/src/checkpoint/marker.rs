//! Marker writing: the committer folds an epoch's acknowledgements into the epoch's
//! [`Marker`] (positions carry forward, files are per epoch, sinks' committables wait
//! until they are committed) and writes it as `chk-<epoch>/COMMITTED`, stamped with
//! the marker format version.

use std::collections::BTreeMap;

use strom_core::{Error, Result};

use super::protocol::{Ack, Marker, Stored};
use super::{folder, locate};

/// The marker the committer builds epoch by epoch.
pub(super) struct MarkerWriter {
    dir: String,
    marker: Marker,
    /// Committables pre-committed and not yet committed, by sink.
    uncommitted: BTreeMap<String, Vec<Stored>>,
}

impl MarkerWriter {
    /// Markers of `base` (job, graph, layout and the restored positions) into `dir`.
    pub(super) fn new(dir: String, base: Marker) -> Self {
        MarkerWriter {
            dir,
            marker: base,
            uncommitted: BTreeMap::new(),
        }
    }

    /// Folds the acknowledgements of the complete epoch `epoch` in.
    ///
    /// # Errors
    /// When an acknowledgement carries a value that is not JSON (a bug).
    pub(super) fn fold(&mut self, epoch: u64, acks: Vec<Ack>) -> Result<()> {
        let bad =
            |e: serde_json::Error| Error::Internal(format!("an acknowledgement's value: {e}"));
        let m = &mut self.marker;
        m.epoch = epoch;
        // Files are per epoch; positions carry forward (a finished split keeps its
        // last one).
        m.files.clear();
        m.bytes = 0;
        m.snapshot_ms = 0;
        for ack in acks {
            match ack {
                Ack::Position {
                    source,
                    split,
                    position,
                } => {
                    let position = Stored::from_text(&position).map_err(bad)?;
                    m.positions
                        .entry(source)
                        .or_default()
                        .insert(split, position);
                }
                Ack::Files {
                    files,
                    bytes,
                    millis,
                    ..
                } => {
                    m.files.extend(files);
                    m.bytes += bytes;
                    m.snapshot_ms = m.snapshot_ms.max(millis);
                }
                Ack::Committable { sink, committable } => {
                    let committable = Stored::from_text(&committable).map_err(bad)?;
                    self.uncommitted.entry(sink).or_default().push(committable);
                }
            }
        }
        Ok(())
    }

    /// Writes the marker of the epoch folded last, taken at `now` (ms), holding the
    /// committables not yet committed; gives it.
    ///
    /// # Errors
    /// When the marker cannot be written.
    pub(super) fn write(&mut self, now: i64) -> Result<&Marker> {
        let m = &mut self.marker;
        m.committables = self.uncommitted.clone();
        m.taken_ms = now;
        let path = format!("{}/COMMITTED", folder(m.epoch));
        locate(&self.dir, &path)?.write(m.to_bytes().into())?;
        Ok(&self.marker)
    }

    /// The committables not yet committed, handed over to be committed.
    pub(super) fn take_uncommitted(&mut self) -> BTreeMap<String, Vec<Stored>> {
        std::mem::take(&mut self.uncommitted)
    }
}
