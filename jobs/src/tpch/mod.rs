//! `tpch`: TPC-H queries 1, 3, 5, 6 and 10 over the Parquet tables of a TPC-H data set.
//!
//! `--data URL` holds one `<table>.parquet` file or `<table>/` folder per table, with the
//! standard column names in lower case. Each query reads only the columns it names (its
//! row structs are the projection) and skips row groups by statistics where its date
//! filters allow. Output is CSV with the query's standard columns in standard order;
//! money is rounded to the cent, averages to two decimals.

mod q1;
mod q10;
mod q3;
mod q5;
mod q6;

use anyhow::{Result, bail};
use serde::Serialize;
use strom_core::formats::parquet::{CmpOp, Scalar, StatsPredicate};
use strom_core::{Date, Decimal, RuntimeConfig};
use strom_dataset::{Data, DataSet, Env, ParquetOptions, execute};

/// `strom run tpch` options.
#[derive(clap::Args, Debug, Clone)]
pub struct TpchArgs {
    /// Query number: 1, 3, 5, 6 or 10.
    #[arg(long, short = 'q')]
    pub query: u32,
    /// Folder (URL) with the TPC-H tables as Parquet.
    #[arg(long, value_name = "URL")]
    pub data: String,
    /// Write the answer here: CSV, or Parquet when the URL ends in `.parquet` (default:
    /// print CSV).
    #[arg(long, value_name = "URL")]
    pub output: Option<String>,
}

/// Where each table of the data set is.
#[derive(Clone, Debug)]
pub(crate) struct Tables {
    base: String,
}

impl Tables {
    /// `<base>/<name>.parquet` when it exists, otherwise the folder `<base>/<name>/`.
    pub(crate) fn url(&self, name: &str) -> String {
        let base = self.base.trim_end_matches('/');
        let file = format!("{base}/{name}.parquet");
        if strom_core::storage::list_files(&file).is_ok() {
            file
        } else {
            format!("{base}/{name}/")
        }
    }

    pub(crate) fn read<'s, T: Data>(
        &self,
        env: &Env<'s>,
        name: &str,
        predicate: Option<StatsPredicate>,
    ) -> DataSet<'s, T> {
        env.read_parquet(
            &self.url(name),
            ParquetOptions {
                predicate,
                ..Default::default()
            },
        )
    }
}

/// `column >= from and column < to`, for row-group pruning.
pub(crate) fn date_range(
    column: &str,
    from: Option<Date>,
    to: Option<Date>,
    to_inclusive: bool,
) -> StatsPredicate {
    let mut parts = Vec::new();
    if let Some(f) = from {
        parts.push(StatsPredicate::cmp(column, CmpOp::Ge, Scalar::Date(f)));
    }
    if let Some(t) = to {
        let op = if to_inclusive { CmpOp::Le } else { CmpOp::Lt };
        parts.push(StatsPredicate::cmp(column, op, Scalar::Date(t)));
    }
    StatsPredicate::And(parts)
}

/// `price * (1 - discount)`.
pub(crate) fn disc_price(price: Decimal, discount: Decimal) -> Decimal {
    price * (Decimal::from(1) - discount)
}

/// Cents.
pub(crate) fn money(d: Decimal) -> Decimal {
    d.round(2)
}

fn run_query<R, F>(config: &RuntimeConfig, args: &TpchArgs, query: F) -> Result<()>
where
    R: Data + Serialize,
    F: for<'s> Fn(&Env<'s>, &Tables) -> DataSet<'s, R> + Send + Sync + 'static,
{
    let tables = Tables {
        base: args.data.clone(),
    };
    let output = args.output.clone();
    let rows = execute(config, move |env| {
        let answer = query(env, &tables);
        match &output {
            Some(url) => {
                super::write_output(&answer, url);
                None
            }
            None => Some(answer.collect()),
        }
    })?;
    if let Some(Some(rows)) = rows {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(std::io::stdout().lock());
        if let Some(names) = strom_core::formats::schema::field_names::<R>() {
            w.write_record(names)?;
        }
        for row in rows {
            w.serialize(row)?;
        }
        w.flush()?;
    }
    Ok(())
}

/// Runs the job.
pub fn run(config: &RuntimeConfig, args: &TpchArgs) -> Result<()> {
    match args.query {
        1 => run_query(config, args, q1::query),
        3 => run_query(config, args, q3::query),
        5 => run_query(config, args, q5::query),
        6 => run_query(config, args, q6::query),
        10 => run_query(config, args, q10::query),
        q => bail!("TPC-H query {q} is not built in (choose 1, 3, 5, 6 or 10)"),
    }
}
