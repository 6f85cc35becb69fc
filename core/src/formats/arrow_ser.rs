//! Typed records to Arrow record batches, through serde: the writing side of
//! [`super::arrow_de`].
//!
//! Structs become one column per field (named after it), tuples one column per position
//! (`c0`, `c1`, ...), a lone primitive one column named `value`. Integers keep their
//! width, `String` and `char` become `Utf8`, [`crate::Decimal`] becomes `Decimal128(38, s)`
//! with `s` the first value's scale (later values are rescaled to it, rounding half away
//! from zero), [`crate::Date`] becomes `Date32`, and `Option` makes a column nullable.
//! A column's type comes from its first non-null value; a column with none is `Utf8`.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float32Builder, Float64Builder,
    Int8Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder, UInt8Builder,
    UInt16Builder, UInt32Builder, UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use serde::Serialize;
use serde::ser::{self, Impossible};

use crate::error::{Error, Result};
use crate::types::{DATE_SERDE_NAME, DECIMAL_SERDE_NAME, Decimal};

/// One cell, before it is typed into a column.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Null,
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
    Str(String),
    Decimal(Decimal),
    Date(i32),
    /// A decimal's mantissa, on its way into [`Cell::Decimal`].
    I128(i128),
}

impl Cell {
    fn data_type(&self) -> Option<DataType> {
        Some(match self {
            Cell::Null => return None,
            Cell::Bool(_) => DataType::Boolean,
            Cell::I8(_) => DataType::Int8,
            Cell::I16(_) => DataType::Int16,
            Cell::I32(_) => DataType::Int32,
            Cell::I64(_) => DataType::Int64,
            Cell::U8(_) => DataType::UInt8,
            Cell::U16(_) => DataType::UInt16,
            Cell::U32(_) => DataType::UInt32,
            Cell::U64(_) => DataType::UInt64,
            Cell::F32(_) => DataType::Float32,
            Cell::F64(_) => DataType::Float64,
            Cell::Str(_) => DataType::Utf8,
            Cell::Decimal(d) => DataType::Decimal128(38, d.scale() as i8),
            Cell::Date(_) => DataType::Date32,
            Cell::I128(_) => return None,
        })
    }
}

/// The error of a record that cannot become a row.
#[derive(Debug)]
struct SerError(String);

impl std::fmt::Display for SerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for SerError {}
impl ser::Error for SerError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        SerError(msg.to_string())
    }
}

/// Collects rows of `T` and turns them into record batches of one schema.
pub struct BatchEncoder {
    names: Option<Vec<String>>,
    rows: Vec<Vec<Cell>>,
    schema: Option<SchemaRef>,
}

impl Default for BatchEncoder {
    fn default() -> Self {
        Self::new()
    }
}

impl BatchEncoder {
    /// An encoder with no rows.
    pub fn new() -> Self {
        BatchEncoder {
            names: None,
            rows: Vec::new(),
            schema: None,
        }
    }

    /// Rows buffered since the last batch.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no rows are buffered.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Adds one record.
    ///
    /// # Errors
    /// [`Error::Plan`] for record shapes that have no columnar form (maps, nested structs,
    /// enums with data) or rows whose width differs from the first row's.
    pub fn push<T: Serialize>(&mut self, record: &T) -> Result<()> {
        let mut row = RowSer {
            cells: Vec::new(),
            names: Vec::new(),
        };
        record
            .serialize(&mut row)
            .map_err(|e| Error::Plan(format!("record cannot be written as a row: {e}")))?;
        match &self.names {
            None => {
                let names = if row.names.len() == row.cells.len() {
                    row.names
                } else if row.cells.len() == 1 {
                    vec!["value".to_string()]
                } else {
                    (0..row.cells.len()).map(|i| format!("c{i}")).collect()
                };
                self.names = Some(names);
            }
            Some(names) if names.len() != row.cells.len() => {
                return Err(Error::Plan(format!(
                    "record has {} fields, earlier records had {}",
                    row.cells.len(),
                    names.len()
                )));
            }
            Some(_) => {}
        }
        self.rows.push(row.cells);
        Ok(())
    }

