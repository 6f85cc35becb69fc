//! What a record type expects of its input: the struct field names, read from serde.

use serde::de::{self, DeserializeOwned, Visitor};

#[derive(Debug)]
struct Traced(Option<&'static [&'static str]>);

impl std::fmt::Display for Traced {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field tracing")
    }
}
impl std::error::Error for Traced {}
impl de::Error for Traced {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Traced(None)
    }
}

struct Tracer;

impl<'de> de::Deserializer<'de> for Tracer {
    type Error = Traced;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Traced> {
        Err(Traced(None))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Traced> {
        Err(Traced(Some(fields)))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

/// The field names of `T` when it deserializes as a struct (in declaration order), `None`
/// for tuples, primitives and other positional shapes.
///
/// ```
/// #[derive(serde::Deserialize)]
/// struct Sale { region: String, amount: f64 }
/// assert_eq!(strom_core::formats::schema::field_names::<Sale>(), Some(&["region", "amount"][..]));
/// assert_eq!(strom_core::formats::schema::field_names::<(String, f64)>(), None);
/// ```
pub fn field_names<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    match T::deserialize(Tracer) {
        Err(Traced(fields)) => fields,
        Ok(_) => None,
    }
}
