//! [`GraphTime`]: the timestamp of the differential-dataflow scope an incremental graph
//! algorithm runs in, nested in a streaming job's scope of
//! [`StreamTime`](strom_core::time::StreamTime) (`docs/0026-incremental-graphs.md`).
//!
//! differential-dataflow needs its timestamps to be a lattice (`join`, `meet`), which
//! `StreamTime` is but does not say: the trait is differential's and the type is
//! strom-core's, so neither crate may implement one for the other here. `GraphTime` is
//! the same pair `(epoch, event)` with the same product order, declared here, and a
//! child scope of this type refines the stream's scope one to one.

use differential_dataflow::lattice::Lattice;
use serde::{Deserialize, Serialize};
use strom_core::time::{StreamSummary, StreamTime};
use strom_core::timely::PartialOrder;
use strom_core::timely::progress::timestamp::{PathSummary, Refines, Timestamp};

/// A point of stream time inside an incremental graph scope: the checkpoint epoch and
/// the event component, product-ordered, as [`StreamTime`]. An update's event
/// component is its edge change's own time (not a watermark), so differential
/// consolidates and reports results per change time.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct GraphTime {
    /// The checkpoint epoch.
    pub epoch: u64,
    /// The event component, encoded as [`StreamTime::event`].
    pub event: u64,
}

impl GraphTime {
    /// The time of an edge change at event time `ts` (ms) in epoch `epoch`.
    pub fn at(epoch: u64, ts: i64) -> Self {
        GraphTime::from(StreamTime::at_watermark(epoch, ts.saturating_sub(1)))
    }

    /// The event time (ms) this time stands for.
    pub fn ts(&self) -> i64 {
        StreamTime::from(*self).watermark().saturating_add(1)
    }
}

impl From<StreamTime> for GraphTime {
    fn from(t: StreamTime) -> Self {
        GraphTime {
            epoch: t.epoch,
            event: t.event,
        }
    }
}

impl From<GraphTime> for StreamTime {
    fn from(t: GraphTime) -> Self {
        StreamTime {
            epoch: t.epoch,
            event: t.event,
        }
    }
}

impl PartialOrder for GraphTime {
    fn less_equal(&self, other: &Self) -> bool {
        self.epoch <= other.epoch && self.event <= other.event
    }
}

impl Timestamp for GraphTime {
    type Summary = GraphSummary;
    fn minimum() -> Self {
        GraphTime::default()
    }
}

impl Lattice for GraphTime {
    fn join(&self, other: &Self) -> Self {
        GraphTime {
            epoch: self.epoch.max(other.epoch),
            event: self.event.max(other.event),
        }
    }
    fn meet(&self, other: &Self) -> Self {
        GraphTime {
            epoch: self.epoch.min(other.epoch),
            event: self.event.min(other.event),
        }
    }
}

impl Refines<StreamTime> for GraphTime {
    fn to_inner(outer: StreamTime) -> Self {
        GraphTime::from(outer)
    }
    fn to_outer(self) -> StreamTime {
        StreamTime::from(self)
    }
    fn summarize(path: GraphSummary) -> StreamSummary {
        StreamSummary {
            epochs: path.epochs,
            millis: path.millis,
        }
    }
}

/// How a path inside the scope advances a [`GraphTime`] (as [`StreamSummary`] does a
/// [`StreamTime`]).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct GraphSummary {
    /// Epochs added.
    pub epochs: u64,
    /// Milliseconds added.
    pub millis: u64,
}

impl PartialOrder for GraphSummary {
    fn less_equal(&self, other: &Self) -> bool {
        self.epochs <= other.epochs && self.millis <= other.millis
    }
}

impl PathSummary<GraphTime> for GraphSummary {
    fn results_in(&self, src: &GraphTime) -> Option<GraphTime> {
        Some(GraphTime {
            epoch: src.epoch.checked_add(self.epochs)?,
            event: src.event.checked_add(self.millis)?,
        })
    }
    fn followed_by(&self, other: &Self) -> Option<Self> {
        Some(GraphSummary {
            epochs: self.epochs.checked_add(other.epochs)?,
            millis: self.millis.checked_add(other.millis)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_times_round_trip_and_order_as_a_product() {
        let t = GraphTime::at(2, 1_500);
        assert_eq!(t.ts(), 1_500);
        assert_eq!(GraphTime::at(0, -7).ts(), -7);
        assert!(GraphTime::at(1, 5).less_equal(&GraphTime::at(2, 5)));
        let (a, b) = (GraphTime::at(1, 9), GraphTime::at(2, 5));
        assert!(!a.less_equal(&b) && !b.less_equal(&a));
        assert_eq!(a.join(&b), GraphTime::at(2, 9));
        assert_eq!(a.meet(&b), GraphTime::at(1, 5));
        let outer = StreamTime::at_watermark(3, 41);
        let inner = <GraphTime as Refines<StreamTime>>::to_inner(outer);
        assert_eq!(<GraphTime as Refines<StreamTime>>::to_outer(inner), outer);
        assert_eq!(inner.ts(), 42);
    }
}
