//! [`Outputs`]: what a stateful operator emits during one activation, gathered by
//! the [`Held`] it goes out at and sent by the shell once per activation, one message
//! per output and stream time rather than one per record.

use strom_core::time::StreamTime;
use strom_core::timely::container::CapacityContainerBuilder;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;

use super::{Held, Tagged};
use crate::stream::Timestamped;

/// Rows of one output, by the capability they go out at.
type Batches<T> = Vec<(Held, Vec<Timestamped<T>>)>;

/// One data output of the shell's timely operator.
pub(crate) type Port<T> = OutputBuilder<StreamTime, CapacityContainerBuilder<Vec<Timestamped<T>>>>;

/// Output of one activation: main, side and tagged side rows.
pub struct Outputs<O, S> {
    main: Batches<O>,
    side: Batches<S>,
    tagged: Batches<Tagged>,
}

impl<O, S> Default for Outputs<O, S> {
    fn default() -> Self {
        Outputs {
            main: Vec::new(),
            side: Vec::new(),
            tagged: Vec::new(),
        }
    }
}

/// Appends `rows` (emptied) to `into` at `at`.
fn gather<T>(into: &mut Batches<T>, at: &Held, rows: &mut Vec<Timestamped<T>>) {
    if rows.is_empty() {
        return;
    }
    match into.last_mut() {
        Some((last, batch)) if last.time() == at.time() => batch.append(rows),
        _ => into.push((at.clone(), std::mem::take(rows))),
    }
}

/// Appends one row to `into` at `at`.
fn push<T>(into: &mut Batches<T>, at: &Held, row: Timestamped<T>) {
    match into.last_mut() {
        Some((last, batch)) if last.time() == at.time() => batch.push(row),
        _ => into.push((at.clone(), vec![row])),
    }
}

impl<O, S> Outputs<O, S> {
    /// Emits `row` on the main output at `at`.
    pub fn emit(&mut self, at: &Held, row: Timestamped<O>) {
        push(&mut self.main, at, row);
    }

    /// Emits `row` on the side output at `at`.
    pub fn emit_side(&mut self, at: &Held, row: Timestamped<S>) {
        push(&mut self.side, at, row);
    }

    /// Moves `rows` to the main output at `at`.
    pub fn gather(&mut self, at: &Held, rows: &mut Vec<Timestamped<O>>) {
        gather(&mut self.main, at, rows);
    }

    /// Moves `rows` to the side output at `at`.
    pub fn gather_side(&mut self, at: &Held, rows: &mut Vec<Timestamped<S>>) {
        gather(&mut self.side, at, rows);
    }

    /// Emits one row of a tagged side output at `at`.
    pub(crate) fn emit_tagged(&mut self, at: &Held, row: Timestamped<Tagged>) {
        push(&mut self.tagged, at, row);
    }

    /// Moves `rows` of tagged side outputs to their output at `at`.
    pub(crate) fn gather_tagged(&mut self, at: &Held, rows: &mut Vec<Timestamped<Tagged>>) {
        gather(&mut self.tagged, at, rows);
    }

    /// The tagged rows gathered, in the order emitted (for a test harness).
    pub(crate) fn take_tagged(&mut self) -> Vec<Timestamped<Tagged>> {
        std::mem::take(&mut self.tagged)
            .into_iter()
            .flat_map(|(_, rows)| rows)
            .collect()
    }

    /// The main and side rows gathered, in the order emitted (for a test harness).
    pub(crate) fn take_rows(&mut self) -> (Vec<Timestamped<O>>, Vec<Timestamped<S>>) {
        fn flat<T>(batches: Batches<T>) -> Vec<Timestamped<T>> {
            batches.into_iter().flat_map(|(_, rows)| rows).collect()
        }
        (
            flat(std::mem::take(&mut self.main)),
            flat(std::mem::take(&mut self.side)),
        )
    }

    /// Sends everything gathered on the operator's outputs.
    pub(crate) fn send(self, main: &mut Port<O>, side: &mut Port<S>, tagged: &mut Port<Tagged>)
    where
        O: Clone + 'static,
        S: Clone + 'static,
    {
        fn send<T: Clone + 'static>(port: &mut Port<T>, index: usize, batches: Batches<T>) {
            if batches.is_empty() {
                return;
            }
            let mut port = port.activate();
            for (at, mut rows) in batches {
                port.session(at.port(index)).give_container(&mut rows);
            }
        }
        send(main, 0, self.main);
        send(side, 1, self.side);
        send(tagged, 2, self.tagged);
    }
}
