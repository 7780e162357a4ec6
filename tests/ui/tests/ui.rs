//! Compile-time behaviour of `#[ipc_service]`: every signature that cannot work over IPC is refused with an error at the
//! user's own token (`fail/`, one rule per file, with its reviewed `.stderr`), and what must compile does (`pass/`).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("fail/*.rs");
    cases.pass("pass/*.rs");
}
