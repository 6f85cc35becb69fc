//! The dataflow operator running a [`ProcessCore`]: records routed by key and taken in
//! time order (as window operators take them), event-time timers fired as the
//! watermark passes them, each holding a capability for its output, and
//! processing-time timers fired off the clock, sharing one capability that follows the
//! input frontier so they never hold the watermark back. When the input ends every
//! event-time timer fires (the watermark goes to the end of time), except when the job
//! stopped with a savepoint without draining: then they stay in the savepoint.

use std::collections::BTreeMap;
use std::hash::Hash;
use std::time::Duration;

use strom_core::state::KeyGroupRange;
use strom_core::time::{ProcessingClock, StreamTime};
use strom_core::timely::PartialOrder;
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;

use super::{KeyedProcessFunction, ProcessCore, Timers};
use crate::checkpoint::{Ack, snapshots_in};
use crate::ordered::{TimeOrdered, frontier_watermark};
use crate::stream::{Data, DataStream, KeyedStream, Timestamped};

/// A keyed process function's outputs.
pub struct Processed<'s, O, S> {
    /// What `Context::collect` gave.
    pub main: DataStream<'s, O>,
    /// What `Context::output` gave (Flink's side output).
    pub side: DataStream<'s, S>,
}

/// Capabilities for both outputs at one time.
#[derive(Clone)]
struct Caps {
    main: Capability<StreamTime>,
    side: Capability<StreamTime>,
}

impl Caps {
    fn delayed(&self, time: &StreamTime) -> Caps {
        Caps {
            main: self.main.delayed(time),
            side: self.side.delayed(time),
        }
    }
    fn time(&self) -> StreamTime {
        *self.main.time()
    }
}

/// Output gathered during one activation, one batch per capability.
struct Pending<O, S> {
    main: Vec<(Capability<StreamTime>, Vec<Timestamped<O>>)>,
    side: Vec<(Capability<StreamTime>, Vec<Timestamped<S>>)>,
}

fn gather<T>(
    into: &mut Vec<(Capability<StreamTime>, Vec<T>)>,
    cap: &Capability<StreamTime>,
    rows: &mut Vec<T>,
) {
    if rows.is_empty() {
        return;
    }
    match into.last_mut() {
        Some((last, batch)) if last.time() == cap.time() => batch.append(rows),
        _ => into.push((cap.clone(), std::mem::take(rows))),
    }
}

/// The operator's timer capabilities.
#[derive(Default)]
struct TimerCaps {
    /// One per stream time event-time timers output at.
    event: BTreeMap<StreamTime, Caps>,
    /// Shared by processing-time timers while any is pending.
    processing: Option<Caps>,
}

