//! Exact integers compile wherever they are allowed: through a service's `exact_integers`, per argument, per method,
//! under the crate's own `Result` alias and a renamed import, through aliases of the integers, and as `Exact<T>` in
//! fields and event payloads.

use ipc_core::{ipc_service, Exact};

type Result<T> = std::result::Result<T, String>;
use std::option::Option as Maybe;

#[derive(serde::Serialize, serde::Deserialize, ts_rs::TS)]
struct Transfer {
    to: String,
    amount: Exact<u128>,
}

#[ipc_service(exact_integers)]
trait Ledger {
    fn balance(&self, account: u64) -> Result<i128>;
    fn history(&self, from: Maybe<u64>, ids: Vec<i64>) -> Vec<Option<u64>>;
    fn send(&self, transfer: Transfer) -> Transfer;
    #[ipc(event)]
    fn moved(&self, amount: Exact<u64>);
}

type Id = u64;
type Label = String;
use ipc_core::CallContext as Ctx;

#[ipc_service(exact_integers)]
trait Aliased {
    fn get(&self, id: Id, ids: Option<Vec<Id>>, label: Label, ctx: Ctx) -> Result<Maybe<Id>>;
    async fn put(&self, labels: std::collections::HashMap<Label, Id>, upload: ipc_core::Upload<Id>) -> Label;
    #[ipc(exact)]
    fn told(&self, #[ipc(exact)] id: Id) -> Id;
}

#[ipc_service]
trait Ids {
    fn next(&self, #[ipc(exact)] after: u64, step: u32) -> u32;
    #[ipc(exact)]
    async fn newest(&self) -> u64;
}

fn main() {}
