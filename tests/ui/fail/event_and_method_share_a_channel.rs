use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    fn changed(&self) -> u32;
    #[ipc(event, rename = "changed")]
    fn todos_changed(&self, todos: Vec<String>);
}

fn main() {}
