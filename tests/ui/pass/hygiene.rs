//! The generated code names everything it uses by full path: it compiles with `Result`, `Option`, `String` and `Box`
//! shadowed, under `deny(missing_docs, warnings)`, with two services in one module; `#[ipc(timeout)]` names
//! `Duration` and `CallTimeout` by full path too.
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
#[allow(dead_code)]
struct Duration;
#[allow(dead_code)]
struct CallTimeout;

/// The first service.
#[ipc_service]
pub trait First {
    /// Echoes the text.
    #[ipc(timeout = "250ms")]
    fn echo(&self, text: std::string::String) -> std::string::String;
    /// Maybe a number.
    #[ipc(rename = "perhaps", timeout = "none")]
    async fn maybe(&self, n: std::option::Option<u32>) -> std::result::Result<u32, std::string::String>;
}

/// The second service, in the same module.
#[ipc_service(name = "second")]
pub trait Second {
    /// Does nothing.
    #[ipc(timeout = "2m")]
    #[ipc(rename = "pong")]
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

    let methods = <Both as First>::service_descriptor().methods;
    let ms = std::time::Duration::from_millis;
    assert_eq!(methods[0].timeout, ipc_core::CallTimeout::After(ms(250)));
    assert_eq!((methods[1].channel, methods[1].timeout), ("first.perhaps", ipc_core::CallTimeout::Never));
    let ping = &<Both as Second>::service_descriptor().methods[0];
    assert_eq!((ping.channel, ping.timeout), ("second.pong", ipc_core::CallTimeout::After(ms(120_000))));
}
