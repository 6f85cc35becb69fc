//! Q5, the local supplier volume query.

use serde::{Deserialize, Serialize};
use strom_core::{Date, Decimal};
use strom_dataset::{DataSet, Env, JoinHint, agg};

use super::{Tables, date_range, disc_price, money};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Region {
    r_regionkey: i64,
    r_name: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Nation {
    n_nationkey: i64,
    n_name: String,
    n_regionkey: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Supplier {
    s_suppkey: i64,
    s_nationkey: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Customer {
    c_custkey: i64,
    c_nationkey: i64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Order {
    o_orderkey: i64,
    o_custkey: i64,
    o_orderdate: Date,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Line {
    l_orderkey: i64,
    l_suppkey: i64,
    l_extendedprice: Decimal,
    l_discount: Decimal,
}

/// One output row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Row {
    n_name: String,
    revenue: Decimal,
}

pub(crate) fn query<'s>(env: &Env<'s>, tables: &Tables) -> DataSet<'s, Row> {
    let (from, to) = (Date::from_ymd(1994, 1, 1), Date::from_ymd(1995, 1, 1));
    let asia = tables
        .read::<Region>(env, "region", None)
        .filter(|r| r.r_name == "ASIA");
    let nations = tables
        .read::<Nation>(env, "nation", None)
        .join(&asia, |n| n.n_regionkey, |r| r.r_regionkey)
        .hint(JoinHint::BroadcastHashSecond)
        .with(|n, _| (n.n_nationkey, n.n_name.clone()));
    let suppliers = tables
        .read::<Supplier>(env, "supplier", None)
        .join(&nations, |s| s.s_nationkey, |n| n.0)
        .hint(JoinHint::BroadcastHashSecond)
        .with(|s, n| (s.s_suppkey, s.s_nationkey, n.1.clone()));
    let customers = tables.read::<Customer>(env, "customer", None);
    let orders = tables
        .read::<Order>(
            env,
            "orders",
            Some(date_range("o_orderdate", Some(from), Some(to), false)),
        )
        .filter(move |o| o.o_orderdate >= from && o.o_orderdate < to)
        .join(&customers, |o| o.o_custkey, |c| c.c_custkey)
        .with(|o, c| (o.o_orderkey, c.c_nationkey));
    tables
        .read::<Line>(env, "lineitem", None)
        .join(&orders, |l| l.l_orderkey, |o| o.0)
        .with(|l, o| {
            (
                l.l_suppkey,
                o.1,
                disc_price(l.l_extendedprice, l.l_discount),
            )
        })
        .join(&suppliers, |x| (x.0, x.1), |s| (s.0, s.1))
        .with(|x, s| (s.2.clone(), x.2))
        .group_by(|x: &(String, Decimal)| x.0.clone())
        .aggregate(agg::sum(|x: &(String, Decimal)| x.1))
        .map(|(n_name, revenue)| Row {
            n_name,
            revenue: money(revenue),
        })
        .gather()
        .sort_partition_by(|a, b| {
            b.revenue
                .cmp(&a.revenue)
                .then_with(|| a.n_name.cmp(&b.n_name))
        })
}
