//! The types of the API, once each: the facts name every nested object after the one place a
//! Go SDK met it (`GetHireApplicationDetailRespApplicationDetailInterview...`, up to 166
//! characters), and the same object once per endpoint. This pass
//!
//! 1. puts the official SDK's literal unions on the fields they type (enums),
//! 2. merges types of identical shape (fields, their types, required flags and enums,
//!    recursively: partition refinement, so recursive types merge too),
//! 3. homes each type and enum in the deepest module that holds all its users (the resource,
//!    the version, the service, or `lark-api-common` when several services use it),
//! 4. names each after where it sits: the field that holds it (singular for lists; the
//!    resource for an answer's `items`), with the holder's name in front on a clash.
//!
//! The model's types are then keyed by class (`K12`), enums by `E3`; endpoints and fields
//! refer to those keys.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::model::{Endpoint, Field, Model, Ty, TypeDef, Usage, Where, camel, snake};

/// A module, as a path: `[]` is `lark-api-common`, `[project]` the crate root,
/// `[project, version]`, `[project, version, resource]`.
pub(crate) type ModPath = Vec<String>;

/// A string enum: a field whose values the platform lists.
#[derive(Debug, Clone)]
pub(crate) struct EnumDef {
    pub(crate) name: String,
    /// The wire name of the (first) field it types.
    pub(crate) field: String,
    pub(crate) values: Vec<String>,
    pub(crate) home: ModPath,
}

/// What this pass adds to the model.
#[derive(Debug, Default)]
pub(crate) struct Shapes {
    /// Class key → its module.
    pub(crate) homes: BTreeMap<String, ModPath>,
    /// Enum key → the enum.
    pub(crate) enums: BTreeMap<String, EnumDef>,
    /// Facts type name → class key (for the rename table).
    pub(crate) class_of: BTreeMap<String, String>,
    /// Class key → the facts name of its first type (the docs' alias).
    pub(crate) facts_name: BTreeMap<String, String>,
    /// Figures for the closing note: facts types, classes, enum fields placed / not placed.
    pub(crate) stats: Stats,
}

#[derive(Debug, Default, Clone)]
pub(crate) struct Stats {
    pub(crate) facts_types: usize,
    pub(crate) classes: usize,
    pub(crate) enum_fields: usize,
    pub(crate) enum_fields_unplaced: usize,
}

/// Where an enum sits: a request parameter, an answer's top-level field, or a type's field.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Owner {
    Param(usize, String),
    Response(usize, String),
    Field(String, String),
}

/// The module an endpoint is written to.
pub(crate) fn endpoint_module(ep: &Endpoint) -> ModPath {
    let mut m = vec![ep.official.project.clone(), ep.official.version.clone()];
    let r = ep.official.resource_module();
    if !r.is_empty() {
        m.push(r);
    }
    m
}

/// Names a type or enum must not take: they would shadow what generated code spells bare.
const RESERVED: &[&str] = &[
    "String",
    "Vec",
    "Option",
    "Box",
    "Result",
    "Ok",
    "Err",
    "Some",
    "None",
    "Self",
    "Default",
    "Clone",
    "Debug",
    "Send",
    "Sync",
    "Copy",
    "From",
    "Into",
    "Iterator",
    "IntoIterator",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "ToString",
    "ToOwned",
    "PartialEq",
    "Eq",
    "Ord",
    "PartialOrd",
    "Hash",
    "AsRef",
    "AsMut",
    "Extend",
    "Unpin",
    "Other",
    "Empty",
];

/// Field names that say nothing of what they hold: the holder names the type.
const GENERIC: &[&str] = &[
    "items", "item", "data", "list", "result", "results", "info", "infos", "detail", "details",
    "value", "values", "records", "record", "entity", "entities", "body", "object", "objects",
    "node", "nodes", "content", "contents", "obj",
];

