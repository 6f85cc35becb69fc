//! Online logistic regression over DataStream, trained with FTRL-Proximal (McMahan et
//! al., "Ad click prediction: a view from the trenches", 2013, algorithm 1): per
//! coordinate `i` the state `zᵢ, nᵢ` gives the weight
//! `wᵢ = 0` if `|zᵢ| ≤ l1`, else `−(zᵢ − sign(zᵢ)·l1) / ((beta + √nᵢ) / alpha + l2)`; a
//! labelled point `(x, y)` predicts `p = σ(w·x + b)` and, for every `xᵢ ≠ 0`, with
//! `gᵢ = (p − y)·xᵢ` and `σᵢ = (√(nᵢ + gᵢ²) − √nᵢ) / alpha`, sets `zᵢ += gᵢ − σᵢ·wᵢ`,
//! `nᵢ += gᵢ²`. The intercept `b` is a coordinate whose feature is always 1.
//!
//! [`ftrl`] connects a stream of labelled points (training) with a stream of
//! `(id, features)` requests and answers each request with `(id, P(class 1))` from the
//! latest model. The model is keyed state of one key, so it is in every checkpoint and
//! restored with the job. Records wait, per event time, for the watermark to pass it;
//! then the time's training points update the model (in a canonical order: by label,
//! then features) and its requests (by id) are answered, so a request at time `t` sees
//! exactly the training points of times up to `t`, at any worker count and arrival
//! order. Each time with training points also emits the model on the side output.
//! Known limitation: one model (one key) trains on one worker, as FTRL's sequential
//! per-coordinate updates do; the other workers only route records to it.

use serde::{Deserialize, Serialize};
use strom_datastream::process::{Context, MapState, ValueState};
use strom_datastream::{DataStream, KeyedCoProcessFunction};

use crate::error::Result;
use crate::params::{Params, check, params};
use crate::vector::{LabeledPoint, Vector};

/// FTRL-Proximal's parameters (the paper's names).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ftrl {
    /// The learning rate's scale `alpha` > 0 (default 0.1).
    pub alpha: f64,
    /// The learning rate's smoothing `beta` ≥ 0 (default 1).
    pub beta: f64,
    /// L1 regularisation ≥ 0 (default 0).
    pub l1: f64,
    /// L2 regularisation ≥ 0 (default 0).
    pub l2: f64,
}

impl Default for Ftrl {
    fn default() -> Self {
        Ftrl {
            alpha: 0.1,
            beta: 1.0,
            l1: 0.0,
            l2: 0.0,
        }
    }
}

params!(Ftrl {
    with_alpha "alpha" => alpha: f64,
    with_beta "beta" => beta: f64,
    with_l1 "l1" => l1: f64,
    with_l2 "l2" => l2: f64,
} validate(&self) {
    check("alpha", self.alpha > 0.0 && self.alpha.is_finite(), "must be a number > 0")?;
    check("beta", self.beta >= 0.0 && self.beta.is_finite(), "must be a number ≥ 0")?;
    check("l1", self.l1 >= 0.0 && self.l1.is_finite(), "must be a number ≥ 0")?;
    check("l2", self.l2 >= 0.0 && self.l2.is_finite(), "must be a number ≥ 0")
});

/// An FTRL-Proximal logistic regression model: per coordinate `z` and `n` (the last
/// coordinate is the intercept's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FtrlModel {
    /// The parameters.
    pub params: Ftrl,
    /// `z` per feature.
    pub z: Vec<f64>,
    /// `n` (sum of squared gradients) per feature.
    pub n: Vec<f64>,
    /// `z` and `n` of the intercept.
    pub intercept: (f64, f64),
    /// Training points seen.
    pub seen: u64,
}

impl FtrlModel {
    /// A model that has seen nothing (all weights 0).
    pub fn new(params: Ftrl) -> Self {
        FtrlModel {
            params,
            z: Vec::new(),
            n: Vec::new(),
            intercept: (0.0, 0.0),
            seen: 0,
        }
    }

    fn weight(&self, (z, n): (f64, f64)) -> f64 {
        let p = &self.params;
        if z.abs() <= p.l1 {
            0.0
        } else {
            -(z - z.signum() * p.l1) / ((p.beta + n.sqrt()) / p.alpha + p.l2)
        }
    }

    fn coordinate(&self, i: usize) -> (f64, f64) {
        (
            self.z.get(i).copied().unwrap_or(0.0),
            self.n.get(i).copied().unwrap_or(0.0),
        )
    }

    /// The weights of the features and the intercept.
    pub fn weights(&self) -> (Vec<f64>, f64) {
        let w = (0..self.z.len())
            .map(|i| self.weight(self.coordinate(i)))
            .collect();
        (w, self.weight(self.intercept))
    }

    /// `P(class 1)` of `x`.
    pub fn predict(&self, x: &Vector) -> f64 {
        let z: f64 = x
            .iter_active()
            .map(|(i, v)| v * self.weight(self.coordinate(i)))
            .sum::<f64>()
            + self.weight(self.intercept);
        1.0 / (1.0 + (-z).exp())
    }

