//! Stream time (decision record `docs/0008-stream-time.md`): one timely timestamp that
//! carries both the checkpoint epoch and the event-time watermark, ordered as a product,
//! so that a single frontier says how far both have progressed.
//!
//! The event component is the watermark plus one: a capability at `event = w + 1` means
//! records may still arrive whose event time is above the Flink watermark `w`. Event
//! times are signed milliseconds; they are stored with the sign bit flipped, so that
//! `u64` order is `i64` order and time 0 of the dataflow is the start of time. Records
//! carry their own event time; see [`StreamTime::watermark`].
//!
//! **Time in the public API** (0008, "Time in the API"): a *length* of time (window
//! size, slide, gap, lateness, out-of-orderness bound, idleness, TTL, trigger interval)
//! is a [`std::time::Duration`]; a *point* in event or processing time (record
//! timestamps, timers, watermarks, window bounds) is `i64` ms since the Unix epoch; a
//! signed distance from a timestamp (interval-join bounds) is an [`Offset`]. Lengths
//! become ms once, at the API boundary, with [`millis`].

use std::time::Duration;

use serde::{Deserialize, Serialize};
use timely::PartialOrder;
use timely::progress::timestamp::{PathSummary, Refines, Timestamp};

/// Flips `i64` order into `u64` order.
const SIGN: u64 = 1 << 63;

/// A point of stream time: `(epoch, event)`, partially ordered (both must be `<=`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct StreamTime {
    /// The checkpoint epoch.
    pub epoch: u64,
    /// The least event time that may still come (the watermark plus one), as signed ms
    /// since the Unix epoch with the sign bit flipped (see [`StreamTime::at_watermark`]).
    pub event: u64,
}

impl StreamTime {
    /// The time of epoch `epoch` at Flink watermark `watermark` (ms; `i64::MIN` before
    /// any record is the start of time).
    pub fn at_watermark(epoch: u64, watermark: i64) -> Self {
        let least = watermark.saturating_add(1);
        StreamTime {
            epoch,
            event: (least as u64) ^ SIGN,
        }
    }

    /// The Flink watermark this time stands for: no later record has an event time at
    /// or below it.
    pub fn watermark(&self) -> i64 {
        ((self.event ^ SIGN) as i64).saturating_sub(1)
    }
}

impl PartialOrder for StreamTime {
    fn less_equal(&self, other: &Self) -> bool {
        self.epoch <= other.epoch && self.event <= other.event
    }
}

impl Timestamp for StreamTime {
    type Summary = StreamSummary;
    fn minimum() -> Self {
        StreamTime::default()
    }
}

impl Refines<()> for StreamTime {
    fn to_inner(_: ()) -> Self {
        StreamTime::minimum()
    }
    fn to_outer(self) {}
    fn summarize(_: StreamSummary) {}
}

/// How a path advances stream time: epochs and event time added (saturating at the
/// end of time, which is where a finished source moves).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StreamSummary {
    /// Epochs added.
    pub epochs: u64,
    /// Milliseconds added.
    pub millis: u64,
}

impl PartialOrder for StreamSummary {
    fn less_equal(&self, other: &Self) -> bool {
        self.epochs <= other.epochs && self.millis <= other.millis
    }
}

impl PathSummary<StreamTime> for StreamSummary {
    fn results_in(&self, src: &StreamTime) -> Option<StreamTime> {
        Some(StreamTime {
            epoch: src.epoch.checked_add(self.epochs)?,
            event: src.event.checked_add(self.millis)?,
        })
    }
    fn followed_by(&self, other: &Self) -> Option<Self> {
        Some(StreamSummary {
            epochs: self.epochs.checked_add(other.epochs)?,
            millis: self.millis.checked_add(other.millis)?,
        })
    }
}

/// A length of time as the whole milliseconds Strom keeps internally, saturating at
/// `i64::MAX` (about 292 million years: "never"; `Duration::MAX` included).
///
/// # Panics
/// When `d` is below that and not a whole number of milliseconds
/// (`Duration::from_micros(1_500)`): event and processing time have millisecond
/// resolution, and rounding would silently change a window's size or a timeout.
pub fn millis(d: Duration) -> i64 {
    let Ok(ms) = i64::try_from(d.as_millis()) else {
        return i64::MAX;
    };
    assert!(
        d.subsec_nanos().is_multiple_of(1_000_000),
        "{d:?} is not a whole number of milliseconds (stream time is in ms)"
    );
    ms
}

/// A signed distance in time from a timestamp, in whole milliseconds: the bounds of an
/// interval join (`a.ts + lower <= b.ts <= a.ts + upper`), where the lower bound is
/// usually before the timestamp. Built from [`Duration`]s with [`Offset::before`] and
/// [`Offset::after`], so the direction reads at the call site.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Offset(i64);

impl Offset {
    /// The timestamp itself.
    pub const ZERO: Offset = Offset(0);

    /// `d` before the timestamp (negative), saturating.
    ///
    /// # Panics
    /// When `d` is not whole milliseconds (see [`millis`]).
    pub fn before(d: Duration) -> Self {
        Offset(-millis(d))
    }

    /// `d` after the timestamp (positive), saturating.
    ///
    /// # Panics
    /// When `d` is not whole milliseconds (see [`millis`]).
    pub fn after(d: Duration) -> Self {
        Offset(millis(d))
    }

    /// The offset in milliseconds (negative: before).
    pub fn as_millis(self) -> i64 {
        self.0
    }
}

/// `ms` since the Unix epoch as UTC text, `2026-12-05 12:00:37.250 UTC`, for messages.
pub fn utc_text(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || format!("{ms} ms after the Unix epoch"),
        |t| t.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string(),
    )
}

