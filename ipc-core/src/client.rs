//! JavaScript for the renderer: the runtime (`window.host`) and the service clients generated from descriptors.
//!
//! A transport injects [`runtime_script`] and then [`global_client_script`] into every page, before the page's own
//! scripts run. A page then calls `await host.services.greeter.greet("Ada")`.

use std::fmt::Write as _;

use crate::error::ErrorCode;
use crate::service::ServiceDescriptor;

const RUNTIME_JS: &str = include_str!("../js/runtime.js");

/// The renderer runtime: installs `window.host` (`invoke`, `IpcError`, `services`). Installing it twice is harmless.
pub fn runtime_script() -> String {
    let mut codes = String::from("{");
    for (i, code) in ErrorCode::ALL.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(codes, "{sep}\"{}\":{}", code.kind(), code.code());
    }
    codes.push('}');
    format!("{RUNTIME_JS}({codes});\n")
}

/// A script that adds a client for each service to `window.host.services`, with methods in camelCase that take the
/// arguments positionally and send them by name. Runs after [`runtime_script`].
pub fn global_client_script(services: &[&ServiceDescriptor]) -> String {
    let mut out = String::from("(function (host) {\n  \"use strict\";\n");
    for service in services {
        write_docs(&mut out, "  ", service.docs, &[]);
        let _ = writeln!(
            out,
            "  host.services[{}] = Object.freeze({{",
            js_string(service.js_name)
        );
        for method in service.methods {
            let params: Vec<&str> = method.args.iter().map(|a| a.js_name).collect();
            let tags: Vec<String> = params
                .iter()
                .map(|p| format!("@param {{unknown}} {p}"))
                .collect();
            write_docs(&mut out, "    ", method.docs, &tags);
            let fields: Vec<String> = params
                .iter()
                .map(|p| format!("{}: {p}", js_string(p)))
                .collect();
            let _ = writeln!(
                out,
                "    {}({}) {{\n      return host.invoke({}, {{ {} }});\n    }},",
                method.js_name,
                params.join(", "),
                js_string(method.channel),
                fields.join(", "),
            );
        }
        out.push_str("  });\n");
    }
    out.push_str("})(window.host);\n");
    out
}

/// A JSDoc block from a Rust doc comment and extra tag lines; nothing when both are empty.
fn write_docs(out: &mut String, indent: &str, docs: &str, tags: &[String]) {
    let docs = docs.trim();
    if docs.is_empty() && tags.is_empty() {
        return;
    }
    let _ = writeln!(out, "{indent}/**");
    for line in docs
        .lines()
        .map(str::trim_end)
        .chain(tags.iter().map(String::as_str))
    {
        // `*/` would end the comment early.
        let _ = writeln!(out, "{indent} * {}", line.replace("*/", "*\\/"));
    }
    let _ = writeln!(out, "{indent} */");
}

fn js_string(text: &str) -> String {
    serde_json::to_string(text).expect("a string always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{ArgDescriptor, MethodDescriptor};

    static GREETER: ServiceDescriptor = ServiceDescriptor {
        name: "greeter",
        js_name: "greeter",
        rust_name: "Greeter",
        docs: "Greets people.",
        methods: &[MethodDescriptor {
            rust_name: "greet_twice",
            js_name: "greetTwice",
            channel: "greeter.greet_twice",
            docs: "Says hello, */ twice.",
            args: &[
                ArgDescriptor {
                    rust_name: "first_name",
                    js_name: "firstName",
                },
                ArgDescriptor {
                    rust_name: "loud",
                    js_name: "loud",
                },
            ],
        }],
    };

    #[test]
    fn client_passes_positional_arguments_by_name_on_the_descriptor_channel() {
        let js = global_client_script(&[&GREETER]);
        assert!(
            js.contains("host.services[\"greeter\"] = Object.freeze({"),
            "{js}"
        );
        assert!(js.contains("greetTwice(firstName, loud) {"), "{js}");
        assert!(js.contains(r#"return host.invoke("greeter.greet_twice", { "firstName": firstName, "loud": loud });"#), "{js}");
    }

    #[test]
    fn doc_comments_become_jsdoc_that_cannot_be_closed_early() {
        let js = global_client_script(&[&GREETER]);
        assert!(js.contains(" * Greets people."), "{js}");
        assert!(js.contains(" * Says hello, *\\/ twice."), "{js}");
        assert!(js.contains(" * @param {unknown} firstName"), "{js}");
    }

    #[test]
    fn runtime_is_called_with_every_error_code() {
        let js = runtime_script();
        for code in ErrorCode::ALL {
            assert!(
                js.contains(&format!("\"{}\":{}", code.kind(), code.code())),
                "{}",
                code.kind()
            );
        }
        assert!(js.trim_end().ends_with("});"));
    }
}
