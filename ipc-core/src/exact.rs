//! Exact 64- and 128-bit integers: `u64`, `i64`, `u128` and `i128` values that reach the page as a `BigInt`, and
//! come back from it, without rounding.
//!
//! By default an integer travels as a JSON number, which a page reads as a double: exact only within ±(2^53 − 1), so
//! the host refuses to send one beyond (see [`crate::json`]) rather than let it arrive rounded. Where a value needs
//! the full range (ids, hashes, nanosecond times, balances), opt in:
//!
//! - `#[ipc_service(exact_integers)]` on the trait: every argument and return value written `u64`, `i64`, `u128` or
//!   `i128`, or an `Option`, `Vec` or `Result` of one;
//! - `#[ipc(exact)]` on one argument (of those types), or on a method (its return value);
//! - [`Exact<T>`] as a type anywhere else: a field of a struct, an element of a list, an event's payload, the items of
//!   a stream or an upload, a handler's error.
//!
//! In TypeScript such a value is a `bigint`; the page receives a `BigInt` and passes one.
//!
//! ```
//! use ipc_core::Exact;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! struct Transfer {
//!     to: String,
//!     amount: Exact<u64>,
//! }
//!
//! let transfer = Transfer { to: "a".into(), amount: Exact(u64::MAX) };
//! // Outside a message (here, to a file or a log), an exact integer is its decimal string.
//! let json = serde_json::to_string(&transfer).unwrap();
//! assert_eq!(json, r#"{"to":"a","amount":"18446744073709551615"}"#);
//! let back: Transfer = serde_json::from_str(&json).unwrap();
//! assert_eq!(back.amount, Exact(u64::MAX));
//! ```
//!
//! On the wire (see [`crate::protocol`]), an exact integer is a placeholder like a [`Binary`](crate::Binary) part's:
//! an object whose only key is the message's random placeholder key, and whose value is the integer's decimal digits
//! (a string, where a binary part's is a number): `{"$ipc:77c1...": "18446744073709551615"}`. The runtime puts a
//! `BigInt` in its place. Data cannot forge one: it does not know the key. An exact integer also decodes from its
//! decimal string (`"18446744073709551615"`: what a page sends where a `BigInt` cannot travel, such as a `host.send`
//! payload a Rust subscriber reads) and from a JSON integer within its range; never from a fraction, from other
//! spellings (`"0x10"`, `" 1"`, `"01"`) or from digits that do not fit.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

/// An integer that travels exactly, as a `BigInt` in the page (see the [module docs](self)). `T` is `u64`, `i64`,
/// `u128` or `i128`.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Exact<T>(pub T);

impl<T> Exact<T> {
    /// The integer.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: fmt::Debug> fmt::Debug for Exact<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T: fmt::Display> fmt::Display for Exact<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<T> From<T> for Exact<T> {
    fn from(value: T) -> Self {
        Exact(value)
    }
}

impl<T> std::ops::Deref for Exact<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

/// The integer types an [`Exact`] holds: `u64`, `i64`, `u128` and `i128` (smaller ones are always exact as numbers).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an integer that `Exact` carries",
    label = "`Exact` holds `u64`, `i64`, `u128` or `i128`",
    note = "integers of 32 bits or fewer are always exact as JavaScript numbers: use the type itself"
)]
pub trait ExactInteger: Copy + fmt::Display + FromStr + private::Sealed {
    /// The type's name, for errors.
    const NAME: &'static str;
    /// The value of a JSON integer, if it fits.
    fn from_u64(n: u64) -> Option<Self>;
    /// The value of a negative JSON integer, if it fits.
    fn from_i64(n: i64) -> Option<Self>;
}

mod private {
    pub trait Sealed {}
}

