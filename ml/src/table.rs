//! Tables: named, typed columns over a `DataSet` of rows, read from CSV (with a header)
//! or Parquet at any storage URL, and turned into labelled points by column names.
//!
//! Column types are known when the job is built: Parquet's from its schema, CSV's from
//! a sample of the first file (a column is numeric when every sampled value is a
//! number or empty; override with [`TableOptions::with_string_columns`]). A non-numeric
//! value in a numeric CSV column fails the job naming the file, line and column.
//! Known limitation: CSV fields with line breaks inside quotes are not supported.

use std::sync::Arc;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use strom_core::formats::parquet::metadata;
use strom_core::storage::list_files;
use strom_dataset::{DataSet, Env, Failure, ParquetOptions};

use crate::error::{Error, Result};
use crate::vector::{LabeledPoint, Vector};

/// One cell of a row.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// A number (NaN when missing).
    Num(f64),
    /// A string.
    Str(String),
    /// A feature vector.
    Vec(Vector),
}

impl Value {
    /// The number, if this is one.
    pub fn as_num(&self) -> Option<f64> {
        match self {
            Value::Num(x) => Some(*x),
            _ => None,
        }
    }
}

/// A row of a table: one value per column, in schema order.
pub type Row = Vec<Value>;

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColumnType {
    /// Numbers (`f64`).
    Number,
    /// Strings.
    String,
    /// Feature vectors.
    Vector,
}

/// A column's name and type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The column's name.
    pub name: String,
    /// The column's type.
    pub ty: ColumnType,
}

/// The columns of a table.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Schema {
    columns: Arc<Vec<Column>>,
}

impl Schema {
    /// A schema of `(name, type)` columns.
    pub fn new(columns: impl IntoIterator<Item = (String, ColumnType)>) -> Self {
        Schema {
            columns: Arc::new(
                columns
                    .into_iter()
                    .map(|(name, ty)| Column { name, ty })
                    .collect(),
            ),
        }
    }

    /// The columns.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column names, comma-separated (for messages).
    pub fn names(&self) -> String {
        let names: Vec<&str> = self.columns.iter().map(|c| c.name.as_str()).collect();
        names.join(", ")
    }

    /// The position of column `name`.
    ///
    /// # Errors
    /// [`Error::Column`] naming it and listing the columns there are.
    pub fn index(&self, name: &str) -> Result<usize> {
        self.columns
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| {
                Error::column(name, format!("no such column (columns: {})", self.names()))
            })
    }

    /// The position of column `name`, which must have one of the types `allowed`.
    ///
    /// # Errors
    /// [`Error::Column`] when it is missing or of another type.
    pub fn typed_index(&self, name: &str, allowed: &[ColumnType]) -> Result<usize> {
        let at = self.index(name)?;
        let ty = self.columns[at].ty;
        if allowed.contains(&ty) {
            Ok(at)
        } else {
            Err(Error::column(
                name,
                format!("has type {ty:?}, expected one of {allowed:?}"),
            ))
        }
    }

    /// This schema with column `name` of type `ty` appended, or replaced in place if it
    /// exists.
    pub fn with_column(&self, name: &str, ty: ColumnType) -> Schema {
        let mut columns = (*self.columns).clone();
        match columns.iter_mut().find(|c| c.name == name) {
            Some(c) => c.ty = ty,
            None => columns.push(Column {
                name: name.to_string(),
                ty,
            }),
        }
        Schema {
            columns: Arc::new(columns),
        }
    }

    /// The numeric columns other than `except`, in order.
    pub fn numeric_columns_except(&self, except: &[&str]) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.ty == ColumnType::Number && !except.contains(&c.name.as_str()))
            .map(|c| c.name.clone())
            .collect()
    }
}

/// Sets a value in a row at a schema position (appending when it is one past the end).
pub(crate) fn put(row: &mut Row, at: usize, value: Value) {
    if at < row.len() {
        row[at] = value;
    } else {
        row.push(value);
    }
}

/// A table in a job: its schema and its rows.
#[derive(Clone)]
pub struct Table<'scope> {
    /// The columns.
    pub schema: Schema,
    /// The rows, each in schema order.
    pub rows: DataSet<'scope, Row>,
}

impl<'scope> Table<'scope> {
    /// A table of `rows` with `schema`.
    pub fn new(schema: Schema, rows: DataSet<'scope, Row>) -> Self {
        Table { schema, rows }
    }

