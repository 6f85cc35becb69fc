//! Arrow record batches to typed records, row by row, through serde.
//!
//! Structs read the columns named by their fields (the batch is projected to those names
//! first), tuples read columns by position, and a lone primitive reads the first column.
//! `Decimal128` columns deserialize into [`crate::Decimal`] (exactly), `f64` or text;
//! `Date32` into [`crate::Date`], `i32` or text; nulls into `Option::None`, and into
//! anything else as an error naming the row and column.

use std::fmt;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Decimal128Array, Float32Array,
    Float64Array, Int8Array, Int16Array, Int32Array, Int64Array, StringArray, UInt8Array,
    UInt16Array, UInt32Array, UInt64Array,
};
use arrow::datatypes::DataType;
use arrow::record_batch::RecordBatch;
use serde::de::{self, DeserializeOwned, DeserializeSeed, SeqAccess, Visitor};

use crate::error::{Error, Result};
use crate::types::{DATE_SERDE_NAME, DECIMAL_SERDE_NAME, Date, Decimal};

/// A column, downcast once per batch.
enum Column {
    I8(Int8Array),
    I16(Int16Array),
    I32(Int32Array),
    I64(Int64Array),
    U8(UInt8Array),
    U16(UInt16Array),
    U32(UInt32Array),
    U64(UInt64Array),
    F32(Float32Array),
    F64(Float64Array),
    Bool(BooleanArray),
    Str(StringArray),
    Date(Date32Array),
    Decimal(Decimal128Array, u8),
}

impl Column {
    fn new(array: &ArrayRef, name: &str) -> Result<Column> {
        Ok(match array.data_type() {
            DataType::Int8 => Column::I8(array.as_primitive().clone()),
            DataType::Int16 => Column::I16(array.as_primitive().clone()),
            DataType::Int32 => Column::I32(array.as_primitive().clone()),
            DataType::Int64 => Column::I64(array.as_primitive().clone()),
            DataType::UInt8 => Column::U8(array.as_primitive().clone()),
            DataType::UInt16 => Column::U16(array.as_primitive().clone()),
            DataType::UInt32 => Column::U32(array.as_primitive().clone()),
            DataType::UInt64 => Column::U64(array.as_primitive().clone()),
            DataType::Float32 => Column::F32(array.as_primitive().clone()),
            DataType::Float64 => Column::F64(array.as_primitive().clone()),
            DataType::Boolean => Column::Bool(array.as_boolean().clone()),
            DataType::Utf8 => Column::Str(array.as_string::<i32>().clone()),
            DataType::Date32 => Column::Date(array.as_primitive().clone()),
            DataType::Decimal128(_, scale) if *scale >= 0 => {
                Column::Decimal(array.as_primitive().clone(), *scale as u8)
            }
            DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..) => {
                let cast = arrow::compute::cast(array, &DataType::Utf8)
                    .map_err(|e| Error::Plan(format!("column {name}: {e}")))?;
                Column::Str(cast.as_string::<i32>().clone())
            }
            other => {
                return Err(Error::Plan(format!(
                    "column {name} has unsupported type {other}"
                )));
            }
        })
    }

    fn is_null(&self, row: usize) -> bool {
        match self {
            Column::I8(a) => a.is_null(row),
            Column::I16(a) => a.is_null(row),
            Column::I32(a) => a.is_null(row),
            Column::I64(a) => a.is_null(row),
            Column::U8(a) => a.is_null(row),
            Column::U16(a) => a.is_null(row),
            Column::U32(a) => a.is_null(row),
            Column::U64(a) => a.is_null(row),
            Column::F32(a) => a.is_null(row),
            Column::F64(a) => a.is_null(row),
            Column::Bool(a) => a.is_null(row),
            Column::Str(a) => a.is_null(row),
            Column::Date(a) => a.is_null(row),
            Column::Decimal(a, _) => a.is_null(row),
        }
    }
}

/// A serde error while reading a cell.
#[derive(Debug)]
pub struct CellError(String);

impl fmt::Display for CellError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for CellError {}
impl de::Error for CellError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CellError(msg.to_string())
    }
}

/// Converts batches of one schema into records of `T`.
pub struct BatchDecoder {
    /// For each field of `T` (or position), the column index in the batch.
    columns: Vec<usize>,
}

impl BatchDecoder {
    /// A decoder for records of `T` from batches whose column names are `names`.
    ///
    /// # Errors
    /// [`Error::Plan`] when a field of `T` has no column of its name.
    pub fn new<T: DeserializeOwned>(names: &[String], source: &str) -> Result<BatchDecoder> {
        let columns = match super::schema::field_names::<T>() {
            Some(fields) => fields
                .iter()
                .map(|f| {
                    names.iter().position(|n| n == f).ok_or_else(|| {
                        Error::Plan(format!(
                            "{source}: no column named {f:?} (columns: {})",
                            names.join(", ")
                        ))
                    })
                })
                .collect::<Result<_>>()?,
            None => (0..names.len()).collect(),
        };
        Ok(BatchDecoder { columns })
    }

