//! Pipelines: stages fitted in order, each on the previous stages' output, in one job
//! (a stage's fitted model is applied lazily, as a broadcast variable, to give the next
//! stage its input).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use strom_dataset::DataSet;

use crate::any_model::AnyModel;
use crate::error::{Error, Result};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::table::{Schema, Table};

/// A pipeline stage of any type (an estimator, or a transformer fitted as is).
pub trait Stage {
    /// The schema after this stage for an input of `input` schema.
    ///
    /// # Errors
    /// A missing or mistyped column.
    fn stage_schema(&self, input: &Schema) -> Result<Schema>;

    /// Fits the stage on `table`, giving its model and `table` transformed by it.
    ///
    /// # Errors
    /// As [`Estimator::fit`].
    fn fit_stage<'s>(&self, table: &Table<'s>) -> Result<(DataSet<'s, AnyModel>, Table<'s>)>;
}

impl<E> Stage for E
where
    E: Estimator,
    E::Model: Into<AnyModel>,
{
    fn stage_schema(&self, input: &Schema) -> Result<Schema> {
        self.output_schema(input)
    }

    fn fit_stage<'s>(&self, table: &Table<'s>) -> Result<(DataSet<'s, AnyModel>, Table<'s>)> {
        let fitted = self.fit(table)?;
        let out = fitted.transform(table)?;
        Ok((fitted.model.map(Into::into), out))
    }
}

/// Stages fitted in order (itself an estimator).
#[derive(Clone, Default)]
pub struct Pipeline {
    stages: Vec<Arc<dyn Stage + Send + Sync>>,
}

impl Pipeline {
    /// An empty pipeline.
    pub fn new() -> Self {
        Pipeline::default()
    }

    /// Appends a stage.
    #[must_use]
    pub fn with_stage(mut self, stage: impl Stage + Send + Sync + 'static) -> Self {
        self.stages.push(Arc::new(stage));
        self
    }
}

impl Estimator for Pipeline {
    type Model = PipelineModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        self.stages
            .iter()
            .try_fold(input.clone(), |s, stage| stage.stage_schema(&s))
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, PipelineModel>> {
        if self.stages.is_empty() {
            return Err(Error::param(
                "stages",
                "a pipeline needs at least one stage",
            ));
        }
        let mut current = table.clone();
        let mut models: Option<DataSet<'s, Vec<(usize, AnyModel)>>> = None;
        for (i, stage) in self.stages.iter().enumerate() {
            let (model, out) = stage.fit_stage(&current)?;
            let tagged = model.map(move |m| vec![(i, m)]);
            models = Some(match models {
                None => tagged,
                Some(all) => all.union(&tagged),
            });
            current = out;
        }
        let count = self.stages.len();
        let model = models
            .expect("at least one stage")
            .reduce(|mut a, mut b| {
                a.append(&mut b);
                a
            })
            .map(move |mut all| {
                all.sort_by_key(|(i, _)| *i);
                assert_eq!(all.len(), count, "every stage fitted a model");
                PipelineModel {
                    stages: all.into_iter().map(|(_, m)| m).collect(),
                }
            });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// Fitted stages applied in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PipelineModel {
    /// The fitted stages.
    pub stages: Vec<AnyModel>,
}

impl Model for PipelineModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.stages
            .iter()
            .try_fold(input.clone(), |s, m| m.schema(&s))
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let mut schema = input.clone();
        let mut fns = Vec::with_capacity(self.stages.len());
        for m in &self.stages {
            fns.push(m.row_fn(&schema)?);
            schema = m.schema(&schema)?;
        }
        Ok(Box::new(move |row| fns.iter_mut().fold(row, |r, f| f(r))))
    }
}
