//! Every case of `tests::cases()` through the in-process test client: the JSON text a page sends, the JSON text it
//! would receive. The WebView suite (`e2e/webview.rs`) runs the same cases from a real page.

use ipc_core::testing::TestClient;
use ipc_core::{Capabilities, Error, Hub, WindowConfig};
use tests::kinds::{self, Kinds, KindsEvents, Todo};
use tests::{case, Fixture, FixtureImpl, Outcome};

async fn run(name: &str) {
    let case = case(name);
    let request = case.request.expect("the case has an in-process request");
    let hub = Hub::builder()
        .service(FixtureImpl.into_service())
        .service(kinds::Impl.into_service())
        .build()
        .unwrap();
    // The origin the WebView suite's pages have, so both runs expect the same answers.
    let origin = "app://localhost";
    let mut page = TestClient::with_config(&hub, WindowConfig::new(origin), origin);
    let answer = page.request(request).await;
    let outcome = Outcome::parse(&answer).unwrap();
    if let Err(problem) = (case.check)(&outcome) {
        panic!("{name}: {problem}\nanswer: {answer}");
    }
}

macro_rules! in_process {
    ($($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                run(stringify!($name)).await;
            }
        )*

        #[test]
        fn every_case_with_a_request_runs_in_process() {
            let here = [$(stringify!($name)),*];
            for case in tests::cases().iter().filter(|c| c.request.is_some()) {
                assert!(here.contains(&case.name), "case {} is not run in-process", case.name);
            }
        }
    };
}

in_process!(
    sync_method_answers_with_its_value,
    async_method_answers_with_its_value,
    unit_return_answers_null,
    err_result_is_a_handler_error_carrying_the_value,
    string_err_is_the_message,
    unknown_channel_is_refused,
    wrong_argument_type_names_the_argument,
    missing_argument_is_named,
    unknown_argument_is_refused,
    positional_arguments_are_refused,
    invalid_json_is_answered_with_a_null_id,
    envelope_without_channel_is_refused,
    panicking_handler_is_an_error,
    largest_safe_integer_round_trips_exactly,
    an_exact_integer_also_takes_its_decimal_string,
    host_refuses_to_send_an_integer_javascript_would_round,
    valid_arguments_pass_validation,
    every_broken_rule_is_listed_in_one_validation_error,
    a_struct_argument_follows_its_serde_attributes,
    an_omitted_option_argument_is_none,
    a_tagged_enum_argument_decodes,
    the_caller_context_names_the_window_and_origin,
    calls_still_work_after_failures,
);

