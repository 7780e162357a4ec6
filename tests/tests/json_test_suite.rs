//! Every file of nst/JSONTestSuite's parsing corpus (`y_`: must be accepted, `n_`: must be rejected, `i_`: either)
//! posted by a page through the in-process hub: once as the whole envelope after the page's secret, once as the
//! `args.value` of an otherwise valid call. Nothing panics or hangs, every answer is structured, accepted values
//! arrive as serde_json reads them, and the page still calls normally afterwards.
//!
//! The corpus is read from `tests/corpora/JSONTestSuite/test_parsing` (or under `$IPC_CORPORA`). A missing corpus
//! fails the test.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use ipc_core::testing::TestClient;
use ipc_core::{ipc_service, Hub};
use serde_json::{json, Value};

/// Answers the value it is given.
#[ipc_service]
trait Suite {
    /// Any JSON value, unchanged.
    fn value(&self, value: Value) -> Value;
}

struct Echo;

impl Suite for Echo {
    fn value(&self, value: Value) -> Value {
        value
    }
}

/// How long one file may take to be answered.
const PER_FILE: Duration = Duration::from_secs(2);

/// What a conforming parser must do with a file, from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    /// `y_`: accept.
    Accept,
    /// `n_`: reject.
    Reject,
    /// `i_`: either.
    Either,
}

struct Corpus {
    /// (class, file name, text) of every file that is UTF-8.
    texts: Vec<(Class, String, String)>,
    /// Files per class, UTF-8 or not.
    counts: BTreeMap<Class, usize>,
    /// Files per class that are not UTF-8: a transport that carries strings cannot post them.
    not_utf8: BTreeMap<Class, usize>,
}

fn corpus_dir() -> PathBuf {
    tests::corpora_dir().join("JSONTestSuite/test_parsing")
}

fn read_corpus() -> Corpus {
    let dir = corpus_dir();
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|err| {
        panic!(
            "the JSONTestSuite corpus must be at {} ({err}); set IPC_CORPORA",
            dir.display()
        )
    });
    let mut corpus = Corpus {
        texts: Vec::new(),
        counts: BTreeMap::new(),
        not_utf8: BTreeMap::new(),
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let class = match &name[..2] {
            "y_" => Class::Accept,
            "n_" => Class::Reject,
            "i_" => Class::Either,
            _ => panic!("a corpus file of no class: {name}"),
        };
        *corpus.counts.entry(class).or_default() += 1;
        match String::from_utf8(std::fs::read(&path).unwrap()) {
            Ok(text) => corpus.texts.push((class, name, text)),
            Err(_) => *corpus.not_utf8.entry(class).or_default() += 1,
        }
    }
    corpus.texts.sort();
    corpus
}

/// The answer to `envelope`, posted under the page's secret, within [`PER_FILE`].
async fn answer(page: &mut TestClient, name: &str, envelope: &str) -> Value {
    page.post(envelope);
    next_answer(page, name).await
}

/// The page's next message, within [`PER_FILE`], parsed.
async fn next_answer(page: &mut TestClient, name: &str) -> Value {
    let message = tokio::time::timeout(PER_FILE, page.next_message())
        .await
        .unwrap_or_else(|_| panic!("{name}: no answer within {PER_FILE:?}"))
        .expect("the window stays attached");
    serde_json::from_str(&message).unwrap_or_else(|err| panic!("{name}: the answer is not JSON ({err})"))
}

/// The error code of a failed answer with no data and a short message, or a description of what is wrong with it.
fn structured_error(answer: &Value) -> Result<u64, String> {
    let error = &answer["error"];
    let (Some(code), Some(message)) = (error["code"].as_u64(), error["message"].as_str()) else {
        return Err(format!("not a structured error: {answer}"));
    };
    if answer["success"] != false || answer["data"] != Value::Null || error["kind"].as_str().is_none() {
        return Err(format!("not a failed answer: {answer}"));
    }
    if !(7000..=7014).contains(&code) || message.len() > 1024 {
        return Err(format!("error {code} with a message of {} bytes", message.len()));
    }
    Ok(code)
}

fn new_hub() -> Hub {
    Hub::builder().service(Echo.into_service()).build().unwrap()
}

