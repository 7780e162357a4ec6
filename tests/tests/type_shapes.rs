//! The generated TypeScript types tell the truth about what serde sends. A corpus of serde shapes (renames, the four
//! enum representations, flatten, tuples, maps with every key serde_json accepts and those it refuses (which cross
//! only empty), options, generics, recursion, std containers) goes into one generated `.d.ts`, each shape as the
//! payload of an event; then, for each shape, the JSON serde actually produces for a sample value is written as a
//! TypeScript constant of that event's payload type, and `tsc --strict` must accept the whole file.
//!
//! A shape whose JSON does not match its type is a lie in the bindings: tsc names the constant (`shape_NN`) and this
//! test prints which shape it was.
#![allow(dead_code)]

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use ipc_core::client::Bindings;
use serde::Serialize;
use serde_json::{json, Value};
use tests::{ts_dir, tsc};
use ts_rs::TS;

// --- structs -------------------------------------------------------------------------------------------------------

#[derive(Serialize, TS)]
struct Unit;

#[derive(Serialize, TS)]
struct Newtype(u32);

#[derive(Serialize, TS)]
struct TupleStruct(u32, String, bool);

#[derive(Serialize, TS)]
struct OneTuple(Option<String>);

#[derive(Serialize, TS)]
struct Empty {}

#[derive(Serialize, TS)]
struct Plain {
    text: String,
    flag: bool,
    small: i8,
    big: i64,
    unsigned: u64,
    real: f64,
    float: f32,
    letter: char,
}

#[derive(Serialize, TS)]
#[serde(rename_all = "camelCase")]
struct Camel {
    first_name: String,
    last_seen_at: Option<u32>,
}

#[derive(Serialize, TS)]
#[serde(rename_all = "kebab-case")]
struct Kebab {
    content_type: String,
    max_age: u32,
}

#[derive(Serialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
struct Screaming {
    api_key: String,
}

#[derive(Serialize, TS)]
struct FieldRenames {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "x-y")]
    dashed: u8,
    #[serde(rename = "1st")]
    first: u8,
}

#[derive(Serialize, TS)]
struct Skips {
    kept: u8,
    #[serde(skip)]
    skipped: u8,
    /// Never sent, so not in the type either: ts-rs reads `skip` only, and needs its own `skip` here.
    #[serde(skip_serializing)]
    #[ts(skip)]
    write_only: u8,
}

/// A lie: ts-rs ignores `skip_serializing`, so the type promises a field serde never sends.
#[derive(Serialize, TS)]
struct SkipSerializingLies {
    kept: u8,
    #[serde(skip_serializing)]
    write_only: u8,
}

#[derive(Serialize, TS)]
struct OptionalOmitted {
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[ts(optional)]
    tags: Option<Vec<String>>,
}

#[derive(Serialize, TS)]
struct Options {
    none: Option<u8>,
    some: Option<u8>,
    nested_none: Option<Option<u8>>,
    nested_some: Option<Option<u8>>,
    list: Option<Vec<u8>>,
    unit: Option<()>,
}

#[derive(Serialize, TS)]
struct Defaults {
    #[serde(default)]
    count: u32,
}

/// `transparent` as ts-rs follows it: a newtype.
#[derive(Serialize, TS)]
#[serde(transparent)]
struct Transparent(Vec<String>);

