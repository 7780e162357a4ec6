//! Decoding a call's named arguments (`{"title": "milk", "done": false}`) straight into a tuple of the method's
//! argument types, without an intermediate `serde_json::Value`.
//!
//! Rules, the same for every method:
//! - `args` must be a JSON object (or absent, which counts as `{}`); arguments are always passed by name;
//! - every key must name an argument (`unknown argument`), at most once (`duplicate argument`);
//! - an absent argument is `None` when its type is an `Option`, and `missing argument` otherwise;
//! - a value of the wrong type is reported with its path, such as `item.tags[2]: invalid type: ...`;
//! - a field that a user type's `Deserialize` would skip is refused (`unknown field `item.colour``), even without
//!   `#[serde(deny_unknown_fields)]`: the renderer is told, rather than losing data silently.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, Visitor};

use crate::error::{CallError, ErrorCode};
use crate::service::Args;

/// A tuple of argument types that can be decoded from a named-arguments object. Implemented for tuples of up to 13
/// types (the 12 arguments `#[ipc_service]` allows, and the caller's context) that implement
/// `serde::de::DeserializeOwned`. A position whose name is empty is injected by the host: no key names it, and its
/// type decodes from the key's absence (`crate::__private::Injected`).
pub trait DecodeArgs: Sized {
    /// Reads the arguments named `names` (in the tuple's order) from `map`.
    fn visit<'de, A: MapAccess<'de>>(names: &[&'static str], map: A) -> Result<Self, A::Error>;
}

/// Decodes `args` (the request's raw `args`, borrowed) into the tuple `T`, whose elements are named `names`.
/// Failures are [`ErrorCode::InvalidArguments`] naming the channel and the path at fault. `plain` says that no type of
/// `T` ever skips a field it reads (see `crate::__private::NeverIgnores`), so none needs watching for one.
pub fn decode<T: DecodeArgs>(
    channel: &str,
    names: &[&'static str],
    plain: bool,
    args: Args<'_>,
) -> Result<T, CallError> {
    if let Some(outlet) = args.outlet() {
        // Uploads among the arguments take their items from the call's flow. Taking one is done once: such a call is
        // decoded in one pass, with the paths tracked.
        let pass = if outlet.has_uploads() {
            Pass::Once
        } else {
            Pass::fast(plain)
        };
        return crate::stream::decoding(outlet, || decode_parts(channel, names, args, pass));
    }
    decode_parts(channel, names, args, Pass::fast(plain))
}

/// How arguments are decoded.
#[derive(Clone, Copy)]
enum Pass {
    /// First untracked (unwatched too, for plain types), then, on failure, again with paths tracked.
    Fast { plain: bool },
    /// Once, with paths tracked: decoding claims the call's uploads, which can be done only once.
    Once,
}

impl Pass {
    fn fast(plain: bool) -> Self {
        Pass::Fast { plain }
    }
}

fn decode_parts<T: DecodeArgs>(
    channel: &str,
    names: &[&'static str],
    args: Args<'_>,
    pass: Pass,
) -> Result<T, CallError> {
    match args.binary() {
        Some((key, parts)) => crate::binary::reading(key, parts, || decode_text(channel, names, args.text(), pass))
            .map_err(|error| with_bigint_hint(error, key, args.text())),
        None => decode_text(channel, names, args.text(), pass),
    }
}

/// A page's BigInt is an exact-integer placeholder (`{"<key>":"digits"}`): where the host takes a plain integer, serde
/// calls it a map. The error then says where a BigInt can go.
fn with_bigint_hint(error: CallError, key: &str, args: Option<&str>) -> CallError {
    let has_bigint = args.is_some_and(|args| args.contains(&format!("{{\"{key}\":\"")));
    let message = error.message();
    if !has_bigint
        || !message.contains(": invalid type: map, expected ")
        || message.contains("expected an exact integer")
    {
        return error;
    }
    let message = format!(
        "{} (a BigInt reaches only an exact integer of the host: `#[ipc(exact)]`, or `ipc_core::Exact` in a field)",
        error.message()
    );
    CallError::new(error.code(), message)
}

/// Decodes `args`: first without tracking where the decoder is, which a call that decodes cleanly never needs (unless
/// [`Pass::Once`]); on any failure, again with every path tracked, for the message.
fn decode_text<T: DecodeArgs>(
    channel: &str,
    names: &[&'static str],
    args: Option<&str>,
    pass: Pass,
) -> Result<T, CallError> {
    let text = args.unwrap_or("{}");
    if !text.starts_with('{') {
        return Err(CallError::new(
            ErrorCode::InvalidArguments,
            format!(
                "invalid arguments for `{channel}`: expected an object of named arguments, found `{}`",
                excerpt(text)
            ),
        ));
    }
    if let Pass::Fast { plain } = pass {
        if let Some(values) = decode_untracked(names, text, plain) {
            return Ok(values);
        }
    }
    let mut json = serde_json::Deserializer::from_str(text);
    let mut track = serde_path_to_error::Track::new();
    let visitor = ArgsVisitor::<T> {
        names,
        marker: PhantomData,
    };
    let mut ignored: Vec<String> = Vec::new();
    let tracked = serde_path_to_error::Deserializer::new(&mut json, &mut track);
    let mut on_ignored = |path: serde_ignored::Path<'_>| ignored.push(display_path(&path));
    let watched = serde_ignored::Deserializer::new(tracked, &mut on_ignored);
    let decoded = de::Deserializer::deserialize_map(watched, visitor).map_err(|err| {
        // A path is made of the page's own keys: quoted short, like the value.
        let path = crate::error::excerpt(&track.path().to_string(), 120).into_owned();
        let inner = without_position(err.to_string());
        // serde quotes the offending value whole; a page's megabyte string must not come back in the answer.
        let inner = crate::error::excerpt(&inner, 200).into_owned();
        if path == "." {
            inner
        } else {
            format!("{path}: {inner}")
        }
    });
    let problem = match decoded {
        Ok(values) if ignored.is_empty() => return Ok(values),
        Ok(_) => {
            // Named up to a few, each shortened: the answer stays small whatever the page sent.
            const NAMED: usize = 5;
            let mut fields: Vec<String> = ignored
                .iter()
                .take(NAMED)
                .map(|path| format!("`{}`", crate::error::excerpt(path, 64)))
                .collect();
            if ignored.len() > NAMED {
                fields.push(format!("and {} more", ignored.len() - NAMED));
            }
            let noun = if ignored.len() == 1 { "field" } else { "fields" };
            format!("unknown {noun} {}", fields.join(", "))
        }
        Err(problem) => problem,
    };
    Err(CallError::new(
        ErrorCode::InvalidArguments,
        format!("invalid arguments for `{channel}`: {problem}"),
    ))
}

/// The arguments in `text` if they decode with no field left unread; `None` on any failure, which
/// [`decode_text`] then decodes again to say where. Decoding does the same either way: the tracking only watches.
/// Types that are all `plain` skip no field, so nothing watches for one.
fn decode_untracked<T: DecodeArgs>(names: &[&'static str], text: &str, plain: bool) -> Option<T> {
    let mut json = serde_json::Deserializer::from_str(text);
    let visitor = ArgsVisitor::<T> {
        names,
        marker: PhantomData,
    };
    if plain {
        return de::Deserializer::deserialize_map(&mut json, visitor).ok();
    }
    let mut ignored = false;
    let mut on_ignored = |_: serde_ignored::Path<'_>| ignored = true;
    let watched = serde_ignored::Deserializer::new(&mut json, &mut on_ignored);
    let visitor = ArgsVisitor::<T> {
        names,
        marker: PhantomData,
    };
    let values = de::Deserializer::deserialize_map(watched, visitor).ok()?;
    (!ignored).then_some(values)
}

/// A path in the same notation as type errors use: `items[1].colour`.
fn display_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", display_path(parent)),
        Path::Map { parent, key } => match display_path(parent) {
            parent if parent.is_empty() => key.clone(),
            parent => format!("{parent}.{key}"),
        },
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => {
            display_path(parent)
        }
    }
}

/// The start of a long JSON text, for an error message.
fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    crate::error::excerpt(text, 40)
}

/// serde_json appends " at line 1 column 17"; a position in a generated object is noise to the reader.
fn without_position(mut message: String) -> String {
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    message
}

struct ArgsVisitor<'n, T> {
    names: &'n [&'static str],
    marker: PhantomData<T>,
}

impl<'de, T: DecodeArgs> Visitor<'de> for ArgsVisitor<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of named arguments")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::visit(self.names, map)
    }
}