    /// The column indices this decoder reads, in field order.
    pub fn columns(&self) -> &[usize] {
        &self.columns
    }

    /// Appends the rows of `batch` to `out`. `first_row` is the file row of `batch`'s row 0.
    ///
    /// # Errors
    /// [`Error::Format`] naming `source`, the row and the column of a bad cell.
    pub fn decode<T: DeserializeOwned>(
        &self,
        batch: &RecordBatch,
        source: &str,
        first_row: u64,
        out: &mut Vec<T>,
    ) -> Result<()> {
        let schema = batch.schema();
        let names: Vec<&str> = self
            .columns
            .iter()
            .map(|&c| schema.field(c).name().as_str())
            .collect();
        let cols = self
            .columns
            .iter()
            .zip(&names)
            .map(|(&c, name)| Column::new(batch.column(c), name))
            .collect::<Result<Vec<_>>>()
            .map_err(|e| Error::format(source, e))?;
        out.reserve(batch.num_rows());
        for row in 0..batch.num_rows() {
            let de = RowDe {
                cols: &cols,
                row,
                at: std::cell::Cell::new(0),
            };
            match T::deserialize(&de) {
                Ok(v) => out.push(v),
                Err(e) => {
                    let column = names.get(de.at.get()).copied().unwrap_or("?");
                    return Err(Error::format(
                        format!(
                            "{source}: row {}, column {column}",
                            first_row + row as u64 + 1
                        ),
                        e,
                    ));
                }
            }
        }
        Ok(())
    }
}

struct RowDe<'a> {
    cols: &'a [Column],
    row: usize,
    at: std::cell::Cell<usize>,
}

impl<'a> RowDe<'a> {
    fn cell(&self, i: usize) -> Result<CellDe<'a>, CellError> {
        self.at.set(i);
        match self.cols.get(i) {
            Some(col) => Ok(CellDe { col, row: self.row }),
            None => Err(CellError(format!(
                "record needs column {} but the input has {}",
                i + 1,
                self.cols.len()
            ))),
        }
    }
}

struct Columns<'r, 'a> {
    de: &'r RowDe<'a>,
    next: usize,
    len: usize,
}

impl<'de> SeqAccess<'de> for Columns<'_, '_> {
    type Error = CellError;
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, CellError> {
        if self.next >= self.len {
            return Ok(None);
        }
        let cell = self.de.cell(self.next)?;
        self.next += 1;
        seed.deserialize(cell).map(Some)
    }
    fn size_hint(&self) -> Option<usize> {
        Some(self.len - self.next)
    }
}

impl<'de> de::Deserializer<'de> for &RowDe<'_> {
    type Error = CellError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.cell(0)?.deserialize_any(v)
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, CellError> {
        v.visit_seq(Columns {
            de: self,
            next: 0,
            len: fields.len(),
        })
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, CellError> {
        v.visit_seq(Columns {
            de: self,
            next: 0,
            len,
        })
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, CellError> {
        if name == DECIMAL_SERDE_NAME {
            return self.cell(0)?.deserialize_tuple_struct(name, len, v);
        }
        v.visit_seq(Columns {
            de: self,
            next: 0,
            len,
        })
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, CellError> {
        self.cell(0)?.deserialize_newtype_struct(name, v)
    }
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.cell(0)?.deserialize_option(v)
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.cell(0)?.deserialize_f64(v)
    }
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.cell(0)?.deserialize_str(v)
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.cell(0)?.deserialize_str(v)
    }
    fn is_human_readable(&self) -> bool {
        false
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 char bytes byte_buf
        unit unit_struct seq map enum identifier ignored_any
    }
}

struct CellDe<'a> {
    col: &'a Column,
    row: usize,
}

impl CellDe<'_> {
    fn check_null(&self) -> Result<(), CellError> {
        if self.col.is_null(self.row) {
            Err(CellError(
                "null value for a field that is not an Option".into(),
            ))
        } else {
            Ok(())
        }
    }
    fn decimal(&self) -> Option<Decimal> {
        match self.col {
            Column::Decimal(a, s) => Some(Decimal::new(a.value(self.row), *s)),
            _ => None,
        }
    }
}

struct DecimalSeq(Decimal, u8);

impl<'de> SeqAccess<'de> for DecimalSeq {
    type Error = CellError;
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, CellError> {
        use serde::de::IntoDeserializer;
        self.1 += 1;
        match self.1 {
            1 => seed
                .deserialize(self.0.mantissa().into_deserializer())
                .map(Some),
            2 => seed
                .deserialize(self.0.scale().into_deserializer())
                .map(Some),
            _ => Ok(None),
        }
    }
}

