//! The online learner operator over DataStream: a stream of training records updates a
//! model, and each request `(id, features)` of a second stream is answered with
//! `(id, answer)` from the latest model ([`online`]; FTRL and online k-means are its
//! models).
//!
//! The two streams are connected and keyed to one key, so the model is keyed value
//! state: it goes into every checkpoint and is restored with the job, with no code of
//! its own. Records wait, per event time, in keyed map state for the watermark to pass
//! that time (an event-time timer); then the time's training records update the model
//! as one batch ([`OnlineModel::train`], which orders it canonically) and its
//! requests, by id, are answered. So a request at time `t` sees exactly the training
//! records of times up to `t`, whatever the arrival order and the worker count. Each
//! time with training records also emits the updated model on the side output.
//! Known limitation: the model (one key) trains on one worker; the other workers only
//! route records to it; a record waits for the watermark.

use serde::{Deserialize, Serialize};
use strom_datastream::process::{Context, MapState, ValueState};
use strom_datastream::{DataStream, KeyedCoProcessFunction};

use crate::vector::Vector;

/// A model that learns from a stream.
pub trait OnlineModel: strom_datastream::Data {
    /// A training record.
    type Train: strom_datastream::Data;

    /// Updates the model with the training records of one event time (in any order:
    /// an implementation orders them canonically first, for a deterministic result).
    fn train(&mut self, batch: Vec<Self::Train>);

    /// The answer to a request for `x` (a probability, a cluster index, ...).
    fn answer(&self, x: &Vector) -> f64;
}

/// A total order of vectors by their entries' bits (for canonical batch orders).
pub(crate) fn canonical(a: &Vector, b: &Vector) -> std::cmp::Ordering {
    let bits = |v: &Vector| -> Vec<(usize, u64)> {
        v.iter_active().map(|(i, x)| (i, x.to_bits())).collect()
    };
    bits(a).cmp(&bits(b))
}

/// The records of one event time, waiting for the watermark.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pending<T> {
    train: Vec<T>,
    requests: Vec<(u64, Vector)>,
}

impl<T> Default for Pending<T> {
    fn default() -> Self {
        Pending {
            train: Vec::new(),
            requests: Vec::new(),
        }
    }
}

/// The keyed co-process function: training records first, requests second.
struct Online<M: OnlineModel> {
    initial: M,
    model: ValueState<M>,
    pending: MapState<i64, Pending<M::Train>>,
}

type Ctx<'a, M> = Context<'a, u8, (u64, f64), M>;

impl<M: OnlineModel> Online<M> {
    fn hold(&mut self, ctx: &mut Ctx<'_, M>, add: impl FnOnce(&mut Pending<M::Train>)) {
        let ts = ctx.timestamp();
        let mut p = self.pending.get(ctx, &ts).unwrap_or_default();
        add(&mut p);
        self.pending.put(ctx, ts, p);
        ctx.register_event_time_timer(ts);
    }
}

impl<M: OnlineModel> KeyedCoProcessFunction<u8, M::Train, (u64, Vector)> for Online<M> {
    type Out = (u64, f64);
    type Side = M;

    fn process_element1(&mut self, value: M::Train, ctx: &mut Ctx<'_, M>) {
        self.hold(ctx, |p| p.train.push(value));
    }

    fn process_element2(&mut self, value: (u64, Vector), ctx: &mut Ctx<'_, M>) {
        self.hold(ctx, |p| p.requests.push(value));
    }

    fn on_timer(&mut self, ts: i64, ctx: &mut Ctx<'_, M>) {
        let Some(mut p) = self.pending.get(ctx, &ts) else {
            return;
        };
        self.pending.remove(ctx, &ts);
        let mut model = self
            .model
            .value(ctx)
            .unwrap_or_else(|| self.initial.clone());
        if !p.train.is_empty() {
            model.train(std::mem::take(&mut p.train));
            ctx.output(model.clone());
            self.model.update(ctx, model.clone());
        }
        p.requests.sort_by_key(|r| r.0);
        for (id, x) in p.requests {
            ctx.collect((id, model.answer(&x)));
        }
    }
}

/// What [`online`] gives.
pub struct OnlineOutputs<'s, M> {
    /// `(request id, answer)` per request, at the request's event time.
    pub predictions: DataStream<'s, (u64, f64)>,
    /// The model after each event time with training records.
    pub models: DataStream<'s, M>,
}

/// Trains `initial` on `training` and answers `requests` from the model of the
/// training records up to each request's event time.
pub fn online<'s, M: OnlineModel>(
    training: &DataStream<'s, M::Train>,
    requests: &DataStream<'s, (u64, Vector)>,
    initial: M,
) -> OnlineOutputs<'s, M> {
    let out = training
        .connect(requests)
        .key_by(|_| 0u8, |_| 0u8)
        .co_process(Online {
            initial,
            model: ValueState::new("online-model"),
            pending: MapState::new("online-pending"),
        });
    OnlineOutputs {
        predictions: out.main,
        models: out.side,
    }
}
