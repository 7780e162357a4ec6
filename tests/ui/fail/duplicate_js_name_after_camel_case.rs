use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    fn get_item(&self) -> u32;
    #[ipc(rename = "getItem")]
    fn fetch_item(&self) -> u32;
}

fn main() {}