/// The page's next ordinary call works, and nothing is left in flight.
async fn still_works(hub: &Hub, page: &mut TestClient) {
    let answer: Value = serde_json::from_str(&page.invoke("suite.value", r#"{"value": [1, "two"]}"#).await).unwrap();
    assert_eq!(answer["data"], json!([1, "two"]), "{answer}");
    assert_eq!(hub.calls_in_flight(page.window()), 0);
}

#[test]
fn the_corpus_is_complete() {
    let corpus = read_corpus();
    let counts: Vec<(Class, usize)> = corpus.counts.into_iter().collect();
    assert_eq!(counts, [(Class::Accept, 95), (Class::Reject, 188), (Class::Either, 35)]);
    let not_utf8: Vec<(Class, usize)> = corpus.not_utf8.into_iter().collect();
    assert_eq!(
        not_utf8,
        [(Class::Reject, 12), (Class::Either, 13)],
        "files a string transport cannot post"
    );
}

#[tokio::test]
async fn every_corpus_file_as_the_whole_envelope_is_an_invalid_request() {
    let corpus = read_corpus();
    let hub = new_hub();
    let mut page = TestClient::new(&hub);
    let mut failures = Vec::new();
    for (_, name, text) in &corpus.texts {
        // No file is an envelope: each is answered `INVALID_REQUEST`. A file that is a non-empty JSON array is a batch
        // (see ipc_core::protocol): each of its elements is refused as an envelope, with one answer each.
        let answers = match serde_json::from_str::<Vec<&serde_json::value::RawValue>>(text) {
            Ok(elements) if text.starts_with('[') && !elements.is_empty() => elements.len(),
            _ => 1,
        };
        page.post(text);
        for _ in 0..answers {
            let answer = next_answer(&mut page, name).await;
            match structured_error(&answer) {
                Ok(7005) if answer["id"].is_null() || answer["id"].is_i64() => {}
                Ok(code) => failures.push(format!("{name}: error {code} under id {}", answer["id"])),
                Err(problem) => failures.push(format!("{name}: {problem}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(corpus.texts.len(), 318 - 25);
    still_works(&hub, &mut page).await;
}

/// What became of the files of one class as a call's argument.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    /// Answered with the value serde_json reads from the file.
    arrived: usize,
    /// Refused on the way out: an integer a page's numbers cannot carry exactly (`SERIALIZATION`).
    too_big_for_a_page: usize,
    /// Refused as not JSON (`INVALID_REQUEST`), under a null id.
    invalid_request: usize,
    /// Refused as not JSON, under the call's id (read past the fault by the host's fallback reader).
    invalid_request_with_id: usize,
    /// Refused as an argument the method's type does not take (`INVALID_ARGUMENTS`).
    invalid_arguments: usize,
}

#[tokio::test]
async fn every_corpus_file_as_a_call_argument_arrives_as_serde_json_reads_it_or_is_refused() {
    let corpus = read_corpus();
    let hub = new_hub();
    let mut page = TestClient::new(&hub);
    let mut tallies: BTreeMap<Class, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    for (id, (class, name, text)) in (1_i64..).zip(&corpus.texts) {
        let envelope = format!(r#"{{"type":"invoke","id":{id},"channel":"suite.value","args":{{"value":{text}}}}}"#);
        let answer = answer(&mut page, name, &envelope).await;
        let tally = tallies.entry(*class).or_default();
        let parsed = serde_json::from_str::<Value>(text).ok();
        if answer["success"] == true {
            if answer["id"] != id {
                failures.push(format!("{name}: answered under id {}", answer["id"]));
            } else if parsed.as_ref() != Some(&answer["data"]) {
                failures.push(format!(
                    "{name}: arrived as {}, serde_json reads {parsed:?}",
                    answer["data"]
                ));
            } else if *class == Class::Reject {
                failures.push(format!("{name}: a file every parser must reject was accepted"));
            } else {
                tally.arrived += 1;
            }
            continue;
        }
        match (structured_error(&answer), &answer["id"]) {
            (Ok(7003), answer_id) if *answer_id == id => tally.too_big_for_a_page += 1,
            (Ok(7005), Value::Null) => tally.invalid_request += 1,
            (Ok(7005), answer_id) if *answer_id == id => tally.invalid_request_with_id += 1,
            (Ok(7006), answer_id) if *answer_id == id && *class != Class::Accept => tally.invalid_arguments += 1,
            (Ok(code), answer_id) => failures.push(format!("{name}: error {code} under id {answer_id}: {answer}")),
            (Err(problem), _) => failures.push(format!("{name}: {problem}")),
        }
        if *class == Class::Accept && parsed.is_some() && answer["error"]["code"] != 7003 {
            failures.push(format!("{name}: a file every parser must accept was refused: {answer}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} files:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        tallies.remove(&Class::Accept).unwrap(),
        Tally {
            arrived: 95,
            ..Tally::default()
        }
    );
    assert_eq!(
        tallies.remove(&Class::Reject).unwrap(),
        Tally {
            invalid_request: 176,
            ..Tally::default()
        }
    );
    assert_eq!(
        tallies.remove(&Class::Either).unwrap(),
        Tally {
            arrived: 5,
            invalid_request: 1,
            invalid_arguments: 16,
            ..Tally::default()
        }
    );
    still_works(&hub, &mut page).await;
}
