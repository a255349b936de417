//! The TypeScript types: one file per service (its endpoints' `path`, `params`, `data` and
//! answer types, its merged types and enums, and the `Service` interface of its method tree),
//! `common.d.ts` for what several services share, and `api.d.ts` over them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use super::{JsEndpoint, js_string, pascal, property};
use crate::api::model::{Field, Model, Ty, Usage, Where};
use crate::api::shapes::{ModPath, Shapes};
use crate::output::HEADER;

/// The file of what several services share.
const COMMON: &str = "common";

/// Names a declared type must not take: the generated files spell these bare.
const RESERVED: &[&str] = &[
    "Answer",
    "Array",
    "Blob",
    "CallOptions",
    "Download",
    "FileInput",
    "JsonValue",
    "Omit",
    "PageIterator",
    "Pick",
    "Promise",
    "PromiseLike",
    "AsyncIterable",
    "ReadableStream",
    "Record",
    "Service",
    "Uint8Array",
    "common",
];

/// Where a type or enum is declared, and its TypeScript name there.
struct Declared {
    group: String,
    name: String,
}

/// The TypeScript names of every type and enum (by model key), and of every endpoint's
/// request and answer types (by endpoint index in `endpoints`).
struct Names {
    items: BTreeMap<String, Declared>,
    requests: Vec<String>,
    responses: Vec<String>,
}

fn group_of(home: &ModPath) -> String {
    home.first().cloned().unwrap_or_else(|| COMMON.to_owned())
}

/// `V1ChatMembers` for `[im, v1, chat_members]`.
fn module_prefix(home: &ModPath) -> String {
    home.iter().skip(1).map(|p| pascal(p)).collect()
}

fn assign_names(
    model: &Model,
    shapes: &Shapes,
    endpoints: &[JsEndpoint<'_>],
) -> Result<Names, String> {
    let mut taken: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut requests = Vec::new();
    let mut responses = Vec::new();
    for e in endpoints {
        let stem = format!(
            "{}{}{}",
            pascal(&e.version),
            pascal(&e.ep.official.resource_module()),
            e.ep.official.type_name
        );
        let set = taken.entry(e.project.clone()).or_default();
        for name in [format!("{stem}Request"), format!("{stem}Response")] {
            if !set.insert(name.clone()) {
                return Err(format!("two endpoints of `{}` name `{name}`", e.project));
            }
        }
        requests.push(format!("{stem}Request"));
        responses.push(format!("{stem}Response"));
    }
    taken
        .entry(COMMON.to_owned())
        .or_default()
        .insert("JsonValue".to_owned());
    // Every declared item with its Rust name and home.
    let mut items: Vec<(String, String, ModPath)> = Vec::new();
    for (key, t) in &model.types {
        let home = shapes
            .homes
            .get(key)
            .ok_or_else(|| format!("type {key} has no home"))?;
        items.push((key.clone(), t.name.clone(), home.clone()));
    }
    for (key, e) in &shapes.enums {
        items.push((key.clone(), e.name.clone(), e.home.clone()));
    }
    // Within a file, a name several modules use is prefixed with its module.
    let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (_, name, home) in &items {
        *count.entry((group_of(home), name.clone())).or_default() += 1;
    }
    let mut out = BTreeMap::new();
    for (key, name, home) in &items {
        let group = group_of(home);
        let set = taken.entry(group.clone()).or_default();
        let plain_clash = count[&(group.clone(), name.clone())] > 1
            || set.contains(name)
            || RESERVED.contains(&name.as_str());
        let mut candidates = Vec::new();
        if !plain_clash {
            candidates.push(name.clone());
        }
        candidates.push(format!("{}{name}", module_prefix(home)));
        candidates.push(format!("{}{name}{}", module_prefix(home), &key[1..]));
        let chosen = candidates
            .into_iter()
            .find(|c| !set.contains(c) && !RESERVED.contains(&c.as_str()))
            .ok_or_else(|| format!("no free TypeScript name for {key} ({name})"))?;
        set.insert(chosen.clone());
        out.insert(
            key.clone(),
            Declared {
                group,
                name: chosen,
            },
        );
    }
    Ok(Names {
        items: out,
        requests,
        responses,
    })
}

/// Renders types for one file: `group` is the file's own group.
struct Writer<'a> {
    names: &'a Names,
    group: &'a str,
}

