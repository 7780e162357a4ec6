//! The generated code names everything it uses by full path: it compiles with `Result`, `Option`, `String` and `Box`
//! shadowed, under `deny(missing_docs, warnings)`, with two services in one module.
#![deny(missing_docs, warnings)]

use ipc_core::ipc_service;

#[allow(dead_code)]
struct Result;
#[allow(dead_code)]
struct Option;
#[allow(dead_code)]
struct String;
#[allow(dead_code)]
struct Box;
#[allow(dead_code)]
struct Vec;
#[allow(dead_code)]
fn drop() {}

/// The first service.
#[ipc_service]
pub trait First {
    /// Echoes the text.
    fn echo(&self, text: std::string::String) -> std::string::String;
    /// Maybe a number.
    async fn maybe(&self, n: std::option::Option<u32>) -> std::result::Result<u32, std::string::String>;
}

/// The second service, in the same module.
#[ipc_service(name = "second")]
pub trait Second {
    /// Does nothing.
    fn ping(&self);
}

struct Both;

impl First for Both {
    fn echo(&self, text: std::string::String) -> std::string::String {
        text
    }

    async fn maybe(&self, n: std::option::Option<u32>) -> std::result::Result<u32, std::string::String> {
        n.ok_or_else(|| "none".to_owned())
    }
}

impl Second for Both {
    fn ping(&self) {}
}

fn main() {
    let _ = First::into_service(Both);
    let _ = Second::into_service(Both);
}
