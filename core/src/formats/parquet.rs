//! Parquet: row-group splits, column projection from the record type, and row-group
//! pruning on min/max statistics.
//!
//! Every arrow-rs physical layout of a logical type is read alike: decimals stored as
//! `INT32`, `INT64` or `FIXED_LEN_BYTE_ARRAY` all arrive as `Decimal128`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use futures::FutureExt;
use futures::StreamExt;
use futures::future::BoxFuture;
use object_store::ObjectStoreExt;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions};
use parquet::arrow::async_reader::{AsyncFileReader, ParquetRecordBatchStreamBuilder};
use parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};

use crate::error::{Error, Result};
use crate::storage::FileMeta;
use crate::types::{Date, Decimal};

/// How Parquet files are read.
#[derive(Clone, Debug)]
pub struct ParquetOptions {
    /// Rows per decoded batch (default 8192).
    pub batch_size: usize,
    /// Row groups whose statistics prove this false are skipped (default none). Rows of the
    /// remaining row groups are not filtered: keep the filter in the job.
    pub predicate: Option<StatsPredicate>,
}

impl Default for ParquetOptions {
    fn default() -> Self {
        ParquetOptions {
            batch_size: 8192,
            predicate: None,
        }
    }
}

impl ParquetOptions {
    /// Sets the row-group pruning predicate.
    #[must_use]
    pub fn with_predicate(mut self, predicate: StatsPredicate) -> Self {
        self.predicate = Some(predicate);
        self
    }
}

/// A literal to compare a column's statistics with.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// Any integer column.
    Int(i64),
    /// Float columns.
    Float(f64),
    /// String columns.
    Str(String),
    /// `Date32` columns.
    Date(Date),
    /// `Decimal128` columns.
    Decimal(Decimal),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A predicate over column statistics, for skipping row groups.
#[derive(Clone, Debug, PartialEq)]
pub enum StatsPredicate {
    /// `column op value`.
    Cmp(String, CmpOp, Scalar),
    /// All of them.
    And(Vec<StatsPredicate>),
    /// Any of them.
    Or(Vec<StatsPredicate>),
}

impl StatsPredicate {
    /// `column op value`.
    pub fn cmp(column: &str, op: CmpOp, value: Scalar) -> Self {
        StatsPredicate::Cmp(column.to_string(), op, value)
    }

    /// Whether rows in a range `[min, max]` may satisfy the predicate (true when unknown).
    fn may_match(&self, stats: &dyn Fn(&str) -> Option<(Scalar, Scalar)>) -> bool {
        match self {
            StatsPredicate::And(ps) => ps.iter().all(|p| p.may_match(stats)),
            StatsPredicate::Or(ps) => ps.iter().any(|p| p.may_match(stats)),
            StatsPredicate::Cmp(col, op, v) => {
                let Some((min, max)) = stats(col) else {
                    return true;
                };
                let (Some(lo), Some(hi)) = (compare(&min, v), compare(&max, v)) else {
                    return true;
                };
                use std::cmp::Ordering::*;
                match op {
                    CmpOp::Eq => lo != Greater && hi != Less,
                    CmpOp::Lt => lo == Less,
                    CmpOp::Le => lo != Greater,
                    CmpOp::Gt => hi == Greater,
                    CmpOp::Ge => hi != Less,
                }
            }
        }
    }
}

fn compare(a: &Scalar, b: &Scalar) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Scalar::Int(x), Scalar::Int(y)) => Some(x.cmp(y)),
        (Scalar::Float(x), Scalar::Float(y)) => x.partial_cmp(y),
        (Scalar::Str(x), Scalar::Str(y)) => Some(x.cmp(y)),
        (Scalar::Date(x), Scalar::Date(y)) => Some(x.cmp(y)),
        (Scalar::Decimal(x), Scalar::Decimal(y)) => Some(x.cmp(y)),
        (Scalar::Decimal(x), Scalar::Int(y)) => Some(x.cmp(&Decimal::from(*y))),
        _ => None,
    }
}

