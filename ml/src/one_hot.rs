//! The one-hot encoder (Spark's `OneHotEncoder`): a column of category indices
//! 0, 1, ... (e.g. from the string indexer) to a sparse 0/1 vector. The size is learnt
//! as the largest index + 1; with `drop-last` (the default, as Spark's) the last
//! category is the all-zero vector, so the columns are not collinear. An index outside
//! the learnt range (or not a whole number ≥ 0) also gives the all-zero vector.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::params::{Params, check, params};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{ColumnType, Schema, Table, Value, num, put};
use crate::vector::Vector;

/// The one-hot encoder estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OneHotEncoder {
    /// The numeric input column of category indices.
    pub input: String,
    /// The vector output column.
    pub output: String,
    /// Leave out the last category (default true).
    pub drop_last: bool,
}

impl OneHotEncoder {
    /// An encoder of `input` into `output`.
    pub fn new(input: &str, output: &str) -> Self {
        OneHotEncoder {
            input: input.to_string(),
            output: output.to_string(),
            drop_last: true,
        }
    }
}

params!(OneHotEncoder {
    with_input "input" => input: String,
    with_output "output" => output: String,
    with_drop_last "drop-last" => drop_last: bool,
} validate(&self) {
    check("output", !self.output.is_empty(), "must name a column")
});

fn category(v: f64) -> Option<usize> {
    (v >= 0.0 && v.fract() == 0.0).then_some(v as usize)
}

impl Estimator for OneHotEncoder {
    type Model = OneHotEncoderModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        input.typed_index(&self.input, &[ColumnType::Number])?;
        Ok(input.with_column(&self.output, ColumnType::Vector))
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, OneHotEncoderModel>> {
        self.output_schema(&table.schema)?;
        let at = table.schema.index(&self.input)?;
        let params = self.clone();
        let model = table
            .rows
            .map(move |r| category(num(&r[at])).map_or(0, |c| c + 1))
            .reduce(usize::max)
            .map(move |categories| OneHotEncoderModel {
                params: params.clone(),
                categories,
            });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// A fitted one-hot encoder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OneHotEncoderModel {
    /// The parameters it was fitted with.
    pub params: OneHotEncoder,
    /// The number of categories seen (largest index + 1).
    pub categories: usize,
}

impl Model for OneHotEncoderModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.params.output_schema(input)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let at = input.index(&self.params.input)?;
        let out = self.schema(input)?.index(&self.params.output)?;
        let size = self.categories - usize::from(self.params.drop_last && self.categories > 0);
        Ok(Box::new(move |mut row| {
            let hot = category(num(&row[at])).filter(|&c| c < size);
            put(
                &mut row,
                out,
                Value::Vec(Vector::sparse(size, hot.map(|c| (c, 1.0)))),
            );
            row
        }))
    }
}
