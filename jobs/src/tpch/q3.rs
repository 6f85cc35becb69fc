//! Q3, the shipping priority query.

use serde::{Deserialize, Serialize};
use strom_core::{Date, Decimal};
use strom_dataset::{DataSet, Env, agg};

use super::{Tables, date_range, disc_price, money};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Customer {
    c_custkey: i64,
    c_mktsegment: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Order {
    o_orderkey: i64,
    o_custkey: i64,
    o_orderdate: Date,
    o_shippriority: i32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Line {
    l_orderkey: i64,
    l_extendedprice: Decimal,
    l_discount: Decimal,
    l_shipdate: Date,
}

/// One output row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Row {
    l_orderkey: i64,
    revenue: Decimal,
    o_orderdate: Date,
    o_shippriority: i32,
}

pub(crate) fn query<'s>(env: &Env<'s>, tables: &Tables) -> DataSet<'s, Row> {
    let day = Date::from_ymd(1995, 3, 15);
    let customers = tables
        .read::<Customer>(env, "customer", None)
        .filter(|c| c.c_mktsegment == "BUILDING");
    let orders = tables
        .read::<Order>(
            env,
            "orders",
            Some(date_range("o_orderdate", None, Some(day), false)),
        )
        .filter(move |o| o.o_orderdate < day);
    let lines = tables
        .read::<Line>(
            env,
            "lineitem",
            Some(date_range("l_shipdate", Some(day), None, false)),
        )
        .filter(move |l| l.l_shipdate > day);
    let building_orders = orders
        .join(&customers, |o| o.o_custkey, |c| c.c_custkey)
        .with(|o, _| (o.o_orderkey, o.o_orderdate, o.o_shippriority));
    lines
        .join(&building_orders, |l| l.l_orderkey, |o| o.0)
        .with(|l, o| (o.0, o.1, o.2, disc_price(l.l_extendedprice, l.l_discount)))
        .group_by(|r: &(i64, Date, i32, Decimal)| (r.0, r.1, r.2))
        .aggregate(agg::sum(|r: &(i64, Date, i32, Decimal)| r.3))
        .map(|((l_orderkey, o_orderdate, o_shippriority), revenue)| Row {
            l_orderkey,
            revenue,
            o_orderdate,
            o_shippriority,
        })
        .gather()
        .sort_partition_by(|a, b| {
            b.revenue
                .cmp(&a.revenue)
                .then(a.o_orderdate.cmp(&b.o_orderdate))
                .then(a.l_orderkey.cmp(&b.l_orderkey))
        })
        .first(10)
        .map(|r| Row {
            revenue: money(r.revenue),
            ..r
        })
}
