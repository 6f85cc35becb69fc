//! Value types that tabular data needs and Rust lacks: exact [`Decimal`]s and calendar
//! [`Date`]s.
//!
//! Both serialize as text for human-readable formats (CSV, JSON) and compactly otherwise
//! (timely's exchange, spill files): a `Decimal` as `(mantissa: i128, scale: u8)`, a `Date`
//! as days since 1970-01-01. Arrow and Parquet columns of type `Decimal128` and `Date32`
//! deserialize into them directly.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The name under which [`Decimal`] asks deserializers for `(mantissa, scale)`.
pub const DECIMAL_SERDE_NAME: &str = "strom::Decimal";
/// The name under which [`Date`] asks deserializers for days since the epoch.
pub const DATE_SERDE_NAME: &str = "strom::Date";

/// An exact decimal number: `mantissa * 10^-scale`.
///
/// Arithmetic is exact: `+` and `-` align scales, `*` adds them. Equality, ordering and
/// hashing are by value (`1.5 == 1.50`).
///
/// ```
/// use strom_core::Decimal;
/// let price: Decimal = "1234.56".parse().unwrap();
/// let discount: Decimal = "0.05".parse().unwrap();
/// let net = price * (Decimal::from(1) - discount);
/// assert_eq!(net.to_string(), "1172.8320");
/// assert_eq!(net.round(2).to_string(), "1172.83");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Decimal {
    mantissa: i128,
    scale: u8,
}

const POW10: [i128; 39] = {
    let mut table = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        table[i] = table[i - 1] * 10;
        i += 1;
    }
    table
};

impl Decimal {
    /// `mantissa * 10^-scale`.
    ///
    /// # Panics
    /// When `scale` exceeds 38.
    pub fn new(mantissa: i128, scale: u8) -> Self {
        assert!(scale <= 38, "decimal scale {scale} exceeds 38");
        Decimal { mantissa, scale }
    }

    /// The unscaled integer.
    pub fn mantissa(&self) -> i128 {
        self.mantissa
    }

    /// Digits after the point.
    pub fn scale(&self) -> u8 {
        self.scale
    }

    /// This value with `scale` digits after the point (more digits: exact; fewer: rounded
    /// half away from zero, as SQL's `ROUND`).
    pub fn round(&self, scale: u8) -> Decimal {
        match scale.cmp(&self.scale) {
            Ordering::Equal => *self,
            Ordering::Greater => Decimal::new(
                self.mantissa * POW10[usize::from(scale - self.scale)],
                scale,
            ),
            Ordering::Less => {
                let div = POW10[usize::from(self.scale - scale)];
                let (q, r) = (self.mantissa / div, self.mantissa % div);
                let q = if r.abs() * 2 >= div {
                    q + self.mantissa.signum()
                } else {
                    q
                };
                Decimal::new(q, scale)
            }
        }
    }

    /// `self / count`, rounded half away from zero to `scale` digits (for averages).
    ///
    /// # Panics
    /// When `count` is zero.
    pub fn div_count(&self, count: u64, scale: u8) -> Decimal {
        assert!(count > 0, "division by a zero count");
        // Compute with two extra digits, then round once.
        let extra = scale.max(self.scale) + 2;
        let scaled = self.round(extra).mantissa / i128::from(count);
        Decimal::new(scaled, extra).round(scale)
    }

    /// The nearest `f64`.
    pub fn to_f64(&self) -> f64 {
        self.mantissa as f64 / POW10[usize::from(self.scale)] as f64
    }

    fn aligned(a: Decimal, b: Decimal) -> (i128, i128, u8) {
        let scale = a.scale.max(b.scale);
        (a.round(scale).mantissa, b.round(scale).mantissa, scale)
    }
}

impl From<i64> for Decimal {
    fn from(v: i64) -> Self {
        Decimal::new(i128::from(v), 0)
    }
}

impl std::ops::Add for Decimal {
    type Output = Decimal;
    fn add(self, rhs: Decimal) -> Decimal {
        let (a, b, scale) = Decimal::aligned(self, rhs);
        Decimal::new(a + b, scale)
    }
}

impl std::ops::AddAssign for Decimal {
    fn add_assign(&mut self, rhs: Decimal) {
        *self = *self + rhs;
    }
}

impl std::ops::Sub for Decimal {
    type Output = Decimal;
    fn sub(self, rhs: Decimal) -> Decimal {
        let (a, b, scale) = Decimal::aligned(self, rhs);
        Decimal::new(a - b, scale)
    }
}

impl std::ops::Mul for Decimal {
    type Output = Decimal;
    fn mul(self, rhs: Decimal) -> Decimal {
        Decimal::new(self.mantissa * rhs.mantissa, self.scale + rhs.scale)
    }
}

impl std::iter::Sum for Decimal {
    fn sum<I: Iterator<Item = Decimal>>(iter: I) -> Decimal {
        iter.fold(Decimal::default(), |a, b| a + b)
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b, _) = Decimal::aligned(*self, *other);
        a.cmp(&b)
    }
}

impl Hash for Decimal {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // Hash the normalised form so that equal values hash alike.
        let (mut m, mut s) = (self.mantissa, self.scale);
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        m.hash(state);
        s.hash(state);
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.mantissa);
        }
        let div = POW10[usize::from(self.scale)];
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let abs = self.mantissa.unsigned_abs();
        let (int, frac) = (abs / div as u128, abs % div as u128);
        write!(
            f,
            "{sign}{int}.{frac:0width$}",
            width = usize::from(self.scale)
        )
    }
}

