//! Running a small job at several numbers of workers and sorting what it collects.

use strom_core::RuntimeConfig;
use strom_dataset::{Data, DataSet, Env, execute};

/// The numbers of workers every case runs at.
pub(crate) const WORKERS: [usize; 2] = [1, 3];

/// What `build` collects, sorted, at `workers` workers.
pub(crate) fn run<T: Data + Ord>(
    workers: usize,
    build: impl for<'s> Fn(&Env<'s>) -> DataSet<'s, T> + Send + Sync + 'static,
) -> Vec<T> {
    let mut got = execute(
        &RuntimeConfig::default().with_workers(workers),
        move |env| build(env).collect(),
    )
    .unwrap()
    .unwrap();
    got.sort();
    got
}

/// Asserts that `build` collects `expected` (in any order) at every number of workers.
pub(crate) fn check<T: Data + Ord + std::fmt::Debug>(
    expected: Vec<T>,
    build: impl for<'s> Fn(&Env<'s>) -> DataSet<'s, T> + Clone + Send + Sync + 'static,
) {
    let mut expected = expected;
    expected.sort();
    for w in WORKERS {
        assert_eq!(run(w, build.clone()), expected, "at {w} workers");
    }
}
