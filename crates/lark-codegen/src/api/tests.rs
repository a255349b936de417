//! Generated tests of `lark_core::api`: every endpoint built with sample values and checked
//! against the facts, and sample answers decoded through every answer type.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::emit::is_secret;
use super::model::{BodyKind, Endpoint, Model, Ty, TypeDef, Usage, Where};
use super::shapes::{Shapes, endpoint_module};

/// The generated test files, by path from the repository root.
pub(crate) fn generate(model: &Model, shapes: &Shapes) -> Result<Vec<(String, String)>, String> {
    let g = Gen { model, shapes };
    Ok(vec![
        (
            "crates/lark-api/tests/generated_endpoints.rs".to_owned(),
            endpoints(&g)?,
        ),
        (
            "crates/lark-api/tests/generated_answers.rs".to_owned(),
            answers(&g)?,
        ),
        (
            "crates/lark-mock/tests/every_endpoint.rs".to_owned(),
            every_endpoint(&g)?,
        ),
    ])
}

/// The model and its shapes, as the tests see them: from outside, through `lark_api`.
struct Gen<'a> {
    model: &'a Model,
    shapes: &'a Shapes,
}

impl Gen<'_> {
    /// `lark_api::im::v1::message::Message`, `lark_api::common::UserIdType`.
    fn public(&self, key: &str) -> String {
        let (home, name) = if key.starts_with('E') {
            let e = &self.shapes.enums[key];
            (&e.home, e.name.clone())
        } else {
            (&self.shapes.homes[key], self.model.types[key].name.clone())
        };
        module_path(home, &name)
    }

    /// The request type of an endpoint, from outside.
    fn request(&self, ep: &Endpoint) -> String {
        module_path(&endpoint_module(ep), &ep.official.type_name)
    }

    /// The official id (`im.v1.message.create`) of the facts' `service.Name`.
    fn official_id(&self, facts_id: &str) -> Option<String> {
        self.model
            .endpoints
            .iter()
            .find(|e| format!("{}.{}", e.service, e.name) == facts_id)
            .map(|e| e.official.dotted())
    }
}

fn module_path(home: &[String], name: &str) -> String {
    if home.is_empty() {
        format!("lark_api::common::{name}")
    } else {
        format!("lark_api::{}::{name}", home.join("::"))
    }
}

/// `v1.message.create`.
fn local(ep: &Endpoint) -> String {
    let d = ep.official.dotted();
    d.split_once('.')
        .map(|(_, r)| r.to_owned())
        .unwrap_or_default()
}

/// Values the mock's stateful handlers need (known ids, valid kinds) instead of samples.
const MOCK_VALUES: &[(&str, &[&str])] = &[
    (
        "auth.ResendAppTicket",
        &["MARKET_APP_ID", "MARKET_APP_SECRET"],
    ),
    (
        "auth.GetAppAccessToken",
        &["MockServer::APP_ID", "MockServer::APP_SECRET"],
    ),
    (
        "auth.GetTenantAccessToken",
        &["MockServer::APP_ID", "MockServer::APP_SECRET"],
    ),
    (
        "auth.CreateAuthV3AppAccessToken",
        &[
            "MARKET_APP_ID",
            "MARKET_APP_SECRET",
            "run.market_ticket.clone()",
        ],
    ),
    (
        "auth.CreateAuthV3TenantAccessToken",
        &["run.market_app_token.clone()", "\"tenant_every\""],
    ),
    (
        "message.SendRawMessage",
        &[
            "\"chat_id\"",
            "MockServer::CHAT_ID",
            "\"text\"",
            "r#\"{\"text\":\"hi\"}\"#",
        ],
    ),
    ("message.GetMessage", &["run.message_id.clone()"]),
    (
        "message.ReplyRawMessage",
        &[
            "run.message_id.clone()",
            "r#\"{\"text\":\"hi\"}\"#",
            "\"text\"",
        ],
    ),
    (
        "file.UploadImage",
        &[
            "\"message\"",
            "lark_core::File::new(\"f.png\", vec![1u8, 2, 3])",
        ],
    ),
    (
        "file.UploadFile",
        &[
            "\"stream\"",
            "\"f.bin\"",
            "lark_core::File::new(\"f.bin\", vec![1u8, 2, 3])",
        ],
    ),
    (
        "message.GetMessageList",
        &["\"chat\"", "MockServer::CHAT_ID"],
    ),
    ("chat.GetChat", &["MockServer::CHAT_ID"]),
    ("contact.GetUser", &["MockServer::USER_OPEN_ID"]),
];

