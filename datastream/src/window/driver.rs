//! The operator shape every event-time window shares: records routed by key, taken in
//! time order (a message waits until no frontier element is earlier than its time, and
//! is handled at the watermark of its own time, as in a Flink channel), windows fired
//! as the watermark passes them, and records too late for every window given to a side
//! output. What a window is, and how records join it, is the [`WindowLogic`]. When the
//! input ends the watermark goes to the end of time and every window fires, except
//! when the job stopped with a savepoint without draining: then windows stay pending,
//! in the savepoint.

use std::hash::Hash;

use strom_core::time::StreamTime;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;

use super::Windowed;
use crate::checkpoint::{Ack, GroupSink, Part, snapshots_in};
use crate::ordered::{TimeOrdered, frontier_watermark};
use crate::stream::{Data, KeyedStream, Timestamped};
use strom_core::state::{KeyGroupRange, StateBackend};

/// Gives a window result at a capability.
pub(super) type Emit<'a, R> = &'a mut dyn FnMut(&Capability<StreamTime>, Timestamped<R>);

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
) -> Timestamped<super::WindowResult<K, O>> {
    Timestamped {
        ts: end - 1,
        value: super::WindowResult {
            key: key.clone(),
            start,
            end,
            value: finish(acc.clone()),
        },
    }
}

/// What a kind of window does with records and watermarks.
pub(super) trait WindowLogic<T, R>: 'static {
    /// Takes `record` (sent at `time`, retained as `cap`) at `watermark`, emitting any
    /// re-firing; false when it is too late for every window it belongs to.
    fn record(
        &mut self,
        watermark: i64,
        time: StreamTime,
        cap: &Capability<StreamTime>,
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
    /// capabilities made from `cap` in epoch `epoch`.
    fn restore_group(&mut self, group: u32, bytes: &[u8], epoch: u64, cap: &Capability<StreamTime>);

    /// Moves the capabilities of windows not fired yet to epoch `epoch`.
    fn advance_epoch(&mut self, epoch: u64);

    /// Drops the capabilities of windows not fired yet, which never fire here: the
    /// input ended on a stop without draining, and they are in the savepoint.
    fn release(&mut self);
}

/// The capability `cap` moved to epoch `epoch`, if it was earlier.
pub(super) fn in_epoch(cap: &mut Capability<StreamTime>, epoch: u64) {
    if cap.time().epoch < epoch {
        *cap = cap.delayed(&StreamTime {
            epoch,
            ..*cap.time()
        });
    }
}

/// The stream time a window ending at `end` is emitted at: `end - 1`, a watermark of
/// `end - 2`. Its result, at event time `end - 1`, thus comes before the watermark that
/// fired the window, as in Flink, where an operator forwards a watermark after the
/// results it fired: a downstream window ending at `end` too still counts it.
pub(super) fn result_time(epoch: u64, end: i64) -> StreamTime {
    StreamTime::at_watermark(epoch, end.saturating_sub(2))
}

/// The capability a window ending at `end` is emitted at: [`result_time`], or the
/// record's time if that is later.
pub(super) fn window_cap(
    cap: &Capability<StreamTime>,
    time: StreamTime,
    end: i64,
) -> Capability<StreamTime> {
    let at = result_time(time.epoch, end);
    cap.delayed(&StreamTime {
        event: at.event.max(time.event),
        ..at
    })
}

