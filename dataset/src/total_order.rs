//! [`TotalOrder`]: the order `min`, `max`, `min_by`, `max_by` and `sort_group` compare
//! values in. It is `Ord` for integers, strings and the other ordered standard types,
//! and IEEE 754's total order (`f64::total_cmp`) for floats, so floats need no wrapper.
//!
//! Floats in this order: a NaN whose sign bit is clear (`f64::NAN`) is above `+∞`, a NaN
//! whose sign bit is set (`-f64::NAN`; `0.0 / 0.0` computed on x86) below `−∞`, and
//! `−0.0` below `+0.0`. So the `max` of values with a positive NaN is that NaN, and their
//! `min` ignores it unless every value is NaN.
//!
//! A type of your own with an `Ord` takes part through [`ByOrd`] (a blanket `impl` for
//! every `Ord` type would forbid the float `impl`s).

use std::cmp::{Ordering, Reverse};

/// A total order over values: `Ord` for integers, strings and the other ordered standard
/// types (lexicographic for tuples, options, vectors), IEEE 754's total order for floats.
///
/// Floats: a NaN whose sign bit is clear (`f64::NAN`) is above `+∞`, a NaN whose sign bit
/// is set (`-f64::NAN`; `0.0 / 0.0` computed on x86) below `−∞`, and `−0.0` below `+0.0`.
/// So the `max` of values with a positive NaN is that NaN, and their `min` ignores it
/// unless every value is NaN. Your own `Ord` types take part through [`ByOrd`].
///
/// ```
/// use strom_dataset::TotalOrder;
/// use std::cmp::Ordering;
///
/// assert_eq!(TotalOrder::total_cmp(&-0.0f64, &0.0), Ordering::Less);
/// assert_eq!(TotalOrder::total_cmp(&f64::NAN, &f64::INFINITY), Ordering::Greater);
/// assert_eq!(TotalOrder::total_cmp(&(1, "b".to_string()), &(1, "a".to_string())), Ordering::Greater);
/// ```
pub trait TotalOrder {
    /// Compares `self` with `other`. Contract: a total order (as `Ord::cmp`).
    fn total_cmp(&self, other: &Self) -> Ordering;
}

/// A value of an `Ord` type compared by its `Ord`: for your own types in
/// `min_by(|x| ByOrd(x.priority))` and the like.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ByOrd<T>(pub T);

impl<T: Ord> TotalOrder for ByOrd<T> {
    fn total_cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

macro_rules! by_ord {
    ($($t:ty),*) => {
        $(impl TotalOrder for $t {
            fn total_cmp(&self, other: &Self) -> Ordering {
                Ord::cmp(self, other)
            }
        })*
    };
}
by_ord!(
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    bool,
    char,
    (),
    String,
    str,
    strom_core::Decimal,
    strom_core::Date
);

macro_rules! float {
    ($($t:ty),*) => {
        $(impl TotalOrder for $t {
            fn total_cmp(&self, other: &Self) -> Ordering {
                <$t>::total_cmp(self, other)
            }
        })*
    };
}
float!(f32, f64);

impl<T: TotalOrder + ?Sized> TotalOrder for &T {
    fn total_cmp(&self, other: &Self) -> Ordering {
        (**self).total_cmp(*other)
    }
}

impl<T: TotalOrder + ?Sized> TotalOrder for Box<T> {
    fn total_cmp(&self, other: &Self) -> Ordering {
        (**self).total_cmp(&**other)
    }
}

impl<T: TotalOrder> TotalOrder for Reverse<T> {
    fn total_cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0)
    }
}

/// `None` first, as `Option`'s `Ord`.
impl<T: TotalOrder> TotalOrder for Option<T> {
    fn total_cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Some(a), Some(b)) => a.total_cmp(b),
            (a, b) => a.is_some().cmp(&b.is_some()),
        }
    }
}

/// Lexicographic, as a slice's `Ord`.
impl<T: TotalOrder> TotalOrder for [T] {
    fn total_cmp(&self, other: &Self) -> Ordering {
        self.iter()
            .zip(other)
            .map(|(a, b)| a.total_cmp(b))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| self.len().cmp(&other.len()))
    }
}

impl<T: TotalOrder> TotalOrder for Vec<T> {
    fn total_cmp(&self, other: &Self) -> Ordering {
        self.as_slice().total_cmp(other.as_slice())
    }
}

impl<T: TotalOrder, const N: usize> TotalOrder for [T; N] {
    fn total_cmp(&self, other: &Self) -> Ordering {
        self.as_slice().total_cmp(other.as_slice())
    }
}

macro_rules! tuple {
    ($($name:ident $idx:tt),+) => {
        /// Lexicographic, as a tuple's `Ord`.
        impl<$($name: TotalOrder),+> TotalOrder for ($($name,)+) {
            fn total_cmp(&self, other: &Self) -> Ordering {
                Ordering::Equal$(.then_with(|| self.$idx.total_cmp(&other.$idx)))+
            }
        }
    };
}
tuple!(A 0);
tuple!(A 0, B 1);
tuple!(A 0, B 1, C 2);
tuple!(A 0, B 1, C 2, D 3);
tuple!(A 0, B 1, C 2, D 3, E 4);
tuple!(A 0, B 1, C 2, D 3, E 4, F 5);

/// The order `order` puts `a` and `b` in.
pub(crate) fn ordered<V: TotalOrder>(a: &V, b: &V, order: crate::Order) -> Ordering {
    match order {
        crate::Order::Ascending => a.total_cmp(b),
        crate::Order::Descending => b.total_cmp(a),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn floats_in_total_order() {
        let mut values = [
            f64::NAN,
            1.0,
            -0.0,
            f64::INFINITY,
            -f64::NAN,
            0.0,
            f64::NEG_INFINITY,
            -2.5,
        ];
        values.sort_by(TotalOrder::total_cmp);
        let bits: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
        let expected: Vec<u64> = [
            -f64::NAN,
            f64::NEG_INFINITY,
            -2.5,
            -0.0,
            0.0,
            1.0,
            f64::INFINITY,
            f64::NAN,
        ]
        .iter()
        .map(|v| v.to_bits())
        .collect();
        assert_eq!(bits, expected);
        assert_eq!(TotalOrder::total_cmp(&1.5f32, &f32::NAN), Ordering::Less);
    }

    proptest! {
        // On ordered types the total order is `Ord`, also through tuples, options,
        // vectors and `Reverse`.
        #[test]
        fn agrees_with_ord(a: (i64, Option<String>, Vec<u8>), b: (i64, Option<String>, Vec<u8>)) {
            prop_assert_eq!(a.total_cmp(&b), a.cmp(&b));
            prop_assert_eq!(Reverse(a.clone()).total_cmp(&Reverse(b.clone())), b.cmp(&a));
        }

        // Finite floats compare as numbers (zeros of either sign aside).
        #[test]
        fn finite_floats_as_numbers(a in -1e9f64..1e9, b in -1e9f64..1e9) {
            prop_assume!(a != 0.0 || b != 0.0);
            prop_assert_eq!(Some(TotalOrder::total_cmp(&a, &b)), a.partial_cmp(&b));
        }
    }
}