/// Every endpoint sent through the SDK (its `new` with sample values, nothing optional) to the
/// mock, which must accept each one.
fn every_endpoint(g: &Gen<'_>) -> Result<String, String> {
    let model = g.model;
    let mut t = String::from(
        r##"//! Every endpoint of the catalog, built with its typed request (required parameters only,
//! sample values), sent through the SDK to the mock: the spec-driven handler must accept each.
#![cfg(feature = "every-endpoint")]

use std::marker::PhantomData;

use lark_core::endpoint::{Body, Endpoint, EndpointMeta, FromResponse, ResponseKind};
use lark_core::{Client, Config, RequestOptions};
use lark_mock::MockServer;
use lark_reqwest::ReqwestClient;

const USER_TOKEN: &str = "u-every-endpoint";
const MARKET_APP_ID: &str = "cli_every_market";
const MARKET_APP_SECRET: &str = "every-market-secret";

struct Run {
    client: Client<ReqwestClient>,
    tenant: RequestOptions,
    user: RequestOptions,
    message_id: String,
    /// The marketplace app's app_ticket and an app access token got with it.
    market_ticket: String,
    market_app_token: String,
    sent: usize,
    failures: Vec<String>,
}

impl Run {
    /// Sends `request` as built by its own `Endpoint` impl. The answer is decoded as JSON (or
    /// bytes) rather than as the typed output, so the client's send path is compiled twice,
    /// not once per endpoint; decoding into every answer type is `generated_answers.rs`.
    async fn send<E: Endpoint>(&mut self, id: &str, request: &E, user: bool) {
        self.sent += 1;
        let built = (|| {
            let mut query = Vec::new();
            request.query(&mut query);
            let mut headers = http::HeaderMap::new();
            request.headers(&mut headers)?;
            Ok::<_, lark_core::Error>(Built {
                meta: request.meta().clone(),
                path: request.path()?,
                query,
                headers,
                body: request.body()?,
            })
        })();
        let built = match built {
            Ok(built) => built,
            Err(e) => {
                self.failures.push(format!("{id}: cannot build: {e}"));
                return;
            }
        };
        let options = if user { &self.user } else { &self.tenant };
        let result = if matches!(built.meta.response, ResponseKind::Binary) {
            let call = As::<lark_core::Download> { built, output: PhantomData };
            self.client.send_with(&call, options).await.map(|_| ())
        } else {
            let call = As::<serde_json::Value> { built, output: PhantomData };
            self.client.send_with(&call, options).await.map(|_| ())
        };
        if let Err(e) = result {
            self.failures.push(format!("{id}: {e}"));
        }
    }
}

/// A request's parts as its endpoint built them.
#[derive(Debug)]
struct Built {
    meta: EndpointMeta,
    path: String,
    query: Vec<(&'static str, String)>,
    headers: http::HeaderMap,
    body: Body,
}

#[derive(Debug)]
struct As<O> {
    built: Built,
    output: PhantomData<fn() -> O>,
}

impl<O: FromResponse> Endpoint for As<O> {
    type Output = O;

    fn meta(&self) -> &EndpointMeta {
        &self.built.meta
    }

    fn path(&self) -> lark_core::Result<String> {
        Ok(self.built.path.clone())
    }

    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        query.extend(self.built.query.iter().cloned());
    }

    fn headers(&self, headers: &mut http::HeaderMap) -> lark_core::Result<()> {
        headers.extend(self.built.headers.clone());
        Ok(())
    }

    fn body(&self) -> lark_core::Result<Body> {
        Ok(self.built.body.clone())
    }
}

// The sends are one async fn per service, hundreds of awaits each: in a debug build their poll
// frames outgrow a test thread's 2 MiB stack, so the run gets a thread of its own with room.
#[test]
fn every_endpoint_is_accepted() {
    std::thread::Builder::new()
        .name("every-endpoint".to_owned())
        .stack_size(64 << 20)
        .spawn(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime")
                .block_on(send_every_endpoint())
        })
        .expect("the test thread starts")
        .join()
        .expect("every endpoint is accepted");
}

async fn send_every_endpoint() {
    let mock = MockServer::start().await.expect("the mock starts");
    mock.add_user_token(USER_TOKEN, "ou_every_endpoint");
    mock.add_marketplace_app(MARKET_APP_ID, MARKET_APP_SECRET);
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
        .base_url(mock.base_url())
        .helpdesk(MockServer::HELPDESK_ID, MockServer::HELPDESK_TOKEN);
    let mut run = Run {
        client: lark_reqwest::client(config),
        tenant: RequestOptions::new(),
        user: RequestOptions::new().user_access_token(USER_TOKEN),
        message_id: String::new(),
        market_ticket: String::new(),
        market_app_token: String::new(),
        sent: 0,
        failures: Vec::new(),
    };
    // A message to read back.
    let sent = run
        .client
        .send(&lark_api::im::v1::message::Create::new(
            "chat_id",
            MockServer::CHAT_ID,
            "text",
            r#"{"text":"first"}"#,
        ))
        .await
        .expect("the first message is sent");
    run.message_id = sent.message_id.expect("the mock returns a message id");
    // A marketplace app's ticket, as the platform pushes it, and an app token got with it.
    run.market_ticket = mock
        .push_app_ticket(MARKET_APP_ID)
        .expect("the mock issues a ticket");
    run.market_app_token = run
        .client
        .send(&lark_api::auth::v3::app_access_token::Create::new(
            MARKET_APP_ID,
            MARKET_APP_SECRET,
            run.market_ticket.clone(),
        ))
        .await
        .expect("the marketplace app token")
        .app_access_token
        .expect("the mock answers an app access token");
"##,
    );
    let services: Vec<String> = model
        .endpoints
        .iter()
        .map(|e| e.official.project.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    for s in &services {
        let _ = writeln!(t, "    {s}(&mut run).await;");
    }
    t.push_str(
        r#"    assert!(
        run.failures.is_empty(),
        "{} of {} endpoints were rejected:\n{}",
        run.failures.len(),
        run.sent,
        run.failures.join("\n")
    );
    assert_eq!(run.sent, lark_core::api::CATALOG.len());
    mock.shutdown().await;
}
"#,
    );
    for s in services {
        let _ = writeln!(t, "\nasync fn {s}(run: &mut Run) {{");
        for ep in model.endpoints.iter().filter(|e| e.official.project == *s) {
            let mut args: Vec<String> = ep
                .params
                .iter()
                .filter(|(_, f)| f.required)
                .map(|(w, f)| {
                    if *w == Where::Path && f.ty == Ty::String {
                        format!("{:?}", path_sample(&f.wire))
                    } else {
                        sample_arg(g, &f.ty)
                    }
                })
                .collect();
            let id = format!("{}.{}", ep.service, ep.name);
            if let Some((_, values)) = MOCK_VALUES.iter().find(|(e, _)| *e == id) {
                if values.len() != args.len() {
                    return Err(format!("{id}: the mock values do not fit its parameters"));
                }
                args = values.iter().map(|v| (*v).to_owned()).collect();
            }
            let options = if ep.tokens.iter().any(|k| k == "tenant") || ep.tokens.is_empty() {
                "tenant"
            } else if ep.tokens.iter().any(|k| k == "user") {
                "user"
            } else {
                "tenant"
            };
            let _ = writeln!(
                t,
                "run.send(\"{}\", &{}::new({}), {}).await;",
                ep.official.dotted(),
                g.request(ep),
                args.join(", "),
                options == "user"
            );
        }
        t.push_str("}\n");
    }
    Ok(t)
}

