//! Bucketing numeric columns. The [`Bucketizer`] (Spark's) maps a value to the index
//! `i` of the bucket `[splits[i], splits[i+1])` that holds it (the last bucket includes
//! its upper split), as `np.digitize` does inside the splits. The
//! [`QuantileDiscretizer`] learns the splits: the exact quantiles `0, 1/n, ..., 1` of
//! each column, with NumPy's interpolation, edges closer than 1e-8 to the one before
//! dropped and the outer two replaced by ±∞, as scikit-learn's
//! `KBinsDiscretizer(strategy="quantile", encode="ordinal")` does; it fits a
//! `Bucketizer`.
//!
//! A value outside the splits, or a missing one, gives a missing bucket (NaN), which a
//! later stage's checks report naming the column; with `handle-invalid=keep` it goes
//! to an extra bucket, the number of buckets (Spark's `keep`, which only does so for
//! NaN and fails on values outside the splits).

use serde::{Deserialize, Serialize};

use crate::column_values::{numeric_schema, outputs, per_column, positions, quantile};
use crate::error::{Error, Result};
use crate::features::fitted_as_is;
use crate::params::{Params, check, choice_param, params};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{Schema, Table, Value, num, put};

/// What becomes of a value outside the splits, or a missing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HandleInvalid {
    /// Its bucket is missing (NaN).
    Missing,
    /// Its bucket is an extra one, after the last.
    Keep,
}

choice_param!(HandleInvalid {
    "missing" => HandleInvalid::Missing,
    "keep" => HandleInvalid::Keep,
});

/// Numeric columns to bucket indices by fixed splits.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bucketizer {
    /// The numeric input columns.
    pub input: Vec<String>,
    /// The output columns, one per input (default: `<input>_bucket`).
    pub output: Vec<String>,
    /// Strictly increasing splits (at least two): one list for every column, or one
    /// list per column.
    pub splits: Vec<Vec<f64>>,
    /// Values outside the splits and missing ones (default: a missing bucket).
    pub handle_invalid: HandleInvalid,
}

impl Bucketizer {
    /// A bucketizer of `input` by `splits` (for every column).
    pub fn new(input: &[&str], splits: &[f64]) -> Self {
        Bucketizer {
            input: input.iter().map(|c| c.to_string()).collect(),
            output: Vec::new(),
            splits: vec![splits.to_vec()],
            handle_invalid: HandleInvalid::Missing,
        }
    }

    /// The splits of input column `i`.
    pub fn splits_of(&self, i: usize) -> &[f64] {
        &self.splits[if self.splits.len() == 1 { 0 } else { i }]
    }

    /// The bucket of `x` in input column `i`.
    pub fn bucket(&self, i: usize, x: f64) -> f64 {
        let splits = self.splits_of(i);
        let last = splits.len() - 1;
        if x.is_nan() || x < splits[0] || x > splits[last] {
            return match self.handle_invalid {
                HandleInvalid::Missing => f64::NAN,
                HandleInvalid::Keep => last as f64,
            };
        }
        (splits.partition_point(|s| *s <= x).min(last) - 1) as f64
    }
}

params!(Bucketizer {
    with_input "input" => input: Vec<String>,
    with_output "output" => output: Vec<String>,
    with_splits "splits" => splits: Vec<Vec<f64>>,
    with_handle_invalid "handle-invalid" => handle_invalid: HandleInvalid,
} validate(&self) {
    if self.splits.len() != 1 && self.splits.len() != self.input.len() {
        return Err(Error::param("splits", "needs one list, or one per input column"));
    }
    for s in &self.splits {
        if s.len() < 2 || s.windows(2).any(|w| w[0] >= w[1]) {
            return Err(Error::param(
                "splits",
                format!("{s:?} is not at least two strictly increasing numbers"),
            ));
        }
    }
    Ok(())
});

impl Model for Bucketizer {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        numeric_schema(input, &self.input, &self.output, "_bucket")
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let out = self.schema(input)?;
        let at = self
            .input
            .iter()
            .zip(outputs(&self.input, &self.output, "_bucket"))
            .map(|(i, o)| Ok((input.index(i)?, out.index(&o)?)))
            .collect::<Result<Vec<_>>>()?;
        let this = self.clone();
        Ok(Box::new(move |mut row| {
            for (c, &(i, o)) in at.iter().enumerate() {
                let b = this.bucket(c, num(&row[i]));
                put(&mut row, o, Value::Num(b));
            }
            row
        }))
    }
}

