use ipc_core::ipc_service;

#[ipc_service]
trait Notes {
    fn add(&self, text: std::borrow::Cow<'_, str>);
}

fn main() {}
