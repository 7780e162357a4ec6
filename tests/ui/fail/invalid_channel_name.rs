use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    #[ipc(rename = "add.item")]
    fn add(&self, title: String);
}

fn main() {}