impl<'s, T: Data, K: Data + Hash + Eq> KeyedStream<'s, T, K> {
    /// Runs a keyed process function (Flink's `KeyedStream.process`), this worker's
    /// instance of it.
    pub fn process<F>(&self, function: F) -> Processed<'s, F::Out, F::Side>
    where
        F: KeyedProcessFunction<K, T>,
    {
        let stream = &self.stream;
        let env = &stream.env;
        let (groups, peers) = (env.config().key_groups, env.peers());
        let pact = self.exchange();
        let range = KeyGroupRange::for_worker(env.index(), peers, groups);
        let mut core = ProcessCore::new(
            function,
            self.key.clone(),
            range,
            env.clock().clone(),
            env.config().state_backend.clone(),
        );
        let mut builder = OperatorBuilder::new("KeyedProcess".to_string(), env.scope);
        let mut input = builder.new_input(stream.stream.clone(), pact);
        let (main_out, main) = builder.new_output::<Vec<Timestamped<F::Out>>>();
        let (side_out, side) = builder.new_output::<Vec<Timestamped<F::Side>>>();
        let (acks_out, acks) = builder.new_output::<Vec<Ack>>();
        let (mut main_out, mut side_out, mut acks_out) = (
            OutputBuilder::from(main_out),
            OutputBuilder::from(side_out),
            OutputBuilder::from(acks_out),
        );
        let address = builder.operator_info().address;
        let activator = env.scope.activator_for(address.clone());
        let (mut snapshots, wake) = snapshots_in(env, "process", acks, &address);
        builder.build(move |mut initial| {
            let mut stash: TimeOrdered<Caps, Timestamped<T>> = TimeOrdered::default();
            let mut caps = TimerCaps::default();
            let acks_cap = initial.pop();
            let start = Caps {
                side: initial.pop().expect("a side output"),
                main: initial.pop().expect("a main output"),
            };
            if let Some(s) = snapshots.as_mut() {
                let range = core.states().range();
                let at = StreamTime {
                    epoch: s.epoch(),
                    event: 0,
                };
                s.start(acks_cap, wake, range.start..range.end, |g, parts| {
                    if let Err(e) = core.restore_group(g, &parts, at) {
                        panic!("keyed process operator: {e}");
                    }
                });
                track(&mut core, &mut caps, &start);
            }
            move |frontiers| {
                let mut pending = Pending {
                    main: Vec::new(),
                    side: Vec::new(),
                };
                input.for_each(|cap, batch| {
                    let time = *cap.stamp().iter().next().expect("a record has a time");
                    let retain = || Caps {
                        main: cap.delayed(&time, 0),
                        side: cap.delayed(&time, 1),
                    };
                    stash.push(time, retain, batch);
                });
                if let Some(s) = snapshots.as_mut() {
                    s.poll(&mut acks_out);
                }
                let frontier = frontiers[0].frontier();
                while let Some((time, at, records)) = stash.pop_ready(frontier) {
                    if let Some(s) = snapshots.as_mut()
                        && s.take(time.epoch, |sink| core.snapshot(sink), &mut acks_out)
                    {
                        advance_epoch(time.epoch, &mut core, &mut caps);
                    }
                    core.advance_watermark(stash.watermark_for(time, frontier));
                    fire_timers(&mut core, &mut caps, &mut pending);
                    for r in records {
                        core.element(time, r);
                        gather(&mut pending.main, &at.main, &mut core.out);
                        gather(&mut pending.side, &at.side, &mut core.side);
                    }
                    track(&mut core, &mut caps, &at);
                }
                if let Some(s) = snapshots.as_mut() {
                    // Epochs below every open one are complete here; timers that fire
                    // from now on belong to the open one.
                    let open = stash.open_epoch(frontier);
                    if let Some(e) = s.settle(open, |sink| core.snapshot(sink), &mut acks_out) {
                        advance_epoch(e, &mut core, &mut caps);
                    }
                }
                let ended = frontier.is_empty() && stash.is_empty();
                if ended
                    && snapshots
                        .as_mut()
                        .is_some_and(|s| s.stopped_without_drain())
                {
                    // Stopped without draining: timers stay in the savepoint.
                    *core.timers_mut() = Timers::default();
                    caps = TimerCaps::default();
                } else {
                    core.advance_watermark(frontier_watermark(frontier, &address));
                    fire_timers(&mut core, &mut caps, &mut pending);
                }
                if ended {
                    // End of input: Flink does not fire pending processing-time timers.
                    core.timers_mut().drop_processing();
                    caps.processing = None;
                } else if let (Some(p), [f]) = (caps.processing.as_mut(), &frontier[..])
                    && p.time().less_than(f)
                {
                    *p = p.delayed(f);
                }
                if let Some(next) = core.timers().next_processing() {
                    let wait = match core.clock() {
                        ProcessingClock::System => (next - core.clock().now()).max(0) as u64,
                        ProcessingClock::Manual(_) => 5,
                    };
                    activator.activate_after(Duration::from_millis(wait));
                }
                let (mut main_out, mut side_out) = (main_out.activate(), side_out.activate());
                for (cap, mut rows) in pending.main {
                    main_out.session(&cap).give_container(&mut rows);
                }
                for (cap, mut rows) in pending.side {
                    side_out.session(&cap).give_container(&mut rows);
                }
            }
        });
        Processed {
            main: stream.wrap(env.flow.watch(main)),
            side: stream.wrap(side),
        }
    }
}

/// Moves what a process operator holds to epoch `to`: event-time timers' outputs and
/// the processing-time capability.
fn advance_epoch<K, I, F>(to: u64, core: &mut ProcessCore<K, I, F>, caps: &mut TimerCaps)
where
    K: Data + Hash + Eq,
    F: KeyedProcessFunction<K, I>,
{
    for (old, new) in core.timers_mut().advance_epoch(to) {
        if let Some(held) = caps.event.remove(&old) {
            caps.event.entry(new).or_insert_with(|| held.delayed(&new));
        }
    }
    if let Some(p) = caps.processing.as_mut()
        && p.time().epoch < to
    {
        *p = p.delayed(&StreamTime {
            epoch: to,
            ..p.time()
        });
    }
}

/// Fires the due timers: event-time ones at or before the watermark, each at its own
/// capability, and processing-time ones due on the clock, at the shared one.
fn fire_timers<K, I, F>(
    core: &mut ProcessCore<K, I, F>,
    caps: &mut TimerCaps,
    pending: &mut Pending<F::Out, F::Side>,
) where
    K: Data + Hash + Eq,
    F: KeyedProcessFunction<K, I>,
{
    while let Some(at) = core.fire_event_timer() {
        let held = caps
            .event
            .get(&at)
            .expect("a capability per timer output time")
            .clone();
        gather(&mut pending.main, &held.main, &mut core.out);
        gather(&mut pending.side, &held.side, &mut core.side);
        track(core, caps, &held);
    }
    while let Some(held) = caps.processing.clone() {
        if !core.fire_processing_timer(held.time()) {
            break;
        }
        gather(&mut pending.main, &held.main, &mut core.out);
        gather(&mut pending.side, &held.side, &mut core.side);
        track(core, caps, &held);
    }
}

/// Brings the held capabilities in line with the pending timers, new ones made from
/// `from` (the capabilities of what was just handled, no later than any new timer's
/// output time).
fn track<K, I, F>(core: &mut ProcessCore<K, I, F>, caps: &mut TimerCaps, from: &Caps)
where
    K: Data + Hash + Eq,
    F: KeyedProcessFunction<K, I>,
{
    let (freed, added) = core.timers_mut().take_changes();
    for t in freed {
        caps.event.remove(&t);
    }
    for t in added {
        caps.event.entry(t).or_insert_with(|| from.delayed(&t));
    }
    match (core.timers().pending().1 > 0, caps.processing.is_some()) {
        (true, false) => caps.processing = Some(from.clone()),
        (false, true) => caps.processing = None,
        _ => {}
    }
}
