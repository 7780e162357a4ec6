use ipc_core::ipc_service;

#[ipc_service]
trait Shop {
    fn find(&self, #[validate(pattern = "^[a-z+$")] query: String);
}

fn main() {}