/// Builds a window operator over `keyed` running `logic`.
pub(super) fn window_operator<'s, T, K, R, L>(
    keyed: &KeyedStream<'s, T, K>,
    name: &str,
    mut logic: L,
) -> Windowed<'s, K, R, T>
where
    T: Data,
    K: Data + Hash + Eq,
    R: Data,
    L: WindowLogic<T, super::WindowResult<K, R>>,
    super::WindowResult<K, R>: Data,
{
    let stream = &keyed.stream;
    let env = &stream.env;
    let pact = keyed.exchange();
    let mut builder = OperatorBuilder::new(name.to_string(), env.scope);
    let address = builder.operator_info().address;
    let mut input = builder.new_input(stream.stream.clone(), pact);
    let (results_out, results) =
        builder.new_output::<Vec<Timestamped<super::WindowResult<K, R>>>>();
    let (late_out, late) = builder.new_output::<Vec<Timestamped<T>>>();
    let (acks_out, acks) = builder.new_output::<Vec<Ack>>();
    let (mut results_out, mut late_out, mut acks_out) = (
        OutputBuilder::from(results_out),
        OutputBuilder::from(late_out),
        OutputBuilder::from(acks_out),
    );
    let range = KeyGroupRange::for_worker(env.index(), env.peers(), env.config().key_groups);
    let (mut snapshots, wake) = snapshots_in(env, "window", acks, &address);
    logic.open(range, &env.config().state_backend);
    builder.build(move |mut initial| {
        let acks_cap = initial.pop();
        drop(initial.pop());
        let results_cap = initial.pop().expect("a results output");
        if let Some(s) = snapshots.as_mut() {
            let epoch = s.epoch();
            s.start(acks_cap, wake, range.start..range.end, |group, parts| {
                for part in parts {
                    let Part::Full(bytes) = part else {
                        panic!("window state of key group {group}: windows write no deltas");
                    };
                    logic.restore_group(group, &bytes, epoch, &results_cap);
                }
            });
        }
        drop(results_cap);
        let mut stash: TimeOrdered<(Capability<StreamTime>, Capability<StreamTime>), _> =
            TimeOrdered::default();
        move |frontiers| {
            let mut results_out = results_out.activate();
            let mut late_out = late_out.activate();
            let mut late: Vec<(Capability<StreamTime>, Vec<Timestamped<T>>)> = Vec::new();
            // Results are gathered by capability and sent once per activation, one
            // message per capability rather than per result.
            let mut emitted: Vec<(Capability<StreamTime>, Vec<_>)> = Vec::new();
            let mut emit = |cap: &Capability<StreamTime>, r| match emitted.last_mut() {
                Some((last, rows)) if last.time() == cap.time() => rows.push(r),
                _ => emitted.push((cap.clone(), vec![r])),
            };
            input.for_each(|cap, batch| {
                let time = *cap.stamp().iter().next().expect("a record has a time");
                stash.push(
                    time,
                    || (cap.delayed(&time, 0), cap.delayed(&time, 1)),
                    batch,
                );
            });
            if let Some(s) = snapshots.as_mut() {
                s.poll(&mut acks_out);
            }
            let frontier = frontiers[0].frontier();
            while let Some((time, (results, late_cap), records)) = stash.pop_ready(frontier) {
                if let Some(s) = snapshots.as_mut()
                    && s.take(
                        time.epoch,
                        |sink| snapshot_full(&mut logic, range, sink),
                        &mut acks_out,
                    )
                {
                    logic.advance_epoch(time.epoch);
                }
                let watermark = stash.watermark_for(time, frontier);
                logic.fire(watermark, &mut emit);
                let mut too_late = Vec::new();
                for r in records {
                    if !logic.record(watermark, time, &results, &r, &mut emit) {
                        too_late.push(r);
                    }
                }
                if !too_late.is_empty() {
                    late.push((late_cap, too_late));
                }
            }
            if let Some(s) = snapshots.as_mut() {
                // Epochs below every open one are complete here; windows that fire
                // from now on belong to the open one.
                let open = stash.open_epoch(frontier);
                if let Some(e) = s.settle(
                    open,
                    |sink| snapshot_full(&mut logic, range, sink),
                    &mut acks_out,
                ) {
                    logic.advance_epoch(e);
                }
            }
            let ended = frontier.is_empty() && stash.is_empty();
            if ended
                && snapshots
                    .as_mut()
                    .is_some_and(|s| s.stopped_without_drain())
            {
                // Stopped without draining: pending windows stay in the savepoint.
                logic.release();
            } else {
                logic.fire(frontier_watermark(frontier, &address), &mut emit);
            }
            for (cap, mut rows) in emitted {
                results_out.session(&cap).give_container(&mut rows);
            }
            for (cap, mut rows) in late {
                late_out.session(&cap).give_container(&mut rows);
            }
        }
    });
    Windowed {
        results: stream.wrap(results),
        late: stream.wrap(late),
    }
}

/// Writes every key group of `logic` in full to `sink`.
fn snapshot_full<T, R>(
    logic: &mut impl WindowLogic<T, R>,
    range: KeyGroupRange,
    sink: &mut dyn GroupSink,
) {
    logic.snapshot(range, &mut |g, bytes| sink.emit(g, Part::Full(bytes)));
}
