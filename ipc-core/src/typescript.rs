//! TypeScript types of the values that cross the boundary, for the generated `.d.ts`.
//!
//! Types come from [ts-rs](https://docs.rs/ts-rs): every argument, return and error type of a service implements
//! `ts_rs::TS` (`#[derive(ts_rs::TS)]` on your own types; std, `serde_json::Value` and the primitives are covered).
//! ts-rs follows the types' serde attributes (`rename_all`, `tag`, `untagged`, `flatten`, `default`, ...).
//!
//! One deliberate difference from ts-rs: 64-bit integers are typed `number`, not `bigint`. On the wire they are JSON
//! numbers, and [`crate::json`] guarantees they are exact or refused; a `bigint` type would promise values that
//! `JSON.parse` never produces. Only the integers opted in to exact transport ([`crate::exact`]) are `bigint`: the
//! runtime turns them into `BigInt` values.
//!
//! And one completion: a map keyed by `bool` is typed `{ [key in "true" | "false"]?: V }`, the keys serde_json writes
//! (ts-rs writes `[key in boolean]`, which TypeScript refuses as a key type).
//!
//! And one correction: a map whose key serde_json cannot write as an object key (a tuple, a list, a struct, an
//! `Option`: `HashMap<(u32, u32), V>` inside one of your structs) is typed `{ [key: string]: never }`, with a comment
//! naming the key. That is what crosses: serde_json refuses to send such a map unless it is empty, and such a map
//! from the page is refused as INVALID_ARGUMENTS. (ts-rs writes `[key in [number, number]]`, which tsc rejects; in a
//! method's own signature `#[ipc_service]` refuses the key type at compile time.)
//!
//! Without the default `typescript` feature, no type needs `ts_rs::TS` and every value is typed `unknown`.

use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};

/// The TypeScript type of one Rust type, as plain functions so descriptors can hold it in a `static`.
#[derive(Clone, Copy)]
pub struct TsType {
    name: fn() -> String,
    declare: fn(&mut Declarations),
    is_option: bool,
}

impl TsType {
    /// The type for `T`: generated code calls this for every argument, return and error type.
    pub const fn of<T: TsInfo + ?Sized>() -> Self {
        TsType {
            name: T::ts_name,
            declare: T::ts_declare,
            is_option: T::IS_OPTION,
        }
    }

    /// The type as written in TypeScript, such as `Array<Todo>` or `string | null`.
    pub fn name(&self) -> String {
        wire_types(&(self.name)())
    }

    /// Adds the declarations of every named type this type refers to (`Todo` in `Array<Todo>`).
    pub fn declare(&self, into: &mut Declarations) {
        (self.declare)(into)
    }

    /// Whether the Rust type is an `Option` (so the argument may be omitted in JavaScript).
    pub fn is_option(&self) -> bool {
        self.is_option
    }
}

impl std::fmt::Debug for TsType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TsType").field(&self.name()).finish()
    }
}

/// The declarations (`type Todo = {...}`) needed by a set of types, each once, in a stable order.
#[derive(Debug, Default)]
pub struct Declarations {
    visited: HashSet<TypeId>,
    by_name: BTreeMap<String, String>,
}

impl Declarations {
    /// Marks the type `id` as visited; returns `false` if it was already (recursive types end here).
    pub fn visit(&mut self, id: TypeId) -> bool {
        self.visited.insert(id)
    }

    /// Records `declaration` for the type named `name`, unless a type of that name is declared already.
    pub fn add(&mut self, name: String, declaration: impl FnOnce() -> String) {
        self.by_name.entry(name).or_insert_with(|| wire_types(&declaration()));
    }

    /// `ts` (declarations or a whole `.d.ts`) with every map whose key cannot be a JSON object key typed as what
    /// crosses: `{ [key: string]: never }`, after a comment naming the key (see the module docs). Named key types are
    /// looked up among these declarations.
    pub fn honest_map_keys(&self, ts: &str) -> String {
        honest_map_keys(ts, &|name| self.body_of(name))
    }