/// A length of `ms` milliseconds as short text in its largest whole unit, as users
/// write it: `250ms`, `2s`, `5m`, `1h` (for operator names and messages).
pub fn duration_text(ms: i64) -> String {
    match ms {
        0 => "0ms".into(),
        _ if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        _ if ms % 60_000 == 0 => format!("{}m", ms / 60_000),
        _ if ms % 1_000 == 0 => format!("{}s", ms / 1_000),
        _ => format!("{ms}ms"),
    }
}

/// The processing-time clock operators read (ms since the Unix epoch): the system
/// clock, or a manual one that tests set (Flink's `ProcessingTimeService`, whose test
/// harnesses set time by hand).
#[derive(Clone, Debug, Default)]
pub enum ProcessingClock {
    /// The wall clock.
    #[default]
    System,
    /// A clock that only moves when told to; shared by its clones.
    Manual(std::sync::Arc<std::sync::atomic::AtomicI64>),
}

impl ProcessingClock {
    /// A manual clock at `start_ms`.
    pub fn manual(start_ms: i64) -> Self {
        ProcessingClock::Manual(std::sync::Arc::new(start_ms.into()))
    }

    /// The current processing time, ms since the Unix epoch.
    pub fn now(&self) -> i64 {
        match self {
            ProcessingClock::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_millis() as i64),
            ProcessingClock::Manual(t) => t.load(std::sync::atomic::Ordering::SeqCst),
        }
    }

    /// Sets a manual clock to `ms` (the system clock cannot be set: no effect).
    pub fn set(&self, ms: i64) {
        if let ProcessingClock::Manual(t) = self {
            t.store(ms, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_text_is_the_calendar_time() {
        assert_eq!(utc_text(0), "1970-01-01 00:00:00.000 UTC");
        // 365 days and 1.5 s later: 1971 is the next year (1970 has no leap day).
        assert_eq!(
            utc_text(365 * 86_400_000 + 1_500),
            "1971-01-01 00:00:01.500 UTC"
        );
    }

    #[test]
    fn durations_read_in_their_largest_whole_unit() {
        let cases = [
            (0, "0ms"),
            (250, "250ms"),
            (1_500, "1500ms"),
            (2_000, "2s"),
            (90_000, "90s"),
            (300_000, "5m"),
            (7_200_000, "2h"),
        ];
        for (ms, text) in cases {
            assert_eq!(duration_text(ms), text);
        }
    }

    #[test]
    fn millis_converts_whole_milliseconds_and_saturates() {
        assert_eq!(millis(Duration::ZERO), 0);
        assert_eq!(millis(Duration::from_secs(5)), 5_000);
        assert_eq!(millis(Duration::from_micros(1_000)), 1);
        assert_eq!(millis(Duration::MAX), i64::MAX);
        assert_eq!(millis(Duration::from_secs(u64::MAX / 1_000)), i64::MAX);
    }

    #[test]
    #[should_panic(expected = "not a whole number of milliseconds")]
    fn millis_rejects_sub_millisecond_remainders() {
        millis(Duration::from_micros(1_500));
    }

    #[test]
    fn offsets_are_signed_and_ordered() {
        let lower = Offset::before(Duration::from_secs(2));
        let upper = Offset::after(Duration::from_millis(500));
        assert_eq!(lower.as_millis(), -2_000);
        assert_eq!(upper.as_millis(), 500);
        assert_eq!(Offset::ZERO.as_millis(), 0);
        assert!(lower < Offset::ZERO && Offset::ZERO < upper);
        assert_eq!(Offset::before(Duration::ZERO), Offset::ZERO);
        assert_eq!(Offset::before(Duration::MAX).as_millis(), -i64::MAX);
    }

    #[test]
    fn product_order_and_watermarks() {
        let a = StreamTime {
            epoch: 1,
            event: 10,
        };
        let b = StreamTime { epoch: 2, event: 5 };
        assert!(!a.less_equal(&b) && !b.less_equal(&a), "incomparable");
        assert!(a.less_equal(&StreamTime {
            epoch: 2,
            event: 10
        }));
        assert_eq!(StreamTime::at_watermark(0, 999).watermark(), 999);
        assert_eq!(StreamTime::at_watermark(0, -5_000).watermark(), -5_000);
        assert!(StreamTime::at_watermark(0, -2).less_equal(&StreamTime::at_watermark(0, 7)));
        assert_eq!(StreamTime::at_watermark(3, i64::MIN).event, 1);
        assert_eq!(StreamTime::minimum().watermark(), i64::MIN);
        let s = StreamSummary {
            epochs: 1,
            millis: 0,
        };
        assert_eq!(
            s.results_in(&a),
            Some(StreamTime {
                epoch: 2,
                event: 10
            })
        );
        assert_eq!(
            StreamSummary {
                epochs: 0,
                millis: 1
            }
            .results_in(&StreamTime {
                epoch: 0,
                event: u64::MAX
            }),
            None
        );
    }

    #[test]
    fn a_dataflow_runs_on_stream_time() {
        use timely::dataflow::operators::{Inspect, Probe, ToStream};
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = seen.clone();
        timely::execute(timely::Config::thread(), move |worker| {
            let sink = sink.clone();
            let probe = worker.dataflow::<StreamTime, _, _>(|scope| {
                (0..3u64)
                    .to_stream(scope)
                    .container::<Vec<_>>()
                    .inspect(move |x| sink.lock().unwrap().push(*x))
                    .probe()
                    .0
            });
            while !probe.done() {
                worker.step();
            }
        })
        .unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![0, 1, 2]);
    }
}
