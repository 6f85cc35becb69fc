//! [`Held`]: what a stateful operator keeps to emit at a stream time later, one
//! capability per data output of the shell (main, side, tagged sides).

use std::rc::Rc;

use strom_core::time::StreamTime;
use strom_core::timely::PartialOrder;
use strom_core::timely::dataflow::operators::{Capability, InputCapability};

/// The data outputs of a shell operator: main, side, tagged sides.
pub(crate) const DATA_PORTS: usize = 3;

/// The right to emit on every output of the operator at [`Held::time`] or later.
/// Cheap to clone; dropping every copy lets the output's frontier pass its time.
#[derive(Clone)]
pub struct Held {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    /// In a dataflow: one capability per data output.
    Caps(Rc<[Capability<StreamTime>]>),
    /// In a test harness: a time, and nothing to send with.
    Detached(StreamTime),
}

impl Held {
    /// The capabilities of an input message at `time`, one per data output.
    pub(crate) fn of_input(cap: &InputCapability<StreamTime>, time: StreamTime) -> Held {
        Held {
            inner: Inner::Caps((0..DATA_PORTS).map(|p| cap.delayed(&time, p)).collect()),
        }
    }

    /// The operator's initial capabilities (one per data output, in port order).
    pub(crate) fn of_initial(caps: Vec<Capability<StreamTime>>) -> Held {
        assert_eq!(caps.len(), DATA_PORTS, "a capability per data output");
        Held {
            inner: Inner::Caps(caps.into()),
        }
    }

    /// A time outside any dataflow, for a test harness, which reads what is emitted
    /// rather than sending it.
    pub(crate) fn detached(time: StreamTime) -> Held {
        Held {
            inner: Inner::Detached(time),
        }
    }

    /// The capability of output `port`.
    ///
    /// # Panics
    /// When detached (a harness sends nothing).
    pub(crate) fn port(&self, port: usize) -> &Capability<StreamTime> {
        match &self.inner {
            Inner::Caps(caps) => &caps[port],
            Inner::Detached(_) => panic!("a test harness's Held sends nothing"),
        }
    }

    /// The stream time output goes out at.
    pub fn time(&self) -> StreamTime {
        match &self.inner {
            Inner::Caps(caps) => *caps[0].time(),
            Inner::Detached(time) => *time,
        }
    }

    /// The same right at the later time `time`.
    ///
    /// # Panics
    /// When `time` is not at or after [`Held::time`].
    pub fn delayed(&self, time: &StreamTime) -> Held {
        let inner = match &self.inner {
            Inner::Caps(caps) => Inner::Caps(caps.iter().map(|c| c.delayed(time)).collect()),
            Inner::Detached(now) => {
                assert!(now.less_equal(time), "delayed to {time:?}, before {now:?}");
                Inner::Detached(*time)
            }
        };
        Held { inner }
    }

    /// Moves to epoch `epoch`, if it is earlier (at the same event time).
    pub fn in_epoch(&mut self, epoch: u64) {
        let now = self.time();
        if now.epoch < epoch {
            *self = self.delayed(&StreamTime { epoch, ..now });
        }
    }
}
