//! One incremental algorithm of `strom_gelly::incremental` on Strom's workers, driven
//! batch by batch as differential-dataflow's own benchmarks drive theirs: the loaded
//! graph at time 0, then each batch of changes at a time of its own, the workers
//! stepping until the probe on the result passes that time. A batch's latency is from
//! handing its changes in (on worker 0) to the probe passing its time, which is when
//! every worker has finished every update of the result that the batch causes.
//!
//! The changes of a time are split over the workers by position (a batch of one
//! change enters at worker 0); the workers advance in lock-step, one time per batch.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use differential_dataflow::input::InputSession;
use rustc_hash::FxHashMap;
use strom_core::RuntimeConfig;
use strom_core::timely::dataflow::operators::probe::Handle;
use strom_core::timely::worker::Worker;
use strom_gelly::incremental::Algorithm;

use super::workload::Workload;

/// One pass over the changes in batches of one size.
pub(crate) struct Phase {
    /// Changes per batch.
    pub(crate) batch: usize,
    /// Seconds from each batch's changes handed in to its result complete.
    pub(crate) latencies: Vec<f64>,
    /// Seconds of the whole pass.
    pub(crate) seconds: f64,
}

/// What one run measured, and the result it ended with.
pub(crate) struct Run {
    /// Seconds to load the graph and compute the first result.
    pub(crate) load: f64,
    /// A phase per batch size, in order.
    pub(crate) phases: Vec<Phase>,
    /// `(vertex, value)` after the last phase, by vertex.
    pub(crate) result: Vec<(u64, u64)>,
}

/// Runs `algorithm` at `workers` workers over `work`: loads it, then passes over the
/// changes once per batch size (see [`Workload::phase`]).
pub(crate) fn run(
    workers: usize,
    work: &Arc<Workload>,
    algorithm: &Algorithm,
    batches: &[usize],
) -> Result<Run> {
    let config = RuntimeConfig::default().with_workers(workers);
    let (work, algorithm, batches) = (work.clone(), algorithm.clone(), batches.to_vec());
    let runs = strom_core::launch::execute(&config, move |worker| {
        drive(worker, &work, &algorithm, &batches)
    })?;
    let mut runs = runs.into_iter();
    let mut first = runs.next().expect("at least one worker");
    for other in runs {
        first.result.extend(other.result);
    }
    first.result.sort_unstable();
    Ok(first)
}

/// One worker's part: its share of every batch, its share of the result.
fn drive(worker: &mut Worker, work: &Workload, algorithm: &Algorithm, batches: &[usize]) -> Run {
    let (index, peers) = (worker.index(), worker.peers());
    let mut input: InputSession<u64, (u64, u64, u64), isize> = InputSession::new();
    let probe = Handle::new();
    // The result kept as counts of (vertex, value), from the output's updates.
    let counts: Rc<RefCell<FxHashMap<(u64, u64), isize>>> = Rc::default();
    let kept = counts.clone();
    worker.dataflow::<u64, _, _>(|scope| {
        let edges = input.to_collection(scope);
        algorithm
            .compute(edges)
            .inspect_batch(move |_, updates| {
                let mut kept = kept.borrow_mut();
                for (pair, _, diff) in updates {
                    let count = kept.entry(*pair).or_default();
                    *count += diff;
                    if *count == 0 {
                        kept.remove(pair);
                    }
                }
            })
            .probe_with(&probe);
    });
    let mut time = 0u64;
    let mut settle = |input: &mut InputSession<_, _, _>, worker: &mut Worker| {
        time += 1;
        input.advance_to(time);
        input.flush();
        worker.step_while(|| probe.less_than(&time));
    };
    let start = Instant::now();
    for i in (index as u64..work.loaded).step_by(peers) {
        let (s, d) = work.rmat.edge(i);
        input.update((s, d, 1), 1);
    }
    settle(&mut input, worker);
    let load = start.elapsed().as_secs_f64();
    let mut phases = Vec::new();
    for (p, &batch) in batches.iter().enumerate() {
        let changes = work.phase(p);
        let mut latencies = Vec::with_capacity(changes.len().div_ceil(batch));
        let start = Instant::now();
        for chunk in changes.chunks(batch) {
            let handed = Instant::now();
            for &(s, d, diff) in chunk.iter().skip(index).step_by(peers) {
                input.update((s, d, 1), diff as isize);
            }
            settle(&mut input, worker);
            latencies.push(handed.elapsed().as_secs_f64());
        }
        phases.push(Phase {
            batch,
            latencies,
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    let result = counts
        .borrow()
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(pair, _)| *pair)
        .collect();
    Run {
        load,
        phases,
        result,
    }
}
