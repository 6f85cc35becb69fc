//! The stateful-operator shell: one timely operator that owns the checkpoint protocol
//! (`docs/0009-checkpoints.md`) for every stateful streaming operator, which plugs
//! in as a [`StatefulLogic`] (`docs/0014-operator-shell.md`).
//!
//! The shell takes input in time order (epoch alignment), asks the logic for a
//! snapshot of its key groups when the input passes an epoch and acknowledges it
//! once written, restores the key groups a worker owns, hands the logic each record
//! with the watermark it is handled at, tells it when the watermark moves and when an
//! epoch ends, fires everything at the end of input unless the job stopped with a
//! savepoint without draining, and wakes the operator for processing-time work. The
//! logic never sees an epoch's acknowledgement, an uploader or a frontier: it holds
//! output capabilities as [`Held`] and emits through [`Outputs`].
//!
//! Keyed process functions ([`crate::process`]), every event-time window kind
//! ([`crate::window`]; processing-time and trigger windows, interval and window joins
//! are process functions or windows), broadcast state ([`crate::broadcast`]) and
//! non-keyed process functions run on it. Key-group files carry a format version
//! (`versioned.rs`).

mod held;
mod keyed;
mod operator;
mod outputs;
mod tags;
mod versioned;

pub use held::Held;
pub(crate) use operator::{Built, build};
pub use outputs::Outputs;
pub use tags::{OutputTag, OutputTags};
pub(crate) use tags::{Tagged, side_output};

use std::time::Duration;

use strom_core::time::StreamTime;

use crate::checkpoint::{GroupSink, Part};
use crate::stream::{Data, Timestamped};

/// What a stateful operator does; the shell around it does the rest. Every hook is
/// called on the worker thread, one at a time; records and watermarks come in stream
/// time order.
///
/// Contract: output goes out at a [`Held`] no later than the output's stream time, and
/// a logic keeps a [`Held`] for everything it will emit later (pending windows,
/// timers); it moves them to each new epoch in [`StatefulLogic::end_of_epoch`], or
/// checkpoints of later epochs could never complete.
pub trait StatefulLogic<I>: 'static {
    /// Records of the main output.
    type Out: Data;
    /// Records of the (untagged) side output, `()` when unused.
    type Side: Data;

    /// Handles `record`, sent at `at.time()` and handled at event-time `watermark`.
    fn on_record(
        &mut self,
        record: Timestamped<I>,
        at: &Held,
        watermark: i64,
        out: &mut Outputs<Self::Out, Self::Side>,
    );

    /// The watermark reached `watermark` (never moves back): fire what is due
    /// (event-time timers, windows) and forget what is past its lateness.
    fn on_watermark(&mut self, watermark: i64, out: &mut Outputs<Self::Out, Self::Side>);

    /// The end of every activation, after the watermark: `frontier` is the input's
    /// frontier when it is one time, `ended` says the input is over. Gives how long
    /// until the operator must run again for processing time (`None`: not for that).
    fn on_activation_end(&mut self, ended: bool, frontier: Option<StreamTime>) -> Option<Duration> {
        let _ = (ended, frontier);
        None
    }

    /// Writes every key group with state to `sink` (in full, or as a delta when the
    /// sink says the group has a chain to add it to).
    fn snapshot(&mut self, sink: &mut dyn GroupSink);

    /// Restores key group `group` from `parts` (a full snapshot, then deltas in order),
    /// in epoch `epoch`; output it will emit is held from `initial`.
    fn restore_group(&mut self, group: u32, parts: Vec<Part>, epoch: u64, initial: &Held);

    /// Every epoch before `epoch` is complete and snapshotted: move what is held to it.
    fn end_of_epoch(&mut self, epoch: u64);

    /// The input ended on a stop with a savepoint without draining: drop what is held
    /// (pending windows and timers are in the savepoint and must not fire).
    fn on_stop(&mut self);
}
