//! Argument validation beyond types: rules declared on parameters with `#[validate(...)]`, and the [`Validate`] trait
//! for a type's own rules. All failures of one call are collected and answered together as one
//! [`ErrorCode::Validation`] error that lists each with its path and rule.
//!
//! ```
//! use ipc_core::validate::{Pattern, Validate, Violations};
//! use ipc_core::{ipc_service, testing::TestClient, Hub};
//!
//! #[derive(serde::Deserialize, ts_rs::TS)]
//! struct Item {
//!     name: String,
//!     tags: Vec<String>,
//! }
//!
//! static TAG: Pattern = Pattern::new("^[a-z]+$");
//!
//! impl Validate for Item {
//!     fn validate(&self, v: &mut Violations) {
//!         v.field("name", |v| v.length(&self.name, Some(1), None));
//!         v.field("tags", |v| {
//!             for (i, tag) in self.tags.iter().enumerate() {
//!                 v.index(i, |v| v.pattern(tag, &TAG));
//!             }
//!         });
//!     }
//! }
//!
//! #[ipc_service]
//! trait Store {
//!     fn add(
//!         &self,
//!         #[validate(length(min = 1, max = 40))] title: String,
//!         #[validate(range(min = 1, max = 5))] priority: u8,
//!         item: Item,
//!     ) -> bool;
//! }
//!
//! struct Impl;
//! impl Store for Impl {
//!     fn add(&self, _title: String, _priority: u8, _item: Item) -> bool {
//!         true
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let hub = Hub::builder().service(Impl.into_service()).build().unwrap();
//! let mut page = TestClient::new(&hub);
//! let answer = page
//!     .invoke("store.add", r#"{"title": "", "priority": 9, "item": {"name": "x", "tags": ["ok", "NO"]}}"#)
//!     .await;
//! let answer: serde_json::Value = serde_json::from_str(&answer).unwrap();
//! assert_eq!(answer["error"]["kind"], "VALIDATION");
//! assert_eq!(
//!     answer["error"]["message"],
//!     "invalid arguments for `store.add`: title: must be at least 1 long (is 0); \
//!      priority: must be at most 5 (is 9); item.tags[1]: must match `^[a-z]+$`"
//! );
//! assert_eq!(answer["error"]["data"]["violations"][2]["path"], "item.tags[1]");
//! assert_eq!(answer["error"]["data"]["violations"][2]["rule"], "pattern");
//! # }
//! ```
//!
//! Parameter rules: `length(min = .., max = ..)` (strings in characters, vectors, maps and sets in elements),
//! `range(min = .., max = ..)` (numbers), `pattern = "regex"` (strings), `non_empty` (strings, vectors, maps, sets),
//! and `custom = path::to::function` (any type: `fn(&T) -> Result<(), String>`). On an `Option`, a rule applies to the
//! value when there is one. Every argument whose type implements [`Validate`] is validated as well.
//!
//! The generated JavaScript client checks the parameter rules it can check exactly as the host does (see
//! [`ClientRule`]) before sending, and refuses a call that breaks them with the same `VALIDATION` error, without a
//! round trip. The host always checks again.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt::{self, Display, Write as _};
use std::sync::OnceLock;

use regex::Regex;
use serde::Serialize;

use crate::error::{CallError, ErrorCode};

/// A type's own validation rules, applied to every argument of that type after it decodes.
pub trait Validate {
    /// Reports every rule `self` breaks to `v`, with [`Violations::field`] and [`Violations::index`] for nested paths.
    fn validate(&self, v: &mut Violations);
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, v: &mut Violations) {
        for (i, item) in self.iter().enumerate() {
            v.index(i, |v| item.validate(v));
        }
    }
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, v: &mut Violations) {
        if let Some(value) = self {
            value.validate(v);
        }
    }
}

impl<T: Validate + ?Sized> Validate for Box<T> {
    fn validate(&self, v: &mut Violations) {
        (**self).validate(v);
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Where: `title`, `item.tags[2]`.
    pub path: String,
    /// Which rule: `length`, `range`, `pattern`, `non_empty`, `custom`, or a name of the type's own.
    pub rule: String,
    /// What is wrong, such as `must be at most 5 (is 9)`.
    pub message: String,
}

/// Collects the broken rules of one call, each at the path being checked.
#[derive(Debug, Default)]
pub struct Violations {
    path: String,
    found: Vec<Violation>,
}

impl Violations {
    /// An empty collection at the root path.
    pub fn new() -> Self {
        Violations::default()
    }

