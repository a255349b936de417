//! How the facts are read where they say less than the platform does, or say it wrongly: the
//! facts come from a Go SDK's struct tags, which carry no field descriptions, and a few tags
//! do not match the documented wire form. Every rule here names the endpoints it decides and
//! why, with the documentation's own words; an entry that no longer matches the facts is an
//! error, so the lists cannot go stale silently.

use std::collections::{BTreeMap, BTreeSet};

use super::model::{BodyKind, Endpoint, Field, IdempotencyKey, Pagination, Ty, TypeDef, Where};

/// The idempotency key of one endpoint; `used` collects the list entries that decided.
fn key_of(
    ep: &Endpoint,
    used: &mut BTreeSet<(&'static str, &'static str)>,
) -> Result<Option<IdempotencyKey>, String> {
    let mut keys = Vec::new();
    for (place, f) in &ep.params {
        let fillable = f.ty == Ty::String
            && (*place == Where::Query || (*place == Where::Body && ep.body == BodyKind::Json));
        if !fillable {
            continue;
        }
        if let Some((_, why)) = KEY_NAMES.iter().find(|(n, _)| *n == f.wire) {
            keys.push(IdempotencyKey {
                place: *place,
                wire: f.wire.clone(),
                why,
            });
        } else if f.wire == "uuid" {
            let listed = |list: &'static [(&'static str, &'static str, &'static str)]| {
                list.iter()
                    .find(|(m, p, _)| ep.method == *m && ep.path == *p)
            };
            if let Some((m, p, why)) = listed(UUID_KEYS) {
                used.insert((m, p));
                keys.push(IdempotencyKey {
                    place: *place,
                    wire: f.wire.clone(),
                    why,
                });
            } else if let Some((m, p, _)) = listed(UUID_NOT_KEYS) {
                used.insert((m, p));
            } else {
                return Err(format!(
                    "{}.{} ({} {}): is its `uuid` an idempotency key? Put it on UUID_KEYS or UUID_NOT_KEYS",
                    ep.service, ep.name, ep.method, ep.path
                ));
            }
        }
    }
    if keys.len() > 1 {
        return Err(format!(
            "{}.{}: several idempotency keys",
            ep.service, ep.name
        ));
    }
    Ok(keys.pop())
}

/// Re-reads one endpoint's parameters: header tags that are body fields, file parts written as
/// empty structs, required flags the documentation contradicts.
pub(crate) fn reread(ep: &mut Endpoint, types: &BTreeMap<String, TypeDef>) -> Result<(), String> {
    headers_to_body(ep)?;
    file_parts(ep, types)?;
    for (method, path, wire, _why) in EMPTY_STRUCT_IS_STRING {
        if ep.method == *method && ep.path == *path {
            let field = ep
                .params
                .iter_mut()
                .map(|(_, f)| f)
                .find(|f| f.wire == *wire)
                .ok_or_else(|| {
                    format!("EMPTY_STRUCT_IS_STRING: {method} {path} has no `{wire}`")
                })?;
            let empty = matches!(&field.ty, Ty::Named(n)
                if types.get(n).is_some_and(|t| t.fields.is_empty() && !t.custom_json));
            if !empty {
                return Err(format!(
                    "EMPTY_STRUCT_IS_STRING: {method} {path} `{wire}` is no longer an empty struct"
                ));
            }
            field.ty = Ty::String;
            field.ty_text = "string".to_owned();
            field.required = true;
        }
    }
    for (method, path, request, answer, _why) in CURSOR_PAGES {
        if ep.method == *method && ep.path == *path {
            if ep.pagination.is_some() {
                return Err(format!(
                    "CURSOR_PAGES: {method} {path} is paginated in the facts now"
                ));
            }
            let takes = ep
                .params
                .iter()
                .any(|(w, f)| *w == Where::Query && f.wire == *request && f.ty == Ty::String);
            let gives =
                |wire: &str, ty: Ty| ep.response.iter().any(|f| f.wire == wire && f.ty == ty);
            if !takes || !gives(answer, Ty::String) || !gives("has_more", Ty::Bool) {
                return Err(format!(
                    "CURSOR_PAGES: {method} {path} lacks `{request}`, `{answer}` or `has_more`"
                ));
            }
            ep.pagination = Some(Pagination {
                request_token: (*request).to_owned(),
                token_in_body: false,
                response_token: (*answer).to_owned(),
                has_more: Some("has_more".to_owned()),
            });
        }
    }
    for (method, path, wire, _why) in NOT_REQUIRED {
        if ep.method == *method && ep.path == *path {
            let field = ep
                .params
                .iter_mut()
                .map(|(_, f)| f)
                .find(|f| f.wire == *wire)
                .ok_or_else(|| format!("NOT_REQUIRED: {method} {path} has no `{wire}`"))?;
            field.required = false;
        }
    }
    Ok(())
}

