//! Rust source of `lark_core::api`: request structs, answer types, the catalog.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::model::{BodyKind, Endpoint, Field, Model, Ty, TypeDef, Usage, Where};
use super::shapes::{EnumDef, Shapes, endpoint_module};

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

/// How generated code names things: the module it is written in decides the paths.
pub(crate) struct Ctx<'a> {
    pub(crate) model: &'a Model,
    pub(crate) shapes: &'a Shapes,
}

impl Ctx<'_> {
    /// The path of a class or enum seen from a file of crate `from` (`""`: the common crate).
    pub(crate) fn path_of(&self, key: &str, from: &str) -> String {
        let (home, name) = if key.starts_with('E') {
            let e = &self.shapes.enums[key];
            (&e.home, e.name.as_str())
        } else {
            (&self.shapes.homes[key], self.model.types[key].name.as_str())
        };
        qualified(home, name, from)
    }

    /// A type as the docs spell it: the facts' vocabulary (`string`, `list<T>`, ...) with the
    /// generated names of types and enums.
    pub(crate) fn doc_ty(&self, ty: &Ty) -> String {
        match ty {
            Ty::String => "string".into(),
            Ty::Bool => "bool".into(),
            Ty::I64 => "i64".into(),
            Ty::I32 => "i32".into(),
            Ty::F64 => "f64".into(),
            Ty::Any => "any".into(),
            Ty::Binary => "binary".into(),
            Ty::List(t) => format!("list<{}>", self.doc_ty(t)),
            Ty::Map(k, v) => format!("map<{},{}>", self.doc_ty(k), self.doc_ty(v)),
            Ty::Enum(key) => self.shapes.enums[key].name.clone(),
            Ty::Named(key) => self.model.types[key].name.clone(),
        }
    }

    /// The Rust spelling of a type in a file of crate `from`.
    pub(crate) fn rust_ty(&self, ty: &Ty, from: &str) -> String {
        match ty {
            Ty::String => "String".into(),
            Ty::Bool => "bool".into(),
            Ty::I64 => "i64".into(),
            Ty::I32 => "i32".into(),
            Ty::F64 => "f64".into(),
            Ty::Any => "serde_json::Value".into(),
            Ty::Binary => "lark_core::endpoint::File".into(),
            Ty::List(t) => format!("Vec<{}>", self.rust_ty(t, from)),
            Ty::Map(k, v) => format!(
                "std::collections::BTreeMap<{}, {}>",
                self.rust_ty(k, from),
                self.rust_ty(v, from)
            ),
            Ty::Named(n) | Ty::Enum(n) => self.path_of(n, from),
        }
    }
}

/// `crate::v1::message::Message`, or `lark_api_common::UserIdType` from a service crate.
pub(crate) fn qualified(home: &[String], name: &str, from: &str) -> String {
    match home.split_first() {
        None if from.is_empty() => format!("crate::{name}"),
        None => format!("lark_api_common::{name}"),
        Some((project, rest)) => {
            let root = if project == from {
                "crate".to_owned()
            } else {
                crate_ident(project)
            };
            let mut parts = vec![root];
            parts.extend(rest.iter().cloned());
            parts.push(name.to_owned());
            parts.join("::")
        }
    }
}

/// `lark_api_im`.
pub(crate) fn crate_ident(project: &str) -> String {
    format!("lark_api_{project}")
}

/// `lark-api-human-authentication`.
pub(crate) fn crate_name(project: &str) -> String {
    format!("lark-api-{}", project.replace('_', "-"))
}

/// The files of one run: path relative to `api/` → text.
#[derive(Default)]
pub(crate) struct Files {
    /// Rust files (formatted with rustfmt).
    pub(crate) files: BTreeMap<String, String>,
    /// Other files, written as they are.
    pub(crate) toml: BTreeMap<String, String>,
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
                if reaches(&target, &t.key) {
                    boxed.insert((t.key.clone(), field));
                }
            }
        }
        Self { boxed }
    }

    fn is_boxed(&self, ty: &str, field: &str) -> bool {
        self.boxed.contains(&(ty.to_owned(), field.to_owned()))
    }
}

/// A scope of generated code: the crate (`project`, empty for the common crate).
pub(crate) struct Scope<'a> {
    pub(crate) cx: &'a Ctx<'a>,
    pub(crate) from: &'a str,
}

impl Scope<'_> {
    fn ty(&self, ty: &Ty) -> String {
        self.cx.rust_ty(ty, self.from)
    }
}

/// Where the generated crates live.
pub(crate) const SERVICES_DIR: &str = "crates/lark-api/services";
pub(crate) const UMBRELLA_DIR: &str = "crates/lark-api";