/// A lie: ts-rs ignores `skip_serializing_if`, so the type promises fields serde leaves out.
#[derive(Serialize, TS)]
struct SkipIfLies {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

/// A lie: ts-rs ignores `transparent` on a struct with a named field and types it as the struct.
#[derive(Serialize, TS)]
#[serde(transparent)]
struct TransparentNamedLies {
    inner: Vec<String>,
}

#[derive(Serialize, TS)]
struct Strings {
    owned: String,
    cow: Cow<'static, str>,
    boxed: Box<str>,
}

#[derive(Serialize, TS)]
struct Sequences {
    vec: Vec<u8>,
    nested: Vec<Vec<u16>>,
    set: BTreeSet<String>,
    hash_set: HashSet<u8>,
    array: [u8; 3],
    boxed: Box<[u32]>,
    options: Vec<Option<u8>>,
}

#[derive(Serialize, TS)]
struct Tuples {
    pair: (u8, String),
    triple: (bool, f64, Option<u8>),
    unit: (),
}

#[derive(Serialize, TS)]
struct Maps {
    by_string: HashMap<String, u8>,
    by_number: BTreeMap<u32, String>,
    by_signed: BTreeMap<i64, bool>,
    by_char: BTreeMap<char, u8>,
    by_bool: BTreeMap<bool, u8>,
    nested: BTreeMap<String, BTreeMap<String, u8>>,
}

#[derive(Serialize, TS, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Name(String);

#[derive(Serialize, TS)]
struct NewtypeKeys {
    by_name: BTreeMap<Name, u8>,
}

#[derive(Serialize, TS, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Color {
    Red,
    Green,
}

#[derive(Serialize, TS)]
struct EnumKeys {
    by_color: BTreeMap<Color, u8>,
}

#[derive(Serialize, TS, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Cell {
    row: u32,
    col: u32,
}

/// Maps serde_json can only send empty: their keys are not strings or numbers. Typed `{ [key: string]: never }`.
#[derive(Serialize, TS)]
struct UnsendableKeys {
    by_tuple: HashMap<(u32, u32), String>,
    by_struct: BTreeMap<Cell, u8>,
    by_list: BTreeMap<Vec<String>, u8>,
    by_option: BTreeMap<Option<u32>, u8>,
    beside: BTreeMap<String, BTreeMap<Cell, u8>>,
}

#[derive(Serialize, TS)]
struct Json {
    any: Value,
    list: Vec<Value>,
}

#[derive(Serialize, TS)]
struct Boxed {
    inner: Box<Plainish>,
}

#[derive(Serialize, TS)]
struct Plainish {
    n: u8,
}

#[derive(Serialize, TS)]
struct Tree {
    label: String,
    children: Vec<Tree>,
}

#[derive(Serialize, TS)]
struct Linked {
    value: u8,
    next: Option<Box<Linked>>,
}

#[derive(Serialize, TS)]
struct Generic<T> {
    value: T,
    list: Vec<T>,
}

#[derive(Serialize, TS)]
struct Pair<A, B> {
    left: A,
    right: B,
}

#[derive(Serialize, TS)]
struct UsesGenerics {
    numbers: Generic<u8>,
    pair: Pair<String, Option<bool>>,
    nested: Generic<Pair<u8, Vec<String>>>,
}

#[derive(Serialize, TS)]
struct Results {
    ok: Result<u8, String>,
    err: Result<u8, String>,
}

#[derive(Serialize, TS)]
struct FlattenStruct {
    id: u32,
    #[serde(flatten)]
    meta: Meta,
}

#[derive(Serialize, TS)]
struct Meta {
    created: String,
    #[serde(rename = "by")]
    author: String,
}

#[derive(Serialize, TS)]
struct FlattenMap {
    id: u32,
    #[serde(flatten)]
    extra: BTreeMap<String, Value>,
}

#[derive(Serialize, TS)]
struct FlattenTagged {
    id: u32,
    #[serde(flatten)]
    shape: Internal,
}

// --- enums ---------------------------------------------------------------------------------------------------------

#[derive(Serialize, TS)]
enum UnitOnly {
    First,
    Second,
}

#[derive(Serialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum UnitRenamed {
    InProgress,
    #[serde(rename = "done!")]
    Done,
}

#[derive(Serialize, TS)]
enum WithDiscriminants {
    Low = 1,
    High = 10,
}

#[derive(Serialize, TS)]
enum External {
    Unit,
    Newtype(u32),
    Tuple(u8, String),
    Struct { x: i32, y: i32 },
}

