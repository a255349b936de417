//! The options of the npm package's `new LarkClient(options)` (and `new WSClient(options)`),
//! declared once in [`OPTIONS`]. From the table come:
//! - `bindings/wasm/npm/src/generated/options.d.ts`: the `LarkClientOptions` interface;
//! - `bindings/wasm/src/generated/client_options.rs`: `ClientOptions`, which the wasm bindings read from
//!   the JavaScript object, each option checked for its type (the bindings' `options.rs` turns
//!   it into a `lark_core::Config`: the domain rules, the stores).
//!
//! The JavaScript layer hands the options object over as it is.

use crate::output::{HEADER, Output};

/// How an option is typed.
enum Kind {
    /// A string.
    Str,
    /// A number.
    Number,
    /// One of these strings.
    OneOf(&'static [&'static str]),
    /// One of these strings, or any other string (which the bindings check).
    OneOfOr(&'static [&'static str]),
    /// An object of this TypeScript type, handed to Rust as it is (a store).
    Object(&'static str),
    /// An object with these fields, read into a struct of this name.
    Fields(&'static str, &'static [Opt]),
    /// A value of this TypeScript type that only the JavaScript layer reads and checks: the
    /// wasm reader leaves it out, so a build without its feature carries nothing for it.
    Js(&'static str),
}

/// One option.
struct Opt {
    /// Its JavaScript name.
    name: &'static str,
    kind: Kind,
    /// Required (and, for a string, not empty).
    required: bool,
    /// Read by the JavaScript layer only (the bindings check its type and leave it).
    js_only: bool,
    /// Its documentation, a line per entry.
    doc: &'static [&'static str],
}