macro_rules! exact_integer {
    ($($ty:ident),*) => {$(
        impl private::Sealed for $ty {}

        impl ExactInteger for $ty {
            const NAME: &'static str = stringify!($ty);

            fn from_u64(n: u64) -> Option<Self> {
                n.try_into().ok()
            }

            fn from_i64(n: i64) -> Option<Self> {
                n.try_into().ok()
            }
        }

    )*};
}

exact_integer!(u64, i64, u128, i128);

impl<T: ExactInteger> Serialize for Exact<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The digits are written straight into the output (`collect_str`), not formatted into a string first.
        match crate::binary::outgoing_key() {
            Some(key) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry(&key, &format_args!("{}", self.0))?;
                map.end()
            }
            None => serializer.collect_str(&self.0),
        }
    }
}

impl<'de, T: ExactInteger> Deserialize<'de> for Exact<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(ExactVisitor(std::marker::PhantomData))
            .map(Exact)
    }
}

/// Reads an exact integer: a placeholder of the request being decoded, a decimal string, or a JSON integer.
struct ExactVisitor<T>(std::marker::PhantomData<T>);

impl<T: ExactInteger> ExactVisitor<T> {
    fn parse<E: de::Error>(digits: &str) -> Result<T, E> {
        let canonical = {
            let unsigned = digits.strip_prefix('-').unwrap_or(digits);
            !unsigned.is_empty()
                && unsigned.bytes().all(|b| b.is_ascii_digit())
                && (unsigned == "0" || !unsigned.starts_with('0'))
        };
        let shown = crate::error::excerpt(digits, 48);
        if !canonical {
            return Err(E::custom(format_args!(
                "invalid exact integer \"{shown}\": expected the decimal digits of a {}",
                T::NAME
            )));
        }
        digits
            .parse::<T>()
            .map_err(|_| E::custom(format_args!("the integer {shown} does not fit in a {}", T::NAME)))
    }
}

impl<'de, T: ExactInteger> Visitor<'de> for ExactVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an exact integer (a {}: a BigInt, or its decimal string)", T::NAME)
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<T, E> {
        T::from_u64(n).ok_or_else(|| E::custom(format_args!("the integer {n} does not fit in a {}", T::NAME)))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<T, E> {
        T::from_i64(n).ok_or_else(|| E::custom(format_args!("the integer {n} does not fit in a {}", T::NAME)))
    }

    fn visit_u128<E: de::Error>(self, n: u128) -> Result<T, E> {
        Self::parse(&n.to_string())
    }

    fn visit_i128<E: de::Error>(self, n: i128) -> Result<T, E> {
        Self::parse(&n.to_string())
    }

    fn visit_str<E: de::Error>(self, digits: &str) -> Result<T, E> {
        Self::parse(digits)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let not_placeholder = || {
            de::Error::custom(format_args!(
                "invalid type: map, expected an exact integer (a {}: a BigInt, or its decimal string)",
                T::NAME
            ))
        };
        let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
            return Err(not_placeholder());
        };
        if !crate::binary::with_incoming_key(|expected| expected == Some(&*key)) {
            return Err(not_placeholder());
        }
        let digits: std::borrow::Cow<'de, str> = map.next_value()?;
        if map.next_key::<de::IgnoredAny>()?.is_some() {
            return Err(not_placeholder());
        }
        Self::parse(&digits)
    }
}

#[cfg(feature = "typescript")]
mod typescript {
    use ts_rs::TS;

    use super::{Exact, ExactInteger};

    /// `bigint`, spelled so that the `bigint` → `number` rewrite of [`crate::typescript`] leaves it alone and turns
    /// it back into `bigint`; still the right type where ts-rs exports it by itself.
    pub(crate) const EXACT_BIGINT: &str = "ReturnType<typeof BigInt>";

    impl<T: ExactInteger + 'static> TS for Exact<T> {
        type WithoutGenerics = Self;
        type OptionInnerType = Self;

        fn name() -> String {
            EXACT_BIGINT.to_owned()
        }

        fn inline() -> String {
            Self::name()
        }

        fn inline_flattened() -> String {
            panic!("bigint cannot be flattened")
        }

