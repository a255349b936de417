//! Rust source of `lark_core::api`: request structs, answer types, the catalog.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::model::{BodyKind, Endpoint, Field, Home, Model, Ty, TypeDef, Usage, Where};

/// Field names whose values never go to `Debug` output.
pub(crate) fn is_secret(wire: &str) -> bool {
    let w = wire.to_ascii_lowercase();
    w.contains("secret")
        || w.contains("password")
        || matches!(
            w.as_str(),
            "access_token"
                | "refresh_token"
                | "app_access_token"
                | "tenant_access_token"
                | "user_access_token"
                | "app_ticket"
                | "encrypt_key"
                | "verification_token"
                | "ticket"
        )
}

/// The Rust spelling of a type; `prefix` leads named types (`super::` from a resource file).
pub(crate) fn rust_ty(ty: &Ty, prefix: &str) -> String {
    match ty {
        Ty::String => "String".into(),
        Ty::Bool => "bool".into(),
        Ty::I64 => "i64".into(),
        Ty::I32 => "i32".into(),
        Ty::F64 => "f64".into(),
        Ty::Any => "serde_json::Value".into(),
        Ty::Binary => "crate::endpoint::File".into(),
        Ty::List(t) => format!("Vec<{}>", rust_ty(t, prefix)),
        Ty::Map(k, v) => format!(
            "std::collections::BTreeMap<{}, {}>",
            rust_ty(k, prefix),
            rust_ty(v, prefix)
        ),
        Ty::Named(n) => format!("{prefix}{n}"),
    }
}

/// The files of one run: path relative to `api/` → text.
#[derive(Default)]
pub(crate) struct Files {
    pub(crate) files: BTreeMap<String, String>,
}

/// Which fields of which types must be boxed to keep the types finite.
struct Boxes {
    boxed: BTreeSet<(String, String)>,
}

impl Boxes {
    fn new(types: &BTreeMap<String, TypeDef>) -> Self {
        // Direct edges: a field holding a named type not behind a Vec or a map.
        let direct = |t: &TypeDef| -> Vec<(String, String)> {
            t.fields
                .iter()
                .filter_map(|f| match &f.ty {
                    Ty::Named(n) => Some((f.wire.clone(), n.clone())),
                    _ => None,
                })
                .collect()
        };
        let reaches = |from: &str, to: &str| -> bool {
            let mut stack = vec![from.to_owned()];
            let mut seen = BTreeSet::new();
            while let Some(n) = stack.pop() {
                if n == to {
                    return true;
                }
                if !seen.insert(n.clone()) {
                    continue;
                }
                if let Some(t) = types.get(&n) {
                    stack.extend(direct(t).into_iter().map(|(_, n)| n));
                }
            }
            false
        };
        let mut boxed = BTreeSet::new();
        for t in types.values() {
            for (field, target) in direct(t) {
                if reaches(&target, &t.name) {
                    boxed.insert((t.name.clone(), field));
                }
            }
        }
        Self { boxed }
    }

    fn is_boxed(&self, ty: &str, field: &str) -> bool {
        self.boxed.contains(&(ty.to_owned(), field.to_owned()))
    }
}