impl Writer<'_> {
    fn reference(&self, key: &str) -> Result<String, String> {
        let d = self
            .names
            .items
            .get(key)
            .ok_or_else(|| format!("unknown type key {key}"))?;
        if d.group == self.group {
            Ok(d.name.clone())
        } else if d.group == COMMON {
            Ok(format!("common.{}", d.name))
        } else {
            Err(format!(
                "{} in `{}` refers to {} of `{}`",
                key, self.group, d.name, d.group
            ))
        }
    }

    /// The TypeScript spelling of a type; `request` picks the input forms of files.
    fn ty(&self, ty: &Ty, request: bool) -> Result<String, String> {
        Ok(match ty {
            Ty::String => "string".to_owned(),
            Ty::Bool => "boolean".to_owned(),
            Ty::I32 | Ty::F64 => "number".to_owned(),
            // Lark sends 64-bit integers as numbers or as strings; both are accepted.
            Ty::I64 => "number | string".to_owned(),
            Ty::Any => "unknown".to_owned(),
            Ty::Binary if request => "FileInput".to_owned(),
            Ty::Binary => "Uint8Array".to_owned(),
            Ty::List(inner) => {
                let inner = self.ty(inner, request)?;
                if inner.contains(' ') {
                    format!("Array<{inner}>")
                } else {
                    format!("{inner}[]")
                }
            }
            Ty::Map(_, value) => format!("Record<string, {}>", self.ty(value, request)?),
            Ty::Named(key) | Ty::Enum(key) => self.reference(key)?,
        })
    }

    /// `{ a: T; b?: U }`; `Record<string, unknown>` for no fields.
    fn object(&self, fields: &[&Field], request: bool, indent: &str) -> Result<String, String> {
        if fields.is_empty() {
            return Ok("Record<string, unknown>".to_owned());
        }
        let mut out = String::from("{\n");
        for f in fields {
            let _ = writeln!(
                out,
                "{indent}  {}{}: {};",
                property(&f.wire),
                if request && f.required { "" } else { "?" },
                self.ty(&f.ty, request)?
            );
        }
        out.push_str(indent);
        out.push('}');
        Ok(out)
    }
}

