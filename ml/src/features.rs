//! Transformers that learn nothing: the vector assembler (numeric and vector columns
//! into one vector column, Spark's `VectorAssembler`) and the normalizer (each vector
//! scaled to unit `p`-norm; a zero vector stays zero). Each is its own model; fitting
//! one only checks the columns.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::params::{Params, check, params};
use crate::stage::{Fitted, Model, RowFn};
use crate::table::{ColumnType, Schema, Table, Value, feature_extractor, num, put};
use crate::vector::Vector;

/// Fitting a transformer that learns nothing: the model is the value itself.
pub(crate) fn fit_as_is<'s, M: Model + Clone>(
    model: &M,
    table: &Table<'s>,
) -> Result<Fitted<'s, M>> {
    model.schema(&table.schema)?;
    let m = model.clone();
    Ok(Fitted::new(
        table.rows.env().from_collection(vec![model.clone()]),
        move |s| m.schema(s),
    ))
}

/// The schema of a stage reading `features` (numeric columns or one vector column) into
/// the vector column `output`.
pub(crate) fn vector_schema(input: &Schema, features: &[String], output: &str) -> Result<Schema> {
    let _ = feature_extractor(input, features)?;
    Ok(input.with_column(output, ColumnType::Vector))
}

/// A transformer that learns nothing as an estimator: its model is itself.
macro_rules! fitted_as_is {
    ($t:ty) => {
        impl $crate::stage::Estimator for $t {
            type Model = $t;

            fn output_schema(
                &self,
                input: &$crate::table::Schema,
            ) -> $crate::error::Result<$crate::table::Schema> {
                $crate::stage::Model::schema(self, input)
            }

            fn fit<'s>(
                &self,
                table: &$crate::table::Table<'s>,
            ) -> $crate::error::Result<$crate::stage::Fitted<'s, $t>> {
                $crate::features::fit_as_is(self, table)
            }
        }
    };
}
pub(crate) use fitted_as_is;

/// Assembles numeric and vector columns into one dense vector column.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VectorAssembler {
    /// The input columns, in order.
    pub input: Vec<String>,
    /// The output column (default `features`).
    pub output: String,
}

impl VectorAssembler {
    /// An assembler of `input` into `output`.
    pub fn new(input: &[&str], output: &str) -> Self {
        VectorAssembler {
            input: input.iter().map(|c| c.to_string()).collect(),
            output: output.to_string(),
        }
    }
}

params!(VectorAssembler {
    with_input "input" => input: Vec<String>,
    with_output "output" => output: String,
} validate(&self) {
    check("input", !self.input.is_empty(), "needs at least one column")
});

impl Model for VectorAssembler {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        for c in &self.input {
            input.typed_index(c, &[ColumnType::Number, ColumnType::Vector])?;
        }
        Ok(input.with_column(&self.output, ColumnType::Vector))
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let at: Vec<usize> = self
            .input
            .iter()
            .map(|c| input.index(c))
            .collect::<Result<_>>()?;
        let out = self.schema(input)?.index(&self.output)?;
        Ok(Box::new(move |mut row| {
            let mut x = Vec::new();
            for &i in &at {
                match &row[i] {
                    Value::Vec(v) => x.extend(v.to_dense()),
                    other => x.push(num(other)),
                }
            }
            put(&mut row, out, Value::Vec(Vector::Dense(x)));
            row
        }))
    }
}

fitted_as_is!(VectorAssembler);

/// Scales each vector to unit `p`-norm.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Normalizer {
    /// The input: numeric columns or one vector column.
    pub input: Vec<String>,
    /// The output column (default `normalized`).
    pub output: String,
    /// The norm's `p` ≥ 1, `inf` for the largest absolute value (default 2).
    pub p: f64,
}

impl Normalizer {
    /// A normalizer of `input` to unit `p`-norm into `normalized`.
    pub fn new(input: &[&str], p: f64) -> Self {
        Normalizer {
            input: input.iter().map(|c| c.to_string()).collect(),
            output: "normalized".into(),
            p,
        }
    }
}

params!(Normalizer {
    with_input "input" => input: Vec<String>,
    with_output "output" => output: String,
    with_p "p" => p: f64,
} validate(&self) {
    if self.p >= 1.0 {
        Ok(())
    } else {
        Err(Error::param("p", format!("{} is below 1", self.p)))
    }
});

impl Model for Normalizer {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.validate()?;
        vector_schema(input, &self.input, &self.output)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let extract = feature_extractor(input, &self.input)?;
        let out = self.schema(input)?.index(&self.output)?;
        let p = self.p;
        Ok(Box::new(move |mut row| {
            let v = extract(&row);
            let norm = v.norm(p);
            let scaled = match v {
                Vector::Dense(x) if norm > 0.0 => {
                    Vector::Dense(x.iter().map(|a| a / norm).collect())
                }
                Vector::Sparse {
                    size,
                    indices,
                    values,
                } if norm > 0.0 => Vector::Sparse {
                    size,
                    indices,
                    values: values.iter().map(|a| a / norm).collect(),
                },
                zero => zero,
            };
            put(&mut row, out, Value::Vec(scaled));
            row
        }))
    }
}

fitted_as_is!(Normalizer);
