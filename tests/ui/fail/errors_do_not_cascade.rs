use ipc_core::ipc_service;

#[ipc_service]
trait Counter {
    fn increment(&mut self) -> u64;
}

struct Impl(u64);

impl Counter for Impl {
    fn increment(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

fn main() {
    // Code using the trait and its generated methods shows no errors of its own.
    let _service = Impl(0).into_service();
    let _descriptor = <Impl as Counter>::service_descriptor();
}
