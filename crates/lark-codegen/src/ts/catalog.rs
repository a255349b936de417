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
/// Flag bits of a row; `bindings/wasm/src/client.rs` and `npm/src/client.js` read them.
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
    format!(
        "{HEADER}\n// The bits of a catalog row `[method, path, tokens, flags, envelope, key]`:\n\
         // tokens: the token kinds the endpoint accepts (any one of them);\n\
         // flags: helpdesk credentials, www host (https://www.feishu.cn rather than https://open.feishu.cn),\n\
         // binary answer, multipart body, paginated, JSON body, the idempotency key in the query / in the body\n\
         // (named by the sixth entry), the page token in the body, and the default-version alias\n\
         // (`client.im.message.create` beside `client.im.v1.message.create`);\n\
         // envelope: the answer's payload key, \"data\" when the row has four entries, null when the\n\
         // fields sit at the top level.\n\
         export const TOKENS = {{ tenant: {TOKEN_TENANT}, user: {TOKEN_USER}, app: {TOKEN_APP} }};\n\
         export const FLAGS = {{ helpdesk: {FLAG_HELPDESK}, www: {FLAG_WWW}, binary: {FLAG_BINARY}, multipart: {FLAG_MULTIPART}, paginated: {FLAG_PAGINATED}, jsonBody: {FLAG_JSON_BODY}, keyInQuery: {FLAG_KEY_QUERY}, keyInBody: {FLAG_KEY_BODY}, pageTokenInBody: {FLAG_PAGE_TOKEN_IN_BODY}, defaultVersion: {FLAG_DEFAULT_VERSION} }};\n"
    )
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
         export {{ AppType, Domain, LarkError, isLarkError, withAll, withHelpDeskCredential, withTenantKey, withTenantToken, withUserAccessToken }} from '../../client.js';\n\n\
         /** Loads the wasm (a URL, Response, bytes or WebAssembly.Module; by default the packaged file). */\n\
         export const init = (input) => wasm.init(input);\n\
         /** Loads the wasm synchronously from bytes or a WebAssembly.Module. */\n\
         export const initSync = (module) => wasm.initSync(module);\n\n\
         export const LarkClient = larkClientClass(glue, wasm, undefined, {{ {service} }});\n"
    );
    let node = format!(
        "{HEADER}\n// Node: the client-only wasm is read from the package and instantiated on import.\n\
         import {{ readFileSync }} from 'node:fs';\n\
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
         export {{ AppType, Domain, LarkError, isLarkError, withAll, withHelpDeskCredential, withTenantKey, withTenantToken, withUserAccessToken }} from '../../index.js';\n\
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
    if let Some(p) = &ep.pagination {
        flags |= FLAG_PAGINATED;
        if p.token_in_body {
            flags |= FLAG_PAGE_TOKEN_IN_BODY;
        }
        if p.request_token != "page_token" {
            return Err(format!(
                "{}: the page token `{}` is not `page_token`; npm/src/client.js fills `page_token`",
                e.dotted(),
                p.request_token
            ));
        }
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
    if let Some(k) = key {
        if tail.is_empty() {
            tail.push_str(", \"data\"");
        }
        let _ = write!(tail, ", {}", js_string(&k.wire));
    }
    Ok(format!(
        "[{}, {}, {tokens}, {flags}{tail}]",
        js_string(&ep.method),
        js_string(&ep.path)
    ))
}
