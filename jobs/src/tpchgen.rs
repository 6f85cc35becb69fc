//! `tpchgen`: writes the eight TPC-H tables at a scale factor as Parquet, ready for
//! `strom run tpch --data`.
//!
//! Rows come from the `tpchgen` crate (the DataFusion community's port of TPC-H's
//! `dbgen`, the generator behind `tpchgen-cli`): every worker generates its own part
//! of each table (part `index + 1` of `peers`) lazily, a batch at a time, and writes
//! it through the DataSet Parquet sink, so memory stays flat as the scale factor grows
//! and the job is all-or-nothing like any other. Each table is a folder
//! `<output>/<table>/` of one file per worker. Column names and types are those of
//! `tpchgen-cli`'s Parquet: keys `Int64`, money `Decimal(38, 2)`, dates `Date32`.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use strom_core::storage::JobPaths;
use strom_core::{Date, Decimal, RuntimeConfig};
use strom_dataset::{Data, DataSet, Env, execute};
use tpchgen::dates::TPCHDate;
use tpchgen::decimal::TPCHDecimal;
use tpchgen::generators::{
    CustomerGenerator, LineItemGenerator, NationGenerator, OrderGenerator, PartGenerator,
    PartSuppGenerator, RegionGenerator, SupplierGenerator,
};

/// `strom run tpchgen` options.
#[derive(clap::Args, Debug, Clone)]
pub struct TpchgenArgs {
    /// Scale factor: 1 is about 1 GB of text (6 million line items); fractions such
    /// as 0.1 or 0.01 make smaller data sets.
    #[arg(long, default_value = "1")]
    pub sf: f64,
    /// Folder (URL) to write the tables to, one sub-folder per table.
    #[arg(long, value_name = "URL")]
    pub output: String,
}

fn money(d: TPCHDecimal) -> Decimal {
    Decimal::new(i128::from(d.into_inner()), 2)
}

fn date(d: TPCHDate) -> Date {
    Date(d.to_unix_epoch())
}

