use ipc_core::ipc_service;

#[ipc_service]
trait Shop {
    fn find(&self, #[validate(length())] query: String);
}

fn main() {}
