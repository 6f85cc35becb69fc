//! The imputer (scikit-learn's `SimpleImputer`, Spark's `Imputer`): missing values of
//! numeric columns (NaN, an empty CSV cell, or the `missing-value` number) replaced by
//! the column's mean, median or most frequent value (the smallest of ties) over its
//! values that are not missing. The statistics are exact ([`crate::column_values`]);
//! a column without any value keeps its missing values (NaN).

use serde::{Deserialize, Serialize};

use crate::column_values::{
    check_columns, most_frequent, numeric_schema, outputs, per_column, positions, quantile,
};
use crate::error::Result;
use crate::params::{Params, choice_param, params};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{Schema, Table, Value, num, put};

/// What replaces a missing value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImputeStrategy {
    /// The column's mean.
    Mean,
    /// The column's median (the mean of the two middle values of an even count).
    Median,
    /// The column's most frequent value.
    MostFrequent,
}

choice_param!(ImputeStrategy {
    "mean" => ImputeStrategy::Mean,
    "median" => ImputeStrategy::Median,
    "most-frequent" => ImputeStrategy::MostFrequent,
});

/// The imputer estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Imputer {
    /// The numeric input columns.
    pub input: Vec<String>,
    /// The output columns, one per input (default: the inputs, replaced in place).
    pub output: Vec<String>,
    /// The statistic (default mean).
    pub strategy: ImputeStrategy,
    /// A number that also means missing (default NaN: only NaN and empty cells).
    pub missing_value: f64,
}

impl Imputer {
    /// An imputer of `input` in place, by `strategy`.
    pub fn new(input: &[&str], strategy: ImputeStrategy) -> Self {
        Imputer {
            input: input.iter().map(|c| c.to_string()).collect(),
            output: Vec::new(),
            strategy,
            missing_value: f64::NAN,
        }
    }
}

params!(Imputer {
    with_input "input" => input: Vec<String>,
    with_output "output" => output: Vec<String>,
    with_strategy "strategy" => strategy: ImputeStrategy,
    with_missing_value "missing-value" => missing_value: f64,
} validate(&self) {
    check_columns(&self.input, &self.output)
});

impl Estimator for Imputer {
    type Model = ImputerModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        numeric_schema(input, &self.input, &self.output, "")
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, ImputerModel>> {
        self.output_schema(&table.schema)?;
        let at = positions(&table.schema, &self.input)?;
        let strategy = self.strategy;
        let summary = move |v: &[f64]| match strategy {
            ImputeStrategy::Mean => v.iter().sum::<f64>() / v.len() as f64,
            ImputeStrategy::Median => quantile(v, 0.5),
            ImputeStrategy::MostFrequent => most_frequent(v),
        };
        let params = self.clone();
        let model =
            per_column(&table.rows, at, self.missing_value, summary).map(move |surrogates| {
                ImputerModel {
                    params: params.clone(),
                    surrogates,
                }
            });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// A fitted imputer: the value that replaces a missing one, per input column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImputerModel {
    /// The parameters it was fitted with.
    pub params: Imputer,
    /// Per input column, what replaces a missing value.
    pub surrogates: Vec<f64>,
}

impl Model for ImputerModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.params.output_schema(input)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let out = self.schema(input)?;
        let columns = self
            .params
            .input
            .iter()
            .zip(outputs(&self.params.input, &self.params.output, ""))
            .zip(&self.surrogates)
            .map(|((i, o), s)| Ok((input.index(i)?, out.index(&o)?, *s)))
            .collect::<Result<Vec<_>>>()?;
        let missing = self.params.missing_value;
        Ok(Box::new(move |mut row| {
            for &(i, o, surrogate) in &columns {
                let v = num(&row[i]);
                let v = if v.is_nan() || v == missing {
                    surrogate
                } else {
                    v
                };
                put(&mut row, o, Value::Num(v));
            }
            row
        }))
    }
}
