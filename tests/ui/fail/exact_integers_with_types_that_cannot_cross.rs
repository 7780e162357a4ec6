//! A service with `exact_integers` reports a type that cannot cross once, at the type, as any service does.
use ipc_core::ipc_service;

struct Opaque;

#[ipc_service(exact_integers)]
trait Files {
    fn open(&self, file: std::fs::File) -> u64;
    fn opaque(&self) -> Opaque;
}

fn main() {}