fn scalar_at(array: &ArrayRef, i: usize) -> Option<Scalar> {
    if array.is_null(i) {
        return None;
    }
    Some(match array.data_type() {
        DataType::Int32 => Scalar::Int(i64::from(
            array.as_primitive::<arrow::datatypes::Int32Type>().value(i),
        )),
        DataType::Int64 => {
            Scalar::Int(array.as_primitive::<arrow::datatypes::Int64Type>().value(i))
        }
        DataType::Float64 => Scalar::Float(
            array
                .as_primitive::<arrow::datatypes::Float64Type>()
                .value(i),
        ),
        DataType::Utf8 => Scalar::Str(array.as_string::<i32>().value(i).to_string()),
        DataType::Date32 => Scalar::Date(Date(
            array
                .as_primitive::<arrow::datatypes::Date32Type>()
                .value(i),
        )),
        DataType::Decimal128(_, s) if *s >= 0 => Scalar::Decimal(Decimal::new(
            array
                .as_primitive::<arrow::datatypes::Decimal128Type>()
                .value(i),
            *s as u8,
        )),
        _ => return None,
    })
}

/// One row group of one file.
#[derive(Clone, Debug)]
pub struct ParquetSplit {
    /// The file.
    pub file: FileMeta,
    /// The row group.
    pub row_group: usize,
    /// File row number of the row group's first row.
    pub first_row: u64,
}

fn metadata_cache() -> &'static Mutex<HashMap<(String, u64), ArrowReaderMetadata>> {
    static CACHE: OnceLock<Mutex<HashMap<(String, u64), ArrowReaderMetadata>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// Reads one Parquet file through object_store.
struct StoreReader {
    file: FileMeta,
}

impl AsyncFileReader for StoreReader {
    fn get_bytes(
        &mut self,
        range: std::ops::Range<u64>,
    ) -> BoxFuture<'_, parquet::errors::Result<bytes::Bytes>> {
        let (store, path) = (
            self.file.location.store.clone(),
            self.file.location.path.clone(),
        );
        async move {
            store
                .get_range(&path, range)
                .await
                .map_err(|e| parquet::errors::ParquetError::External(Box::new(e)))
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let size = self.file.size;
            let reader = ParquetMetaDataReader::new()
                .with_metadata_options(options.map(|o| o.metadata_options().clone()))
                .with_prefetch_hint(Some(64 << 10));
            Ok(Arc::new(reader.load_and_finish(self, size).await?))
        }
        .boxed()
    }
}

fn reader(file: &FileMeta) -> StoreReader {
    StoreReader { file: file.clone() }
}

/// The footer of `file` (cached per process).
///
/// # Errors
/// [`Error::Format`] naming the file when it is not Parquet.
pub fn metadata(file: &FileMeta) -> Result<ArrowReaderMetadata> {
    let key = (file.location.url.clone(), file.size);
    if let Some(m) = metadata_cache().lock().expect("cache lock").get(&key) {
        return Ok(m.clone());
    }
    let mut r = reader(file);
    let loaded = crate::io_runtime::block_on(async move {
        ArrowReaderMetadata::load_async(&mut r, ArrowReaderOptions::new()).await
    })
    .map_err(|e| {
        Error::format(
            &file.location.url,
            format!("not a readable Parquet file: {e}"),
        )
    })?;
    metadata_cache()
        .lock()
        .expect("cache lock")
        .insert(key, loaded.clone());
    Ok(loaded)
}

/// Splits `files` into row groups, dropping those that `options.predicate` rules out.
///
/// # Errors
/// As [`metadata`].
pub fn plan_splits(files: &[FileMeta], options: &ParquetOptions) -> Result<Vec<ParquetSplit>> {
    let mut splits = Vec::new();
    for file in files {
        let meta = metadata(file)?;
        let groups = meta.metadata().row_groups();
        let keep = row_group_filter(&meta, options.predicate.as_ref());
        let mut first_row = 0u64;
        for (i, group) in groups.iter().enumerate() {
            if keep[i] {
                splits.push(ParquetSplit {
                    file: file.clone(),
                    row_group: i,
                    first_row,
                });
            }
            first_row += group.num_rows() as u64;
        }
    }
    Ok(splits)
}