        fn decl() -> String {
            panic!("bigint cannot be declared")
        }

        fn decl_concrete() -> String {
            panic!("bigint cannot be declared")
        }
    }
}

#[cfg(feature = "typescript")]
pub(crate) use typescript::EXACT_BIGINT;

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholder(key: &str, digits: &str) -> String {
        format!(r#"{{"{key}":"{digits}"}}"#)
    }

    #[test]
    fn inside_a_message_an_exact_integer_is_a_placeholder_under_the_message_key() {
        let (json, attached) =
            crate::binary::collecting(|| serde_json::to_string(&(Exact(u64::MAX), Exact(i64::MIN), 7)).unwrap());
        let key = &attached.key;
        assert!(key.starts_with("$ipc:") && attached.parts.is_empty(), "{attached:?}");
        assert_eq!(
            json,
            format!(
                "[{},{},7]",
                placeholder(key, "18446744073709551615"),
                placeholder(key, "-9223372036854775808")
            )
        );
    }

    #[test]
    fn outside_a_message_an_exact_integer_is_its_decimal_string() {
        assert_eq!(
            serde_json::to_string(&Exact(i128::MIN)).unwrap(),
            format!("\"{}\"", i128::MIN)
        );
        let (_, none) = crate::binary::collecting(|| serde_json::to_string(&7u64).unwrap());
        assert!(none.key.is_empty(), "a message without placeholders draws no key");
    }

    #[test]
    fn decodes_from_digits_numbers_and_the_request_placeholder() {
        let from = |json: &str| serde_json::from_str::<Exact<u128>>(json).map(Exact::into_inner);
        assert_eq!(from(&format!("\"{}\"", u128::MAX)).unwrap(), u128::MAX);
        assert_eq!(from("12").unwrap(), 12);
        let placeholder = placeholder("$ipc:k", "340282366920938463463374607431768211455");
        let read = crate::binary::reading("$ipc:k", &[], || from(&placeholder));
        assert_eq!(read.unwrap(), u128::MAX);
        let i: Exact<i64> = serde_json::from_str("-9223372036854775808").unwrap();
        assert_eq!(i, Exact(i64::MIN));
    }

    #[test]
    fn malformed_or_out_of_range_integers_are_refused() {
        let error = |json: &str| serde_json::from_str::<Exact<u64>>(json).unwrap_err().to_string();
        assert!(error(r#""0x10""#).starts_with(r#"invalid exact integer "0x10": expected the decimal digits of a u64"#));
        assert!(error(r#"" 1""#).starts_with("invalid exact integer"));
        assert!(error(r#""01""#).starts_with("invalid exact integer"));
        assert!(error(r#""""#).starts_with("invalid exact integer"));
        assert!(
            error(r#""18446744073709551616""#).starts_with("the integer 18446744073709551616 does not fit in a u64")
        );
        assert!(error("-1").starts_with("the integer -1 does not fit in a u64"));
        assert!(error("1.5").starts_with("invalid type: floating point"));
        // A placeholder is one only under the request's key.
        assert!(error(r#"{"$ipc:k":"1"}"#).starts_with("invalid type: map, expected an exact integer"));
        let forged = crate::binary::reading("$ipc:k", &[], || {
            serde_json::from_str::<Exact<u64>>(r#"{"$ipc:other":"1"}"#)
                .unwrap_err()
                .to_string()
        });
        assert!(forged.starts_with("invalid type: map"), "{forged}");
    }

    #[cfg(feature = "typescript")]
    #[test]
    fn exact_integers_are_typed_bigint() {
        use crate::typescript::TsType;
        assert_eq!(TsType::of::<Exact<u64>>().name(), "bigint");
        assert_eq!(TsType::of::<Option<Vec<Exact<i128>>>>().name(), "Array<bigint> | null");
        assert_eq!(TsType::of::<u64>().name(), "number");
    }
}
