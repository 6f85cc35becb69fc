//! A worker's state built once from a static data set, and a step over it per round:
//! `process_with_state`. A graph's adjacency (CSR) built from its edges, kept in place
//! on the worker that owns their sources, with each round's ranks run through it, is
//! the example: only combined per-target results leave the worker, where a join with
//! the edges would emit, hash and exchange one record per edge and round.
//!
//! The step sees all of a round's records at once, when the round is complete on this
//! worker, so it can combine them in dense arrays. Inside an iteration it runs at every
//! round, with no records too (the loop's tokens say a round started), so a state that
//! produces something for each of its keys every round (the rank of every vertex) does
//! so whatever arrived. Outside iterations it runs once, when the input is complete.
//! The state lives in memory for the whole job (unlike a static join's table, which
//! keeps hash partitions on disk past its share of a memory limit).

use strom_core::keys::worker_for_key;
use strom_core::timely::dataflow::StreamVec;
use strom_core::timely::dataflow::channels::pact::{Exchange, Pipeline};
use strom_core::timely::dataflow::operators::Capability;
use strom_core::timely::dataflow::operators::generic::OutputBuilder;
use strom_core::timely::dataflow::operators::generic::builder_rc::OperatorBuilder;

use crate::data_set::{Data, DataSet, Key};
use crate::env::Time;

impl<'scope, T: Data> DataSet<'scope, T> {
    /// Builds a state per worker with `make` from the records of `side` (a data set
    /// from outside any iteration) whose `side_key` routes to the worker, then, per
    /// round (once outside iterations), calls `step` with the state and all of this
    /// data set's records of the round whose `key` routes there (equal keys meet),
    /// giving the records `step` pushes.
    ///
    /// ```
    /// use strom_core::RuntimeConfig;
    /// use strom_dataset::execute;
    ///
    /// // Each worker sums the weights of its names (ids), then looks its queries up.
    /// let mut found = execute(&RuntimeConfig::default().with_workers(2), |env| {
    ///     let weights = env.from_collection(vec![(1u32, 1u64), (2, 2), (1, 3)]);
    ///     let queries = env.from_collection(vec![1u32, 2, 3]);
    ///     queries
    ///         .process_with_state(
    ///             &weights,
    ///             |q: &u32| *q,
    ///             |w: &(u32, u64)| w.0,
    ///             |all| {
    ///                 let mut sums = std::collections::HashMap::new();
    ///                 for (name, w) in all {
    ///                     *sums.entry(name).or_insert(0) += w;
    ///                 }
    ///                 sums
    ///             },
    ///             |sums, queries, out| {
    ///                 out.extend(queries.into_iter().map(|q| (q, sums.get(&q).copied())))
    ///             },
    ///         )
    ///         .collect()
    /// })
    /// .unwrap()
    /// .unwrap();
    /// found.sort();
    /// assert_eq!(found, vec![(1, Some(4)), (2, Some(2)), (3, None)]);
    /// ```
    ///
    /// # Panics
    /// When `side` is computed inside an iteration.
    pub fn process_with_state<R, K, S, O>(
        &self,
        side: &DataSet<'scope, R>,
        key: impl Fn(&T) -> K + 'static,
        side_key: impl Fn(&R) -> K + 'static,
        make: impl FnOnce(Vec<R>) -> S + 'static,
        step: impl FnMut(&mut S, Vec<T>, &mut Vec<O>) + 'static,
    ) -> DataSet<'scope, O>
    where
        R: Data,
        K: Key,
        S: 'static,
        O: Data,
    {
        let (groups, peers) = (self.env.config().key_groups, self.env.peers());
        let by_key = move |x: &T| worker_for_key(&key(x), groups, peers);
        self.process_with_state_on(side, by_key, side_key, make, step)
    }