    /// The rows as labelled points: features from `features` (numeric columns, or one
    /// vector column), the label from numeric column `label`. A missing (NaN) or
    /// infinite label or feature fails the job naming its column.
    ///
    /// # Errors
    /// [`Error::Column`] for a missing column or one of the wrong type, or no features.
    pub fn points(
        &self,
        features: &[String],
        label: &str,
    ) -> Result<DataSet<'scope, LabeledPoint>> {
        self.checked_points(features, label, false)
    }

    /// As [`Table::points`], and every label must be a class index 0, 1, 2, ....
    pub(crate) fn class_points(
        &self,
        features: &[String],
        label: &str,
    ) -> Result<DataSet<'scope, LabeledPoint>> {
        self.checked_points(features, label, true)
    }

    fn checked_points(
        &self,
        features: &[String],
        label: &str,
        classes: bool,
    ) -> Result<DataSet<'scope, LabeledPoint>> {
        let label_at = self.schema.typed_index(label, &[ColumnType::Number])?;
        let extract = self.feature_extractor(features)?;
        let (features, label) = (features.to_vec(), label.to_string());
        let check = move |row: &Row| -> Result<LabeledPoint> {
            let y = num(&row[label_at]);
            if !y.is_finite() {
                return Err(Error::column(
                    &label,
                    format!("missing or infinite label {y}"),
                ));
            }
            if classes && (y < 0.0 || y.fract() != 0.0) {
                return Err(Error::column(
                    &label,
                    format!(
                        "{y} is not a class index (0, 1, 2, ...); index string or \
                         other labels first (string-indexer)"
                    ),
                ));
            }
            let x = extract(row);
            if let Some((j, v)) = x.iter_active().find(|(_, v)| !v.is_finite()) {
                let column = features.get(j).unwrap_or(&features[0]);
                return Err(Error::column(
                    column,
                    format!("missing or infinite value {v} (impute missing values first)"),
                ));
            }
            Ok(LabeledPoint::new(y, x))
        };
        Ok(self
            .rows
            .flat_map(fail_on_error(&self.rows.env().failure(), check)))
    }

    /// A function taking a row's features: numeric columns into a dense vector, or a
    /// single vector column as it is.
    ///
    /// # Errors
    /// [`Error::Column`] for a missing column or one of the wrong type, or no features.
    pub fn feature_extractor(
        &self,
        features: &[String],
    ) -> Result<impl Fn(&Row) -> Vector + Clone + 'static> {
        feature_extractor(&self.schema, features)
    }
}

/// `f` as a flat-map function: its value, or nothing after failing the job with its
/// error (the first one of each worker; the job fails at its end with the first).
pub(crate) fn fail_on_error<T, O>(
    failure: &Failure,
    mut f: impl FnMut(&T) -> Result<O> + 'static,
) -> impl FnMut(T) -> Option<O> + 'static {
    let failure = failure.clone();
    let mut failed = false;
    move |t| match f(&t) {
        Ok(o) => Some(o),
        Err(e) => {
            if !failed {
                failed = true;
                failure.fail(e.to_string());
            }
            None
        }
    }
}

pub(crate) fn num(v: &Value) -> f64 {
    v.as_num().unwrap_or(f64::NAN)
}

/// See [`Table::feature_extractor`].
pub(crate) fn feature_extractor(
    schema: &Schema,
    features: &[String],
) -> Result<impl Fn(&Row) -> Vector + Clone + 'static> {
    if features.is_empty() {
        return Err(Error::param("features", "no feature columns"));
    }
    let mut vector_at = None;
    if features.len() == 1 {
        let at = schema.index(&features[0])?;
        if schema.columns()[at].ty == ColumnType::Vector {
            vector_at = Some(at);
        }
    }
    let numeric: Vec<usize> = if vector_at.is_some() {
        Vec::new()
    } else {
        features
            .iter()
            .map(|f| schema.typed_index(f, &[ColumnType::Number]))
            .collect::<Result<_>>()?
    };
    Ok(move |row: &Row| match vector_at {
        Some(at) => match &row[at] {
            Value::Vec(v) => v.clone(),
            other => Vector::Dense(vec![num(other)]),
        },
        None => Vector::Dense(numeric.iter().map(|&i| num(&row[i])).collect()),
    })
}

