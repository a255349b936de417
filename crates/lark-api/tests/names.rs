//! API v2's names: official names find every endpoint in every spelling, the former names keep
//! working, and enums take unknown values without failing.

use lark_api::common::{SenderType, UserIdType};
use lark_api::im::v1::{chat, message};
use lark_core::api::{CATALOG, find, find_id};
use lark_core::endpoint::Endpoint;

#[test]
fn official_and_former_names_find_the_same_endpoint() {
    let create = find_id("im.v1.message.create").expect("the official name");
    assert_eq!(create.path, "/open-apis/im/v1/messages");
    assert_eq!(create.alias, "message.SendRawMessage");
    for spelling in [
        "message.SendRawMessage",
        "im/v1/message/create",
        "im.v1.message.create",
        "IM.V1.Message.Create",
    ] {
        let found = find_id(spelling).unwrap_or_else(|| panic!("{spelling}"));
        assert_eq!(found.id(), "im.v1.message.create", "{spelling}");
    }
    // The documentation's spelling of a sub-resource, and node-sdk's.
    let members = find_id("im/v1/chat-members/create").expect("the docs' spelling");
    assert_eq!(members.id(), "im.v1.chatMembers.create");
    assert_eq!(
        find_id("im.v1.chat_members.create").map(|e| e.id()),
        Some(members.id())
    );
    assert_eq!(
        find("chat", "AddChatMember").map(|e| e.id()),
        Some(members.id())
    );
    assert!(find_id("im.v1.message.nothing").is_none());
}

#[test]
fn every_name_is_unique_in_every_spelling() {
    let squash = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let mut official = std::collections::BTreeSet::new();
    let mut former = std::collections::BTreeSet::new();
    for e in CATALOG {
        assert!(official.insert(squash(&e.id())), "{} twice", e.id());
        assert!(former.insert(e.alias), "{} twice", e.alias);
        // Each name finds its own endpoint, however spelled.
        assert_eq!(find_id(&e.id()).map(|f| f.alias), Some(e.alias));
        assert_eq!(find_id(e.alias).map(|f| f.id()), Some(e.id()));
    }
    // As many as the spec has rows.
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../spec/lark-api-union.json"
        ))
        .expect("spec/lark-api-union.json"),
    )
    .expect("the spec is JSON");
    assert_eq!(
        Some(CATALOG.len()),
        spec["endpoints"].as_array().map(Vec::len)
    );
}

#[test]
fn the_rust_type_carries_the_official_name() {
    let send = message::Create::new("chat_id", "oc_1", "text", r#"{"text":"hi"}"#);
    let meta = send.meta();
    assert_eq!(
        format!("{}.{}", meta.service, meta.name),
        "im.v1.message.create"
    );
    assert_eq!(meta.alias, "message.SendRawMessage");
    assert!(
        meta.doc_url.contains("im-v1/message/create"),
        "{}",
        meta.doc_url
    );
}

#[test]
fn enums_keep_values_they_do_not_know() {
    // An answer with a value the SDK does not list decodes, and keeps it.
    let sender: lark_api::common::Sender =
        serde_json::from_str(r#"{"id": "cli_1", "sender_type": "robot_from_tomorrow"}"#).unwrap();
    assert_eq!(
        sender.sender_type,
        Some(SenderType::Other("robot_from_tomorrow".into()))
    );
    let known: lark_api::common::Sender =
        serde_json::from_str(r#"{"sender_type": "USER"}"#).unwrap();
    assert_eq!(known.sender_type, Some(SenderType::User));
    assert_eq!(known.sender_type.unwrap(), "USER");

    // A request takes the enum or a string; both go out as the string.
    let typed = chat::List::new().user_id_type(UserIdType::OpenId);
    let text = chat::List::new().user_id_type("open_id");
    let mut a = Vec::new();
    let mut b = Vec::new();
    typed.query(&mut a);
    text.query(&mut b);
    assert_eq!(a, b);
    assert_eq!(a, [("user_id_type", "open_id".to_owned())]);
    // One enum per name and module, with every value the endpoints document.
    assert!(UserIdType::VALUES.starts_with(&["user_id", "union_id", "open_id"]));
    assert!(UserIdType::VALUES.contains(&"people_corehr_id"));
    assert_eq!(
        serde_json::to_string(&UserIdType::UnionId).unwrap(),
        r#""union_id""#
    );
    assert_eq!(UserIdType::from("people_id").to_string(), "people_id");
}