#[derive(Serialize, TS)]
#[serde(tag = "type")]
enum Internal {
    Unit,
    Struct { radius: f64 },
    Newtype(Plainish),
}

#[derive(Serialize, TS)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    Unit,
    Newtype(String),
    Tuple(u8, u8),
    Struct { ok: bool },
}

#[derive(Serialize, TS)]
#[serde(untagged)]
enum Untagged {
    Number(u32),
    Text(String),
    Pair(u8, u8),
    Struct { name: String },
    Nothing,
}

#[derive(Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum InternalRenamed {
    BigCircle {
        #[serde(rename = "r")]
        radius: f64,
    },
    SmallSquare {
        side: f64,
    },
}

#[derive(Serialize, TS)]
#[serde(rename_all_fields = "camelCase")]
enum FieldsRenamed {
    Move { dest_x: i32, dest_y: i32 },
}

#[derive(Serialize, TS)]
enum Either<L, R> {
    Left(L),
    Right(R),
}

#[derive(Serialize, TS)]
struct UsesEither {
    one: Either<u8, String>,
    other: Either<u8, String>,
}

#[derive(Serialize, TS)]
enum Expr {
    Number(f64),
    Add(Box<Expr>, Box<Expr>),
    Neg(Box<Expr>),
}

#[derive(Serialize, TS)]
#[serde(tag = "op", content = "args", rename_all = "lowercase")]
enum Op {
    Move { to: (i32, i32) },
    Say(Vec<String>),
    Quit,
}

// --- the corpus ----------------------------------------------------------------------------------------------------

/// One shape: its TypeScript payload type (through the bindings) and the JSON serde produces for a sample value.
struct Case {
    name: &'static str,
    json: Value,
    bindings: fn(Bindings, &str) -> Bindings,
}

macro_rules! case {
    ($ty:ty, $value:expr) => {
        Case {
            name: stringify!($ty),
            json: serde_json::to_value::<&$ty>(&$value).expect(concat!(stringify!($ty), " serializes")),
            bindings: |bindings, channel| bindings.event::<$ty>(channel),
        }
    };
}

fn plain() -> Plain {
    Plain {
        text: "t".into(),
        flag: true,
        small: -8,
        big: -9_007_199_254_740_991,
        unsigned: 9_007_199_254_740_991,
        real: 0.5,
        float: 1.5,
        letter: 'λ',
    }
}

fn meta() -> Meta {
    Meta {
        created: "today".into(),
        author: "ada".into(),
    }
}

