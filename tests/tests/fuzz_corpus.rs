//! Every input of the `request` fuzz target's corpus (`ipc-core/fuzz/corpus/request/`), replayed on stable through
//! the same logic as the fuzz target (`ipc-core/fuzz/replay.rs`): sequences of page messages, signed, unsigned,
//! hellos, navigations and pushes, posted to an in-process hub. None may panic (in the test or in any task of the
//! hub), hang, or break the rules the replay checks.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[path = "../../ipc-core/fuzz/replay.rs"]
mod replay;

#[test]
fn every_fuzz_corpus_input_replays_without_a_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../ipc-core/fuzz/corpus/request");
    let mut inputs: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("the fuzz corpus must be at {dir} ({err})"))
        .map(|entry| entry.unwrap().path())
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 30, "the corpus has {} inputs", inputs.len());

    // Tokio catches a panic in a task and the hub catches one in a handler; the hook sees every one of them.
    let panics = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&panics);
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        counted.fetch_add(1, Ordering::SeqCst);
        report(info);
    }));

    let runtime = replay::runtime();
    let mut total = replay::Replay::default();
    for input in &inputs {
        let data = std::fs::read(input).unwrap();
        let replayed = std::panic::catch_unwind(|| replay::replay(&runtime, &data));
        let replayed = replayed.unwrap_or_else(|_| panic!("{} broke a rule (see the panic above)", input.display()));
        assert_eq!(
            panics.load(Ordering::SeqCst),
            0,
            "{} made the hub panic",
            input.display()
        );
        total.posted += replayed.posted;
        total.not_utf8 += replayed.not_utf8;
        total.answers += replayed.answers;
        total.welcomes += replayed.welcomes;
        total.pushes += replayed.pushes;
    }
    // Every replay ends with a hello of its own, and the corpus holds calls that are answered and pushes that arrive.
    assert!(total.welcomes >= inputs.len(), "{total:?}");
    assert!(total.answers > 0 && total.pushes > 0 && total.not_utf8 > 0, "{total:?}");
}
