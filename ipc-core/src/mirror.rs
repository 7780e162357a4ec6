//! The `#[validate(...)]` rules the generated client checks before sending, as the table it hands to the runtime's
//! one checker (`host.invoke`'s `rules` option, read by `runtime.js`): which rules JavaScript can check exactly as the
//! host does, and in what form.

use serde_json::{json, Value};

use crate::service::MethodDescriptor;
use crate::validate::{ClientRule, Measure, NumberKind};

/// The method's rules table as JavaScript source, `[["title", [["length", 1, 200, "text"]]]]`: for each argument
/// with rules the client checks, its name in JavaScript and those rules in the order written; `None` when there are
/// none. Rule forms: `["length", min, max, "text" | "list"]`, `["non_empty", "text" | "list"]`,
/// `["range", min, max, typeMin, typeMax]` (the type's limits `null` for `f64`), `["pattern", source]`.
pub(crate) fn rules_table(method: &MethodDescriptor) -> Option<String> {
    // A rule only the host checks (or one this engine cannot check alike) makes the whole method the host's: the
    // client must never refuse a call with fewer violations than the host would list.
    let host_only = method
        .args
        .iter()
        .flat_map(|arg| arg.client_rules)
        .any(|client| match client {
            ClientRule::OwnRules(own) => *own,
            _ => rule(client).is_none(),
        });
    if host_only {
        return None;
    }
    let args: Vec<Value> = method
        .args
        .iter()
        .filter_map(|arg| {
            let rules: Vec<Value> = arg.client_rules.iter().filter_map(rule).collect();
            (!rules.is_empty()).then(|| json!([arg.js_name, rules]))
        })
        .collect();
    (!args.is_empty()).then(|| Value::Array(args).to_string())
}

/// One rule as the runtime reads it, or `None` for one the host checks alone.
fn rule(rule: &ClientRule) -> Option<Value> {
    match *rule {
        ClientRule::Length { min, max, measure } => Some(json!(["length", min, max, measure_name(measure)?])),
        ClientRule::NonEmpty { measure } => Some(json!(["non_empty", measure_name(measure)?])),
        ClientRule::Range { min, max, number } => match number {
            NumberKind::Integer { min: lo, max: hi } => Some(json!(["range", min, max, lo, hi])),
            NumberKind::Float => Some(json!(["range", min, max, null, null])),
            NumberKind::HostOnly => None,
        },
        ClientRule::Pattern { source } => reads_alike(source).then(|| json!(["pattern", source])),
        ClientRule::HostOnly | ClientRule::OwnRules(_) => None,
    }
}

fn measure_name(measure: Measure) -> Option<&'static str> {
    match measure {
        Measure::Text => Some("text"),
        Measure::List => Some("list"),
        Measure::HostOnly => None,
    }
}

/// Escapes that mean the same character in both engines.
const ESCAPED: &str = "\\.+*?()|[]{}^$/";

/// Whether JavaScript (`new RegExp(source, "u")`) reads `source` as Rust's `regex` does, for whether a text matches:
/// the conservative subset documented on [`ClientRule::Pattern`]. `source` already compiles in Rust (the macro
/// checks it).
pub(crate) fn reads_alike(source: &str) -> bool {
    let chars: Vec<char> = source.chars().collect();
    let mut i = 0;
    let mut depth = 0_usize;
    // Whether the last item is an atom, which a quantifier may follow.
    let mut atom = false;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if !escape(chars.get(i + 1), false) {
                    return false;
                }
                i += 2;
                atom = true;
            }
            '[' => match class_end(&chars, i + 1) {
                Some(end) => {
                    i = end + 1;
                    atom = true;
                }
                None => return false,
            },
            '(' => {
                if chars.get(i + 1) == Some(&'?') {
                    if chars.get(i + 2) != Some(&':') {
                        return false;
                    }
                    i += 2;
                }
                i += 1;
                depth += 1;
                atom = false;
            }
            ')' => {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
                i += 1;
                atom = true;
            }
            '|' | '^' | '$' => {
                i += 1;
                atom = false;
            }
            '*' | '+' | '?' | '{' => {
                if !atom {
                    return false;
                }
                i = match quantifier_end(&chars, i) {
                    Some(end) => end,
                    None => return false,
                };
                if chars.get(i) == Some(&'?') {
                    i += 1;
                }
                atom = false;
            }
            '.' | ']' | '}' => return false,
            _ => {
                i += 1;
                atom = true;
            }
        }
    }
    depth == 0
}

/// Whether `\` followed by `next` is an escape both engines read alike (in a class, `\-` too).
fn escape(next: Option<&char>, in_class: bool) -> bool {
    match next {
        Some('n' | 't' | 'r') => true,
        Some('-') => in_class,
        Some(c) => ESCAPED.contains(*c),
        None => false,
    }
}

/// The index of the `]` closing a class whose content starts at `start`, if the class keeps to the subset.
fn class_end(chars: &[char], start: usize) -> Option<usize> {
    let mut i = start;
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    if chars.get(i) == Some(&']') {
        return None;
    }
    while i < chars.len() {
        match chars[i] {
            ']' => return Some(i),
            '[' => return None,
            '\\' => {
                if !escape(chars.get(i + 1), true) {
                    return None;
                }
                i += 2;
            }
            c @ ('&' | '-' | '~') if chars.get(i + 1) == Some(&c) => return None,
            _ => i += 1,
        }
    }
    None
}

