//! Reading the facts into the [`Model`]: every type and endpoint, each endpoint reread where
//! the facts say more than their fields (`readings`), names made unique, references checked,
//! and the side each type is used on.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::{Endpoint, Model, Ty, TypeDef, Usage, camel, endpoint, fields, str_of};
use super::readings;

/// The model of the facts: types and endpoints as read, before the official names.
pub(crate) fn model(facts: &Value) -> Result<Model, String> {
    let raw_types = facts
        .get("types")
        .and_then(Value::as_object)
        .ok_or("the facts have no `types` object")?;
    let mut types = BTreeMap::new();
    for (name, def) in raw_types {
        let usage = match def.get("usage").and_then(Value::as_str) {
            Some("request") => Usage::Request,
            Some("response") => Usage::Response,
            Some("both") => Usage::Both,
            other => return Err(format!("type {name}: unknown usage {other:?}")),
        };
        let custom_json = def.get("custom_json").and_then(Value::as_bool) == Some(true);
        let fields = if custom_json {
            // Not the wire form: the fields are the Go SDK's view of a value it parses by hand.
            Vec::new()
        } else {
            fields(
                def.get("fields"),
                &format!("type {name}"),
                usage != Usage::Request,
            )?
        };
        types.insert(
            name.clone(),
            TypeDef {
                key: String::new(),
                name: name.clone(),
                fields,
                usage,
                custom_json,
            },
        );
    }

    let raw = facts
        .get("endpoints")
        .and_then(Value::as_array)
        .ok_or("the facts have no `endpoints` array")?;
    let mut endpoints = Vec::new();
    let mut taken: BTreeSet<(String, String)> = BTreeSet::new();
    // Seed endpoints keep their names; later ones with a taken name get a suffix.
    let mut order: Vec<(usize, &Value)> = raw.iter().enumerate().collect();
    order.sort_by_key(|(_, e)| {
        e.pointer("/source/match").and_then(Value::as_str) == Some("unlisted-in-seed")
    });
    for (index, e) in order {
        let mut ep = endpoint(e)?;
        ep.index = index;
        readings::reread(&mut ep, &types)?;
        if !taken.insert((ep.service.clone(), ep.name.clone())) {
            let renamed = disambiguate(&ep, &taken)?;
            taken.insert((ep.service.clone(), renamed.clone()));
            ep.name = renamed;
        }
        endpoints.push(ep);
    }
    // The facts' order within a service, services sorted: stable output.
    let position: BTreeMap<(String, String), usize> = raw
        .iter()
        .enumerate()
        .map(|(i, e)| {
            (
                (
                    str_of(e, "service").unwrap_or_default(),
                    format!(
                        "{}#{}",
                        str_of(e, "method").unwrap_or_default(),
                        str_of(e, "path").unwrap_or_default()
                    ),
                ),
                i,
            )
        })
        .collect();
    endpoints.sort_by_key(|ep| {
        (
            ep.service.clone(),
            position
                .get(&(ep.service.clone(), format!("{}#{}", ep.method, ep.path)))
                .copied()
                .unwrap_or(usize::MAX),
            ep.name.clone(),
        )
    });

    readings::idempotency(&mut endpoints)?;

    for ep in &endpoints {
        for (_, f) in &ep.params {
            check_refs(&f.ty, &types, &ep.name)?;
        }
        for f in &ep.response {
            check_refs(&f.ty, &types, &ep.name)?;
        }
    }
    for t in types.values() {
        for f in &t.fields {
            check_refs(&f.ty, &types, &t.name)?;
        }
    }

    // The facts' `usage` is per type; the side a type is decoded or encoded on follows from
    // where the endpoints reach it, transitively.
    let request_side = reach(&endpoints, &types, true);
    let response_side = reach(&endpoints, &types, false);
    for (name, t) in &mut types {
        t.usage = match (request_side.contains(name), response_side.contains(name)) {
            (true, true) => Usage::Both,
            (true, false) => Usage::Request,
            _ => Usage::Response,
        };
    }
    Ok(Model { endpoints, types })
}

fn check_refs(ty: &Ty, types: &BTreeMap<String, TypeDef>, whose: &str) -> Result<(), String> {
    let mut names = Vec::new();
    ty.names(&mut names);
    for n in names {
        if !types.contains_key(&n) {
            return Err(format!("{whose}: unknown type {n}"));
        }
    }
    Ok(())
}

/// A unique name for an endpoint whose facts' name is taken in its service: the path's
/// version, then the path's distinctive segments.
fn disambiguate(ep: &Endpoint, taken: &BTreeSet<(String, String)>) -> Result<String, String> {
    let segments: Vec<&str> = ep
        .path
        .split('/')
        .skip(2)
        .filter(|s| !s.is_empty() && !s.starts_with(':'))
        .collect();
    let version = segments
        .iter()
        .find(|s| is_version(s))
        .map(|s| camel(s))
        .unwrap_or_default();
    let mut candidates = vec![format!("{}{}", ep.name, version)];
    let tail: String = segments
        .iter()
        .filter(|s| !is_version(s))
        .map(|s| camel(s))
        .collect();
    candidates.push(format!("{}{}{}", ep.name, version, tail));
    for c in candidates {
        if !taken.contains(&(ep.service.clone(), c.clone())) {
            return Ok(c);
        }
    }
    Err(format!(
        "cannot find a unique name for {}.{}",
        ep.service, ep.name
    ))
}

fn is_version(s: &str) -> bool {
    s.len() >= 2 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit())
}

/// The types the endpoints' requests (or answers) reach.
fn reach(
    endpoints: &[Endpoint],
    types: &BTreeMap<String, TypeDef>,
    request: bool,
) -> BTreeSet<String> {
    let mut stack = Vec::new();
    for ep in endpoints {
        if request {
            for (_, f) in &ep.params {
                f.ty.names(&mut stack);
            }
        } else {
            for f in &ep.response {
                f.ty.names(&mut stack);
            }
        }
    }
    let mut seen = BTreeSet::new();
    while let Some(n) = stack.pop() {
        if seen.insert(n.clone()) {
            if let Some(t) = types.get(&n) {
                for f in &t.fields {
                    f.ty.names(&mut stack);
                }
            }
        }
    }
    seen
}