/// Whether a header parameter of the facts is an HTTP header. The facts' real headers are
/// spelled as HTTP headers are (`X-Aily-BizUserID`, `Prefer`); a "header" in lower snake case,
/// or of a structured type, is the Go SDK's tag on a body field: approval's `message/send`
/// tags its 16 parameters `header:"template_id"`, ... while its documentation has them all in
/// the JSON request body (`content`, `actions`, `i18n_resources` are objects and lists, which
/// no header carries).
fn is_http_header(f: &Field) -> bool {
    f.ty.is_scalar() && f.wire.chars().any(|c| c.is_ascii_uppercase() || c == '-')
}

fn headers_to_body(ep: &mut Endpoint) -> Result<(), String> {
    let misplaced = ep
        .params
        .iter()
        .any(|(w, f)| *w == Where::Header && !is_http_header(f));
    if !misplaced {
        return Ok(());
    }
    match ep.body {
        BodyKind::None => ep.body = BodyKind::Json,
        BodyKind::Json => {}
        BodyKind::Multipart => {
            return Err(format!(
                "{}.{}: header parameters that are body fields of a multipart body",
                ep.service, ep.name
            ));
        }
    }
    for (place, f) in &mut ep.params {
        if *place == Where::Header && !is_http_header(f) {
            *place = Where::Body;
        }
    }
    Ok(())
}

/// A multipart body without a file part whose facts type a field as an empty struct: that
/// field is the file part. okr's `images/upload` documents `data` as "图片, 示例值: file
/// binary" (the image file, required); the Go SDK declares it `*UploadOKRImageReqData`, a
/// struct with no fields, and so sent `{}` as a text field and no file at all.
fn file_parts(ep: &mut Endpoint, types: &BTreeMap<String, TypeDef>) -> Result<(), String> {
    if ep.body != BodyKind::Multipart
        || ep
            .params
            .iter()
            .any(|(w, f)| *w == Where::Body && f.ty == Ty::Binary)
    {
        return Ok(());
    }
    let empty: Vec<usize> = ep
        .params
        .iter()
        .enumerate()
        .filter(|(_, (w, f))| {
            *w == Where::Body
                && matches!(&f.ty, Ty::Named(n)
                    if types.get(n).is_some_and(|t| t.fields.is_empty() && !t.custom_json))
        })
        .map(|(i, _)| i)
        .collect();
    match empty.as_slice() {
        [i] => {
            let f = &mut ep.params[*i].1;
            f.ty = Ty::Binary;
            f.ty_text = "binary".to_owned();
            // An upload without its file cannot succeed.
            f.required = true;
            Ok(())
        }
        [] => Err(format!(
            "{}.{}: a multipart body without a file part",
            ep.service, ep.name
        )),
        _ => Err(format!(
            "{}.{}: several empty structs could be the file part",
            ep.service, ep.name
        )),
    }
}

/// JSON body fields the facts type as a struct with no fields where the documentation has a
/// string: `(method, path, field, why)`. The Go SDK's empty struct serialises as `{}`, which the
/// platform refuses, so the request could not be made at all.
const EMPTY_STRUCT_IS_STRING: &[(&str, &str, &str, &str)] = &[(
    "POST",
    "/open-apis/cardkit/v1/cards",
    "data",
    "\"data string 是 卡片数据\" (the card JSON, as a string, matching `type`; required)",
)];

/// Parameters the facts mark required (a non-pointer Go field) where the documentation makes
/// them one of several: `(method, path, field, why)`.
const NOT_REQUIRED: &[(&str, &str, &str, &str)] = &[
    (
        "POST",
        "/open-apis/approval/v1/message/send",
        "user_id",
        "\"user_id 和 open_id 需至少传入一个\" (at least one of user_id and open_id)",
    ),
    (
        "POST",
        "/open-apis/approval/v1/message/send",
        "open_id",
        "\"user_id 和 open_id 需至少传入一个\" (at least one of user_id and open_id)",
    ),
];