fitted_as_is!(Bucketizer);

/// Learns a [`Bucketizer`]'s splits from the quantiles of each column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuantileDiscretizer {
    /// The numeric input columns.
    pub input: Vec<String>,
    /// The output columns, one per input (default: `<input>_bucket`).
    pub output: Vec<String>,
    /// Buckets per column, at most (default 5; fewer where quantiles coincide).
    pub buckets: u32,
    /// Values outside the splits and missing ones (default: a missing bucket).
    pub handle_invalid: HandleInvalid,
}

impl QuantileDiscretizer {
    /// A discretizer of `input` into `buckets` quantile buckets.
    pub fn new(input: &[&str], buckets: u32) -> Self {
        QuantileDiscretizer {
            input: input.iter().map(|c| c.to_string()).collect(),
            output: Vec::new(),
            buckets,
            handle_invalid: HandleInvalid::Missing,
        }
    }
}

params!(QuantileDiscretizer {
    with_input "input" => input: Vec<String>,
    with_output "output" => output: Vec<String>,
    with_buckets "num-buckets" => buckets: u32,
    with_handle_invalid "handle-invalid" => handle_invalid: HandleInvalid,
} validate(&self) {
    check("num-buckets", self.buckets >= 2, "must be at least 2")
});

/// The splits of sorted values `v` into `n` quantile buckets (see the module docs).
fn quantile_splits(v: &[f64], n: u32) -> Vec<f64> {
    let edges: Vec<f64> = (0..=n)
        .map(|i| {
            let percent = if i == n {
                100.0
            } else {
                f64::from(i) * (100.0 / f64::from(n))
            };
            quantile(v, percent / 100.0)
        })
        .collect();
    let mut splits = vec![f64::NEG_INFINITY];
    if !v.is_empty() {
        // Edges 1 .. n-1 that are more than 1e-8 above the edge before them.
        let kept: Vec<f64> = (1..edges.len())
            .filter(|&i| edges[i] - edges[i - 1] > 1e-8)
            .map(|i| edges[i])
            .collect();
        splits.extend_from_slice(&kept[..kept.len().saturating_sub(1)]);
    }
    splits.push(f64::INFINITY);
    splits
}

impl Estimator for QuantileDiscretizer {
    type Model = Bucketizer;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        numeric_schema(input, &self.input, &self.output, "_bucket")
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, Bucketizer>> {
        self.output_schema(&table.schema)?;
        let at = positions(&table.schema, &self.input)?;
        let (n, this) = (self.buckets, self.clone());
        let model = per_column(&table.rows, at, f64::NAN, move |v| quantile_splits(v, n)).map(
            move |splits| Bucketizer {
                input: this.input.clone(),
                output: this.output.clone(),
                splits,
                handle_invalid: this.handle_invalid,
            },
        );
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_by_hand() {
        let b = Bucketizer::new(&["x"], &[-1.0, 0.0, 2.0]);
        let got: Vec<f64> = [-1.0, -0.5, 0.0, 1.9, 2.0].map(|x| b.bucket(0, x)).into();
        assert_eq!(got, vec![0.0, 0.0, 1.0, 1.0, 1.0]);
        assert!(b.bucket(0, 2.5).is_nan() && b.bucket(0, f64::NAN).is_nan());
        let keep = b.with_handle_invalid(HandleInvalid::Keep);
        assert_eq!(keep.bucket(0, -3.0), 2.0);
        let err = Bucketizer::new(&["x"], &[1.0, 1.0]).validate().unwrap_err();
        assert!(err.to_string().starts_with("parameter splits:"), "{err}");
    }

    #[test]
    fn quantile_splits_by_hand() {
        // Quartiles of 1..=9: 1, 3, 5, 7, 9; the outer edges become infinite.
        let v: Vec<f64> = (1..=9).map(f64::from).collect();
        let inf = f64::INFINITY;
        assert_eq!(quantile_splits(&v, 4), vec![-inf, 3.0, 5.0, 7.0, inf]);
        // Coinciding quantiles are dropped: edges 0, 0, 0, 1, 2 keep 0, 1, 2.
        let v = [0.0, 0.0, 0.0, 1.0, 2.0];
        assert_eq!(quantile_splits(&v, 4), vec![-inf, 1.0, inf]);
        assert_eq!(quantile_splits(&[], 4), vec![-inf, inf]);
    }
}