/// `(path under generated/, text)` of every `.d.ts`.
pub(super) fn render(
    model: &Model,
    shapes: &Shapes,
    endpoints: &[JsEndpoint<'_>],
) -> Result<Vec<(String, String)>, String> {
    let names = assign_names(model, shapes, endpoints)?;
    // group → declarations, in key order.
    let mut bodies: BTreeMap<String, String> = BTreeMap::new();
    bodies.insert(
        COMMON.to_owned(),
        "/** Any JSON value. */\nexport type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };\n\n"
            .to_owned(),
    );
    for (key, e) in &shapes.enums {
        let d = &names.items[key];
        let mut union: Vec<String> = e.values.iter().map(|v| js_string(v)).collect();
        // Values the platform adds tomorrow still type-check.
        union.push("(string & {})".to_owned());
        let _ = writeln!(
            bodies.entry(d.group.clone()).or_default(),
            "export type {} = {};\n",
            d.name,
            union.join(" | ")
        );
    }
    for (key, t) in &model.types {
        let d = &names.items[key];
        let w = Writer {
            names: &names,
            group: &d.group,
        };
        let body = bodies.entry(d.group.clone()).or_default();
        if t.custom_json {
            // The platform's SDKs read it by hand: a sheet cell is a bare string, number,
            // boolean, null, or rich segments.
            let json = if d.group == COMMON {
                "JsonValue"
            } else {
                "common.JsonValue"
            };
            let _ = writeln!(
                body,
                "/** Any JSON value (the platform reads it by hand). */\nexport type {} = {json};\n",
                d.name
            );
            continue;
        }
        let fields: Vec<&Field> = t.fields.iter().collect();
        let text = w.object(&fields, t.usage != Usage::Response, "")?;
        if fields.is_empty() {
            let _ = writeln!(body, "export type {} = {text};\n", d.name);
        } else {
            let _ = writeln!(body, "export interface {} {text}\n", d.name);
        }
    }

    // Endpoints, by service.
    let mut services: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, e) in endpoints.iter().enumerate() {
        services.entry(e.project.clone()).or_default().push(i);
    }
    let mut files = Vec::new();
    for (service, indices) in &services {
        let w = Writer {
            names: &names,
            group: service,
        };
        let mut decls = String::new();
        // version → resource → method lines; version → version-level method → (doc, call
        // signature, iterator lines); aliases: resource → version → methods.
        let mut tree: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut own: BTreeMap<String, BTreeMap<String, (String, String, String)>> = BTreeMap::new();
        let mut aliases: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        for &i in indices {
            let e = &endpoints[i];
            let (request, optional) = request_type(&w, e, &names.requests[i])?;
            decls.push_str(&request);
            let answer = answer_type(&w, e, &names.responses[i], &mut decls)?;
            let q = if optional { "?" } else { "" };
            let doc = if e.ep.doc_url.is_empty() {
                format!("  /** `{} {}` */\n", e.ep.method, e.ep.path)
            } else {
                format!(
                    "  /** `{} {}`\n   * @see {} */\n",
                    e.ep.method, e.ep.path, e.ep.doc_url
                )
            };
            let signature = format!(
                "(payload{q}: {}, options?: CallOptions): Promise<{answer}>",
                names.requests[i]
            );
            let mut iterator = String::new();
            let mut methods = vec![e.method.clone()];
            if e.ep.iterated() {
                let page = if e.ep.envelope.as_deref() == Some("data") {
                    names.responses[i].clone()
                } else {
                    answer.clone()
                };
                let _ = writeln!(
                    iterator,
                    "  /** Every page of `{}`: `for await (const page of ...)`. */\n  {}WithIterator(payload{q}: {}, options?: CallOptions & {{ maxPages?: number }}): PageIterator<{page}>;",
                    e.method, e.method, names.requests[i]
                );
                methods.push(format!("{}WithIterator", e.method));
            }
            if e.resource.is_empty() {
                own.entry(e.version.clone())
                    .or_default()
                    .insert(e.method.clone(), (doc, signature, iterator));
            } else {
                let lines = format!("{doc}  {}{signature};\n{iterator}", property(&e.method));
                tree.entry(e.version.clone())
                    .or_default()
                    .entry(e.resource.clone())
                    .or_default()
                    .push_str(&lines);
            }
            if e.default_alias {
                aliases
                    .entry(e.resource.clone())
                    .or_default()
                    .entry(e.version.clone())
                    .or_default()
                    .extend(methods);
            }
        }
        let mut interface = format!(
            "/** `client.{service}`: `<version>.<resource>.<method>(payload)`, and `<resource>.<method>` for the default version. */\nexport interface Service {{\n"
        );
        let versions: BTreeSet<&String> = tree.keys().chain(own.keys()).collect();
        for version in versions {
            let _ = writeln!(interface, "  {}: {{", property(version));
            let mut methods = own.get(version).cloned().unwrap_or_default();
            for (resource, lines) in tree.get(version).into_iter().flatten() {
                let _ = writeln!(interface, "    {}: {{", property(resource));
                // A version-level method of the resource's name: the resource is callable.
                if let Some((doc, signature, iterator)) = methods.get_mut(resource) {
                    let _ = write!(interface, "{}", indent(doc, "    "));
                    let _ = writeln!(interface, "      {signature};");
                    doc.clear();
                    signature.clear();
                    let _ = iterator;
                }
                interface.push_str(&indent(lines, "    "));
                interface.push_str("    };\n");
            }
            for (name, (doc, signature, iterator)) in &methods {
                if !signature.is_empty() {
                    interface.push_str(&indent(doc, "  "));
                    let _ = writeln!(interface, "    {}{signature};", property(name));
                }
                interface.push_str(&indent(iterator, "  "));
            }
            interface.push_str("  };\n");
        }
        let own_aliases: BTreeSet<String> = aliases
            .get("")
            .into_iter()
            .flat_map(|v| v.values().flatten().cloned())
            .collect();
        for (resource, versions) in &aliases {
            if resource.is_empty() {
                for (version, methods) in versions {
                    for m in methods {
                        let _ = writeln!(
                            interface,
                            "  {}: Service[{}][{}];",
                            property(m),
                            js_string(version),
                            js_string(m)
                        );
                    }
                }
                continue;
            }
            if own_aliases.contains(resource) {
                // Callable, with its methods: the version-level alias above carries them.
                continue;
            }
            let picks: Vec<String> = versions
                .iter()
                .map(|(version, methods)| {
                    let keys: Vec<String> = methods.iter().map(|m| js_string(m)).collect();
                    format!(
                        "Pick<Service[{}][{}], {}>",
                        js_string(version),
                        js_string(resource),
                        keys.join(" | ")
                    )
                })
                .collect();
            let _ = writeln!(
                interface,
                "  {}: {};",
                property(resource),
                picks.join(" & ")
            );
        }
        interface.push_str("}\n\n");
        let body = bodies.remove(service).unwrap_or_default();
        let text = format!(
            "{HEADER}\n// The `{service}` service: {} endpoints, their payload and answer types, and the types they use.\n\
             import type {{ Answer, CallOptions, Download, FileInput, PageIterator }} from '../../index.js';\n\
             import type * as common from './common.js';\n\n{interface}{decls}{body}",
            indices.len()
        );
        files.push((format!("types/{service}.d.ts"), text));
    }
    if let Some((group, _)) = bodies.iter().find(|(g, _)| g.as_str() != COMMON) {
        return Err(format!("types of `{group}`, a group without endpoints"));
    }
    let common = bodies.remove(COMMON).unwrap_or_default();
    files.push((
        "types/common.d.ts".to_owned(),
        format!(
            "{HEADER}\n// The types several services share.\nimport type {{ FileInput }} from '../../index.js';\n\n{common}"
        ),
    ));

    let mut api = format!(
        "{HEADER}\n// Every service of the {} endpoints: `client.<service>.<version>.<resource>.<method>(payload)`;\n\
         // each service's types are a namespace: `im.V1MessageCreateRequest`.\n",
        endpoints.len()
    );
    for service in services.keys() {
        let _ = writeln!(
            api,
            "import type {{ Service as {} }} from './types/{service}.js';",
            pascal(service)
        );
    }
    api.push_str("\nexport type { JsonValue } from './types/common.js';\nexport type * as common from './types/common.js';\n");
    for service in services.keys() {
        let _ = writeln!(
            api,
            "export type * as {service} from './types/{service}.js';"
        );
    }
    api.push_str("\n/** Every service, as `client.<service>`. */\nexport interface Services {\n");
    for service in services.keys() {
        let _ = writeln!(api, "  readonly {service}: {};", pascal(service));
    }
    api.push_str("}\n");
    files.push(("api.d.ts".to_owned(), api));
    Ok(files)
}

