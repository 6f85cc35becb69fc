//! Which operator of the program a worker was running when it panicked, so that a
//! failure names it (`operator "Enrich" failed on worker 1: ...`) rather than only the
//! worker.
//!
//! Operators mark the stretch where they run user functions with a [`Running`] guard:
//! its drop, run while a panic unwinds through it, notes the operator's worker-unique
//! id. The launcher takes that note when it catches the panic and names the operator
//! as the status page shows it (its group of timely operators, named by the program).
//! A guard costs one check of [`std::thread::panicking`] when it drops.

use std::cell::Cell;

use super::with_log;

thread_local! {
    /// The operator a panic on this thread unwound through first.
    static FAILED_IN: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Notes, if a panic unwinds through it, that the operator it names was running.
#[must_use = "the guard marks the operator while it lives"]
pub struct Running(usize);

/// Marks the operator with worker-unique id `operator` as running until the guard
/// drops.
#[inline]
pub fn running(operator: usize) -> Running {
    Running(operator)
}

impl Drop for Running {
    #[inline]
    fn drop(&mut self) {
        if std::thread::panicking() {
            FAILED_IN.with(|f| {
                if f.get().is_none() {
                    f.set(Some(self.0));
                }
            });
        }
    }
}

/// The worker-unique id the next operator built in `scope` will have (timely gives an
/// operator the next identifier when it reserves its slot): for [`running`] guards in
/// the user functions of timely's own operators (`map`, `filter`, ...).
pub fn next_operator_id<T: timely::progress::Timestamp>(
    scope: &timely::dataflow::Scope<'_, T>,
) -> usize {
    scope.worker().peek_identifier()
}

/// Forgets an earlier failure's note (a worker starting a job).
pub(super) fn forget() {
    FAILED_IN.with(|f| f.set(None));
}

/// The name of the operator this worker's panic unwound through, if one was marked
/// and the job reports its operators' names.
pub(crate) fn failed_operator() -> Option<String> {
    let id = FAILED_IN.with(Cell::take)?;
    let mut name = None;
    with_log(|log| name = log.name_of(id));
    name
}
