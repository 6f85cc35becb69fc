//! Single-threaded hand-written programs for the comparison's workloads that the older
//! benchmarks lack: event-time windows over a CSV, and TPC-H Q1 and Q3 over Parquet
//! (read column by column with the parquet crate, exact decimals as integers).

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{Date32Type, Decimal128Type, Int32Type, Int64Type};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rustc_hash::{FxHashMap, FxHashSet};
use strom_core::{Date, Decimal};

/// Rows of a Parquet file (from its footer).
pub(crate) fn parquet_rows(path: &Path) -> Result<u64> {
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    Ok(builder.metadata().file_metadata().num_rows() as u64)
}

/// Every batch of the `columns` of the Parquet file `path`, in order.
fn for_batches(
    path: &Path,
    columns: &[&str],
    mut f: impl FnMut(&RecordBatch) -> Result<()>,
) -> Result<()> {
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)?;
    let schema = builder.parquet_schema();
    let indices: Vec<usize> = columns
        .iter()
        .map(|c| {
            (0..schema.num_columns())
                .find(|&i| schema.column(i).name() == *c)
                .with_context(|| format!("{}: no column {c}", path.display()))
        })
        .collect::<Result<_>>()?;
    let mask = ProjectionMask::leaves(schema, indices);
    for batch in builder
        .with_projection(mask)
        .with_batch_size(64 * 1024)
        .build()?
    {
        f(&batch?)?;
    }
    Ok(())
}

fn strings(batch: &RecordBatch, i: usize) -> Result<Vec<String>> {
    let column = arrow::compute::cast(batch.column(i), &arrow::datatypes::DataType::Utf8)?;
    let column = column.as_string::<i32>();
    Ok((0..column.len())
        .map(|r| column.value(r).to_string())
        .collect())
}

/// TPC-H Q1 over `data/lineitem.parquet`, written as CSV to `out`.
pub(crate) fn tpch_q1(data: &Path, out: &Path) -> Result<()> {
    #[derive(Default)]
    struct Acc {
        qty: i128,
        price: i128,
        disc_price: i128,
        charge: i128,
        disc: i128,
        count: i64,
    }
    let cutoff = Date::from_ymd(1998, 12, 1).days() - 90;
    let mut groups: BTreeMap<(String, String), Acc> = BTreeMap::new();
    let columns = [
        "l_quantity",
        "l_extendedprice",
        "l_discount",
        "l_tax",
        "l_returnflag",
        "l_linestatus",
        "l_shipdate",
    ];
    for_batches(&data.join("lineitem.parquet"), &columns, |b| {
        let dec = |i: usize| b.column(i).as_primitive::<Decimal128Type>();
        let (qty, price, disc, tax) = (dec(0), dec(1), dec(2), dec(3));
        let (flag, status) = (strings(b, 4)?, strings(b, 5)?);
        let ship = b.column(6).as_primitive::<Date32Type>();
        for r in 0..b.num_rows() {
            if ship.value(r) > cutoff {
                continue;
            }
            let acc = groups
                .entry((flag[r].clone(), status[r].clone()))
                .or_default();
            let (q, p, d, t) = (qty.value(r), price.value(r), disc.value(r), tax.value(r));
            acc.qty += q;
            acc.price += p;
            acc.disc_price += p * (100 - d);
            acc.charge += p * (100 - d) * (100 + t);
            acc.disc += d;
            acc.count += 1;
        }
        Ok(())
    })?;
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    writeln!(
        w,
        "l_returnflag,l_linestatus,sum_qty,sum_base_price,sum_disc_price,sum_charge,avg_qty,avg_price,avg_disc,count_order"
    )?;
    for ((flag, status), a) in groups {
        let n = a.count as f64;
        writeln!(
            w,
            "{flag},{status},{},{},{},{},{},{},{},{}",
            Decimal::new(a.qty, 2),
            Decimal::new(a.price, 2),
            Decimal::new(a.disc_price, 4),
            Decimal::new(a.charge, 6),
            a.qty as f64 / 100.0 / n,
            a.price as f64 / 100.0 / n,
            a.disc as f64 / 100.0 / n,
            a.count
        )?;
    }
    w.flush()?;
    Ok(())
}

/// TPC-H Q3 (segment BUILDING, date 1995-03-15) over `data/{customer,orders,lineitem}.parquet`.
pub(crate) fn tpch_q3(data: &Path, out: &Path) -> Result<()> {
    let date = Date::from_ymd(1995, 3, 15).days();
    let mut customers: FxHashSet<i64> = FxHashSet::default();
    for_batches(
        &data.join("customer.parquet"),
        &["c_custkey", "c_mktsegment"],
        |b| {
            let keys = b.column(0).as_primitive::<Int64Type>();
            for (r, s) in strings(b, 1)?.iter().enumerate() {
                if s == "BUILDING" {
                    customers.insert(keys.value(r));
                }
            }
            Ok(())
        },
    )?;
    if customers.is_empty() {
        bail!("{}: no BUILDING customers", data.display());
    }
    let mut orders: FxHashMap<i64, (i32, i32)> = FxHashMap::default();
    for_batches(
        &data.join("orders.parquet"),
        &["o_orderkey", "o_custkey", "o_orderdate", "o_shippriority"],
        |b| {
            let key = b.column(0).as_primitive::<Int64Type>();
            let cust = b.column(1).as_primitive::<Int64Type>();
            let odate = b.column(2).as_primitive::<Date32Type>();
            let prio = b.column(3).as_primitive::<Int32Type>();
            for r in 0..b.num_rows() {
                if odate.value(r) < date && customers.contains(&cust.value(r)) {
                    orders.insert(key.value(r), (odate.value(r), prio.value(r)));
                }
            }
            Ok(())
        },
    )?;
    let mut revenue: FxHashMap<i64, i128> = FxHashMap::default();
    for_batches(
        &data.join("lineitem.parquet"),
        &["l_orderkey", "l_extendedprice", "l_discount", "l_shipdate"],
        |b| {
            let key = b.column(0).as_primitive::<Int64Type>();
            let price = b.column(1).as_primitive::<Decimal128Type>();
            let disc = b.column(2).as_primitive::<Decimal128Type>();
            let ship = b.column(3).as_primitive::<Date32Type>();
            for r in 0..b.num_rows() {
                if ship.value(r) > date && orders.contains_key(&key.value(r)) {
                    *revenue.entry(key.value(r)).or_default() +=
                        price.value(r) * (100 - disc.value(r));
                }
            }
            Ok(())
        },
    )?;
    let mut rows: Vec<(i64, i128, i32, i32)> = revenue
        .into_iter()
        .map(|(k, rev)| (k, rev, orders[&k].0, orders[&k].1))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)));
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    writeln!(w, "l_orderkey,revenue,o_orderdate,o_shippriority")?;
    for (k, rev, odate, prio) in rows.into_iter().take(10) {
        writeln!(w, "{k},{},{},{prio}", Decimal::new(rev, 4), Date(odate))?;
    }
    w.flush()?;
    Ok(())
}