fn corpus() -> Vec<Case> {
    vec![
        case!(Unit, Unit),
        case!(Newtype, Newtype(7)),
        case!(TupleStruct, TupleStruct(1, "a".into(), false)),
        case!(OneTuple, OneTuple(Some("x".into()))),
        case!(OneTuple, OneTuple(None)),
        case!(Empty, Empty {}),
        case!(Plain, plain()),
        case!(
            Camel,
            Camel {
                first_name: "a".into(),
                last_seen_at: Some(3)
            }
        ),
        case!(
            Kebab,
            Kebab {
                content_type: "text/plain".into(),
                max_age: 60
            }
        ),
        case!(Screaming, Screaming { api_key: "k".into() }),
        case!(
            FieldRenames,
            FieldRenames {
                kind: "k".into(),
                dashed: 1,
                first: 2
            }
        ),
        case!(
            Skips,
            Skips {
                kept: 1,
                skipped: 2,
                write_only: 3
            }
        ),
        case!(OptionalOmitted, OptionalOmitted { note: None, tags: None }),
        case!(
            OptionalOmitted,
            OptionalOmitted {
                note: Some("n".into()),
                tags: Some(vec!["t".into()])
            }
        ),
        case!(
            Options,
            Options {
                none: None,
                some: Some(1),
                nested_none: None,
                nested_some: Some(Some(2)),
                list: Some(vec![1, 2]),
                unit: Some(()),
            }
        ),
        case!(Defaults, Defaults { count: 0 }),
        case!(Transparent, Transparent(vec!["a".into()])),
        case!(
            Strings,
            Strings {
                owned: "a".into(),
                cow: Cow::Borrowed("b"),
                boxed: "c".into()
            }
        ),
        case!(
            Sequences,
            Sequences {
                vec: vec![1, 2],
                nested: vec![vec![3], vec![]],
                set: BTreeSet::from(["s".to_owned()]),
                hash_set: HashSet::from([5]),
                array: [6, 7, 8],
                boxed: vec![9].into_boxed_slice(),
                options: vec![None, Some(1)],
            }
        ),
        case!(
            Tuples,
            Tuples {
                pair: (1, "a".into()),
                triple: (true, 2.5, None),
                unit: ()
            }
        ),
        case!(
            Maps,
            Maps {
                by_string: HashMap::from([("a".to_owned(), 1)]),
                by_number: BTreeMap::from([(1, "one".to_owned())]),
                by_signed: BTreeMap::from([(-1, true)]),
                by_char: BTreeMap::from([('c', 3)]),
                by_bool: BTreeMap::from([(true, 1), (false, 0)]),
                nested: BTreeMap::from([("o".to_owned(), BTreeMap::from([("i".to_owned(), 1)]))]),
            }
        ),
        case!(
            NewtypeKeys,
            NewtypeKeys {
                by_name: BTreeMap::from([(Name("n".into()), 1)])
            }
        ),
        case!(
            EnumKeys,
            EnumKeys {
                by_color: BTreeMap::from([(Color::Red, 1), (Color::Green, 2)])
            }
        ),
        case!(
            UnsendableKeys,
            UnsendableKeys {
                by_tuple: HashMap::new(),
                by_struct: BTreeMap::new(),
                by_list: BTreeMap::new(),
                by_option: BTreeMap::new(),
                beside: BTreeMap::from([("a".to_owned(), BTreeMap::new())]),
            }
        ),
        case!(
            Json,
            Json {
                any: json!({"a": [1, "b", null]}),
                list: vec![json!(1), json!("x")]
            }
        ),
        case!(
            Boxed,
            Boxed {
                inner: Box::new(Plainish { n: 1 })
            }
        ),
        case!(
            Tree,
            Tree {
                label: "root".into(),
                children: vec![Tree {
                    label: "leaf".into(),
                    children: vec![]
                }],
            }
        ),
        case!(
            Linked,
            Linked {
                value: 1,
                next: Some(Box::new(Linked { value: 2, next: None }))
            }
        ),
        case!(
            Generic<u8>,
            Generic {
                value: 1,
                list: vec![2]
            }
        ),
        case!(
            Generic<String>,
            Generic {
                value: "a".to_owned(),
                list: vec![]
            }
        ),
        case!(Pair<u8, Vec<String>>, Pair { left: 1, right: vec!["r".to_owned()] }),
        case!(
            UsesGenerics,
            UsesGenerics {
                numbers: Generic { value: 1, list: vec![] },
                pair: Pair {
                    left: "l".into(),
                    right: None
                },
                nested: Generic {
                    value: Pair { left: 1, right: vec![] },
                    list: vec![]
                },
            }
        ),
        case!(
            Results,
            Results {
                ok: Ok(1),
                err: Err("no".into())
            }
        ),
        case!(FlattenStruct, FlattenStruct { id: 1, meta: meta() }),
        case!(
            FlattenMap,
            FlattenMap {
                id: 1,
                extra: BTreeMap::from([("more".to_owned(), json!([true]))])
            }
        ),
        case!(
            FlattenTagged,
            FlattenTagged {
                id: 1,
                shape: Internal::Struct { radius: 2.0 }
            }
        ),
        case!(UnitOnly, UnitOnly::Second),
        case!(UnitRenamed, UnitRenamed::InProgress),
        case!(UnitRenamed, UnitRenamed::Done),
        case!(WithDiscriminants, WithDiscriminants::High),
        case!(External, External::Unit),
        case!(External, External::Newtype(1)),
        case!(External, External::Tuple(1, "a".into())),
        case!(External, External::Struct { x: 1, y: -1 }),
        case!(Internal, Internal::Unit),
        case!(Internal, Internal::Struct { radius: 1.0 }),
        case!(Internal, Internal::Newtype(Plainish { n: 3 })),
        case!(Adjacent, Adjacent::Unit),
        case!(Adjacent, Adjacent::Newtype("a".into())),
        case!(Adjacent, Adjacent::Tuple(1, 2)),
        case!(Adjacent, Adjacent::Struct { ok: true }),
        case!(Untagged, Untagged::Number(1)),
        case!(Untagged, Untagged::Text("a".into())),
        case!(Untagged, Untagged::Pair(1, 2)),
        case!(Untagged, Untagged::Struct { name: "n".into() }),
        case!(Untagged, Untagged::Nothing),
        case!(InternalRenamed, InternalRenamed::BigCircle { radius: 1.0 }),
        case!(InternalRenamed, InternalRenamed::SmallSquare { side: 2.0 }),
        case!(FieldsRenamed, FieldsRenamed::Move { dest_x: 1, dest_y: 2 }),
        case!(
            UsesEither,
            UsesEither {
                one: Either::Left(1),
                other: Either::Right("r".into())
            }
        ),
        case!(
            Expr,
            Expr::Add(
                Box::new(Expr::Number(1.0)),
                Box::new(Expr::Neg(Box::new(Expr::Number(2.0))))
            )
        ),
        case!(Op, Op::Move { to: (1, 2) }),
        case!(Op, Op::Say(vec!["hi".into()])),
        case!(Op, Op::Quit),
        case!(Vec<Option<Plainish>>, vec![Some(Plainish { n: 1 }), None]),
        case!(Option<()>, Some(())),
        case!(HashMap<String, Vec<Camel>>, HashMap::from([("k".to_owned(), vec![])])),
        case!((u8, String, Option<bool>), (1, "a".to_owned(), Some(true))),
        case!(
            Box<Tree>,
            Box::new(Tree {
                label: "b".into(),
                children: vec![]
            })
        ),
    ]
}

