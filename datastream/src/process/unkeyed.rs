//! Process functions on streams that are not keyed (Flink's `ProcessFunction` on a
//! `DataStream`): user code called for each record where it is, with its event time,
//! the watermark and the processing time, emitting to the main output, the side output
//! and tagged side outputs. Run on the operator shell, so records come in time order
//! and the watermark is the operator's; there is no keyed state and there are no
//! timers (Flink has them only on keyed streams). Known limitation: no operator state
//! either, so a function's own fields are not in checkpoints.

use strom_core::time::ProcessingClock;
use strom_core::timely::dataflow::channels::pact::Pipeline;

use super::operator::Processed;
use crate::checkpoint::{GroupSink, Part};
use crate::shell::{self, Held, OutputTag, OutputTags, Outputs, StatefulLogic};
use crate::stream::{Data, DataStream, Timestamped};

/// User logic for each record of a stream that is not keyed.
pub trait ProcessFunction<I>: 'static {
    /// Records of the main output.
    type Out: Data;
    /// Records of the side output (`()` when unused).
    type Side: Data;

    /// Called for each record.
    fn process_element(&mut self, value: I, ctx: &mut ProcessContext<'_, Self::Out, Self::Side>);

    /// The tagged side outputs the function emits to with
    /// [`ProcessContext::output_to`], each read back with `Processed::side_output`.
    fn output_tags(&self) -> OutputTags {
        OutputTags::new()
    }
}

/// What a process function sees while handling one record.
pub struct ProcessContext<'a, O, S> {
    timestamp: i64,
    watermark: i64,
    clock: &'a ProcessingClock,
    at: &'a Held,
    tags: &'a OutputTags,
    out: &'a mut Outputs<O, S>,
}

impl<O, S> ProcessContext<'_, O, S> {
    /// The record's event time.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The operator's current event-time watermark.
    pub fn current_watermark(&self) -> i64 {
        self.watermark
    }

    /// The current processing time (ms since the Unix epoch).
    pub fn current_processing_time(&self) -> i64 {
        self.clock.now()
    }

    /// Emits `value` on the main output at the record's event time.
    pub fn collect(&mut self, value: O) {
        let ts = self.timestamp;
        self.out.emit(self.at, Timestamped { ts, value });
    }

    /// Emits `value` on the side output at the record's event time.
    pub fn output(&mut self, value: S) {
        let ts = self.timestamp;
        self.out.emit_side(self.at, Timestamped { ts, value });
    }

    /// Emits `value` on the side output of `tag` at the record's event time.
    ///
    /// # Panics
    /// When the function's `output_tags` did not declare `tag`.
    pub fn output_to<T: Data>(&mut self, tag: &OutputTag<T>, value: T) {
        let mut row = vec![Timestamped {
            ts: self.timestamp,
            value: self.tags.tagged(tag, value),
        }];
        self.out.gather_tagged(self.at, &mut row);
    }
}

/// A process function as the shell's logic.
struct Unkeyed<F> {
    function: F,
    clock: ProcessingClock,
    tags: OutputTags,
}

impl<I: Data, F: ProcessFunction<I>> StatefulLogic<I> for Unkeyed<F> {
    type Out = F::Out;
    type Side = F::Side;

    fn on_record(
        &mut self,
        record: Timestamped<I>,
        at: &Held,
        watermark: i64,
        out: &mut Outputs<F::Out, F::Side>,
    ) {
        let mut ctx = ProcessContext {
            timestamp: record.ts,
            watermark,
            clock: &self.clock,
            at,
            tags: &self.tags,
            out,
        };
        self.function.process_element(record.value, &mut ctx);
    }

    fn on_watermark(&mut self, _: i64, _: &mut Outputs<F::Out, F::Side>) {}

    fn snapshot(&mut self, _: &mut dyn GroupSink) {}

    fn restore_group(&mut self, _: u32, _: Vec<Part>, _: u64, _: &Held) {}

    fn end_of_epoch(&mut self, _: u64) {}

    fn on_stop(&mut self) {}
}

impl<'s, T: Data> DataStream<'s, T> {
    /// Runs `function` on every record where it is (Flink's `DataStream.process`).
    pub fn process<F: ProcessFunction<T>>(&self, function: F) -> Processed<'s, F::Out, F::Side> {
        let tags = function.output_tags();
        let logic = Unkeyed {
            function,
            clock: self.env.clock().clone(),
            tags: tags.clone(),
        };
        let built = shell::build(
            &self.env,
            "Process",
            "unkeyed-process",
            self.stream.clone(),
            Pipeline,
            0..0,
            logic,
        );
        let main = built.main.clone();
        Processed::of(self, built, main, tags)
    }
}
