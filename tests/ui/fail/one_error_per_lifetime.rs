//! A method that borrows through a lifetime gets one error, at the lifetime, not one per place it is used.
use ipc_core::ipc_service;

#[ipc_service]
trait Cache {
    fn get<'a>(&'a self, key: &'a str) -> &'a str;
    fn pair<'a, 'b>(&self, left: &'a str, right: &'b str) -> String;
}

fn main() {}