/// A sample argument for `new` or a setter.
fn sample_arg(g: &Gen<'_>, ty: &Ty) -> String {
    match ty {
        Ty::List(inner) => format!("[{}]", sample_value(g, inner)),
        Ty::Map(..) => "std::collections::BTreeMap::new()".to_owned(),
        Ty::String | Ty::Enum(_) => "\"s\"".to_owned(),
        _ => sample_value(g, ty),
    }
}

/// A sample value of exactly the type.
fn sample_value(g: &Gen<'_>, ty: &Ty) -> String {
    match ty {
        Ty::String => "String::from(\"s\")".to_owned(),
        Ty::Bool => "true".to_owned(),
        Ty::I64 | Ty::I32 => "7".to_owned(),
        Ty::F64 => "1.5".to_owned(),
        Ty::Any => "serde_json::json!({\"k\": 1})".to_owned(),
        Ty::Binary => "lark_core::File::new(\"f.bin\", vec![1u8, 2, 3])".to_owned(),
        Ty::List(inner) => format!("vec![{}]", sample_value(g, inner)),
        Ty::Map(..) => "std::collections::BTreeMap::new()".to_owned(),
        Ty::Named(n) => format!("{}::default()", g.public(n)),
        Ty::Enum(n) => format!("{}::from(\"s\")", g.public(n)),
    }
}

/// The text a sample scalar has in a query.
fn sample_text(ty: &Ty) -> Option<&'static str> {
    match ty {
        Ty::String | Ty::Enum(_) => Some("s"),
        Ty::Bool => Some("true"),
        Ty::I64 | Ty::I32 => Some("7"),
        Ty::F64 => Some("1.5"),
        Ty::List(inner) => sample_text(inner),
        _ => None,
    }
}

fn path_sample(wire: &str) -> String {
    format!("{wire} x")
}

fn str_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", quoted.join(", "))
}

