use ipc_core::ipc_service;

#[ipc_service]
trait Shop {
    fn tag(&self, #[validate(pattern = "^[a-z]+$")] tags: Vec<String>);
}

fn main() {}
