use ipc_core::ipc_service;

#[ipc_service]
trait Accounts {
    fn rename(&self, #[ipc(exact)] name: String) -> bool;
}

fn main() {}