/// The source file of a module: `src/lib.rs`, `src/v1/mod.rs`, `src/v1/message.rs`.
fn file_of(home: &[String]) -> String {
    match home {
        [] => format!("{SERVICES_DIR}/common/src/lib.rs"),
        [p] => format!("{SERVICES_DIR}/{p}/src/lib.rs"),
        [p, v] => format!("{SERVICES_DIR}/{p}/src/{v}/mod.rs"),
        [p, v, r, ..] => format!("{SERVICES_DIR}/{p}/src/{v}/{r}.rs"),
    }
}

pub(crate) fn generate(model: &Model, shapes: &Shapes) -> Result<Files, String> {
    check_typed_alternatives(model)?;
    let cx = Ctx { model, shapes };
    let boxes = Boxes::new(&model.types);
    let mut files = Files::default();
    // Bodies by module.
    let mut bodies: BTreeMap<Vec<String>, String> = BTreeMap::new();
    // Every module that exists, with its children.
    let mut children: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
    let add_module = |m: &[String], children: &mut BTreeMap<Vec<String>, BTreeSet<String>>| {
        for i in 1..=m.len() {
            children.entry(m[..i].to_vec()).or_default();
            if i >= 2 {
                children
                    .entry(m[..i - 1].to_vec())
                    .or_default()
                    .insert(m[i - 1].clone());
            }
        }
    };
    let mut uses_common: BTreeSet<String> = BTreeSet::new();
    for ep in &model.endpoints {
        let m = endpoint_module(ep);
        add_module(&m, &mut children);
        let from = ep.official.project.clone();
        let sc = Scope {
            cx: &cx,
            from: &from,
        };
        let text = bodies.entry(m).or_default();
        endpoint(text, ep, &sc)?;
    }
    for (key, def) in &model.types {
        let home = &shapes.homes[key];
        let from = home.first().cloned().unwrap_or_default();
        let sc = Scope {
            cx: &cx,
            from: &from,
        };
        let text = bodies.entry(home.clone()).or_default();
        type_def(text, def, &sc, &boxes);
    }
    for e in shapes.enums.values() {
        let text = bodies.entry(e.home.clone()).or_default();
        enum_def(text, e);
    }
    // Which service crates name the common crate.
    for (m, body) in &bodies {
        if let Some(p) = m.first() {
            if body.contains("lark_api_common::") {
                uses_common.insert(p.clone());
            }
        }
    }
    let projects: BTreeMap<String, usize> = {
        let mut p = BTreeMap::new();
        for ep in &model.endpoints {
            *p.entry(ep.official.project.clone()).or_insert(0) += 1;
        }
        p
    };
    for (m, kids) in &children {
        let mut text = String::new();
        match m.as_slice() {
            [p] => {
                let count = projects[p];
                let _ = writeln!(
                    text,
                    "//! The `{p}` service of the Feishu/Lark Open Platform: {count} endpoint{}, by version and resource\n//! (`{p}::v1::<resource>::<Method>`), as the official documentation and SDKs name them.\n//!\n//! Each request type is built with its required parameters in `new` and optional ones as\n//! chained setters, and sent with `lark_core::Client::send`; its answer is `<Method>Response`.\n#![allow(\n    clippy::too_many_arguments,\n    clippy::new_without_default,\n    clippy::should_implement_trait,\n    clippy::wrong_self_convention,\n    clippy::module_inception,\n    clippy::type_complexity,\n    clippy::large_enum_variant,\n    clippy::enum_variant_names,\n    non_camel_case_types\n)]\n",
                    if count == 1 { "" } else { "s" }
                );
            }
            [p, v] => {
                let what = if v == "v0" {
                    "the endpoints whose path carries no version".to_owned()
                } else {
                    format!("version {v}")
                };
                let _ = writeln!(text, "//! `{p}` {what}.\n");
            }
            [p, v, r, ..] => {
                let paths: BTreeSet<&str> = model
                    .endpoints
                    .iter()
                    .filter(|e| &endpoint_module(e) == m)
                    .map(|e| e.path.as_str())
                    .collect();
                let dotted = model
                    .endpoints
                    .iter()
                    .find(|e| &endpoint_module(e) == m)
                    .map(|e| e.official.resource.join("."))
                    .unwrap_or_else(|| r.clone());
                let _ = writeln!(
                    text,
                    "//! The `{dotted}` resource of `{p}` {v}{}.\n",
                    common_prefix(&paths)
                        .map(|p| format!(" (`{p}`)"))
                        .unwrap_or_default()
                );
            }
            [] => {}
        }
        for k in kids {
            let _ = writeln!(text, "pub mod {k};");
        }
        if let Some(body) = bodies.get(m) {
            text.push('\n');
            text.push_str(body);
        }
        files.files.insert(file_of(m), text);
    }
    // The common crate.
    let mut common = String::from(
        "//! Types and enums that several services of the Feishu/Lark Open Platform share; the\n//! service crates (`lark-api-<service>`) name them here.\n#![allow(clippy::large_enum_variant, clippy::enum_variant_names, non_camel_case_types)]\n\n",
    );
    if let Some(body) = bodies.get(&Vec::new()) {
        common.push_str(body);
    }
    files.files.insert(file_of(&[]), common);
    files.toml.insert(
        format!("{SERVICES_DIR}/common/Cargo.toml"),
        crate_toml(
            "lark-api-common",
            "Types the services of the Feishu/Lark SDK's typed API share",
            false,
        ),
    );
    for (p, count) in &projects {
        files.toml.insert(
            format!("{SERVICES_DIR}/{p}/Cargo.toml"),
            crate_toml(
                &crate_name(p),
                &format!(
                    "The `{p}` service of the Feishu/Lark Open Platform, typed ({count} endpoints)"
                ),
                uses_common.contains(p),
            ),
        );
    }
    files.toml.insert(
        format!("{UMBRELLA_DIR}/Cargo.toml"),
        umbrella_toml(&projects),
    );
    files.files.insert(
        format!("{UMBRELLA_DIR}/src/lib.rs"),
        umbrella_lib(model, &projects),
    );
    for (path, text) in catalog(model)? {
        files.files.insert(path, text);
    }
    files
        .toml
        .insert(format!("{UMBRELLA_DIR}/RENAMES.md"), renames(model));
    Ok(files)
}

