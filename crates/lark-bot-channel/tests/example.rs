//! The README's bot (`examples/twenty_line_bot.rs`) against lark-mock.

#[allow(dead_code)]
#[path = "../examples/twenty_line_bot.rs"]
mod example;

use std::time::Duration;

use lark_core::Config;
use lark_mock::{Fault, FaultRule, MockServer, Via};
use lark_reqwest::ws::ClientWsExt as _;
use serde_json::json;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn the_readme_bot_answers_a_mention_in_a_streamed_card() {
    let mock = MockServer::start().await.unwrap();
    // lark-mock does not serve bot.v3.info; answer it as the platform does.
    let info =
        json!({"code": 0, "msg": "ok", "bot": {"open_id": "ou_the_bot", "app_name": "Echo"}});
    mock.inject(
        FaultRule::new(Fault::http(200, "application/json", info.to_string()))
            .path(lark_bot_channel::BOT_INFO_PATH),
    );
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url());
    let client = lark_reqwest::client(config);
    let running = tokio::spawn(client.ws(example::bot(client.clone())).start());
    mock.ws().wait_for_connections(1, WAIT).await.unwrap();

    let event = json!({"schema": "2.0", "header": {"event_type": "im.message.receive_v1"}, "event": {
        "sender": {"sender_id": {"open_id": MockServer::USER_OPEN_ID}, "sender_type": "user"},
        "message": {"message_id": "om_1", "chat_id": MockServer::CHAT_ID, "chat_type": "group",
                    "message_type": "text", "content": "{\"text\":\"@_user_1 hello there, bot\"}",
                    "mentions": [{"key": "@_user_1", "name": "Echo", "id": {"open_id": "ou_the_bot"}}]}}});
    let delivered = mock.deliver(&event, Via::Ws { fragments: 1 }, WAIT).await;
    assert_eq!(delivered.answers[0].code, Some(200));

    // The answer: a card replying to the message, whose text ends as "hello there, bot".
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let replies = mock.replies_to("om_1");
        let done = replies
            .first()
            .and_then(|reply| mock.cardkit_card(reply.card_id()?))
            .filter(|card| !card.streaming_mode())
            .map(|card| card.element_content("answer").map(str::to_owned));
        if let Some(text) = done {
            assert_eq!(text.as_deref(), Some("hello there, bot"));
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "no finished answer");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    running.abort();
}
