//! The endpoint tables (one file per service), their index, the bits of a row, and the
//! per-service entry points `lark-sdk/api/<service>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{JsEndpoint, js_string, property};
use crate::api::model::{BodyKind, Where};
use crate::output::HEADER;

/// Token bits of a row.
pub(super) const TOKEN_TENANT: u32 = 1;
pub(super) const TOKEN_USER: u32 = 2;
pub(super) const TOKEN_APP: u32 = 4;
/// Flag bits of a row; `npm/src/client.js` (through `bits.js`) and `bindings/wasm/src/client.rs`
/// (through `src/generated/bits.rs`) read them.
pub(super) const FLAG_HELPDESK: u32 = 1;
pub(super) const FLAG_WWW: u32 = 2;
pub(super) const FLAG_BINARY: u32 = 4;
pub(super) const FLAG_MULTIPART: u32 = 8;
pub(super) const FLAG_PAGINATED: u32 = 16;
pub(super) const FLAG_JSON_BODY: u32 = 32;
/// The idempotency key (the row's sixth entry names it) is a query parameter.
pub(super) const FLAG_KEY_QUERY: u32 = 64;
/// The idempotency key (the row's sixth entry names it) is a field of the JSON body.
pub(super) const FLAG_KEY_BODY: u32 = 128;
/// A paginated endpoint takes its page token in the JSON body, not the query.
pub(super) const FLAG_PAGE_TOKEN_IN_BODY: u32 = 256;
/// The endpoint is also reachable without its version: `client.im.message.create`.
pub(super) const FLAG_DEFAULT_VERSION: u32 = 512;
/// A raw request (`client.request`): its path is the caller's own, ids and all, not a template
/// of the catalog (never set in a row).
pub(super) const FLAG_RAW: u32 = 1024;

/// Every token bit: `(Rust constant, JavaScript key, bit, lark_core::TokenKind variant)`.
const TOKEN_BITS: [(&str, &str, u32, &str); 3] = [
    ("TOKEN_TENANT", "tenant", TOKEN_TENANT, "Tenant"),
    ("TOKEN_USER", "user", TOKEN_USER, "User"),
    ("TOKEN_APP", "app", TOKEN_APP, "App"),
];
/// Every flag bit: `(Rust constant, JavaScript key, bit, what it says)`. `bits.js` and the wasm
/// crate's `src/generated/bits.rs` are written from this table.
const FLAG_BITS: [(&str, &str, u32, &str); 11] = [
    (
        "FLAG_HELPDESK",
        "helpdesk",
        FLAG_HELPDESK,
        "the endpoint needs the helpdesk credentials too",
    ),
    (
        "FLAG_WWW",
        "www",
        FLAG_WWW,
        "the www host serves the endpoint (`https://www.feishu.cn`, not `https://open.feishu.cn`)",
    ),
    (
        "FLAG_BINARY",
        "binary",
        FLAG_BINARY,
        "the endpoint answers raw bytes",
    ),
    (
        "FLAG_MULTIPART",
        "multipart",
        FLAG_MULTIPART,
        "the body is a multipart form",
    ),
    (
        "FLAG_PAGINATED",
        "paginated",
        FLAG_PAGINATED,
        "the endpoint pages with `page_token` / `has_more`",
    ),
    (
        "FLAG_JSON_BODY",
        "jsonBody",
        FLAG_JSON_BODY,
        "the body is JSON",
    ),
    (
        "FLAG_KEY_QUERY",
        "keyInQuery",
        FLAG_KEY_QUERY,
        "the idempotency key (named by the row's sixth entry) is a query parameter",
    ),
    (
        "FLAG_KEY_BODY",
        "keyInBody",
        FLAG_KEY_BODY,
        "the idempotency key (named by the row's sixth entry) is a field of the JSON body",
    ),
    (
        "FLAG_PAGE_TOKEN_IN_BODY",
        "pageTokenInBody",
        FLAG_PAGE_TOKEN_IN_BODY,
        "the endpoint takes its page token in the JSON body, not the query",
    ),
    (
        "FLAG_DEFAULT_VERSION",
        "defaultVersion",
        FLAG_DEFAULT_VERSION,
        "the endpoint is also reachable without its version (`client.im.message.create`)",
    ),
    (
        "FLAG_RAW",
        "raw",
        FLAG_RAW,
        "a raw request (`client.request`), whose path is the caller's own rather than a template",
    ),
];

