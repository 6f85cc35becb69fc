//! Whole jobs on tables at storage URLs: fit a model, apply it, evaluate it (what
//! `strom ml` runs). A bad column or parameter found while the job is built fails it
//! with that message.

use strom_core::RuntimeConfig;
use strom_dataset::{Collected, Data, Env, execute};

use crate::error::{Error, Result};
use crate::stage::Estimator;
use crate::table::{Table, TableOptions, read_table};

/// Runs a job that reads the table at `url` and collects what `job` makes of it; an
/// error from `job` fails the job with its message.
///
/// # Errors
/// The job's failure (storage, input format, a bad column or parameter).
pub fn run_on_table<T, F>(
    config: &RuntimeConfig,
    url: &str,
    options: &TableOptions,
    job: F,
) -> Result<Vec<T>>
where
    T: Data,
    F: for<'s> Fn(&Env<'s>, Table<'s>) -> Result<Collected<T>> + Send + Sync + 'static,
{
    let (url, options) = (url.to_string(), options.clone());
    let out = execute(config, move |env| {
        match read_table(env, &url, &options).and_then(|t| job(env, t)) {
            Ok(c) => c,
            Err(e) => {
                env.fail(&e.into());
                env.empty::<T>().collect()
            }
        }
    })?;
    Ok(out.unwrap_or_default())
}

/// Fits `estimator` on the table at `url`.
///
/// # Errors
/// The job's failure, or [`Error::Data`] when the table has no rows.
pub fn fit<E>(
    config: &RuntimeConfig,
    url: &str,
    options: &TableOptions,
    estimator: E,
) -> Result<E::Model>
where
    E: Estimator + Send + Sync,
{
    let models = run_on_table(config, url, options, move |_, table| {
        Ok(estimator.fit(&table)?.collect())
    })?;
    models
        .into_iter()
        .next()
        .ok_or_else(|| Error::Data(format!("{url}: no rows to fit on")))
}
