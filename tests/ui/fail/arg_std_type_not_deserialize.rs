//! A std type that cannot be decoded: one error, at that argument among others, with a hint that fits a type the
//! user cannot derive on.
use ipc_core::ipc_service;

#[ipc_service]
trait Uploads {
    fn upload(&self, name: String, file: std::fs::File, size: u64);
}

fn main() {}
