//! `io::Result<T>` is a `Result` whose error cannot be sent: one error at the return type, saying how to map it.
use ipc_core::ipc_service;

#[ipc_service]
trait Files {
    fn read(&self, path: String) -> std::io::Result<String>;
}

fn main() {}
