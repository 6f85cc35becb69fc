//! Feature scalers fitted from one pass of column statistics: standard (centre and
//! divide by the standard deviation, over `n` as scikit-learn's `StandardScaler`),
//! min-max (to `[0, 1]`) and max-abs (divide by the largest absolute value). Each reads
//! numeric columns or a vector column and writes a vector column. A constant column
//! is left unscaled (divided by 1), as scikit-learn does.

use serde::{Deserialize, Serialize};
use strom_dataset::DataSet;

use crate::block::blocks;
use crate::error::Result;
use crate::params::{ParamValue, Params, check, params};
use crate::stage::{Estimator, Fitted, Model, RowFn};
use crate::stats::{Stats, stats};
use crate::table::{ColumnType, Schema, Table, Value, feature_extractor, put};
use crate::vector::{LabeledPoint, Vector};

/// How a scaler scales.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScalerKind {
    /// `(x - mean) / std` (`with_mean` false: `x / std`).
    Standard {
        /// Centre on the mean (default true).
        with_mean: bool,
    },
    /// `(x - min) / (max - min)`.
    MinMax,
    /// `x / max|x|`.
    MaxAbs,
}

/// A feature scaler estimator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scaler {
    /// How it scales.
    pub kind: ScalerKind,
    /// Input columns: numeric columns or one vector column (empty: every numeric column).
    pub input: Vec<String>,
    /// The output vector column (default `scaled`).
    pub output: String,
}

impl Scaler {
    fn of(kind: ScalerKind) -> Self {
        Scaler {
            kind,
            input: Vec::new(),
            output: "scaled".into(),
        }
    }
    /// A standard scaler (centred).
    pub fn standard() -> Self {
        Scaler::of(ScalerKind::Standard { with_mean: true })
    }
    /// A min-max scaler.
    pub fn min_max() -> Self {
        Scaler::of(ScalerKind::MinMax)
    }
    /// A max-abs scaler.
    pub fn max_abs() -> Self {
        Scaler::of(ScalerKind::MaxAbs)
    }
    fn inputs(&self, schema: &Schema) -> Vec<String> {
        if self.input.is_empty() {
            schema.numeric_columns_except(&[])
        } else {
            self.input.clone()
        }
    }
}

params!(Scaler {
    with_input "input" => input: Vec<String>,
    with_output "output" => output: String,
} validate(&self) {
    check("output", !self.output.is_empty(), "must name a column")
} other ["with-mean"] (&mut this, name, value) {
    match (name, &mut this.kind) {
        ("with-mean", ScalerKind::Standard { with_mean }) => {
            *with_mean = ParamValue::parse_param(name, value)?;
            Ok(true)
        }
        _ => Ok(false),
    }
});

fn nonzero(v: f64) -> f64 {
    if v == 0.0 || !v.is_finite() { 1.0 } else { v }
}

impl Estimator for Scaler {
    type Model = ScalerModel;

    fn output_schema(&self, input: &Schema) -> Result<Schema> {
        let _ = feature_extractor(input, &self.inputs(input))?;
        Ok(input.with_column(&self.output, ColumnType::Vector))
    }

    fn fit<'s>(&self, table: &Table<'s>) -> Result<Fitted<'s, ScalerModel>> {
        self.validate()?;
        let mut params = self.clone();
        params.input = self.inputs(&table.schema);
        let extract = feature_extractor(&table.schema, &params.input)?;
        let points: DataSet<'s, LabeledPoint> =
            table.rows.map(move |r| LabeledPoint::new(0.0, extract(&r)));
        let model = stats(&blocks(&points)).map(move |s: Stats| {
            let (shift, divisor) = match params.kind {
                ScalerKind::Standard { with_mean } => {
                    let n = s.n.max(1) as f64;
                    let shift = if with_mean {
                        s.sum.iter().map(|v| v / n).collect()
                    } else {
                        vec![0.0; s.dim()]
                    };
                    (shift, s.std(false).into_iter().map(nonzero).collect())
                }
                ScalerKind::MinMax => (
                    s.min.clone(),
                    s.max
                        .iter()
                        .zip(&s.min)
                        .map(|(a, b)| nonzero(a - b))
                        .collect(),
                ),
                ScalerKind::MaxAbs => (
                    vec![0.0; s.dim()],
                    s.max
                        .iter()
                        .zip(&s.min)
                        .map(|(a, b)| nonzero(a.abs().max(b.abs())))
                        .collect(),
                ),
            };
            ScalerModel {
                params: params.clone(),
                shift,
                divisor,
            }
        });
        let this = self.clone();
        Ok(Fitted::new(model, move |s| this.output_schema(s)))
    }
}

/// A fitted scaler: `(x - shift) / divisor` per feature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScalerModel {
    /// The parameters it was fitted with (inputs resolved).
    pub params: Scaler,
    /// Subtracted from each feature.
    pub shift: Vec<f64>,
    /// Each feature is divided by this.
    pub divisor: Vec<f64>,
}

impl Model for ScalerModel {
    fn schema(&self, input: &Schema) -> Result<Schema> {
        self.params.output_schema(input)
    }

    fn row_fn(&self, input: &Schema) -> Result<RowFn> {
        let extract = feature_extractor(input, &self.params.input)?;
        let at = self.schema(input)?.index(&self.params.output)?;
        let (shift, divisor) = (self.shift.clone(), self.divisor.clone());
        Ok(Box::new(move |mut row| {
            let mut x = extract(&row).to_dense();
            for ((v, s), d) in x.iter_mut().zip(&shift).zip(&divisor) {
                *v = (*v - s) / d;
            }
            put(&mut row, at, Value::Vec(Vector::Dense(x)));
            row
        }))
    }
}
