use ipc_core::ipc_service;

/// The trait name becomes `delete`, a JavaScript keyword.
#[ipc_service]
trait Delete {
    fn all(&self) -> u32;
}

fn main() {}