/// Shapes whose generated type does not match serde's JSON, because ts-rs does not follow that serde attribute. The
/// README lists them with what to write instead (the corpus above holds each fix). A second test proves every one is
/// still rejected by tsc, so the list cannot outlive the problem.
fn known_lies() -> Vec<Case> {
    vec![
        case!(SkipSerializingLies, SkipSerializingLies { kept: 1, write_only: 2 }),
        case!(
            TransparentNamedLies,
            TransparentNamedLies {
                inner: vec!["a".into()]
            }
        ),
    ]
}

/// Writes the bindings of `cases` as `generated/<stem>.d.ts`, and `generated-<stem>.ts` with one typed constant per
/// case; runs `tsc --strict` on it. Returns whether tsc accepted it, its report, and the indexes of the cases whose
/// constants it rejected.
fn type_check(stem: &str, cases: &[Case]) -> (bool, String, Vec<usize>) {
    let mut bindings = Bindings::new();
    for (i, case) in cases.iter().enumerate() {
        bindings = (case.bindings)(bindings, &format!("shape.{i:02}"));
    }
    bindings
        .write_to(ts_dir().join("generated"), stem)
        .expect("the bindings are written");
    let mut checks = format!(
        "// Generated by tests/tests/type_shapes.rs: the JSON serde sends, typed by the generated bindings.\n\
         import type {{ Events }} from \"./generated/{stem}\";\n"
    );
    let mut lines = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        checks.push_str(&format!("// {}\n", case.name));
        lines.push(checks.lines().count() + 1);
        checks.push_str(&format!(
            "export const shape_{i:02}: Events[\"shape.{i:02}\"] = {};\n",
            case.json
        ));
    }
    let file = format!("generated-{stem}.ts");
    std::fs::write(ts_dir().join(&file), checks).expect("the checks are written");
    let out = tsc(&file);
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    let rejected = lines
        .iter()
        .enumerate()
        .filter(|(_, line)| report.contains(&format!("{file}({line},")))
        .map(|(i, _)| i)
        .collect();
    (out.status.success(), report, rejected)
}