fn endpoints(g: &Gen<'_>) -> Result<String, String> {
    let model = g.model;
    let mut t = String::from(
        r#"//! Every endpoint built with sample values for all its parameters, checked against the
//! facts (expected values written out by the generator) and against the catalog.
#![cfg(feature = "full")]
#![allow(clippy::too_many_lines)]

use lark_core::endpoint::{Body, Endpoint, EndpointMeta, IdempotencyKey};

struct Parts {
    meta: EndpointMeta,
    /// Whether `meta()` is the catalog's static itself, not a copy.
    catalog_static: bool,
    path: String,
    query: Vec<(&'static str, String)>,
    body_kind: &'static str,
    body_keys: Vec<String>,
    file_parts: Vec<String>,
    header_names: Vec<String>,
}

/// The names of the parts of an encoded form that carry a file name.
fn file_parts(encoded: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(encoded);
    let marker = "Content-Disposition: form-data; name=\"";
    let mut names = Vec::new();
    for piece in text.split(marker).skip(1) {
        if let Some((name, rest)) = piece.split_once('"') {
            if rest.starts_with("; filename=\"") {
                names.push(name.to_owned());
            }
        }
    }
    names.sort();
    names
}

fn parts<E: Endpoint>(endpoint: &E) -> Parts {
    let meta = endpoint.meta().clone();
    let catalog_static = lark_core::api::find(meta.service, meta.name)
        .is_some_and(|spec| std::ptr::eq(spec, endpoint.meta()));
    let path = endpoint.path().expect("the path builds");
    let mut query = Vec::new();
    endpoint.query(&mut query);
    let mut headers = http::HeaderMap::new();
    endpoint.headers(&mut headers).expect("the headers build");
    let header_names = headers.keys().map(|k| k.as_str().to_owned()).collect();
    let mut files = Vec::new();
    let (body_kind, body_keys) = match endpoint.body().expect("the body builds") {
        Body::None => ("none", Vec::new()),
        Body::Json(bytes) => {
            let value: serde_json::Value =
                serde_json::from_slice(&bytes).expect("the body is JSON");
            let object = value.as_object().expect("the body is a JSON object");
            let mut keys: Vec<String> = object.keys().cloned().collect();
            keys.sort();
            ("json", keys)
        }
        Body::Multipart(form) => {
            let (content_type, encoded) = form.encode();
            assert!(content_type.starts_with("multipart/form-data; boundary="));
            files = file_parts(&encoded);
            let mut keys: Vec<String> = form.names().map(str::to_owned).collect();
            keys.sort();
            ("multipart", keys)
        }
        _ => ("other", Vec::new()),
    };
    Parts {
        meta,
        catalog_static,
        path,
        query,
        body_kind,
        body_keys,
        file_parts: files,
        header_names,
    }
}

struct Expected {
    service: &'static str,
    name: &'static str,
    method: &'static str,
    template: &'static str,
    path: &'static str,
    query: &'static [(&'static str, &'static str)],
    headers: &'static [&'static str],
    body_kind: &'static str,
    body_keys: &'static [&'static str],
    file_parts: &'static [&'static str],
    tokens: &'static [&'static str],
    helpdesk: bool,
    paginated: bool,
    idempotency_key: Option<IdempotencyKey>,
}

fn check(p: Parts, x: Expected) {
    let id = format!("{}.{}", x.service, x.name);
    let m = &p.meta;
    assert_eq!((m.service, m.name), (x.service, x.name), "{id}: names");
    assert_eq!(m.method.as_str(), x.method, "{id}: method");
    assert_eq!(m.path, x.template, "{id}: path template");
    assert_eq!(p.path, x.path, "{id}: path");
    let query: Vec<(&str, &str)> = p.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(query, x.query, "{id}: query");
    let mut headers: Vec<String> = x.headers.iter().map(|h| h.to_ascii_lowercase()).collect();
    headers.sort();
    let mut got_headers = p.header_names.clone();
    got_headers.sort();
    assert_eq!(got_headers, headers, "{id}: headers");
    assert_eq!(p.body_kind, x.body_kind, "{id}: body kind");
    let mut body_keys: Vec<&str> = x.body_keys.to_vec();
    body_keys.sort_unstable();
    assert_eq!(p.body_keys, body_keys, "{id}: body keys");
    let mut file_parts: Vec<&str> = x.file_parts.to_vec();
    file_parts.sort_unstable();
    assert_eq!(p.file_parts, file_parts, "{id}: file parts");
    assert_eq!(m.idempotency_key, x.idempotency_key, "{id}: idempotency key");
    let tokens: Vec<&str> = m.tokens.iter().map(|k| k.as_str()).collect();
    assert_eq!(tokens, x.tokens, "{id}: tokens");
    assert_eq!(m.helpdesk, x.helpdesk, "{id}: helpdesk");
    assert_eq!(m.is_paginated(), x.paginated, "{id}: paginated");

    // The typed request describes itself with the catalog's static, and what it sends is
    // what the catalog lists.
    assert!(p.catalog_static, "{id}: meta() is the catalog's static");
    let mut catalog_query: Vec<&str> = m.query.iter().map(|q| q.name).collect();
    catalog_query.dedup();
    let mut sent_query: Vec<&str> = p.query.iter().map(|(k, _)| *k).collect();
    sent_query.dedup();
    assert_eq!(sent_query, catalog_query, "{id}: catalog query");
    let mut catalog_body: Vec<&str> = m.body_fields.iter().map(|f| f.name).collect();
    catalog_body.sort_unstable();
    assert_eq!(p.body_keys, catalog_body, "{id}: catalog body");
    let kind = match m.body {
        lark_core::endpoint::BodyKind::None => "none",
        lark_core::endpoint::BodyKind::Json => "json",
        lark_core::endpoint::BodyKind::Multipart => "multipart",
        _ => "other",
    };
    assert_eq!(p.body_kind, kind, "{id}: catalog body kind");
}