pub(crate) fn generate(model: &Model) -> Result<Files, String> {
    let boxes = Boxes::new(&model.types);
    let mut files = Files::default();
    // Bodies of the files, built up by (service, module).
    let mut bodies: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut shared = String::new();
    let mut shared_by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut shared_services: BTreeSet<String> = BTreeSet::new();

    for (name, home) in &model.homes {
        let def = &model.types[name];
        match home {
            Home::Service { service, module } => {
                let prefix = if module.is_empty() { "" } else { "super::" };
                let text = bodies.entry((service.clone(), module.clone())).or_default();
                type_def(text, def, prefix, &boxes, None);
            }
            Home::Shared(services) => {
                let cfg = cfg_any(services);
                type_def(&mut shared, def, "", &boxes, Some(&cfg));
                for s in services {
                    shared_by_service
                        .entry(s.clone())
                        .or_default()
                        .push(name.clone());
                    shared_services.insert(s.clone());
                }
            }
        }
    }
    for ep in &model.endpoints {
        let prefix = if ep.module.is_empty() { "" } else { "super::" };
        let text = bodies
            .entry((ep.service.clone(), ep.module.clone()))
            .or_default();
        endpoint(text, ep, prefix)?;
    }

    // Service modules.
    for (service, count) in &model.services {
        let modules: BTreeSet<&String> = bodies
            .keys()
            .filter(|(s, m)| s == service && !m.is_empty())
            .map(|(_, m)| m)
            .collect();
        let mut text = String::new();
        let _ = writeln!(
            text,
            "//! The `{service}` service: {count} endpoint{}.\n",
            if *count == 1 { "" } else { "s" }
        );
        for m in &modules {
            let _ = writeln!(text, "pub mod {m};\npub use {m}::*;");
        }
        if let Some(names) = shared_by_service.get(service) {
            let _ = writeln!(text, "pub use super::shared::{{{}}};", names.join(", "));
        }
        if let Some(body) = bodies.get(&(service.clone(), String::new())) {
            text.push_str(body);
        }
        files.files.insert(format!("{service}/mod.rs"), text);
        for m in modules {
            let body = &bodies[&(service.clone(), m.clone())];
            let paths: BTreeSet<&str> = model
                .endpoints
                .iter()
                .filter(|e| &e.service == service && &e.module == m)
                .map(|e| e.path.as_str())
                .collect();
            let mut text = String::new();
            let _ = writeln!(
                text,
                "//! `{m}` of the `{service}` service{}.\n",
                common_prefix(&paths)
                    .map(|p| format!(" (`{p}`)"))
                    .unwrap_or_default()
            );
            text.push_str(body);
            files.files.insert(format!("{service}/{m}.rs"), text);
        }
    }
    if !shared.is_empty() {
        let mut text = String::from(
            "//! Types several services share; each is compiled when one of them is on.\n\n",
        );
        text.push_str(&shared);
        files.files.insert("shared.rs".into(), text);
    }
    files
        .files
        .insert("mod.rs".into(), api_mod(model, &shared_services));
    files.files.insert("catalog.rs".into(), catalog(model));
    Ok(files)
}

fn common_prefix(paths: &BTreeSet<&str>) -> Option<String> {
    let mut iter = paths.iter();
    let first: Vec<&str> = iter.next()?.split('/').collect();
    let mut len = first.len();
    for p in iter {
        let segs: Vec<&str> = p.split('/').collect();
        len = len.min(first.iter().zip(&segs).take_while(|(a, b)| a == b).count());
    }
    let prefix = first[..len].join("/");
    (prefix.len() > "/open-apis".len()).then_some(prefix)
}

fn cfg_any(services: &BTreeSet<String>) -> String {
    let list: Vec<String> = services
        .iter()
        .map(|s| format!("feature = \"{s}\""))
        .collect();
    format!("#[cfg(any({}))]", list.join(", "))
}

fn api_mod(model: &Model, shared_services: &BTreeSet<String>) -> String {
    let mut t = String::new();
    let total = model.endpoints.len();
    let _ = writeln!(
        t,
        "//! Typed endpoints, by service: {total} endpoints generated from the API facts.
//!
//! Every service is a cargo feature (`full` turns on all of them); each request type is
//! `api::<service>::<Name>`, built with its required parameters in `new` and optional ones as
//! chained setters, and sent with [`Client::send`](crate::Client::send). Paginated endpoints
//! also implement [`Paginated`](crate::Paginated) for [`Client::pages`](crate::Client::pages).
//! [`CATALOG`] describes every endpoint without any feature; [`IDEMPOTENCY_KEYS`] lists the
//! endpoints the platform de-duplicates by a key, with the documentation's reason.
#![allow(
    clippy::too_many_arguments,
    clippy::new_without_default,
    clippy::should_implement_trait,
    clippy::wrong_self_convention,
    clippy::module_inception,
    clippy::type_complexity,
    clippy::large_enum_variant,
    non_camel_case_types
)]

mod catalog;
pub use catalog::{{CATALOG, IDEMPOTENCY_KEYS}};
"
    );
    if !shared_services.is_empty() {
        let _ = writeln!(t, "{}\nmod shared;", cfg_any(shared_services));
    }
    for service in model.services.keys() {
        let _ = writeln!(t, "#[cfg(feature = \"{service}\")]\npub mod {service};");
    }
    t.push_str(
        r#"
/// The catalog entry of `service.Name`.
pub fn find(service: &str, name: &str) -> Option<&'static crate::endpoint::EndpointSpec> {
    CATALOG
        .iter()
        .find(|e| e.service == service && e.name == name)
}

