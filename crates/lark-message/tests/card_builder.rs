//! The card builder: what it writes, and that reading writes the same back.

use lark_message::card::{
    Behavior, Button, ButtonType, Card, CardText, Column, ColumnSet, Element, Header,
    HeaderTemplate,
};
use serde_json::json;

#[test]
fn unknown_fields_and_tags_survive_a_round_trip() {
    let value = json!({
        "schema": "2.0",
        "future_top": 1,
        "body": {"elements": [
            {"tag": "markdown", "content": "hi", "future_field": {"x": 1}},
            {"tag": "brand_new_component", "size": 3},
            {"tag": "button", "text": {"tag": "plain_text", "content": "b"},
             "behaviors": [{"type": "new_behavior", "x": 1}, {"type": "callback", "value": {"k": "v"}}]}
        ]}
    });
    let card = Card::from_value(value.clone()).unwrap();
    let elements = &card.body.as_ref().unwrap().elements;
    assert!(matches!(&elements[0], Element::Markdown(m) if m.extra.contains_key("future_field")));
    assert!(matches!(&elements[1], Element::Raw(_)));
    assert_eq!(elements[1].tag(), Some("brand_new_component"));
    match &elements[2] {
        Element::Button(b) => {
            let behaviors = b.behaviors.as_ref().unwrap();
            assert!(matches!(behaviors[0], Behavior::Raw(_)));
            assert!(matches!(behaviors[1], Behavior::Callback { .. }));
        }
        other => panic!("not a button: {other:?}"),
    }
    assert_eq!(card.to_value().unwrap(), value);
}

#[test]
fn builder_writes_card_json_2() {
    let card = Card::new()
        .header(Header::new("Title").template(HeaderTemplate::Blue))
        .element(ColumnSet::new([Column::new([Element::markdown("a")])]))
        .element(
            Button::new("Go")
                .kind(ButtonType::Primary)
                .callback(json!({"a": 1})),
        );
    assert_eq!(
        card.to_value().unwrap(),
        json!({
            "schema": "2.0",
            "header": {"title": {"tag": "plain_text", "content": "Title"}, "template": "blue"},
            "body": {"elements": [
                {"tag": "column_set", "columns": [{"tag": "column", "elements": [{"tag": "markdown", "content": "a"}]}]},
                {"tag": "button", "type": "primary", "text": {"tag": "plain_text", "content": "Go"},
                 "behaviors": [{"type": "callback", "value": {"a": 1}}]}
            ]}
        })
    );
    let _ = CardText::lark_md("x");
}