#[derive(Clone, Serialize, Deserialize)]
struct LineItem {
    l_orderkey: i64,
    l_partkey: i64,
    l_suppkey: i64,
    l_linenumber: i32,
    l_quantity: Decimal,
    l_extendedprice: Decimal,
    l_discount: Decimal,
    l_tax: Decimal,
    l_returnflag: String,
    l_linestatus: String,
    l_shipdate: Date,
    l_commitdate: Date,
    l_receiptdate: Date,
    l_shipinstruct: String,
    l_shipmode: String,
    l_comment: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct Order {
    o_orderkey: i64,
    o_custkey: i64,
    o_orderstatus: String,
    o_totalprice: Decimal,
    o_orderdate: Date,
    o_orderpriority: String,
    o_clerk: String,
    o_shippriority: i32,
    o_comment: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct Customer {
    c_custkey: i64,
    c_name: String,
    c_address: String,
    c_nationkey: i64,
    c_phone: String,
    c_acctbal: Decimal,
    c_mktsegment: String,
    c_comment: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct Part {
    p_partkey: i64,
    p_name: String,
    p_mfgr: String,
    p_brand: String,
    p_type: String,
    p_size: i32,
    p_container: String,
    p_retailprice: Decimal,
    p_comment: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct PartSupp {
    ps_partkey: i64,
    ps_suppkey: i64,
    ps_availqty: i32,
    ps_supplycost: Decimal,
    ps_comment: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct Supplier {
    s_suppkey: i64,
    s_name: String,
    s_address: String,
    s_nationkey: i64,
    s_phone: String,
    s_acctbal: Decimal,
    s_comment: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct Nation {
    n_nationkey: i64,
    n_name: String,
    n_regionkey: i64,
    n_comment: String,
}

#[derive(Clone, Serialize, Deserialize)]
struct Region {
    r_regionkey: i64,
    r_name: String,
    r_comment: String,
}

/// The part of a table worker `index` of `peers` generates: `tpchgen`'s parts count
/// from 1.
fn part(index: usize, peers: usize) -> (i32, i32) {
    let as_i32 = |n: usize| i32::try_from(n).expect("fewer than 2^31 workers");
    (as_i32(index + 1), as_i32(peers))
}

/// Writes one table to `<output>/<name>/` and counts its rows.
fn table<'s, T: Data + Serialize>(
    rows: DataSet<'s, T>,
    output: &str,
    name: &str,
) -> strom_dataset::Counted {
    rows.write_parquet(&format!("{output}/{name}/"));
    rows.count()
}

/// The eight tables on this worker, each written and counted, in the order of
/// [`TABLES`].
fn tables(env: &Env<'_>, sf: f64, output: &str) -> Vec<strom_dataset::Counted> {
    vec![
        table(
            env.from_parallel_iter(move |i, n| {
                let (p, c) = part(i, n);
                LineItemGenerator::new(sf, p, c)
                    .into_iter()
                    .map(|l| LineItem {
                        l_orderkey: l.l_orderkey,
                        l_partkey: l.l_partkey,
                        l_suppkey: l.l_suppkey,
                        l_linenumber: l.l_linenumber,
                        l_quantity: Decimal::new(i128::from(l.l_quantity) * 100, 2),
                        l_extendedprice: money(l.l_extendedprice),
                        l_discount: money(l.l_discount),
                        l_tax: money(l.l_tax),
                        l_returnflag: l.l_returnflag.to_string(),
                        l_linestatus: l.l_linestatus.to_string(),
                        l_shipdate: date(l.l_shipdate),
                        l_commitdate: date(l.l_commitdate),
                        l_receiptdate: date(l.l_receiptdate),
                        l_shipinstruct: l.l_shipinstruct.to_string(),
                        l_shipmode: l.l_shipmode.to_string(),
                        l_comment: l.l_comment.to_string(),
                    })
            }),
            output,
            "lineitem",
        ),
        table(
            env.from_parallel_iter(move |i, n| {
                let (p, c) = part(i, n);
                OrderGenerator::new(sf, p, c).into_iter().map(|o| Order {
                    o_orderkey: o.o_orderkey,
                    o_custkey: o.o_custkey,
                    o_orderstatus: o.o_orderstatus.to_string(),
                    o_totalprice: money(o.o_totalprice),
                    o_orderdate: date(o.o_orderdate),
                    o_orderpriority: o.o_orderpriority.to_string(),
                    o_clerk: o.o_clerk.to_string(),
                    o_shippriority: o.o_shippriority,
                    o_comment: o.o_comment.to_string(),
                })
            }),
            output,
            "orders",
        ),
        table(
            env.from_parallel_iter(move |i, n| {
                let (p, c) = part(i, n);
                CustomerGenerator::new(sf, p, c)
                    .into_iter()
                    .map(|r| Customer {
                        c_custkey: r.c_custkey,
                        c_name: r.c_name.to_string(),
                        c_address: r.c_address.to_string(),
                        c_nationkey: r.c_nationkey,
                        c_phone: r.c_phone.to_string(),
                        c_acctbal: money(r.c_acctbal),
                        c_mktsegment: r.c_mktsegment.to_string(),
                        c_comment: r.c_comment.to_string(),
                    })
            }),
            output,
            "customer",
        ),
        table(
            env.from_parallel_iter(move |i, n| {
                let (p, c) = part(i, n);
                PartGenerator::new(sf, p, c).into_iter().map(|r| Part {
                    p_partkey: r.p_partkey,
                    p_name: r.p_name.to_string(),
                    p_mfgr: r.p_mfgr.to_string(),
                    p_brand: r.p_brand.to_string(),
                    p_type: r.p_type.to_string(),
                    p_size: r.p_size,
                    p_container: r.p_container.to_string(),
                    p_retailprice: money(r.p_retailprice),
                    p_comment: r.p_comment.to_string(),
                })
            }),
            output,
            "part",
        ),
        table(
            env.from_parallel_iter(move |i, n| {
                let (p, c) = part(i, n);
                PartSuppGenerator::new(sf, p, c)
                    .into_iter()
                    .map(|r| PartSupp {
                        ps_partkey: r.ps_partkey,
                        ps_suppkey: r.ps_suppkey,
                        ps_availqty: r.ps_availqty,
                        ps_supplycost: money(r.ps_supplycost),
                        ps_comment: r.ps_comment.to_string(),
                    })
            }),
            output,
            "partsupp",
        ),
        table(
            env.from_parallel_iter(move |i, n| {
                let (p, c) = part(i, n);
                SupplierGenerator::new(sf, p, c)
                    .into_iter()
                    .map(|r| Supplier {
                        s_suppkey: r.s_suppkey,
                        s_name: r.s_name.to_string(),
                        s_address: r.s_address.to_string(),
                        s_nationkey: r.s_nationkey,
                        s_phone: r.s_phone.to_string(),
                        s_acctbal: money(r.s_acctbal),
                        s_comment: r.s_comment.to_string(),
                    })
            }),
            output,
            "supplier",
        ),
        table(
            // Nation and region are fixed lists: the first worker writes them.
            env.from_parallel_iter(move |i, _| {
                let rows = NationGenerator::new(sf, 1, 1)
                    .into_iter()
                    .filter(move |_| i == 0);
                rows.map(|r| Nation {
                    n_nationkey: r.n_nationkey,
                    n_name: r.n_name.to_string(),
                    n_regionkey: r.n_regionkey,
                    n_comment: r.n_comment.to_string(),
                })
            }),
            output,
            "nation",
        ),
        table(
            env.from_parallel_iter(move |i, _| {
                let rows = RegionGenerator::new(sf, 1, 1)
                    .into_iter()
                    .filter(move |_| i == 0);
                rows.map(|r| Region {
                    r_regionkey: r.r_regionkey,
                    r_name: r.r_name.to_string(),
                    r_comment: r.r_comment.to_string(),
                })
            }),
            output,
            "region",
        ),
    ]
}

/// The tables in the order [`run`] reports them.
pub const TABLES: [&str; 8] = [
    "lineitem", "orders", "customer", "part", "partsupp", "supplier", "nation", "region",
];

impl TpchgenArgs {
    /// What the job writes (one folder per table), for the checks before launch.
    pub fn paths(&self) -> JobPaths {
        let root = self.output.trim_end_matches('/');
        JobPaths {
            inputs: Vec::new(),
            outputs: TABLES.iter().map(|t| format!("{root}/{t}/")).collect(),
        }
    }
}

/// Runs the job; prints each table's row count.
pub fn run(config: &RuntimeConfig, args: &TpchgenArgs) -> Result<()> {
    let sf = args.sf;
    if !(sf.is_finite() && sf > 0.0) {
        bail!("--sf must be a positive number, not {sf}");
    }
    let output = args.output.trim_end_matches('/').to_string();
    let counts = execute(config, move |env| tables(env, sf, &output))?;
    if let Some(counts) = counts {
        for (name, rows) in TABLES.iter().zip(counts) {
            println!("{name}: {rows} rows");
        }
    }
    Ok(())
}
