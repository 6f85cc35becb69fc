//! k-means with k-means|| initialisation (Bahmani et al., as Spark's), both as bulk
//! iterations over blocks of points.
//!
//! Initialisation: the first candidate is the point of smallest seeded hash; each of
//! `init-steps` supersteps sums the squared distances `φ` of all points to their nearest
//! candidate (an iteration aggregator) and then keeps each point with probability
//! `min(1, 2k · d² / φ)`, decided by a seeded hash of the point and the step, so the
//! sample does not depend on the worker count or order. The candidates, weighted by
//! the points nearest to them, are reduced to `k` centres by k-means++ and Lloyd's
//! steps on one worker. Training: each superstep every worker sums the points nearest
//! each centre over its blocks, an aggregator merges the sums, and the centres move to
//! the means; it stops when no centre moves more than `tol` or after `max-iter` steps.

use serde::{Deserialize, Serialize};
use strom_dataset::{DataSet, agg};

use crate::block::{Block, blocks};
use crate::error::Result;
use crate::params::{Params, check, params};
use crate::split::SeededHash;
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{ColumnType, Schema, Table, Value, feature_extractor, put};
use crate::vector::LabeledPoint;

/// The k-means estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KMeans {
    /// Feature columns (empty: every numeric column).
    pub features: Vec<String>,
    /// The output column of cluster indices (default `prediction`).
    pub prediction: String,
    /// Clusters (default 2).
    pub k: usize,
    /// Most Lloyd steps (default 100).
    pub max_iter: u32,
    /// Stop when no centre moves further than this (default 1e-6).
    pub tol: f64,
    /// Seed of the initialisation (default 1).
    pub seed: u64,
    /// Sampling steps of k-means|| (default 2).
    pub init_steps: u32,
}

impl Default for KMeans {
    fn default() -> Self {
        KMeans {
            features: Vec::new(),
            prediction: "prediction".into(),
            k: 2,
            max_iter: 100,
            tol: 1e-6,
            seed: 1,
            init_steps: 2,
        }
    }
}

params!(KMeans {
    with_features "features" => features: Vec<String>,
    with_prediction "prediction" => prediction: String,
    with_k "k" => k: usize,
    with_max_iter "max-iter" => max_iter: u32,
    with_tol "tol" => tol: f64,
    with_seed "seed" => seed: u64,
    with_init_steps "init-steps" => init_steps: u32,
} validate(&self) {
    check("k", self.k >= 1, "must be at least 1")?;
    check("max-iter", self.max_iter >= 1, "must be at least 1")?;
    check("init-steps", self.init_steps >= 1, "must be at least 1")?;
    check("tol", self.tol >= 0.0, "must be ≥ 0")
});

fn dist2(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The index of the nearest centre and the squared distance to it.
fn nearest(x: &[f64], centres: &[Vec<f64>]) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (i, c) in centres.iter().enumerate() {
        let d = dist2(x, c);
        if d < best.1 {
            best = (i, d);
        }
    }
    best
}

/// A seeded hash of a point (its bits) and a salt, uniform in [0, 1).
fn unit_hash(x: &[f64], seed: u64, salt: u64) -> f64 {
    let mut h = SeededHash::new(seed, salt);
    for v in x {
        h.add(v.to_bits());
    }
    h.unit()
}

fn concat<T>(mut a: Vec<T>, mut b: Vec<T>) -> Vec<T> {
    a.append(&mut b);
    a
}

fn vec_sum(acc: &mut (f64, Vec<f64>), other: &(f64, Vec<f64>)) {
    acc.0 += other.0;
    if acc.1.len() < other.1.len() {
        acc.1.resize(other.1.len(), 0.0);
    }
    for (a, b) in acc.1.iter_mut().zip(&other.1) {
        *a += b;
    }
}