    /// The type a declaration `type Name<..> = body;` gives `name`.
    fn body_of(&self, name: &str) -> Option<&str> {
        let declaration = self.by_name.get(name)?.trim();
        let rest = declaration.strip_prefix("type ")?.strip_prefix(name)?;
        let body = &rest[rest.find('=')? + 1..];
        Some(body.trim().trim_end_matches(';').trim())
    }

    /// Every declaration, each prefixed with `export `, sorted by type name.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for declaration in self.by_name.values() {
            out.push_str("export ");
            out.push_str(declaration.trim());
            out.push_str("\n\n");
        }
        out
    }
}

/// The types as they travel (see the module docs): `bigint` → `number` as a whole word, an [`Exact`](crate::Exact)
/// integer's type → `bigint`, and `bool` map keys → the strings serde_json writes.
fn wire_types(ts: &str) -> String {
    let ts = bigint_words_as_number(ts).replace("[key in boolean]", "[key in \"true\" | \"false\"]");
    #[cfg(feature = "typescript")]
    let ts = ts.replace(crate::exact::EXACT_BIGINT, "bigint");
    ts
}

/// `bigint` → `number`, as a whole word.
fn bigint_words_as_number(ts: &str) -> String {
    let mut out = String::with_capacity(ts.len());
    let mut rest = ts;
    while let Some(at) = rest.find("bigint") {
        let before = rest[..at].chars().next_back();
        let after = rest[at + 6..].chars().next();
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        out.push_str(&rest[..at]);
        out.push_str(if is_word(before) || is_word(after) {
            "bigint"
        } else {
            "number"
        });
        rest = &rest[at + 6..];
    }
    out.push_str(rest);
    out
}

/// The marker ts-rs puts before a map's key type: `{ [key in K]?: V }`.
const MAP_KEY: &str = "[key in ";

/// What a map whose key serde_json cannot write becomes (see the module docs).
const UNSENDABLE_MAP: &str = "{ [key: string]: never }";