#[test]
fn catalog_counts() {
"#,
    );
    let _ = writeln!(
        t,
        "    assert_eq!(lark_core::api::CATALOG.len(), {});",
        model.endpoints.len()
    );
    t.push_str(
        r#"    let mut ids: Vec<String> = lark_core::api::CATALOG.iter().map(|e| e.id()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), lark_core::api::CATALOG.len(), "ids are unique");
}
"#,
    );
    idempotency_test(&mut t, g)?;
    let mut by_service: BTreeMap<&str, Vec<&Endpoint>> = BTreeMap::new();
    for ep in &model.endpoints {
        by_service.entry(&ep.official.project).or_default().push(ep);
    }
    for (service, eps) in by_service {
        let _ = writeln!(t, "\n#[test]\nfn endpoints_{service}() {{");
        for ep in eps {
            endpoint_case(&mut t, g, ep)?;
        }
        t.push_str("}\n");
    }
    Ok(t)
}

/// Endpoints where a random key breaks the call, whatever rule decides the keys: the
/// `uuid` of a device record is its mainboard's UUID (a filter when listing), the `uuid` of a
/// hire exam is an attachment id.
const NOT_KEYED: &[&str] = &[
    "security_and_compliance.CreateSecurityAndComplianceDeviceRecord",
    "security_and_compliance.ListSecurityAndComplianceDeviceRecord",
    "hire.CreateHireExam",
];

/// Endpoints the documentation says are de-duplicated by a key: `(id, place, name)`.
const KEYED: &[(&str, &str, &str)] = &[
    ("message.SendRawMessage", "Body", "uuid"),
    ("message.ReplyRawMessage", "Body", "uuid"),
    ("message.ForwardMessage", "Query", "uuid"),
    ("chat.CreateChat", "Query", "uuid"),
    ("approval.SendApprovalMessage", "Body", "uuid"),
    ("contact.CreateUser", "Query", "client_token"),
    ("bitable.CreateBitableRecord", "Query", "client_token"),
    ("task.CreateTaskV2", "Body", "client_token"),
    ("calendar.CreateCalendarEvent", "Query", "idempotency_key"),
];