/// k-means++ on weighted candidates, then Lloyd's steps on them (one worker).
fn reduce_candidates(cands: &[Vec<f64>], weights: &[f64], k: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut centres = vec![cands[0].clone()];
    let mut step = 0u64;
    while centres.len() < k.min(cands.len()) {
        step += 1;
        let d: Vec<f64> = cands
            .iter()
            .zip(weights)
            .map(|(c, w)| w * nearest(c, &centres).1)
            .collect();
        let total: f64 = d.iter().sum();
        if total <= 0.0 {
            break;
        }
        let mut target = unit_hash(&[step as f64], seed, 7) * total;
        let mut pick = d.len() - 1;
        for (i, di) in d.iter().enumerate() {
            if target < *di {
                pick = i;
                break;
            }
            target -= di;
        }
        centres.push(cands[pick].clone());
    }
    for _ in 0..30 {
        let dim = centres[0].len();
        let mut sums = vec![vec![0.0; dim]; centres.len()];
        let mut counts = vec![0.0; centres.len()];
        for (c, w) in cands.iter().zip(weights) {
            let (i, _) = nearest(c, &centres);
            counts[i] += w;
            for (s, v) in sums[i].iter_mut().zip(c) {
                *s += w * v;
            }
        }
        for (i, centre) in centres.iter_mut().enumerate() {
            if counts[i] > 0.0 {
                *centre = sums[i].iter().map(|s| s / counts[i]).collect();
            }
        }
    }
    centres
}

fn sorted_unique(mut points: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    points.sort_by(|a, b| {
        a.iter()
            .zip(b)
            .map(|(x, y)| x.total_cmp(y))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    points.dedup();
    points
}

/// k-means|| candidates and their weights, reduced to k initial centres (one record).
fn init<'s>(
    data: &DataSet<'s, Block>,
    k: usize,
    seed: u64,
    steps: u32,
) -> DataSet<'s, Vec<Vec<f64>>> {
    let first = data
        .flat_map(move |b: Block| {
            (0..b.rows())
                .map(|i| (unit_hash(b.row(i), seed, 0), b.row(i).to_vec()))
                .min_by(|a, c| a.0.total_cmp(&c.0))
        })
        .reduce(|a, b| if b.0 < a.0 { b } else { a })
        .map(|(_, p)| vec![p]);
    let over = 2.0 * k as f64;
    let blocks = data.clone();
    let cands = first.iterate(steps, move |it, cands| {
        let costs = blocks.map_with_broadcast(&cands, |b: Block, c: &[Vec<Vec<f64>>]| {
            (0..b.rows())
                .map(|i| nearest(b.row(i), &c[0]).1)
                .sum::<f64>()
        });
        let phi = it.aggregate(&costs, agg::sum(|x: &f64| *x));
        let step = it.superstep();
        let with_phi = cands
            .map_with_broadcast(&phi.current(), |c, p: &[f64]| (c, p[0]))
            .map_with_broadcast(&step, |(c, p), s: &[u32]| (c, p, s[0]));
        let sampled = blocks.map_with_broadcast(
            &with_phi,
            move |b: Block, v: &[(Vec<Vec<f64>>, f64, u32)]| {
                let (c, phi, s) = &v[0];
                (0..b.rows())
                    .filter(|&i| {
                        let d = nearest(b.row(i), c).1;
                        *phi > 0.0 && unit_hash(b.row(i), seed, u64::from(*s)) < over * d / phi
                    })
                    .map(|i| b.row(i).to_vec())
                    .collect::<Vec<_>>()
            },
        );
        let new = it.aggregate(
            &sampled,
            agg::custom(
                Vec::new,
                |a: &mut Vec<Vec<f64>>, x: &Vec<Vec<f64>>| a.extend(x.iter().cloned()),
                |a: &mut Vec<Vec<f64>>, o| a.extend(o),
                |a| a,
            ),
        );
        cands.map_with_broadcast(&new.current(), |c, n: &[Vec<Vec<f64>>]| {
            sorted_unique(concat(c, n[0].clone()))
        })
    });
    let weights = data
        .map_with_broadcast(&cands, |b: Block, c: &[Vec<Vec<f64>>]| {
            let mut w = vec![0.0; c[0].len()];
            for i in 0..b.rows() {
                w[nearest(b.row(i), &c[0]).0] += 1.0;
            }
            (0.0, w)
        })
        .reduce(|mut a, b| {
            vec_sum(&mut a, &b);
            a
        });
    cands.map_with_broadcast(&weights, move |c, w: &[(f64, Vec<f64>)]| {
        reduce_candidates(&c, &w[0].1, k, seed)
    })
}