pub(crate) fn build(model: &mut Model) -> Result<Shapes, String> {
    let mut stats = Stats {
        facts_types: model.types.len(),
        ..Stats::default()
    };
    let enum_at = place_enums(model, &mut stats);

    // 2. Classes by partition refinement.
    let names: Vec<String> = model.types.keys().cloned().collect();
    let mut class: BTreeMap<String, usize> = names.iter().map(|n| (n.clone(), 0)).collect();
    let mut count = 1;
    loop {
        let mut ids: BTreeMap<String, usize> = BTreeMap::new();
        let mut next: BTreeMap<String, usize> = BTreeMap::new();
        for n in &names {
            let sig = signature(&model.types[n], &class, &enum_at);
            let len = ids.len();
            let id = *ids.entry(format!("{}|{sig}", class[n])).or_insert(len);
            next.insert(n.clone(), id);
        }
        let new_count = ids.len();
        class = next;
        if new_count == count {
            break;
        }
        count = new_count;
    }
    stats.classes = count;
    // Class keys in order of the first facts name of each class: stable output.
    let mut key_of_class: BTreeMap<usize, String> = BTreeMap::new();
    let mut representative: BTreeMap<String, String> = BTreeMap::new();
    for n in &names {
        let c = class[n];
        if !key_of_class.contains_key(&c) {
            let key = format!("K{}", key_of_class.len());
            key_of_class.insert(c, key.clone());
            representative.insert(key, n.clone());
        }
    }
    let class_of: BTreeMap<String, String> = names
        .iter()
        .map(|n| (n.clone(), key_of_class[&class[n]].clone()))
        .collect();

    // Enum identities: (base name, values).
    let mut enum_keys: BTreeMap<(String, Vec<String>), String> = BTreeMap::new();
    let mut enum_of_owner: BTreeMap<Owner, String> = BTreeMap::new();
    let mut enum_field: BTreeMap<String, String> = BTreeMap::new();
    let mut enum_values: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (owner, values) in &enum_at {
        let wire = match owner {
            Owner::Param(_, w) | Owner::Response(_, w) | Owner::Field(_, w) => w,
        };
        // A type's field counts once per class.
        let owner = match owner {
            Owner::Field(t, w) => Owner::Field(class_of[t].clone(), w.clone()),
            o => o.clone(),
        };
        let base = type_name_of(&singular(&snake(wire)));
        let len = enum_keys.len();
        // The same values in another order are the same enum.
        let mut sorted = values.clone();
        sorted.sort();
        let key = enum_keys
            .entry((base, sorted))
            .or_insert_with(|| format!("E{len}"))
            .clone();
        enum_values
            .entry(key.clone())
            .or_insert_with(|| values.clone());
        enum_field
            .entry(key.clone())
            .or_insert_with(|| wire.clone());
        enum_of_owner.insert(owner, key);
    }

    // The new types: one per class, fields pointing at classes and enums.
    let rewrite = |ty: &Ty, enum_key: Option<&String>| -> Ty { retype(ty, &class_of, enum_key) };
    let mut types: BTreeMap<String, TypeDef> = BTreeMap::new();
    for (key, rep) in &representative {
        let def = &model.types[rep];
        let mut fields = Vec::new();
        for f in &def.fields {
            let e = enum_of_owner.get(&Owner::Field(key.clone(), f.wire.clone()));
            fields.push(Field {
                ty: rewrite(&f.ty, e),
                ..f.clone()
            });
        }
        // The usage of a class: every side one of its types is on.
        let mut request = false;
        let mut response = false;
        for (n, k) in &class_of {
            if k == key {
                match model.types[n].usage {
                    Usage::Request => request = true,
                    Usage::Response => response = true,
                    Usage::Both => {
                        request = true;
                        response = true;
                    }
                }
            }
        }
        let usage = match (request, response) {
            (true, true) => Usage::Both,
            (true, false) => Usage::Request,
            _ => Usage::Response,
        };
        types.insert(
            key.clone(),
            TypeDef {
                key: key.clone(),
                name: String::new(),
                fields,
                usage,
                custom_json: def.custom_json,
            },
        );
    }
    for (i, ep) in model.endpoints.iter_mut().enumerate() {
        for (place, f) in &mut ep.params {
            let _ = place;
            let e = enum_of_owner.get(&Owner::Param(i, f.wire.clone()));
            f.ty = rewrite(&f.ty, e);
        }
        for f in &mut ep.response {
            let e = enum_of_owner.get(&Owner::Response(i, f.wire.clone()));
            f.ty = rewrite(&f.ty, e);
        }
    }

    // 3. Users and homes.
    let mut users: BTreeMap<String, BTreeSet<ModPath>> = BTreeMap::new();
    for ep in &model.endpoints {
        let module = endpoint_module(ep);
        let mut stack = Vec::new();
        for (_, f) in &ep.params {
            refs(&f.ty, &mut stack);
        }
        for f in &ep.response {
            refs(&f.ty, &mut stack);
        }
        let mut seen = BTreeSet::new();
        while let Some(k) = stack.pop() {
            if !seen.insert(k.clone()) {
                continue;
            }
            users.entry(k.clone()).or_default().insert(module.clone());
            if let Some(t) = types.get(&k) {
                for f in &t.fields {
                    refs(&f.ty, &mut stack);
                }
            }
        }
    }
    let mut homes: BTreeMap<String, ModPath> = BTreeMap::new();
    for (k, u) in &users {
        homes.insert(k.clone(), common_prefix(u));
    }
    let bases: BTreeMap<String, String> = enum_keys
        .iter()
        .map(|((base, _), key)| (key.clone(), base.clone()))
        .collect();
    // Enums of one name in one module are one enum with every value (`user_id_type` lists
    // `people_corehr_id` on some endpoints only): one `UserIdType`, not `UserIdType2`.
    let mut survivor: BTreeMap<(ModPath, String), String> = BTreeMap::new();
    let mut remap: BTreeMap<String, String> = BTreeMap::new();
    let mut order: Vec<&String> = bases.keys().collect();
    order.sort_by_key(|k| k[1..].parse::<usize>().unwrap_or(usize::MAX));
    for key in order {
        let Some(home) = homes.get(key) else {
            continue;
        };
        let slot = (home.clone(), bases[key].clone());
        match survivor.get(&slot) {
            Some(first) => {
                let extra = enum_values.get(key).cloned().unwrap_or_default();
                let list = enum_values.entry(first.clone()).or_default();
                for v in extra {
                    if !list.contains(&v) {
                        list.push(v);
                    }
                }
                remap.insert(key.clone(), first.clone());
            }
            None => {
                survivor.insert(slot, key.clone());
            }
        }
    }
    if !remap.is_empty() {
        for t in types.values_mut() {
            for f in &mut t.fields {
                f.ty = remap_enum(&f.ty, &remap);
            }
        }
        for ep in &mut model.endpoints {
            for (_, f) in &mut ep.params {
                f.ty = remap_enum(&f.ty, &remap);
            }
            for f in &mut ep.response {
                f.ty = remap_enum(&f.ty, &remap);
            }
        }
    }
    let mut enums: BTreeMap<String, EnumDef> = BTreeMap::new();
    for key in survivor.values() {
        enums.insert(
            key.clone(),
            EnumDef {
                name: String::new(),
                field: enum_field.get(key).cloned().unwrap_or_default(),
                values: enum_values.get(key).cloned().unwrap_or_default(),
                home: homes[key].clone(),
            },
        );
    }

    // 4. Names, breadth first from the endpoints in order.
    let mut taken: BTreeMap<ModPath, BTreeSet<String>> = BTreeMap::new();
    for ep in &model.endpoints {
        let set = taken.entry(endpoint_module(ep)).or_default();
        set.insert(ep.official.type_name.clone());
        set.insert(format!("{}Response", ep.official.type_name));
    }
    let mut named: BTreeMap<String, String> = BTreeMap::new();
    fn claim(
        key: &str,
        home: &ModPath,
        candidates: Vec<String>,
        taken: &mut BTreeMap<ModPath, BTreeSet<String>>,
        named: &mut BTreeMap<String, String>,
    ) -> String {
        let set = taken.entry(home.clone()).or_default();
        let mut all = candidates.clone();
        let base = candidates.first().cloned().unwrap_or_else(|| "Type".into());
        for n in 2..1000 {
            all.push(format!("{base}{n}"));
        }
        let name = all
            .into_iter()
            .find(|c| !set.contains(c) && !RESERVED.contains(&c.as_str()))
            .unwrap_or(base);
        set.insert(name.clone());
        named.insert(key.to_owned(), name.clone());
        name
    }
    for ep in &model.endpoints {
        let resource_word = ep
            .official
            .resource
            .last()
            .map(|r| type_name_of(&singular(r)))
            .unwrap_or_else(|| type_name_of(&ep.official.project));
        let mut queue: VecDeque<(String, Vec<Field>)> = VecDeque::new();
        let request: Vec<Field> = ep.params.iter().map(|(_, f)| f.clone()).collect();
        queue.push_back((ep.official.type_name.clone(), request));
        queue.push_back((
            format!("{}Response", ep.official.type_name),
            ep.response.clone(),
        ));
        let mut root: u8 = 2;
        while let Some((parent, fields)) = queue.pop_front() {
            let at_root = root > 0;
            root = root.saturating_sub(1);
            for f in &fields {
                let mut keys = Vec::new();
                refs(&f.ty, &mut keys);
                for k in keys {
                    if named.contains_key(&k) {
                        continue;
                    }
                    let word = snake(&f.wire);
                    let generic = GENERIC.contains(&word.as_str());
                    let own = type_name_of(&singular(&word));
                    let is_enum = k.starts_with('E');
                    let candidates = if is_enum {
                        let base = bases.get(&k).cloned().unwrap_or(own.clone());
                        vec![base.clone(), format!("{}{base}", strip_response(&parent))]
                    } else if generic && at_root {
                        vec![
                            resource_word.clone(),
                            format!("{resource_word}{own}"),
                            format!("{}{own}", strip_response(&parent)),
                        ]
                    } else if generic {
                        vec![format!("{}{own}", strip_response(&parent)), own.clone()]
                    } else {
                        vec![own.clone(), format!("{}{own}", strip_response(&parent))]
                    };
                    let Some(home) = homes.get(&k).cloned() else {
                        continue;
                    };
                    let name = claim(&k, &home, candidates, &mut taken, &mut named);
                    if let Some(t) = types.get(&k) {
                        queue.push_back((name, t.fields.clone()));
                    }
                }
            }
        }
    }
    for (k, t) in &mut types {
        if let Some(n) = named.get(k) {
            t.name = n.clone();
        }
    }
    for (k, e) in &mut enums {
        if let Some(n) = named.get(k) {
            e.name = n.clone();
        }
    }
    // Types no endpoint reaches are not emitted.
    types.retain(|k, _| homes.contains_key(k));
    enums.retain(|_, e| !e.name.is_empty());
    for (k, t) in &types {
        if t.name.is_empty() {
            return Err(format!("type {k} ({}) has no name", representative[k]));
        }
    }
    model.types = types;
    Ok(Shapes {
        homes,
        enums,
        class_of,
        facts_name: representative,
        stats,
    })
}