/// The answer of an endpoint whose answer has no fields.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[non_exhaustive]
pub struct Empty {}

/// A header parameter: an invalid value is an [`Error::Build`](crate::Error::Build).
#[allow(dead_code)]
pub(crate) fn header(
    headers: &mut http::HeaderMap,
    name: &'static str,
    value: &str,
) -> crate::error::Result<()> {
    let key = http::HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| crate::Error::Build(format!("`{name}` is not a header name")))?;
    let value = http::HeaderValue::from_str(value)
        .map_err(|_| crate::Error::Build(format!("header `{name}` has an invalid value")))?;
    headers.insert(key, value);
    Ok(())
}

/// A structured value sent as text (a header or a form field): its JSON.
#[allow(dead_code)]
pub(crate) fn json_text<T: serde::Serialize>(name: &str, value: &T) -> crate::error::Result<String> {
    serde_json::to_string(value)
        .map_err(|e| crate::Error::Build(format!("cannot serialise `{name}`: {e}")))
}
"#,
    );
    t
}

/// A `custom_json` type: the JSON value itself, since its wire form is not a fixed set of
/// fields (a sheet cell is a string, a number, a boolean, null, or an object or list of rich
/// segments).
fn json_value_type(t: &mut String, def: &TypeDef, cfg: Option<&str>) {
    let cfg_line = cfg.map(|c| format!("{c}\n")).unwrap_or_default();
    let name = &def.name;
    let side = match def.usage {
        Usage::Response => "Part of an answer",
        Usage::Request => "Part of a request",
        Usage::Both => "Part of a request and of an answer",
    };
    let _ = writeln!(
        t,
        "/// {side} (`{name}` in the facts), kept as its JSON value.
///
/// Its wire form is not a fixed set of fields (the facts mark it `custom_json`), so any JSON the
/// platform sends decodes. Build one with `new` (`new(\"text\")`, `new(1)`,
/// `new(serde_json::json!({{...}}))`); read it through `serde_json::Value`'s methods.
{cfg_line}#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct {name}(pub serde_json::Value);

{cfg_line}impl {name} {{
    /// The value as sent.
    pub fn new(value: impl Into<serde_json::Value>) -> Self {{
        Self(value.into())
    }}

    /// The JSON value.
    pub fn into_value(self) -> serde_json::Value {{
        self.0
    }}
}}

{cfg_line}impl From<serde_json::Value> for {name} {{
    fn from(value: serde_json::Value) -> Self {{
        Self(value)
    }}
}}

{cfg_line}impl From<{name}> for serde_json::Value {{
    fn from(value: {name}) -> Self {{
        value.0
    }}
}}

{cfg_line}impl std::ops::Deref for {name} {{
    type Target = serde_json::Value;

    fn deref(&self) -> &serde_json::Value {{
        &self.0
    }}
}}
"
    );
}

fn type_def(t: &mut String, def: &TypeDef, prefix: &str, boxes: &Boxes, cfg: Option<&str>) {
    if def.custom_json {
        json_value_type(t, def, cfg);
        return;
    }
    let cfg_line = cfg.map(|c| format!("{c}\n")).unwrap_or_default();
    let secret = def.fields.iter().any(|f| is_secret(&f.wire));
    let debug = if secret { "" } else { "Debug, " };
    let (derive, doc, exhaustive) = match def.usage {
        Usage::Response => (
            format!("{debug}Clone, Default, serde::Deserialize"),
            "Part of an answer",
            true,
        ),
        Usage::Request => (
            format!("{debug}Clone, Default, serde::Serialize"),
            "Part of a request",
            false,
        ),
        Usage::Both => (
            format!("{debug}Clone, Default, serde::Serialize, serde::Deserialize"),
            "Part of a request and of an answer",
            false,
        ),
    };
    let _ = writeln!(t, "/// {doc} (`{}` in the facts).", def.name);
    let _ = writeln!(t, "{cfg_line}#[derive({derive})]");
    if exhaustive {
        t.push_str("#[non_exhaustive]\n");
    }
    let _ = writeln!(t, "pub struct {} {{", def.name);
    for f in &def.fields {
        let mut ty = rust_ty(&f.ty, prefix);
        if boxes.is_boxed(&def.name, &f.wire) {
            ty = format!("Box<{ty}>");
        }
        let optional = def.usage != Usage::Request || !f.required;
        let mut attrs = Vec::new();
        if f.ident.trim_start_matches("r#") != f.wire {
            attrs.push(format!("rename = \"{}\"", f.wire));
        }
        if optional && def.usage != Usage::Response {
            attrs.push("skip_serializing_if = \"Option::is_none\"".to_owned());
        }
        if !attrs.is_empty() {
            let _ = writeln!(t, "#[serde({})]", attrs.join(", "));
        }
        if optional {
            let _ = writeln!(t, "pub {}: Option<{ty}>,", f.ident);
        } else {
            let _ = writeln!(t, "pub {}: {ty},", f.ident);
        }
    }
    t.push_str("}\n\n");
    if secret {
        debug_impl(t, &def.name, &def.fields, "", cfg);
    }
}