const fn opt(name: &'static str, kind: Kind, doc: &'static [&'static str]) -> Opt {
    Opt {
        name,
        kind,
        required: false,
        js_only: false,
        doc,
    }
}

const fn required(name: &'static str, doc: &'static [&'static str]) -> Opt {
    Opt {
        name,
        kind: Kind::Str,
        required: true,
        js_only: false,
        doc,
    }
}

/// `tokenRefreshLock`'s fields.
const REFRESH_LOCK: &[Opt] = &[
    opt("ttlMs", Kind::Number, &[]),
    opt("maxWaitMs", Kind::Number, &[]),
    opt("pollIntervalMs", Kind::Number, &[]),
];

/// `helpdesk`'s fields.
const HELPDESK: &[Opt] = &[required("id", &[]), required("token", &[])];

/// The client options.
const OPTIONS: &[Opt] = &[
    required("appId", &["The app id, `cli_...`."]),
    required("appSecret", &["The app secret."]),
    opt(
        "domain",
        Kind::OneOfOr(&["feishu", "lark"]),
        &["`feishu` (open.feishu.cn, the default), `lark` (open.larksuite.com), or a base URL."],
    ),
    opt(
        "baseUrl",
        Kind::Str,
        &["Any other base URL, such as lark-mock or a proxy; wins over `domain`."],
    ),
    opt(
        "wwwBaseUrl",
        Kind::Str,
        &[
            "Where the few approval endpoints of the `www` host go: `domain`'s www host by default",
            "(www.feishu.cn, www.larksuite.com), or `baseUrl` when that is given.",
        ],
    ),
    opt(
        "appType",
        Kind::OneOf(&["self_built", "marketplace"]),
        &["`self_built` (the default) or `marketplace` (node-sdk's `AppType.ISV`)."],
    ),
    opt(
        "tokenStore",
        Kind::Object("TokenStore"),
        &["Keeps tokens outside the instance; by default they live in it."],
    ),
    opt(
        "appTicketStore",
        Kind::Object("AppTicketStore"),
        &["Keeps a marketplace app's `app_ticket`; by default it goes in `tokenStore`."],
    ),
    opt(
        "tokenRefreshLock",
        Kind::Fields("RefreshLockOptions", REFRESH_LOCK),
        &[
            "How a refresh shared through `tokenStore.tryAcquireRefresh` is claimed and waited for: the",
            "claim's TTL (10 s), the longest wait for another instance's refresh (15 s), how often a",
            "waiter looks (50 ms).",
        ],
    ),
    Opt {
        js_only: true,
        ..opt(
            "eventDedupStore",
            Kind::Object("EventDedupStore"),
            &["Remembers event ids for `client.events` beyond this instance."],
        )
    },
    opt(
        "timeoutMs",
        Kind::Number,
        &["The timeout of one HTTP exchange (30 s by default; 0 waits as long as fetch does)."],
    ),
    opt(
        "helpdesk",
        Kind::Fields("HelpdeskOptions", HELPDESK),
        &["Credentials for the helpdesk endpoints."],
    ),
    opt(
        "encryptKey",
        Kind::Str,
        &["The event encrypt key: decrypts events and checks their signatures."],
    ),
    opt(
        "verificationToken",
        Kind::Str,
        &["The event verification token."],
    ),
    opt(
        "observer",
        Kind::Js("Observer"),
        &[
            "Called with a plain record after every attempt (`kind: 'attempt'`) and every call (`kind: 'call'`)",
            "of this client: for metrics. What it throws is ignored. The full and Workers builds only.",
        ],
    ),
    opt(
        "fetch",
        Kind::Js("LarkFetch"),
        &[
            "What sends the requests: in Node, node:http / node:https with keep-alive agents by default",
            "(`globalThis.fetch` picks Node's fetch); elsewhere the global `fetch`. Any function of",
            "`fetch`'s shape works (a proxy, a test double); the global `fetch` is never replaced.",
        ],
    ),
    opt(
        "logger",
        Kind::Js("Logger"),
        &[
            "node-sdk's logger (`error`, `warn`, `info`, `debug`, `trace`), told of calls and attempts; `console`",
            "by default. Never a token, secret or body. The full and Workers builds only.",
        ],
    ),
    opt(
        "loggerLevel",
        Kind::Js("LoggerLevel | LoggerLevelName"),
        &[
            "node-sdk's `LoggerLevel`: `error` by default (failed calls only); `warn` adds retried attempts,",
            "`info` calls that needed more than one attempt, `debug` and `trace` every attempt and call;",
            "`fatal` logs nothing. A level's name works too. The full and Workers builds only.",
        ],
    ),
];

/// Writes the TypeScript interface and the Rust reader.
pub(crate) fn generate(out: &mut Output, ts_dir: &str) -> Result<(), String> {
    out.file(&format!("{ts_dir}/options.d.ts"), &typescript())?;
    out.rust("bindings/wasm/src/generated/client_options.rs", &rust())
}

fn ts_type(kind: &Kind) -> String {
    let quoted = |values: &[&str]| {
        values
            .iter()
            .map(|v| format!("'{v}'"))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    match kind {
        Kind::Str => "string".to_owned(),
        Kind::Number => "number".to_owned(),
        Kind::OneOf(values) => quoted(values),
        Kind::OneOfOr(values) => format!("{} | (string & {{}})", quoted(values)),
        Kind::Object(name) | Kind::Js(name) => (*name).to_owned(),
        Kind::Fields(_, fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| {
                    let optional = if f.required { "" } else { "?" };
                    format!("{}{optional}: {}", f.name, ts_type(&f.kind))
                })
                .collect();
            format!("{{ {} }}", fields.join("; "))
        }
    }
}

fn typescript() -> String {
    let mut out = format!(
        "{HEADER}\n// The options of `new LarkClient(options)`, from lark-codegen's table (ts/options.rs), which\n\
         // also writes the Rust that reads and checks them in the wasm core.\n\
         import type {{ Logger, LoggerLevel, LoggerLevelName, Observer }} from '../observe.js';\n\
         import type {{ AppTicketStore, EventDedupStore, TokenStore }} from '../stores.js';\n\
         import type {{ LarkFetch }} from '../transport.js';\n\n\
         export interface LarkClientOptions {{\n"
    );
    for option in OPTIONS {
        match option.doc {
            [] => {}
            [line] => out.push_str(&format!("  /** {line} */\n")),
            lines => {
                out.push_str("  /**\n");
                for line in lines {
                    out.push_str(&format!("   * {line}\n"));
                }
                out.push_str("   */\n");
            }
        }
        let optional = if option.required { "" } else { "?" };
        out.push_str(&format!(
            "  {}{optional}: {};\n",
            option.name,
            ts_type(&option.kind)
        ));
    }
    out.push_str("}\n");
    out
}

/// `tokenRefreshLock` → `token_refresh_lock`.
fn snake(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The Rust type of a field and the expression that reads it from `options`.
fn rust_field(option: &Opt) -> (String, String) {
    let name = option.name;
    let (ty, read) = match &option.kind {
        Kind::Str if option.required => (
            "String".to_owned(),
            format!("read::required(source, \"{name}\", error)"),
        ),
        Kind::Str => (
            "Option<String>".to_owned(),
            format!("read::string(source, \"{name}\", error)"),
        ),
        Kind::Number => (
            "Option<f64>".to_owned(),
            format!("read::number(source, \"{name}\", error)"),
        ),
        Kind::OneOf(values) => (
            "Option<String>".to_owned(),
            format!("read::one_of(source, \"{name}\", &{values:?}, error)"),
        ),
        Kind::OneOfOr(_) => (
            "Option<String>".to_owned(),
            format!("read::string(source, \"{name}\", error)"),
        ),
        Kind::Object(_) => (
            "Option<JsValue>".to_owned(),
            format!("read::object(source, \"{name}\", error)"),
        ),
        Kind::Fields(ty, _) => (
            format!("Option<{ty}>"),
            format!("read::object(source, \"{name}\", error).map(|v| {ty}::read(&v, error))"),
        ),
        Kind::Js(_) => unreachable!("`{name}` is not read by the wasm"),
    };
    (ty, read)
}

fn rust_struct(out: &mut String, name: &str, doc: &str, fields: &[Opt]) {
    let fields: Vec<&Opt> = fields
        .iter()
        .filter(|f| !matches!(f.kind, Kind::Js(_)))
        .collect();
    out.push_str(&format!(
        "/// {doc} No `Debug`: options hold secrets.\npub(crate) struct {name} {{\n"
    ));
    for field in fields.iter().filter(|f| !f.js_only) {
        let (ty, _) = rust_field(field);
        for line in field.doc {
            out.push_str(&format!("    /// {line}\n"));
        }
        if field.doc.is_empty() {
            out.push_str(&format!("    /// `{}`.\n", field.name));
        }
        out.push_str(&format!("    pub(crate) {}: {ty},\n", snake(field.name)));
    }
    out.push_str(&format!(
        "}}\n\nimpl {name} {{\n    /// Reads the fields of `source`, the first one of the wrong type (or missing) in \
         `error`\n    /// (no early return: a smaller bundle).\n    \
         pub(crate) fn read(source: &JsValue, error: &mut Option<JsValue>) -> Self {{\n"
    ));
    for field in fields.iter().filter(|f| f.js_only) {
        let (_, read) = rust_field(field);
        out.push_str(&format!(
            "        // Used by the JavaScript layer.\n        {read};\n"
        ));
    }
    out.push_str("        Self {\n");
    for field in fields.iter().filter(|f| !f.js_only) {
        let (_, read) = rust_field(field);
        out.push_str(&format!("            {}: {read},\n", snake(field.name)));
    }
    out.push_str("        }\n    }\n}\n\n");
}

fn rust() -> String {
    let mut out = format!(
        "{HEADER}\n//! The options of `new LarkClient(options)` (and `new WSClient(options)`), as declared in\n\
         //! lark-codegen's `ts/options.rs` (which also writes their TypeScript interface).\n\n\
         use wasm_bindgen::JsValue;\n\nuse crate::read;\n\n"
    );
    rust_struct(&mut out, "ClientOptions", "The client options.", OPTIONS);
    for option in OPTIONS {
        if let Kind::Fields(name, fields) = &option.kind {
            let doc = format!("The fields of `{}`.", option.name);
            rust_struct(&mut out, name, &doc, fields);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_types() {
        assert_eq!(snake("tokenRefreshLock"), "token_refresh_lock");
        assert_eq!(snake("appId"), "app_id");
        assert_eq!(
            ts_type(&Kind::OneOfOr(&["feishu", "lark"])),
            "'feishu' | 'lark' | (string & {})"
        );
        let ts = typescript();
        assert!(ts.contains("  appId: string;\n"), "{ts}");
        assert!(
            ts.contains("  helpdesk?: { id: string; token: string };\n"),
            "{ts}"
        );
        let rust = rust();
        assert!(rust.contains("pub(crate) app_id: String,"), "{rust}");
        assert!(
            rust.contains("read::object(source, \"eventDedupStore\", error);"),
            "{rust}"
        );
        assert!(!rust.contains("event_dedup_store"), "{rust}");
        assert!(
            ts.contains("  loggerLevel?: LoggerLevel | LoggerLevelName;\n"),
            "{ts}"
        );
        assert!(!rust.contains("logger"), "{rust}");
    }
}