/// `CreateResponse` → `Create`: a nested type reads better after its method than its answer.
fn strip_response(parent: &str) -> &str {
    parent.strip_suffix("Response").unwrap_or(parent)
}

/// The type references (classes `K…`, enums `E…`) of a type.
pub(crate) fn refs(ty: &Ty, out: &mut Vec<String>) {
    match ty {
        Ty::List(t) => refs(t, out),
        Ty::Map(k, v) => {
            refs(k, out);
            refs(v, out);
        }
        Ty::Named(n) | Ty::Enum(n) => out.push(n.clone()),
        _ => {}
    }
}

/// A type with merged enums replaced by the one they merged into.
fn remap_enum(ty: &Ty, remap: &BTreeMap<String, String>) -> Ty {
    match ty {
        Ty::Enum(e) => Ty::Enum(remap.get(e).cloned().unwrap_or_else(|| e.clone())),
        Ty::List(t) => Ty::List(Box::new(remap_enum(t, remap))),
        Ty::Map(k, v) => Ty::Map(k.clone(), Box::new(remap_enum(v, remap))),
        other => other.clone(),
    }
}

/// A facts type with class keys for names and the enum for its strings.
fn retype(ty: &Ty, class_of: &BTreeMap<String, String>, enum_key: Option<&String>) -> Ty {
    match ty {
        Ty::Named(n) => Ty::Named(class_of.get(n).cloned().unwrap_or_else(|| n.clone())),
        Ty::String => match enum_key {
            Some(e) => Ty::Enum(e.clone()),
            None => Ty::String,
        },
        Ty::List(t) => Ty::List(Box::new(retype(t, class_of, enum_key))),
        Ty::Map(k, v) => Ty::Map(k.clone(), Box::new(retype(v, class_of, enum_key))),
        other => other.clone(),
    }
}

