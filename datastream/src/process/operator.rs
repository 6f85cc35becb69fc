//! A keyed process function on the operator shell ([`crate::shell`]): records routed
//! by key, event-time timers fired as the watermark passes them, and processing-time
//! timers fired off the clock. Event-time timers share one capability per epoch
//! (usually one in all), held at the earliest time any of them outputs at and
//! delayed to each firing timer's output time when it has output, so a timer costs
//! no capability of its own however many distinct times are pending (Flink's timer
//! service holds nothing either: its watermark is the operator's). Processing-time
//! timers share
//! one capability that follows the input frontier so they never hold the watermark
//! back. When the input ends every event-time timer fires (the watermark goes to the
//! end of time), except when the job stopped with a savepoint without draining: then
//! they stay in the savepoint. Pending processing-time timers never fire at the end
//! (as in Flink).

use std::collections::BTreeMap;
use std::hash::Hash;
use std::time::Duration;

use strom_core::state::KeyGroupRange;
use strom_core::time::{ProcessingClock, StreamTime};
use strom_core::timely::PartialOrder;
use strom_core::timely::dataflow::StreamVec;

use super::{KeyedProcessFunction, ProcessCore, Timers};
use crate::checkpoint::{GroupSink, Part};
use crate::shell::{self, Held, OutputTag, OutputTags, Outputs, StatefulLogic, Tagged};
use crate::stream::{Data, DataStream, KeyedStream, Timestamped};

/// A process function's outputs.
pub struct Processed<'s, O, S> {
    /// What `Context::collect` gave.
    pub main: DataStream<'s, O>,
    /// What `Context::output` gave (Flink's side output).
    pub side: DataStream<'s, S>,
    tagged: StreamVec<'s, StreamTime, Timestamped<Tagged>>,
    tags: OutputTags,
}

impl<'s, O: Data, S: Data> Processed<'s, O, S> {
    /// The outputs of a shell operator whose function declared `tags`.
    pub(crate) fn of(
        stream: &DataStream<'s, impl Data>,
        built: shell::Built<'s, O, S>,
        main: StreamVec<'s, StreamTime, Timestamped<O>>,
        tags: OutputTags,
    ) -> Self {
        Processed {
            main: stream.wrap(main),
            side: stream.wrap(built.side),
            tagged: built.tagged,
            tags,
        }
    }

    /// What `Context::output_to(tag, ..)` gave (Flink's `getSideOutput(tag)`).
    ///
    /// # Panics
    /// When the function did not declare `tag` in its `output_tags`.
    pub fn side_output<T: Data>(&self, tag: &OutputTag<T>) -> DataStream<'s, T> {
        let index = self.tags.expect_index(tag);
        self.main.wrap(shell::side_output(&self.tagged, index))
    }
}

/// A process function's output is its main output (Flink's
/// `SingleOutputStreamOperator`): `processed.map(..)` maps the main output.
impl<'s, O, S> std::ops::Deref for Processed<'s, O, S> {
    type Target = DataStream<'s, O>;

    fn deref(&self) -> &DataStream<'s, O> {
        &self.main
    }
}

/// A keyed process function with its timers' capabilities: the shell's logic.
pub(crate) struct ProcessLogic<K, I, F: KeyedProcessFunction<K, I>> {
    core: ProcessCore<K, I, F>,
    /// Per epoch with pending event-time timers, one capability at the earliest time
    /// they output at.
    event: BTreeMap<u64, Held>,
    /// Epochs whose earliest output time changed (reused buffer).
    changed: Vec<u64>,
    /// Shared by processing-time timers while any is pending.
    processing: Option<Held>,
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
        let range = KeyGroupRange::for_worker(env.index(), env.peers(), env.config().key_groups);
        let core = ProcessCore::new(
            function,
            self.key.owned(),
            range,
            env.clock().clone(),
            env.config().state_backend.clone(),
        );
        let tags = core.tags().clone();
        let logic = ProcessLogic::new(core);
        let built = shell::build(
            env,
            "KeyedProcess",
            "process",
            stream.stream.clone(),
            self.exchange(),
            range.start..range.end,
            logic,
        );
        let main = env.flow.watch(built.main.clone());
        Processed::of(stream, built, main, tags)
    }
}