/// A `Debug` that shows secret fields as `***`.
fn debug_impl(t: &mut String, name: &str, fields: &[Field], self_prefix: &str, cfg: Option<&str>) {
    let cfg_line = cfg.map(|c| format!("{c}\n")).unwrap_or_default();
    let _ = writeln!(
        t,
        "{cfg_line}impl std::fmt::Debug for {name} {{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{
        f.debug_struct(\"{name}\")"
    );
    for f in fields {
        let shown = f.ident.trim_start_matches("r#");
        if is_secret(&f.wire) {
            let _ = writeln!(t, ".field(\"{shown}\", &\"***\")");
        } else {
            let _ = writeln!(t, ".field(\"{shown}\", &self.{self_prefix}{})", f.ident);
        }
    }
    t.push_str(".finish()\n}\n}\n\n");
}

/// The `IdempotencyKey` variant of a place.
fn key_place(place: Where) -> &'static str {
    if place == Where::Query {
        "Query"
    } else {
        "Body"
    }
}

fn token_kind(k: &str) -> &'static str {
    match k {
        "tenant" => "crate::endpoint::TokenKind::Tenant",
        "user" => "crate::endpoint::TokenKind::User",
        _ => "crate::endpoint::TokenKind::App",
    }
}

/// `(argument type, conversion of `v`)` for a parameter taken by `new` or a setter.
fn arg(ty: &Ty, prefix: &str) -> (String, String) {
    match ty {
        Ty::List(inner) => (
            format!(
                "impl IntoIterator<Item = impl Into<{}>>",
                rust_ty(inner, prefix)
            ),
            "v.into_iter().map(Into::into).collect()".to_owned(),
        ),
        Ty::Map(..) => (rust_ty(ty, prefix), "v".to_owned()),
        _ => (
            format!("impl Into<{}>", rust_ty(ty, prefix)),
            "v.into()".to_owned(),
        ),
    }
}

/// Text of a scalar `value` (a reference) for a query, header or form field.
fn text_of(ty: &Ty, value: &str, name: &str) -> Result<String, String> {
    Ok(match ty {
        Ty::String => format!("{value}.clone()"),
        Ty::Bool | Ty::I64 | Ty::I32 | Ty::F64 => format!("{value}.to_string()"),
        _ if value.starts_with("self.") => {
            format!("crate::api::json_text(\"{name}\", &{value})?")
        }
        _ => format!("crate::api::json_text(\"{name}\", {value})?"),
    })
}

