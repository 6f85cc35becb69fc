//! `teragen`, `terasort` and `teravalidate`: the TeraSort benchmark's three jobs.
//!
//! Records are 100 bytes, as in Hadoop's TeraGen: a 10-byte key of printable characters,
//! `00 11`, the row id as 32 hex digits, `88 99 AA BB`, 48 filler bytes and `CC DD EE FF`.
//! The key and filler of row `i` depend only on `i`, so the data set is the same at any
//! parallelism. `terasort` range-partitions by key (boundaries from a sample) and sorts
//! each partition out of core; worker `i` writes `part-0000i`, so the output is globally
//! sorted across its files in name order. The checksum is the wrapping sum of a stable
//! hash of every record: equal for the input and the output of a correct sort.

use anyhow::{Result, bail};
use strom_core::RuntimeConfig;
use strom_core::keys::stable_hash;
use strom_core::storage::JobPaths;
use strom_dataset::{Order, execute, execute_with_metrics};

/// Bytes per record.
pub const RECORD_LEN: usize = 100;
/// Bytes of the key at the start of each record.
pub const KEY_LEN: usize = 10;

/// `strom run teragen` options.
#[derive(clap::Args, Debug, Clone)]
pub struct TeraGenArgs {
    /// Number of 100-byte records.
    #[arg(long)]
    pub rows: u64,
    /// Output folder (one part file per worker).
    #[arg(long, value_name = "URL")]
    pub output: String,
}

/// `strom run terasort` options.
#[derive(clap::Args, Debug, Clone)]
pub struct TeraSortArgs {
    /// Input: teragen's output (a folder, file or glob).
    #[arg(long, value_name = "URL")]
    pub input: String,
    /// Output folder (one part file per worker, sorted across files in name order).
    #[arg(long, value_name = "URL")]
    pub output: String,
}

/// `strom run teravalidate` options.
#[derive(clap::Args, Debug, Clone)]
pub struct TeraValidateArgs {
    /// The sorted output to check.
    #[arg(long, value_name = "URL")]
    pub input: String,
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Record `row` of the data set.
pub fn record(row: u64) -> Vec<u8> {
    let mut r = Vec::with_capacity(RECORD_LEN);
    let (a, b) = (splitmix(row), splitmix(row ^ 0x5555_5555_5555_5555));
    for i in 0..KEY_LEN {
        let bits = if i < 8 {
            a >> (i * 8)
        } else {
            b >> ((i - 8) * 8)
        };
        r.push(b' ' + (bits % 95) as u8);
    }
    r.extend_from_slice(&[0x00, 0x11]);
    r.extend_from_slice(format!("{row:032X}").as_bytes());
    r.extend_from_slice(&[0x88, 0x99, 0xAA, 0xBB]);
    for i in 0..48u64 {
        r.push(b'A' + ((row / 4 + i / 4) % 26) as u8);
    }
    r.extend_from_slice(&[0xCC, 0xDD, 0xEE, 0xFF]);
    debug_assert_eq!(r.len(), RECORD_LEN);
    r
}

/// The sort key: the first 10 bytes, as a number that orders like the bytes.
pub fn key(record: &[u8]) -> u128 {
    record[..KEY_LEN]
        .iter()
        .fold(0u128, |k, &b| (k << 8) | u128::from(b))
}

/// The order-independent checksum contribution of one record.
pub fn checksum(record: &[u8]) -> u64 {
    stable_hash(record)
}

fn folder(url: &str) -> String {
    if url.ends_with('/') {
        url.to_string()
    } else {
        format!("{url}/")
    }
}

impl TeraGenArgs {
    /// What the job writes, for the checks before launch.
    pub fn paths(&self) -> JobPaths {
        JobPaths {
            inputs: Vec::new(),
            outputs: vec![folder(&self.output)],
        }
    }
}

impl TeraSortArgs {
    /// What the job reads and writes, for the checks before launch.
    pub fn paths(&self) -> JobPaths {
        JobPaths {
            inputs: vec![self.input.clone()],
            outputs: vec![folder(&self.output)],
        }
    }
}

/// Runs teragen; prints the row count and checksum.
pub fn generate(config: &RuntimeConfig, args: &TeraGenArgs) -> Result<()> {
    let (rows, output) = (args.rows, folder(&args.output));
    let sum = execute(config, move |env| {
        let records = if rows == 0 {
            env.empty()
        } else {
            env.generate_sequence(0, rows - 1).map(record)
        };
        records.write_bytes(&output);
        records
            .map(|r| checksum(&r))
            .reduce(u64::wrapping_add)
            .collect()
    })?;
    if let Some(sum) = sum {
        println!(
            "rows {rows}, checksum {:016x}",
            sum.first().copied().unwrap_or(0)
        );
    }
    Ok(())
}

/// Runs terasort; reports on standard error how much this process spilled.
pub fn sort(config: &RuntimeConfig, args: &TeraSortArgs) -> Result<()> {
    let (input, output) = (args.input.clone(), folder(&args.output));
    let (_, metrics) = execute_with_metrics(config, move |env| {
        env.read_fixed(&input, RECORD_LEN)
            .partition_by_range(|r: &Vec<u8>| key(r))
            .sort_partition(|r: &Vec<u8>| key(r), Order::Ascending)
            .write_bytes(&output);
    })?;
    if metrics.spill_files > 0 {
        eprintln!(
            "process {}: spilled {} files ({:.1} MiB)",
            config.process_index,
            metrics.spill_files,
            metrics.spilled_bytes as f64 / (1 << 20) as f64
        );
    }
    Ok(())
}

/// Runs teravalidate: reads the files in name order and checks that keys never go down;
/// prints the row count and checksum.
pub fn validate(args: &TeraValidateArgs) -> Result<()> {
    let files = strom_core::storage::list_files(&args.input)?;
    let (mut rows, mut sum, mut last): (u64, u64, Option<u128>) = (0, 0, None);
    for file in &files {
        if file.size % RECORD_LEN as u64 != 0 {
            bail!(
                "{}: size {} is not a multiple of {RECORD_LEN}",
                file.location.url,
                file.size
            );
        }
        // Read in steps of whole records.
        let step = (8 << 20) / RECORD_LEN as u64 * RECORD_LEN as u64;
        let mut at = 0;
        while at < file.size {
            let end = (at + step).min(file.size);
            let bytes = file.location.read_range(at..end)?;
            for (i, r) in bytes.chunks_exact(RECORD_LEN).enumerate() {
                let k = key(r);
                if last.is_some_and(|l| k < l) {
                    bail!(
                        "not sorted: {} record {} has a smaller key than the record before it",
                        file.location.url,
                        at / RECORD_LEN as u64 + i as u64
                    );
                }
                last = Some(k);
                sum = sum.wrapping_add(checksum(r));
                rows += 1;
            }
            at = end;
        }
    }
    println!("rows {rows}, checksum {sum:016x}, sorted: yes");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_have_the_terasort_layout() {
        let r = record(7);
        assert_eq!(r.len(), 100);
        assert!(r[..10].iter().all(|b| (b' '..=b'~').contains(b)));
        assert_eq!(&r[10..12], &[0x00, 0x11]);
        assert_eq!(&r[12..44], b"00000000000000000000000000000007");
        assert_eq!(&r[96..], &[0xCC, 0xDD, 0xEE, 0xFF]);
        assert_ne!(record(7)[..10], record(8)[..10]);
        // Keys order like their bytes.
        let (a, b) = (record(1), record(2));
        assert_eq!(key(&a).cmp(&key(&b)), a[..10].cmp(&b[..10]));
    }
}