/// How to read a table.
#[derive(Clone, Debug, Default)]
pub struct TableOptions {
    /// Columns to read as strings even when their values look numeric.
    pub string_columns: Vec<String>,
    /// The format; guessed from the URL (`.parquet` or `.pq`: Parquet, else CSV) if unset.
    pub format: Option<TableFormat>,
}

impl TableOptions {
    /// Reads `columns` as strings.
    #[must_use]
    pub fn with_string_columns(mut self, columns: &[&str]) -> Self {
        self.string_columns = columns.iter().map(|c| c.to_string()).collect();
        self
    }

    /// Sets the format.
    #[must_use]
    pub fn with_format(mut self, format: TableFormat) -> Self {
        self.format = Some(format);
        self
    }
}

/// A table's file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableFormat {
    /// CSV with a header row, comma-separated.
    Csv,
    /// Parquet.
    Parquet,
}

/// The format of the table at `url`: as set in `options`, or by its name.
fn format_of(url: &str, options: &TableOptions) -> TableFormat {
    options.format.unwrap_or_else(|| {
        let lower = url.to_ascii_lowercase();
        if lower.ends_with(".parquet") || lower.ends_with(".pq") {
            TableFormat::Parquet
        } else {
            TableFormat::Csv
        }
    })
}

/// The schema of the table at `url` (and, for CSV, its header line), read from its
/// first file.
fn schema_of(url: &str, options: &TableOptions) -> Result<(Schema, String)> {
    let files = list_files(url)?;
    let first = files
        .first()
        .ok_or_else(|| Error::Data(format!("{url}: no files")))?;
    match format_of(url, options) {
        TableFormat::Csv => {
            let sample = first.location.read_range(0..first.size.min(1 << 16))?;
            let text = String::from_utf8_lossy(&sample);
            let schema = csv_schema(&text, &first.location.url, options)?;
            let header_line = text
                .lines()
                .next()
                .unwrap_or_default()
                .trim_end_matches('\r')
                .to_string();
            Ok((schema, header_line))
        }
        TableFormat::Parquet => {
            let meta = metadata(first)?;
            let mut columns = Vec::new();
            for field in meta.schema().fields() {
                let name = field.name().to_string();
                let ty = field.data_type();
                let ty = if ty.is_numeric() || format!("{ty}") == "Boolean" {
                    ColumnType::Number
                } else if matches!(format!("{ty}").as_str(), "Utf8" | "LargeUtf8" | "Utf8View") {
                    ColumnType::String
                } else {
                    return Err(Error::column(
                        &name,
                        format!("unsupported Parquet type {ty}"),
                    ));
                };
                columns.push((name, ty));
            }
            Ok((Schema::new(columns), String::new()))
        }
    }
}

/// The schema of the table at `url`, without reading its rows (as [`read_table`]
/// finds it).
///
/// # Errors
/// As [`read_table`].
pub fn read_schema(url: &str, options: &TableOptions) -> Result<Schema> {
    Ok(schema_of(url, options)?.0)
}

/// Reads the table at `url` (a file or a folder of files).
///
/// # Errors
/// Storage errors, an empty or header-less CSV, an unreadable Parquet file or a Parquet
/// column of a type other than numbers, booleans and strings.
pub fn read_table<'scope>(
    env: &Env<'scope>,
    url: &str,
    options: &TableOptions,
) -> Result<Table<'scope>> {
    let (schema, header_line) = schema_of(url, options)?;
    match format_of(url, options) {
        TableFormat::Csv => {
            let types: Vec<ColumnType> = schema.columns().iter().map(|c| c.ty).collect();
            let names: Vec<String> = schema.columns().iter().map(|c| c.name.clone()).collect();
            let rows = env.read_lines_with(url, move |line| {
                let line = line.trim_end_matches('\r');
                if line == header_line || line.is_empty() {
                    return Ok(None);
                }
                parse_csv_row(line, &types, &names).map(Some)
            });
            Ok(Table::new(schema, rows))
        }
        TableFormat::Parquet => {
            let width = schema.columns().len();
            let rows = env
                .read_parquet::<ParquetRow>(url, ParquetOptions::default())
                .map(move |r| {
                    assert_eq!(r.0.len(), width, "a Parquet row has an unreadable column");
                    r.0
                });
            Ok(Table::new(schema, rows))
        }
    }
}