    /// As [`DataSet::process_with_state`], but each record of this data set goes to the
    /// worker `worker` names (in `0..peers`), not to the owner of a key: for records
    /// that hold a whole worker's share of something (a dense array of the values of
    /// the keys it owns, laid out by its state) and are addressed to a worker.
    ///
    /// # Panics
    /// When `side` is computed inside an iteration, or `worker` names no worker.
    pub fn process_with_state_on<R, K, S, O>(
        &self,
        side: &DataSet<'scope, R>,
        worker: impl Fn(&T) -> usize + 'static,
        side_key: impl Fn(&R) -> K + 'static,
        make: impl FnOnce(Vec<R>) -> S + 'static,
        step: impl FnMut(&mut S, Vec<T>, &mut Vec<O>) + 'static,
    ) -> DataSet<'scope, O>
    where
        R: Data,
        K: Key,
        S: 'static,
        O: Data,
    {
        assert!(
            side.iteration.is_none(),
            "process_with_state: the state's data set must come from outside iterations"
        );
        let (groups, peers) = (self.env.config().key_groups, self.env.peers());
        let to_worker = move |x: &T| {
            let w = worker(x);
            assert!(w < peers, "process_with_state_on: worker {w} of {peers}");
            w as u64
        };
        let by_side_key = move |x: &R| worker_for_key(&side_key(x), groups, peers) as u64;
        let tokens = self.iteration.as_ref().map(|it| it.tokens.clone());
        let stream = rounds_with_state(
            self.stream.clone(),
            side.stream.clone(),
            tokens,
            (Exchange::new(to_worker), Exchange::new(by_side_key)),
            make,
            step,
        );
        self.wrap(stream)
    }
}

/// The operator: inputs `probe` (rounds), `build` (time 0) and, in a loop, its tokens
/// (one per worker and round, at the round's time).
fn rounds_with_state<'s, T, R, S, O, P1, P2>(
    probe: StreamVec<'s, Time, T>,
    build: StreamVec<'s, Time, R>,
    tokens: Option<StreamVec<'s, Time, u32>>,
    pacts: (P1, P2),
    make: impl FnOnce(Vec<R>) -> S + 'static,
    mut step: impl FnMut(&mut S, Vec<T>, &mut Vec<O>) + 'static,
) -> StreamVec<'s, Time, O>
where
    T: Data,
    R: Data,
    S: 'static,
    O: Data,
    P1: super::Pact<T>,
    P2: super::Pact<R>,
{
    let mut builder = OperatorBuilder::new("ProcessWithState".to_string(), probe.scope());
    let mut probe_in = builder.new_input(probe, pacts.0);
    let mut build_in = builder.new_input(build, pacts.1);
    let in_loop = tokens.is_some();
    let mut token_in = tokens.map(|t| builder.new_input(t, Pipeline));
    let (output, stream) = builder.new_output::<Vec<O>>();
    let mut output = OutputBuilder::from(output);
    builder.build(move |caps| {
        // Outside a loop there is one round, time 0, whose capability we hold from the
        // start; in a loop every token brings its round's.
        let mut rounds: Vec<Capability<Time>> = if in_loop { Vec::new() } else { caps };
        let mut waiting: Vec<(Time, Vec<T>)> = Vec::new();
        let mut stored: Vec<R> = Vec::new();
        let mut make = Some(make);
        let mut state: Option<S> = None;
        move |frontiers| {
            let mut output = output.activate();
            probe_in.for_each(|cap, batch| {
                if let Some(&time) = cap.least() {
                    waiting.push((time, std::mem::take(batch)));
                }
            });
            build_in.for_each(|_, batch| stored.append(batch));
            if let Some(tokens) = token_in.as_mut() {
                tokens.for_each(|cap, _| rounds.extend(cap.retain_least(0)));
            }
            if state.is_none() {
                if !frontiers[1].frontier().is_empty() {
                    return;
                }
                let make = make.take().expect("the state is made once");
                state = Some(make(std::mem::take(&mut stored)));
            }
            let state = state.as_mut().expect("the state was made");
            rounds.retain(|cap| {
                let time = *cap.time();
                if frontiers[0].less_equal(&time) {
                    return true;
                }
                let mut records = Vec::new();
                waiting.retain_mut(|(t, batch)| {
                    let mine = *t == time;
                    if mine {
                        records.append(batch);
                    }
                    !mine
                });
                let mut produced = Vec::new();
                step(state, records, &mut produced);
                if !produced.is_empty() {
                    output.session(cap).give_container(&mut produced);
                }
                false
            });
        }
    });
    stream
}