#[test]
fn the_json_serde_sends_for_every_shape_has_the_generated_type() {
    let cases = corpus();
    assert!(cases.len() >= 60, "the corpus has {} shapes", cases.len());
    let (accepted, report, rejected) = type_check("shapes", &cases);
    let lying: Vec<String> = rejected
        .iter()
        .map(|&i| format!("shape_{i:02} ({}): {}", cases[i].name, cases[i].json))
        .collect();
    assert!(
        accepted,
        "tsc rejected the JSON of {} shape(s):\n{}\n\ntsc said:\n{report}",
        lying.len(),
        lying.join("\n")
    );
}

#[test]
fn every_known_lie_is_still_one() {
    let cases = known_lies();
    let (_, report, rejected) = type_check("shape-lies", &cases);
    let all: Vec<usize> = (0..cases.len()).collect();
    assert_eq!(
        rejected, all,
        "each listed shape must still be rejected (remove the ones ts-rs now gets right from the list and the \
         README); tsc said:\n{report}"
    );
}

#[derive(Serialize, TS)]
struct FlattenOption {
    id: u32,
    #[serde(flatten)]
    meta: Option<Meta>,
}

#[test]
fn writing_the_bindings_of_a_flattened_option_panics_in_ts_rs() {
    let written = std::panic::catch_unwind(|| Bindings::new().event::<FlattenOption>("shape").declarations());
    assert!(
        written.is_err(),
        "ts-rs now types a flattened Option: update the README"
    );
}

#[test]
fn a_map_whose_keys_serde_json_cannot_write_is_typed_as_only_ever_empty() {
    let by_tuple: HashMap<(u32, u32), String> = HashMap::from([((1, 2), "a".to_owned())]);
    let by_struct = BTreeMap::from([(Cell { row: 1, col: 2 }, 1u8)]);
    assert!(
        serde_json::to_value(&by_tuple).is_err(),
        "serde_json now sends tuple keys"
    );
    assert!(
        serde_json::to_value(&by_struct).is_err(),
        "serde_json now sends struct keys"
    );
    let dts = Bindings::new().event::<UnsendableKeys>("shape").declarations();
    assert!(
        dts.contains(
            "by_tuple: /* a map keyed by [number, number]: serde_json sends only an empty one */ { [key: string]: never }"
        ),
        "{dts}"
    );
    assert!(dts.contains("by_struct: /* a map keyed by Cell:"), "{dts}");
    // A non-empty one, which serde_json never sends, is refused by tsc at each field.
    let cases = vec![
        Case {
            name: "UnsendableKeys with a tuple key",
            json: json!({"by_tuple": {"1,2": "a"}, "by_struct": {}, "by_list": {}, "by_option": {}, "beside": {}}),
            bindings: |bindings, channel| bindings.event::<UnsendableKeys>(channel),
        },
        Case {
            name: "UnsendableKeys with a struct key",
            json: json!({"by_tuple": {}, "by_struct": {"x": 1}, "by_list": {}, "by_option": {}, "beside": {"a": {"b": 1}}}),
            bindings: |bindings, channel| bindings.event::<UnsendableKeys>(channel),
        },
    ];
    let (_, report, rejected) = type_check("shape-unsendable-keys", &cases);
    assert_eq!(rejected, vec![0, 1], "tsc said:\n{report}");
}