/// The index after the quantifier starting at `start`: `*`, `+`, `?`, `{m}`, `{m,}` or `{m,n}`.
fn quantifier_end(chars: &[char], start: usize) -> Option<usize> {
    if chars[start] != '{' {
        return Some(start + 1);
    }
    let digits = |from: usize| chars[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut i = start + 1;
    let lead = digits(i);
    if lead == 0 {
        return None;
    }
    i += lead;
    if chars.get(i) == Some(&',') {
        i += 1;
        i += digits(i);
    }
    (chars.get(i) == Some(&'}')).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::ArgDescriptor;
    use crate::typescript::TsType;
    use crate::CallTimeout;

    fn method(args: &'static [ArgDescriptor]) -> MethodDescriptor {
        MethodDescriptor {
            rust_name: "add",
            js_name: "add",
            channel: "todos.add",
            docs: "",
            args,
            returns: None,
            error: None,
            timeout: CallTimeout::Default,
            deprecated: None,
            stream: false,
        }
    }

    fn arg(js_name: &'static str, client_rules: &'static [ClientRule]) -> ArgDescriptor {
        ArgDescriptor {
            rust_name: js_name,
            js_name,
            ts: TsType::of::<String>(),
            rules: "",
            client_rules,
        }
    }

    #[test]
    fn the_table_lists_the_rules_when_the_client_can_check_them_all() {
        let args: &'static [ArgDescriptor] = Box::leak(Box::new([
            arg(
                "title",
                &[
                    ClientRule::Length {
                        min: Some(1),
                        max: None,
                        measure: Measure::Text,
                    },
                    ClientRule::Pattern { source: "^[a-z]+$" },
                    ClientRule::OwnRules(false),
                ],
            ),
            arg(
                "ratio",
                &[
                    ClientRule::Range {
                        min: Some(0.5),
                        max: None,
                        number: NumberKind::Float,
                    },
                    ClientRule::OwnRules(false),
                ],
            ),
            arg("plain", &[ClientRule::OwnRules(false)]),
        ]));
        assert_eq!(
            rules_table(&method(args)).unwrap(),
            r#"[["title",[["length",1,null,"text"],["pattern","^[a-z]+$"]]],["ratio",[["range",0.5,null,null,null]]]]"#
        );
        assert_eq!(rules_table(&method(&args[2..3])), None, "nothing to check: no table");
    }

    #[test]
    fn one_rule_only_the_host_checks_leaves_the_whole_method_to_the_host() {
        let mirrored = ClientRule::Length {
            min: Some(1),
            max: None,
            measure: Measure::Text,
        };
        let host_only: [&'static [ClientRule]; 5] = [
            Box::leak(Box::new([ClientRule::Pattern { source: r"^\d+$" }])),
            Box::leak(Box::new([ClientRule::NonEmpty {
                measure: Measure::HostOnly,
            }])),
            Box::leak(Box::new([ClientRule::Range {
                min: Some(0.5),
                max: None,
                number: NumberKind::HostOnly,
            }])),
            Box::leak(Box::new([ClientRule::HostOnly])),
            Box::leak(Box::new([ClientRule::OwnRules(true)])),
        ];
        for rules in host_only {
            let args: &'static [ArgDescriptor] = Box::leak(Box::new([
                arg("title", Box::leak(Box::new([mirrored]))),
                arg("other", rules),
            ]));
            assert_eq!(rules_table(&method(args)), None, "{rules:?}");
        }
    }

    #[test]
    fn patterns_in_the_common_subset_are_mirrored() {
        for source in [
            "",
            "^[a-z0-9_]+$",
            "^[a-z-]+$",
            r"^\+?[0-9]{1,3}(?:-[0-9]{2,4})*$",
            "^(ab|cd)?e{2,}$",
            r"^[^\]\\]*$",
            "é+ü",
            r"^\(x\)\.\$\n$",
            "^a+?b*?$",
            "[-a]",
        ] {
            assert!(reads_alike(source), "{source}");
        }
    }

    #[test]
    fn patterns_the_engines_could_read_apart_stay_host_side() {
        for source in [
            r"^\d+$",      // Unicode digits in Rust
            r"^\w+$",      // Unicode word characters in Rust
            r"\s",         // different whitespace sets
            r"\bword\b",   // Unicode word boundary in Rust
            "^a.c$",       // `.` and line terminators
            "(?i)abc",     // flags
            "(?P<x>a)",    // named groups
            "(?=a)",       // look-around (refused by Rust too)
            "[[:alpha:]]", // nested and POSIX classes
            "[a-z&&[^x]]", // class set operations
            "[]a]",        // a leading `]` is a literal in Rust, the end of an empty class in JavaScript
            "a{,3}",       // `{,n}` is a quantifier in Rust only
            "a{2}{3}",     // a quantified quantifier
            "^*",          // a quantified anchor
            r"\pL",        // Unicode classes
            r"\x41",       // hex escapes
        ] {
            assert!(!reads_alike(source), "{source}");
        }
    }
}
