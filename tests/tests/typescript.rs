//! The generated client type-checks: `tsc --strict` accepts a usage file that calls every method of the test services
//! with the right types and listens to their events, and rejects one that passes a wrong argument type or listener.
//! TypeScript comes from npm (`npm ci --prefix tests/ts`, done by `scripts/test`).

use ipc_core::client::Bindings;
use tests::kinds::{Impl, Kinds, Todo};
use tests::{ts_dir, tsc, Fixture, FixtureImpl};

/// Writes `generated/ipc.js` and `generated/ipc.d.ts` for the test services.
fn write_bindings() -> Bindings {
    let bindings = Bindings::new()
        .service(<FixtureImpl as Fixture>::service_descriptor())
        .service(<Impl as Kinds>::service_descriptor())
        .event::<Vec<Todo>>("todos.changed");
    bindings
        .write_to(ts_dir().join("generated"), "ipc")
        .expect("the bindings are written");
    bindings
}

#[test]
fn usage_of_every_method_type_checks_under_strict() {
    write_bindings();
    let out = tsc("usage.ts");
    assert!(
        out.status.success(),
        "tsc rejected usage.ts:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Runs tsc on `file`, which must fail, and checks the report holds every expected piece.
fn assert_rejected(file: &str, expected: &[&str]) {
    write_bindings();
    let out = tsc(file);
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "tsc accepted {file}");
    for piece in expected {
        assert!(report.contains(piece), "expected {piece:?} in the report:\n{report}");
    }
}

#[test]
fn a_deprecated_method_is_marked_in_the_module_and_the_declarations() {
    let bindings = write_bindings();
    let marked = "   * @deprecated since 0.2.0: use `find`\n   */\n  findOld(id: number, options?: InvokeOptions): Promise<Todo>;";
    assert!(bindings.declarations().contains(marked), "{}", bindings.declarations());
    let module = bindings.module();
    assert!(
        module.contains("     * @deprecated since 0.2.0: use `find`\n     */\n    findOld(id, __options) {"),
        "{module}"
    );
    assert!(!bindings.declarations().contains("configuredOut"));
    assert!(bindings
        .declarations()
        .contains("configuredArgs(shown: number, options?: InvokeOptions): Promise<number>;"));
}

#[test]
fn a_stream_is_not_a_promise_and_its_items_are_typed() {
    assert_rejected(
        "wrong-stream.ts",
        &[
            "wrong-stream.ts(5,",
            "Property 'then' does not exist on type 'IpcStream<Todo>'",
            "wrong-stream.ts(7,",
            "error TS2322: Type 'string' is not assignable to type 'number'",
            "wrong-stream.ts(9,",
            "wrong-stream.ts(10,",
        ],
    );
}

#[test]
fn a_wrong_argument_type_fails_the_type_check() {
    assert_rejected(
        "wrong.ts",
        &[
            "wrong.ts(6,",
            "error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'",
        ],
    );
}

#[test]
fn exact_integers_are_bigint_and_a_number_is_refused() {
    assert_rejected(
        "wrong-exact.ts",
        &[
            "wrong-exact.ts(6,",
            "error TS2345: Argument of type 'number' is not assignable to parameter of type 'bigint'",
            "wrong-exact.ts(8,",
            "error TS2322: Type 'number' is not assignable to type 'bigint'",
            "wrong-exact.ts(10,",
            "error TS2322: Type 'bigint' is not assignable to type 'number'",
        ],
    );
}

#[test]
fn event_payloads_are_typed() {
    assert_rejected(
        "wrong-event.ts",
        &[
            "wrong-event.ts(5,",
            "error TS2339: Property 'x' does not exist on type '{ width: number; height: number; }'",
            "wrong-event.ts(9,",
            "error TS2339: Property 'colour' does not exist on type 'Todo'",
            "wrong-event.ts(13,",
            "error TS2339: Property 'length' does not exist on type 'number'",
            "wrong-event.ts(16,",
            "error TS2345: Argument of type '(todos: string) => void' is not assignable to parameter of type \
             '(payload: Todo[]) => void'",
        ],
    );
}

#[test]
fn declared_events_are_listeners_on_the_client_typed_in_the_declarations() {
    let bindings = write_bindings();
    let module = bindings.module();
    assert!(
        module.contains("      removed(listener) {\n        return host.on(\"kinds.removed\", listener);\n      },"),
        "{module}"
    );
    let declarations = bindings.declarations();
    assert!(
        declarations.contains("    changed(listener: (payload: Array<Todo>) => void): () => void;"),
        "{declarations}"
    );
    assert!(
        declarations.contains("  \"kinds.changed\": Array<Todo>;\n"),
        "{declarations}"
    );
}