    /// Records that `rule` is broken at the current path.
    pub fn add(&mut self, rule: impl Into<String>, message: impl Into<String>) {
        self.found.push(Violation {
            path: self.path.clone(),
            rule: rule.into(),
            message: message.into(),
        });
    }

    /// Runs `check` with `name` appended to the path (`item` → `item.name`).
    pub fn field(&mut self, name: &str, check: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        if !self.path.is_empty() {
            self.path.push('.');
        }
        self.path.push_str(name);
        check(self);
        self.path.truncate(len);
    }

    /// Runs `check` with an index appended to the path (`tags` → `tags[2]`).
    pub fn index(&mut self, index: usize, check: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        let _ = write!(self.path, "[{index}]");
        check(self);
        self.path.truncate(len);
    }

    /// The `length` rule: between `min` and `max` characters (strings) or elements (collections), both inclusive.
    pub fn length<T: HasLength + ?Sized>(&mut self, value: &T, min: Option<usize>, max: Option<usize>) {
        let Some(len) = value.length() else { return };
        if let Some(min) = min.filter(|min| len < *min) {
            self.add("length", format!("must be at least {min} long (is {len})"));
        } else if let Some(max) = max.filter(|max| len > *max) {
            self.add("length", format!("must be at most {max} long (is {len})"));
        }
    }

    /// The `non_empty` rule.
    pub fn non_empty<T: HasLength + ?Sized>(&mut self, value: &T) {
        if value.length() == Some(0) {
            self.add("non_empty", "must not be empty");
        }
    }

    /// The `range` rule: between `min` and `max`, both inclusive.
    pub fn range<T: InRange + ?Sized>(&mut self, value: &T, min: Option<T::Number>, max: Option<T::Number>) {
        let Some(number) = value.number() else { return };
        if let Some(min) = min.filter(|min| number < min) {
            self.add("range", format!("must be at least {min} (is {number})"));
        } else if let Some(max) = max.filter(|max| number > max) {
            self.add("range", format!("must be at most {max} (is {number})"));
        }
    }

    /// The `pattern` rule: the text matches `pattern` (anchor it with `^...$` to match the whole text).
    pub fn pattern<T: HasText + ?Sized>(&mut self, value: &T, pattern: &Pattern) {
        let Some(text) = value.text() else { return };
        if !pattern.regex().is_match(text) {
            self.add("pattern", format!("must match `{}`", pattern.source));
        }
    }

    /// The `custom` rule: `check` returns `Err(message)` when the value is wrong.
    pub fn custom<T: ?Sized>(&mut self, value: &T, check: impl FnOnce(&T) -> Result<(), String>) {
        if let Err(message) = check(value) {
            self.add("custom", message);
        }
    }

    /// Whether no rule was broken.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    /// The broken rules, in the order they were found.
    pub fn into_vec(self) -> Vec<Violation> {
        self.found
    }

    /// `Ok` if nothing was broken, otherwise the [`ErrorCode::Validation`] error listing everything for `channel`.
    pub fn into_result(self, channel: &str) -> Result<(), CallError> {
        if self.found.is_empty() {
            return Ok(());
        }
        let listed: Vec<String> = self.found.iter().map(ToString::to_string).collect();
        let message = format!("invalid arguments for `{channel}`: {}", listed.join("; "));
        #[derive(Serialize)]
        struct Data<'a> {
            violations: &'a [Violation],
        }
        let data = serde_json::value::to_raw_value(&Data {
            violations: &self.found,
        })
        .expect("violations are strings and always serialize");
        Err(CallError::new(ErrorCode::Validation, message).with_data(data))
    }
}

impl Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A regular expression for the `pattern` rule, compiled on first use and kept for the life of the process.
/// `#[validate(pattern = "...")]` declares one per parameter; a [`Validate`] impl declares its own as a `static`.
pub struct Pattern {
    source: &'static str,
    regex: OnceLock<Regex>,
}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Pattern").field(&self.source).finish()
    }
}

