//! Nexmark's three record types and their CSV lines (the columns of the benchmark's
//! schema, times as ms since the epoch; the generator's text never holds a comma or a
//! quote, so fields are written as they are).

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// A person registering to sell or bid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Person {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) email: String,
    pub(crate) credit_card: String,
    pub(crate) city: String,
    pub(crate) state: String,
    pub(crate) date_time: i64,
    pub(crate) extra: String,
}

/// An item put up for auction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Auction {
    pub(crate) id: u64,
    pub(crate) item_name: String,
    pub(crate) description: String,
    pub(crate) initial_bid: i64,
    pub(crate) reserve: i64,
    pub(crate) date_time: i64,
    pub(crate) expires: i64,
    pub(crate) seller: u64,
    pub(crate) category: u64,
    pub(crate) extra: String,
}

/// A bid on an auction.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Bid {
    pub(crate) auction: u64,
    pub(crate) bidder: u64,
    /// In cents (US dollars).
    pub(crate) price: i64,
    pub(crate) channel: String,
    pub(crate) url: String,
    pub(crate) date_time: i64,
    pub(crate) extra: String,
}

impl Person {
    pub(crate) const COLUMNS: &'static str =
        "id,name,email_address,credit_card,city,state,date_time,extra";

    pub(crate) fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{}",
            self.id,
            self.name,
            self.email,
            self.credit_card,
            self.city,
            self.state,
            self.date_time,
            self.extra
        )
    }

    pub(crate) fn parse(line: &str) -> Result<Person> {
        let f = fields::<8>(line, Self::COLUMNS)?;
        Ok(Person {
            id: number(f[0], "id")?,
            name: f[1].into(),
            email: f[2].into(),
            credit_card: f[3].into(),
            city: f[4].into(),
            state: f[5].into(),
            date_time: number(f[6], "date_time")?,
            extra: f[7].into(),
        })
    }
}

impl Auction {
    pub(crate) const COLUMNS: &'static str = "id,item_name,description,initial_bid,reserve,\
                                              date_time,expires,seller,category,extra";

    pub(crate) fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{},{},{},{},{}",
            self.id,
            self.item_name,
            self.description,
            self.initial_bid,
            self.reserve,
            self.date_time,
            self.expires,
            self.seller,
            self.category,
            self.extra
        )
    }

    pub(crate) fn parse(line: &str) -> Result<Auction> {
        let f = fields::<10>(line, Self::COLUMNS)?;
        Ok(Auction {
            id: number(f[0], "id")?,
            item_name: f[1].into(),
            description: f[2].into(),
            initial_bid: number(f[3], "initial_bid")?,
            reserve: number(f[4], "reserve")?,
            date_time: number(f[5], "date_time")?,
            expires: number(f[6], "expires")?,
            seller: number(f[7], "seller")?,
            category: number(f[8], "category")?,
            extra: f[9].into(),
        })
    }
}

impl Bid {
    pub(crate) const COLUMNS: &'static str = "auction,bidder,price,channel,url,date_time,extra";

    pub(crate) fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{},{}",
            self.auction,
            self.bidder,
            self.price,
            self.channel,
            self.url,
            self.date_time,
            self.extra
        )
    }

    pub(crate) fn parse(line: &str) -> Result<Bid> {
        let f = fields::<7>(line, Self::COLUMNS)?;
        Ok(Bid {
            auction: number(f[0], "auction")?,
            bidder: number(f[1], "bidder")?,
            price: number(f[2], "price")?,
            channel: f[3].into(),
            url: f[4].into(),
            date_time: number(f[5], "date_time")?,
            extra: f[6].into(),
        })
    }
}

fn fields<'a, const N: usize>(line: &'a str, columns: &str) -> Result<[&'a str; N]> {
    let mut out = [""; N];
    let mut parts = line.splitn(N, ',');
    for (i, slot) in out.iter_mut().enumerate() {
        *slot = parts
            .next()
            .with_context(|| format!("{i} fields, expected {N} ({columns})"))?;
    }
    if out[N - 1].contains(',') {
        bail!("more than {N} fields, expected {columns}");
    }
    Ok(out)
}

fn number<T: std::str::FromStr>(text: &str, column: &str) -> Result<T> {
    text.trim()
        .parse()
        .ok()
        .with_context(|| format!("{column} {text:?} is not a whole number"))
}

/// Every record of the CSV file at `path`, parsed by `parse`; an error names the file
/// and line.
pub(crate) fn read_all<T>(path: &std::path::Path, parse: fn(&str) -> Result<T>) -> Result<Vec<T>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(n, l)| parse(l).with_context(|| format!("{}:{}", path.display(), n + 1)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_and_bad_lines_are_named() {
        let bid = Bid {
            auction: 1000,
            bidder: 1001,
            price: 12_345,
            channel: "Google".into(),
            url: "https://www.nexmark.com/google/item.htm?query=1".into(),
            date_time: 1_700_000_000_123,
            extra: "ab cd".into(),
        };
        assert_eq!(Bid::parse(&bid.csv()).unwrap(), bid);
        let err = Bid::parse("1000,x,5,c,u,1,e").unwrap_err();
        assert!(format!("{err:#}").contains("bidder \"x\""), "{err:#}");
        assert!(Bid::parse("1000,1001,5").is_err());

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bid.csv");
        std::fs::write(&file, format!("{}\n1000,1,2\n", bid.csv())).unwrap();
        let err = read_all(&file, Bid::parse).unwrap_err();
        assert!(format!("{err:#}").contains("bid.csv:2"), "{err:#}");
    }
}