/// `ts` with each map type whose key cannot be a JSON object key replaced by [`UNSENDABLE_MAP`], preceded by a comment
/// naming the key. `body_of` gives the type a declared name stands for.
fn honest_map_keys<'a>(ts: &str, body_of: &dyn Fn(&str) -> Option<&'a str>) -> String {
    let mut out = String::with_capacity(ts.len());
    let mut rest = ts;
    while let Some(at) = rest.find(MAP_KEY) {
        let key_start = at + MAP_KEY.len();
        let open = rest[..at].trim_end().len().checked_sub(1);
        let map = open.filter(|&open| rest.as_bytes()[open] == b'{').and_then(|open| {
            let key_end = key_start + closing(&rest[key_start..], b']')?;
            let map_end = open + 1 + closing(&rest[open + 1..], b'}')?;
            Some((open, &rest[key_start..key_end], map_end))
        });
        match map {
            Some((open, key, map_end)) if !is_object_key(key, body_of, 0) => {
                out.push_str(&rest[..open]);
                out.push_str("/* a map keyed by ");
                out.push_str(&key.replace("*/", "* /"));
                out.push_str(": serde_json sends only an empty one */ ");
                out.push_str(UNSENDABLE_MAP);
                rest = &rest[map_end + 1..];
            }
            _ => {
                out.push_str(&rest[..key_start]);
                rest = &rest[key_start..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The offset in `ts` of the first `close` (`]` or `}`) not nested in brackets, braces, parentheses, angle brackets
/// or a string literal.
fn closing(ts: &str, close: u8) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote = None;
    let mut escaped = false;
    for (i, b) in ts.bytes().enumerate() {
        if let Some(q) = quote {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                _ if b == q => quote = None,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' | b'\'' | b'`' => quote = Some(b),
            _ if b == close && depth == 0 => return Some(i),
            b'[' | b'{' | b'(' | b'<' => depth += 1,
            b']' | b'}' | b')' | b'>' => depth = depth.checked_sub(1)?,
            _ => {}
        }
    }
    None
}

/// The members of a union, split at `|` outside brackets and string literals.
fn union_members(ts: &str) -> Vec<&str> {
    let mut members = Vec::new();
    let mut rest = ts;
    while let Some(end) = closing(rest, b'|') {
        members.push(rest[..end].trim());
        rest = &rest[end + 1..];
    }
    members.push(rest.trim());
    members
}

/// Whether every value of the TypeScript type `key` is something serde_json writes as an object key: a string, a
/// number or a literal of either. Unknown names count as keys (they are not this module's to judge).
fn is_object_key<'a>(key: &str, body_of: &dyn Fn(&str) -> Option<&'a str>, depth: usize) -> bool {
    union_members(key.trim()).into_iter().all(|member| {
        let starts_name = member.starts_with(|c: char| c.is_alphabetic() || c == '_' || c == '$');
        if let Some(inner) = member.strip_prefix('(').and_then(|m| m.strip_suffix(')')) {
            is_object_key(inner, body_of, depth)
        } else if member.starts_with(['"', '\'', '`', '-']) || member.starts_with(|c: char| c.is_ascii_digit()) {
            true
        } else if !starts_name {
            false // a tuple, an object, a list literal
        } else {
            let name = &member[..member.find('<').unwrap_or(member.len())];
            match name {
                "string" | "number" | "never" | "any" | "unknown" => true,
                // `bigint` is an exact integer (`Exact`), which travels as an object.
                "bigint" | "null" | "undefined" | "boolean" | "Array" | "Record" | "object" => false,
                // A recursive alias deeper than any real key type: not a key.
                _ if depth > 32 => false,
                _ => body_of(name).is_none_or(|body| is_object_key(body, body_of, depth + 1)),
            }
        }
    })
}

/// The TypeScript facts of a type. Implemented for every `ts_rs::TS` type (with the `typescript` feature), or for
/// every type as `unknown` (without it).
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no TypeScript type, so it cannot appear in a service's signature",
    label = "the `.d.ts` needs a type for this",
    note = "add `#[derive(ts_rs::TS)]` to the type (ts-rs follows its serde attributes), or turn off the `typescript` feature of ipc-core"
)]
pub trait TsInfo {
    /// Whether the type is an `Option`.
    const IS_OPTION: bool;
    /// The type as written in TypeScript.
    fn ts_name() -> String;
    /// Adds the declarations the type needs.
    fn ts_declare(into: &mut Declarations);
}

#[cfg(feature = "typescript")]
mod with_ts_rs {
    use std::any::TypeId;

    use ts_rs::{TypeVisitor, TS};

    use super::{Declarations, TsInfo};

    impl<T: TS + ?Sized + 'static> TsInfo for T {
        const IS_OPTION: bool = <T as TS>::IS_OPTION;

        fn ts_name() -> String {
            T::name()
        }

        fn ts_declare(into: &mut Declarations) {
            let mut visitor = Collect(into);
            visitor.visit::<T>();
        }
    }

    /// Declares every type with its own declaration (those with an output path: derived types), then their
    /// dependencies.
    struct Collect<'a>(&'a mut Declarations);

    impl TypeVisitor for Collect<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            if !self.0.visit(TypeId::of::<U>()) {
                return;
            }
            if U::output_path().is_some() {
                self.0.add(U::ident(), U::decl);
            }
            U::visit_dependencies(self);
            U::visit_generics(self);
        }
    }
}

#[cfg(not(feature = "typescript"))]
impl<T: ?Sized> TsInfo for T {
    const IS_OPTION: bool = false;

    fn ts_name() -> String {
        "unknown".to_owned()
    }

