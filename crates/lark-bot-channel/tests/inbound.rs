//! Inbound: messages and events normalized, against lark-mock over the long connection.

mod common;

use std::sync::{Arc, Mutex};

use common::{BOT_OPEN_ID, Msg, start, wait_until};
use lark_bot_channel::{
    ChannelEvent, ChannelMessage, ChatType, Policy, RejectReason, ResourceKind,
};
use lark_core::event::{Envelope, Event};
use lark_message::content::MessageContent;
use lark_mock::{Fault, FaultRule, MockServer};
use serde_json::json;

type Seen<T> = Arc<Mutex<Vec<T>>>;

#[tokio::test]
async fn a_text_message_is_normalized() {
    let seen: Seen<ChannelMessage> = Seen::default();
    let sink = Arc::clone(&seen);
    let bot = start(|b| {
        b.keep_raw(true).on_message(move |m, _| {
            let sink = Arc::clone(&sink);
            async move {
                sink.lock().unwrap().push(m);
                Ok(())
            }
        })
    })
    .await;
    let mut msg = Msg::group("om_1", "@_user_1 hello @_user_2, see @_all").mentioning_bot();
    msg.mentions
        .push(json!({"key": "@_user_2", "name": "Ann", "id": {"open_id": "ou_ann"}}));
    msg.thread_id = Some("omt_1".to_owned());
    let mut event = msg.create_time(1_700_000_000_123).event();
    event["event"]["message"]["root_id"] = json!("om_root");
    event["event"]["message"]["parent_id"] = json!("om_parent");
    bot.deliver(&event).await;
    wait_until(|| seen.lock().unwrap().len() == 1).await;

    let m = seen.lock().unwrap()[0].clone();
    assert_eq!(m.message_id, "om_1");
    assert_eq!(m.chat_id, MockServer::CHAT_ID);
    assert_eq!(m.chat_type, ChatType::Group);
    assert_eq!(m.thread_id.as_deref(), Some("omt_1"));
    assert_eq!(m.root_id.as_deref(), Some("om_root"));
    assert_eq!(m.parent_id.as_deref(), Some("om_parent"));
    assert_eq!(m.sender.open_id.as_deref(), Some(MockServer::USER_OPEN_ID));
    assert_eq!(m.sender.union_id.as_deref(), Some("on_u"));
    assert_eq!(m.sender.user_id.as_deref(), Some("u1"));
    assert_eq!(m.sender.sender_type, "user");
    assert_eq!(m.text, "hello @Ann, see @all");
    assert!(m.mentioned_bot);
    assert!(m.mention_all);
    assert_eq!(m.mentions.len(), 2);
    assert!(m.mentions[0].is_bot && !m.mentions[1].is_bot);
    assert_eq!(m.create_time, Some(1_700_000_000_123));
    assert!(m.event_id.is_some());
    assert!(matches!(m.content, Some(MessageContent::Text(_))));
    assert_eq!(m.raw.as_ref().unwrap()["message"]["message_id"], "om_1");
}

