//! Publishing on commit: the committers of the job's two-phase-commit sinks, by sink
//! id, type-erased so that the checkpoint committer can hand each its committables
//! (as the checkpoint stores them) once an epoch's marker is written, and again, on
//! restore, those the restored marker holds (commits are idempotent).

use std::collections::BTreeMap;

use super::protocol::Stored;
use crate::error::SinkError;

/// A sink's committer as the checkpoint committer sees it: it decodes committables
/// of its sink's own type and commits them (see `sink::TwoPhaseCommitSink`).
pub(crate) trait StoredCommitter: Send {
    /// Commits `committables`, each perhaps committed already (idempotent).
    fn commit(&mut self, committables: Vec<Stored>) -> Result<(), SinkError>;
}

/// The committers of a job's sinks, by sink id.
#[derive(Default)]
pub(crate) struct Committers {
    by_sink: BTreeMap<String, Box<dyn StoredCommitter>>,
}

impl Committers {
    /// Adds the committer of sink `id`.
    pub(crate) fn insert(&mut self, id: String, committer: Box<dyn StoredCommitter>) {
        self.by_sink.insert(id, committer);
    }

    /// The number of sinks.
    pub(crate) fn len(&self) -> usize {
        self.by_sink.len()
    }

    /// Commits every sink's committables, in sink order.
    ///
    /// # Errors
    /// Naming the sink, when one fails or when committables are for a sink this job
    /// does not have (a checkpoint of another job graph).
    pub(crate) fn commit_all(
        &mut self,
        committables: BTreeMap<String, Vec<Stored>>,
    ) -> Result<(), String> {
        for (sink, list) in committables {
            if sink == super::protocol::LEGACY_STAGED_PARTS {
                legacy_parts(list).map_err(|e| format!("cannot publish staged parts: {e}"))?;
                continue;
            }
            let committer = self.by_sink.get_mut(&sink).ok_or_else(|| {
                format!(
                    "the checkpoint holds committables of sink {sink}, which this job does not have"
                )
            })?;
            committer
                .commit(list)
                .map_err(|e| format!("sink {sink}: cannot commit: {e}"))?;
        }
        Ok(())
    }
}

/// Publishes the part files a build before marker format 1 staged (file sinks were
/// the only exactly-once sinks then).
fn legacy_parts(list: Vec<Stored>) -> Result<(), SinkError> {
    use crate::sink::staged_files::StagedFileCommitter;
    use crate::sink::{SinkCommitter, StagedPart};
    let parts = list
        .iter()
        .map(Stored::decode::<StagedPart>)
        .collect::<Result<Vec<_>, _>>()
        .map_err(SinkError::Committable)?;
    StagedFileCommitter.commit(parts)
}