/// Which argument a key names: its index, or the unknown key itself (allocated only on that error path).
pub(crate) struct KeySeed<'n> {
    names: &'n [&'static str],
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Result<usize, String>;

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Result<usize, String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an argument name")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        // An empty name is an argument the host injects (the caller's context): no key names it.
        Ok(self
            .names
            .iter()
            .position(|name| !name.is_empty() && *name == key)
            .ok_or_else(|| key.to_owned()))
    }
}

/// The error for a key that names no argument.
pub(crate) fn unknown_argument<E: de::Error>(key: &str, names: &[&'static str]) -> E {
    let expected: Vec<String> = names
        .iter()
        .filter(|n| !n.is_empty())
        .map(|n| format!("`{n}`"))
        .collect();
    if expected.is_empty() {
        E::custom(format!("unknown argument `{key}`; this method takes no arguments"))
    } else {
        E::custom(format!("unknown argument `{key}`; expected {}", expected.join(", ")))
    }
}

/// The value of an absent argument: `None` for an `Option`, a `missing argument` error otherwise.
pub(crate) fn absent<T: DeserializeOwned, E: de::Error>(name: &'static str) -> Result<T, E> {
    T::deserialize(Absent(name)).map_err(|err: de::value::Error| E::custom(err))
}

/// A deserializer for an argument the object does not contain: it is `none` to an `Option` and an error to the rest.
struct Absent(&'static str);

impl<'de> de::Deserializer<'de> for Absent {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
        Err(de::Error::custom(format_args!("missing argument `{}`", self.0)))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit unit_struct
        newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

macro_rules! decode_args_for_tuple {
    ($($ty:ident $slot:ident $index:tt),*) => {
        impl<$($ty: DeserializeOwned),*> DecodeArgs for ($($ty,)*) {
            #[allow(unused_mut, unused_variables)]
            fn visit<'de, A: MapAccess<'de>>(names: &[&'static str], mut map: A) -> Result<Self, A::Error> {
                $(let mut $slot: Option<$ty> = None;)*
                while let Some(key) = map.next_key_seed(KeySeed { names })? {
                    match key {
                        $(Ok($index) => {
                            if $slot.is_some() {
                                return Err(de::Error::custom(format_args!("duplicate argument `{}`", names[$index])));
                            }
                            $slot = Some(map.next_value()?);
                        })*
                        Ok(_) => unreachable!("KeySeed only returns indices of `names`"),
                        Err(key) => return Err(unknown_argument(&key, names)),
                    }
                }
                Ok(($(match $slot {
                    Some(value) => value,
                    None => absent(names[$index])?,
                },)*))
            }
        }
    };
}

decode_args_for_tuple!();
decode_args_for_tuple!(T0 s0 0);
decode_args_for_tuple!(T0 s0 0, T1 s1 1);
decode_args_for_tuple!(T0 s0 0, T1 s1 1, T2 s2 2);
decode_args_for_tuple!(T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3);
decode_args_for_tuple!(T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3, T4 s4 4);
decode_args_for_tuple!(T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3, T4 s4 4, T5 s5 5);
decode_args_for_tuple!(T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3, T4 s4 4, T5 s5 5, T6 s6 6);
decode_args_for_tuple!(T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3, T4 s4 4, T5 s5 5, T6 s6 6, T7 s7 7);
decode_args_for_tuple!(T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3, T4 s4 4, T5 s5 5, T6 s6 6, T7 s7 7, T8 s8 8);
decode_args_for_tuple!(T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3, T4 s4 4, T5 s5 5, T6 s6 6, T7 s7 7, T8 s8 8, T9 s9 9);
decode_args_for_tuple!(
    T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3, T4 s4 4, T5 s5 5, T6 s6 6, T7 s7 7, T8 s8 8, T9 s9 9, T10 s10 10
);
decode_args_for_tuple!(
    T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3, T4 s4 4, T5 s5 5, T6 s6 6, T7 s7 7, T8 s8 8, T9 s9 9, T10 s10 10, T11 s11 11
);
// Twelve arguments from the renderer and the injected context.
decode_args_for_tuple!(
    T0 s0 0, T1 s1 1, T2 s2 2, T3 s3 3, T4 s4 4, T5 s5 5, T6 s6 6, T7 s7 7, T8 s8 8, T9 s9 9, T10 s10 10, T11 s11 11,
    T12 s12 12
);

#[cfg(test)]
mod tests {
    use super::*;

    fn message<T: DecodeArgs + fmt::Debug>(names: &[&'static str], text: &str) -> String {
        let err = decode::<T>("s.m", names, false, Args::json(Some(text))).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidArguments);
        err.message().to_owned()
    }

    #[test]
    fn the_fast_pass_decodes_as_the_tracked_one_and_failures_are_told_with_their_path() {
        let names = &["ids", "name"];
        for plain in [false, true] {
            let ok: (Vec<u8>, String) =
                decode("s.m", names, plain, Args::json(Some(r#"{"name": "x", "ids": [1, 2]}"#))).unwrap();
            assert_eq!(ok, (vec![1, 2], "x".to_owned()));
            let err =
                decode::<(Vec<u8>, String)>("s.m", names, plain, Args::json(Some(r#"{"ids": [1, "2"]}"#))).unwrap_err();
            assert_eq!(
                err.message(),
                "invalid arguments for `s.m`: ids[1]: invalid type: string \"2\", expected u8"
            );
        }
    }

    #[test]
    fn arguments_are_taken_by_name_in_any_order() {
        let decoded: (u8, String) =
            decode("s.m", &["a", "b"], false, Args::json(Some(r#"{"b": "x", "a": 1}"#))).unwrap();
        assert_eq!(decoded, (1, "x".to_owned()));
    }

    #[test]
    fn absent_option_is_none_and_absent_value_is_missing() {
        let decoded: (u8, Option<String>) = decode("s.m", &["a", "b"], false, Args::json(Some(r#"{"a": 1}"#))).unwrap();
        assert_eq!(decoded, (1, None));
        assert_eq!(
            message::<(u8, String)>(&["a", "b"], r#"{"a": 1}"#),
            "invalid arguments for `s.m`: missing argument `b`"
        );
    }

    #[test]
    fn an_injected_position_is_named_by_no_key() {
        let decoded: (crate::__private::Injected, u8) =
            decode("s.m", &["", "a"], false, Args::json(Some(r#"{"a": 1}"#))).unwrap();
        assert_eq!(decoded.1, 1);
        assert_eq!(
            message::<(crate::__private::Injected, u8)>(&["", "a"], r#"{"a": 1, "": 2}"#),
            "invalid arguments for `s.m`: unknown argument ``; expected `a`"
        );
        assert_eq!(
            message::<(crate::__private::Injected,)>(&[""], r#"{"ctx": 1}"#),
            "invalid arguments for `s.m`: unknown argument `ctx`; this method takes no arguments"
        );
    }

    #[test]
    fn no_args_counts_as_an_empty_object() {
        let decoded: () = decode("s.m", &[], false, Args::json(None)).unwrap();
        assert_eq!(decoded, ());
    }

    #[test]
    fn unknown_and_duplicate_arguments_are_refused() {
        assert_eq!(
            message::<()>(&[], r#"{"x": 1}"#),
            "invalid arguments for `s.m`: unknown argument `x`; this method takes no arguments"
        );
        assert_eq!(
            message::<(u8,)>(&["a"], r#"{"a": 1, "a": 2}"#),
            "invalid arguments for `s.m`: duplicate argument `a`"
        );
    }

    #[test]
    fn fields_a_user_type_would_skip_are_refused() {
        #[derive(Debug, serde::Deserialize)]
        struct Item {
            #[allow(dead_code)]
            name: String,
        }
        assert_eq!(
            message::<(Vec<Item>,)>(
                &["items"],
                r#"{"items": [{"name": "a"}, {"name": "b", "colour": "red", "size": 2}]}"#
            ),
            "invalid arguments for `s.m`: unknown fields `items[1].colour`, `items[1].size`"
        );
    }

    #[test]
    fn a_nested_type_error_names_its_path() {
        let message = message::<(Vec<Vec<u8>>,)>(&["rows"], r#"{"rows": [[1], [2, "x"]]}"#);
        assert_eq!(
            message,
            r#"invalid arguments for `s.m`: rows[1][1]: invalid type: string "x", expected u8"#
        );
    }

    #[test]
    fn non_object_arguments_are_refused_with_an_excerpt() {
        let long = format!("[{}]", "1,".repeat(100) + "1");
        let message = message::<(u8,)>(&["a"], &long);
        assert!(message.starts_with("invalid arguments for `s.m`: expected an object of named arguments, found `[1,1,"));
        assert!(message.ends_with("...`"), "{message}");
        assert!(message.len() < 120, "{message}");
    }
}