fn endpoint(t: &mut String, ep: &Endpoint, prefix: &str) -> Result<(), String> {
    let name = &ep.name;
    let meta = ep.meta_static();
    let tokens: Vec<&str> = ep.tokens.iter().map(|k| token_kind(k)).collect();
    let method = ep.method.to_ascii_uppercase();
    let _ = write!(
        t,
        "static {meta}: crate::endpoint::EndpointMeta = crate::endpoint::EndpointMeta::new(\"{}\", \"{name}\", http::Method::{method}, \"{}\", &[{}])",
        ep.service,
        ep.path,
        tokens.join(", ")
    );
    if ep.helpdesk {
        t.push_str(".helpdesk(true)");
    }
    if ep.www {
        t.push_str(".base(crate::endpoint::Base::Www)");
    }
    if ep.binary {
        t.push_str(".response(crate::endpoint::ResponseKind::Binary)");
    } else if ep.envelope.as_deref() != Some("data") {
        let env = match &ep.envelope {
            Some(k) => format!("Some(\"{k}\")"),
            None => "None".to_owned(),
        };
        let _ = write!(
            t,
            ".response(crate::endpoint::ResponseKind::Json {{ envelope: {env} }})"
        );
    }
    if ep.pagination.is_some() {
        t.push_str(".paginated(true)");
    }
    // The platform de-duplicates calls by this key, so the client may retry such calls.
    if let Some(key) = &ep.idempotency_key {
        let _ = write!(
            t,
            ".idempotency_key(crate::endpoint::IdempotencyKey::{}(\"{}\"))",
            key_place(key.place),
            key.wire
        );
    }
    if !ep.doc_url.is_empty() {
        let _ = write!(t, ".doc_url(\"{}\")", ep.doc_url);
    }
    t.push_str(";\n\n");

    // The request struct.
    let who: Vec<&str> = ep.tokens.iter().map(String::as_str).collect();
    let _ = writeln!(t, "/// `{method} {}`", ep.path);
    t.push_str("///\n");
    let _ = writeln!(
        t,
        "/// Token: {}{}.",
        if who.is_empty() {
            "none".to_owned()
        } else {
            who.join(" or ")
        },
        if ep.helpdesk {
            ", plus the helpdesk header"
        } else {
            ""
        }
    );
    if ep.upload {
        t.push_str("/// Uploads a file (multipart).\n");
    }
    if ep.download {
        t.push_str("/// Answers raw bytes ([`Download`](crate::Download)).\n");
    }
    if ep.pagination.is_some() {
        t.push_str("/// Paginated: use [`Client::pages`](crate::Client::pages).\n");
    }
    if ep.get_with_body() {
        t.push_str(
            "/// A GET with a JSON body, as documented; a browser's `fetch` cannot send it, so the\n/// body is left out when no body field is set.\n",
        );
    }
    if let Some(key) = &ep.idempotency_key {
        let _ = writeln!(
            t,
            "/// Idempotency key: `{}` ({}); filled in by the client when retries are on.",
            key.wire,
            if key.place == Where::Query {
                "query"
            } else {
                "body"
            }
        );
    }
    if !ep.doc_url.is_empty() {
        let _ = writeln!(t, "///\n/// [Documentation]({})", ep.doc_url);
    }
    let secret = ep.params.iter().any(|(_, f)| is_secret(&f.wire));
    let json = ep.body == BodyKind::Json;
    let mut derive = vec![];
    if !secret {
        derive.push("Debug");
    }
    derive.push("Clone");
    if json {
        derive.push("serde::Serialize");
    }
    let _ = writeln!(t, "#[derive({})]\n#[must_use]", derive.join(", "));
    let _ = writeln!(t, "pub struct {name} {{");
    for (place, f) in &ep.params {
        let ty = rust_ty(&f.ty, prefix);
        if json {
            if *place != Where::Body {
                t.push_str("#[serde(skip)]\n");
            } else {
                let mut attrs = Vec::new();
                if f.ident.trim_start_matches("r#") != f.wire {
                    attrs.push(format!("rename = \"{}\"", f.wire));
                }
                if !f.required {
                    attrs.push("skip_serializing_if = \"Option::is_none\"".to_owned());
                }
                if !attrs.is_empty() {
                    let _ = writeln!(t, "#[serde({})]", attrs.join(", "));
                }
            }
        }
        if f.required {
            let _ = writeln!(t, "{}: {ty},", f.ident);
        } else {
            let _ = writeln!(t, "{}: Option<{ty}>,", f.ident);
        }
    }
    t.push_str("}\n\n");
    if secret {
        let fields: Vec<Field> = ep.params.iter().map(|(_, f)| f.clone()).collect();
        debug_impl(t, name, &fields, "", None);
    }

    // Constructor and setters.
    let _ = writeln!(t, "impl {name} {{");
    let required: Vec<&Field> = ep
        .params
        .iter()
        .filter(|(_, f)| f.required)
        .map(|(_, f)| f)
        .collect();
    let args: Vec<String> = required
        .iter()
        .map(|f| format!("{}: {}", f.ident, arg(&f.ty, prefix).0))
        .collect();
    let names: Vec<String> = required
        .iter()
        .map(|f| format!("`{}`", f.ident.trim_start_matches("r#")))
        .collect();
    if names.is_empty() {
        t.push_str("/// A request; set optional parameters with the setters.\n");
    } else {
        let _ = writeln!(t, "/// A request with its required {}.", names.join(", "));
    }
    let _ = writeln!(t, "pub fn new({}) -> Self {{\nSelf {{", args.join(", "));
    for (_, f) in &ep.params {
        if f.required {
            let conv = arg(&f.ty, prefix).1.replace("v.", &format!("{}.", f.ident));
            let conv = if conv == "v" { f.ident.clone() } else { conv };
            let _ = writeln!(t, "{}: {conv},", f.ident);
        } else {
            let _ = writeln!(t, "{}: None,", f.ident);
        }
    }
    t.push_str("}\n}\n\n");
    for (place, f) in &ep.params {
        if f.required {
            continue;
        }
        let (ty, conv) = arg(&f.ty, prefix);
        let setter = if f.ident == "new" { "new_" } else { &f.ident };
        let place = match place {
            Where::Path => "path",
            Where::Query => "query",
            Where::Header => "header",
            Where::Body => "body",
        };
        let _ = writeln!(
            t,
            "/// Sets `{}` ({place}, `{}`).\npub fn {setter}(mut self, v: {ty}) -> Self {{\nself.{} = Some({conv});\nself\n}}\n",
            f.wire, f.ty_text, f.ident
        );
    }
    t.push_str("}\n\n");

    // The answer.
    let output = if ep.binary {
        "crate::endpoint::Download".to_owned()
    } else if let Some(r) = ep.response_type() {
        let def = TypeDef {
            name: r.clone(),
            fields: ep.response.clone(),
            usage: Usage::Response,
            custom_json: false,
        };
        let _ = writeln!(t, "/// The answer of [`{name}`].");
        let mut body = String::new();
        type_def(
            &mut body,
            &def,
            prefix,
            &Boxes {
                boxed: BTreeSet::new(),
            },
            None,
        );
        // Drop the generic doc line written by type_def.
        let body = body.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
        t.push_str(body);
        r
    } else {
        "crate::api::Empty".to_owned()
    };

    // Endpoint.
    let _ = writeln!(
        t,
        "impl crate::endpoint::Endpoint for {name} {{\ntype Output = {output};\n\nfn meta(&self) -> &crate::endpoint::EndpointMeta {{\n&{meta}\n}}\n"
    );
    let path_params: Vec<&Field> = ep.in_(Where::Path).collect();
    if path_params.is_empty() {
        let _ = writeln!(
            t,
            "fn path(&self) -> crate::error::Result<String> {{\nOk({meta}.path.to_owned())\n}}\n"
        );
    } else {
        let values: Vec<String> = path_params
            .iter()
            .map(|f| match f.ty {
                Ty::String => format!("(\"{}\", self.{}.as_str())", f.wire, f.ident),
                _ => format!("(\"{}\", self.{}.to_string().as_str())", f.wire, f.ident),
            })
            .collect();
        let _ = writeln!(
            t,
            "fn path(&self) -> crate::error::Result<String> {{\ncrate::endpoint::fill_path({meta}.path, &[{}])\n}}\n",
            values.join(", ")
        );
    }
    let query: Vec<&Field> = ep.in_(Where::Query).collect();
    if !query.is_empty() {
        t.push_str("fn query(&self, query: &mut Vec<(&'static str, String)>) {\n");
        for f in query {
            let push = |value: &str, ty: &Ty| -> Result<String, String> {
                if !ty.is_scalar() {
                    return Err(format!(
                        "{}.{}: query parameter `{}` is not a scalar",
                        ep.service, ep.name, f.wire
                    ));
                }
                Ok(format!(
                    "query.push((\"{}\", {}));",
                    f.wire,
                    text_of(ty, value, &f.wire)?
                ))
            };
            let line = match (&f.ty, f.required) {
                (Ty::List(inner), true) => {
                    format!("for v in &self.{} {{\n{}\n}}", f.ident, push("v", inner)?)
                }
                (Ty::List(inner), false) => format!(
                    "if let Some(list) = &self.{} {{\nfor v in list {{\n{}\n}}\n}}",
                    f.ident,
                    push("v", inner)?
                ),
                (ty, true) => push(&format!("self.{}", f.ident), ty)?,
                (ty, false) => format!(
                    "if let Some(v) = &self.{} {{\n{}\n}}",
                    f.ident,
                    push("v", ty)?
                ),
            };
            let _ = writeln!(t, "{line}");
        }
        t.push_str("}\n\n");
    }
    let headers: Vec<&Field> = ep.in_(Where::Header).collect();
    if !headers.is_empty() {
        t.push_str(
            "fn headers(&self, headers: &mut http::HeaderMap) -> crate::error::Result<()> {\n",
        );
        for f in headers {
            if f.required {
                let _ = writeln!(
                    t,
                    "crate::api::header(headers, \"{}\", &{})?;",
                    f.wire,
                    text_of(&f.ty, &format!("self.{}", f.ident), &f.wire)?
                );
            } else {
                let _ = writeln!(
                    t,
                    "if let Some(v) = &self.{} {{\ncrate::api::header(headers, \"{}\", &{})?;\n}}",
                    f.ident,
                    f.wire,
                    text_of(&f.ty, "v", &f.wire)?
                );
            }
        }
        t.push_str("Ok(())\n}\n\n");
    }
    match ep.body {
        BodyKind::None => {
            if ep.in_(Where::Body).next().is_some() {
                return Err(format!(
                    "{}.{}: body fields without a body",
                    ep.service, ep.name
                ));
            }
        }
        BodyKind::Json => {
            t.push_str("fn body(&self) -> crate::error::Result<crate::endpoint::Body> {\n");
            let body: Vec<&Field> = ep.in_(Where::Body).collect();
            if ep.get_with_body() && body.iter().all(|f| !f.required) {
                // A GET sends its body only when it has something to say: `fetch` cannot send
                // a GET with a body at all.
                let unset: Vec<String> = body
                    .iter()
                    .map(|f| format!("self.{}.is_none()", f.ident))
                    .collect();
                let _ = writeln!(
                    t,
                    "if {} {{\nreturn Ok(crate::endpoint::Body::None);\n}}",
                    unset.join(" && ")
                );
            }
            t.push_str("crate::endpoint::Body::json(self)\n}\n\n");
        }
        BodyKind::Multipart => {
            t.push_str("fn body(&self) -> crate::error::Result<crate::endpoint::Body> {\nlet mut form = crate::endpoint::Multipart::new();\n");
            for f in ep.in_(Where::Body) {
                let add = |value: &str| -> Result<String, String> {
                    Ok(match &f.ty {
                        Ty::Binary => format!("form.file(\"{}\", {value}.clone());", f.wire),
                        ty => format!(
                            "form.text(\"{}\", {});",
                            f.wire,
                            text_of(ty, value, &f.wire)?
                        ),
                    })
                };
                if f.required {
                    let _ = writeln!(t, "{}", add(&format!("self.{}", f.ident))?);
                } else {
                    let _ = writeln!(
                        t,
                        "if let Some(v) = &self.{} {{\n{}\n}}",
                        f.ident,
                        add("v")?
                    );
                }
            }
            t.push_str("Ok(crate::endpoint::Body::Multipart(form))\n}\n\n");
        }
    }
    t.push_str("}\n\n");

    if let Some(p) = &ep.pagination {
        let request = ep
            .params
            .iter()
            .find(|(w, f)| f.wire == p.request_token && (*w == Where::Body) == p.token_in_body)
            .map(|(_, f)| {
                if f.required {
                    // A token the facts call required: the first page sends it empty.
                    format!("{} = token.unwrap_or_default()", f.ident)
                } else {
                    format!("{} = token", f.ident)
                }
            })
            .ok_or_else(|| format!("{}: no page token", ep.name))?;
        let response = ep
            .response
            .iter()
            .find(|f| f.wire == p.response_token)
            .map(|f| f.ident.clone())
            .ok_or_else(|| format!("{}: no answer page token", ep.name))?;
        let output = ep
            .response_type()
            .ok_or_else(|| format!("{}: paginated without an answer", ep.name))?;
        let has_more = match &p.has_more {
            Some(h) => {
                let ident = ep
                    .response
                    .iter()
                    .find(|f| &f.wire == h)
                    .map(|f| f.ident.clone())
                    .ok_or_else(|| format!("{}: no has_more", ep.name))?;
                format!("self.{ident}.unwrap_or(false)")
            }
            // Without a has_more flag, a non-empty next token means more.
            None => format!("self.{response}.as_deref().is_some_and(|t| !t.is_empty())"),
        };
        let _ = writeln!(
            t,
            "impl crate::endpoint::Paginated for {name} {{
fn set_page_token(&mut self, token: Option<String>) {{
self.{request};
}}
}}

impl crate::endpoint::Page for {output} {{
fn has_more(&self) -> bool {{
{has_more}
}}

fn next_page_token(&self) -> Option<&str> {{
self.{response}.as_deref()
}}
}}
"
        );
    }
    Ok(())
}