impl Pattern {
    /// A pattern from its source text; nothing is compiled yet.
    pub const fn new(source: &'static str) -> Self {
        Pattern {
            source,
            regex: OnceLock::new(),
        }
    }

    /// The source text.
    pub fn source(&self) -> &'static str {
        self.source
    }

    /// The compiled expression.
    ///
    /// # Panics
    ///
    /// If the source is not a valid regular expression. `#[validate(pattern = ...)]` checks that at compile time; a
    /// hand-written `static` should be covered by a test.
    pub fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| match Regex::new(self.source) {
            Ok(regex) => regex,
            Err(err) => panic!("invalid pattern `{}`: {err}", self.source),
        })
    }
}

/// A parameter rule as the generated JavaScript client checks it before sending: the descriptor's
/// [`ArgDescriptor::client_rules`](crate::ArgDescriptor::client_rules), generated by `#[validate(...)]`.
///
/// The client reports a broken rule with the path, rule and message the host would give, and refuses the call with
/// the same `VALIDATION` error. Rules it cannot check exactly stay host-side only: `custom` rules and [`Validate`]
/// impls, `length` and `non_empty` on maps and sets (decoding may merge their keys), `range` on `f32` or with a bound
/// that is not a literal, and a `pattern` that JavaScript could read differently from Rust (see
/// [`ClientRule::Pattern`]). A value the host would not decode (a string where a number is expected, an integer
/// beyond its type, a string with a lone surrogate) is left to the host too.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ClientRule {
    /// `length(min = .., max = ..)`.
    Length {
        /// The least length allowed.
        min: Option<usize>,
        /// The greatest length allowed.
        max: Option<usize>,
        /// What is counted.
        measure: Measure,
    },
    /// `non_empty`.
    NonEmpty {
        /// What is counted.
        measure: Measure,
    },
    /// `range(min = .., max = ..)` whose bounds are number literals (other bounds keep the rule host-side).
    Range {
        /// The least number allowed.
        min: Option<f64>,
        /// The greatest number allowed.
        max: Option<f64>,
        /// The argument's number type.
        number: NumberKind,
    },
    /// `pattern = "..."`. The client checks it only when the pattern keeps to a subset both engines read alike:
    /// literal characters, the escapes `\n`, `\t`, `\r` and of the characters `\.+*?()|[]{}^$/`, character classes of
    /// those (not nested, no `&&`, `--` or `~~`, no leading `]`), groups `(...)` and `(?:...)`, alternation, the
    /// quantifiers `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}` (lazy or not) after an atom, and the anchors `^` and `$`. It
    /// leaves out `\d`, `\w`, `\s` and `\b` (Unicode-aware in Rust, not in JavaScript), `.` (the engines differ on line
    /// terminators), flags, named groups, other escapes, look-around and backreferences: a pattern using any of them
    /// is checked by the host only. The client compiles it as `new RegExp(source, "u")`.
    Pattern {
        /// The regular expression as written.
        source: &'static str,
    },
    /// A rule the host alone checks: `custom`, or a `range` whose bound is not a number literal. The client checks no
    /// rule of a method that has one, so it never refuses a call with fewer violations than the host would list.
    HostOnly,
    /// Whether the argument's type has rules of its own (a [`Validate`] impl), which the host alone checks; `true`
    /// makes the method the host's, as [`HostOnly`](ClientRule::HostOnly) does.
    OwnRules(bool),
}

/// What a `length` or `non_empty` rule counts, as the client sees the argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Text, in characters (Unicode scalar values, as the host counts them).
    Text,
    /// A list (`Vec`, `VecDeque`, slice), in elements.
    List,
    /// Something the client does not count (a map or a set): the host checks it.
    HostOnly,
}

/// The number type of an argument with a `range` rule, as the client sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NumberKind {
    /// An integer type with these limits: a number outside them (or not whole) does not decode, and is left to the
    /// host.
    Integer {
        /// The type's least value.
        min: f64,
        /// The type's greatest value.
        max: f64,
    },
    /// `f64`, which JavaScript numbers are.
    Float,
    /// A number type the client does not check (`f32`, whose rounding and display JavaScript lacks): the host checks it.
    HostOnly,
}

