//! Q1, the pricing summary report.

use serde::{Deserialize, Serialize};
use strom_core::{Date, Decimal};
use strom_dataset::{DataSet, Env, agg};

use super::{Tables, date_range, disc_price, money};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Line {
    l_returnflag: char,
    l_linestatus: char,
    l_quantity: Decimal,
    l_extendedprice: Decimal,
    l_discount: Decimal,
    l_tax: Decimal,
    l_shipdate: Date,
}

/// One output row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Row {
    l_returnflag: char,
    l_linestatus: char,
    sum_qty: Decimal,
    sum_base_price: Decimal,
    sum_disc_price: Decimal,
    sum_charge: Decimal,
    avg_qty: Decimal,
    avg_price: Decimal,
    avg_disc: Decimal,
    count_order: u64,
}

pub(crate) fn query<'s>(env: &Env<'s>, tables: &Tables) -> DataSet<'s, Row> {
    let cutoff = Date::from_ymd(1998, 12, 1).add_days(-90);
    tables
        .read::<Line>(
            env,
            "lineitem",
            Some(date_range("l_shipdate", None, Some(cutoff), true)),
        )
        .filter(move |l| l.l_shipdate <= cutoff)
        .group_by(|l: &Line| (l.l_returnflag, l.l_linestatus))
        .aggregate((
            agg::sum(|l: &Line| l.l_quantity),
            agg::sum(|l: &Line| l.l_extendedprice),
            agg::sum(|l: &Line| disc_price(l.l_extendedprice, l.l_discount)),
            agg::sum(|l: &Line| {
                disc_price(l.l_extendedprice, l.l_discount) * (Decimal::from(1) + l.l_tax)
            }),
            agg::avg(|l: &Line| l.l_quantity),
            agg::avg(|l: &Line| l.l_extendedprice),
            agg::avg(|l: &Line| l.l_discount),
            agg::count(),
        ))
        .map(
            |((flag, status), (qty, base, disc, charge, aq, ap, ad, n))| Row {
                l_returnflag: flag,
                l_linestatus: status,
                sum_qty: money(qty),
                sum_base_price: money(base),
                sum_disc_price: money(disc),
                sum_charge: money(charge),
                avg_qty: money(aq),
                avg_price: money(ap),
                avg_disc: money(ad),
                count_order: n,
            },
        )
        .gather()
        .sort_partition_by(|a, b| {
            (&a.l_returnflag, &a.l_linestatus).cmp(&(&b.l_returnflag, &b.l_linestatus))
        })
}
