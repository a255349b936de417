//! Generation of the npm package's endpoint catalog and TypeScript types.
//!
//! Two files under `bindings/wasm/npm/src/generated/`:
//! - `catalog.js`: one compact row per endpoint, `[method, path, tokens, flags, envelope]`,
//!   which the JavaScript layer turns into `client.<service>.<method>(params)` and hands to
//!   the wasm core. No per-endpoint code is compiled into the wasm.
//! - `api.d.ts`: the parameter and result types of every endpoint, and every named type of
//!   the facts, so `client.message.sendRawMessage({...})` is checked by TypeScript.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::output::Output;

const DIR: &str = "bindings/wasm/npm/src/generated";
use crate::output::HEADER;

/// Token bits of a catalog row.
const TOKEN_TENANT: u32 = 1;
const TOKEN_USER: u32 = 2;
const TOKEN_APP: u32 = 4;
/// Flag bits of a catalog row; `bindings/wasm/src/client.rs` and `npm/src/client.js` read them.
const FLAG_HELPDESK: u32 = 1;
const FLAG_WWW: u32 = 2;
const FLAG_BINARY: u32 = 4;
const FLAG_MULTIPART: u32 = 8;
const FLAG_PAGINATED: u32 = 16;
const FLAG_JSON_BODY: u32 = 32;
/// The idempotency key (the row's sixth entry names it) is a query parameter.
const FLAG_KEY_QUERY: u32 = 64;
/// The idempotency key (the row's sixth entry names it) is a field of the JSON body.
const FLAG_KEY_BODY: u32 = 128;

/// The idempotency keys of the Rust model, by `(method, path)`.
type Keys = std::collections::BTreeMap<(String, String), crate::api::KeyPlace>;

/// Members of `LarkClient` that a service name must not shadow.
const RESERVED: [&str; 11] = [
    "request",
    "events",
    "on",
    "pages",
    "tenantAccessToken",
    "appAccessToken",
    "setAppTicket",
    "handleEvent",
    "verifyAndDecrypt",
    "constructor",
    "free",
];

pub(crate) fn generate(facts: &Path, out: &mut Output) -> Result<(), String> {
    let path = facts.join("lark-api.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let spec: Value = serde_json::from_str(&text).map_err(|e| format!("lark-api.json: {e}"))?;
    // The keys are the Rust model's decision (lark-codegen's readings), not read again here.
    let keys = crate::api::idempotency_keys(facts)?;
    let (catalog, types) = render(&spec, &keys)?;
    out.own_dir(DIR);
    out.file(&format!("{DIR}/catalog.js"), &catalog)?;
    out.file(&format!("{DIR}/api.d.ts"), &types)
}

struct Endpoint<'a> {
    service: String,
    method: String,
    raw: &'a Value,
}

fn str_field<'a>(value: &'a Value, name: &str) -> Result<&'a str, String> {
    value
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("missing string `{name}` in {value}"))
}

fn list<'a>(value: &'a Value, name: &str) -> &'a [Value] {
    value
        .get(name)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// `SendRawMessage` → `sendRawMessage`, `meeting_room` → `meetingRoom`.
fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for (i, c) in name.chars().enumerate() {
        if c == '_' {
            upper = true;
        } else if i == 0 {
            out.extend(c.to_lowercase());
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `meeting_room` → `MeetingRoom`.
fn pascal(name: &str) -> String {
    let camel = camel(name);
    let mut chars = camel.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn js_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn property(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        js_string(name)
    }
}

/// The TypeScript spelling of a facts type. `request` picks the input forms (a file part
/// accepts several shapes; an i64 may be given as a string).
fn ts_type(ty: &str, request: bool, names: &BTreeSet<String>) -> Result<String, String> {
    let ty = ty.trim();
    if let Some(inner) = ty.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
        let inner = ts_type(inner, request, names)?;
        return Ok(if inner.contains(' ') {
            format!("Array<{inner}>")
        } else {
            format!("{inner}[]")
        });
    }
    if let Some(inner) = ty.strip_prefix("map<").and_then(|t| t.strip_suffix('>')) {
        let (_, value) = inner
            .split_once(',')
            .ok_or_else(|| format!("malformed map type `{ty}`"))?;
        return Ok(format!(
            "Record<string, {}>",
            ts_type(value, request, names)?
        ));
    }
    Ok(match ty {
        "string" => "string".to_owned(),
        "bool" => "boolean".to_owned(),
        "i32" | "f64" => "number".to_owned(),
        "i64" if request => "number | string".to_owned(),
        "i64" => "number".to_owned(),
        "any" => "unknown".to_owned(),
        _ if ty.starts_with("binary") => {
            if request {
                "FileInput".to_owned()
            } else {
                "Uint8Array".to_owned()
            }
        }
        named if names.contains(named) => named.to_owned(),
        other => return Err(format!("unknown type `{other}`")),
    })
}

/// `{ a: T; b?: U }` for a list of facts fields.
fn object(
    fields: &[Value],
    request: bool,
    names: &BTreeSet<String>,
    indent: &str,
) -> Result<String, String> {
    if fields.is_empty() {
        return Ok("Record<string, never>".to_owned());
    }
    let mut out = String::from("{\n");
    for field in fields {
        let name = str_field(field, "name")?;
        let ty = ts_type(str_field(field, "type")?, request, names)?;
        let required = request && field.get("required").and_then(Value::as_bool) == Some(true);
        let _ = writeln!(
            out,
            "{indent}  {}{}: {ty};",
            property(name),
            if required { "" } else { "?" }
        );
    }
    out.push_str(indent);
    out.push('}');
    Ok(out)
}

fn any_required(fields: &[Value]) -> bool {
    fields
        .iter()
        .any(|f| f.get("required").and_then(Value::as_bool) == Some(true))
}

fn render(spec: &Value, keys: &Keys) -> Result<(String, String), String> {
    let types = spec
        .get("types")
        .and_then(Value::as_object)
        .ok_or("lark-api.json has no `types`")?;
    let names: BTreeSet<String> = types.keys().cloned().collect();
    let mut services: BTreeMap<String, BTreeMap<String, Endpoint<'_>>> = BTreeMap::new();
    for raw in list(spec, "endpoints") {
        let service = camel(str_field(raw, "service")?);
        if RESERVED.contains(&service.as_str()) {
            return Err(format!(
                "service `{service}` clashes with a LarkClient member"
            ));
        }
        let method = camel(str_field(raw, "name")?);
        let endpoint = Endpoint {
            service: service.clone(),
            method: method.clone(),
            raw,
        };
        if services
            .entry(service.clone())
            .or_default()
            .insert(method.clone(), endpoint)
            .is_some()
        {
            return Err(format!("two endpoints are named {service}.{method}"));
        }
    }
    let count: usize = services.values().map(BTreeMap::len).sum();

    let mut catalog = format!(
        "{HEADER}\n// {count} endpoints from lark-api.json. A row is [method, path, tokens, flags, envelope]:\n\
         // tokens: tenant {TOKEN_TENANT}, user {TOKEN_USER}, app {TOKEN_APP} (any one); flags: helpdesk {FLAG_HELPDESK}, www host {FLAG_WWW},\n\
         // binary answer {FLAG_BINARY}, multipart body {FLAG_MULTIPART}, paginated {FLAG_PAGINATED}, JSON body {FLAG_JSON_BODY},\n\
         // idempotency key in the query {FLAG_KEY_QUERY} / in the body {FLAG_KEY_BODY} (named by a sixth entry); envelope: the answer's key,\n\
         // \"data\" when the row has four entries, null when the fields sit at the top level.\n\
         export const CATALOG = {{\n"
    );
    let mut dts = format!(
        "{HEADER}\n// The parameter and result types of the {count} endpoints of lark-api.json.\n\n\
         import type {{ CallOptions, Download, FileInput, Paged }} from \"../index.js\";\n\n\
         /** Any JSON value. */\n\
         export type JsonValue = string | number | boolean | null | JsonValue[] | {{ [key: string]: JsonValue }};\n\n"
    );
    let mut services_ts = String::from(
        "/** Every endpoint, by service: `client.<service>.<method>(params)`. */\nexport interface Services {\n",
    );
    let mut params_ts = String::new();

    for (service, endpoints) in &services {
        let _ = writeln!(catalog, "  {}: {{", property(service));
        let _ = writeln!(services_ts, "  {}: {{", property(service));
        for endpoint in endpoints.values() {
            let (row, decl, params) = endpoint_row(endpoint, &names, keys)?;
            let _ = writeln!(catalog, "    {}: {row},", property(&endpoint.method));
            services_ts.push_str(&decl);
            params_ts.push_str(&params);
        }
        catalog.push_str("  },\n");
        services_ts.push_str("  };\n");
    }
    catalog.push_str("};\n");
    let _ = writeln!(
        catalog,
        "\n// The bits of a row, by name: `row[3] & FLAGS.www` marks the endpoints served by the www host\n\
         // (https://www.feishu.cn rather than https://open.feishu.cn).\n\
         export const TOKENS = {{ tenant: {TOKEN_TENANT}, user: {TOKEN_USER}, app: {TOKEN_APP} }};\n\
         export const FLAGS = {{ helpdesk: {FLAG_HELPDESK}, www: {FLAG_WWW}, binary: {FLAG_BINARY}, multipart: {FLAG_MULTIPART}, paginated: {FLAG_PAGINATED}, jsonBody: {FLAG_JSON_BODY}, keyInQuery: {FLAG_KEY_QUERY}, keyInBody: {FLAG_KEY_BODY} }};"
    );
    services_ts.push_str("}\n\n");
    dts.push_str(&services_ts);
    dts.push_str(&params_ts);

    for (name, ty) in types {
        if names_clash(name, &services) {
            return Err(format!(
                "type `{name}` clashes with a generated params type"
            ));
        }
        let usage = ty.get("usage").and_then(Value::as_str).unwrap_or("both");
        let fields = list(ty, "fields");
        let request = usage != "response";
        let custom = ty.get("custom_json").and_then(Value::as_bool) == Some(true);
        if custom {
            // Its fields are a Go SDK's view of a value it parses by hand, not the wire form
            // (a sheet cell is a bare string, number, boolean, null, or rich segments).
            let _ = writeln!(
                dts,
                "/** Has a hand-written JSON form on the platform (`custom_json`): any JSON value. */\nexport type {name} = JsonValue;\n"
            );
            continue;
        }
        let body = object(fields, request, &names, "")?;
        if body == "Record<string, never>" {
            let _ = writeln!(dts, "export type {name} = Record<string, unknown>;\n");
        } else {
            let _ = writeln!(dts, "export interface {name} {body}\n");
        }
    }
    Ok((catalog, dts))
}

fn names_clash(name: &str, services: &BTreeMap<String, BTreeMap<String, Endpoint<'_>>>) -> bool {
    services.iter().any(|(service, endpoints)| {
        endpoints.values().any(|e| {
            let stem = format!("{}{}", pascal(service), pascal(&e.method));
            name == format!("{stem}Params") || name == format!("{stem}Result")
        })
    })
}

/// The catalog row, the method declaration and the params/result types of one endpoint.
fn endpoint_row(
    endpoint: &Endpoint<'_>,
    names: &BTreeSet<String>,
    keys: &Keys,
) -> Result<(String, String, String), String> {
    let raw = endpoint.raw;
    let method = str_field(raw, "method")?;
    let path = str_field(raw, "path")?;
    let mut tokens = 0;
    let mut flags = 0;
    for token in list(raw, "tokens") {
        match token.as_str() {
            Some("tenant") => tokens |= TOKEN_TENANT,
            Some("user") => tokens |= TOKEN_USER,
            Some("app") => tokens |= TOKEN_APP,
            Some("helpdesk") => flags |= FLAG_HELPDESK,
            other => return Err(format!("{path}: unknown token kind {other:?}")),
        }
    }
    if raw.get("base").and_then(Value::as_str) == Some("www") {
        flags |= FLAG_WWW;
    }
    let body = raw.get("body").ok_or_else(|| format!("{path}: no body"))?;
    let body_fields = list(body, "fields");
    match body.get("kind").and_then(Value::as_str) {
        Some("json") => flags |= FLAG_JSON_BODY,
        Some("multipart") => flags |= FLAG_MULTIPART,
        Some("none") => {}
        other => return Err(format!("{path}: unknown body kind {other:?}")),
    }
    let response = raw
        .get("response")
        .ok_or_else(|| format!("{path}: no response"))?;
    let binary = response.get("kind").and_then(Value::as_str) == Some("binary");
    if binary {
        flags |= FLAG_BINARY;
    }
    let paginated = raw.get("paginated").and_then(Value::as_bool) == Some(true);
    if paginated {
        flags |= FLAG_PAGINATED;
    }
    let key = keys.get(&(method.to_owned(), path.to_owned()));
    if let Some((in_query, _)) = key {
        flags |= if *in_query {
            FLAG_KEY_QUERY
        } else {
            FLAG_KEY_BODY
        };
    }
    let mut envelope = match response.get("envelope").and_then(Value::as_str) {
        None | Some("data") => String::new(),
        Some("none") => ", null".to_owned(),
        Some(key) => format!(", {}", js_string(key)),
    };
    if let Some((_, name)) = key {
        if envelope.is_empty() {
            envelope.push_str(", \"data\"");
        }
        let _ = write!(envelope, ", {}", js_string(name));
    }
    let row = format!(
        "[{}, {}, {tokens}, {flags}{envelope}]",
        js_string(method),
        js_string(path)
    );

    let stem = format!("{}{}", pascal(&endpoint.service), pascal(&endpoint.method));
    let path_params = list(raw, "path_params");
    let query = list(raw, "query");
    let mut params = format!(
        "/** Parameters of `{}.{}`. */\nexport interface {stem}Params {{\n",
        endpoint.service, endpoint.method
    );
    let mut params_required = false;
    if !path_params.is_empty() {
        params_required = true;
        let _ = writeln!(
            params,
            "  path: {};",
            object(path_params, true, names, "  ")?
        );
    }
    if !query.is_empty() {
        let required = any_required(query);
        params_required |= required;
        let _ = writeln!(
            params,
            "  query{}: {};",
            if required { "" } else { "?" },
            object(query, true, names, "  ")?
        );
    }
    if flags & (FLAG_JSON_BODY | FLAG_MULTIPART) != 0 {
        let required = any_required(body_fields);
        params_required |= required;
        let _ = writeln!(
            params,
            "  body{}: {};",
            if required { "" } else { "?" },
            object(body_fields, true, names, "  ")?
        );
    }
    params.push_str("}\n");
    let result = if binary {
        "Download".to_owned()
    } else {
        format!("{stem}Result")
    };
    if !binary {
        let fields = list(response, "fields");
        let _ = writeln!(
            params,
            "/** Result of `{}.{}`. */\nexport type {stem}Result = {};",
            endpoint.service,
            endpoint.method,
            object(fields, false, names, "")?
        );
    }
    params.push('\n');
    let result = if paginated {
        format!("Paged<{result}>")
    } else {
        result
    };
    let doc = raw.get("doc_url").and_then(Value::as_str).unwrap_or("");
    let decl = format!(
        "    /** `{method} {path}`{}{} */\n    {}(params{}: {stem}Params, options?: CallOptions): Promise<{result}>;\n",
        if doc.is_empty() { "" } else { "\n     * @see " },
        doc,
        property(&endpoint.method),
        if params_required { "" } else { "?" },
    );
    Ok((row, decl, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("SendRawMessage"), "sendRawMessage");
        assert_eq!(camel("meeting_room"), "meetingRoom");
        assert_eq!(pascal("meeting_room"), "MeetingRoom");
        assert_eq!(property("a-b"), "\"a-b\"");
        assert_eq!(property("a_b"), "a_b");
    }

    #[test]
    fn types() {
        let names: BTreeSet<String> = ["User".to_owned()].into();
        assert_eq!(ts_type("list<User>", false, &names).unwrap(), "User[]");
        assert_eq!(
            ts_type("list<i64>", true, &names).unwrap(),
            "Array<number | string>"
        );
        assert_eq!(
            ts_type("map<string,any>", false, &names).unwrap(),
            "Record<string, unknown>"
        );
        assert_eq!(
            ts_type(
                "binary (multipart file part / downloaded bytes)",
                true,
                &names
            )
            .unwrap(),
            "FileInput"
        );
        assert!(ts_type("Nope", false, &names).is_err());
    }

    /// Every endpoint of the facts served by the www host carries the www bit in the npm
    /// package's table, and no other does.
    #[test]
    fn the_table_marks_the_www_endpoints() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/api-facts/lark-api.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("{} is absent; skipped", path.display());
            return;
        };
        let spec: Value = serde_json::from_str(&text).unwrap();
        let expected: BTreeSet<String> = list(&spec, "endpoints")
            .iter()
            .filter(|e| e.get("base").and_then(Value::as_str) == Some("www"))
            .map(|e| str_field(e, "path").unwrap().to_owned())
            .collect();
        assert_eq!(expected.len(), 16);
        let (catalog, _) = render(&spec, &Keys::new()).unwrap();
        let mut www = BTreeSet::new();
        for line in catalog.lines() {
            let Some((_, row)) = line.split_once(": [") else {
                continue;
            };
            let cells: Vec<&str> = row.trim_end_matches("],").split(", ").collect();
            let flags: u32 = cells[3].parse().unwrap();
            if flags & FLAG_WWW != 0 {
                www.insert(cells[1].trim_matches('"').to_owned());
            }
        }
        assert_eq!(www, expected);
        assert!(www.iter().all(|p| p.starts_with("/approval/openapi/")));
        assert!(catalog.contains("export const FLAGS = { helpdesk: 1, www: 2,"));
    }

    #[test]
    fn renders_a_small_spec() {
        let spec = serde_json::json!({
            "types": {"Thing": {"fields": [{"name": "id", "type": "string", "required": true}], "usage": "both"},
                      "Cell": {"fields": [{"name": "string", "type": "string", "required": false}], "usage": "both", "custom_json": true}},
            "endpoints": [
                {"service": "message", "name": "GetMessage", "method": "GET",
                 "path": "/open-apis/im/v1/messages/:message_id", "base": "open-apis",
                 "tokens": ["tenant", "user"],
                 "path_params": [{"name": "message_id", "type": "string", "required": true}],
                 "query": [{"name": "user_id_type", "type": "string", "required": false}],
                 "body": {"kind": "none", "fields": []},
                 "response": {"kind": "json", "envelope": "data", "fields": [{"name": "items", "type": "list<Thing>"}]},
                 "paginated": false},
                {"service": "helpdesk", "name": "GetFile", "method": "GET",
                 "path": "/x", "base": "www", "tokens": ["user", "helpdesk"],
                 "path_params": [], "query": [], "body": {"kind": "none", "fields": []},
                 "response": {"kind": "binary", "envelope": "none", "fields": []},
                 "paginated": false}
            ]
        });
        let (catalog, dts) = render(&spec, &Keys::new()).unwrap();
        assert!(
            catalog.contains(
                "getMessage: [\"GET\", \"/open-apis/im/v1/messages/:message_id\", 3, 0],"
            )
        );
        assert!(catalog.contains("getFile: [\"GET\", \"/x\", 2, 7, null],"));
        assert!(dts.contains("getMessage(params: MessageGetMessageParams"));
        assert!(dts.contains(
            "getFile(params?: HelpdeskGetFileParams, options?: CallOptions): Promise<Download>;"
        ));
        assert!(dts.contains("export type MessageGetMessageResult = {\n  items?: Thing[];\n};"));
        assert!(dts.contains("export interface Thing {\n  id: string;\n}"));
        assert!(dts.contains("export type Cell = JsonValue;"));
    }
}