fn indent(lines: &str, by: &str) -> String {
    lines
        .lines()
        .map(|l| format!("{by}{l}\n"))
        .collect::<String>()
}

/// The payload type `{ path, params, data, headers }` of an endpoint, and whether the payload
/// may be left out.
fn request_type(w: &Writer<'_>, e: &JsEndpoint<'_>, name: &str) -> Result<(String, bool), String> {
    let mut members = String::new();
    let mut optional = true;
    for (place, key) in [
        (Where::Path, "path"),
        (Where::Query, "params"),
        (Where::Body, "data"),
        (Where::Header, "headers"),
    ] {
        let fields: Vec<&Field> = e.ep.in_(place).collect();
        if fields.is_empty() {
            continue;
        }
        let required = fields.iter().any(|f| f.required);
        optional &= !required;
        let _ = writeln!(
            members,
            "  {key}{}: {};",
            if required { "" } else { "?" },
            w.object(&fields, true, "  ")?
        );
    }
    let text = if members.is_empty() {
        format!("export type {name} = Record<string, never>;\n\n")
    } else {
        format!("export interface {name} {{\n{members}}}\n\n")
    };
    Ok((text, optional))
}

/// What the call resolves to; declares the answer's payload type into `decls`.
fn answer_type(
    w: &Writer<'_>,
    e: &JsEndpoint<'_>,
    name: &str,
    decls: &mut String,
) -> Result<String, String> {
    if e.ep.binary {
        return Ok("Download".to_owned());
    }
    let fields: Vec<&Field> = e.ep.response.iter().collect();
    let text = w.object(&fields, false, "")?;
    if fields.is_empty() {
        let _ = writeln!(decls, "export type {name} = {text};\n");
    } else {
        let _ = writeln!(decls, "export interface {name} {text}\n");
    }
    Ok(match e.ep.envelope.as_deref() {
        Some("data") => format!("Answer<{name}>"),
        None => format!("Omit<Answer, 'data'> & {name}"),
        Some(key) => format!("Omit<Answer, 'data'> & {{ {}?: {name} }}", property(key)),
    })
}