/// The test of the idempotency keys of the catalog: how many there are, and that the endpoints
/// above take (do not take) one.
fn idempotency_test(t: &mut String, g: &Gen<'_>) -> Result<(), String> {
    let model = g.model;
    let known = |id: &str| {
        model
            .endpoints
            .iter()
            .any(|e| format!("{}.{}", e.service, e.name) == id)
    };
    for id in NOT_KEYED.iter().chain(KEYED.iter().map(|(id, _, _)| id)) {
        if !known(id) {
            return Err(format!(
                "the idempotency test names {id}, which is not an endpoint"
            ));
        }
    }
    let count = model
        .endpoints
        .iter()
        .filter(|e| e.idempotency_key.is_some())
        .count();
    let _ = writeln!(
        t,
        r#"
/// The endpoints the client fills an idempotency key in: only where the key is the request's
/// idempotency key (a `uuid` can be a device's hardware id or an attachment id).
#[test]
fn idempotency_keys() {{
    let keyed: Vec<&EndpointMeta> = lark_core::api::CATALOG
        .iter()
        .copied()
        .filter(|e| e.idempotency_key.is_some())
        .collect();
    for e in &keyed {{
        println!("{{}}: {{:?}}", e.id(), e.idempotency_key);
    }}
    assert_eq!(keyed.len(), {count});
    let key = |id: &str| {{
        lark_core::api::find_id(id)
            .unwrap_or_else(|| panic!("{{id}} is not in the catalog"))
            .idempotency_key
    }};"#
    );
    for facts_id in NOT_KEYED {
        let id = g.official_id(facts_id).unwrap_or_default();
        let _ = writeln!(
            t,
            "    assert_eq!(key({id:?}), None, \"{id} ({facts_id}) takes no idempotency key\");"
        );
    }
    for (facts_id, place, name) in KEYED {
        let id = g.official_id(facts_id).unwrap_or_default();
        let _ = writeln!(
            t,
            "    assert_eq!(key({id:?}), Some(IdempotencyKey::{place}({name:?})), \"{id}\");"
        );
    }
    t.push_str("}\n");
    Ok(())
}

fn endpoint_case(t: &mut String, g: &Gen<'_>, ep: &Endpoint) -> Result<(), String> {
    let mut expr = format!("{}::new(", g.request(ep));
    let args: Vec<String> = ep
        .params
        .iter()
        .filter(|(_, f)| f.required)
        .map(|(w, f)| {
            if *w == Where::Path {
                match f.ty {
                    Ty::String => format!("{:?}", path_sample(&f.wire)),
                    _ => "7".to_owned(),
                }
            } else {
                sample_arg(g, &f.ty)
            }
        })
        .collect();
    expr.push_str(&args.join(", "));
    expr.push(')');
    for (_, f) in ep.params.iter().filter(|(_, f)| !f.required) {
        let setter = if f.ident == "new" { "new_" } else { &f.ident };
        let _ = write!(expr, ".{setter}({})", sample_arg(g, &f.ty));
    }
    // The expected path.
    let mut path = Vec::new();
    for seg in ep.path.split('/') {
        if let Some(name) = seg.strip_prefix(':') {
            let f = ep
                .in_(Where::Path)
                .find(|f| f.wire == name)
                .ok_or_else(|| format!("{}: path parameter {name} not in the facts", ep.name))?;
            path.push(match f.ty {
                Ty::String => path_sample(name).replace(' ', "%20"),
                _ => "7".to_owned(),
            });
        } else {
            path.push(seg.to_owned());
        }
    }
    let query: Vec<String> = ep
        .in_(Where::Query)
        .map(|f| {
            let text = sample_text(&f.ty).unwrap_or("");
            format!("({:?}, {:?})", f.wire, text)
        })
        .collect();
    let headers: Vec<String> = ep.in_(Where::Header).map(|f| f.wire.clone()).collect();
    let body: Vec<String> = ep.in_(Where::Body).map(|f| f.wire.clone()).collect();
    let files: Vec<String> = ep
        .in_(Where::Body)
        .filter(|f| f.ty == Ty::Binary)
        .map(|f| f.wire.clone())
        .collect();
    let key = match &ep.idempotency_key {
        Some(k) if k.place == Where::Query => format!("Some(IdempotencyKey::Query({:?}))", k.wire),
        Some(k) => format!("Some(IdempotencyKey::Body({:?}))", k.wire),
        None => "None".to_owned(),
    };
    let _ = writeln!(
        t,
        "check(parts(&{expr}), Expected {{ service: {:?}, name: {:?}, method: {:?}, template: {:?}, path: {:?}, query: &[{}], headers: {}, body_kind: {:?}, body_keys: {}, file_parts: {}, tokens: {}, helpdesk: {}, paginated: {}, idempotency_key: {key} }});",
        ep.official.project,
        local(ep),
        ep.method.to_ascii_uppercase(),
        ep.path,
        path.join("/"),
        query.join(", "),
        str_list(&headers),
        match ep.body {
            BodyKind::None => "none",
            BodyKind::Json => "json",
            BodyKind::Multipart => "multipart",
        },
        str_list(&body),
        str_list(&files),
        str_list(&ep.tokens),
        ep.helpdesk,
        ep.pagination.is_some(),
    );
    Ok(())
}

/// Builds sample JSON for a type; values are unique so the decoded `Debug` output shows where
/// each one landed.
struct Sampler<'a> {
    model: &'a Model,
    counter: u32,
}

impl Sampler<'_> {
    fn value(&mut self, ty: &Ty, depth: u32, checks: &mut Vec<String>, check: bool) -> String {
        match ty {
            Ty::String => {
                self.counter += 1;
                let v = format!("v{:05}", self.counter);
                if check {
                    checks.push(v.clone());
                }
                format!("\"{v}\"")
            }
            Ty::I64 | Ty::I32 => {
                self.counter += 1;
                let v = format!("{}", 1_000_000 + self.counter);
                if check {
                    checks.push(v.clone());
                }
                v
            }
            Ty::F64 => "0.5".to_owned(),
            Ty::Bool => "true".to_owned(),
            Ty::Any => "{\"any\": [1, \"x\", null]}".to_owned(),
            Ty::Binary => "\"\"".to_owned(),
            Ty::Enum(_) => {
                // A value no enum lists: it must arrive as `Other`.
                self.counter += 1;
                let v = format!("v{:05}", self.counter);
                if check {
                    checks.push(v.clone());
                }
                format!("\"{v}\"")
            }
            Ty::List(inner) => format!("[{}]", self.value(inner, depth, checks, check)),
            Ty::Map(_, v) => format!("{{\"key\": {}}}", self.value(v, depth, checks, check)),
            Ty::Named(n) => match self.model.types.get(n) {
                // The JSON value itself: a mix of what such a value can be.
                Some(def) if def.custom_json => {
                    self.counter += 1;
                    let v = format!("v{:05}", self.counter);
                    if check {
                        checks.push(v.clone());
                    }
                    format!(
                        "[\"{v}\", 1, 2.5, true, null, {{\"type\": \"text\", \"text\": \"{v}\"}}]"
                    )
                }
                Some(def) if depth < 2 => {
                    let fields = def.fields.clone();
                    self.object(&fields, depth + 1, checks, check)
                }
                _ => "{}".to_owned(),
            },
        }
    }

    fn object(
        &mut self,
        fields: &[super::model::Field],
        depth: u32,
        checks: &mut Vec<String>,
        check: bool,
    ) -> String {
        let mut parts = Vec::new();
        for f in fields {
            let check = check && !is_secret(&f.wire);
            let v = self.value(&f.ty, depth, checks, check);
            parts.push(format!("{:?}: {v}", f.wire));
        }
        parts.push("\"field_the_facts_do_not_know\": {\"x\": [1, 2]}".to_owned());
        format!("{{{}}}", parts.join(", "))
    }
}

