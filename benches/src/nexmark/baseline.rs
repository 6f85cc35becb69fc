//! The Nexmark queries in one hand-written thread: read the file, compute with hash maps
//! over whole windows, write one CSV. The floor a parallel engine must beat, and a
//! second, independent answer for Strom's output.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Result;

use super::model::{Auction, Bid, Person, read_all};
use super::{Q5_SIZE_MS, Q5_SLIDE_MS, Query, TUMBLE_MS, euros, q2_selects};

fn floor_to(ts: i64, size: i64) -> i64 {
    ts.div_euclid(size) * size
}

/// Runs `query` over the events in `dir`, writing CSV with a header to the file `out`.
pub(crate) fn run(query: Query, dir: &Path, out: &Path) -> Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    writeln!(w, "{}", query.columns())?;
    if query.reads_people() {
        let persons = read_all(&dir.join("person.csv"), Person::parse)?;
        let auctions = read_all(&dir.join("auction.csv"), Auction::parse)?;
        q8(&persons, &auctions, &mut w)?;
    } else {
        let bids = read_all(&dir.join("bid.csv"), Bid::parse)?;
        match query {
            Query::Q0 => {
                for b in &bids {
                    let (a, by, p, t, e) = (b.auction, b.bidder, b.price, b.date_time, &b.extra);
                    writeln!(w, "{a},{by},{p},{t},{e}")?;
                }
            }
            Query::Q1 => {
                for b in &bids {
                    let (a, by, t, e) = (b.auction, b.bidder, b.date_time, &b.extra);
                    writeln!(w, "{a},{by},{},{t},{e}", euros(b.price))?;
                }
            }
            Query::Q2 => {
                for b in bids.iter().filter(|b| q2_selects(b.auction)) {
                    writeln!(w, "{},{}", b.auction, b.price)?;
                }
            }
            Query::Q5 => q5(&bids, &mut w)?,
            Query::Q7 => q7(&bids, &mut w)?,
            Query::Q8 => unreachable!("q8 reads people"),
        }
    }
    w.flush()?;
    Ok(())
}

fn q5(bids: &[Bid], w: &mut impl Write) -> Result<()> {
    // Bids per window start and auction; a bid at t is in the windows starting at the
    // multiples of the slide in (t - size, t].
    let mut counts: HashMap<(i64, u64), u64> = HashMap::new();
    for b in bids {
        let mut start = floor_to(b.date_time, Q5_SLIDE_MS);
        while start > b.date_time - Q5_SIZE_MS {
            *counts.entry((start, b.auction)).or_default() += 1;
            start -= Q5_SLIDE_MS;
        }
    }
    let mut most: BTreeMap<i64, (u64, Vec<u64>)> = BTreeMap::new();
    for ((start, auction), n) in counts {
        let (max, auctions) = most.entry(start).or_default();
        if n > *max {
            *max = n;
            auctions.clear();
        }
        if n == *max {
            auctions.push(auction);
        }
    }
    for (start, (n, auctions)) in most {
        for a in auctions {
            writeln!(w, "{start},{a},{n}")?;
        }
    }
    Ok(())
}

fn q7(bids: &[Bid], w: &mut impl Write) -> Result<()> {
    let mut highest: BTreeMap<i64, i64> = BTreeMap::new();
    for b in bids {
        let max = highest
            .entry(floor_to(b.date_time, TUMBLE_MS))
            .or_insert(i64::MIN);
        *max = (*max).max(b.price);
    }
    for b in bids {
        let start = floor_to(b.date_time, TUMBLE_MS);
        if highest[&start] == b.price {
            let (a, by, p, t) = (b.auction, b.bidder, b.price, b.date_time);
            writeln!(w, "{start},{a},{by},{p},{t}")?;
        }
    }
    Ok(())
}

fn q8(persons: &[Person], auctions: &[Auction], w: &mut impl Write) -> Result<()> {
    let sellers: HashSet<(i64, u64)> = auctions
        .iter()
        .map(|a| (floor_to(a.date_time, TUMBLE_MS), a.seller))
        .collect();
    // A person registers once; should an id come twice in a window, it is one row.
    let mut seen = HashSet::new();
    for p in persons {
        let start = floor_to(p.date_time, TUMBLE_MS);
        if sellers.contains(&(start, p.id)) && seen.insert((start, p.id, p.name.as_str())) {
            writeln!(w, "{},{},{start}", p.id, p.name)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bid(auction: u64, price: i64, date_time: i64) -> Bid {
        Bid {
            auction,
            bidder: 7,
            price,
            channel: "c".into(),
            url: "u".into(),
            date_time,
            extra: String::new(),
        }
    }

    fn output(f: impl Fn(&mut Vec<u8>) -> Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn q5_by_hand() {
        // Auction 1 has bids at 1 s and 3 s, auction 2 at 3.5 s and 11 s.
        let bids = [
            bid(1, 5, 1_000),
            bid(1, 5, 3_000),
            bid(2, 5, 3_500),
            bid(2, 5, 11_000),
        ];
        let text = output(|w| q5(&bids, w));
        // Windows [-8,2) and [-6,4) .. [0,10): auction 1 leads with 1 or 2 bids except in
        // [-8,2) (only 1) and from [2,12): [2,12) has 1:1 (3 s), 2:2; [4,14) and on: 2.
        let expected = "-8000,1,1\n-6000,1,2\n-4000,1,2\n-2000,1,2\n0,1,2\n\
                        2000,2,2\n4000,2,1\n6000,2,1\n8000,2,1\n10000,2,1\n";
        let mut got: Vec<&str> = text.lines().collect();
        got.sort_by_key(|l| l.split(',').next().unwrap().parse::<i64>().unwrap());
        assert_eq!(got.join("\n") + "\n", expected);
    }

    #[test]
    fn q7_keeps_ties() {
        let bids = [
            bid(1, 5, 1_000),
            bid(2, 9, 2_000),
            bid(3, 9, 9_999),
            bid(4, 8, 10_000),
        ];
        let text = output(|w| q7(&bids, w));
        assert_eq!(text, "0,2,7,9,2000\n0,3,7,9,9999\n10000,4,7,8,10000\n");
    }

    #[test]
    fn q8_same_window_only() {
        let person = |id: u64, t: i64| Person {
            id,
            name: format!("p{id}"),
            email: String::new(),
            credit_card: String::new(),
            city: String::new(),
            state: String::new(),
            date_time: t,
            extra: String::new(),
        };
        let auction = |seller: u64, t: i64| Auction {
            id: 1,
            item_name: String::new(),
            description: String::new(),
            initial_bid: 1,
            reserve: 1,
            date_time: t,
            expires: t,
            seller,
            category: 10,
            extra: String::new(),
        };
        let persons = [person(1, 1_000), person(2, 9_000), person(3, 12_000)];
        let auctions = [
            auction(1, 9_999),
            auction(1, 5_000),
            auction(2, 10_000),
            auction(3, 19_999),
        ];
        let text = output(|w| q8(&persons, &auctions, w));
        assert_eq!(text, "1,p1,0\n3,p3,10000\n");
    }
}
