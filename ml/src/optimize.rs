//! Minimising a regularised empirical loss as a bulk iteration: one record of L-BFGS
//! state circulates (on worker 0); every superstep each worker evaluates the loss and
//! its gradient on its blocks at the state's point (the state read as a broadcast
//! variable), an iteration aggregator sums the partials of all workers (merged in
//! worker order, so every worker holds the same sum), and the state takes one step.
//! A second aggregator votes on convergence. See `docs/0021-ml-optimiser-and-models.md`.

use serde::{Deserialize, Serialize};
use strom_dataset::{DataSet, agg};

use crate::block::Block;
use crate::lbfgs::{Lbfgs, LbfgsConfig};

/// A loss summed over points: `eval` adds each row's gradient into `grad` and returns
/// the summed loss.
pub(crate) trait Loss: Clone + 'static {
    fn eval(&self, block: &Block, w: &[f64], grad: &mut [f64]) -> f64;
}

/// Summed loss, gradient and number of rows.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct LossSum {
    loss: f64,
    grad: Vec<f64>,
    rows: u64,
}

fn add_sums(acc: &mut LossSum, other: &LossSum) {
    if acc.grad.is_empty() {
        acc.grad = vec![0.0; other.grad.len()];
    }
    for (a, b) in acc.grad.iter_mut().zip(&other.grad) {
        *a += b;
    }
    acc.loss += other.loss;
    acc.rows += other.rows;
}

/// The objective: mean loss plus `reg / 2` times the squared norm of the penalised
/// weights (`penalised[j]` is 1 for those, 0 for intercepts).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Objective {
    pub(crate) reg: f64,
    pub(crate) penalised: Vec<f64>,
}

impl Objective {
    fn value(&self, sums: &LossSum, w: &[f64]) -> (f64, Vec<f64>) {
        let n = sums.rows.max(1) as f64;
        let mut f = sums.loss / n;
        let mut g: Vec<f64> = if sums.grad.is_empty() {
            vec![0.0; w.len()]
        } else {
            sums.grad.iter().map(|v| v / n).collect()
        };
        for ((gj, wj), pj) in g.iter_mut().zip(w).zip(&self.penalised) {
            f += 0.5 * self.reg * pj * wj * wj;
            *gj += self.reg * pj * wj;
        }
        (f, g)
    }
}

/// The optimiser and what it minimises.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OptState {
    pub(crate) lbfgs: Lbfgs,
    pub(crate) objective: Objective,
}

impl OptState {
    /// Starts at `start`.
    pub(crate) fn new(start: Vec<f64>, objective: Objective, config: LbfgsConfig) -> Self {
        OptState {
            lbfgs: Lbfgs::new(start, config),
            objective,
        }
    }

    fn point(&self) -> Option<&[f64]> {
        self.lbfgs.point()
    }
}

/// Minimises the objective of `init` (one record, made from statistics of the data)
/// over `blocks`, in at most `max_iter` accepted steps; the result is one record (the
/// final state) on worker 0.
pub(crate) fn minimize<'s, L: Loss>(
    blocks: &DataSet<'s, Block>,
    loss: L,
    init: &DataSet<'s, OptState>,
    max_iter: u32,
) -> DataSet<'s, OptState> {
    // Each accepted step needs one evaluation, plus a few for backtracking.
    let rounds = max_iter.saturating_mul(4).saturating_add(1);
    init.iterate(rounds, move |it, state| {
        let loss = loss.clone();
        let partials =
            blocks.flat_map_with_broadcast(&state, move |block: Block, s: &[OptState]| {
                let point = s.first().and_then(OptState::point)?;
                let mut grad = vec![0.0; point.len()];
                let l = loss.eval(&block, point, &mut grad);
                Some(LossSum {
                    loss: l,
                    grad,
                    rows: block.rows() as u64,
                })
            });
        let total = it.aggregate(
            &partials,
            agg::custom(
                LossSum::default,
                |acc: &mut LossSum, x: &LossSum| add_sums(acc, x),
                |acc: &mut LossSum, other: LossSum| add_sums(acc, &other),
                |acc: LossSum| acc,
            ),
        );
        let next = state.map_with_broadcast(&total.current(), |mut s: OptState, t: &[LossSum]| {
            if let Some(point) = s.point() {
                let (f, g) = s.objective.value(&t[0], point);
                s.lbfgs = s.lbfgs.step(f, g);
            }
            s
        });
        let done = it.aggregate(
            &next,
            agg::custom(
                || false,
                |acc: &mut bool, s: &OptState| *acc |= s.lbfgs.done(),
                |acc: &mut bool, other: bool| *acc |= other,
                |acc: bool| acc,
            ),
        );
        it.converge_when(&done, |d| *d);
        next
    })
}