/// Field names that say what they are: wherever the facts have one, the documentation
/// describes it as the request's idempotency key.
const KEY_NAMES: &[(&str, &str)] = &[
    (
        "client_token",
        "client_token: \"根据client_token是否一致来判断是否为同一请求\" / \"幂等标识\" / \"用于幂等的进行更新操作\" / \"幂等token\"",
    ),
    (
        "idempotency_key",
        "idempotency_key: \"创建日程的幂等key ... 用于避免重复创建资源\"",
    ),
    (
        "idempotent_id",
        "idempotent_id: \"幂等 ID ... 同一会话下相同的幂等 ID 视为同一个消息（72h）\"",
    ),
    (
        "idempotent_key",
        "idempotent_key: \"幂等键（建议本地生成uuid传入, 重复的话请求会报错）\"",
    ),
    ("dedupe_key", "dedupe_key: \"去重键\""),
];

/// `uuid` names many things (a device's mainboard UUID, an attachment id), so it is a key only
/// where the documentation says so: `(method, path, why)`.
const UUID_KEYS: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/open-apis/im/v1/messages",
        "uuid: \"用于发送消息请求去重；持有相同 uuid 的请求 1 小时内至多成功发送一条消息\"",
    ),
    (
        "POST",
        "/open-apis/im/v1/messages/:message_id/reply",
        "uuid: \"用于回复消息请求去重；持有相同 uuid 的请求 1 小时内至多成功回复一条消息\"",
    ),
    (
        "POST",
        "/open-apis/im/v1/messages/:message_id/forward",
        "uuid: \"用于转发消息请求去重；持有相同uuid的请求在1小时内向同一个目标的转发只可成功一次\"",
    ),
    (
        "POST",
        "/open-apis/im/v1/messages/merge_forward",
        "uuid: \"用于请求去重；持有相同uuid的请求在1小时内向同一个目标的合并转发只可成功一次\"",
    ),
    (
        "POST",
        "/open-apis/im/v1/threads/:thread_id/forward",
        "uuid: \"用于请求去重；持有相同uuid的请求在1小时内向同一个目标的转发只可成功一次\"",
    ),
    (
        "POST",
        "/open-apis/im/v1/chats",
        "uuid: \"用于创建群组请求去重；持有相同 uuid 的请求 10 小时内只可成功创建 1 个群聊\"",
    ),
    (
        "POST",
        "/approval/openapi/v2/instance/create",
        "uuid: \"审批实例 uuid，用于幂等操作，同一个 uuid 只能用于创建一个审批实例\"",
    ),
    (
        "POST",
        "/open-apis/approval/v4/instances",
        "uuid: \"审批实例 uuid，用于幂等操作，同一个 uuid 只能用于创建一个审批实例\"",
    ),
    (
        "POST",
        "/open-apis/approval/v1/message/send",
        "uuid: \"自定义的幂等 ID ... UUID 相同的请求, 1 小时内只会发送一次审批 Bot 消息\"",
    ),
    (
        "POST",
        "/open-apis/cardkit/v1/cards/:card_id/batch_update",
        "uuid: \"幂等 ID, 可通过传入唯一的 UUID 以保证相同批次的操作只进行一次\"",
    ),
    (
        "PUT",
        "/open-apis/cardkit/v1/cards/:card_id",
        "uuid: \"幂等 ID, 可通过传入唯一的 UUID 以保证相同批次的操作只进行一次\"",
    ),
    (
        "PATCH",
        "/open-apis/cardkit/v1/cards/:card_id/settings",
        "uuid: \"幂等 ID, 可通过传入唯一的 UUID 以保证相同批次的操作只进行一次\"",
    ),
    (
        "POST",
        "/open-apis/cardkit/v1/cards/:card_id/elements",
        "uuid: \"幂等 ID, 可通过传入唯一的 UUID 以保证相同批次的操作只进行一次\"",
    ),
    (
        "PUT",
        "/open-apis/cardkit/v1/cards/:card_id/elements/:element_id",
        "uuid: \"幂等 ID, 可通过传入唯一的 UUID 以保证相同批次的操作只进行一次\"",
    ),
    (
        "PATCH",
        "/open-apis/cardkit/v1/cards/:card_id/elements/:element_id",
        "uuid: \"幂等 ID, 可通过传入唯一的 UUID 以保证相同批次的操作只进行一次\"",
    ),
    (
        "PUT",
        "/open-apis/cardkit/v1/cards/:card_id/elements/:element_id/content",
        "uuid: \"幂等 ID, 可通过传入唯一的 UUID 以保证相同批次的操作只进行一次\"",
    ),
    (
        "DELETE",
        "/open-apis/cardkit/v1/cards/:card_id/elements/:element_id",
        "uuid: \"幂等 ID, 可通过传入唯一的 UUID 以保证相同批次的操作只进行一次\"",
    ),
];