impl<K, I, F> ProcessLogic<K, I, F>
where
    K: Data + Hash + Eq,
    F: KeyedProcessFunction<K, I>,
{
    /// The shell's logic running `core`, nothing held yet.
    pub(crate) fn new(core: ProcessCore<K, I, F>) -> Self {
        ProcessLogic {
            core,
            event: BTreeMap::new(),
            changed: Vec::new(),
            processing: None,
        }
    }

    /// The tagged side outputs the function declared.
    pub(crate) fn tags(&self) -> &OutputTags {
        self.core.tags()
    }

    /// Moves what the function emitted to `out` at `at`.
    fn gather(&mut self, at: &Held, out: &mut Outputs<F::Out, F::Side>) {
        out.gather(at, &mut self.core.out);
        out.gather_side(at, &mut self.core.side);
        out.gather_tagged(at, &mut self.core.tagged);
    }

    /// Brings the held capabilities in line with the pending timers: each epoch's at
    /// its earliest output time. A time earlier than the epoch's capability (only a
    /// timer registered while handling `from`, which is no later than it) is made from
    /// `from`.
    ///
    /// # Panics
    /// When a timer outputs before every held time and `from` is `None` (a bug).
    fn track(&mut self, from: Option<&Held>) {
        self.core
            .timers_mut()
            .take_changed_epochs(&mut self.changed);
        for epoch in self.changed.drain(..) {
            let earliest = self.core.timers().earliest_output(epoch);
            match (earliest, self.event.get_mut(&epoch)) {
                (None, _) => {
                    self.event.remove(&epoch);
                }
                (Some(t), Some(held)) if held.time() == t => {}
                (Some(t), Some(held)) if held.time().less_equal(&t) => *held = held.delayed(&t),
                (Some(t), _) => {
                    let from = from.expect("a timer output time before every held one");
                    self.event.insert(epoch, from.delayed(&t));
                }
            }
        }
        // `next_processing`, not `pending` (which counts every timer): O(1) per call.
        match (
            self.core.timers().next_processing().is_some(),
            self.processing.is_some(),
        ) {
            (true, false) => self.processing = from.cloned(),
            (false, true) => self.processing = None,
            _ => {}
        }
    }

    /// Whether the function emitted anything not yet gathered.
    fn has_output(&self) -> bool {
        !(self.core.out.is_empty() && self.core.side.is_empty() && self.core.tagged.is_empty())
    }

    /// Fires the due timers: event-time ones at or before the watermark, each output at
    /// its own time (its epoch's capability delayed to it), and processing-time ones
    /// due on the clock, at the shared capability.
    fn fire_timers(&mut self, out: &mut Outputs<F::Out, F::Side>) {
        let mut fired = None;
        while let Some(at) = self.core.fire_event_timer() {
            let cap = self
                .event
                .get(&at.epoch)
                .expect("a capability per epoch with timers");
            let held = self.has_output().then(|| cap.delayed(&at));
            if fired.is_none() {
                fired = Some(cap.clone());
            }
            if let Some(held) = held {
                self.gather(&held, out);
            }
        }
        if let Some(first) = fired {
            // Timers set while firing output no earlier than the first fired one.
            self.track(Some(&first));
        }
        while let Some(held) = self.processing.clone() {
            if !self.core.fire_processing_timer(held.time()) {
                break;
            }
            self.gather(&held, out);
            self.track(Some(&held));
        }
    }
}

impl<K, I, F> StatefulLogic<I> for ProcessLogic<K, I, F>
where
    K: Data + Hash + Eq,
    I: 'static,
    F: KeyedProcessFunction<K, I>,
{
    type Out = F::Out;
    type Side = F::Side;

    fn on_record(
        &mut self,
        record: Timestamped<I>,
        at: &Held,
        _: i64,
        out: &mut Outputs<F::Out, F::Side>,
    ) {
        self.core.element(at.time(), record);
        self.gather(at, out);
        self.track(Some(at));
    }

    fn on_watermark(&mut self, watermark: i64, out: &mut Outputs<F::Out, F::Side>) {
        self.core.advance_watermark(watermark);
        self.fire_timers(out);
    }

    fn on_activation_end(&mut self, ended: bool, frontier: Option<StreamTime>) -> Option<Duration> {
        if ended {
            // End of input: Flink does not fire pending processing-time timers.
            self.core.timers_mut().drop_processing();
            self.processing = None;
        } else if let (Some(p), Some(f)) = (self.processing.as_mut(), frontier)
            && p.time().less_than(&f)
        {
            *p = p.delayed(&f);
        }
        let next = self.core.timers().next_processing()?;
        let wait = match self.core.clock() {
            ProcessingClock::System => (next - self.core.clock().now()).max(0) as u64,
            ProcessingClock::Manual(_) => 5,
        };
        Some(Duration::from_millis(wait))
    }

    fn snapshot(&mut self, sink: &mut dyn GroupSink) {
        self.core.snapshot(sink);
    }

    fn restore_group(&mut self, group: u32, parts: Vec<Part>, epoch: u64, initial: &Held) {
        let at = StreamTime { epoch, event: 0 };
        if let Err(e) = self.core.restore_group(group, &parts, at) {
            panic!("keyed process operator: {e}");
        }
        self.track(Some(initial));
    }

    fn end_of_epoch(&mut self, to: u64) {
        self.core.timers_mut().advance_epoch(to);
        // The capabilities of earlier epochs move to `to`; the earliest of them is no
        // later than any timer now in `to`, and `track` delays it to the first.
        let later = self.event.split_off(&to);
        for (_, mut held) in std::mem::replace(&mut self.event, later) {
            held.in_epoch(to);
            match self.event.get(&to) {
                Some(kept) if kept.time().event <= held.time().event => {}
                _ => {
                    self.event.insert(to, held);
                }
            }
        }
        self.track(None);
        if let Some(p) = self.processing.as_mut() {
            p.in_epoch(to);
        }
    }

    fn on_stop(&mut self) {
        *self.core.timers_mut() = Timers::default();
        self.event.clear();
        self.processing = None;
    }
}
