//! Typed parameters: each stage declares its parameters once, in a [`params!`] table
//! of `with_* setter, "documented-name" => field: Type`, which gives it the `with_*`
//! setters and [`Params::set`] by name from a string (as `strom ml fit --param k=3`
//! does); the stage's own `validate` rejects a bad value naming the parameter.

use crate::error::{Error, Result};

/// Parameters settable by name.
pub trait Params {
    /// The documented parameter names.
    fn names(&self) -> &'static [&'static str];

    /// Sets parameter `name` from its string form without validating; `Ok(false)` when
    /// there is no parameter of that name (written by `params!`).
    ///
    /// # Errors
    /// [`Error::Param`] for a value that does not parse.
    fn set_value(&mut self, name: &str, value: &str) -> Result<bool>;

    /// Checks every parameter's value.
    ///
    /// # Errors
    /// [`Error::Param`] naming the first bad parameter.
    fn validate(&self) -> Result<()>;

    /// Sets parameter `name` from its string form and validates.
    ///
    /// # Errors
    /// [`Error::Param`] for an unknown name (listing the known ones) or a value that
    /// does not parse or is out of range.
    fn set(&mut self, name: &str, value: &str) -> Result<()> {
        if !self.set_value(name, value)? {
            return Err(Error::param(
                name,
                format!("unknown parameter (known: {})", self.names().join(", ")),
            ));
        }
        self.validate()
    }
}

/// A parameter's type: how its setter takes it and how it parses from a string.
pub trait ParamValue: Sized {
    /// What the `with_*` setter takes.
    type Arg<'a>;
    /// The value from the setter's argument.
    fn from_arg(arg: Self::Arg<'_>) -> Self;
    /// The value from its string form, for parameter `name`.
    ///
    /// # Errors
    /// [`Error::Param`] naming `name` when `value` does not parse.
    fn parse_param(name: &str, value: &str) -> Result<Self>;
}

macro_rules! from_str_param {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            type Arg<'a> = $t;
            fn from_arg(arg: $t) -> Self {
                arg
            }
            fn parse_param(name: &str, value: &str) -> Result<Self> {
                value.trim().parse::<$t>().map_err(|_| {
                    Error::param(name, format!("{value:?} is not a valid {}", stringify!($t)))
                })
            }
        }
    )*};
}
from_str_param!(f64, u32, u64, usize, bool);

impl ParamValue for String {
    type Arg<'a> = &'a str;
    fn from_arg(arg: &str) -> Self {
        arg.to_string()
    }
    fn parse_param(_: &str, value: &str) -> Result<Self> {
        Ok(value.to_string())
    }
}

/// A comma-separated list of column names.
impl ParamValue for Vec<String> {
    type Arg<'a> = &'a [&'a str];
    fn from_arg(arg: &[&str]) -> Self {
        arg.iter().map(|s| s.to_string()).collect()
    }
    fn parse_param(_: &str, value: &str) -> Result<Self> {
        Ok(value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect())
    }
}

/// Lists of numbers, one per column: numbers separated by `,`, lists by `;`
/// (`-inf,0,inf;0,1,2`); `inf` and `-inf` are infinities.
impl ParamValue for Vec<Vec<f64>> {
    type Arg<'a> = &'a [&'a [f64]];
    fn from_arg(arg: &[&[f64]]) -> Self {
        arg.iter().map(|v| v.to_vec()).collect()
    }
    fn parse_param(name: &str, value: &str) -> Result<Self> {
        value
            .split(';')
            .map(|list| {
                list.split(',')
                    .map(|v| f64::parse_param(name, v))
                    .collect::<Result<Vec<f64>>>()
            })
            .collect()
    }
}

/// A parameter that is one of a few names: `ParamValue` from a `(name, value)` table.
macro_rules! choice_param {
    ($t:ty { $($name:literal => $v:expr),* $(,)? }) => {
        impl $crate::params::ParamValue for $t {
            type Arg<'a> = $t;
            fn from_arg(arg: $t) -> Self {
                arg
            }
            fn parse_param(name: &str, value: &str) -> $crate::error::Result<Self> {
                match value.trim() {
                    $($name => Ok($v),)*
                    _ => Err($crate::error::Error::param(
                        name,
                        format!("{value:?} is not one of {}", [$($name),*].join(", ")),
                    )),
                }
            }
        }
    };
}
pub(crate) use choice_param;

/// Declares a stage's parameters once: `with_setter "name" => field.path: Type`.
/// Gives the `with_*` setters and `Params::names` / `Params::set_value`; the block
/// after `validate(&self)` is the stage's `Params::validate`; an optional
/// `other ["name", ...] (&mut self, name, value)` block sets parameters that are not plain fields.
macro_rules! params {
    ($ty:ty { $($setter:ident $name:literal => $($field:ident).+ : $t:ty),* $(,)? }
     validate(&$s:ident) $validate:block
     $(other [$($oname:literal),*] (&mut $o:ident, $n:ident, $v:ident) $other:block)?) => {
        impl $ty {
            $(
                #[doc = concat!("Sets `", $name, "`.")]
                #[must_use]
                pub fn $setter(
                    mut self,
                    value: <$t as $crate::params::ParamValue>::Arg<'_>,
                ) -> Self {
                    self.$($field).+ = <$t as $crate::params::ParamValue>::from_arg(value);
                    self
                }
            )*
        }

        impl $crate::params::Params for $ty {
            fn names(&self) -> &'static [&'static str] {
                &[$($name,)* $($($oname),*)?]
            }

            fn set_value(&mut self, name: &str, value: &str) -> $crate::error::Result<bool> {
                match name {
                    $($name => {
                        self.$($field).+ =
                            <$t as $crate::params::ParamValue>::parse_param(name, value)?;
                    })*
                    _ => {
                        $(
                            let ($o, $n, $v) = (self, name, value);
                            return $other;
                        )?
                        #[allow(unreachable_code)]
                        return Ok(false);
                    }
                }
                Ok(true)
            }

            fn validate(&$s) -> $crate::error::Result<()> $validate
        }
    };
}
pub(crate) use params;

/// Fails naming `name` unless `ok`.
pub(crate) fn check(name: &str, ok: bool, message: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::param(name, message.to_string()))
    }
}

/// The checks of an iterative optimiser's `reg`, `max-iter` and `tol`.
pub(crate) fn check_optimiser(reg: f64, max_iter: u32, tol: f64) -> Result<()> {
    check("reg", reg >= 0.0 && reg.is_finite(), "must be a number ≥ 0")?;
    check("max-iter", max_iter >= 1, "must be at least 1")?;
    check("tol", tol >= 0.0, "must be ≥ 0")
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
