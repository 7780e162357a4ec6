use ipc_core::ipc_service;

#[ipc_service]
trait Styles {
    fn apply(&self, class: String);
}

fn main() {}
