use ipc_core::ipc_service;

#[ipc_service]
trait Shop {
    fn find(&self, #[validate(length(min = 10, max = 3))] query: String);
}

fn main() {}
