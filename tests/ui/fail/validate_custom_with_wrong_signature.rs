use ipc_core::ipc_service;

fn short(text: &str) -> bool {
    text.len() < 10
}

#[ipc_service]
trait Shop {
    fn find(&self, #[validate(custom = short)] query: String);
}

fn main() {}
