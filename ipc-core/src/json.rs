//! JSON that a renderer reads exactly as Rust wrote it.
//!
//! JavaScript numbers are IEEE-754 doubles: integers are exact only within ±(2^53 − 1)
//! (`Number.MAX_SAFE_INTEGER`). A `u64` or `i64` beyond that would arrive rounded, silently. So the host refuses to
//! send such an integer ([`ErrorCode::Serialization`], naming the value), and the renderer runtime refuses to send one
//! in arguments. To carry full 64- and 128-bit values, opt in to exact integers ([`crate::exact`]): they travel as
//! `BigInt` values in the page, and decode from their decimal strings too.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::binary::Attached;
use crate::error::{CallError, ErrorCode};

/// A value serialized on a stack that grows when it runs low ([`serde_stacker`]), so no depth of nesting overflows
/// the thread it runs on.
struct Stacked<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Stacked<'_, T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serde_stacker::Serializer::new(serializer))
    }
}

/// The largest integer a JavaScript number holds exactly: 2^53 − 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Serializes `value` for a renderer, with every [`Exact`](crate::Exact) integer in it a placeholder under the key
/// returned (empty when there is none), and binary data written as numbers; `what` names the value in errors (such
/// as "the error of `todos.add`") and is only called on failure.
///
/// Hot path: on success nothing is allocated beyond the JSON itself (and a key, for exact integers).
pub(crate) fn to_renderer_json_with_integers<T: Serialize + ?Sized>(
    value: &T,
    what: impl Fn() -> String,
) -> Result<(Box<RawValue>, String), CallError> {
    let (json, key) = crate::binary::collecting_integers(|| serde_json::value::to_raw_value(&Stacked(value)));
    Ok((check(json, what)?, key))
}

/// Like [`to_renderer_json_with_integers`], with every [`Binary`](crate::Binary) in `value` collected as a part behind a
/// placeholder instead of written as numbers.
pub(crate) fn to_renderer_json_with_parts<T: Serialize + ?Sized>(
    value: &T,
    what: impl Fn() -> String,
) -> Result<(Box<RawValue>, Attached), CallError> {
    let (json, attached) = crate::binary::collecting(|| serde_json::value::to_raw_value(&Stacked(value)));
    if let Some(part) = attached.parts.iter().find(|part| u32::try_from(part.len()).is_err()) {
        return Err(CallError::new(
            ErrorCode::Serialization,
            format!(
                "could not serialize {}: {} bytes of binary data in one piece, over 4 GiB",
                what(),
                part.len()
            ),
        ));
    }
    Ok((check(json, what)?, attached))
}

fn check(
    json: Result<Box<RawValue>, serde_json::Error>,
    what: impl Fn() -> String,
) -> Result<Box<RawValue>, CallError> {
    let json = json.map_err(|err| {
        CallError::new(
            ErrorCode::Serialization,
            format!("could not serialize {}: {err}", what()),
        )
    })?;
    match find_unsafe_integer(json.get()) {
        None => Ok(json),
        Some(integer) => Err(CallError::new(
            ErrorCode::Serialization,
            format!(
                "could not serialize {}: the integer {integer} is beyond ±{MAX_SAFE_INTEGER}, the range JavaScript \
                 numbers hold exactly; carry it as an exact integer (`#[ipc(exact)]`, or `ipc_core::Exact` in a \
                 field), a BigInt in the page",
                what()
            ),
        )),
    }
}

/// The first integer literal in `json` outside ±[`MAX_SAFE_INTEGER`], if any. Strings are skipped; numbers with a
/// fraction or exponent are floats and always allowed.
///
/// Hot path: one pass over the bytes outside strings and a `memchr` skip over strings, no allocation; only integer
/// tokens of 16 or more digits are parsed.
pub fn find_unsafe_integer(json: &str) -> Option<&str> {
    let bytes = json.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = string_end(bytes, i + 1),
            b'-' | b'0'..=b'9' => {
                let start = i;
                i += 1;
                let mut is_integer = true;
                while i < bytes.len() && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') {
                    is_integer &= bytes[i].is_ascii_digit();
                    i += 1;
                }
                let token = &json[start..i];
                let digits = token.trim_start_matches('-');
                if is_integer && digits.len() >= 16 && !digits.parse::<u64>().is_ok_and(|n| n <= MAX_SAFE_INTEGER) {
                    return Some(token);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// The index just past the string whose contents start at `from`: strings are skipped with `memchr`, so long text
/// costs little.
fn string_end(bytes: &[u8], mut from: usize) -> usize {
    while let Some(at) = memchr::memchr2(b'"', b'\\', &bytes[from..]) {
        let at = from + at;
        if bytes[at] == b'"' {
            return at + 1;
        }
        from = at + 2; // a backslash escapes the next byte
        if from >= bytes.len() {
            break;
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_integers_and_floats_pass() {
        assert_eq!(
            find_unsafe_integer("[9007199254740991,-9007199254740991,0,1.5e300,1e20]"),
            None
        );
    }

    #[test]
    fn integers_beyond_two_to_the_53_are_found() {
        assert_eq!(find_unsafe_integer("[1,9007199254740992]"), Some("9007199254740992"));
        assert_eq!(
            find_unsafe_integer(r#"{"a":-9007199254740992}"#),
            Some("-9007199254740992")
        );
        assert_eq!(
            find_unsafe_integer("18446744073709551615"),
            Some("18446744073709551615")
        );
        assert_eq!(
            find_unsafe_integer("340282366920938463463374607431768211455"),
            Some("340282366920938463463374607431768211455")
        );
    }

    #[test]
    fn digits_inside_strings_are_not_numbers() {
        assert_eq!(
            find_unsafe_integer(r#"["9007199254740993","a\"9007199254740993"]"#),
            None
        );
    }

    #[test]
    fn serializing_a_large_u64_is_a_serialization_error() {
        let err = to_renderer_json_with_integers(&u64::MAX, || "the answer of `a.b`".to_owned()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Serialization);
        assert_eq!(
            err.message(),
            "could not serialize the answer of `a.b`: the integer 18446744073709551615 is beyond ±9007199254740991, \
             the range JavaScript numbers hold exactly; carry it as an exact integer (`#[ipc(exact)]`, or \
             `ipc_core::Exact` in a field), a BigInt in the page"
        );
        assert_eq!(
            to_renderer_json_with_integers(&MAX_SAFE_INTEGER, String::new)
                .unwrap()
                .0
                .get(),
            "9007199254740991"
        );
    }
}
