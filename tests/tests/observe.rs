//! What a call tells `tracing`: a `lark.call` span with a `lark.attempt` child per attempt,
//! each with its status, code and log id, the retry decision and its reason, and the token
//! events — for a call whose token expired, then met a 500 and a 429 on its way. Captured by a
//! recording layer; no token or secret in any field.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lark_core::{Config, RetryPolicy};
use lark_mock::{Fault, FaultRule, MockServer};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

type Fields = BTreeMap<String, String>;

#[derive(Debug, Clone)]
enum Seen {
    /// A span as it closed: its name, its parent's name and its fields.
    Span {
        name: String,
        parent: Option<String>,
        fields: Fields,
    },
    /// An event: its message and fields, and the span it happened in with that span's fields.
    Event {
        span: Option<(String, Fields)>,
        fields: Fields,
    },
}

struct Visitor<'a>(&'a mut Fields);

impl Visit for Visitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Seen>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        attrs.record(&mut Visitor(&mut fields));
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            if let Some(fields) = span.extensions_mut().get_mut::<Fields>() {
                values.record(&mut Visitor(fields));
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::new();
        event.record(&mut Visitor(&mut fields));
        let span = ctx.event_span(event).map(|span| {
            let fields = span
                .extensions()
                .get::<Fields>()
                .cloned()
                .unwrap_or_default();
            (span.name().to_owned(), fields)
        });
        self.0.lock().unwrap().push(Seen::Event { span, fields });
    }

    fn on_close(&self, id: Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(&id) {
            let fields = span
                .extensions()
                .get::<Fields>()
                .cloned()
                .unwrap_or_default();
            let parent = span.parent().map(|p| p.name().to_owned());
            self.0.lock().unwrap().push(Seen::Span {
                name: span.name().to_owned(),
                parent,
                fields,
            });
        }
    }
}

const MESSAGES: &str = "/open-apis/im/v1/messages";

#[tokio::test]
async fn a_call_through_an_expired_token_a_500_and_a_429_is_traced_attempt_by_attempt() {
    let recorder = Recorder::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(recorder.clone()));
    let mock = MockServer::start().await.unwrap();
    let client = lark_tests::client_with(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
            .base_url(mock.base_url())
            .retry(
                RetryPolicy::default()
                    .max_attempts(4)
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(5)),
            ),
    );
    // A typed send: its idempotency key (`uuid`) makes the POST safe to repeat.
    let message = lark_api::im::v1::message::Create::new(
        "chat_id",
        MockServer::CHAT_ID,
        "text",
        r#"{"text":"traced"}"#,
    );
    let send = || client.send(&message);
    send().await.unwrap();
    let first_token = client.tenant_access_token(None).await.unwrap();
    recorder.0.lock().unwrap().clear();

    // The token expires; the second attempt meets a 500, the third a 429 (reset now).
    mock.expire_tokens();
    mock.inject(
        FaultRule::new(Fault::lark_error(1_000_500, "internal error").status(500))
            .path(MESSAGES)
            .nth(2),
    );
    mock.inject(FaultRule::new(Fault::rate_limited(0)).path(MESSAGES).nth(3));
    send().await.unwrap();
    let second_token = client.tenant_access_token(None).await.unwrap();

    let seen = recorder.0.lock().unwrap().clone();
    let attempts: Vec<&Fields> = seen
        .iter()
        .filter_map(|s| match s {
            Seen::Span {
                name,
                parent,
                fields,
            } if name == "lark.attempt" => {
                assert_eq!(parent.as_deref(), Some("lark.call"));
                Some(fields)
            }
            _ => None,
        })
        .collect();
    let field = |f: &Fields, k: &str| f.get(k).cloned().unwrap_or_default();
    let numbers: Vec<String> = attempts.iter().map(|f| field(f, "attempt")).collect();
    assert_eq!(numbers, ["1", "2", "3", "4"], "{seen:#?}");
    let statuses: Vec<String> = attempts.iter().map(|f| field(f, "status")).collect();
    assert_eq!(statuses[1..], ["500", "429", "200"], "{seen:#?}");
    assert_eq!(field(attempts[0], "code"), "99991663", "{seen:#?}");
    assert_eq!(field(attempts[1], "code"), "1000500");
    assert!(
        attempts.iter().all(|f| !field(f, "log_id").is_empty()),
        "{seen:#?}"
    );
    assert!(
        attempts.iter().all(|f| f.contains_key("elapsed_ms")),
        "{seen:#?}"
    );

    // The retry decisions, in order, each in its attempt's span.
    let decisions: Vec<(String, String, String)> = seen
        .iter()
        .filter_map(|s| match s {
            Seen::Event {
                span: Some((name, span)),
                fields,
            } if name == "lark.attempt" && fields.contains_key("retry") => Some((
                field(span, "attempt"),
                field(fields, "retry"),
                field(fields, "reason"),
            )),
            _ => None,
        })
        .collect();
    let expected = [
        ("1", "true", "token rejected"),
        ("2", "true", "server error"),
        ("3", "true", "rate limited (reset hint)"),
    ];
    let decisions: Vec<(&str, &str, &str)> = decisions
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(decisions, expected, "{seen:#?}");

    // The token events: the rejected one evicted, a new one fetched.
    let messages: Vec<String> = seen
        .iter()
        .filter_map(|s| match s {
            Seen::Event { fields, .. } => Some(field(fields, "message")),
            Seen::Span { .. } => None,
        })
        .collect();
    let evicted = messages
        .iter()
        .position(|m| m.contains("evicted"))
        .expect("evicted");
    let fetched = messages
        .iter()
        .position(|m| m == "token fetched")
        .expect("fetched");
    assert!(evicted < fetched, "{messages:?}");

    // The call's span: what it is and how many attempts it took.
    let call = seen
        .iter()
        .find_map(|s| match s {
            Seen::Span { name, fields, .. } if name == "lark.call" => Some(fields),
            _ => None,
        })
        .expect("a call span");
    assert_eq!(field(call, "attempts"), "4");
    assert_eq!(field(call, "method"), "POST");

    // Never a token or the secret.
    let all = format!("{seen:?}");
    for secret in [
        first_token.expose(),
        second_token.expose(),
        MockServer::APP_SECRET,
    ] {
        assert!(!all.contains(secret), "`{secret}` was traced");
    }
}
