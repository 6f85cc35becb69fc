//! Flow control: a source reads on only while the keyed operators after it have kept
//! up within [`MAX_LEAD`] of event time.
//!
//! Timely dataflow has no backpressure: a source faster than the operators after it
//! fills their queues without bound. Flink bounds them with network credits; Strom
//! watches the output of every keyed process operator with a probe, whose frontier is
//! the least time of any record the operator (on any worker) has not yet handled. A
//! source whose own time (its watermark) is more than the lead ahead of that frontier
//! waits. Window operators are not watched: they hold their output back by a window's
//! length by design, which is not a backlog.

use std::cell::RefCell;
use std::rc::Rc;

use strom_core::time::StreamTime;
use strom_core::timely::Container;
use strom_core::timely::dataflow::Stream;
use strom_core::timely::dataflow::operators::probe::{Handle, Probe};

/// How far in event time a source may run ahead of a keyed operator.
pub const MAX_LEAD: std::time::Duration = std::time::Duration::from_secs(2);

/// [`MAX_LEAD`] in ms.
const MAX_LEAD_MS: i64 = MAX_LEAD.as_millis() as i64;

/// The probes sources look at, shared by the operators of one worker's dataflow.
#[derive(Clone, Default)]
pub(crate) struct Flow {
    probes: Rc<RefCell<Vec<Handle<StreamTime>>>>,
}

impl Flow {
    /// Watches `stream` (a keyed operator's output).
    pub(crate) fn watch<'s, C: Container>(
        &self,
        stream: Stream<'s, StreamTime, C>,
    ) -> Stream<'s, StreamTime, C> {
        let handle = Handle::new();
        let stream = stream.probe_with(&handle);
        self.probes.borrow_mut().push(handle);
        stream
    }

    /// Whether a source at `at` should wait: some watched operator has records more
    /// than the lead older than `at`'s watermark still to handle.
    pub(crate) fn holds(&self, at: &StreamTime) -> bool {
        let watermark = at.watermark();
        if watermark <= i64::MIN + MAX_LEAD_MS {
            return false;
        }
        let behind = StreamTime::at_watermark(u64::MAX, watermark - MAX_LEAD_MS);
        self.probes.borrow().iter().any(|p| p.less_than(&behind))
    }

    /// Whether every watched operator has handled all records before `sent` (a source's
    /// own time: what it has let go of). A source held while this is so is held by
    /// nothing but the watermark it has not yet sent.
    pub(crate) fn caught_up(&self, sent: &StreamTime) -> bool {
        !self.probes.borrow().iter().any(|p| p.less_than(sent))
    }
}
