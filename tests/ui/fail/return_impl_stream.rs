use ipc_core::ipc_service;

/// Stands for `futures::Stream`: the macro judges the returned trait by its name, before any type is known.
mod futures {
    pub trait Stream {
        type Item;
    }
}

#[ipc_service]
trait Ticker {
    fn ticks(&self) -> impl futures::Stream<Item = u64> + Send;
}

fn main() {}
