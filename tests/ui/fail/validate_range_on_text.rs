use ipc_core::ipc_service;

#[ipc_service]
trait Shop {
    fn buy(&self, #[validate(range(min = 1))] item: String);
}

fn main() {}
