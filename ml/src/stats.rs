//! Column statistics of features and labels in one pass: per block, then merged
//! (count, sums, sums of squares, extremes), as scalers and the standardising
//! optimisers need.

use serde::{Deserialize, Serialize};
use strom_dataset::DataSet;

use crate::block::Block;

/// Statistics of features (per column) and labels.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub(crate) struct Stats {
    pub(crate) n: u64,
    pub(crate) sum: Vec<f64>,
    pub(crate) sum_sq: Vec<f64>,
    pub(crate) min: Vec<f64>,
    pub(crate) max: Vec<f64>,
    pub(crate) label_max: f64,
}

impl Stats {
    fn of(block: &Block) -> Stats {
        let d = block.dim;
        let mut s = Stats {
            n: block.rows() as u64,
            sum: vec![0.0; d],
            sum_sq: vec![0.0; d],
            min: vec![f64::INFINITY; d],
            max: vec![f64::NEG_INFINITY; d],
            label_max: f64::NEG_INFINITY,
        };
        for i in 0..block.rows() {
            for (j, &v) in block.row(i).iter().enumerate() {
                s.sum[j] += v;
                s.sum_sq[j] += v * v;
                s.min[j] = s.min[j].min(v);
                s.max[j] = s.max[j].max(v);
            }
            let y = block.y[i];
            s.label_max = s.label_max.max(y);
        }
        s
    }

    fn merge(mut self, o: Stats) -> Stats {
        if self.n == 0 {
            return o;
        }
        if o.n == 0 {
            return self;
        }
        self.n += o.n;
        for j in 0..self.sum.len() {
            self.sum[j] += o.sum[j];
            self.sum_sq[j] += o.sum_sq[j];
            self.min[j] = self.min[j].min(o.min[j]);
            self.max[j] = self.max[j].max(o.max[j]);
        }
        self.label_max = self.label_max.max(o.label_max);
        self
    }

    pub(crate) fn dim(&self) -> usize {
        self.sum.len()
    }

    /// Standard deviations: with `unbiased`, over `n - 1` (Spark's scalers), else over
    /// `n` (scikit-learn's `StandardScaler`).
    pub(crate) fn std(&self, unbiased: bool) -> Vec<f64> {
        let n = self.n as f64;
        let denom = if unbiased {
            (n - 1.0).max(1.0)
        } else {
            n.max(1.0)
        };
        self.sum
            .iter()
            .zip(&self.sum_sq)
            .map(|(s, q)| ((q - s * s / n.max(1.0)) / denom).max(0.0).sqrt())
            .collect()
    }

    /// The number of classes (of labels checked by `Table::class_points`).
    pub(crate) fn classes(&self) -> usize {
        self.label_max.max(0.0) as usize + 1
    }
}

/// The statistics of all blocks: one record on worker 0 (none without blocks).
pub(crate) fn stats<'s>(blocks: &DataSet<'s, Block>) -> DataSet<'s, Stats> {
    blocks.map(|b| Stats::of(&b)).reduce(Stats::merge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_stats_are_the_stats_of_all_rows() {
        let a = Block {
            dim: 2,
            x: vec![1.0, 2.0, 3.0, -4.0],
            y: vec![0.0, 1.0],
        };
        let b = Block {
            dim: 2,
            x: vec![5.0, 0.0],
            y: vec![2.0],
        };
        let s = Stats::of(&a).merge(Stats::of(&b));
        assert_eq!(s.n, 3);
        assert_eq!(s.sum, vec![9.0, -2.0]);
        assert_eq!(s.min, vec![1.0, -4.0]);
        assert_eq!(s.max, vec![5.0, 2.0]);
        // Population variance of 1, 3, 5 is 8/3.
        assert!((s.std(false)[0] - (8.0f64 / 3.0).sqrt()).abs() < 1e-12);
        assert!((s.std(true)[0] - 2.0).abs() < 1e-12);
        assert_eq!(s.classes(), 3);
    }
}