/// The rename table of API v2: every endpoint's former (facts) name, its official name and its
/// Rust path, generated from the model.
fn renames(model: &Model) -> String {
    let mut t = String::from(
        "<!-- Generated by lark-codegen. DO NOT EDIT. -->\n# Renames of API v2\n\nEvery endpoint's former name (the facts', a Go SDK's) next to its official name (what\n`lark api --endpoint` and the npm package take) and its Rust request type. Both names find the\nendpoint in `lark_core::api::find_id` and `lark api --endpoint`; rustdoc searches the former name\nthrough `#[doc(alias)]`.\n",
    );
    corrected(&mut t, model);
    t.push_str("\n## Every endpoint\n\n| former | official | Rust | method and path |\n|---|---|---|---|\n");
    let mut rows: Vec<&Endpoint> = model.endpoints.iter().collect();
    rows.sort_by_key(|e| (e.service.clone(), e.name.clone()));
    for ep in rows {
        let module = endpoint_module(ep).join("::");
        let _ = writeln!(
            t,
            "| `{}.{}` | `{}` | `lark_api::{module}::{}` | `{} {}` |",
            ep.service,
            ep.name,
            ep.official.dotted(),
            ep.official.type_name,
            ep.method.to_ascii_uppercase(),
            ep.path
        );
    }
    t
}

/// The rows the union spec moved to their right API version (`source.fixed`): each sat on its
/// sibling's path, so the two shared the sibling's name and the sibling took a version suffix.
/// Both names changed.
fn corrected(t: &mut String, model: &Model) {
    let fixed: Vec<&Endpoint> = model
        .endpoints
        .iter()
        .filter(|e| e.fixed_from.is_some())
        .collect();
    if fixed.is_empty() {
        return;
    }
    let _ = writeln!(
        t,
        "\n## Endpoints moved to their API version ({} rows, with the union spec)\n\nThe seed facts had each of these rows at its sibling's method and path, so both answered to the\nsibling's official name (the second with a version suffix: `createV2`). The union spec moves each\nrow to the version the official SDKs list; the sibling keeps the path and the plain name.\n\n| row | was | now | sibling (keeps the old path) | the sibling was |\n|---|---|---|---|---|",
        fixed.len()
    );
    let rust = |ep: &Endpoint| {
        format!(
            "`lark_api::{}::{}`",
            endpoint_module(ep).join("::"),
            ep.official.type_name
        )
    };
    for ep in fixed {
        let old = ep.fixed_from.as_deref().unwrap_or_default();
        let sibling = model
            .endpoints
            .iter()
            .find(|s| s.method == ep.method && s.path == old && !std::ptr::eq(*s, ep));
        let method = ep.method.to_ascii_uppercase();
        let (sibling_now, sibling_was) = match sibling {
            Some(s) => {
                let suffix = super::names::version_suffix(&s.name)
                    .or_else(|| super::names::version_suffix(&ep.name))
                    .unwrap_or_default();
                (
                    format!("`{}`, {}", s.official.dotted(), rust(s)),
                    format!(
                        "`{}{suffix}`, `lark_api::{}::{}{suffix}`",
                        s.official.dotted(),
                        endpoint_module(s).join("::"),
                        s.official.type_name
                    ),
                )
            }
            None => ("none".to_owned(), "–".to_owned()),
        };
        let _ = writeln!(
            t,
            "| `{}.{}` | `{method} {old}`, as `{}` | `{method} {}`: `{}`, {} | {sibling_now} | {sibling_was} |",
            ep.service,
            ep.name,
            sibling
                .map(|s| s.official.dotted())
                .unwrap_or_else(|| ep.official.dotted()),
            ep.path,
            ep.official.dotted(),
            rust(ep),
        );
    }
}

