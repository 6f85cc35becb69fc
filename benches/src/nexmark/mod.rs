//! Nexmark: an online auction's event stream (people registering, auctions opening,
//! bids) and the benchmark's queries q0 (pass-through), q1 (currency conversion), q2
//! (selection), q5 (hot items: the auctions with the most bids in each sliding window),
//! q7 (highest bid: the bids with each tumbling window's highest price) and q8 (new
//! users: people who opened an auction in the tumbling window they registered in).
//!
//! [`generator`] writes the events as three CSV files; [`strom`] runs the queries on
//! Strom's DataStream API and [`baseline`] in one hand-written thread;
//! `peers/{spark,flink}_jobs.py` run them on Spark Structured Streaming and Flink SQL.
//! Every engine writes the same columns ([`Query::columns`]), times as ms since the
//! epoch (or as timestamps, which the output check reads as such).

pub(crate) mod baseline;
pub(crate) mod generator;
pub(crate) mod model;
pub(crate) mod strom;

/// q5's sliding windows: 10 s every 2 s.
pub(crate) const Q5_SIZE_MS: i64 = 10_000;
pub(crate) const Q5_SLIDE_MS: i64 = 2_000;
/// q7's and q8's tumbling windows: 10 s.
pub(crate) const TUMBLE_MS: i64 = 10_000;
/// The watermark's bound on disorder (the generator's events are in order; Flink's
/// Nexmark suite declares 4 s).
pub(crate) const WATERMARK_MS: i64 = 4_000;

/// One Nexmark query.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Query {
    Q0,
    Q1,
    Q2,
    Q5,
    Q7,
    Q8,
}

impl Query {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Query::Q0 => "q0",
            Query::Q1 => "q1",
            Query::Q2 => "q2",
            Query::Q5 => "q5",
            Query::Q7 => "q7",
            Query::Q8 => "q8",
        }
    }

    /// The output's columns (the CSV header Strom and the baseline write).
    pub(crate) fn columns(self) -> &'static str {
        match self {
            Query::Q0 => "auction,bidder,price,date_time,extra",
            Query::Q1 => "auction,bidder,price_eur,date_time,extra",
            Query::Q2 => "auction,price",
            Query::Q5 => "window_start,auction,num",
            Query::Q7 => "window_start,auction,bidder,price,date_time",
            Query::Q8 => "id,name,window_start",
        }
    }

    /// Whether the query reads people and auctions (q8) rather than bids.
    pub(crate) fn reads_people(self) -> bool {
        self == Query::Q8
    }

    /// What the query computes, for the report.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Query::Q0 => "pass-through of every bid",
            Query::Q1 => "every bid with its price in euros (× 0.908)",
            Query::Q2 => "bids on auctions whose id is a multiple of 123",
            Query::Q5 => "per 10 s window sliding by 2 s, the auctions with the most bids",
            Query::Q7 => "per 10 s tumbling window, the bids with the highest price",
            Query::Q8 => "people who opened an auction in the 10 s window they registered in",
        }
    }
}

/// q1's conversion, exact: `price × 0.908` with three decimals.
pub(crate) fn euros(price: i64) -> String {
    let milli = price * 908;
    let sign = if milli < 0 { "-" } else { "" };
    format!("{sign}{}.{:03}", (milli / 1000).abs(), (milli % 1000).abs())
}

/// q2's selection.
pub(crate) fn q2_selects(auction: u64) -> bool {
    auction.is_multiple_of(123)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_are_exact() {
        assert_eq!(euros(12_345), "11209.260");
        assert_eq!(euros(100), "90.800");
        assert_eq!(euros(1), "0.908");
        assert_eq!(euros(-3), "-2.724");
    }
}