fn signature(
    def: &TypeDef,
    class: &BTreeMap<String, usize>,
    enum_at: &BTreeMap<Owner, Vec<String>>,
) -> String {
    if def.custom_json {
        return format!("custom:{}", def.name);
    }
    let mut s = String::new();
    for f in &def.fields {
        let e = enum_at
            .get(&Owner::Field(def.name.clone(), f.wire.clone()))
            .map(|v| v.join(","))
            .unwrap_or_default();
        s.push_str(&format!(
            "{}:{}:{}:{}:{};",
            f.wire,
            f.ident,
            ty_sig(&f.ty, class),
            f.required,
            e
        ));
    }
    s
}

fn ty_sig(ty: &Ty, class: &BTreeMap<String, usize>) -> String {
    match ty {
        Ty::Named(n) => format!("#{}", class.get(n).copied().unwrap_or(usize::MAX)),
        Ty::List(t) => format!("[{}]", ty_sig(t, class)),
        Ty::Map(k, v) => format!("{{{}:{}}}", ty_sig(k, class), ty_sig(v, class)),
        other => format!("{other:?}"),
    }
}

fn common_prefix(paths: &BTreeSet<ModPath>) -> ModPath {
    let mut iter = paths.iter();
    let Some(first) = iter.next() else {
        return Vec::new();
    };
    let mut len = first.len();
    for p in iter {
        len = len.min(first.iter().zip(p).take_while(|(a, b)| a == b).count());
    }
    first[..len].to_vec()
}

