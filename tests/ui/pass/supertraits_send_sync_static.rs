//! `Send + Sync + 'static`, which the macro adds anyway, may be written as supertraits, by any path.
#![deny(warnings)]

use ipc_core::ipc_service;

#[ipc_service]
pub trait Counter: Send + Sync + 'static {
    fn count(&self) -> u32;
}

#[ipc_service]
pub trait Clock: core::marker::Send + std::marker::Sync {
    fn now(&self) -> u64;
}

struct Impl;

impl Counter for Impl {
    fn count(&self) -> u32 {
        1
    }
}

impl Clock for Impl {
    fn now(&self) -> u64 {
        2
    }
}

fn main() {
    let _ = Counter::into_service(Impl);
    let _ = Clock::into_service(Impl);
}
