//! The string indexer (Spark's `StringIndexer`): a string column to class indices
//! 0, 1, ... by descending frequency (ties alphabetically), so string labels can feed
//! classifiers. A value not seen when fitting gets the index after the last one
//! (Spark's `handleInvalid = keep`).

use serde::{Deserialize, Serialize};
use strom_dataset::agg;

use crate::error::Result;
use crate::params::{Params, check, params};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{ColumnType, Schema, Table, Value, put};

/// The string indexer estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StringIndexer {
    /// The string input column.
    pub input: String,
    /// The numeric output column.
    pub output: String,
}

impl StringIndexer {
    /// An indexer of `input` into `output`.
    pub fn new(input: &str, output: &str) -> Self {
        StringIndexer {
            input: input.to_string(),
            output: output.to_string(),
        }
    }
}

params!(StringIndexer {
    with_input "input" => input: String,
    with_output "output" => output: String,
} validate(&self) {
    check("output", !self.output.is_empty(), "must name a column")
});

impl Estimator for StringIndexer {
    type Model = StringIndexerModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        input.typed_index(&self.input, &[ColumnType::String])?;
        Ok(input.with_column(&self.output, ColumnType::Number))
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, StringIndexerModel>> {
        self.output_schema(&table.schema)?;
        let at = table.schema.index(&self.input)?;
        let params = self.clone();
        let model = table
            .rows
            .map(move |r| match &r[at] {
                Value::Str(s) => s.clone(),
                _ => String::new(),
            })
            .group_by(String::clone)
            .aggregate(agg::count())
            .map(|c| vec![c])
            .reduce(|mut a, mut b| {
                a.append(&mut b);
                a
            })
            .map(move |mut counts| {
                counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                StringIndexerModel {
                    params: params.clone(),
                    labels: counts.into_iter().map(|(s, _)| s).collect(),
                }
            });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// A fitted string indexer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StringIndexerModel {
    /// The parameters it was fitted with.
    pub params: StringIndexer,
    /// The strings, by index.
    pub labels: Vec<String>,
}

impl Model for StringIndexerModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.params.output_schema(input)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let at = input.index(&self.params.input)?;
        let out = self.schema(input)?.index(&self.params.output)?;
        let index: std::collections::HashMap<String, usize> = self
            .labels
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i))
            .collect();
        let unseen = self.labels.len();
        Ok(Box::new(move |mut row| {
            let i = match &row[at] {
                Value::Str(s) => index.get(s).copied().unwrap_or(unseen),
                _ => unseen,
            };
            put(&mut row, out, Value::Num(i as f64));
            row
        }))
    }
}
