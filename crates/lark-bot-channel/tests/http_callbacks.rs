//! The same channel behind HTTP callbacks: lark-mock posts signed, encrypted events to the
//! bot's endpoint, which answers before the handler ends and drops a re-delivery.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Msg, WAIT, now_millis, spawn, wait_until};
use lark_bot_channel::Channel;
use lark_core::Config;
use lark_core::event::Dispatcher;
use lark_mock::{Callback, MockServer, Via};

/// The bot's HTTP endpoint: the dispatcher behind axum on 127.0.0.1.
async fn serve(dispatcher: Dispatcher) -> (String, tokio::task::JoinHandle<()>) {
    let dispatcher = Arc::new(dispatcher);
    let app = axum::Router::new().route(
        "/webhook/event",
        axum::routing::post(move |headers: http::HeaderMap, body: axum::body::Bytes| {
            let dispatcher = Arc::clone(&dispatcher);
            async move {
                let mut request = http::Request::new(body.to_vec());
                *request.method_mut() = http::Method::POST;
                *request.headers_mut() = headers;
                let (parts, body) = dispatcher.handle(request, now_millis()).await.into_parts();
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
async fn signed_callbacks_are_answered_at_once_and_handled_once() {
    let mock = MockServer::start().await.unwrap();
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url());
    let client = lark_reqwest::client(config);
    let handled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&handled);
    let channel = Channel::builder(client, spawn)
        .bot_open_id(common::BOT_OPEN_ID)
        .on_message(move |_, ctx| {
            let counter = Arc::clone(&counter);
            async move {
                // Slower than the platform's 3 s wait would allow on the ack path.
                tokio::time::sleep(Duration::from_millis(1500)).await;
                ctx.reply_text("done").await?;
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        })
        .build();
    let dispatcher = channel.register(
        Dispatcher::new()
            .verification_token("v-token")
            .encrypt_key("e-key"),
    );
    let (url, server) = serve(dispatcher).await;
    let callback = Callback::new(&url)
        .verification_token("v-token")
        .encrypt_key("e-key");
    mock.verify_callback(&callback).await.unwrap();
    mock.add_callback(callback);

    let event = Msg::dm("om_http", "hello").event_id("ev_http").event();
    for _ in 0..2 {
        let delivered = mock.deliver(&event, Via::Http, WAIT).await;
        let answer = &delivered.answers[0];
        assert_eq!(answer.status, Some(200), "{delivered:?}");
        assert!(
            answer.elapsed < Duration::from_millis(1000),
            "{delivered:?}"
        );
    }
    wait_until(|| handled.load(Ordering::SeqCst) == 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        handled.load(Ordering::SeqCst),
        1,
        "the re-delivery was handled again"
    );
    let replies = mock.replies_to("om_http");
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].text(), Some("done"));
    server.abort();
}
