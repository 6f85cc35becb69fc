//! Q10, the returned item reporting query.

use serde::{Deserialize, Serialize};
use strom_core::{Date, Decimal};
use strom_dataset::{DataSet, Env, JoinHint, agg};

use super::{Tables, date_range, disc_price, money};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Customer {
    c_custkey: i64,
    c_name: String,
    c_address: String,
    c_nationkey: i64,
    c_phone: String,
    c_acctbal: Decimal,
    c_comment: String,
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
    l_extendedprice: Decimal,
    l_discount: Decimal,
    l_returnflag: char,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Nation {
    n_nationkey: i64,
    n_name: String,
}

/// One output row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Row {
    c_custkey: i64,
    c_name: String,
    revenue: Decimal,
    c_acctbal: Decimal,
    n_name: String,
    c_address: String,
    c_phone: String,
    c_comment: String,
}

pub(crate) fn query<'s>(env: &Env<'s>, tables: &Tables) -> DataSet<'s, Row> {
    let (from, to) = (Date::from_ymd(1993, 10, 1), Date::from_ymd(1994, 1, 1));
    let orders = tables
        .read::<Order>(
            env,
            "orders",
            Some(date_range("o_orderdate", Some(from), Some(to), false)),
        )
        .filter(move |o| o.o_orderdate >= from && o.o_orderdate < to);
    let revenue = tables
        .read::<Line>(env, "lineitem", None)
        .filter(|l| l.l_returnflag == 'R')
        .join(&orders, |l| l.l_orderkey, |o| o.o_orderkey)
        .with(|l, o| (o.o_custkey, disc_price(l.l_extendedprice, l.l_discount)))
        .group_by(|x: &(i64, Decimal)| x.0)
        .aggregate(agg::sum(|x: &(i64, Decimal)| x.1));
    let nations = tables.read::<Nation>(env, "nation", None);
    tables
        .read::<Customer>(env, "customer", None)
        .join(&revenue, |c| c.c_custkey, |r| r.0)
        .with(|c, r| (c.clone(), r.1))
        .join(&nations, |x| x.0.c_nationkey, |n| n.n_nationkey)
        .hint(JoinHint::BroadcastHashSecond)
        .with(|(c, revenue), n| Row {
            c_custkey: c.c_custkey,
            c_name: c.c_name.clone(),
            revenue: *revenue,
            c_acctbal: c.c_acctbal,
            n_name: n.n_name.clone(),
            c_address: c.c_address.clone(),
            c_phone: c.c_phone.clone(),
            c_comment: c.c_comment.clone(),
        })
        .gather()
        .sort_partition_by(|a, b| {
            b.revenue
                .cmp(&a.revenue)
                .then(a.c_custkey.cmp(&b.c_custkey))
        })
        .first(20)
        .map(|r| Row {
            revenue: money(r.revenue),
            ..r
        })
}
