//! [`Held`]: what a stateful operator keeps to emit at a stream time later, one
//! capability per data output of the shell (main, side, tagged sides).

use std::rc::Rc;

use strom_core::time::StreamTime;
use strom_core::timely::dataflow::operators::{Capability, InputCapability};

/// The data outputs of a shell operator: main, side, tagged sides.
pub(crate) const DATA_PORTS: usize = 3;

/// The right to emit on every output of the operator at [`Held::time`] or later.
/// Cheap to clone; dropping every copy lets the output's frontier pass its time.
#[derive(Clone)]
pub struct Held {
    caps: Rc<[Capability<StreamTime>]>,
}

impl Held {
    /// The capabilities of an input message at `time`, one per data output.
    pub(crate) fn of_input(cap: &InputCapability<StreamTime>, time: StreamTime) -> Held {
        Held {
            caps: (0..DATA_PORTS).map(|p| cap.delayed(&time, p)).collect(),
        }
    }

    /// The operator's initial capabilities (one per data output, in port order).
    pub(crate) fn of_initial(caps: Vec<Capability<StreamTime>>) -> Held {
        assert_eq!(caps.len(), DATA_PORTS, "a capability per data output");
        Held { caps: caps.into() }
    }

    /// The capability of output `port`.
    pub(crate) fn port(&self, port: usize) -> &Capability<StreamTime> {
        &self.caps[port]
    }

    /// The stream time output goes out at.
    pub fn time(&self) -> StreamTime {
        *self.caps[0].time()
    }

    /// The same right at the later time `time`.
    ///
    /// # Panics
    /// When `time` is not at or after [`Held::time`].
    pub fn delayed(&self, time: &StreamTime) -> Held {
        Held {
            caps: self.caps.iter().map(|c| c.delayed(time)).collect(),
        }
    }

    /// Moves to epoch `epoch`, if it is earlier (at the same event time).
    pub fn in_epoch(&mut self, epoch: u64) {
        let now = self.time();
        if now.epoch < epoch {
            *self = self.delayed(&StreamTime { epoch, ..now });
        }
    }
}
