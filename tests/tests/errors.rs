//! Errors through the real SDK against lark-mock: API errors, answers that are not envelopes,
//! dropped connections, a server that is gone, and timeouts. None of them may panic.

use std::time::{Duration, Instant};

use lark_api::im::v1::message;
use lark_core::{Error, RequestOptions};
use lark_mock::{Fault, FaultRule, MockServer};
use lark_tests::{client, mock, text, within};

const LIMIT: Duration = Duration::from_secs(30);
const LIST: &str = "/open-apis/im/v1/messages";

fn list() -> message::List {
    message::List::new("chat", MockServer::CHAT_ID)
}

#[tokio::test]
async fn an_api_error_keeps_code_msg_log_id_and_status() {
    let mock = mock().await;
    let client = client(&mock);
    let first = within(LIMIT, client.send(&message::Get::new("om_missing")))
        .await
        .unwrap_err();
    let second = within(LIMIT, client.send(&message::Get::new("om_missing")))
        .await
        .unwrap_err();
    let Error::Api(api) = &first else {
        panic!("{first:?}")
    };
    assert_eq!(api.code, lark_mock::codes::INVALID_PARAM);
    assert!(api.msg.contains("om_missing"), "{}", api.msg);
    assert_eq!(api.http_status, 400);
    let body: serde_json::Value = serde_json::from_slice(&api.body).unwrap();
    assert_eq!(body["code"], 230_001);
    let log_id = first.log_id().expect("X-Tt-Logid is read");
    assert!(log_id.len() >= 20 && log_id.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_ne!(second.log_id(), first.log_id(), "log ids are per request");
    assert_eq!(first.http_status(), Some(400));
    // The message names the code and the log id.
    let shown = first.to_string();
    assert!(
        shown.contains("230001") && shown.contains(log_id),
        "{shown}"
    );
}

#[tokio::test]
async fn answers_that_are_not_envelopes_are_decode_errors_with_the_body() {
    let html = Fault::html_error_page(502);
    let Fault::Http {
        body: html_body, ..
    } = html.clone()
    else {
        unreachable!()
    };
    let cases: Vec<(&str, Fault, u16, Vec<u8>)> = vec![
        (
            "malformed JSON",
            Fault::MalformedJson { status: 200 },
            200,
            br#"{"code":0,"msg":"success","data":{"items":[{"message_id":"om_"#.to_vec(),
        ),
        (
            "not JSON",
            Fault::http(200, "text/plain", "upstream says hello"),
            200,
            b"upstream says hello".to_vec(),
        ),
        (
            "empty body",
            Fault::EmptyBody { status: 200 },
            200,
            Vec::new(),
        ),
        ("HTML 502", html, 502, html_body),
        (
            "empty 503",
            Fault::http(503, "text/plain", ""),
            503,
            Vec::new(),
        ),
        (
            "JSON without code",
            Fault::http(200, "application/json", r#"{"data":{}}"#),
            200,
            br#"{"data":{}}"#.to_vec(),
        ),
        (
            "wrong shape",
            Fault::http(
                200,
                "application/json",
                r#"{"code":0,"data":{"has_more":"yes"}}"#,
            ),
            200,
            br#"{"code":0,"data":{"has_more":"yes"}}"#.to_vec(),
        ),
    ];
    for (name, fault, status, body) in cases {
        let mock = mock().await;
        let client = client(&mock);
        mock.inject(FaultRule::new(fault).path(LIST));
        let err = within(LIMIT, client.send(&list())).await.unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{name}: {err:?}")
        };
        assert_eq!(decode.http_status, status, "{name}");
        assert_eq!(decode.body, body, "{name}: the raw body is kept");
        assert!(decode.log_id.is_some(), "{name}: X-Tt-Logid is read");
        // Display never fails on any body.
        let _ = err.to_string();
    }
}

#[tokio::test]
async fn a_lark_envelope_on_a_5xx_is_an_api_error() {
    let mock = mock().await;
    let client = client(&mock);
    mock.inject(FaultRule::new(Fault::lark_error(1_500, "internal error").status(502)).path(LIST));
    let err = within(LIMIT, client.send(&list())).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((api.code, api.http_status), (1_500, 502));
    assert_eq!(api.msg, "internal error");
}

#[tokio::test]
async fn a_rate_limit_answer_is_an_api_error_with_the_code() {
    let mock = mock().await;
    let client = client(&mock);
    mock.inject(FaultRule::new(Fault::rate_limited(1)).path(LIST));
    let err = within(LIMIT, client.send(&list())).await.unwrap_err();
    assert_eq!(err.code(), Some(lark_mock::codes::RATE_LIMITED));
    assert_eq!(err.http_status(), Some(429));
}

#[tokio::test]
async fn a_server_that_is_gone_is_a_transport_error() {
    let mock = mock().await;
    let client = client(&mock);
    // A call first, so the client holds a pooled connection the shutdown closes.
    within(LIMIT, client.send(&list())).await.unwrap();
    mock.shutdown().await;
    let err = within(LIMIT, client.send(&list())).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");

    // And a client that never reached it: the token request fails.
    let mock = lark_tests::mock().await;
    let fresh = lark_tests::client(&mock);
    mock.shutdown().await;
    let err = within(LIMIT, fresh.send(&list())).await.unwrap_err();
    let transport = match &err {
        Error::Transport(_) => true,
        Error::Token {
            source: Some(source),
            ..
        } => matches!(**source, Error::Transport(_)),
        _ => false,
    };
    assert!(transport, "{err:?}");
}

#[tokio::test]
async fn a_connection_dropped_before_the_handler_is_a_transport_error() {
    let mock = mock().await;
    let client = client(&mock);
    mock.inject(
        FaultRule::new(Fault::DropBeforeHandler)
            .path(LIST)
            .method(http::Method::POST),
    );
    let send = message::Create::new("chat_id", MockServer::CHAT_ID, "text", text("lost"));
    let err = within(LIMIT, client.send(&send)).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(mock.messages().is_empty(), "the handler never ran");
}

#[tokio::test]
async fn a_connection_dropped_after_the_handler_loses_the_answer_not_the_change() {
    let mock = mock().await;
    let client = client(&mock);
    let rule = mock.inject(
        FaultRule::new(Fault::DropAfterHandler)
            .path(LIST)
            .method(http::Method::POST),
    );
    let send =
        message::Create::new("chat_id", MockServer::CHAT_ID, "text", text("sent")).uuid("u-1");
    let err = within(LIMIT, client.send(&send)).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert!(mock.fault_hits(rule) >= 1);
    // The message was stored once, however often the same uuid was sent.
    assert_eq!(mock.messages().len(), 1);
    mock.remove_fault(rule);
    let again = within(LIMIT, client.send(&send)).await.unwrap();
    assert_eq!(
        again.message_id.as_deref(),
        mock.messages()[0]["message_id"].as_str()
    );
}

#[tokio::test]
async fn a_slow_answer_past_the_call_timeout_is_a_timeout() {
    let mock = mock().await;
    let client = client(&mock);
    within(LIMIT, client.send(&list())).await.unwrap();
    mock.inject(FaultRule::new(Fault::Delay(Duration::from_secs(3))).path(LIST));
    let started = Instant::now();
    let options = RequestOptions::new().timeout(Duration::from_millis(200));
    let err = within(LIMIT, client.send_with(&list(), &options))
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Timeout(limit) if limit == Duration::from_millis(200)),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(2_500));
    // A call with room to wait succeeds through the same delay.
    let options = RequestOptions::new().timeout(Duration::from_secs(10));
    mock.clear_faults();
    mock.inject(
        FaultRule::new(Fault::Delay(Duration::from_millis(300)))
            .path(LIST)
            .once(),
    );
    within(LIMIT, client.send_with(&list(), &options))
        .await
        .unwrap();
}