/// Where `uuid` is not an idempotency key, and filling it with a random value breaks the call:
/// `(method, path, what it is)`.
/// Endpoints node-sdk 1.74 iterates by `page_token` (`listWithIterator`) that the facts'
/// page rule misses: their request takes `page_token` but their answer in the facts (and in
/// node-sdk's types) lists neither `has_more` nor `page_token`, which node-sdk's iterator reads
/// at run time. They page like the rest; the two answer fields are added (as every answer
/// field, optional).
const NODE_ITERATED: &[(&str, &str)] = &[
    (
        "GET",
        "/open-apis/approval/v4/instances/:instance_id/comments",
    ),
    ("GET", "/open-apis/corehr/v2/workforce_plans"),
    (
        "GET",
        "/open-apis/mail/v1/user_mailboxes/:user_mailbox_id/aliases",
    ),
];

/// Pages the endpoints of [`NODE_ITERATED`]; errors when the list and the facts disagree (an
/// endpoint node-sdk iterates by `page_token` that pages nowhere, or an entry that no longer
/// fits).
pub(crate) fn node_iterators(endpoints: &mut [Endpoint]) -> Result<(), String> {
    for ep in endpoints.iter_mut() {
        let listed = NODE_ITERATED
            .iter()
            .any(|(m, p)| ep.method == *m && ep.path == *p);
        let takes_token = ep
            .params
            .iter()
            .any(|(w, f)| *w == Where::Query && f.wire == "page_token" && f.ty == Ty::String);
        let missed = ep.official.iterator && ep.pagination.is_none() && takes_token;
        if listed != missed {
            return Err(format!(
                "NODE_ITERATED: {} {} {}",
                ep.method,
                ep.path,
                if listed {
                    "no longer fits (paged already, not iterated by node-sdk, or no page_token)"
                } else {
                    "is iterated by node-sdk by page_token: list it"
                }
            ));
        }
        if !listed {
            continue;
        }
        for (wire, ty, text) in [
            ("has_more", Ty::Bool, "bool"),
            ("page_token", Ty::String, "string"),
        ] {
            if ep.response.iter().any(|f| f.wire == wire) {
                return Err(format!(
                    "NODE_ITERATED: {} {} answers `{wire}` now",
                    ep.method, ep.path
                ));
            }
            ep.response.push(Field {
                wire: wire.to_owned(),
                ident: wire.to_owned(),
                ty_text: text.to_owned(),
                ty,
                required: false,
            });
        }
        ep.pagination = Some(Pagination {
            request_token: "page_token".to_owned(),
            token_in_body: false,
            response_token: "page_token".to_owned(),
            has_more: Some("has_more".to_owned()),
        });
    }
    Ok(())
}

/// Endpoints that page with a cursor of their own instead of `page_token`: the method, the
/// path, the query parameter taking the cursor, the answer field giving the next one, and why.
/// (The answer says `has_more` too.)
const CURSOR_PAGES: &[(&str, &str, &str, &str, &str)] = &[(
    "GET",
    "/open-apis/vc/v1/notes/:note_id/unified_note_transcript",
    "cursor_id",
    "next_cursor_id",
    "node-sdk 1.74 iterates it (`unifiedNoteTranscriptWithIterator`) by `cursor_id` / \
     `next_cursor_id`; the facts' page_token rule cannot see it",
)];

const UUID_NOT_KEYS: &[(&str, &str, &str)] = &[
    (
        "POST",
        "/open-apis/security_and_compliance/v2/device_records",
        "the device's mainboard UUID (\"主板UUID\"), a hardware id",
    ),
    (
        "GET",
        "/open-apis/security_and_compliance/v2/device_records",
        "a filter on the device's mainboard UUID (\"主板UUID\")",
    ),
    (
        "POST",
        "/open-apis/hire/v1/exams",
        "the report's attachment id (\"报告附件 ID, 可通过创建附件上传\")",
    ),
    (
        "POST",
        "/open-apis/vc/v1/bots/message",
        "no source describes it (node-sdk 1.74 types it bare and the answer echoes it): the SDK does not invent one",
    ),
];