impl Estimator for KMeans {
    type Model = KMeansModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        let _ = feature_extractor(input, &self.inputs(input))?;
        Ok(input.with_column(&self.prediction, ColumnType::Number))
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, KMeansModel>> {
        self.validate()?;
        let mut params = self.clone();
        params.features = self.inputs(&table.schema);
        let extract = feature_extractor(&table.schema, &params.features)?;
        let points: DataSet<'s, LabeledPoint> =
            table.rows.map(move |r| LabeledPoint::new(0.0, extract(&r)));
        let data = blocks(&points);
        let start = init(&data, self.k, self.seed, self.init_steps);
        let tol2 = self.tol * self.tol;
        let lloyd_blocks = data.clone();
        let centres = start.iterate(self.max_iter, move |it, centres| {
            let sums =
                lloyd_blocks.map_with_broadcast(&centres, |b: Block, c: &[Vec<Vec<f64>>]| {
                    let c = &c[0];
                    let dim = b.dim;
                    // Per centre: count, then the coordinate sums.
                    let mut acc = vec![0.0; c.len() * (dim + 1)];
                    for i in 0..b.rows() {
                        let (j, _) = nearest(b.row(i), c);
                        let at = j * (dim + 1);
                        acc[at] += 1.0;
                        for (s, v) in acc[at + 1..at + 1 + dim].iter_mut().zip(b.row(i)) {
                            *s += v;
                        }
                    }
                    (0.0, acc)
                });
            let total = it.aggregate(
                &sums,
                agg::custom(
                    || (0.0, Vec::new()),
                    vec_sum,
                    |a: &mut (f64, Vec<f64>), o| vec_sum(a, &o),
                    |a| a.1,
                ),
            );
            let moved =
                centres.map_with_broadcast(&total.current(), |c: Vec<Vec<f64>>, t: &[Vec<f64>]| {
                    let dim = c[0].len();
                    let next: Vec<Vec<f64>> = c
                        .iter()
                        .enumerate()
                        .map(|(j, old)| {
                            let at = j * (dim + 1);
                            let n = t[0].get(at).copied().unwrap_or(0.0);
                            if n > 0.0 {
                                t[0][at + 1..at + 1 + dim].iter().map(|s| s / n).collect()
                            } else {
                                old.clone()
                            }
                        })
                        .collect();
                    let shift = c
                        .iter()
                        .zip(&next)
                        .map(|(a, b)| dist2(a, b))
                        .fold(0.0, f64::max);
                    (next, shift)
                });
            let shift = it.aggregate(
                &moved,
                agg::custom(
                    || 0.0,
                    |a: &mut f64, m: &(Vec<Vec<f64>>, f64)| *a = a.max(m.1),
                    |a: &mut f64, o: f64| *a = a.max(o),
                    |a| a,
                ),
            );
            it.converge_when(&shift, move |s| *s <= tol2);
            moved.map(|(c, _)| c)
        });
        let cost = data
            .map_with_broadcast(&centres, |b: Block, c: &[Vec<Vec<f64>>]| {
                (0..b.rows())
                    .map(|i| nearest(b.row(i), &c[0]).1)
                    .sum::<f64>()
            })
            .reduce(|a, b| a + b);
        let model = centres.map_with_broadcast(&cost, move |centres, cost: &[f64]| KMeansModel {
            params: params.clone(),
            centres,
            inertia: cost[0],
        });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

impl KMeans {
    fn inputs(&self, schema: &Schema) -> Vec<String> {
        if self.features.is_empty() {
            schema.numeric_columns_except(&[&self.prediction])
        } else {
            self.features.clone()
        }
    }
}

/// A fitted k-means model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KMeansModel {
    /// The parameters it was fitted with (features resolved).
    pub params: KMeans,
    /// The cluster centres.
    pub centres: Vec<Vec<f64>>,
    /// Sum of squared distances of the training points to their nearest centre.
    pub inertia: f64,
}

impl KMeansModel {
    /// The index of the centre nearest to `x`.
    pub fn predict(&self, x: &[f64]) -> usize {
        nearest(x, &self.centres).0
    }
}

impl Model for KMeansModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.params.output_schema(input)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let extract = feature_extractor(input, &self.params.features)?;
        let at = self.schema(input)?.index(&self.params.prediction)?;
        let centres = self.centres.clone();
        Ok(Box::new(move |mut row| {
            let x = extract(&row).to_dense();
            put(&mut row, at, Value::Num(nearest(&x, &centres).0 as f64));
            row
        }))
    }
}