/// Types the `length` and `non_empty` rules apply to.
#[diagnostic::on_unimplemented(
    message = "`length` and `non_empty` do not apply to `{Self}`",
    label = "this type has no length",
    note = "they apply to strings, vectors, slices, maps and sets, and to an `Option` of those"
)]
pub trait HasLength {
    /// The length, or `None` to skip the rule (an absent `Option`).
    fn length(&self) -> Option<usize>;

    /// What the generated client counts for this type.
    #[doc(hidden)]
    const MEASURE: Measure = Measure::HostOnly;
}

impl HasLength for str {
    fn length(&self) -> Option<usize> {
        Some(self.chars().count())
    }
    const MEASURE: Measure = Measure::Text;
}

impl HasLength for String {
    fn length(&self) -> Option<usize> {
        self.as_str().length()
    }
    const MEASURE: Measure = Measure::Text;
}

impl<T: HasLength> HasLength for Option<T> {
    fn length(&self) -> Option<usize> {
        self.as_ref().and_then(HasLength::length)
    }
    const MEASURE: Measure = T::MEASURE;
}

macro_rules! has_length_by_len {
    ($($ty:ty => [$($generic:ident),*] $measure:ident),* $(,)?) => {
        $(impl<$($generic),*> HasLength for $ty {
            fn length(&self) -> Option<usize> {
                Some(self.len())
            }
            const MEASURE: Measure = Measure::$measure;
        })*
    };
}

// Maps and sets are counted by the host only: decoding may merge keys the page sent apart (`{"1": .., "01": ..}` as
// a `HashMap<u32, _>`, `["a", "a"]` as a set).
has_length_by_len!(
    Vec<T> => [T] List,
    [T] => [T] List,
    VecDeque<T> => [T] List,
    HashMap<K, V, S> => [K, V, S] HostOnly,
    BTreeMap<K, V> => [K, V] HostOnly,
    HashSet<T, S> => [T, S] HostOnly,
    BTreeSet<T> => [T] HostOnly,
);

/// Types the `range` rule applies to.
#[diagnostic::on_unimplemented(
    message = "`range` does not apply to `{Self}`",
    label = "this type is not a number",
    note = "`range` applies to integer and float types, and to an `Option` of those"
)]
pub trait InRange {
    /// The number type the bounds are written in.
    type Number: PartialOrd + Display;
    /// The number, or `None` to skip the rule (an absent `Option`).
    fn number(&self) -> Option<&Self::Number>;

    /// How the generated client reads this type.
    #[doc(hidden)]
    const KIND: NumberKind = NumberKind::HostOnly;
}

impl<T: InRange> InRange for Option<T> {
    type Number = T::Number;
    fn number(&self) -> Option<&T::Number> {
        self.as_ref().and_then(InRange::number)
    }
    const KIND: NumberKind = T::KIND;
}

macro_rules! in_range_for_numbers {
    ($($ty:ty => $kind:expr),* $(,)?) => {
        $(impl InRange for $ty {
            type Number = $ty;
            fn number(&self) -> Option<&$ty> {
                Some(self)
            }
            const KIND: NumberKind = $kind;
        })*
    };
}

/// An integer type's limits, as JavaScript numbers (beyond ±2^53 the runtime refuses integers anyway).
macro_rules! integer {
    ($ty:ty) => {
        NumberKind::Integer {
            min: <$ty>::MIN as f64,
            max: <$ty>::MAX as f64,
        }
    };
}

in_range_for_numbers!(
    i8 => integer!(i8),
    i16 => integer!(i16),
    i32 => integer!(i32),
    i64 => integer!(i64),
    i128 => integer!(i128),
    isize => integer!(isize),
    u8 => integer!(u8),
    u16 => integer!(u16),
    u32 => integer!(u32),
    u64 => integer!(u64),
    u128 => integer!(u128),
    usize => integer!(usize),
    f32 => NumberKind::HostOnly,
    f64 => NumberKind::Float,
);

/// Types the `pattern` rule applies to.
#[diagnostic::on_unimplemented(
    message = "`pattern` does not apply to `{Self}`",
    label = "this type is not text",
    note = "`pattern` applies to `String` and `Option<String>`"
)]
pub trait HasText {
    /// The text, or `None` to skip the rule (an absent `Option`).
    fn text(&self) -> Option<&str>;
}