/// The error of parsing a [`Decimal`] or [`Date`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot parse {input:?} as a {what}")]
pub struct ParseValueError {
    input: String,
    what: &'static str,
}

impl FromStr for Decimal {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseValueError {
            input: s.to_string(),
            what: "decimal",
        };
        let t = s.trim();
        let (neg, digits) = match t.as_bytes().first() {
            Some(b'-') => (true, &t[1..]),
            Some(b'+') => (false, &t[1..]),
            _ => (false, t),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
            || frac.len() > 38
        {
            return Err(err());
        }
        let mut m: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            m = m
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or_else(err)?;
        }
        Ok(Decimal::new(if neg { -m } else { m }, frac.len() as u8))
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            use serde::ser::SerializeTupleStruct;
            let mut t = s.serialize_tuple_struct(DECIMAL_SERDE_NAME, 2)?;
            t.serialize_field(&self.mantissa)?;
            t.serialize_field(&self.scale)?;
            t.end()
        }
    }
}

struct DecimalVisitor;

impl<'de> Visitor<'de> for DecimalVisitor {
    type Value = Decimal;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a decimal number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
        v.parse().map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
        Ok(Decimal::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
        Ok(Decimal::new(i128::from(v), 0))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
        format!("{v}").parse().map_err(E::custom)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Decimal, A::Error> {
        let mantissa: i128 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(0, &self))?;
        let scale: u8 = seq
            .next_element()?
            .ok_or_else(|| de::Error::invalid_length(1, &self))?;
        if scale > 38 {
            return Err(de::Error::custom(format!(
                "decimal scale {scale} exceeds 38"
            )));
        }
        Ok(Decimal::new(mantissa, scale))
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_str(DecimalVisitor)
        } else {
            d.deserialize_tuple_struct(DECIMAL_SERDE_NAME, 2, DecimalVisitor)
        }
    }
}

/// A calendar date: days since 1970-01-01 (Arrow's `Date32`).
///
/// ```
/// use strom_core::Date;
/// let d: Date = "1994-01-01".parse().unwrap();
/// assert_eq!(d, Date::from_ymd(1994, 1, 1));
/// assert_eq!(d.add_days(31).to_string(), "1994-02-01");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Date(pub i32);

const EPOCH: chrono::NaiveDate = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");

impl Date {
    /// The date `year-month-day`.
    ///
    /// # Panics
    /// When the date does not exist.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Date {
        let date =
            chrono::NaiveDate::from_ymd_opt(year, month, day).expect("a valid calendar date");
        Date((date - EPOCH).num_days() as i32)
    }

    /// Days since 1970-01-01.
    pub fn days(&self) -> i32 {
        self.0
    }

    /// The date `days` later.
    pub fn add_days(&self, days: i32) -> Date {
        Date(self.0 + days)
    }

    /// The calendar year.
    pub fn year(&self) -> i32 {
        use chrono::Datelike;
        self.naive().year()
    }

    fn naive(&self) -> chrono::NaiveDate {
        EPOCH + chrono::Duration::days(i64::from(self.0))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.naive().format("%Y-%m-%d"))
    }
}

impl FromStr for Date {
    type Err = ParseValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map(|d| Date((d - EPOCH).num_days() as i32))
            .map_err(|_| ParseValueError {
                input: s.to_string(),
                what: "date (YYYY-MM-DD)",
            })
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self)
        } else {
            s.serialize_newtype_struct(DATE_SERDE_NAME, &self.0)
        }
    }
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = Date;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
        v.parse().map_err(E::custom)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Date, E> {
        i32::try_from(v).map(Date).map_err(E::custom)
    }
    fn visit_i32<E: de::Error>(self, v: i32) -> Result<Date, E> {
        Ok(Date(v))
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Date, D::Error> {
        i32::deserialize(d).map(Date)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            d.deserialize_str(DateVisitor)
        } else {
            d.deserialize_newtype_struct(DATE_SERDE_NAME, DateVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_arithmetic_is_exact() {
        let a: Decimal = "0.1".parse().unwrap();
        let b: Decimal = "0.2".parse().unwrap();
        assert_eq!(a + b, "0.3".parse().unwrap());
        assert_eq!((a * b).to_string(), "0.02");
        assert_eq!(
            "-1.005".parse::<Decimal>().unwrap().round(2).to_string(),
            "-1.01"
        );
        assert_eq!("2.5".parse::<Decimal>().unwrap().round(0).to_string(), "3");
        assert_eq!("1.50".parse::<Decimal>().unwrap(), "1.5".parse().unwrap());
        assert_eq!(
            "10".parse::<Decimal>().unwrap().div_count(3, 2).to_string(),
            "3.33"
        );
        assert_eq!("-0.05".parse::<Decimal>().unwrap().to_string(), "-0.05");
        assert!("1.2.3".parse::<Decimal>().is_err());
        assert!("".parse::<Decimal>().is_err());
        assert!("abc".parse::<Decimal>().is_err());
    }

    #[test]
    fn decimal_hash_follows_equality() {
        use std::collections::HashSet;
        let set: HashSet<Decimal> = ["1.5", "1.50", "1.500"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn dates_format_and_parse() {
        assert_eq!(Date(0).to_string(), "1970-01-01");
        assert_eq!(
            Date::from_ymd(1998, 12, 1).add_days(-90).to_string(),
            "1998-09-02"
        );
        assert_eq!(Date::from_ymd(1995, 3, 15).year(), 1995);
        assert!("1995-13-01".parse::<Date>().is_err());
    }
}