impl<'de> de::Deserializer<'de> for CellDe<'_> {
    type Error = CellError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.check_null()?;
        let r = self.row;
        match self.col {
            Column::I8(a) => v.visit_i8(a.value(r)),
            Column::I16(a) => v.visit_i16(a.value(r)),
            Column::I32(a) => v.visit_i32(a.value(r)),
            Column::I64(a) => v.visit_i64(a.value(r)),
            Column::U8(a) => v.visit_u8(a.value(r)),
            Column::U16(a) => v.visit_u16(a.value(r)),
            Column::U32(a) => v.visit_u32(a.value(r)),
            Column::U64(a) => v.visit_u64(a.value(r)),
            Column::F32(a) => v.visit_f32(a.value(r)),
            Column::F64(a) => v.visit_f64(a.value(r)),
            Column::Bool(a) => v.visit_bool(a.value(r)),
            Column::Str(a) => v.visit_str(a.value(r)),
            Column::Date(a) => v.visit_i32(a.value(r)),
            Column::Decimal(..) => {
                v.visit_str(&self.decimal().expect("decimal column").to_string())
            }
        }
    }
    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        if self.col.is_null(self.row) {
            v.visit_none()
        } else {
            v.visit_some(self)
        }
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.check_null()?;
        match self.decimal() {
            Some(d) => v.visit_f64(d.to_f64()),
            None => self.deserialize_any(v),
        }
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_f64(v)
    }
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.check_null()?;
        match self.col {
            Column::Date(a) => v.visit_str(&Date(a.value(self.row)).to_string()),
            Column::Str(a) => v.visit_str(a.value(self.row)),
            Column::Bool(a) => v.visit_str(if a.value(self.row) { "true" } else { "false" }),
            _ => match self.decimal() {
                Some(d) => v.visit_str(&d.to_string()),
                None => self.deserialize_any(v),
            },
        }
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, CellError> {
        self.deserialize_str(v)
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _len: usize,
        v: V,
    ) -> Result<V::Value, CellError> {
        self.check_null()?;
        if name == DECIMAL_SERDE_NAME {
            let r = self.row;
            let d = match self.col {
                Column::I8(a) => Decimal::from(i64::from(a.value(r))),
                Column::I16(a) => Decimal::from(i64::from(a.value(r))),
                Column::I32(a) => Decimal::from(i64::from(a.value(r))),
                Column::I64(a) => Decimal::from(a.value(r)),
                Column::Decimal(a, s) => Decimal::new(a.value(r), *s),
                Column::Str(a) => a.value(r).parse().map_err(|e| CellError(format!("{e}")))?,
                _ => return Err(CellError("expected a decimal or integer column".into())),
            };
            return v.visit_seq(DecimalSeq(d, 0));
        }
        Err(CellError(format!(
            "a single column cannot hold the tuple struct {name}"
        )))
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, CellError> {
        if name == DATE_SERDE_NAME {
            self.check_null()?;
            return match self.col {
                Column::Date(a) => v.visit_i32(a.value(self.row)),
                Column::Str(a) => v.visit_str(a.value(self.row)),
                _ => Err(CellError("expected a date column".into())),
            };
        }
        v.visit_newtype_struct(self)
    }
    fn is_human_readable(&self) -> bool {
        false
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 char bytes byte_buf
        unit unit_struct seq tuple map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Date32Array, Decimal128Array, Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};

    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Rec {
        price: Decimal,
        day: Date,
        name: Option<String>,
        qty: f64,
    }

    fn batch() -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("qty", DataType::Int64, false),
            Field::new("name", DataType::Utf8, true),
            Field::new("day", DataType::Date32, false),
            Field::new("price", DataType::Decimal128(15, 2), true),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(Int64Array::from(vec![3, 4])),
                Arc::new(StringArray::from(vec![Some("a"), None])),
                Arc::new(Date32Array::from(vec![0, 365])),
                Arc::new(
                    Decimal128Array::from(vec![Some(12345), None])
                        .with_precision_and_scale(15, 2)
                        .unwrap(),
                ),
            ],
        )
        .unwrap()
    }

    #[test]
    fn decodes_struct_by_name_and_reports_nulls() {
        let b = batch();
        let names: Vec<String> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        let decoder = BatchDecoder::new::<Rec>(&names, "t.parquet").unwrap();
        let mut out: Vec<Rec> = Vec::new();
        let err = decoder
            .decode(&b, "t.parquet", 10, &mut out)
            .unwrap_err()
            .to_string();
        assert_eq!(
            out[0],
            Rec {
                price: Decimal::new(12345, 2),
                day: Date(0),
                name: Some("a".into()),
                qty: 3.0
            }
        );
        assert!(
            err.starts_with("t.parquet: row 12, column price: null value"),
            "{err}"
        );

        let mut tuples: Vec<(i64, Option<String>, String, Option<f64>)> = Vec::new();
        BatchDecoder::new::<(i64, Option<String>, String, Option<f64>)>(&names, "t")
            .unwrap()
            .decode(&b, "t", 0, &mut tuples)
            .unwrap();
        assert_eq!(tuples[1], (4, None, "1971-01-01".to_string(), None));
        assert_eq!(tuples[0].3, Some(123.45));

        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Missing {
            nope: i64,
        }
        let err = BatchDecoder::new::<Missing>(&names, "t")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("no column named \"nope\""), "{err}");
    }
}
