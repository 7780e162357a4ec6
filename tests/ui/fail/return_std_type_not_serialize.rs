//! A std type that cannot be sent back: one error, at the return type, with a hint that fits a type the user cannot
//! derive on.
use ipc_core::ipc_service;

#[ipc_service]
trait Files {
    fn open(&self, path: String) -> std::fs::File;
}

fn main() {}
