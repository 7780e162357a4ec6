use ipc_core::ipc_service;

#[ipc_service]
trait Memory {
    unsafe fn peek(&self, address: u64) -> u8;
}

fn main() {}
