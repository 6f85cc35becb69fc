//! What every event-time window kind shares, on the operator shell
//! ([`crate::shell`]): records routed by key and handled at the watermark of their own
//! time, windows fired as the watermark passes them, and records too late for every
//! window given to the side output. What a window is, and how records join it, is the
//! [`WindowLogic`]. When the input ends the watermark goes to the end of time and every
//! window fires, except when the job stopped with a savepoint without draining: then
//! windows stay pending, in the savepoint.

use std::hash::Hash;
use std::marker::PhantomData;

use strom_core::state::{KeyGroupRange, StateBackend};
use strom_core::time::StreamTime;

use super::{WindowResult, Windowed};
use crate::checkpoint::{GroupSink, Part};
use crate::process::Processed;
use crate::shell::{self, Held, OutputTag, OutputTags, Outputs, StatefulLogic};
use crate::stream::{Data, KeyedStream, Timestamped};

/// Gives a window result at a capability.
pub(super) type Emit<'a, R> = &'a mut dyn FnMut(&Held, Timestamped<R>);

/// Adds a record to an accumulator.
pub(super) type AddFn<A, T> = Box<dyn Fn(&mut A, &T)>;
/// Merges an accumulator into another.
pub(super) type MergeFn<A> = Box<dyn Fn(&mut A, A)>;

/// A window's result: event time `end - 1`.
pub(super) fn result<K: Clone, A: Clone, O>(
    finish: &dyn Fn(A) -> O,
    key: &K,
    start: i64,
    end: i64,
    acc: &A,
) -> Timestamped<WindowResult<K, O>> {
    Timestamped {
        ts: end - 1,
        value: WindowResult {
            key: key.clone(),
            start,
            end,
            value: finish(acc.clone()),
        },
    }
}

/// What a kind of window does with records and watermarks.
pub(super) trait WindowLogic<T, R>: 'static {
    /// Takes `record` (sent at `at`) at `watermark`, emitting any re-firing; false when
    /// it is too late for every window it belongs to.
    fn record(
        &mut self,
        watermark: i64,
        at: &Held,
        record: &Timestamped<T>,
        emit: Emit<'_, R>,
    ) -> bool;

    /// Fires the windows due at `watermark` and forgets those past their lateness.
    fn fire(&mut self, watermark: i64, emit: Emit<'_, R>);

    /// Places the windows' state on `backend`, for the key groups of `range` (before
    /// any record or restore).
    fn open(&mut self, range: KeyGroupRange, backend: &StateBackend);

    /// Hands `emit` the windows' state by key group, for a checkpoint.
    fn snapshot(&mut self, range: KeyGroupRange, emit: &mut dyn FnMut(u32, Vec<u8>));

    /// Restores key group `group`'s windows; those not fired yet are to be emitted at
    /// capabilities made from `initial` in epoch `epoch`.
    fn restore_group(&mut self, group: u32, bytes: &[u8], epoch: u64, initial: &Held);

    /// Moves the capabilities of windows not fired yet to epoch `epoch`.
    fn advance_epoch(&mut self, epoch: u64);

    /// Drops the capabilities of windows not fired yet, which never fire here: the
    /// input ended on a stop without draining, and they are in the savepoint.
    fn release(&mut self);
}

/// The stream time a window ending at `end` is emitted at: `end - 1`, a watermark of
/// `end - 2`. Its result, at event time `end - 1`, thus comes before the watermark that
/// fired the window, as in Flink, where an operator forwards a watermark after the
/// results it fired: a downstream window ending at `end` too still counts it.
pub(super) fn result_time(epoch: u64, end: i64) -> StreamTime {
    StreamTime::at_watermark(epoch, end.saturating_sub(2))
}

/// The capability a window ending at `end` is emitted at: [`result_time`], or the
/// record's time (`at`) if that is later.
pub(super) fn window_cap(at: &Held, end: i64) -> Held {
    let time = at.time();
    let result = result_time(time.epoch, end);
    at.delayed(&StreamTime {
        event: result.event.max(time.event),
        ..result
    })
}

/// A [`WindowLogic`] as the shell's logic: late records go to the side output, or to
/// the late-data tag if there is one.
pub(super) struct Windows<L, T, R> {
    logic: L,
    range: KeyGroupRange,
    late: Option<(OutputTags, OutputTag<T>)>,
    _types: PhantomData<fn(T) -> R>,
}

impl<T: Data, R, L: WindowLogic<T, R>> Windows<L, T, R> {
    /// `logic` over the key groups of `range`, its state on `backend`.
    pub(super) fn open(mut logic: L, range: KeyGroupRange, backend: &StateBackend) -> Self {
        logic.open(range, backend);
        Windows {
            logic,
            range,
            late: None,
            _types: PhantomData,
        }
    }