    /// One FTRL-Proximal step on `point` (label 0 or 1).
    pub fn update(&mut self, point: &LabeledPoint) {
        let p = self.predict(&point.features) - point.label;
        let alpha = self.params.alpha;
        let step = |w: f64, (z, n): (f64, f64), x: f64| {
            let g = p * x;
            let sigma = ((n + g * g).sqrt() - n.sqrt()) / alpha;
            (z + g - sigma * w, n + g * g)
        };
        let active: Vec<(usize, f64)> = point
            .features
            .iter_active()
            .filter(|(_, v)| *v != 0.0)
            .collect();
        let updates: Vec<(usize, (f64, f64))> = active
            .iter()
            .map(|&(i, x)| {
                let c = self.coordinate(i);
                (i, step(self.weight(c), c, x))
            })
            .collect();
        let b = step(self.weight(self.intercept), self.intercept, 1.0);
        for (i, (z, n)) in updates {
            if self.z.len() <= i {
                self.z.resize(i + 1, 0.0);
                self.n.resize(i + 1, 0.0);
            }
            (self.z[i], self.n[i]) = (z, n);
        }
        self.intercept = b;
        self.seen += 1;
    }
}

/// The records of one event time, waiting for the watermark.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Pending {
    train: Vec<LabeledPoint>,
    requests: Vec<(u64, Vector)>,
}

/// The keyed co-process function: training points first, requests second.
struct Online {
    params: Ftrl,
    model: ValueState<FtrlModel>,
    pending: MapState<i64, Pending>,
}

type Ctx<'a> = Context<'a, u8, (u64, f64), FtrlModel>;

impl Online {
    fn hold(&mut self, ctx: &mut Ctx<'_>, add: impl FnOnce(&mut Pending)) {
        let ts = ctx.timestamp();
        let mut p = self.pending.get(ctx, &ts).unwrap_or_default();
        add(&mut p);
        self.pending.put(ctx, ts, p);
        ctx.register_event_time_timer(ts);
    }
}

fn canonical(a: &LabeledPoint, b: &LabeledPoint) -> std::cmp::Ordering {
    let bits = |p: &LabeledPoint| -> Vec<(usize, u64)> {
        p.features
            .iter_active()
            .map(|(i, v)| (i, v.to_bits()))
            .collect()
    };
    a.label
        .total_cmp(&b.label)
        .then_with(|| bits(a).cmp(&bits(b)))
}

impl KeyedCoProcessFunction<u8, LabeledPoint, (u64, Vector)> for Online {
    type Out = (u64, f64);
    type Side = FtrlModel;

    fn process_element1(&mut self, value: LabeledPoint, ctx: &mut Ctx<'_>) {
        self.hold(ctx, |p| p.train.push(value));
    }

    fn process_element2(&mut self, value: (u64, Vector), ctx: &mut Ctx<'_>) {
        self.hold(ctx, |p| p.requests.push(value));
    }

    fn on_timer(&mut self, ts: i64, ctx: &mut Ctx<'_>) {
        let Some(mut p) = self.pending.get(ctx, &ts) else {
            return;
        };
        self.pending.remove(ctx, &ts);
        let mut model = self
            .model
            .value(ctx)
            .unwrap_or_else(|| FtrlModel::new(self.params.clone()));
        if !p.train.is_empty() {
            p.train.sort_by(canonical);
            for point in &p.train {
                model.update(point);
            }
            ctx.output(model.clone());
            self.model.update(ctx, model.clone());
        }
        p.requests.sort_by_key(|r| r.0);
        for (id, x) in p.requests {
            ctx.collect((id, model.predict(&x)));
        }
    }
}

/// What [`ftrl`] gives.
pub struct OnlineOutputs<'s> {
    /// `(request id, P(class 1))` per request, at the request's event time.
    pub predictions: DataStream<'s, (u64, f64)>,
    /// The model after each event time with training points.
    pub models: DataStream<'s, FtrlModel>,
}

/// Online logistic regression: `training` (labels 0/1) updates the model, each request
/// of `requests` is answered from the model of the training points up to its time.
///
/// # Errors
/// [`crate::Error::Param`] for a bad parameter.
pub fn ftrl<'s>(
    training: &DataStream<'s, LabeledPoint>,
    requests: &DataStream<'s, (u64, Vector)>,
    params: Ftrl,
) -> Result<OnlineOutputs<'s>> {
    params.validate()?;
    let out = training
        .connect(requests)
        .key_by(|_| 0u8, |_| 0u8)
        .co_process(Online {
            params,
            model: ValueState::new("ftrl-model"),
            pending: MapState::new("ftrl-pending"),
        });
    Ok(OnlineOutputs {
        predictions: out.main,
        models: out.side,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_step_by_hand() {
        let mut m = FtrlModel::new(Ftrl::default().with_alpha(0.5).with_beta(1.0));
        // All weights 0: p = 0.5; label 1: g = −0.5 for x = 2 (g = −1) and the intercept.
        m.update(&LabeledPoint::new(1.0, Vector::dense(vec![2.0])));
        // σ = (√1 − 0) / 0.5 = 2 for x, w was 0: z = −1, n = 1; intercept z = −0.5, n = 0.25.
        assert_eq!((m.z.clone(), m.n.clone()), (vec![-1.0], vec![1.0]));
        assert_eq!(m.intercept, (-0.5, 0.25));
        // w = 1 / ((1 + 1) / 0.5) = 0.25; b = 0.5 / ((1 + 0.5) / 0.5) = 1/6.
        let (w, b) = m.weights();
        assert_eq!(w, vec![0.25]);
        assert!((b - 1.0 / 6.0).abs() < 1e-15);
        let l1 = FtrlModel {
            params: Ftrl::default().with_l1(2.0),
            ..m
        };
        assert_eq!(l1.weights(), (vec![0.0], 0.0));
    }
}
