use ipc_core::{ipc_service, Hub, WindowId};

#[ipc_service]
trait Todos {
    fn count(&self) -> u32;
    #[ipc(event)]
    async fn changed(&self, count: u32);
}

struct List;

impl Todos for List {
    fn count(&self) -> u32 {
        0
    }
}

fn push(hub: &Hub, window: WindowId) {
    let _ = TodosEvents::new(hub).changed().to_window(window, &1);
    let _ = TodosEvents::new(hub).changed().to_all(&1);
    let _ = List.into_service();
}

fn main() {}