/// `user_id_type` → `UserIdType`; a leading digit gets a `T`.
pub(crate) fn type_name_of(word: &str) -> String {
    let c = camel(&snake(word));
    if c.is_empty() {
        "Type".to_owned()
    } else if c.starts_with(|ch: char| ch.is_ascii_digit()) {
        format!("T{c}")
    } else {
        c
    }
}

/// `items` → `item`, `entities` → `entity`, `addresses` → `address`; `status`, `data` stay.
pub(crate) fn singular(word: &str) -> String {
    let w = word;
    let keep = [
        "status", "data", "news", "series", "alias", "bonus", "canvas", "focus", "campus",
        "corpus", "process", "access", "address", "business", "class", "pass", "analysis", "basis",
        "axis",
    ];
    if keep.iter().any(|k| w.ends_with(k)) || w.len() < 4 {
        return w.to_owned();
    }
    if let Some(stem) = w.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for end in ["sses", "xes", "ches", "shes", "zes", "uses"] {
        if w.ends_with(end) {
            return w[..w.len() - 2].to_owned();
        }
    }
    if w.ends_with("ss") || w.ends_with("us") || w.ends_with("is") {
        return w.to_owned();
    }
    w.strip_suffix('s').unwrap_or(w).to_owned()
}

/// Reads the official SDK's literal unions onto the fields they type; counts what could not be
/// placed (a path our facts do not have).
fn place_enums(model: &Model, stats: &mut Stats) -> BTreeMap<Owner, Vec<String>> {
    let mut out: BTreeMap<Owner, Vec<String>> = BTreeMap::new();
    for (i, ep) in model.endpoints.iter().enumerate() {
        for (key, values) in &ep.official.enums {
            stats.enum_fields += 1;
            match place_one(model, i, ep, key) {
                Some(owner) => {
                    let list = out.entry(owner).or_default();
                    for v in values {
                        if !list.contains(v) {
                            list.push(v.clone());
                        }
                    }
                }
                None => stats.enum_fields_unplaced += 1,
            }
        }
    }
    out
}

fn place_one(model: &Model, i: usize, ep: &Endpoint, key: &str) -> Option<Owner> {
    let (root, rest) = key.split_once('.')?;
    let segments: Vec<&str> = rest.split('.').collect();
    let place = match root {
        "params" => Some(Where::Query),
        "path" => Some(Where::Path),
        "data" => Some(Where::Body),
        "response" => None,
        _ => return None,
    };
    let mut owner_type: Option<String> = None;
    for (n, raw) in segments.iter().enumerate() {
        let last = n + 1 == segments.len();
        if *raw == "*" {
            continue;
        }
        let (name, list) = match raw.strip_suffix("[]") {
            Some(base) => (base, true),
            None => (*raw, false),
        };
        let field: &Field = match &owner_type {
            None => match place {
                Some(p) => ep
                    .params
                    .iter()
                    .find(|(w, f)| *w == p && f.wire == name)
                    .map(|(_, f)| f)?,
                None => ep.response.iter().find(|f| f.wire == name)?,
            },
            Some(t) => model.types.get(t)?.fields.iter().find(|f| f.wire == name)?,
        };
        let next_is_map = segments.get(n + 1) == Some(&"*");
        let inner = match (&field.ty, list, next_is_map) {
            (Ty::List(t), true, _) => t.as_ref(),
            (Ty::Map(_, v), false, true) => v.as_ref(),
            (t, false, false) => t,
            _ => return None,
        };
        let terminal = last || (next_is_map && n + 2 == segments.len());
        if terminal {
            if *inner != Ty::String {
                return None;
            }
            return Some(match &owner_type {
                None if place.is_some() => Owner::Param(i, name.to_owned()),
                None => Owner::Response(i, name.to_owned()),
                Some(t) => Owner::Field(t.clone(), name.to_owned()),
            });
        }
        match inner {
            Ty::Named(t) => owner_type = Some(t.clone()),
            _ => return None,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_singular() {
        assert_eq!(singular("items"), "item");
        assert_eq!(singular("entities"), "entity");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("status"), "status");
        assert_eq!(singular("branches"), "branch");
        assert_eq!(singular("data"), "data");
        assert_eq!(type_name_of("3d_model"), "N3dModel");
    }
}
