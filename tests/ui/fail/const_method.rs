use ipc_core::ipc_service;

#[ipc_service]
trait Limits {
    const fn max(&self) -> u32;
}

fn main() {}
