//! Deserializers and serializers for the common record formats (Flink's
//! `DeserializationSchema`s and `SerializationSchema`s): raw bytes, UTF-8 text, one
//! CSV row, one JSON document, into and from typed values with serde. A record that
//! does not read gives an error that the source reports with its topic, partition
//! and offset (or turns into a dead letter).

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::KafkaRecord;

/// A deserializer's result: the value, `None` to leave the record out, or why the
/// record cannot be read.
pub type Read<T> = Result<Option<T>, String>;

/// The value's bytes as they are.
pub fn bytes(record: &KafkaRecord<'_>) -> Read<Vec<u8>> {
    Ok(Some(record.value.to_vec()))
}

/// The value as UTF-8 text.
pub fn utf8(record: &KafkaRecord<'_>) -> Read<String> {
    std::str::from_utf8(record.value)
        .map(|text| Some(text.to_string()))
        .map_err(|e| format!("not UTF-8: {e}"))
}

/// The value as one CSV row (comma-separated, fields by position; quotes as RFC
/// 4180) into `T`: a tuple, or a struct whose fields are in the row's order. An
/// empty value is left out.
pub fn csv<T: DeserializeOwned>(record: &KafkaRecord<'_>) -> Read<T> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(record.value);
    match reader.deserialize::<T>().next() {
        None => Ok(None),
        Some(Ok(value)) => Ok(Some(value)),
        Some(Err(e)) => Err(format!(
            "not a CSV row of the expected fields: {}",
            csv_why(&e)
        )),
    }
}

/// The part of a CSV error that says what is wrong (not where in the one-row
/// reader it was).
fn csv_why(e: &::csv::Error) -> String {
    match e.kind() {
        ::csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(field) => format!("field {}: {}", field + 1, err.kind()),
            None => err.kind().to_string(),
        },
        other => format!("{other:?}"),
    }
}

/// The value as one JSON document into `T`.
pub fn json<T: DeserializeOwned>(record: &KafkaRecord<'_>) -> Read<T> {
    serde_json::from_slice(record.value)
        .map(Some)
        .map_err(|e| format!("not JSON of the expected shape: {e}"))
}

/// `value` as one CSV row (no line end).
///
/// # Panics
/// When `T` is not a flat record (a nested map or sequence), a bug of the caller.
pub fn to_csv<T: Serialize>(value: &T) -> Vec<u8> {
    let mut writer = ::csv::WriterBuilder::new()
        .has_headers(false)
        .terminator(::csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    writer
        .serialize(value)
        .unwrap_or_else(|e| panic!("cannot write a CSV row: {e}"));
    let mut row = writer.into_inner().expect("a Vec does not fail");
    row.pop();
    row
}

/// `value` as one JSON document.
///
/// # Panics
/// When `T`'s serialization fails (a map with non-string keys), a bug of the caller.
pub fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_else(|e| panic!("cannot write JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: &[u8]) -> KafkaRecord<'_> {
        KafkaRecord {
            topic: "t",
            partition: 0,
            offset: 7,
            timestamp: Some(1),
            key: None,
            value,
        }
    }

    #[derive(Debug, PartialEq, serde::Deserialize, serde::Serialize)]
    struct Event {
        key: String,
        ts: i64,
        value: f64,
    }

    #[test]
    fn csv_rows_read_by_position_and_bad_fields_are_named() {
        let got: Option<(String, i64, f64)> = csv(&record(b"k1,1000,1.5")).unwrap();
        assert_eq!(got, Some(("k1".into(), 1000, 1.5)));
        let quoted: Option<Event> = csv(&record(b"\"a,b\",2,3")).unwrap();
        let want = Event {
            key: "a,b".into(),
            ts: 2,
            value: 3.0,
        };
        assert_eq!(quoted.as_ref(), Some(&want));
        assert_eq!(to_csv(&want), b"\"a,b\",2,3.0");
        let bad = csv::<Event>(&record(b"k,soon,1")).unwrap_err();
        assert!(bad.contains("field 2"), "{bad}");
        assert_eq!(csv::<Event>(&record(b"")).unwrap(), None);
    }

    #[test]
    fn json_text_and_bytes() {
        let want = Event {
            key: "k".into(),
            ts: 5,
            value: 0.5,
        };
        let written = to_json(&want);
        assert_eq!(written, br#"{"key":"k","ts":5,"value":0.5}"#);
        assert_eq!(json::<Event>(&record(&written)).unwrap(), Some(want));
        let bad = json::<Event>(&record(br#"{"key":"k"}"#)).unwrap_err();
        assert!(bad.contains("missing field `ts`"), "{bad}");
        assert_eq!(utf8(&record(b"hi")).unwrap().as_deref(), Some("hi"));
        assert!(utf8(&record(&[0xff])).unwrap_err().contains("not UTF-8"));
        assert_eq!(bytes(&record(&[1, 2])).unwrap(), Some(vec![1, 2]));
    }
}