/// The services on by default: what a chat bot needs (messages and chats, users, tokens).
pub(crate) const DEFAULT_SERVICES: &[&str] = &["auth", "contact", "im"];

fn crate_toml(name: &str, description: &str, common: bool) -> String {
    let mut t = format!(
        "# Generated by lark-codegen. DO NOT EDIT.\n[package]\nname = \"{name}\"\ndescription = \"{description}\"\nversion.workspace = true\nedition.workspace = true\nrust-version.workspace = true\nlicense.workspace = true\nrepository.workspace = true\n\n[lib]\n# Generated code: its tests live in lark-api (generated_*.rs).\ntest = false\ndoctest = false\n\n[lints]\nworkspace = true\n\n[package.metadata.docs.rs]\n# Plain data types, the same on every target: docs for one.\ntargets = [\"x86_64-unknown-linux-gnu\"]\n\n[dependencies]\nlark-core.workspace = true\nhttp.workspace = true\nserde.workspace = true\nserde_json.workspace = true\n"
    );
    if common {
        t.push_str("lark-api-common = { path = \"../common\", version = \"0.1.0\" }\n");
    }
    t
}

fn umbrella_toml(projects: &BTreeMap<String, usize>) -> String {
    let mut t = String::from(
        "# Generated by lark-codegen. DO NOT EDIT.\n[package]\nname = \"lark-api\"\ndescription = \"Every endpoint of the Feishu/Lark Open Platform, typed, under the platform's own names (one cargo feature per service)\"\nversion.workspace = true\nedition.workspace = true\nrust-version.workspace = true\nlicense.workspace = true\nrepository.workspace = true\n\n[lints]\nworkspace = true\n\n[package.metadata.docs.rs]\nfeatures = [\"full\"]\nrustdoc-args = [\"--cfg\", \"docsrs\"]\n\n[features]\n",
    );
    let quoted: Vec<String> = DEFAULT_SERVICES
        .iter()
        .map(|s| format!("\"{s}\""))
        .collect();
    let _ = writeln!(t, "default = [{}]", quoted.join(", "));
    t.push_str("# Every service.\nfull = [\n");
    for p in projects.keys() {
        let _ = writeln!(t, "    \"{p}\",");
    }
    t.push_str("]\n");
    for p in projects.keys() {
        let _ = writeln!(t, "{p} = [\"dep:{}\"]", crate_name(p));
    }
    t.push_str("\n[dependencies]\nlark-core.workspace = true\nlark-api-common = { path = \"services/common\", version = \"0.1.0\" }\n");
    for p in projects.keys() {
        let _ = writeln!(
            t,
            "{} = {{ path = \"services/{p}\", version = \"0.1.0\", optional = true }}",
            crate_name(p)
        );
    }
    t.push_str("\n[dev-dependencies]\nhttp.workspace = true\nserde.workspace = true\nserde_json.workspace = true\n");
    t
}

fn umbrella_lib(model: &Model, projects: &BTreeMap<String, usize>) -> String {
    let mut t = String::new();
    let _ = writeln!(
        t,
        "//! Every endpoint of the Feishu/Lark Open Platform ({} of them), typed, under the names the\n//! official documentation and SDKs use: `lark_api::im::v1::message::Create` is `im.v1.message.create`.\n//!\n//! One cargo feature per service (`im`, `contact`, `drive`, `corehr`, ...; `full` for all);\n//! `auth`, `contact` and `im` are on by default. Each service is its own crate\n//! (`lark-api-<service>`), so services build in parallel and only the ones turned on build.\n//! Send a request with `lark_core::Client::send`; `lark_core::api::CATALOG` describes every\n//! endpoint without any feature.\n#![cfg_attr(docsrs, feature(doc_cfg))]\n\n#[doc(inline)]\npub use lark_api_common as common;\n",
        model.endpoints.len()
    );
    for (p, count) in projects {
        let _ = writeln!(
            t,
            "/// The `{p}` service ({count} endpoint{}).\n#[cfg(feature = \"{p}\")]\n#[cfg_attr(docsrs, doc(cfg(feature = \"{p}\")))]\n#[doc(inline)]\npub use {} as {p};",
            if *count == 1 { "" } else { "s" },
            crate_ident(p)
        );
    }
    t
}

