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
