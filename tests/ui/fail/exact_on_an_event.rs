use ipc_core::ipc_service;

#[ipc_service]
trait Accounts {
    #[ipc(event)]
    fn moved(&self, #[ipc(exact)] to: u64);
}

fn main() {}