/// A string enum, through `lark_core::string_enum!`.
fn enum_def(t: &mut String, e: &EnumDef) {
    let _ = writeln!(
        t,
        "lark_core::string_enum! {{\n/// The values of `{}` the platform documents; a value it adds later arrives as `Other`.\n{} {{",
        e.field, e.name
    );
    let mut used = BTreeSet::new();
    for v in &e.values {
        let mut variant = super::shapes::type_name_of(v);
        if variant == "Other" || variant == "Type" {
            variant = format!("{variant}Value");
        }
        let base = variant.clone();
        let mut n = 2;
        while !used.insert(variant.clone()) {
            variant = format!("{base}{n}");
            n += 1;
        }
        let _ = writeln!(t, "{variant} = {v:?},");
    }
    t.push_str("}\n}\n\n");
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

/// A `custom_json` type: the JSON value itself, since its wire form is not a fixed set of
/// fields (a sheet cell is a string, a number, a boolean, null, or an object or list of rich
/// segments).
fn json_value_type(t: &mut String, def: &TypeDef) {
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
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct {name}(pub serde_json::Value);

impl {name} {{
    /// The value as sent.
    pub fn new(value: impl Into<serde_json::Value>) -> Self {{
        Self(value.into())
    }}

    /// The JSON value.
    pub fn into_value(self) -> serde_json::Value {{
        self.0
    }}
}}

impl From<serde_json::Value> for {name} {{
    fn from(value: serde_json::Value) -> Self {{
        Self(value)
    }}
}}

impl From<{name}> for serde_json::Value {{
    fn from(value: {name}) -> Self {{
        value.0
    }}
}}

impl std::ops::Deref for {name} {{
    type Target = serde_json::Value;

    fn deref(&self) -> &serde_json::Value {{
        &self.0
    }}
}}
"
    );
}