    /// The schema: fixed by the first batch (or `T`'s field names with Utf8 columns when
    /// there were no rows at all).
    pub fn schema(&mut self) -> SchemaRef {
        if let Some(s) = &self.schema {
            return s.clone();
        }
        let names = self
            .names
            .clone()
            .unwrap_or_else(|| vec!["value".to_string()]);
        let fields: Vec<Field> = names
            .iter()
            .enumerate()
            .map(|(c, name)| {
                let ty = self
                    .rows
                    .iter()
                    .find_map(|r| r[c].data_type())
                    .unwrap_or(DataType::Utf8);
                // Nullable always: a later batch may hold nulls the first one lacked.
                Field::new(name, ty, true)
            })
            .collect();
        let schema = Arc::new(Schema::new(fields));
        self.schema = Some(schema.clone());
        schema
    }

    /// The buffered rows as a batch (emptying the buffer).
    ///
    /// # Errors
    /// [`Error::Plan`] when a value does not fit its column's type.
    pub fn finish_batch(&mut self) -> Result<RecordBatch> {
        let schema = self.schema();
        let rows = std::mem::take(&mut self.rows);
        let columns = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(c, field)| build_column(field, rows.iter().map(|r| &r[c])))
            .collect::<Result<Vec<_>>>()?;
        RecordBatch::try_new(schema, columns)
            .map_err(|e| Error::Internal(format!("building a batch: {e}")))
    }
}

fn mismatch(field: &Field, cell: &Cell) -> Error {
    Error::Plan(format!(
        "column {} is {} but a record has {cell:?}",
        field.name(),
        field.data_type()
    ))
}

macro_rules! primitive {
    ($builder:ty, $variant:ident, $field:expr, $cells:expr) => {{
        let mut b = <$builder>::new();
        for cell in $cells {
            match cell {
                Cell::$variant(v) => b.append_value(v.clone()),
                Cell::Null => b.append_null(),
                other => return Err(mismatch($field, other)),
            }
        }
        Arc::new(b.finish()) as ArrayRef
    }};
}

fn build_column<'a>(field: &Field, cells: impl Iterator<Item = &'a Cell>) -> Result<ArrayRef> {
    Ok(match field.data_type() {
        DataType::Boolean => primitive!(BooleanBuilder, Bool, field, cells),
        DataType::Int8 => primitive!(Int8Builder, I8, field, cells),
        DataType::Int16 => primitive!(Int16Builder, I16, field, cells),
        DataType::Int32 => primitive!(Int32Builder, I32, field, cells),
        DataType::Int64 => primitive!(Int64Builder, I64, field, cells),
        DataType::UInt8 => primitive!(UInt8Builder, U8, field, cells),
        DataType::UInt16 => primitive!(UInt16Builder, U16, field, cells),
        DataType::UInt32 => primitive!(UInt32Builder, U32, field, cells),
        DataType::UInt64 => primitive!(UInt64Builder, U64, field, cells),
        DataType::Float32 => primitive!(Float32Builder, F32, field, cells),
        DataType::Float64 => primitive!(Float64Builder, F64, field, cells),
        DataType::Date32 => primitive!(Date32Builder, Date, field, cells),
        DataType::Utf8 => {
            let mut b = StringBuilder::new();
            for cell in cells {
                match cell {
                    Cell::Str(s) => b.append_value(s),
                    Cell::Null => b.append_null(),
                    other => return Err(mismatch(field, other)),
                }
            }
            Arc::new(b.finish())
        }
        DataType::Decimal128(p, s) => {
            let mut b = Decimal128Builder::new();
            for cell in cells {
                match cell {
                    Cell::Decimal(d) => b.append_value(d.round(*s as u8).mantissa()),
                    Cell::Null => b.append_null(),
                    other => return Err(mismatch(field, other)),
                }
            }
            Arc::new(
                b.finish().with_precision_and_scale(*p, *s).map_err(|e| {
                    Error::Internal(format!("decimal column {}: {e}", field.name()))
                })?,
            )
        }
        other => return Err(Error::Internal(format!("no builder for {other}"))),
    })
}

