//! Typed errors of the source and sink traits ([`crate::source::SplitReader`],
//! [`crate::sink::TwoPhaseCommitSink`]): what went wrong, and whose fault it is. The
//! operators that drive sources and sinks fail the job with them, naming the source or
//! sink.

/// Why a source split cannot resume from a checkpoint or read on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SourceError {
    /// The checkpoint's positions cannot be resumed from by this source (another
    /// layout it cannot split anew, or a split's position missing).
    #[error("cannot resume: {0}")]
    Resume(String),
    /// A split's stored position is not of this source's position type (a checkpoint
    /// of another job or source).
    #[error("split {split}'s position is not a position of this source: {source}")]
    Position {
        /// The split whose position it is.
        split: usize,
        /// Why it does not decode.
        #[source]
        source: serde_json::Error,
    },
    /// The input cannot be read again from a position (a socket).
    #[error("the input cannot be read again from a position: {0}")]
    NotReplayable(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] strom_core::Error),
}

/// Why a two-phase-commit sink cannot stage, pre-commit, commit or abort.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// A committable in the checkpoint is not of this sink's committable type (a
    /// checkpoint of another job or sink).
    #[error("a committable in the checkpoint is not one of this sink: {0}")]
    Committable(#[source] serde_json::Error),
    /// Storage failed (object_store through strom-core).
    #[error(transparent)]
    Storage(#[from] strom_core::Error),
    /// Local I/O failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The sink's external system refused (a broker, a database), with its reason.
    #[error("refused: {0}")]
    Refused(String),
}