fn type_def(t: &mut String, def: &TypeDef, sc: &Scope<'_>, boxes: &Boxes) {
    if def.custom_json {
        json_value_type(t, def);
        return;
    }
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
    let _ = writeln!(t, "/// {doc}.");
    if let Some(alias) = sc
        .cx
        .shapes
        .facts_name
        .get(&def.key)
        .filter(|a| **a != def.name)
    {
        let _ = writeln!(t, "#[doc(alias = \"{alias}\")]");
    }
    let _ = writeln!(t, "#[derive({derive})]");
    if exhaustive {
        t.push_str("#[non_exhaustive]\n");
    }
    let _ = writeln!(t, "pub struct {} {{", def.name);
    for f in &def.fields {
        let mut ty = sc.ty(&f.ty);
        if boxes.is_boxed(&def.key, &f.wire) {
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
        debug_impl(t, &def.name, &def.fields);
    }
}

/// A `Debug` that shows secret fields as `***`.
fn debug_impl(t: &mut String, name: &str, fields: &[Field]) {
    let _ = writeln!(
        t,
        "impl std::fmt::Debug for {name} {{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{
        f.debug_struct(\"{name}\")"
    );
    for f in fields {
        let shown = f.ident.trim_start_matches("r#");
        if is_secret(&f.wire) {
            let _ = writeln!(t, ".field(\"{shown}\", &\"***\")");
        } else {
            let _ = writeln!(t, ".field(\"{shown}\", &self.{})", f.ident);
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
        "tenant" => "lark_core::endpoint::TokenKind::Tenant",
        "user" => "lark_core::endpoint::TokenKind::User",
        _ => "lark_core::endpoint::TokenKind::App",
    }
}

/// `(argument type, conversion of `v`)` for a parameter taken by `new` or a setter.
fn arg(ty: &Ty, sc: &Scope<'_>) -> (String, String) {
    match ty {
        Ty::List(inner) => (
            format!("impl IntoIterator<Item = impl Into<{}>>", sc.ty(inner)),
            "v.into_iter().map(Into::into).collect()".to_owned(),
        ),
        Ty::Map(..) => (sc.ty(ty), "v".to_owned()),
        _ => (format!("impl Into<{}>", sc.ty(ty)), "v.into()".to_owned()),
    }
}

/// Text of a scalar `value` (a reference) for a query, header or form field.
fn text_of(ty: &Ty, value: &str, name: &str) -> Result<String, String> {
    Ok(match ty {
        Ty::String => format!("{value}.clone()"),
        Ty::Enum(_) => format!("{value}.as_str().to_owned()"),
        Ty::Bool | Ty::I64 | Ty::I32 | Ty::F64 => format!("{value}.to_string()"),
        _ if value.starts_with("self.") => {
            format!("lark_core::api::json_text(\"{name}\", &{value})?")
        }
        _ => format!("lark_core::api::json_text(\"{name}\", {value})?"),
    })
}

/// What a crate above lark-api offers for an endpoint, in its docs: plain code text, since
/// lark-api cannot link to the crates that depend on it.
const TYPED_ALTERNATIVES: &[(&str, &str)] = &[
    ("im.v1.message.create", SEND_MESSAGE),
    ("im.v1.message.reply", SEND_MESSAGE),
];

const SEND_MESSAGE: &str = "For typed content, `lark_message::SendMessage` (re-exported as\n/// `lark_sdk::message::SendMessage`) writes `msg_type` and `content` for you.";

/// Every endpoint [`TYPED_ALTERNATIVES`] names is in the model: a renamed endpoint does not
/// lose its note silently.
fn check_typed_alternatives(model: &Model) -> Result<(), String> {
    for (id, _) in TYPED_ALTERNATIVES {
        if !model.endpoints.iter().any(|e| e.official.dotted() == *id) {
            return Err(format!(
                "TYPED_ALTERNATIVES names `{id}`, which is not an endpoint"
            ));
        }
    }
    Ok(())
}

fn endpoint(t: &mut String, ep: &Endpoint, sc: &Scope<'_>) -> Result<(), String> {
    let name = &ep.official.type_name;
    let meta = meta_path(ep);
    let method = ep.method.to_ascii_uppercase();
    let dotted = ep.official.dotted();

    // The request struct.
    let who: Vec<&str> = ep.tokens.iter().map(String::as_str).collect();
    let _ = writeln!(t, "/// `{dotted}`: `{method} {}`", ep.path);
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
    if !ep.tokens_known {
        t.push_str(
            "/// No source states which tokens this endpoint takes: both are accepted here and the\n/// platform decides.\n",
        );
    }
    if ep.upload {
        t.push_str("/// Uploads a file (multipart).\n");
    }
    if ep.download {
        t.push_str("/// Answers raw bytes ([`Download`](lark_core::Download)).\n");
    }
    if ep.pagination.is_some() {
        t.push_str("/// Paginated: use [`Client::pages`](lark_core::Client::pages).\n");
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
    if let Some((_, note)) = TYPED_ALTERNATIVES.iter().find(|(id, _)| *id == dotted) {
        let _ = writeln!(t, "///\n/// {note}");
    }
    let named_after = match ep.official.source {
        Some(super::model::Source::NodeSdk) => "the official Node SDK",
        Some(super::model::Source::LarkOapi) => "the official Python SDK",
        Some(super::model::Source::DocUrl) => "its documentation page",
        _ => "its path",
    };
    let _ = match ep.origin {
        super::model::Origin::Seed => writeln!(
            t,
            "///\n/// Formerly `{}.{}` (the facts' name); named after {named_after}.",
            ep.service, ep.name
        ),
        origin => writeln!(
            t,
            "///\n/// Added from {} (the facts' name `{}.{}`); named after {named_after}.",
            if origin == super::model::Origin::NodeSdk {
                "`@larksuiteoapi/node-sdk`"
            } else {
                "`lark-oapi`, the only official SDK that has it"
            },
            ep.service,
            ep.name
        ),
    };
    if !ep.doc_url.is_empty() {
        let _ = writeln!(t, "///\n/// [Documentation]({})", ep.doc_url);
    } else if ep.origin == super::model::Origin::LarkOapi {
        t.push_str("///\n/// The Python SDK it comes from links no documentation page.\n");
    }
    if ep.name != *name {
        let _ = writeln!(t, "#[doc(alias = \"{}\")]", ep.name);
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
        let ty = sc.ty(&f.ty);
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
        debug_impl(t, name, &fields);
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
        .map(|f| format!("{}: {}", f.ident, arg(&f.ty, sc).0))
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
            let conv = arg(&f.ty, sc).1.replace("v.", &format!("{}.", f.ident));
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
        let (ty, conv) = arg(&f.ty, sc);
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
            f.wire,
            sc.cx.doc_ty(&f.ty),
            f.ident
        );
    }
    t.push_str("}\n\n");

    // The answer.
    let output = if ep.binary {
        "lark_core::endpoint::Download".to_owned()
    } else if let Some(r) = ep.response_type() {
        let def = TypeDef {
            key: String::new(),
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
            sc,
            &Boxes {
                boxed: BTreeSet::new(),
            },
        );
        // Drop the generic doc line written by type_def.
        let body = body.split_once('\n').map(|(_, rest)| rest).unwrap_or("");
        t.push_str(body);
        r
    } else {
        "lark_core::api::Empty".to_owned()
    };

    // Endpoint.
    let _ = writeln!(
        t,
        "impl lark_core::endpoint::Endpoint for {name} {{\ntype Output = {output};\n\nfn meta(&self) -> &lark_core::endpoint::EndpointMeta {{\n&{meta}\n}}\n"
    );
    let path_params: Vec<&Field> = ep.in_(Where::Path).collect();
    if path_params.is_empty() {
        let _ = writeln!(
            t,
            "fn path(&self) -> lark_core::Result<String> {{\nOk({meta}.path.to_owned())\n}}\n"
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
            "fn path(&self) -> lark_core::Result<String> {{\nlark_core::endpoint::fill_path({meta}.path, &[{}])\n}}\n",
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
        t.push_str("fn headers(&self, headers: &mut http::HeaderMap) -> lark_core::Result<()> {\n");
        for f in headers {
            if f.required {
                let _ = writeln!(
                    t,
                    "lark_core::api::header(headers, \"{}\", &{})?;",
                    f.wire,
                    text_of(&f.ty, &format!("self.{}", f.ident), &f.wire)?
                );
            } else {
                let _ = writeln!(
                    t,
                    "if let Some(v) = &self.{} {{\nlark_core::api::header(headers, \"{}\", &{})?;\n}}",
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
            t.push_str("fn body(&self) -> lark_core::Result<lark_core::endpoint::Body> {\n");
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
                    "if {} {{\nreturn Ok(lark_core::endpoint::Body::None);\n}}",
                    unset.join(" && ")
                );
            }
            t.push_str("lark_core::endpoint::Body::json(self)\n}\n\n");
        }
        BodyKind::Multipart => {
            t.push_str("fn body(&self) -> lark_core::Result<lark_core::endpoint::Body> {\nlet mut form = lark_core::endpoint::Multipart::new();\n");
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
            t.push_str("Ok(lark_core::endpoint::Body::Multipart(form))\n}\n\n");
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
            "impl lark_core::endpoint::Paginated for {name} {{
fn set_page_token(&mut self, token: Option<String>) {{
self.{request};
}}
}}

impl lark_core::endpoint::Page for {output} {{
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

/// `v1.message.create`: the official name after the service.
fn local_name(ep: &Endpoint) -> String {
    let dotted = ep.official.dotted();
    dotted
        .split_once('.')
        .map(|(_, rest)| rest.to_owned())
        .unwrap_or_default()
}

/// The name of an endpoint's static in its service's catalog module: `V1_MESSAGE_CREATE`.
fn static_name(ep: &Endpoint) -> String {
    super::model::screaming(&local_name(ep))
}

/// The path of an endpoint's static, seen from a generated service crate:
/// `lark_core::api::catalog::im::V1_MESSAGE_CREATE`.
fn meta_path(ep: &Endpoint) -> String {
    format!(
        "lark_core::api::catalog::{}::{}",
        ep.official.project,
        static_name(ep)
    )
}

/// The `http::Method` constant of a method of the facts.
fn method_const(ep: &Endpoint) -> Result<String, String> {
    let upper = ep.method.to_ascii_uppercase();
    match upper.as_str() {
        "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS" => Ok(upper),
        _ => Err(format!(
            "{}: the method `{}` has no http::Method constant",
            ep.official.dotted(),
            ep.method
        )),
    }
}

/// One endpoint's static: everything lark-core knows of it.
fn meta_static(t: &mut String, ep: &Endpoint) -> Result<(), String> {
    let tokens: Vec<String> = ep
        .tokens
        .iter()
        .map(|k| token_kind(k).replace("lark_core::endpoint::", ""))
        .collect();
    let part = |w: Where| -> Vec<&Field> { ep.in_(w).collect() };
    let response = if ep.binary {
        "ResponseKind::Binary".to_owned()
    } else {
        format!(
            "ResponseKind::Json {{ envelope: {} }}",
            match &ep.envelope {
                Some(k) => format!("Some(\"{k}\")"),
                None => "None".to_owned(),
            }
        )
    };
    let pages = match &ep.pagination {
        Some(p) => format!(
            "Some(Pages {{ token: PageToken::{}(\"{}\"), next_token: \"{}\", has_more: {} }})",
            if p.token_in_body { "Body" } else { "Query" },
            p.request_token,
            p.response_token,
            match &p.has_more {
                Some(h) => format!("Some(\"{h}\")"),
                None => "None".to_owned(),
            }
        ),
        None => "None".to_owned(),
    };
    let idempotency_key = match &ep.idempotency_key {
        // The documentation's words that make it one.
        Some(key) => format!(
            "// {}\nidempotency_key: Some(IdempotencyKey::{}(\"{}\"))",
            key.why,
            key_place(key.place),
            key.wire
        ),
        None => "idempotency_key: None".to_owned(),
    };
    let _ = writeln!(
        t,
        "/// `{}`: `{} {}`.\npub static {}: EndpointMeta = EndpointMeta {{ service: \"{}\", name: \"{}\", alias: \"{}.{}\", method: Method::{}, path: \"{}\", path_params: {}, query: {}, headers: {}, body: BodyKind::{}, body_fields: {}, tokens: &[{}], helpdesk: {}, base: Base::{}, response: {response}, pages: {pages}, doc_url: \"{}\",\n{idempotency_key} }};\n",
        ep.official.dotted(),
        ep.method.to_ascii_uppercase(),
        ep.path,
        static_name(ep),
        ep.official.project,
        local_name(ep),
        ep.service,
        ep.name,
        method_const(ep)?,
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
        ep.doc_url,
    );
    Ok(())
}

/// lark-core's catalog: one file per service with a static [`EndpointMeta`] per endpoint, and
/// `catalog/mod.rs` with `CATALOG`, which refers to them all. A build that never names
/// `CATALOG` (the wasm client) keeps only the statics its typed requests name.
fn catalog(model: &Model) -> Result<BTreeMap<String, String>, String> {
    let dir = super::CATALOG_DIR;
    let mut by_project: BTreeMap<&str, Vec<&Endpoint>> = BTreeMap::new();
    for ep in &model.endpoints {
        by_project
            .entry(ep.official.project.as_str())
            .or_default()
            .push(ep);
    }
    let mut files = BTreeMap::new();
    let mut index = format!(
        "//! Every endpoint of the Feishu/Lark Open Platform ({} of them), described with static data\n//! only, one module per service: `catalog::im::V1_MESSAGE_CREATE` is `im.v1.message.create`.\n//! Available without any feature; the typed requests of `lark-api` answer\n//! [`Endpoint::meta`](crate::Endpoint::meta) with these statics.\n\nuse crate::endpoint::EndpointMeta;\n\n",
        model.endpoints.len()
    );
    for project in by_project.keys() {
        let _ = writeln!(index, "pub mod {project};");
    }
    let _ = writeln!(
        index,
        "\n/// Every endpoint ({} of them), by official name.\npub static CATALOG: &[&EndpointMeta] = &[",
        model.endpoints.len()
    );
    for (project, endpoints) in &by_project {
        let mut body = String::new();
        let mut names = BTreeSet::new();
        for ep in endpoints {
            if !names.insert(static_name(ep)) {
                return Err(format!(
                    "{}: a second endpoint of `{project}` is named `{}`",
                    ep.official.dotted(),
                    static_name(ep)
                ));
            }
            meta_static(&mut body, ep)?;
            let _ = writeln!(index, "&{project}::{},", static_name(ep));
        }
        let mut uses = vec!["BodyKind", "EndpointMeta", "ResponseKind"];
        for (name, mark) in [
            ("Base", "Base::"),
            ("IdempotencyKey", "IdempotencyKey::"),
            ("PageToken", "PageToken::"),
            ("Pages", "Pages {"),
            ("ParamSpec as P", "P::new("),
            ("TokenKind", "TokenKind::"),
        ] {
            if body.contains(mark) {
                uses.push(name);
            }
        }
        uses.sort_unstable();
        let text = format!(
            "//! The {} endpoint{} of `{project}`.\n\nuse http::Method;\n\nuse crate::endpoint::{{{}}};\n\n{body}",
            endpoints.len(),
            if endpoints.len() == 1 { "" } else { "s" },
            uses.join(", ")
        );
        files.insert(format!("{dir}/{project}.rs"), text);
    }
    index.push_str("];\n");
    files.insert(format!("{dir}/mod.rs"), index);
    Ok(files)
}