/// Event-time windows (`tumbling:SIZE`, `sliding:SIZE:SLIDE`, `session:GAP`, ms) of
/// count and sum per key over a CSV of `key,event_time_ms,value`, as `window-agg` writes
/// them. The generated events are never later than the bound, so nothing is dropped.
pub(crate) fn window_agg(input: &Path, _bound_ms: i64, spec: &str, out: &Path) -> Result<()> {
    let text = std::fs::read_to_string(input).with_context(|| format!("{}", input.display()))?;
    let mut parts = spec.split(':');
    let kind = parts.next().unwrap_or_default();
    let lengths: Vec<i64> = parts.map(str::parse).collect::<Result<_, _>>()?;
    // (key, start, end) -> (count, sum)
    let mut windows: FxHashMap<(String, i64, i64), (u64, f64)> = FxHashMap::default();
    let mut per_key: FxHashMap<String, Vec<(i64, f64)>> = FxHashMap::default();
    for (n, line) in text.lines().enumerate().skip(1) {
        let mut f = line.split(',');
        let (Some(key), Some(ts), Some(value)) = (f.next(), f.next(), f.next()) else {
            bail!("{}:{}: not key,event_time_ms,value", input.display(), n + 1);
        };
        let (ts, value): (i64, f64) = (ts.parse()?, value.parse()?);
        match (kind, lengths.as_slice()) {
            ("tumbling", &[size]) | ("sliding", &[size, _]) => {
                let slide = lengths.get(1).copied().unwrap_or(size);
                let mut start = ts - ts.rem_euclid(slide);
                while start > ts - size {
                    let acc = windows
                        .entry((key.to_string(), start, start + size))
                        .or_default();
                    acc.0 += 1;
                    acc.1 += value;
                    start -= slide;
                }
            }
            ("session", &[_]) => per_key
                .entry(key.to_string())
                .or_default()
                .push((ts, value)),
            _ => bail!("unknown window {spec:?}"),
        }
    }
    // Sessions: an event opens [ts, ts + gap); windows that touch or overlap merge.
    if let ("session", &[gap]) = (kind, lengths.as_slice()) {
        for (key, mut events) in per_key {
            events.sort_by_key(|e| e.0);
            let mut current: Option<(i64, i64, u64, f64)> = None;
            for (ts, v) in events {
                current = match current {
                    Some((s, e, n, sum)) if ts <= e => Some((s, e.max(ts + gap), n + 1, sum + v)),
                    Some((s, e, n, sum)) => {
                        windows.insert((key.clone(), s, e), (n, sum));
                        Some((ts, ts + gap, 1, v))
                    }
                    None => Some((ts, ts + gap, 1, v)),
                };
            }
            if let Some((s, e, n, sum)) = current {
                windows.insert((key, s, e), (n, sum));
            }
        }
    }
    let mut rows: Vec<_> = windows.into_iter().collect();
    rows.sort_by(|a, b| (a.0.1, &a.0.0, a.0.2).cmp(&(b.0.1, &b.0.0, b.0.2)));
    let mut w = BufWriter::new(std::fs::File::create(out)?);
    writeln!(w, "key,window_start,window_end,count,sum")?;
    for ((key, start, end), (count, sum)) in rows {
        writeln!(w, "{key},{start},{end},{count},{sum}")?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_by_hand() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("e.csv");
        std::fs::write(
            &input,
            "key,event_time_ms,value\na,100,1\na,1500,2\nb,999,4\na,1700,3\n",
        )
        .unwrap();
        let out = dir.path().join("o.csv");
        window_agg(&input, 0, "tumbling:1000", &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "key,window_start,window_end,count,sum\na,0,1000,1,1\nb,0,1000,1,4\na,1000,2000,2,5\n"
        );
        window_agg(&input, 0, "sliding:1000:500", &out).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.contains("a,-500,500,1,1\n") && text.contains("a,1500,2500,2,5\n"));
        assert!(text.contains("b,500,1500,1,4\n") && text.contains("a,1000,2000,2,5\n"));
        // Gap 200: a at 1500 and 1700 touch (1500 + 200 = 1700) and merge.
        window_agg(&input, 0, "session:200", &out).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "key,window_start,window_end,count,sum\na,100,300,1,1\nb,999,1199,1,4\na,1500,1900,2,5\n"
        );
    }
}
