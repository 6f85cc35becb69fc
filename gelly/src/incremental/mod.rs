//! Incremental graph analytics over a stream of edge changes, on differential-dataflow:
//! results kept up to date as edges come and go, each change costing work in
//! proportion to what it changes in the result (`docs/0026-incremental-graphs.md`).
//!
//! [`maintain`] takes a [`DataStream`] of [`EdgeChange`]s (event time: the change's
//! time) and gives the changelog of an [`Algorithm`]'s result: `(vertex, value, diff)`
//! rows, a vertex's old value retracted (-1) and its new value added (+1) at the time
//! of the change, consolidated per change time and sent once the watermark passes it.
//! Folding the changelog up to a time ([`CurrentResult`]) gives the result of the
//! edges present at that time. The job is checkpointed like every streaming job: the
//! edge changes are logged by key group and replayed on restore, and the changelog
//! sends each row exactly once across the restore.
//!
//! While the job runs, a [`LiveResult`] attached to the changelog is the queryable
//! current result: any thread reads a vertex's value or the whole result, always as of
//! one complete change time ([`LiveResult::through`]).
//!
//! The algorithms themselves ([`Algorithm::compute`], [`connected_components`],
//! [`paths`], [`counts`], [`rank`], [`cores`]) work on differential collections in any scope
//! whose time is a lattice.
//!
//! ```
//! use strom_core::RuntimeConfig;
//! use strom_datastream::{WatermarkStrategy, execute};
//! use strom_gelly::incremental::{Algorithm, CurrentResult, EdgeChange, maintain};
//!
//! let edge = |source, target, diff| EdgeChange { source, target, weight: 1, diff };
//! // At time 1 a path 1-2-3 and an edge 7-8; at time 2 the edge 2-3 goes away.
//! let changes = vec![(1, edge(1, 2, 1)), (1, edge(2, 3, 1)), (1, edge(7, 8, 1)), (2, edge(2, 3, -1))];
//! let log = execute(&RuntimeConfig::default().with_workers(2), move |env| {
//!     let changes = env.from_timestamped(changes.clone(), WatermarkStrategy::monotonous());
//!     maintain(env, &changes, &Algorithm::ConnectedComponents).with_timestamps()
//! })
//! .unwrap()
//! .unwrap();
//! let at = |time| CurrentResult::fold(log.iter().filter(|(ts, _)| *ts <= time).map(|(_, c)| *c));
//! assert_eq!(at(1).values(), vec![(1, 1), (2, 1), (3, 1), (7, 7), (8, 7)]);
//! assert_eq!(at(2).values(), vec![(1, 1), (2, 1), (7, 7), (8, 7)]);
//! ```

mod algorithms;
mod changelog;
pub mod cores;
pub mod counts;
mod fold;
mod live;
mod log;
pub mod paths;
pub mod rank;
mod time;

pub use algorithms::{Algorithm, Edges, Values, connected_components};
pub use changelog::ResultChange;
pub use fold::CurrentResult;
pub use live::LiveResult;
pub use log::EdgeChange;
pub use time::{GraphSummary, GraphTime};

use differential_dataflow::AsCollection;
use strom_core::timely::dataflow::channels::pact::Pipeline;
use strom_core::timely::dataflow::operators::generic::Operator;
use strom_core::timely::dataflow::operators::vec::Map;
use strom_core::timely::dataflow::operators::{Enter, Leave};
use strom_datastream::{DataStream, StreamEnv, Timestamped};

/// The changelog of `algorithm`'s result as `changes` come (see the module docs).
/// Checkpointed operators: `incremental-edges` (the input log) and
/// `incremental-changelog`.
pub fn maintain<'s>(
    env: &StreamEnv<'s>,
    changes: &DataStream<'s, EdgeChange>,
    algorithm: &Algorithm,
) -> DataStream<'s, ResultChange> {
    let logged = changes
        .key_by(|c: &EdgeChange| (c.source, c.target, c.weight))
        .stateful("incremental-edges", |range, _| log::EdgeLog::new(range))
        .main;
    let outer = env.scope();
    let algorithm = algorithm.clone();
    let raw = outer.scoped::<GraphTime, _, _>("Incremental graph", |inner| {
        let edges = logged
            .stream()
            .enter(inner)
            .unary(Pipeline, "Edge changes", |_, _| {
                move |input, output| {
                    input.for_each(|cap, batch| {
                        let Some(&now) = cap.stamp().iter().next() else {
                            return;
                        };
                        let mut updates: Vec<_> = batch
                            .drain(..)
                            .map(|r: Timestamped<EdgeChange>| {
                                let c = r.value;
                                let time = GraphTime::at(now.epoch, r.ts);
                                let time = GraphTime {
                                    event: time.event.max(now.event),
                                    ..time
                                };
                                ((c.source, c.target, c.weight), time, c.diff as isize)
                            })
                            .collect();
                        output.session(&cap).give_container(&mut updates);
                    });
                }
            })
            .as_collection();
        algorithm.compute(edges).inner.leave(outer)
    });
    let rows = raw.map(
        |((vertex, value), time, diff): ((u64, u64), GraphTime, isize)| Timestamped {
            ts: time.ts(),
            value: (vertex, value, diff as i64),
        },
    );
    DataStream::from_stream(env, rows)
        .name(&format!("Incremental {}", algorithm.name()))
        .key_by(|r: &ResultChange| r.0)
        .stateful("incremental-changelog", |range, _| {
            changelog::Changelog::new(range)
        })
        .main
}
