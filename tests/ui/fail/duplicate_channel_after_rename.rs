use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    fn add(&self, title: String);
    #[ipc(rename = "add")]
    fn add_todo(&self, title: String);
}

fn main() {}