fn row_group_filter(meta: &ArrowReaderMetadata, predicate: Option<&StatsPredicate>) -> Vec<bool> {
    let groups = meta.metadata().row_groups();
    let Some(predicate) = predicate else {
        return vec![true; groups.len()];
    };
    let mut ranges: HashMap<String, (ArrayRef, ArrayRef)> = HashMap::new();
    let schema = meta.schema();
    let mut columns = Vec::new();
    collect_columns(predicate, &mut columns);
    for col in columns {
        let Ok(conv) = StatisticsConverter::try_new(&col, schema, meta.parquet_schema()) else {
            continue;
        };
        let (Ok(mins), Ok(maxs)) = (conv.row_group_mins(groups), conv.row_group_maxes(groups))
        else {
            continue;
        };
        ranges.insert(col, (mins, maxs));
    }
    (0..groups.len())
        .map(|i| {
            predicate.may_match(&|col: &str| {
                let (mins, maxs) = ranges.get(col)?;
                Some((scalar_at(mins, i)?, scalar_at(maxs, i)?))
            })
        })
        .collect()
}

fn collect_columns(p: &StatsPredicate, out: &mut Vec<String>) {
    match p {
        StatsPredicate::Cmp(c, _, _) => out.push(c.clone()),
        StatsPredicate::And(ps) | StatsPredicate::Or(ps) => {
            ps.iter().for_each(|p| collect_columns(p, out))
        }
    }
}

/// A decoded batch and where it came from.
pub struct ParquetChunk {
    /// The rows.
    pub batch: RecordBatch,
    /// The file's URL.
    pub source: String,
    /// File row number of the batch's first row.
    pub first_row: u64,
}

/// Reads the columns named `columns` (all when `None`) of `split`, sending batches to `send`
/// until it returns `false`.
///
/// # Errors
/// [`Error::Format`] naming the file when a page cannot be decoded, or a named column is
/// missing.
pub fn read_split(
    split: &ParquetSplit,
    columns: Option<&[&str]>,
    batch_size: usize,
    send: &mut dyn FnMut(ParquetChunk) -> bool,
) -> Result<()> {
    let meta = metadata(&split.file)?;
    let url = split.file.location.url.clone();
    let mask = match columns {
        None => ProjectionMask::all(),
        Some(names) => {
            let schema = meta.schema();
            let mut indices = Vec::new();
            for name in names {
                match schema.index_of(name) {
                    Ok(i) => indices.push(i),
                    Err(_) => {
                        let all: Vec<&str> =
                            schema.fields().iter().map(|f| f.name().as_str()).collect();
                        return Err(Error::Plan(format!(
                            "{url}: no column named {name:?} (columns: {})",
                            all.join(", ")
                        )));
                    }
                }
            }
            ProjectionMask::roots(meta.parquet_schema(), indices)
        }
    };
    let builder = ParquetRecordBatchStreamBuilder::new_with_metadata(reader(&split.file), meta)
        .with_row_groups(vec![split.row_group])
        .with_projection(mask)
        .with_batch_size(batch_size);
    let mut stream = builder.build().map_err(|e| {
        Error::format(
            &url,
            format!("cannot read row group {}: {e}", split.row_group),
        )
    })?;
    let handle = crate::io_runtime::handle();
    let mut row = split.first_row;
    while let Some(batch) = handle.block_on(stream.next()) {
        let batch = batch.map_err(|e| {
            Error::format(
                format!("{url}: row group {}, near row {}", split.row_group, row + 1),
                e,
            )
        })?;
        let n = batch.num_rows() as u64;
        if !send(ParquetChunk {
            batch,
            source: url.clone(),
            first_row: row,
        }) {
            return Ok(());
        }
        row += n;
    }
    Ok(())
}

/// The column names a record type `T` reads from `file`, in the projected batch's order.
pub fn columns_for<T: serde::de::DeserializeOwned>() -> Option<&'static [&'static str]> {
    super::schema::field_names::<T>()
}

/// An `Arc` so sources can share options between workers.
pub type SharedOptions = Arc<ParquetOptions>;

