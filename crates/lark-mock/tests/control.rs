//! The control API (`/_mock/…`) over real HTTP: events pushed to a long-connection client and
//! to a signed, encrypted callback URL with the answers coming back, the listings, faults and
//! reset. Everything on 127.0.0.1; every wait bounded.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lark_core::Config;
use lark_core::event::{CardActionReply, Dispatcher, Event, ToastKind};
use lark_mock::MockServer;
use lark_reqwest::ws::WsClient;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(WAIT)
        .build()
        .expect("a client")
}

async fn post(mock: &MockServer, path: &str, body: Value) -> (u16, Value) {
    let answer = http()
        .post(format!("{}/_mock{path}", mock.base_url()))
        .json(&body)
        .send()
        .await
        .expect("the control API answers");
    let status = answer.status().as_u16();
    (status, answer.json().await.expect("JSON"))
}

async fn get(mock: &MockServer, path: &str) -> Value {
    http()
        .get(format!("{}/_mock{path}", mock.base_url()))
        .send()
        .await
        .expect("the control API answers")
        .json()
        .await
        .expect("JSON")
}

/// A message event as the platform pushes it, its header left for the mock to complete.
fn message_event(text: &str) -> Value {
    json!({
        "schema": "2.0",
        "header": {"event_type": "im.message.receive_v1"},
        "event": {
            "sender": {"sender_id": {"open_id": MockServer::USER_OPEN_ID}, "sender_type": "user"},
            "message": {
                "message_id": "om_control",
                "chat_id": MockServer::CHAT_ID,
                "chat_type": "group",
                "message_type": "text",
                "content": json!({"text": text}).to_string()
            }
        }
    })
}

fn card_action(value: &str) -> Value {
    lark_mock::ws::card_action_event(
        MockServer::APP_ID,
        MockServer::USER_OPEN_ID,
        MockServer::CHAT_ID,
        "om_card",
        json!({"k": value}),
    )
}

type Seen = Arc<Mutex<Vec<(String, String)>>>;

/// Records each message's text with its event id; answers card actions with a toast.
fn dispatcher(seen: &Seen) -> Dispatcher {
    let sink = Arc::clone(seen);
    Dispatcher::new()
        .on_raw("im.message.receive_v1", move |event: Event| {
            let sink = Arc::clone(&sink);
            async move {
                let content = event.payload["message"]["content"].as_str().unwrap_or("");
                let text: Value = serde_json::from_str(content)?;
                sink.lock().unwrap().push((
                    text["text"].as_str().unwrap_or("").to_owned(),
                    event.event_id.clone().unwrap_or_default(),
                ));
                Ok(())
            }
        })
        .on_card_action(|event: Event| async move {
            let value = event.payload["action"]["value"]["k"].as_str().unwrap_or("");
            Ok(CardActionReply::new().toast(ToastKind::Success, format!("clicked {value}")))
        })
}