fn csv_schema(text: &str, file: &str, options: &TableOptions) -> Result<Schema> {
    let mut lines = text.lines();
    let header = lines
        .next()
        .ok_or_else(|| Error::Data(format!("{file}: empty file, expected a header row")))?;
    let names = split_csv_line(header.trim_end_matches('\r'));
    let mut numeric = vec![true; names.len()];
    // The last sampled line may be cut short: leave it out unless it is the only one.
    let sample: Vec<&str> = lines.filter(|l| !l.trim().is_empty()).collect();
    let keep = if text.ends_with('\n') {
        sample.len()
    } else {
        sample.len().saturating_sub(1)
    };
    for line in &sample[..keep] {
        for (i, cell) in split_csv_line(line.trim_end_matches('\r'))
            .iter()
            .enumerate()
        {
            if i < numeric.len() && !cell.trim().is_empty() && cell.trim().parse::<f64>().is_err() {
                numeric[i] = false;
            }
        }
    }
    Ok(Schema::new(names.into_iter().zip(numeric).map(
        |(name, n)| {
            let ty = if n && !options.string_columns.contains(&name) {
                ColumnType::Number
            } else {
                ColumnType::String
            };
            (name, ty)
        },
    )))
}

fn parse_csv_row(
    line: &str,
    types: &[ColumnType],
    names: &[String],
) -> std::result::Result<Row, String> {
    let cells = split_csv_line(line);
    if cells.len() != types.len() {
        return Err(format!(
            "{} fields, the header has {}",
            cells.len(),
            types.len()
        ));
    }
    cells
        .into_iter()
        .zip(types)
        .zip(names)
        .map(|((cell, ty), name)| match ty {
            ColumnType::Number => {
                let t = cell.trim();
                if t.is_empty() {
                    Ok(Value::Num(f64::NAN))
                } else {
                    t.parse::<f64>()
                        .map(Value::Num)
                        .map_err(|_| format!("column {name:?}: {t:?} is not a number"))
                }
            }
            _ => Ok(Value::Str(cell)),
        })
        .collect()
}

/// Splits one CSV line at commas outside double quotes (`""` is a quote inside quotes).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cell)),
            c => cell.push(c),
        }
    }
    out.push(cell);
    out
}

/// A Parquet row: every column, numbers (booleans as 0/1, nulls as NaN) and strings.
#[derive(Clone, Debug, Serialize)]
struct ParquetRow(Vec<Value>);

impl<'de> Deserialize<'de> for ParquetRow {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Cells;
        impl<'de> Visitor<'de> for Cells {
            type Value = ParquetRow;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a row of cells")
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<ParquetRow, A::Error> {
                let mut row = Vec::new();
                // The row ends where the decoder has no further column.
                while let Ok(Some(cell)) = seq.next_element::<Option<Cell>>() {
                    row.push(cell.map_or(Value::Num(f64::NAN), |c| c.0));
                }
                Ok(ParquetRow(row))
            }
        }
        d.deserialize_tuple(usize::MAX, Cells)
    }
}

struct Cell(Value);

impl<'de> Deserialize<'de> for Cell {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct Any;
        impl Visitor<'_> for Any {
            type Value = Cell;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, boolean or string")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Cell, E> {
                Ok(Cell(Value::Num(if v { 1.0 } else { 0.0 })))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Cell, E> {
                Ok(Cell(Value::Num(v as f64)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Cell, E> {
                Ok(Cell(Value::Num(v as f64)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Cell, E> {
                Ok(Cell(Value::Num(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Cell, E> {
                Ok(Cell(Value::Str(v.to_string())))
            }
        }
        d.deserialize_any(Any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_split_with_quotes() {
        assert_eq!(
            split_csv_line(r#"a,"b,c",,"d""e""#),
            vec!["a", "b,c", "", "d\"e"]
        );
    }

    #[test]
    fn csv_types_come_from_the_sample() {
        let s = csv_schema("x,y,name\n1,2.5,a\n,3,b\n", "f", &TableOptions::default()).unwrap();
        let types: Vec<ColumnType> = s.columns().iter().map(|c| c.ty).collect();
        assert_eq!(
            types,
            vec![ColumnType::Number, ColumnType::Number, ColumnType::String]
        );
        let err =
            parse_csv_row("1,x,a", &types, &["x".into(), "y".into(), "name".into()]).unwrap_err();
        assert_eq!(err, "column \"y\": \"x\" is not a number");
    }
}