#[tokio::test]
async fn resources_posts_and_bad_content() {
    let seen: Seen<ChannelMessage> = Seen::default();
    let sink = Arc::clone(&seen);
    let bot = start(|b| {
        b.policy(Policy::new().require_mention(false))
            .on_message(move |m, _| {
                let sink = Arc::clone(&sink);
                async move {
                    sink.lock().unwrap().push(m);
                    Ok(())
                }
            })
    })
    .await;
    let mut image = Msg::dm("om_img", "");
    image.message_type = "image";
    image.content = json!({"image_key": "img_1"}).to_string();
    let mut video = Msg::dm("om_vid", "");
    video.message_type = "media";
    video.content =
        json!({"file_key": "file_v", "image_key": "img_cover", "file_name": "a.mp4"}).to_string();
    let mut post = Msg::group("om_post", "");
    post.message_type = "post";
    post.content = json!({"title": "Report", "content": [
        [{"tag": "at", "user_id": "@_user_1", "user_name": "Helper"}, {"tag": "text", "text": " numbers "}],
        [{"tag": "img", "image_key": "img_p"}, {"tag": "a", "text": "link", "href": "https://x"}]
    ]})
    .to_string();
    let post = post.mentioning_bot();
    let mut broken = Msg::dm("om_broken", "");
    broken.content = "this is not JSON".to_owned();
    for m in [&image, &video, &post, &broken] {
        bot.deliver(&m.event()).await;
    }
    // A payload of the wrong shape is acked and rejected too, never a panic.
    bot.deliver(
        &json!({"schema": "2.0", "header": {"event_type": "im.message.receive_v1"},
                         "event": {"message": "not an object"}}),
    )
    .await;
    wait_until(|| seen.lock().unwrap().len() == 3 && bot.rejected().len() == 2).await;

    let seen = seen.lock().unwrap().clone();
    let by_id = |id: &str| seen.iter().find(|m| m.message_id == id).unwrap().clone();
    let image = by_id("om_img");
    assert_eq!(image.resources[0].kind, ResourceKind::Image);
    assert_eq!(image.resources[0].key, "img_1");
    assert!(matches!(image.content, Some(MessageContent::Image(_))));
    let video = by_id("om_vid");
    let kinds: Vec<_> = video
        .resources
        .iter()
        .map(|r| (r.kind, r.key.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            (ResourceKind::Video, "file_v"),
            (ResourceKind::Image, "img_cover")
        ]
    );
    assert_eq!(video.resources[0].name.as_deref(), Some("a.mp4"));
    let post = by_id("om_post");
    assert_eq!(post.text, "Report\nnumbers\nlink");
    assert!(post.mentioned_bot);
    assert_eq!(post.resources[0].key, "img_p");

    let rejected = bot.rejected();
    assert!(
        rejected
            .iter()
            .all(|r| matches!(r.reason, RejectReason::Malformed(_)))
    );
    assert!(
        rejected
            .iter()
            .any(|r| r.reason.to_string().contains("not JSON"))
    );
}

#[tokio::test]
async fn reactions_and_membership_are_channel_events() {
    let seen: Seen<ChannelEvent> = Seen::default();
    let sink = Arc::clone(&seen);
    let bot = start(|b| {
        b.on_event(move |e, _client| {
            let sink = Arc::clone(&sink);
            async move {
                sink.lock().unwrap().push(e);
                Ok(())
            }
        })
    })
    .await;
    let envelope = |event_type: &str, event: serde_json::Value| json!({"schema": "2.0", "header": {"event_type": event_type}, "event": event});
    bot.deliver(&envelope("im.message.reaction.created_v1", json!({
        "message_id": "om_1", "reaction_type": {"emoji_type": "THUMBSUP"},
        "operator_type": "user", "user_id": {"open_id": "ou_ann"}, "action_time": "1700000000000"
    })))
    .await;
    bot.deliver(&envelope(
        "im.chat.member.bot.added_v1",
        json!({
            "chat_id": "oc_new", "operator_id": {"open_id": "ou_ann"}, "name": "New group"
        }),
    ))
    .await;
    bot.deliver(&envelope(
        "im.chat.member.bot.deleted_v1",
        json!({
            "chat_id": "oc_new", "operator_id": {"open_id": "ou_ann"}
        }),
    ))
    .await;
    wait_until(|| seen.lock().unwrap().len() == 3).await;
    let seen = seen.lock().unwrap().clone();
    assert!(seen.iter().any(|e| matches!(e, ChannelEvent::Reaction { message_id, emoji_type, operator, .. }
        if message_id == "om_1" && emoji_type == "THUMBSUP" && operator.open_id.as_deref() == Some("ou_ann"))));
    assert!(
        seen.iter()
            .any(|e| matches!(e, ChannelEvent::BotAdded { chat_id, name, .. }
        if chat_id == "oc_new" && name.as_deref() == Some("New group")))
    );
    assert!(
        seen.iter()
            .any(|e| matches!(e, ChannelEvent::BotRemoved { chat_id, .. } if chat_id == "oc_new"))
    );
}

