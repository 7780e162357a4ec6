use ipc_core::ipc_service;

#[ipc_service]
trait Shop {
    fn buy(&self, #[validate(length(max = 3))] count: u32);
}

fn main() {}
