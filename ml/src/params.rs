//! Typed parameters: each estimator is a struct of typed fields with documented
//! defaults and `with_*` setters; [`Params::set`] sets one by its documented name from
//! a string (as `strom ml fit --param k=3` does), and `validate` rejects a bad value
//! naming the parameter.

use crate::error::{Error, Result};

/// Parameters settable by name.
pub trait Params {
    /// The documented parameter names.
    fn names(&self) -> &'static [&'static str];

    /// Sets parameter `name` from its string form.
    ///
    /// # Errors
    /// [`Error::Param`] for an unknown name (listing the known ones) or a value that
    /// does not parse or is out of range.
    fn set(&mut self, name: &str, value: &str) -> Result<()>;

    /// Checks every parameter's value.
    ///
    /// # Errors
    /// [`Error::Param`] naming the first bad parameter.
    fn validate(&self) -> Result<()>;
}

/// The error for an unknown parameter name.
pub(crate) fn unknown(name: &str, known: &[&str]) -> Error {
    Error::param(
        name,
        format!("unknown parameter (known: {})", known.join(", ")),
    )
}

/// Parses `value` as parameter `name`.
pub(crate) fn parse<T: std::str::FromStr>(name: &str, value: &str) -> Result<T> {
    value.trim().parse::<T>().map_err(|_| {
        Error::param(
            name,
            format!("{value:?} is not a valid {}", std::any::type_name::<T>()),
        )
    })
}

/// A comma-separated list of column names.
pub(crate) fn parse_list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Fails naming `name` unless `ok`.
pub(crate) fn check(name: &str, ok: bool, message: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::param(name, message.to_string()))
    }
}

/// Column parameters every predictor has.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Columns {
    /// Feature columns: numeric columns, or one vector column; empty: every numeric
    /// column but the label (default).
    pub features: Vec<String>,
    /// The label column (default `label`).
    pub label: String,
    /// The output column of predictions (default `prediction`).
    pub prediction: String,
}

impl Default for Columns {
    fn default() -> Self {
        Columns {
            features: Vec::new(),
            label: "label".into(),
            prediction: "prediction".into(),
        }
    }
}

impl Columns {
    /// Sets a column parameter; `false` if `name` is not one.
    pub(crate) fn set(&mut self, name: &str, value: &str) -> bool {
        match name {
            "features" => self.features = parse_list(value),
            "label" => self.label = value.to_string(),
            "prediction" => self.prediction = value.to_string(),
            _ => return false,
        }
        true
    }

    /// The feature columns for `schema`: as set, or every numeric column but the label
    /// (and the prediction column).
    pub(crate) fn resolve(&self, schema: &crate::table::Schema) -> Vec<String> {
        if self.features.is_empty() {
            schema.numeric_columns_except(&[&self.label, &self.prediction])
        } else {
            self.features.clone()
        }
    }
}