/// Decides every endpoint's idempotency key: a string parameter the client can fill (a query
/// parameter or a top-level field of a JSON body) named in [`KEY_NAMES`], or a `uuid` on
/// [`UUID_KEYS`]. A `uuid` on neither list is an error: someone must read its documentation.
pub(crate) fn idempotency(endpoints: &mut [Endpoint]) -> Result<(), String> {
    let mut used: BTreeSet<(&str, &str)> = BTreeSet::new();
    for ep in endpoints.iter_mut() {
        ep.idempotency_key = key_of(ep, &mut used)?;
    }
    for (m, p, _) in UUID_KEYS.iter().chain(UUID_NOT_KEYS) {
        if !used.contains(&(*m, *p)) {
            return Err(format!(
                "{m} {p} is listed for its `uuid` but has no fillable `uuid`"
            ));
        }
    }
    for (m, p, _, _, _) in CURSOR_PAGES {
        if !endpoints.iter().any(|e| e.method == *m && e.path == *p) {
            return Err(format!("CURSOR_PAGES: no endpoint {m} {p}"));
        }
    }
    for (m, p, _, _) in NOT_REQUIRED {
        if !endpoints.iter().any(|e| e.method == *m && e.path == *p) {
            return Err(format!("NOT_REQUIRED: no endpoint {m} {p}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::model::{self, Ty};

    fn endpoint(method: &str, path: &str, query: &str, headers: &str, body: &str) -> Endpoint {
        let json: serde_json::Value = serde_json::from_str(&format!(
            r#"{{"service": "s", "name": "N", "method": "{method}", "path": "{path}",
                "tokens": ["tenant"], "path_params": [], "query": [{query}], "headers": [{headers}],
                "body": {body}, "response": {{"kind": "json", "envelope": "data", "fields": []}}}}"#
        ))
        .expect("test endpoint JSON");
        model::endpoint(&json).expect("test endpoint")
    }

    fn field(name: &str, ty: &str, required: bool) -> String {
        format!(r#"{{"name": "{name}", "type": "{ty}", "required": {required}}}"#)
    }

    fn no_body() -> String {
        r#"{"kind": "none", "fields": []}"#.to_owned()
    }

    #[test]
    fn uuid_is_a_key_only_where_documented() {
        let mut used = BTreeSet::new();
        // A device's mainboard UUID, as a list filter.
        let list = endpoint(
            "GET",
            "/open-apis/security_and_compliance/v2/device_records",
            &field("uuid", "string", false),
            "",
            &no_body(),
        );
        assert!(key_of(&list, &mut used).unwrap().is_none());
        // Message sending: de-duplicated by it.
        let send = endpoint(
            "POST",
            "/open-apis/im/v1/messages",
            "",
            "",
            &format!(
                r#"{{"kind": "json", "fields": [{}]}}"#,
                field("uuid", "string", false)
            ),
        );
        let key = key_of(&send, &mut used).unwrap().expect("a key");
        assert_eq!((key.place, key.wire.as_str()), (Where::Body, "uuid"));
        // A `uuid` nobody has read the documentation of.
        let unknown = endpoint(
            "POST",
            "/open-apis/x/v1/y",
            &field("uuid", "string", false),
            "",
            &no_body(),
        );
        let err = key_of(&unknown, &mut used).unwrap_err();
        assert!(err.contains("UUID_KEYS"), "{err}");
        // A name that says what it is, wherever the client can fill it.
        let token = endpoint(
            "POST",
            "/open-apis/x/v1/z",
            &field("client_token", "string", false),
            "",
            &no_body(),
        );
        let key = key_of(&token, &mut used).unwrap().expect("a key");
        assert_eq!(
            (key.place, key.wire.as_str()),
            (Where::Query, "client_token")
        );
        let header = endpoint(
            "POST",
            "/open-apis/x/v1/z",
            "",
            &field("X-Client-Token", "string", false),
            &no_body(),
        );
        assert!(key_of(&header, &mut used).unwrap().is_none());
    }

    #[test]
    fn header_tags_that_are_not_headers_are_body_fields() {
        let mut ep = endpoint(
            "POST",
            "/open-apis/approval/v1/message/send",
            "",
            &[
                field("template_id", "string", true),
                field("content", "Content", false),
                field("X-Aily-BizUserID", "string", false),
                field("Prefer", "string", false),
            ]
            .join(", "),
            &no_body(),
        );
        headers_to_body(&mut ep).unwrap();
        assert_eq!(ep.body, BodyKind::Json);
        let places: Vec<(&str, Where)> = ep
            .params
            .iter()
            .map(|(w, f)| (f.wire.as_str(), *w))
            .collect();
        assert_eq!(
            places,
            [
                ("template_id", Where::Body),
                ("content", Where::Body),
                ("X-Aily-BizUserID", Where::Header),
                ("Prefer", Where::Header)
            ]
        );
    }

    #[test]
    fn an_empty_struct_in_a_form_without_a_file_is_the_file() {
        let mut ep = endpoint(
            "POST",
            "/open-apis/okr/v1/images/upload",
            "",
            "",
            &format!(
                r#"{{"kind": "multipart", "fields": [{}, {}]}}"#,
                field("data", "Data", false),
                field("target_id", "string", true)
            ),
        );
        let types: BTreeMap<String, TypeDef> = [(
            "Data".to_owned(),
            TypeDef {
                key: String::new(),
                name: "Data".to_owned(),
                fields: Vec::new(),
                usage: model::Usage::Request,
                custom_json: false,
            },
        )]
        .into();
        file_parts(&mut ep, &types).unwrap();
        let data = &ep.params[0].1;
        assert_eq!((data.ty.clone(), data.required), (Ty::Binary, true));
        assert_eq!(ep.params[1].1.ty, Ty::String);
    }

    /// The readings of the real facts, when they are at hand.
    #[test]
    fn the_facts_read_as_documented() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec/lark-api-union.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let model = crate::api::load::model(&json).unwrap();
        let find = |service: &str, name: &str| {
            model
                .endpoints
                .iter()
                .find(|e| e.service == service && e.name == name)
                .unwrap_or_else(|| panic!("{service}.{name}"))
        };
        let key = |service: &str, name: &str| {
            find(service, name)
                .idempotency_key
                .as_ref()
                .map(|k| (k.place, k.wire.clone()))
        };
        assert_eq!(
            key(
                "security_and_compliance",
                "ListSecurityAndComplianceDeviceRecord"
            ),
            None
        );
        assert_eq!(
            key(
                "security_and_compliance",
                "CreateSecurityAndComplianceDeviceRecord"
            ),
            None
        );
        assert_eq!(key("hire", "CreateHireExam"), None);
        assert_eq!(
            key("message", "SendRawMessage"),
            Some((Where::Body, "uuid".into()))
        );
        assert_eq!(
            key("chat", "CreateChat"),
            Some((Where::Query, "uuid".into()))
        );
        assert_eq!(
            key("approval", "SendApprovalMessage"),
            Some((Where::Body, "uuid".into()))
        );

        let send = find("approval", "SendApprovalMessage");
        assert_eq!(send.body, BodyKind::Json);
        assert_eq!(send.in_(Where::Header).count(), 0);
        assert_eq!(send.in_(Where::Body).count(), 16);
        let upload = find("okr", "UploadOKRImage");
        assert!(
            upload
                .in_(Where::Body)
                .any(|f| f.wire == "data" && f.ty == Ty::Binary)
        );

        let mut get_with_body: Vec<String> = model
            .endpoints
            .iter()
            .filter(|e| e.get_with_body())
            .map(|e| format!("{}.{}", e.service, e.name))
            .collect();
        get_with_body.sort();
        assert_eq!(
            get_with_body,
            [
                "approval.GetApprovalExternalList",
                "attendance.GetAttendanceLeaveEmployExpireRecord",
                "attendance.GetAttendanceUserSettingList",
                "drive.GetDriveFileSubscription",
                "helpdesk.GetHelpdeskTicketCustomizedFieldList",
                // A GET with a body in both official SDKs (the union's `common`).
                "mdm.GetMDMBatchCountryRegion",
                "mdm.ListMDMCountryRegion",
            ]
        );
        let custom: Vec<&str> = model
            .types
            .values()
            .filter(|t| t.custom_json)
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(custom.len(), 6, "{custom:?}");
    }
}
