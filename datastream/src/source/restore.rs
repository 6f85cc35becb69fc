//! Resuming a source split from a checkpoint: the stored positions of every split of
//! the source (of the run that wrote it, at its parallelism) are decoded into the
//! source's own position type and handed to [`SplitReader::resume`], which deals them
//! to the new layout by the source's own rules.

use std::collections::BTreeMap;

use super::reader::SplitReader;
use crate::checkpoint::Restored;
use crate::error::SourceError;

/// Resumes `reader`, split `me` of `peers` of the source `id`, from `restored`.
///
/// # Errors
/// [`SourceError::Resume`] when the checkpoint has no positions of the source,
/// [`SourceError::Position`] when one is not of the source's type, and what the
/// reader's `resume` gives.
pub(super) fn resume<T, R: SplitReader<T>>(
    reader: &mut R,
    restored: &Restored,
    id: &str,
    (me, peers): (usize, usize),
) -> Result<(), SourceError> {
    let stored = restored.marker.positions.get(id).ok_or_else(|| {
        SourceError::Resume(format!(
            "the checkpoint has no positions of source {id}: is it this job's?"
        ))
    })?;
    let positions = stored
        .iter()
        .map(|(&split, p)| {
            p.decode::<R::Position>()
                .map(|p| (split, p))
                .map_err(|source| SourceError::Position { split, source })
        })
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    reader.resume(&positions, restored.marker.workers, me, peers)
}