#[tokio::test]
async fn events_reach_a_long_connection_client_and_its_acks_come_back() {
    let mock = MockServer::start().await.unwrap();
    let seen: Seen = Arc::default();
    let client = WsClient::new(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url()),
        dispatcher(&seen),
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(client.run_until(async move {
        let _ = stopped.await;
    }));
    mock.ws().wait_for_connections(1, WAIT).await.unwrap();

    let info = get(&mock, "").await;
    assert_eq!(info["app_id"], MockServer::APP_ID);
    assert_eq!(info["ws"]["open_connections"], 1);

    // A whole event: the header completed, handled once, acked 200.
    let (status, answer) = post(
        &mock,
        "/events",
        json!({"event": message_event("whole"), "via": "ws"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["timed_out"], false);
    assert_eq!(answer["answers"].as_array().unwrap().len(), 1);
    assert_eq!(answer["answers"][0]["connection"], 1);
    assert_eq!(answer["answers"][0]["code"], 200);
    let event_id = answer["event_id"].as_str().unwrap().to_owned();
    assert!(event_id.starts_with("mock_ev_"), "{event_id}");

    // Cut into three frames: reassembled, handled once.
    let (_, answer) = post(
        &mock,
        "/events",
        json!({"event": message_event("in three parts"), "fragments": 3}),
    )
    .await;
    assert_eq!(answer["answers"][0]["code"], 200, "{answer}");

    // A card action, as the platform sends it: the reply comes back decoded.
    let (_, answer) = post(&mock, "/events", json!({"event": card_action("v")})).await;
    assert_eq!(
        answer["answers"][0]["reply"],
        json!({"toast": {"type": "success", "content": "clicked v"}}),
        "{answer}"
    );
    {
        let seen = seen.lock().unwrap();
        let texts: Vec<&str> = seen.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(texts, ["whole", "in three parts"]);
        assert_eq!(seen[0].1, event_id);
    }
    let acks = get(&mock, "/acks").await;
    assert_eq!(acks["items"].as_array().unwrap().len(), 3);
    assert_eq!(acks["items"][2]["type"], "event");

    let _ = stop.send(());
    let _ = tokio::time::timeout(WAIT, task).await;
    // With no client, the wait ends at its timeout and says so.
    mock.ws().wait_for_open_connections(0, WAIT).await.unwrap();
    let (_, answer) = post(
        &mock,
        "/events",
        json!({"event": message_event("nobody"), "timeout_ms": 100}),
    )
    .await;
    assert_eq!(answer["timed_out"], true);
    assert_eq!(answer["answers"], json!([]));
    mock.shutdown().await;
}

/// A bot's HTTP endpoint: the dispatcher behind axum on 127.0.0.1.
async fn bot_server(dispatcher: Dispatcher) -> (String, tokio::task::JoinHandle<()>) {
    let dispatcher = Arc::new(dispatcher);
    let app = axum::Router::new().route(
        "/webhook/event",
        axum::routing::post(move |headers: http::HeaderMap, body: axum::body::Bytes| {
            let dispatcher = Arc::clone(&dispatcher);
            async move {
                let mut request = http::Request::new(body.to_vec());
                *request.method_mut() = http::Method::POST;
                *request.headers_mut() = headers;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis() as u64;
                let response = dispatcher.handle(request, now).await;
                let (parts, body) = response.into_parts();
                http::Response::from_parts(parts, axum::body::Body::from(body))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/webhook/event", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, task)
}

#[tokio::test]
async fn events_reach_a_callback_url_signed_and_encrypted() {
    let mock = MockServer::start().await.unwrap();
    let seen: Seen = Arc::default();
    let (url, server) = bot_server(
        dispatcher(&seen)
            .verification_token("v-token")
            .encrypt_key("e-key"),
    )
    .await;

    // A wrong token fails the platform's URL check; nothing is registered.
    let (status, answer) = post(
        &mock,
        "/callbacks",
        json!({"url": url, "verification_token": "wrong", "encrypt_key": "e-key"}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(get(&mock, "/callbacks").await["callbacks"], json!([]));

    let (status, answer) = post(
        &mock,
        "/callbacks",
        json!({"url": url, "verification_token": "v-token", "encrypt_key": "e-key"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["verified"], true);
    // The listing says there is a token and a key, never what they are.
    let listed = get(&mock, "/callbacks").await;
    assert_eq!(
        listed["callbacks"],
        json!([{"url": url, "verification_token": true, "encrypt_key": true, "receives": "all"}])
    );
    assert!(!listed.to_string().contains("e-key"));

    let (_, answer) = post(
        &mock,
        "/events",
        json!({"event": message_event("by callback"), "via": "http"}),
    )
    .await;
    assert_eq!(answer["timed_out"], false, "{answer}");
    assert_eq!(answer["answers"][0]["url"], url);
    assert_eq!(answer["answers"][0]["status"], 200);
    let (_, answer) = post(
        &mock,
        "/events",
        json!({"event": card_action("h"), "via": "http"}),
    )
    .await;
    assert_eq!(
        answer["answers"][0]["reply"],
        json!({"toast": {"type": "success", "content": "clicked h"}}),
        "{answer}"
    );
    assert_eq!(seen.lock().unwrap()[0].0, "by callback");

    // The same through the Rust API.
    let delivered = mock
        .deliver(&message_event("from rust"), lark_mock::Via::Http, WAIT)
        .await;
    assert_eq!(delivered.answers[0].status, Some(200));
    assert_eq!(delivered.event["header"]["token"], "v-token");
    server.abort();
    mock.shutdown().await;
}

#[tokio::test]
async fn events_and_callbacks_go_to_their_own_request_urls() {
    let mock = MockServer::start().await.unwrap();
    let (events_seen, callbacks_seen): (Seen, Seen) = (Arc::default(), Arc::default());
    let (events_url, events_server) =
        bot_server(dispatcher(&events_seen).verification_token("v-token")).await;
    let (callbacks_url, callbacks_server) =
        bot_server(dispatcher(&callbacks_seen).verification_token("v-token")).await;
    for (url, receives) in [(&events_url, "events"), (&callbacks_url, "callbacks")] {
        let (status, answer) = post(
            &mock,
            "/callbacks",
            json!({"url": url, "receives": receives, "verification_token": "v-token"}),
        )
        .await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(answer["callback"]["receives"], receives);
    }
    let (status, _) = post(
        &mock,
        "/callbacks",
        json!({"url": events_url, "receives": "cards"}),
    )
    .await;
    assert_eq!(status, 400);

    let (_, answer) = post(
        &mock,
        "/events",
        json!({"event": message_event("an event"), "via": "http"}),
    )
    .await;
    assert_eq!(answer["answers"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(answer["answers"][0]["url"], events_url);
    let (_, answer) = post(
        &mock,
        "/events",
        json!({"event": card_action("c"), "via": "http"}),
    )
    .await;
    assert_eq!(answer["answers"].as_array().unwrap().len(), 1, "{answer}");
    assert_eq!(answer["answers"][0]["url"], callbacks_url);
    assert_eq!(
        answer["answers"][0]["reply"],
        json!({"toast": {"type": "success", "content": "clicked c"}})
    );
    assert_eq!(events_seen.lock().unwrap().len(), 1);
    assert!(callbacks_seen.lock().unwrap().is_empty());

    // The same in Rust: a URL for both gets both.
    mock.add_callback(
        lark_mock::Callback::new(&events_url)
            .verification_token("v-token")
            .receives(lark_mock::Receives::All),
    );
    let delivered = mock
        .deliver(&card_action("d"), lark_mock::Via::Http, WAIT)
        .await;
    let urls: Vec<_> = delivered
        .answers
        .iter()
        .map(|a| a.url.clone().unwrap())
        .collect();
    assert_eq!(urls, [callbacks_url, events_url]);
    events_server.abort();
    callbacks_server.abort();
    mock.shutdown().await;
}

#[tokio::test]
async fn listings_faults_and_reset() {
    let mock = MockServer::start().await.unwrap();
    let client = lark_reqwest::client(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url()),
    );
    let send = || {
        client
            .raw(http::Method::POST, "/open-apis/im/v1/messages")
            .query("receive_id_type", "chat_id")
            .json(json!({"receive_id": MockServer::CHAT_ID, "msg_type": "text", "content": "{\"text\":\"hi\"}"}))
            .send()
    };
    send().await.unwrap();
    let messages = get(&mock, "/messages").await;
    assert_eq!(messages["items"].as_array().unwrap().len(), 1);
    assert_eq!(messages["items"][0]["chat_id"], MockServer::CHAT_ID);
    assert_eq!(
        get(&mock, "/chats").await["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let requests = get(&mock, "/requests").await;
    assert!(
        requests["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["path"] == "/open-apis/im/v1/messages" && r["body"]["msg_type"] == "text")
    );
    // The control API itself is not recorded.
    assert!(!requests.to_string().contains("/_mock"));

    // A scripted fault: the next send is refused as if the bot had left the chat.
    let (status, answer) = post(
        &mock,
        "/faults",
        json!({"fault": {"kind": "lark_error", "code": 230002, "msg": "bot is not in the chat", "status": 400},
               "path": "/open-apis/im/v1/messages", "method": "POST", "times": 1}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer["id"].as_u64().is_some());
    let err = send().await.unwrap_err();
    assert_eq!(err.code(), Some(230_002));
    send().await.unwrap();
    let (status, _) = post(&mock, "/faults", json!({"fault": {"kind": "nope"}})).await;
    assert_eq!(status, 400);

    let (status, _) = post(&mock, "/reset", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(get(&mock, "/messages").await["items"], json!([]));
    assert_eq!(get(&mock, "/requests").await["items"], json!([]));
    // Tokens stay: the client goes on without a new one.
    let before = mock.tenant_token_requests();
    send().await.unwrap();
    assert_eq!(mock.tenant_token_requests(), before);
    mock.shutdown().await;
}

#[tokio::test]
async fn bad_control_requests_get_a_clear_400() {
    let mock = MockServer::start().await.unwrap();
    for body in [
        json!({}),
        json!({"event": "not an object"}),
        json!({"event": {}, "via": "smtp"}),
        json!({"event": {}, "fragments": 0}),
        json!({"event": {}, "via": "http", "fragments": 2}),
        json!({"event": {}, "timeout_ms": -1}),
    ] {
        let (status, answer) = post(&mock, "/events", body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert!(answer["error"].as_str().is_some(), "{answer}");
    }
    let (status, _) = post(&mock, "/callbacks", json!({"url": "ftp://x"})).await;
    assert_eq!(status, 400);
    // A URL nobody listens on fails its check.
    let (status, answer) = post(
        &mock,
        "/callbacks",
        json!({"url": "http://127.0.0.1:9/webhook"}),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    // Over HTTP with no request URL there is nobody to answer.
    let (_, answer) = post(
        &mock,
        "/events",
        json!({"event": message_event("x"), "via": "http"}),
    )
    .await;
    assert_eq!(answer["timed_out"], true);
    mock.shutdown().await;
}