fn param_list(fields: &[&Field]) -> String {
    let items: Vec<String> = fields
        .iter()
        .map(|f| format!("P::new(\"{}\", \"{}\", {})", f.wire, f.ty_text, f.required))
        .collect();
    format!("&[{}]", items.join(", "))
}

fn catalog(model: &Model) -> String {
    let mut t = String::from(
        "//! Every endpoint, described with static data only: available without any feature.\n\n\
         use crate::endpoint::{Base, BodyKind, EndpointSpec, IdempotencyKey, ParamSpec as P, TokenKind};\n\n",
    );
    let _ = writeln!(
        t,
        "/// Every endpoint of the spec ({} of them), in service order.\npub static CATALOG: &[EndpointSpec] = &[",
        model.endpoints.len()
    );
    for ep in &model.endpoints {
        let tokens: Vec<String> = ep
            .tokens
            .iter()
            .map(|k| token_kind(k).replace("crate::endpoint::", ""))
            .collect();
        let part = |w: Where| -> Vec<&Field> { ep.in_(w).collect() };
        let _ = writeln!(
            t,
            "EndpointSpec {{ service: \"{}\", name: \"{}\", method: \"{}\", path: \"{}\", path_params: {}, query: {}, headers: {}, body: BodyKind::{}, body_fields: {}, tokens: &[{}], helpdesk: {}, base: Base::{}, envelope: {}, paginated: {}, upload: {}, download: {}, doc_url: \"{}\" }},",
            ep.service,
            ep.name,
            ep.method.to_ascii_uppercase(),
            ep.path,
            param_list(&part(Where::Path)),
            param_list(&part(Where::Query)),
            param_list(&part(Where::Header)),
            match ep.body {
                BodyKind::None => "None",
                BodyKind::Json => "Json",
                BodyKind::Multipart => "Multipart",
            },
            param_list(&part(Where::Body)),
            tokens.join(", "),
            ep.helpdesk,
            if ep.www { "Www" } else { "OpenApis" },
            match &ep.envelope {
                Some(k) if !ep.binary => format!("Some(\"{k}\")"),
                _ => "None".to_owned(),
            },
            ep.pagination.is_some(),
            ep.upload,
            ep.download,
            ep.doc_url,
        );
    }
    t.push_str("];\n\n");
    let keyed: Vec<&Endpoint> = model
        .endpoints
        .iter()
        .filter(|e| e.idempotency_key.is_some())
        .collect();
    let _ = writeln!(
        t,
        "/// The endpoints the platform de-duplicates by a key the client fills in when retries are on\n/// ({} of them): `(service, name, key)`, each with the documentation's words that make it one.\n/// Decided by lark-codegen (`readings.rs`): the names `client_token`, `idempotency_key`,\n/// `idempotent_id`, `idempotent_key` and `dedupe_key`, and `uuid` only where its\n/// documentation says so.\npub static IDEMPOTENCY_KEYS: &[(&str, &str, IdempotencyKey)] = &[",
        keyed.len()
    );
    for ep in keyed {
        if let Some(key) = &ep.idempotency_key {
            let _ = writeln!(
                t,
                "// {}\n(\"{}\", \"{}\", IdempotencyKey::{}(\"{}\")),",
                key.why,
                ep.service,
                ep.name,
                key_place(key.place),
                key.wire
            );
        }
    }
    t.push_str("];\n");
    t
}
