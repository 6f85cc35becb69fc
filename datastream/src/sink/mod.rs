//! Sinks. Exactly-once output goes through one two-phase-commit trait
//! ([`TwoPhaseCommitSink`]: a writer per worker stages each epoch and pre-commits it
//! at the checkpoint, a committer commits once the checkpoint is complete, a restored
//! job commits again what its checkpoint holds and aborts the rest), wired into the
//! checkpoint protocol by [`DataStream::sink_exactly_once`]
//! (`docs/0017-sink-and-source-traits.md`); the exactly-once file sink
//! ([`StagedFileSink`], `write_lines_exactly_once`) is one implementation. The line
//! sinks of [`lines`] (stdout, sockets, rolling files) are at-least-once.
//!
//! [`DataStream::sink_exactly_once`]: crate::DataStream::sink_exactly_once

mod exactly_once;
pub mod lines;
pub(crate) mod staged_files;
mod two_phase;

pub use lines::{FileSink, LineSink};
pub use staged_files::{StagedFileSink, StagedPart};
pub use two_phase::{RestoredFrom, SinkCommitter, SinkWriter, TwoPhaseCommitSink, WriterContext};
