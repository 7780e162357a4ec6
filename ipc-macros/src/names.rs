//! The one naming rule of the project, used for channels, the router and the JavaScript client alike.

use heck::{ToLowerCamelCase, ToSnakeCase};

/// The default service name of a trait: `TodoList` → `todo_list`.
pub fn service_name(trait_name: &str) -> String {
    trait_name.to_snake_case()
}

/// A Rust name as it appears in JavaScript: `add_item` → `addItem`, `todo_list` → `todoList`.
pub fn js_name(rust_name: &str) -> String {
    rust_name.to_lower_camel_case()
}

/// The channel of a method: `service.method`.
pub fn channel(service: &str, method: &str) -> String {
    format!("{service}.{method}")
}

/// Words JavaScript reserves in strict mode and in modules: not usable as parameter names.
pub const JS_RESERVED: &[&str] = &[
    "arguments",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_one_rule() {
        assert_eq!(service_name("TodoList"), "todo_list");
        assert_eq!(js_name("add_item"), "addItem");
        assert_eq!(js_name("todo_list"), "todoList");
        assert_eq!(js_name("list"), "list");
        assert_eq!(channel("todo_list", "add_item"), "todo_list.add_item");
    }
}