    fn ts_declare(_into: &mut Declarations) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bigint_becomes_number_as_a_whole_word_only() {
        assert_eq!(
            wire_types("{ a: bigint, b: Array<bigint> }"),
            "{ a: number, b: Array<number> }"
        );
        assert_eq!(wire_types("bigintish | my_bigint"), "bigintish | my_bigint");
    }

    #[test]
    fn bool_map_keys_are_the_strings_serde_json_writes() {
        assert_eq!(
            wire_types("{ [key in boolean]?: number }"),
            "{ [key in \"true\" | \"false\"]?: number }"
        );
    }

    fn no_declarations(_: &str) -> Option<&'static str> {
        None
    }

    #[test]
    fn maps_with_keys_serde_json_cannot_write_are_typed_as_what_crosses() {
        let tuple = honest_map_keys("{ a: { [key in [number, number]]?: string }, }", &no_declarations);
        assert_eq!(
            tuple,
            "{ a: /* a map keyed by [number, number]: serde_json sends only an empty one */ { [key: string]: never }, }"
        );
        for bad in [
            "Array<string>",
            "number | null",
            "{ x: number, }",
            "null",
            "\"a\" | [number]",
        ] {
            let ts = format!("{{ [key in {bad}]?: number }}");
            assert!(
                honest_map_keys(&ts, &no_declarations).ends_with(UNSENDABLE_MAP),
                "{bad}"
            );
        }
        for good in [
            "string",
            "number",
            "\"a\" | \"b]\"",
            "\"true\" | \"false\"",
            "Unknown",
            "(string)",
        ] {
            let ts = format!("{{ [key in {good}]?: {{ [key in string]?: number }} }}");
            assert_eq!(honest_map_keys(&ts, &no_declarations), ts, "{good}");
        }
        // A map inside a good map's value is judged on its own.
        let nested = honest_map_keys("{ [key in string]?: { [key in [string]]?: number } }", &no_declarations);
        assert!(
            nested.starts_with("{ [key in string]?: /* a map keyed by [string]"),
            "{nested}"
        );
        assert!(nested.ends_with("{ [key: string]: never } }"), "{nested}");
    }

    #[test]
    fn named_key_types_are_judged_by_their_declarations() {
        let mut declarations = Declarations::default();
        declarations.add("Point".into(), || "type Point = { x: number, y: number, };".into());
        declarations.add("Color".into(), || "type Color = \"Red\" | \"Green\";".into());
        declarations.add("Id".into(), || "type Id = Inner;".into());
        declarations.add("Inner".into(), || "type Inner = number;".into());
        declarations.add("Loop".into(), || "type Loop = Loop;".into());
        let judge = |key: &str| {
            declarations
                .honest_map_keys(&format!("{{ [key in {key}]?: number }}"))
                .ends_with(UNSENDABLE_MAP)
        };
        assert!(judge("Point"));
        assert!(judge("Loop"));
        assert!(!judge("Color"));
        assert!(!judge("Id"));
    }

    #[cfg(feature = "typescript")]
    #[test]
    fn types_name_and_declare_their_dependencies_once() {
        #[derive(ts_rs::TS)]
        #[allow(dead_code)]
        struct Tag {
            label: String,
        }
        #[derive(ts_rs::TS)]
        #[allow(dead_code)]
        struct Todo {
            id: u64,
            tags: Vec<Tag>,
            first: Option<Tag>,
        }
        let ty = TsType::of::<Vec<Todo>>();
        assert_eq!(ty.name(), "Array<Todo>");
        assert!(!ty.is_option());
        assert!(TsType::of::<Option<u8>>().is_option());
        let mut declarations = Declarations::default();
        ty.declare(&mut declarations);
        TsType::of::<Todo>().declare(&mut declarations);
        let rendered = declarations.render();
        assert_eq!(
            rendered,
            "export type Tag = { label: string, };\n\nexport type Todo = { id: number, tags: Array<Tag>, first: Tag | null, };\n\n"
        );
    }
}
