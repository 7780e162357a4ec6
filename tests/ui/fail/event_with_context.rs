use ipc_core::{ipc_service, CallContext};

#[ipc_service]
trait Todos {
    #[ipc(event)]
    fn changed(&self, ctx: CallContext, todos: Vec<String>);
}

fn main() {}