fn event(body: serde_json::Value) -> Event {
    match Envelope::open(body.to_string().as_bytes(), None).unwrap() {
        Envelope::Event(event) => event,
        other => panic!("{other:?}"),
    }
}

#[test]
fn normalizing_odd_payloads_never_panics() {
    let odd = [
        json!({"schema": "2.0", "header": {"event_type": "im.message.receive_v1"}, "event": {}}),
        json!({"schema": "2.0", "header": {"event_type": "im.message.receive_v1"},
               "event": {"message": {"message_id": "om", "chat_id": "oc", "message_type": "text",
                                     "content": "{\"text\": 5}", "mentions": [{"key": null}]}}}),
        json!({"schema": "2.0", "header": {"event_type": "im.message.receive_v1"},
               "event": {"message": {"message_id": "om", "chat_id": "oc", "message_type": "post",
                                     "content": "[1, 2]"}}}),
        json!({"schema": "2.0", "header": {"event_type": "im.message.receive_v1"},
               "event": {"message": {"message_id": "om", "chat_id": "oc", "content": "{"}}}),
    ];
    let results: Vec<_> = odd
        .into_iter()
        .map(|body| ChannelMessage::from_event(&event(body), Some(BOT_OPEN_ID)))
        .collect();
    assert!(results[0].is_err());
    assert_eq!(results[1].as_ref().unwrap().text, "");
    assert_eq!(results[2].as_ref().unwrap().text, "");
    assert!(matches!(results[3], Err(RejectReason::Malformed(_))));
}

#[tokio::test]
async fn the_bot_identity_is_fetched_once() {
    // lark-mock answers bot.v3.info with its bot: asked once, kept.
    let bot = common::start_unconfigured().await;
    let first = bot.channel.bot_open_id().await;
    let second = bot.channel.bot_open_id().await;
    assert_eq!(first, second);
    assert_eq!(first.as_deref(), Some(lark_mock::MockServer::BOT_OPEN_ID));
    assert_eq!(bot.mock.request_count(lark_bot_channel::BOT_INFO_PATH), 1);
    // The platform refusing (an error no retry helps): no id, and no second request within
    // a minute.
    let bot = common::start_unconfigured().await;
    bot.mock.inject(
        FaultRule::new(Fault::lark_error(10_003, "invalid param").status(400))
            .path(lark_bot_channel::BOT_INFO_PATH),
    );
    assert_eq!(bot.channel.bot_open_id().await, None);
    assert_eq!(bot.channel.bot_open_id().await, None);
    assert_eq!(bot.mock.request_count(lark_bot_channel::BOT_INFO_PATH), 1);
}

#[tokio::test]
async fn a_card_action_is_acked_at_once_and_handled_in_its_chat() {
    let seen: Seen<ChannelEvent> = Seen::default();
    let sink = Arc::clone(&seen);
    let bot = start(|b| {
        b.on_event(move |e, _client| {
            let sink = Arc::clone(&sink);
            async move {
                sink.lock().unwrap().push(e);
                Ok(())
            }
        })
    })
    .await;
    let action = json!({"schema": "2.0", "header": {"event_type": "card.action.trigger"}, "event": {
        "operator": {"open_id": "ou_ann"},
        "action": {"tag": "button", "value": {"vote": "yes"}},
        "context": {"open_message_id": "om_card", "open_chat_id": MockServer::CHAT_ID}}});
    bot.deliver(&action).await;
    wait_until(|| seen.lock().unwrap().len() == 1).await;
    let seen = seen.lock().unwrap();
    let ChannelEvent::CardAction(action) = &seen[0] else {
        panic!("{:?}", seen[0]);
    };
    assert_eq!(seen[0].chat_id(), Some(MockServer::CHAT_ID));
    assert_eq!(action.action.value_str("vote"), Some("yes"));
    assert_eq!(action.operator.open_id.as_deref(), Some("ou_ann"));
}
