//! The one naming rule of the project, used for channels, the router and the JavaScript client alike.

use heck::{ToLowerCamelCase, ToSnakeCase};

/// The path of the runtime crate as the calling crate names it: `::ipc_core`, or its name after a rename in
/// Cargo.toml (`runtime = { package = "ipc-core" }` gives `::runtime`).
pub(crate) fn runtime_path() -> syn::Path {
    use proc_macro_crate::{crate_name, FoundCrate};
    let name = match crate_name("ipc-core") {
        Ok(FoundCrate::Name(name)) => name,
        // Inside ipc-core itself (its tests and doctests), `extern crate self as ipc_core` provides the usual name.
        Ok(FoundCrate::Itself) | Err(_) => "ipc_core".to_owned(),
    };
    let ident = syn::Ident::new(&name, proc_macro2::Span::call_site());
    syn::parse_quote!(::#ident)
}

/// The default service name of a trait: `TodoList` → `todo_list`.
pub(crate) fn service_name(trait_name: &str) -> String {
    trait_name.to_snake_case()
}

/// A Rust name as it appears in JavaScript: `add_item` → `addItem`, `todo_list` → `todoList`.
pub(crate) fn js_name(rust_name: &str) -> String {
    rust_name.to_lower_camel_case()
}

/// The channel of a method: `service.method`.
pub(crate) fn channel(service: &str, method: &str) -> String {
    format!("{service}.{method}")
}

/// Whether `name` can be a service name or a method's part of a channel: ASCII letters, digits and `_`, not starting
/// with a digit. Channels are `service.method`, so a `.` would make them ambiguous.
pub(crate) fn is_valid_wire_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Property names a generated client object cannot use: they would replace the object's prototype or built-in
/// behaviour (`then` would make `host.services.x` awaitable by accident).
pub(crate) const JS_RESERVED_PROPERTIES: &[&str] = &[
    "__proto__",
    "constructor",
    "prototype",
    "then",
    "toString",
    "toJSON",
    "valueOf",
    "hasOwnProperty",
    "isPrototypeOf",
    "propertyIsEnumerable",
    "toLocaleString",
    "__defineGetter__",
    "__defineSetter__",
    "__lookupGetter__",
    "__lookupSetter__",
];

/// Names the generated ES module exports itself, so no service may take them.
pub(crate) const RUNTIME_RESERVED: &[&str] = &["host", "services", "IpcError"];

/// Words JavaScript reserves in strict mode and in modules: not usable as parameter names.
pub(crate) const JS_RESERVED: &[&str] = &[
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