#[tokio::test]
async fn answer_echoes_the_request_id() {
    let hub = Hub::builder().service(FixtureImpl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let answer = page
        .request(r#"{"type":"invoke","id":9007199254740991,"channel":"fixture.add","args":{"a":1,"b":1}}"#)
        .await;
    assert_eq!(
        answer,
        r#"{"type":"answer","id":9007199254740991,"success":true,"data":2,"error":null}"#
    );
}

#[tokio::test]
async fn invalid_json_answer_has_a_null_id() {
    let hub = Hub::builder().service(FixtureImpl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let answer = page.request("{not json").await;
    assert!(
        answer.starts_with(r#"{"type":"answer","id":null,"success":false"#),
        "{answer}"
    );
}

#[tokio::test]
async fn answers_go_only_to_the_calling_window() {
    let hub = Hub::builder().service(FixtureImpl.into_service()).build().unwrap();
    let mut caller = TestClient::new(&hub);
    let mut bystander = TestClient::new(&hub);
    let answer = caller.invoke("fixture.add", r#"{"a":1,"b":2}"#).await;
    assert!(answer.contains(r#""data":3"#), "{answer}");
    let nothing = tokio::time::timeout(std::time::Duration::from_millis(50), bystander.next_message()).await;
    assert!(nothing.is_err(), "the bystander received {nothing:?}");
}

#[test]
fn registering_one_channel_twice_fails() {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let result = Hub::builder()
        .service(FixtureImpl.into_service())
        .service(FixtureImpl.into_service())
        .runtime(runtime.handle().clone())
        .build();
    let err = result.expect_err("a duplicate channel is refused");
    assert_eq!(
        err.to_string(),
        "channel `fixture.add` is registered twice (by `Fixture` and by `Fixture`)"
    );
}

#[test]
fn building_outside_a_runtime_without_one_fails() {
    let err = Hub::builder()
        .service(FixtureImpl.into_service())
        .build()
        .expect_err("no runtime");
    assert!(matches!(err, ipc_core::Error::NoRuntime), "{err}");
}

fn todos() -> Vec<Todo> {
    vec![Todo {
        title: "milk".to_owned(),
        done: false,
        due_date: None,
    }]
}

#[tokio::test]
async fn a_declared_event_reaches_the_window_on_its_channel() {
    let hub = Hub::builder().service(kinds::Impl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    KindsEvents::new(&hub)
        .changed()
        .to_window(page.window(), &todos())
        .unwrap();
    assert_eq!(
        page.next_message().await.unwrap(),
        r#"{"type":"event","channel":"kinds.changed","payload":[{"title":"milk","done":false,"dueDate":null}]}"#
    );
}

#[tokio::test]
async fn a_renamed_event_is_pushed_on_its_renamed_channel_and_waits_for_room_when_asked() {
    let hub = Hub::builder().service(kinds::Impl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let removed = KindsEvents::new(&hub).todo_removed();
    assert_eq!(removed.channel(), "kinds.removed");
    removed.to_window_async(page.window(), &7).await.unwrap();
    assert_eq!(
        page.next_message().await.unwrap(),
        r#"{"type":"event","channel":"kinds.removed","payload":7}"#
    );
}

#[tokio::test]
async fn an_event_reaches_the_listed_windows_only() {
    let hub = Hub::builder().service(kinds::Impl.into_service()).build().unwrap();
    let mut listed = TestClient::new(&hub);
    let mut other = TestClient::new(&hub);
    let sent = KindsEvents::new(&hub)
        .todo_removed()
        .to_windows(&[listed.window()], &1)
        .unwrap();
    assert_eq!(sent, 1);
    assert_eq!(
        listed.next_message().await.unwrap(),
        r#"{"type":"event","channel":"kinds.removed","payload":1}"#
    );
    let nothing = tokio::time::timeout(std::time::Duration::from_millis(50), other.next_message()).await;
    assert!(nothing.is_err(), "the other window received {nothing:?}");
}

#[tokio::test]
async fn a_window_denied_an_event_is_refused_by_to_window_and_skipped_by_to_all() {
    let hub = Hub::builder().service(kinds::Impl.into_service()).build().unwrap();
    let denied =
        WindowConfig::new(TestClient::DEFAULT_ORIGIN).capabilities(Capabilities::allow_all().deny("kinds.changed"));
    let mut barred = TestClient::with_config(&hub, denied, TestClient::DEFAULT_ORIGIN);
    let mut allowed = TestClient::new(&hub);
    let changed = KindsEvents::new(&hub).changed();

    let refused = changed.to_window(barred.window(), &todos()).unwrap_err();
    assert!(
        matches!(&refused, Error::Forbidden { window, channel } if *window == barred.window() && channel == "kinds.changed"),
        "{refused:?}"
    );
    assert_eq!(changed.to_all(&todos()).unwrap(), 1);
    assert!(allowed
        .next_message()
        .await
        .unwrap()
        .contains(r#""channel":"kinds.changed""#));
    let nothing = tokio::time::timeout(std::time::Duration::from_millis(50), barred.next_message()).await;
    assert!(nothing.is_err(), "the denied window received {nothing:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_nested_deeper_than_a_thread_s_stack_allows_is_delivered_whole() {
    let hub = Hub::builder().service(FixtureImpl.into_service()).build().unwrap();
    let mut page = TestClient::new(&hub);
    let answer = page
        .request(r#"{"type":"invoke","id":1,"channel":"fixture.nested","args":{"depth":5000}}"#)
        .await;
    let expected = format!("\"data\":{}\"deep\"{}", "[".repeat(5_000), "]".repeat(5_000));
    assert!(answer.contains(&expected), "{answer:.200}");
}
