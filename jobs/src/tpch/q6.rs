//! Q6, the forecasting revenue change query.

use serde::{Deserialize, Serialize};
use strom_core::{Date, Decimal};
use strom_dataset::{DataSet, Env, agg};

use super::{Tables, date_range, money};

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Line {
    l_quantity: Decimal,
    l_extendedprice: Decimal,
    l_discount: Decimal,
    l_shipdate: Date,
}

/// One output row.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Row {
    revenue: Decimal,
}

pub(crate) fn query<'s>(env: &Env<'s>, tables: &Tables) -> DataSet<'s, Row> {
    let (from, to) = (Date::from_ymd(1994, 1, 1), Date::from_ymd(1995, 1, 1));
    let (lo, hi, qty): (Decimal, Decimal, Decimal) = (
        "0.05".parse().expect("literal"),
        "0.07".parse().expect("literal"),
        Decimal::from(24),
    );
    tables
        .read::<Line>(
            env,
            "lineitem",
            Some(date_range("l_shipdate", Some(from), Some(to), false)),
        )
        .filter(move |l| {
            l.l_shipdate >= from
                && l.l_shipdate < to
                && l.l_discount >= lo
                && l.l_discount <= hi
                && l.l_quantity < qty
        })
        .aggregate(agg::sum(|l: &Line| l.l_extendedprice * l.l_discount))
        .map(|revenue| Row {
            revenue: money(revenue),
        })
}