/// Serializes one record into cells (and field names, for structs).
struct RowSer {
    cells: Vec<Cell>,
    names: Vec<String>,
}

/// Serializes one field value into one cell.
struct CellSer;

type CellResult = std::result::Result<Cell, SerError>;

impl ser::Serializer for CellSer {
    type Ok = Cell;
    type Error = SerError;
    type SerializeSeq = Impossible<Cell, SerError>;
    type SerializeTuple = Impossible<Cell, SerError>;
    type SerializeTupleStruct = DecimalSer;
    type SerializeTupleVariant = Impossible<Cell, SerError>;
    type SerializeMap = Impossible<Cell, SerError>;
    type SerializeStruct = Impossible<Cell, SerError>;
    type SerializeStructVariant = Impossible<Cell, SerError>;

    fn is_human_readable(&self) -> bool {
        false
    }
    fn serialize_bool(self, v: bool) -> CellResult {
        Ok(Cell::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> CellResult {
        Ok(Cell::I8(v))
    }
    fn serialize_i16(self, v: i16) -> CellResult {
        Ok(Cell::I16(v))
    }
    fn serialize_i32(self, v: i32) -> CellResult {
        Ok(Cell::I32(v))
    }
    fn serialize_i64(self, v: i64) -> CellResult {
        Ok(Cell::I64(v))
    }
    fn serialize_u8(self, v: u8) -> CellResult {
        Ok(Cell::U8(v))
    }
    fn serialize_i128(self, v: i128) -> CellResult {
        Ok(Cell::I128(v))
    }
    fn serialize_u16(self, v: u16) -> CellResult {
        Ok(Cell::U16(v))
    }
    fn serialize_u32(self, v: u32) -> CellResult {
        Ok(Cell::U32(v))
    }
    fn serialize_u64(self, v: u64) -> CellResult {
        Ok(Cell::U64(v))
    }
    fn serialize_f32(self, v: f32) -> CellResult {
        Ok(Cell::F32(v))
    }
    fn serialize_f64(self, v: f64) -> CellResult {
        Ok(Cell::F64(v))
    }
    fn serialize_char(self, v: char) -> CellResult {
        Ok(Cell::Str(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> CellResult {
        Ok(Cell::Str(v.to_string()))
    }
    fn serialize_bytes(self, _: &[u8]) -> CellResult {
        Err(SerError(
            "byte strings are not supported in Parquet output yet".into(),
        ))
    }
    fn serialize_none(self) -> CellResult {
        Ok(Cell::Null)
    }
    fn serialize_some<V: ?Sized + Serialize>(self, v: &V) -> CellResult {
        v.serialize(CellSer)
    }
    fn serialize_unit(self) -> CellResult {
        Ok(Cell::Null)
    }
    fn serialize_unit_struct(self, _: &'static str) -> CellResult {
        Ok(Cell::Null)
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> CellResult {
        Ok(Cell::Str(variant.to_string()))
    }
    fn serialize_newtype_struct<V: ?Sized + Serialize>(
        self,
        name: &'static str,
        v: &V,
    ) -> CellResult {
        match v.serialize(CellSer)? {
            Cell::I32(days) if name == DATE_SERDE_NAME => Ok(Cell::Date(days)),
            cell => Ok(cell),
        }
    }
    fn serialize_newtype_variant<V: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> CellResult {
        Err(SerError(
            "enum variants with data have no column type".into(),
        ))
    }
    fn serialize_seq(self, _: Option<usize>) -> std::result::Result<Self::SerializeSeq, SerError> {
        Err(SerError(
            "lists inside a record are not supported in Parquet output yet".into(),
        ))
    }
    fn serialize_tuple(self, _: usize) -> std::result::Result<Self::SerializeTuple, SerError> {
        Err(SerError(
            "nested tuples are not supported in Parquet output yet".into(),
        ))
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> std::result::Result<DecimalSer, SerError> {
        if name == DECIMAL_SERDE_NAME {
            Ok(DecimalSer {
                mantissa: None,
                scale: None,
            })
        } else {
            Err(SerError(format!(
                "nested tuple struct {name} is not supported in Parquet output yet"
            )))
        }
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeTupleVariant, SerError> {
        Err(SerError(
            "enum variants with data have no column type".into(),
        ))
    }
    fn serialize_map(self, _: Option<usize>) -> std::result::Result<Self::SerializeMap, SerError> {
        Err(SerError(
            "maps are not supported in Parquet output yet".into(),
        ))
    }
    fn serialize_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeStruct, SerError> {
        Err(SerError(format!(
            "nested struct {name} is not supported in Parquet output yet"
        )))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeStructVariant, SerError> {
        Err(SerError(
            "enum variants with data have no column type".into(),
        ))
    }
}

/// Collects a [`Decimal`]'s `(mantissa, scale)`.
struct DecimalSer {
    mantissa: Option<i128>,
    scale: Option<u8>,
}

impl ser::SerializeTupleStruct for DecimalSer {
    type Ok = Cell;
    type Error = SerError;
    fn serialize_field<V: ?Sized + Serialize>(
        &mut self,
        v: &V,
    ) -> std::result::Result<(), SerError> {
        match v.serialize(CellSer)? {
            Cell::I128(m) if self.mantissa.is_none() => self.mantissa = Some(m),
            Cell::U8(s) if self.mantissa.is_some() => self.scale = Some(s),
            other => return Err(SerError(format!("unexpected decimal part {other:?}"))),
        }
        Ok(())
    }
    fn end(self) -> CellResult {
        match (self.mantissa, self.scale) {
            (Some(m), Some(s)) => Ok(Cell::Decimal(Decimal::new(m, s))),
            _ => Err(SerError("incomplete decimal".into())),
        }
    }
}

/// Serializes a whole record: a struct or tuple into several cells, anything else into one.
impl<'r> ser::Serializer for &'r mut RowSer {
    type Ok = ();
    type Error = SerError;
    type SerializeSeq = Impossible<(), SerError>;
    type SerializeTuple = &'r mut RowSer;
    type SerializeTupleStruct = &'r mut RowSer;
    type SerializeTupleVariant = Impossible<(), SerError>;
    type SerializeMap = Impossible<(), SerError>;
    type SerializeStruct = &'r mut RowSer;
    type SerializeStructVariant = Impossible<(), SerError>;

    fn is_human_readable(&self) -> bool {
        false
    }
    fn serialize_bool(self, v: bool) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_bool(v))
    }
    fn serialize_i8(self, v: i8) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_i8(v))
    }
    fn serialize_i16(self, v: i16) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_i16(v))
    }
    fn serialize_i32(self, v: i32) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_i32(v))
    }
    fn serialize_i64(self, v: i64) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_i64(v))
    }
    fn serialize_u8(self, v: u8) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_u8(v))
    }
    fn serialize_u16(self, v: u16) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_u16(v))
    }
    fn serialize_u32(self, v: u32) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_u32(v))
    }
    fn serialize_u64(self, v: u64) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_u64(v))
    }
    fn serialize_f32(self, v: f32) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_f32(v))
    }
    fn serialize_f64(self, v: f64) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_f64(v))
    }
    fn serialize_char(self, v: char) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_char(v))
    }
    fn serialize_str(self, v: &str) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_str(v))
    }
    fn serialize_bytes(self, v: &[u8]) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_bytes(v))
    }
    fn serialize_none(self) -> std::result::Result<(), SerError> {
        self.one(Ok(Cell::Null))
    }
    fn serialize_some<V: ?Sized + Serialize>(self, v: &V) -> std::result::Result<(), SerError> {
        self.one(v.serialize(CellSer))
    }
    fn serialize_unit(self) -> std::result::Result<(), SerError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> std::result::Result<(), SerError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        n: &'static str,
        i: u32,
        v: &'static str,
    ) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_unit_variant(n, i, v))
    }
    fn serialize_newtype_struct<V: ?Sized + Serialize>(
        self,
        name: &'static str,
        v: &V,
    ) -> std::result::Result<(), SerError> {
        self.one(CellSer.serialize_newtype_struct(name, v))
    }
    fn serialize_newtype_variant<V: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &V,
    ) -> std::result::Result<(), SerError> {
        Err(SerError(
            "enum variants with data have no column type".into(),
        ))
    }
    fn serialize_seq(self, _: Option<usize>) -> std::result::Result<Self::SerializeSeq, SerError> {
        Err(SerError("a list is not a row".into()))
    }
    fn serialize_tuple(self, _: usize) -> std::result::Result<Self, SerError> {
        Ok(self)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> std::result::Result<Self, SerError> {
        if name == DECIMAL_SERDE_NAME {
            return Err(SerError(
                "a lone decimal record: wrap it in a struct or tuple".into(),
            ));
        }
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeTupleVariant, SerError> {
        Err(SerError(
            "enum variants with data have no column type".into(),
        ))
    }
    fn serialize_map(self, _: Option<usize>) -> std::result::Result<Self::SerializeMap, SerError> {
        Err(SerError("a map is not a row".into()))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> std::result::Result<Self, SerError> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeStructVariant, SerError> {
        Err(SerError(
            "enum variants with data have no column type".into(),
        ))
    }
}

impl RowSer {
    fn one(&mut self, cell: CellResult) -> std::result::Result<(), SerError> {
        self.cells.push(cell?);
        Ok(())
    }
}

impl ser::SerializeTuple for &mut RowSer {
    type Ok = ();
    type Error = SerError;
    fn serialize_element<V: ?Sized + Serialize>(
        &mut self,
        v: &V,
    ) -> std::result::Result<(), SerError> {
        let cell = v.serialize(CellSer)?;
        self.cells.push(cell);
        Ok(())
    }
    fn end(self) -> std::result::Result<(), SerError> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for &mut RowSer {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<V: ?Sized + Serialize>(
        &mut self,
        v: &V,
    ) -> std::result::Result<(), SerError> {
        let cell = v.serialize(CellSer)?;
        self.cells.push(cell);
        Ok(())
    }
    fn end(self) -> std::result::Result<(), SerError> {
        Ok(())
    }
}

impl ser::SerializeStruct for &mut RowSer {
    type Ok = ();
    type Error = SerError;
    fn serialize_field<V: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        v: &V,
    ) -> std::result::Result<(), SerError> {
        let cell = v.serialize(CellSer)?;
        self.cells.push(cell);
        self.names.push(key.to_string());
        Ok(())
    }
    fn end(self) -> std::result::Result<(), SerError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, AsArray};

    use super::*;
    use crate::types::Date;

    #[derive(Serialize)]
    struct Rec {
        id: u32,
        name: Option<String>,
        price: Decimal,
        day: Date,
        flag: char,
    }

    #[test]
    fn structs_become_typed_columns() {
        let mut enc = BatchEncoder::new();
        enc.push(&Rec {
            id: 1,
            name: None,
            price: Decimal::new(150, 2),
            day: Date(3),
            flag: 'x',
        })
        .unwrap();
        enc.push(&Rec {
            id: 2,
            name: Some("b".into()),
            price: Decimal::new(2, 0),
            day: Date(4),
            flag: 'y',
        })
        .unwrap();
        let batch = enc.finish_batch().unwrap();
        let schema = batch.schema();
        let types: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| format!("{}:{}", f.name(), f.data_type()))
            .collect();
        assert_eq!(
            types,
            [
                "id:UInt32",
                "name:Utf8",
                "price:Decimal128(38, 2)",
                "day:Date32",
                "flag:Utf8"
            ]
        );
        assert!(batch.column(1).is_null(0));
        let prices = batch
            .column(2)
            .as_primitive::<arrow::datatypes::Decimal128Type>();
        assert_eq!((prices.value(0), prices.value(1)), (150, 200));

        let mut enc = BatchEncoder::new();
        enc.push(&(1i64, "a".to_string())).unwrap();
        assert_eq!(enc.schema().field(1).name(), "c1");
        assert!(
            enc.push(&(1i64,))
                .unwrap_err()
                .to_string()
                .contains("earlier records had 2")
        );
    }
}
