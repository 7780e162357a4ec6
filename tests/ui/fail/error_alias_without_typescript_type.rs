//! The error type of a `Result` alias needs a TypeScript type like any other: one error, at the return type.
use ipc_core::ipc_service;

#[derive(serde::Serialize)]
enum Problem {
    Missing,
}

type Result<T> = std::result::Result<T, Problem>;

#[ipc_service]
trait Store {
    fn get(&self, key: String) -> Result<String>;
}

fn main() {}
