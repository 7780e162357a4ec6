use ipc_core::ipc_service;

#[ipc_service]
trait Todos {
    fn count(&self) -> u32;
    #[ipc(event)]
    fn changed(&self, count: u32);
}

struct List;

impl Todos for List {
    fn count(&self) -> u32 {
        0
    }
    fn changed(&self, _count: u32) {}
}

fn main() {}
