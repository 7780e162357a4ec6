use ipc_core::ipc_service;

#[ipc_service]
trait Files {
    fn write(&self, bytes: &[u8]);
}

fn main() {}
