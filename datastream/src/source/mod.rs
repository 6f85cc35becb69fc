//! Sources: each worker reads its own split through a [`SplitReader`], stamps records
//! with event time (a timestamp assigner, or the clock for ingestion time), and moves
//! its watermark as its [`WatermarkStrategy`] says.
//!
//! A split's capability is at its watermark plus one (`docs/0008-stream-time.md`), so
//! downstream frontiers carry the minimum watermark over all splits. A split that ends
//! drops its capability. An idle split does not hold that minimum back: splits
//! announce their watermarks to each other through a small feedback loop (broadcast,
//! one millisecond ahead), see [`watermarks`].
//!
//! A source's position is a type of its own ([`SplitReader::Position`]: a count, files
//! and offsets, Kafka partition offsets), stored per split in every checkpoint
//! (`docs/0017-sink-and-source-traits.md`). The operator is put together in
//! [`operator`] from its parts: [`restore`], [`epochs`] (with stop requests),
//! [`acks`], [`pacing`] (flow control), [`watermarks`] (with idleness) and
//! [`metrics`].

mod acks;
mod collection;
mod epochs;
mod files;
mod generator;
mod metrics;
mod operator;
mod pacing;
mod reader;
mod restore;
mod socket;
mod watermarks;

pub use collection::{CollectionPosition, WATERMARK_EVERY};
pub use files::{FileFormat, FileMode, FilePosition};
pub use generator::{Generator, GeneratorPosition, generated};
pub use reader::{Poll, Reached, SplitReader, Timestamps};

use crate::env::StreamEnv;
use crate::stream::{Data, DataStream};
use crate::watermark::WatermarkStrategy;

impl<'s> StreamEnv<'s> {
    /// A stream read from this worker's split `reader`, stamped by `timestamps`, with
    /// watermarks by `strategy` (ignored for ingestion time, whose watermark is the
    /// clock). With checkpoints, the split's [`SplitReader::Position`] is stored at
    /// every epoch under the source's operator id (`name` with its place in the job);
    /// a restored job resumes every split from the positions of all the old ones.
    ///
    /// # Panics
    /// (Failing the job) when restoring and the split cannot resume from the
    /// checkpoint (its positions are not of this source, or the source cannot resume
    /// at this parallelism).
    pub fn source<T: Data, R: SplitReader<T>>(
        &self,
        name: &str,
        reader: R,
        timestamps: Timestamps<T>,
        strategy: WatermarkStrategy,
    ) -> DataStream<'s, T> {
        operator::build(self, name, reader, timestamps, strategy)
    }
}