fn answers(g: &Gen<'_>) -> Result<String, String> {
    let model = g.model;
    let mut t = String::from(
        r##"//! Sample answers decoded through every answer type: all fields set (each value must
//! land in a field), all fields null, and only unknown fields.
#![cfg(feature = "full")]

use std::fmt::Debug;

use serde::de::DeserializeOwned;

fn decode<T: DeserializeOwned + Debug + Default>(name: &str, full: &str, nulls: &str, values: &[&str]) {
    let value: T = serde_json::from_str(full).unwrap_or_else(|e| panic!("{name}: {e}\n{full}"));
    let shown = format!("{value:?}");
    for v in values {
        assert!(shown.contains(v), "{name}: `{v}` was lost:\n{full}\n{shown}");
    }
    let _: T = serde_json::from_str(nulls).unwrap_or_else(|e| panic!("{name} (nulls): {e}"));
    let _: T = serde_json::from_str(r#"{"unknown": {"deep": [1, null]}, "other": "x"}"#)
        .unwrap_or_else(|e| panic!("{name} (unknown fields): {e}"));
    let _: T = serde_json::from_str("{}").unwrap_or_else(|e| panic!("{name} (empty): {e}"));
}
"##,
    );
    let mut by_service: BTreeMap<String, Vec<(String, Vec<super::model::Field>)>> = BTreeMap::new();
    for (key, def) in &model.types {
        let def: &TypeDef = def;
        if def.usage == Usage::Request {
            continue;
        }
        let home = &g.shapes.homes[key];
        let service = home.first().cloned().unwrap_or_else(|| "common".to_owned());
        by_service
            .entry(service)
            .or_default()
            .push((g.public(key), def.fields.clone()));
    }
    for ep in &model.endpoints {
        if let Some(r) = ep.response_type() {
            by_service
                .entry(ep.official.project.clone())
                .or_default()
                .push((module_path(&endpoint_module(ep), &r), ep.response.clone()));
        }
    }
    for (service, list) in by_service {
        let _ = writeln!(t, "\n#[test]\nfn answers_{service}() {{");
        for (name, fields) in list {
            let mut sampler = Sampler { model, counter: 0 };
            let mut checks = Vec::new();
            let full = sampler.object(&fields, 0, &mut checks, true);
            let nulls: Vec<String> = fields
                .iter()
                .map(|f| format!("{:?}: null", f.wire))
                .collect();
            let nulls = format!("{{{}}}", nulls.join(", "));
            let _ = writeln!(
                t,
                "decode::<{name}>({name:?}, r#\"{full}\"#, r#\"{nulls}\"#, {});",
                str_list(&checks)
            );
        }
        t.push_str("}\n");
    }
    custom_json_test(&mut t, g)?;
    Ok(t)
}

/// Answers shaped as the platform sends them, through the types the facts mark `custom_json`.
fn custom_json_test(t: &mut String, g: &Gen<'_>) -> Result<(), String> {
    let model = g.model;
    let answer = |name: &str| -> Result<String, String> {
        model
            .endpoints
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| {
                e.response_type()
                    .map(|r| module_path(&endpoint_module(e), &r))
            })
            .ok_or_else(|| format!("custom_json test: no answer type of {name}"))
    };
    let ty = |name: &str| -> Result<String, String> {
        let key = g.shapes.class_of.get(name).cloned().unwrap_or_default();
        match model.types.get(&key) {
            Some(def) if def.custom_json => Ok(g.public(&key)),
            _ => Err(format!(
                "custom_json test: {name} is not a custom_json type"
            )),
        }
    };
    let _ = writeln!(
        t,
        r##"
/// The types the facts mark `custom_json` hold the JSON the platform sends: sheet cells are bare
/// strings, numbers, booleans, null, or objects and lists of rich segments (读取单个范围,
/// 读取多个范围); an approval timeline's `ext` comes as an object or as a JSON string; widget
/// options are one option or a list.
#[test]
fn custom_json_types_decode_what_the_platform_sends() {{
    let one: {get} = serde_json::from_str(
        r#"{{"revision": 12, "spreadsheetToken": "shtcnmBA0yGehy8",
            "valueRange": {{"majorDimension": "ROWS", "range": "Q7PlXT!A1:E2", "revision": 12,
                "values": [
                    ["text", 1, 2.5, null, [{{"type": "mention", "text": "@张三", "textType": "email", "notify": true, "grantReadPermission": false}}]],
                    [true, {{"type": "url", "text": "飞书", "link": "https://www.feishu.cn"}},
                     [{{"type": "text", "text": "see "}}, {{"type": "url", "text": "doc", "link": "https://example.feishu.cn/docx/x"}}],
                     {{"type": "formula", "text": "=SUM(B1:B2)"}}, ""]
                ]}}}}"#,
    )
    .expect("a sheet range decodes");
    let range = one.value_range.expect("valueRange");
    assert_eq!(range.range.as_deref(), Some("Q7PlXT!A1:E2"));
    let values = range.values.expect("values");
    assert_eq!(values[0][0].as_str(), Some("text"));
    assert_eq!(values[0][1].as_i64(), Some(1));
    assert_eq!(values[0][2].as_f64(), Some(2.5));
    assert!(values[0][3].is_null());
    assert_eq!(values[0][4].0[0]["type"], "mention");
    assert_eq!(values[1][0].as_bool(), Some(true));
    assert_eq!(values[1][1].0["link"], "https://www.feishu.cn");
    assert_eq!(values[1][2].as_array().map(Vec::len), Some(2));
    assert_eq!(values[1][3].0["text"], "=SUM(B1:B2)");
    assert_eq!(values[1][4].as_str(), Some(""));

    let many: {batch} = serde_json::from_str(
        r#"{{"revision": 3, "spreadsheetToken": "shtcnmBA0yGehy8", "totalCells": 4,
            "valueRanges": [{{"majorDimension": "ROWS", "range": "Q7PlXT!A1:B2", "revision": 3,
                "values": [["Hello", 1], [2, "World"]]}},
                {{"majorDimension": "ROWS", "range": "Q7PlXT!C1:C1", "revision": 3, "values": [[null]]}}]}}"#,
    )
    .expect("sheet ranges decode");
    let ranges = many.value_ranges.expect("valueRanges");
    let first = ranges[0].values.as_ref().expect("values");
    assert_eq!(first[0][0].as_str(), Some("Hello"));
    assert_eq!(first[1][0].as_i64(), Some(2));
    assert!(ranges[1].values.as_ref().expect("values")[0][0].is_null());

    // A cell written is the bare JSON value.
    let cells = vec![{cell}::new("text"), {cell}::new(1), {cell}::new(serde_json::json!({{"type": "url", "text": "飞书", "link": "https://www.feishu.cn"}}))];
    // Compared as values: object key order follows serde_json's features (preserve_order).
    let text = serde_json::to_string(&cells).expect("cells serialise");
    assert!(text.starts_with(r#"["text",1,{{"#), "{{text}}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&text).expect("cells are JSON"),
        serde_json::json!(["text", 1, {{"link": "https://www.feishu.cn", "text": "飞书", "type": "url"}}])
    );

    let ext: {ext} = serde_json::from_str(r#"{{"user_id_list": ["u1"], "open_id": "ou_1"}}"#).expect("ext as an object");
    assert_eq!(ext.0["open_id"], "ou_1");
    let ext: {ext} = serde_json::from_str(r#""{{\"user_id\":\"u1\"}}""#).expect("ext as a JSON string");
    assert!(ext.is_string());

    let options: {options} = serde_json::from_str(r#"[{{"key": "k", "value": "v", "text": "t"}}]"#).expect("a list of options");
    assert!(options.is_array());
    let option: {options} = serde_json::from_str(r#"{{"key": "k", "value": "v"}}"#).expect("one option");
    assert_eq!(option.0["key"], "k");
}}"##,
        get = answer("GetSheetValue")?,
        batch = answer("BatchGetSheetValue")?,
        cell = ty("SheetContent")?,
        ext = ty("GetApprovalInstanceRespTimelineExt")?,
        options = ty("ApprovalWidgetOptions")?,
    );
    Ok(())
}
