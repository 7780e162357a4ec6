use ipc_core::ipc_service;

type Label = String;

#[ipc_service]
trait Accounts {
    fn rename(&self, #[ipc(exact)] name: Label) -> bool;
    #[ipc(exact)]
    fn label(&self) -> Label;
}

fn main() {}