impl HasText for str {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl HasText for String {
    fn text(&self) -> Option<&str> {
        Some(self)
    }
}

impl<T: HasText> HasText for Option<T> {
    fn text(&self) -> Option<&str> {
        self.as_ref().and_then(HasText::text)
    }
}

/// Calls [`Validate::validate`] on values whose type implements it and does nothing for the rest. Generated code
/// calls `(&Validated(&value)).validate_into(v)` with the value's concrete type, so method resolution picks the
/// [`ValidateIfImplemented`] impl when `T: Validate` and falls back to [`ValidateNothing`] otherwise.
#[doc(hidden)]
#[allow(missing_debug_implementations)] // a method-resolution device, never a value anyone looks at
pub struct Validated<'a, T: ?Sized>(pub &'a T);

#[doc(hidden)]
pub trait ValidateIfImplemented {
    fn validate_into(&self, v: &mut Violations);
    /// Validates the argument `name`; only types with rules touch the path (hot path: nothing is allocated for the
    /// rest).
    fn validate_field(&self, v: &mut Violations, name: &str);
}

impl<T: Validate + ?Sized> ValidateIfImplemented for Validated<'_, T> {
    fn validate_into(&self, v: &mut Violations) {
        self.0.validate(v);
    }

    fn validate_field(&self, v: &mut Violations, name: &str) {
        v.field(name, |v| self.0.validate(v));
    }
}

#[doc(hidden)]
pub trait ValidateNothing {
    fn validate_into(&self, _v: &mut Violations) {}
    fn validate_field(&self, _v: &mut Violations, _name: &str) {}
}

impl<T: ?Sized> ValidateNothing for &Validated<'_, T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_characters_not_bytes() {
        let mut v = Violations::new();
        v.field("name", |v| v.length("héé", Some(1), Some(3)));
        assert!(v.is_empty());
        v.field("name", |v| v.length("héllo", None, Some(3)));
        assert_eq!(v.into_vec()[0].message, "must be at most 3 long (is 5)");
    }

    #[test]
    fn absent_options_skip_rules() {
        let mut v = Violations::new();
        v.length(&None::<String>, Some(1), None);
        v.range(&None::<u8>, Some(1), None);
        v.pattern(&None::<String>, &Pattern::new("^x$"));
        assert!(v.is_empty());
        v.range(&Some(0_u8), Some(1), None);
        assert_eq!(v.into_vec()[0].message, "must be at least 1 (is 0)");
    }

    #[test]
    fn paths_nest_and_unwind() {
        let mut v = Violations::new();
        v.field("item", |v| {
            v.field("tags", |v| v.index(2, |v| v.add("custom", "bad")));
            v.add("custom", "also bad");
        });
        let found = v.into_vec();
        assert_eq!(found[0].path, "item.tags[2]");
        assert_eq!(found[1].path, "item");
    }

    #[test]
    fn every_violation_is_listed_in_one_error() {
        let mut v = Violations::new();
        v.field("a", |v| v.non_empty(&Vec::<u8>::new()));
        v.field("b", |v| {
            v.custom(&3, |n| if *n > 2 { Err("too big".into()) } else { Ok(()) })
        });
        let err = v.into_result("s.m").unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        assert_eq!(
            err.message(),
            "invalid arguments for `s.m`: a: must not be empty; b: too big"
        );
        assert_eq!(
            err.data().unwrap().get(),
            r#"{"violations":[{"path":"a","rule":"non_empty","message":"must not be empty"},{"path":"b","rule":"custom","message":"too big"}]}"#
        );
    }

    #[test]
    // The borrow is the point: it makes method resolution try `ValidateIfImplemented` first.
    #[allow(clippy::needless_borrow)]
    fn the_specialisation_calls_validate_only_where_implemented() {
        struct Checked;
        impl Validate for Checked {
            fn validate(&self, v: &mut Violations) {
                v.add("custom", "checked");
            }
        }
        let mut v = Violations::new();
        (&Validated(&Checked)).validate_into(&mut v);
        (&Validated(&42_u8)).validate_into(&mut v);
        assert_eq!(v.into_vec().len(), 1);
    }
}