    /// The same, late records to `tag` (when given) instead of the side output.
    pub(super) fn with_late_tag(mut self, tag: Option<OutputTag<T>>) -> Self {
        self.late = tag.map(|t| (OutputTags::new().with(&t), t));
        self
    }

    /// The tagged side outputs: the late-data tag, if any.
    pub(super) fn tags(&self) -> OutputTags {
        self.late.as_ref().map(|l| l.0.clone()).unwrap_or_default()
    }
}

impl<T: Data, R: Data, L: WindowLogic<T, R>> StatefulLogic<T> for Windows<L, T, R> {
    type Out = R;
    type Side = T;

    fn on_record(
        &mut self,
        record: Timestamped<T>,
        at: &Held,
        watermark: i64,
        out: &mut Outputs<R, T>,
    ) {
        let kept = self
            .logic
            .record(watermark, at, &record, &mut |held, r| out.emit(held, r));
        match (&self.late, kept) {
            (_, true) => {}
            (None, false) => out.emit_side(at, record),
            (Some((tags, tag)), false) => {
                let ts = record.ts;
                let value = tags.tagged(tag, record.value);
                out.emit_tagged(at, Timestamped { ts, value });
            }
        }
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Outputs<R, T>) {
        self.logic.fire(watermark, &mut |held, r| out.emit(held, r));
    }

    fn snapshot(&mut self, sink: &mut dyn GroupSink) {
        self.logic
            .snapshot(self.range, &mut |g, bytes| sink.emit(g, Part::Full(bytes)));
    }

    fn restore_group(&mut self, group: u32, parts: Vec<Part>, epoch: u64, initial: &Held) {
        for part in parts {
            let Part::Full(bytes) = part else {
                panic!("window state of key group {group}: windows write no deltas");
            };
            self.logic.restore_group(group, &bytes, epoch, initial);
        }
    }

    fn end_of_epoch(&mut self, epoch: u64) {
        self.logic.advance_epoch(epoch);
    }

    fn on_stop(&mut self) {
        self.logic.release();
    }
}

/// The shell operator running `logic` over `keyed`, late data to `late` (when given),
/// with the tags its outputs carry.
fn build_windows<'s, T, K, R, L>(
    keyed: &KeyedStream<'s, T, K>,
    name: &str,
    logic: L,
    late: Option<OutputTag<T>>,
) -> (shell::Built<'s, WindowResult<K, R>, T>, OutputTags)
where
    T: Data,
    K: Data + Hash + Eq,
    R: Data,
    L: WindowLogic<T, WindowResult<K, R>>,
    WindowResult<K, R>: Data,
{
    let stream = &keyed.stream;
    let env = &stream.env;
    let range = KeyGroupRange::for_worker(env.index(), env.peers(), env.config().key_groups);
    let windows = Windows::open(logic, range, &env.config().state_backend).with_late_tag(late);
    let tags = windows.tags();
    let built = shell::build(
        env,
        name,
        "window",
        stream.stream.clone(),
        keyed.exchange(),
        range.start..range.end,
        windows,
    );
    (built, tags)
}

/// Builds a window operator over `keyed` running `logic`, late data to `late` (when
/// given), as a process function's outputs.
pub(super) fn window_processed<'s, T, K, R, L>(
    keyed: &KeyedStream<'s, T, K>,
    name: &str,
    logic: L,
    late: Option<OutputTag<T>>,
) -> Processed<'s, WindowResult<K, R>, T>
where
    T: Data,
    K: Data + Hash + Eq,
    R: Data,
    L: WindowLogic<T, WindowResult<K, R>>,
    WindowResult<K, R>: Data,
{
    let (built, tags) = build_windows(keyed, name, logic, late);
    let main = built.main.clone();
    Processed::of(&keyed.stream, built, main, tags)
}

/// Builds a window operator over `keyed` running `logic`.
pub(super) fn window_operator<'s, T, K, R, L>(
    keyed: &KeyedStream<'s, T, K>,
    name: &str,
    logic: L,
) -> Windowed<'s, K, R, T>
where
    T: Data,
    K: Data + Hash + Eq,
    R: Data,
    L: WindowLogic<T, WindowResult<K, R>>,
    WindowResult<K, R>: Data,
{
    let (built, _) = build_windows(keyed, name, logic, None);
    Windowed {
        results: keyed.stream.wrap(built.main),
        late: keyed.stream.wrap(built.side),
    }
}
