use ipc_core::ipc_service;

#[ipc_service]
trait Native {
    extern "C" fn call(&self) -> u32;
}

fn main() {}
