//! The Flink ML shape: an [`Estimator`] fits a [`Model`] on a table; a model (any
//! [`Transformer`]) maps a table to a table with added columns.
//!
//! A job's data is lazy, so `fit` gives a [`Fitted`] model: a one-record data set of
//! the model, which can be collected (to save it) or applied to tables in the same job
//! (read as a broadcast variable), as a pipeline does between its stages.

use std::rc::Rc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use strom_dataset::{Collected, Data, DataSet};

use crate::error::Result;
use crate::table::{Row, Schema, Table};

/// A row function: given a row of the input schema, the row of the output schema.
pub type RowFn = Box<dyn FnMut(Row) -> Row>;

/// Maps tables to tables.
pub trait Transformer {
    /// The schema of the output for an input of `input` schema.
    ///
    /// # Errors
    /// [`crate::Error::Column`] when an input column is missing or of the wrong type.
    fn output_schema(&self, input: &Schema) -> Result<Schema>;

    /// `table` with this transformer's columns.
    ///
    /// # Errors
    /// As [`Transformer::output_schema`].
    fn transform<'s>(&self, table: &Table<'s>) -> Result<Table<'s>>;
}

/// The output schema of a fitted model for an input schema.
type SchemaFn = Rc<dyn Fn(&Schema) -> Result<Schema>>;

/// A fitted model (or a transformer without fitting): a value that maps rows.
pub trait Model: Data + Serialize + DeserializeOwned {
    /// The schema of the output for an input of `input` schema; depends only on the
    /// model's parameters, not on what was learnt.
    ///
    /// # Errors
    /// [`crate::Error::Column`] when an input column is missing or of the wrong type.
    fn schema(&self, input: &Schema) -> Result<Schema>;

    /// The row function for rows of `input` schema (which [`Model::schema`] accepted).
    ///
    /// # Errors
    /// As [`Model::schema`].
    fn row_fn(&self, input: &Schema) -> Result<RowFn>;
}

impl<M: Model> Transformer for M {
    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        self.schema(input)
    }

    fn transform<'s>(&self, table: &Table<'s>) -> Result<Table<'s>> {
        let schema = self.schema(&table.schema)?;
        let f = self.row_fn(&table.schema)?;
        Ok(Table::new(schema, table.rows.map(f)))
    }
}

/// Fits models on tables.
pub trait Estimator: Clone + 'static {
    /// What it fits.
    type Model: Model;

    /// The schema the fitted model gives for an input of `input` schema.
    ///
    /// # Errors
    /// [`crate::Error::Column`] when an input column is missing or of the wrong type.
    fn output_schema(&self, input: &Schema) -> Result<Schema>;

    /// The model fitted on `table` (lazy: a one-record data set in the job).
    ///
    /// # Errors
    /// A bad parameter ([`crate::Error::Param`]) or column ([`crate::Error::Column`]).
    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, Self::Model>>;
}

/// A model being fitted in a job: one record (on worker 0) once the job runs.
pub struct Fitted<'s, M> {
    /// The model, one record.
    pub model: DataSet<'s, M>,
    schema: SchemaFn,
}

impl<'s, M: Model> Fitted<'s, M> {
    /// A fitted model from its data set and its estimator's output schema.
    pub fn new(
        model: DataSet<'s, M>,
        schema: impl Fn(&Schema) -> Result<Schema> + 'static,
    ) -> Self {
        Fitted {
            model,
            schema: Rc::new(schema),
        }
    }

    /// Collects the model on the driver.
    pub fn collect(&self) -> Collected<M> {
        self.model.collect()
    }

    /// The model as another type (e.g. [`crate::AnyModel`]).
    pub fn map<N: Model>(&self, f: impl Fn(M) -> N + 'static) -> Fitted<'s, N> {
        Fitted {
            model: self.model.map(f),
            schema: self.schema.clone(),
        }
    }

    /// `table` with the model's columns, the model read as a broadcast variable.
    ///
    /// # Errors
    /// [`crate::Error::Column`] when `table` lacks a column the model reads.
    ///
    /// # Panics
    /// In the job, when fitting gave no model.
    pub fn transform(&self, table: &Table<'s>) -> Result<Table<'s>> {
        let schema = (self.schema)(&table.schema)?;
        let input = table.schema.clone();
        let mut f: Option<RowFn> = None;
        let rows = table
            .rows
            .map_with_broadcast(&self.model, move |row, model: &[M]| {
                let f = f.get_or_insert_with(|| {
                    let model = model.first().expect("fitting gave a model");
                    model
                        .row_fn(&input)
                        .expect("the schema was checked when the job was built")
                });
                f(row)
            });
        Ok(Table::new(schema, rows))
    }
}

impl<'s, M> Clone for Fitted<'s, M>
where
    M: Clone + 'static,
{
    fn clone(&self) -> Self {
        Fitted {
            model: self.model.clone(),
            schema: self.schema.clone(),
        }
    }
}
