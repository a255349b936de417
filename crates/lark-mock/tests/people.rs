//! The mock's people: users posting messages into chats — mentions of the bot and of others,
//! `@all`, direct messages, threads, stale messages, re-deliveries — delivered to a bot over
//! the long connection, from Rust and over the control API. Everything on 127.0.0.1; every wait
//! bounded.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lark_core::Config;
use lark_core::event::{Dispatcher, Event};
use lark_mock::people::UserMessage;
use lark_mock::{MockServer, Via};
use lark_reqwest::ws::WsClient;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

type Seen = Arc<Mutex<Vec<Value>>>;

/// A bot on the long connection that records every message event's body.
async fn bot(mock: &MockServer) -> (Seen, tokio::sync::oneshot::Sender<()>) {
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    let dispatcher = Dispatcher::new().on_raw("im.message.receive_v1", move |event: Event| {
        let sink = Arc::clone(&sink);
        async move {
            sink.lock().unwrap().push(event.payload.clone());
            Ok(())
        }
    });
    let client = WsClient::new(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url()),
        dispatcher,
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(client.run_until(async move {
        let _ = stopped.await;
    }));
    mock.ws().wait_for_connections(1, WAIT).await.unwrap();
    (seen, stop)
}

fn text_of(payload: &Value) -> String {
    let content: Value =
        serde_json::from_str(payload["message"]["content"].as_str().unwrap()).unwrap();
    content["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn people_mention_the_bot_write_to_it_and_reply_in_threads() {
    let mock = MockServer::start().await.unwrap();
    let (seen, stop) = bot(&mock).await;
    let ws = Via::Ws { fragments: 1 };

    // In the group: the bot and someone else mentioned, then the text.
    let hello = UserMessage::text(MockServer::CHAT_ID, "what is the weather")
        .mention_bot()
        .mention("ou_someone", "Someone");
    let delivered = mock.say(&hello, ws, WAIT).await;
    assert_eq!(delivered.answers[0].code, Some(200));
    // @all, in a thread of the first message, sent ten minutes ago.
    let first_id = seen.lock().unwrap()[0]["message"]["message_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let late = UserMessage::text(MockServer::CHAT_ID, "everyone, look")
        .mention_all()
        .in_thread(&first_id)
        .sent_ago(Duration::from_secs(600));
    mock.say(&late, ws, WAIT).await;
    // A direct message to the bot.
    mock.say(&UserMessage::text_to_bot("hi bot"), ws, WAIT)
        .await;
    // An image.
    mock.say(
        &UserMessage::image(MockServer::CHAT_ID, "img_v3_k"),
        ws,
        WAIT,
    )
    .await;

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 4);
    let first = &seen[0];
    assert_eq!(first["message"]["chat_type"], "group");
    assert_eq!(text_of(first), "@_user_1 @_user_2 what is the weather");
    assert_eq!(first["message"]["mentions"][0]["key"], "@_user_1");
    assert_eq!(
        first["message"]["mentions"][0]["id"]["open_id"],
        MockServer::BOT_OPEN_ID
    );
    assert_eq!(first["message"]["mentions"][1]["name"], "Someone");
    assert_eq!(
        first["sender"]["sender_id"]["open_id"],
        MockServer::USER_OPEN_ID
    );

    let late = &seen[1];
    assert_eq!(text_of(late), "@_all everyone, look");
    assert_eq!(late["message"]["root_id"], first_id.as_str());
    assert!(
        late["message"]["thread_id"]
            .as_str()
            .unwrap()
            .starts_with("omt_")
    );
    let created = |p: &Value| {
        p["message"]["create_time"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert!(
        created(first) - created(late) >= 599_000,
        "ten minutes older"
    );

    let dm = &seen[2];
    assert_eq!(dm["message"]["chat_type"], "p2p");
    assert!(
        dm["message"]["chat_id"]
            .as_str()
            .unwrap()
            .starts_with("oc_p2p_")
    );
    assert_eq!(seen[3]["message"]["message_type"], "image");

    // The messages are in the chat's history: the bot can read one back.
    let client = lark_reqwest::client(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url()),
    );
    let read = client
        .raw(
            http::Method::GET,
            format!("/open-apis/im/v1/messages/{first_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        read["data"]["items"][0]["message_id"],
        first_id.as_str(),
        "{read}"
    );
    // And the bot knows who it is.
    let me = client
        .raw(http::Method::GET, "/open-apis/bot/v3/info")
        .send()
        .await
        .unwrap();
    assert_eq!(me["bot"]["open_id"], MockServer::BOT_OPEN_ID);
    let _ = stop.send(());
}

#[tokio::test]
async fn the_control_api_posts_for_people_and_re_delivers() {
    let mock = MockServer::start().await.unwrap();
    let (seen, stop) = bot(&mock).await;
    let http = reqwest::Client::builder().timeout(WAIT).build().unwrap();
    let post = |body: Value| {
        let http = http.clone();
        let url = format!("{}/_mock/people/messages", mock.base_url());
        async move {
            let answer = http.post(url).json(&body).send().await.unwrap();
            (
                answer.status().as_u16(),
                answer.json::<Value>().await.unwrap(),
            )
        }
    };
    // Delivered twice as the same event: acked twice, handled once (the dispatcher's
    // de-duplication).
    let (status, answer) = post(json!({
        "chat_id": MockServer::CHAT_ID,
        "text": "twice",
        "mentions": ["bot", {"open_id": "ou_x", "name": "X"}],
        "times": 2,
    }))
    .await;
    assert_eq!(status, 200, "{answer}");
    let deliveries = answer["deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 2);
    assert_eq!(deliveries[0]["event_id"], deliveries[1]["event_id"]);
    assert_eq!(deliveries[1]["answers"][0]["code"], 200);
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert_eq!(text_of(&seen.lock().unwrap()[0]), "@_user_1 @_user_2 twice");

    // A post with @all, sent a minute ago, to the bot directly.
    let (status, answer) = post(json!({
        "to_bot": true,
        "from": "ou_writer",
        "post": {"title": "Report", "text": "done"},
        "mention_all": true,
        "sent_ago_ms": 60_000,
    }))
    .await;
    assert_eq!(status, 200, "{answer}");
    let event = &answer["event"]["event"];
    assert_eq!(event["message"]["chat_type"], "p2p");
    assert_eq!(event["sender"]["sender_id"]["open_id"], "ou_writer");
    let content: Value =
        serde_json::from_str(event["message"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["title"], "Report");
    assert_eq!(content["content"][0][0]["user_id"], "@_all");

    // Bad input is a 400 that says why.
    for (body, why) in [
        (json!({"text": "nowhere"}), "say where"),
        (json!({"chat_id": "oc_x"}), "say what"),
        (
            json!({"chat_id": "oc_x", "text": "t", "mentions": [5]}),
            "a mention is",
        ),
        (
            json!({"chat_id": "oc_x", "text": "t", "times": 0}),
            "`times`",
        ),
        (
            json!({"chat_id": "oc_x", "text": "t", "via": "smoke"}),
            "`via`",
        ),
    ] {
        let (status, answer) = post(body).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer["error"].as_str().unwrap().contains(why), "{answer}");
    }
    let _ = stop.send(());
}