/// Writes records of one type as a Parquet file (zstd-compressed, row groups of up to
/// 1M rows; see [`super::arrow_ser`] for the column types).
pub struct ParquetFileWriter<W: std::io::Write + Send> {
    encoder: super::arrow_ser::BatchEncoder,
    writer: Option<parquet::arrow::ArrowWriter<W>>,
    out: Option<W>,
}

/// Rows encoded per Arrow batch.
const WRITE_BATCH: usize = 8192;

impl<W: std::io::Write + Send> ParquetFileWriter<W> {
    /// A writer into `out`; the schema comes from the first batch of records.
    pub fn new(out: W) -> Self {
        ParquetFileWriter {
            encoder: super::arrow_ser::BatchEncoder::new(),
            writer: None,
            out: Some(out),
        }
    }

    fn flush_batch(&mut self) -> Result<()> {
        let batch = self.encoder.finish_batch()?;
        if self.writer.is_none() {
            let props = parquet::file::properties::WriterProperties::builder()
                .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
                .set_max_row_group_row_count(Some(1 << 20))
                .build();
            let out = self
                .out
                .take()
                .expect("output is set until the writer exists");
            self.writer = Some(
                parquet::arrow::ArrowWriter::try_new(out, batch.schema(), Some(props))
                    .map_err(|e| Error::Internal(format!("starting a Parquet file: {e}")))?,
            );
        }
        self.writer
            .as_mut()
            .expect("writer was just created")
            .write(&batch)
            .map_err(|e| Error::Io(std::io::Error::other(e)))
    }

    /// Adds one record.
    ///
    /// # Errors
    /// [`Error::Plan`] for records without a columnar form; I/O errors.
    pub fn write<T: serde::Serialize>(&mut self, record: &T) -> Result<()> {
        self.encoder.push(record)?;
        if self.encoder.len() >= WRITE_BATCH {
            self.flush_batch()?;
        }
        Ok(())
    }

    /// Writes the footer and returns the output.
    ///
    /// # Errors
    /// I/O errors.
    pub fn finish(mut self) -> Result<W> {
        if !self.encoder.is_empty() || self.writer.is_none() {
            self.flush_batch()?;
        }
        self.writer
            .take()
            .expect("a batch was written")
            .into_inner()
            .map_err(|e| Error::Io(std::io::Error::other(e)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::{list_files, resolve};

    /// Sums column `x` of the Parquet file at `url`.
    fn sum_x(url: &str) -> Result<i64> {
        let mut sum = 0;
        for split in plan_splits(&list_files(url)?, &ParquetOptions::default())? {
            let mut chunks = Vec::new();
            read_split(&split, Some(&["x"]), 1024, &mut |chunk| {
                chunks.push(chunk.batch);
                true
            })?;
            for batch in chunks {
                let x = batch
                    .column(0)
                    .as_any()
                    .downcast_ref::<arrow::array::Int64Array>()
                    .expect("an int64 column");
                sum += x.iter().flatten().sum::<i64>();
            }
        }
        Ok(sum)
    }

    /// A file written by pyarrow with page checksums (`write_page_checksum=True`): column
    /// `x` holds 0..1000 in one uncompressed, plain-encoded data page at bytes 4..8039.
    const WITH_CHECKSUMS: &[u8] = include_bytes!("testdata/page_checksums.parquet");

    #[test]
    fn page_checksums_are_verified() {
        let intact = "memory://parquet-crc/intact.parquet";
        resolve(intact)
            .unwrap()
            .write(bytes::Bytes::from_static(WITH_CHECKSUMS))
            .unwrap();
        assert_eq!(sum_x(intact).unwrap(), (0..1000).sum::<i64>());

        let mut flipped = WITH_CHECKSUMS.to_vec();
        flipped[4000] ^= 0x10; // inside the values of the data page
        let corrupt = "memory://parquet-crc/corrupt.parquet";
        resolve(corrupt)
            .unwrap()
            .write(bytes::Bytes::from(flipped))
            .unwrap();
        let err = sum_x(corrupt).unwrap_err().to_string();
        assert!(err.contains(corrupt) && err.contains("CRC"), "{err}");
    }
}