/// The wasm crate's file of the same bits, and the idempotency key names of the catalog.
pub(super) const WASM_BITS: &str = "bindings/wasm/src/generated/bits.rs";

/// The wasm entry a per-service `LarkClient` runs on.
const CLIENT_WASM: &str = "../../../wasm/client/lark_wasm_bg.wasm";

/// `(path under generated/, text)` of every JavaScript file.
pub(super) fn render(endpoints: &[JsEndpoint<'_>]) -> Result<Vec<(String, String)>, String> {
    // service → version → resource ("" for version-level methods) → method → row.
    type Tree = BTreeMap<String, BTreeMap<String, BTreeMap<String, Vec<(String, String)>>>>;
    let mut tree: Tree = BTreeMap::new();
    for e in endpoints {
        tree.entry(e.project.clone())
            .or_default()
            .entry(e.version.clone())
            .or_default()
            .entry(e.resource.clone())
            .or_default()
            .push((e.method.clone(), row(e)?));
    }
    let mut files = Vec::new();
    let mut index = format!(
        "{HEADER}\n// Every endpoint ({}), by service: `CATALOG.im.v1.message.create` is a row (see ./bits.js).\n",
        endpoints.len()
    );
    for service in tree.keys() {
        let _ = writeln!(index, "import {service} from './catalog/{service}.js';");
    }
    index.push_str("\nexport { TOKENS, FLAGS } from './bits.js';\n\n");
    let _ = writeln!(
        index,
        "/** How many endpoints the package calls (the Rust `lark_core::api::CATALOG` has as many). */\nexport const ENDPOINTS = {};\n",
        endpoints.len()
    );
    let _ = writeln!(
        index,
        "export const CATALOG = {{ {} }};",
        tree.keys().cloned().collect::<Vec<_>>().join(", ")
    );
    files.push(("catalog.js".to_owned(), index));
    files.push(("bits.js".to_owned(), bits()));

    for (service, versions) in &tree {
        let count: usize = versions
            .values()
            .flat_map(BTreeMap::values)
            .map(Vec::len)
            .sum();
        let mut js = format!(
            "{HEADER}\n// The {count} endpoints of `{service}`: `[method, path, tokens, flags, envelope, key]` (see ../bits.js).\nexport default {{\n"
        );
        for (version, resources) in versions {
            let _ = writeln!(js, "  {}: {{", property(version));
            let own = resources.get("").cloned().unwrap_or_default();
            for (resource, methods) in resources {
                let indent = if resource.is_empty() {
                    "    "
                } else {
                    let _ = writeln!(js, "    {}: {{", property(resource));
                    "      "
                };
                if !resource.is_empty() {
                    // A version-level method of the resource's name: `""` in the resource, and
                    // the method carries the resource's methods.
                    if let Some((_, row)) = own.iter().find(|(m, _)| m == resource) {
                        let _ = writeln!(js, "{indent}\"\": {row},");
                    }
                }
                for (method, row) in methods {
                    if resource.is_empty() && resources.contains_key(method) {
                        continue;
                    }
                    let _ = writeln!(js, "{indent}{}: {row},", property(method));
                }
                if !resource.is_empty() {
                    js.push_str("    },\n");
                }
            }
            js.push_str("  },\n");
        }
        js.push_str("};\n");
        files.push((format!("catalog/{service}.js"), js));
        files.extend(entry(service));
    }
    Ok(files)
}

fn bits() -> String {
    let object = |bits: &[(&str, &str, u32, &str)]| -> String {
        let entries: Vec<String> = bits
            .iter()
            .map(|(_, key, bit, _)| format!("{key}: {bit}"))
            .collect();
        format!("{{ {} }}", entries.join(", "))
    };
    format!(
        "{HEADER}\n// The bits of a catalog row `[method, path, tokens, flags, envelope, key]`:\n\
         // tokens: the token kinds the endpoint accepts (any one of them);\n\
         // flags: helpdesk credentials, www host (https://www.feishu.cn rather than https://open.feishu.cn),\n\
         // binary answer, multipart body, paginated, JSON body, the idempotency key in the query / in the body\n\
         // (named by the sixth entry), the page token in the body, and the default-version alias\n\
         // (`client.im.message.create` beside `client.im.v1.message.create`); `raw` marks the\n\
         // requests of `client.request`, never a row;\n\
         // envelope: the answer's payload key, \"data\" when the row has four entries, null when the\n\
         // fields sit at the top level;\n\
         // a seventh entry `[cursor, next]` when the endpoint pages by a cursor of its own: the\n\
         // parameter taking it and the answer field giving the next one (not `page_token`).\n\
         export const TOKENS = {};\n\
         export const FLAGS = {};\n",
        object(&TOKEN_BITS),
        object(&FLAG_BITS)
    )
}

/// The wasm crate's `src/generated/bits.rs`: the same bits for `client.rs`, the idempotency
/// key names the catalog uses (the core takes `'static` names), and the token kinds of a
/// row's token bits.
pub(super) fn rust_bits(endpoints: &[JsEndpoint<'_>]) -> String {
    let mut t = String::from(
        "//! The bits of an npm catalog row `[method, path, tokens, flags, envelope, key]`, written\n//! from the same definitions as `npm/src/generated/bits.js`, and the idempotency key names of\n//! the catalog.\n// Every bit is listed, also those only the JavaScript layer reads.\n#![allow(dead_code)]\n\nuse lark_core::TokenKind;\n\n",
    );
    for (name, key, bit, variant) in TOKEN_BITS {
        let _ = writeln!(
            t,
            "/// `TOKENS.{key}`: the endpoint accepts [`TokenKind::{variant}`].\npub(crate) const {name}: u32 = {bit};"
        );
    }
    for (name, key, bit, doc) in FLAG_BITS {
        let _ = writeln!(
            t,
            "/// `FLAGS.{key}`: {doc}.\npub(crate) const {name}: u32 = {bit};"
        );
    }
    t.push_str("\n/// The flags of a row (its fourth entry).\n#[derive(Debug, Clone, Copy, PartialEq, Eq)]\npub(crate) struct Flags(pub(crate) u32);\n\nimpl Flags {\n/// Whether the row has `flag` (one of the `FLAG_*` bits above).\npub(crate) fn has(self, flag: u32) -> bool {\nself.0 & flag != 0\n}\n}\n");
    let keys: std::collections::BTreeSet<&str> = endpoints
        .iter()
        .filter_map(|e| e.ep.idempotency_key.as_ref())
        .map(|k| k.wire.as_str())
        .collect();
    let quoted: Vec<String> = keys.iter().map(|k| format!("{k:?}")).collect();
    let _ = writeln!(
        t,
        "\n/// Every idempotency key name of the catalog (a row's sixth entry is one of them).\npub(crate) const KEY_NAMES: &[&str] = &[{}];\n\n/// The catalog's idempotency key name `name`, as the `'static` name the core takes; `None`\n/// for a name the catalog does not use.\npub(crate) fn key_name(name: &str) -> Option<&'static str> {{\nKEY_NAMES.iter().copied().find(|known| *known == name)\n}}\n",
        quoted.join(", ")
    );
    // The answer fields that give the next page's token: the usual two first.
    let mut next: Vec<&str> = vec!["page_token", "next_page_token"];
    for e in endpoints {
        if let Some(p) = &e.ep.pagination {
            if !next.contains(&p.response_token.as_str()) {
                next.push(&p.response_token);
            }
        }
    }
    let quoted: Vec<String> = next.iter().map(|k| format!("{k:?}")).collect();
    let _ = writeln!(
        t,
        "/// Every answer field of the catalog that gives the next page's token (a page answer has\n/// one of them).\npub(crate) const NEXT_TOKEN_NAMES: &[&str] = &[{}];\n",
        quoted.join(", ")
    );
    t.push_str("/// The token kinds of a row's token bits, as the `'static` slice `EndpointMeta` wants.\npub(crate) fn token_kinds(bits: u32) -> &'static [TokenKind] {\nmatch bits & (TOKEN_TENANT | TOKEN_USER | TOKEN_APP) {\n");
    for subset in 1..(1u32 << TOKEN_BITS.len()) {
        let mut value = 0;
        let mut kinds = Vec::new();
        for (i, (_, _, bit, variant)) in TOKEN_BITS.iter().enumerate() {
            if subset & (1 << i) != 0 {
                value |= bit;
                kinds.push(format!("TokenKind::{variant}"));
            }
        }
        let _ = writeln!(t, "{value} => &[{}],", kinds.join(", "));
    }
    t.push_str("_ => &[],\n}\n}\n");
    t
}

/// `lark-sdk/api/<service>`: the default entry (browsers, extensions: `await init()`), the
/// Node one and the Workers one, and its types.
fn entry(service: &str) -> Vec<(String, String)> {
    let js = format!(
        "{HEADER}\n// lark-sdk/api/{service}: a LarkClient with the `{service}` service only, over the client-only wasm\n\
         // build, so a bundle carries this service's table and no other.\n\
         import {{ glue, wasm }} from '../../client/wasm.js';\n\
         import {{ larkClientClass }} from '../../client.js';\n\
         import {service} from '../catalog/{service}.js';\n\n\
         export {{ AppType, Domain, LarkError, isLarkError, withAll, withHelpDeskCredential, withTenantKey, withTenantToken, withUser, withUserAccessToken }} from '../../client.js';\n\n\
         /** Loads the wasm (a URL, Response, bytes or WebAssembly.Module; by default the packaged file). */\n\
         export const init = (input) => wasm.init(input);\n\
         /** Loads the wasm synchronously from bytes or a WebAssembly.Module. */\n\
         export const initSync = (module) => wasm.initSync(module);\n\n\
         export const LarkClient = larkClientClass(glue, wasm, undefined, {{ {service} }});\n"
    );
    let node = format!(
        "{HEADER}\n// Node: the client-only wasm is read from the package and instantiated on import; requests\n\
         // go through node:http (node-http.js).\n\
         import {{ readFileSync }} from 'node:fs';\n\
         import '../../node-http.js';\n\
         import {{ initSync }} from './{service}.js';\n\n\
         initSync(readFileSync(new URL('{CLIENT_WASM}', import.meta.url)));\n\n\
         export * from './{service}.js';\n"
    );
    let workerd = format!(
        "{HEADER}\n// Cloudflare Workers: the client-only wasm, imported as a compiled WebAssembly.Module.\n\
         import module from '{CLIENT_WASM}';\n\
         import {{ initSync }} from './{service}.js';\n\n\
         initSync(module);\n\n\
         export * from './{service}.js';\n"
    );
    let dts = format!(
        "{HEADER}\n// lark-sdk/api/{service}: `LarkClient` with `client.{service}` only.\n\
         import type {{ LarkClientCore, LarkClientOptions, WasmInput }} from '../../index.js';\n\
         import type {{ Service }} from '../types/{service}.js';\n\n\
         export {{ AppType, Domain, LarkError, isLarkError, withAll, withHelpDeskCredential, withTenantKey, withTenantToken, withUser, withUserAccessToken }} from '../../index.js';\n\
         export type {{ Answer, CallOptions, Download, FileInput, LarkClientOptions, PageIterator, StoredToken, TokenStore, WasmInput }} from '../../index.js';\n\
         export type * as {service} from '../types/{service}.js';\n\n\
         /** Loads the client-only wasm; Node and Workers entry points have already done it. */\n\
         export declare function init(input?: WasmInput | Promise<Response>): Promise<void>;\n\
         /** Loads the client-only wasm synchronously from bytes or a compiled module. */\n\
         export declare function initSync(module: BufferSource | WebAssembly.Module): void;\n\n\
         /** One app's client with the `{service}` service: `client.{service}.<version>.<resource>.<method>(payload)`. */\n\
         export interface LarkClient extends LarkClientCore {{\n  readonly {service}: Service;\n}}\n\
         export declare const LarkClient: {{ new (options: LarkClientOptions): LarkClient; prototype: LarkClient }};\n"
    );
    vec![
        (format!("services/{service}.js"), js),
        (format!("services/{service}.node.js"), node),
        (format!("services/{service}.workerd.js"), workerd),
        (format!("services/{service}.d.ts"), dts),
    ]
}

/// `[method, path, tokens, flags]`, then the envelope and the idempotency key when needed.
fn row(e: &JsEndpoint<'_>) -> Result<String, String> {
    let ep = e.ep;
    let mut tokens = 0;
    for t in &ep.tokens {
        tokens |= match t.as_str() {
            "tenant" => TOKEN_TENANT,
            "user" => TOKEN_USER,
            "app" => TOKEN_APP,
            other => return Err(format!("{}: unknown token kind {other}", e.dotted())),
        };
    }
    let mut flags = 0;
    if ep.helpdesk {
        flags |= FLAG_HELPDESK;
    }
    if ep.www {
        flags |= FLAG_WWW;
    }
    if ep.binary {
        flags |= FLAG_BINARY;
    }
    match ep.body {
        BodyKind::Json => flags |= FLAG_JSON_BODY,
        BodyKind::Multipart => flags |= FLAG_MULTIPART,
        BodyKind::None => {}
    }
    if ep.iterated() {
        flags |= FLAG_PAGINATED;
    }
    if ep.pagination.as_ref().is_some_and(|p| p.token_in_body) {
        flags |= FLAG_PAGE_TOKEN_IN_BODY;
    }
    if e.default_alias {
        flags |= FLAG_DEFAULT_VERSION;
    }
    let key = ep.idempotency_key.as_ref();
    if let Some(k) = key {
        flags |= if k.place == Where::Query {
            FLAG_KEY_QUERY
        } else {
            FLAG_KEY_BODY
        };
    }
    let mut tail = match ep.envelope.as_deref() {
        Some("data") => String::new(),
        None => ", null".to_owned(),
        Some(other) => format!(", {}", js_string(other)),
    };
    // Pages that are not `page_token` in, `page_token` or `next_page_token` out name their
    // cursor and the answer's next one in a seventh entry.
    let cursor = ep.pagination.as_ref().filter(|p| {
        p.request_token != "page_token"
            || !matches!(p.response_token.as_str(), "page_token" | "next_page_token")
    });
    if key.is_some() || cursor.is_some() {
        if tail.is_empty() {
            tail.push_str(", \"data\"");
        }
        match key {
            Some(k) => {
                let _ = write!(tail, ", {}", js_string(&k.wire));
            }
            None => tail.push_str(", null"),
        }
    }
    if let Some(p) = cursor {
        let _ = write!(
            tail,
            ", [{}, {}]",
            js_string(&p.request_token),
            js_string(&p.response_token)
        );
    }
    Ok(format!(
        "[{}, {}, {tokens}, {flags}{tail}]",
        js_string(&ep.method),
        js_string(&ep.path)
    ))
}
