//! `lark endpoints` (the catalog, one line per endpoint) and `lark api --endpoint
//! im.v1.message.create --param k=v ...` (a call checked against the catalog before anything is
//! sent). Endpoints go by their official names; the former names still find them.

use lark_core::File;
use lark_core::api::CATALOG;
use lark_core::endpoint::{Body, BodyKind, EndpointMeta, Multipart, ParamSpec};
use serde_json::Value;

use crate::call::Call;
use crate::{Failure, Outcome};

/// `lark endpoints` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// Lists only this service's endpoints (`im`, `drive`, ...).
    #[arg(long)]
    service: Option<String>,
}

/// Prints `METHOD PATH official.name (former.Name)` for every endpoint of the catalog.
pub(crate) fn list(args: &ListArgs) -> Outcome {
    let mut out = String::new();
    let mut count = 0;
    for e in CATALOG {
        if args.service.as_deref().is_some_and(|s| s != e.service) {
            continue;
        }
        count += 1;
        out.push_str(&format!(
            "{} {} {} ({})\n",
            e.method,
            e.path,
            e.id(),
            e.alias
        ));
    }
    if count == 0 {
        return Err(Failure::usage(format!(
            "error: no service `{}`",
            args.service.as_deref().unwrap_or_default()
        )));
    }
    crate::output::stdout(out.as_bytes())
}

/// Where a parameter goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Path,
    Query,
    Header,
    Body,
}

/// Finds an endpoint in the catalog by its official name (`im.v1.message.create`, or the
/// documentation's `im/v1/chat-members/create`) or its former one (`message.SendRawMessage`).
pub(crate) fn find(id: &str) -> Result<&'static EndpointMeta, Failure> {
    lark_core::api::find_id(id)
        .ok_or_else(|| Failure::usage(format!("error: no endpoint `{id}` (see `lark endpoints`)")))
}

/// Checks `params` (`key=value`) against `spec` and builds the call. Every problem is a usage
/// error, found before any request is made.
pub(crate) fn build(spec: &'static EndpointMeta, params: &[String]) -> Result<Call, Failure> {
    let places = [
        (Place::Path, spec.path_params),
        (Place::Query, spec.query),
        (Place::Header, spec.headers),
        (Place::Body, spec.body_fields),
    ];
    let lookup = |key: &str| -> Option<(Place, &'static ParamSpec)> {
        places
            .iter()
            .find_map(|(place, list)| list.iter().find(|p| p.name == key).map(|p| (*place, p)))
    };
    let mut given: Vec<(Place, &'static ParamSpec, Vec<String>)> = Vec::new();
    for pair in params {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("error: --param `{pair}` is not KEY=VALUE")))?;
        let (place, param) = lookup(key).ok_or_else(|| {
            let known: Vec<&str> = places
                .iter()
                .flat_map(|(_, list)| list.iter().map(|p| p.name))
                .collect();
            Failure::usage(format!(
                "error: {} has no parameter `{key}`; it takes: {}",
                spec.id(),
                if known.is_empty() {
                    "nothing".to_owned()
                } else {
                    known.join(", ")
                }
            ))
        })?;
        match given.iter_mut().find(|(_, p, _)| p.name == key) {
            Some((_, p, values)) if p.is_list() => values.push(value.to_owned()),
            Some(_) => {
                return Err(Failure::usage(format!(
                    "error: parameter `{key}` is given twice"
                )));
            }
            None => given.push((place, param, vec![value.to_owned()])),
        }
    }
    let missing: Vec<String> = places
        .iter()
        .flat_map(|(place, list)| list.iter().map(move |p| (*place, p)))
        .filter(|(_, p)| p.required && !given.iter().any(|(_, g, _)| g.name == p.name))
        .map(|(place, p)| format!("`{}` ({}, {})", p.name, place_name(place), p.ty))
        .collect();
    if !missing.is_empty() {
        return Err(Failure::usage(format!(
            "error: {} needs {}; pass it with --param KEY=VALUE",
            spec.id(),
            missing.join(", ")
        )));
    }

    let mut path_values = Vec::new();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    let mut json = serde_json::Map::new();
    let mut form = Multipart::new();
    for (place, param, values) in &given {
        match place {
            Place::Path => path_values.push((param.name, values[0].clone())),
            Place::Query => {
                for v in query_values(param, values)? {
                    check_scalar(param, &v)?;
                    query.push((param.name, v));
                }
            }
            Place::Header => headers.push((param.name, values[0].clone())),
            Place::Body if spec.body == BodyKind::Multipart => {
                let value = &values[0];
                if param.ty == "binary" {
                    let file_path = value.strip_prefix('@').ok_or_else(|| {
                        Failure::usage(format!(
                            "error: `{}` is a file: pass it as {}=@PATH",
                            param.name, param.name
                        ))
                    })?;
                    let data = std::fs::read(file_path).map_err(|e| {
                        Failure::usage(format!("error: cannot read {file_path}: {e}"))
                    })?;
                    let name = std::path::Path::new(file_path)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_else(|| "file".to_owned());
                    form.file(param.name, File::new(name, data));
                } else {
                    check_scalar(param, value)?;
                    form.text(param.name, value.clone());
                }
            }
            Place::Body => {
                json.insert(param.name.to_owned(), json_value(param, values)?);
            }
        }
    }
    let pairs: Vec<(&str, &str)> = path_values.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let path = lark_core::endpoint::fill_path(spec.path, &pairs)
        .map_err(|e| Failure::usage(format!("error: {e}")))?;
    let body = match spec.body {
        BodyKind::Json => {
            Body::json(&Value::Object(json)).map_err(|e| Failure::usage(format!("error: {e}")))?
        }
        BodyKind::Multipart => Body::Multipart(form),
        _ => Body::None,
    };
    let meta = spec.clone();
    Ok(Call {
        meta,
        path,
        query,
        headers,
        body,
    })
}

fn place_name(place: Place) -> &'static str {
    match place {
        Place::Path => "path",
        Place::Query => "query",
        Place::Header => "header",
        Place::Body => "body",
    }
}

fn scalar_type(param: &ParamSpec) -> &'static str {
    param
        .ty
        .strip_prefix("list<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(param.ty)
}

/// A text value must parse as the parameter's scalar type.
fn check_scalar(param: &ParamSpec, value: &str) -> Result<(), Failure> {
    let ok = match scalar_type(param) {
        "i64" | "i32" => value.parse::<i64>().is_ok(),
        "f64" => value.parse::<f64>().is_ok(),
        "bool" => value == "true" || value == "false",
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "error: `{}` must be {}, not `{value}`",
            param.name, param.ty
        )))
    }
}

/// The values of a query parameter: a list takes repeated `--param key=v` or one JSON array
/// (`key=["a","b"]`), and goes out as repeated keys either way.
fn query_values(param: &ParamSpec, values: &[String]) -> Result<Vec<String>, Failure> {
    let [one] = values else {
        return Ok(values.to_vec());
    };
    if !param.is_list() || !one.trim_start().starts_with('[') {
        return Ok(values.to_vec());
    }
    let bad = |e: String| Failure::usage(format!("error: `{}`: {e}", param.name));
    let items: Vec<Value> =
        serde_json::from_str(one).map_err(|e| bad(format!("not a JSON array: {e}")))?;
    items
        .into_iter()
        .map(|item| match item {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(bad(format!("`{other}` cannot be a query value"))),
        })
        .collect()
}

/// The JSON of a body field: scalars parsed by type, lists from repeated values (or one JSON
/// array), objects and anything else as JSON text.
fn json_value(param: &ParamSpec, values: &[String]) -> Result<Value, Failure> {
    let bad = |e: String| Failure::usage(format!("error: `{}`: {e}", param.name));
    let scalar = |ty: &str, v: &str| -> Result<Value, Failure> {
        match ty {
            "string" => Ok(Value::String(v.to_owned())),
            "i64" | "i32" => v
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| bad(format!("`{v}` is not an integer"))),
            "f64" => v
                .parse::<f64>()
                .map(Value::from)
                .map_err(|_| bad(format!("`{v}` is not a number"))),
            "bool" => v
                .parse::<bool>()
                .map(Value::from)
                .map_err(|_| bad(format!("`{v}` is not true or false"))),
            _ => serde_json::from_str(v).map_err(|e| bad(format!("not JSON: {e}"))),
        }
    };
    if param.is_list() {
        if let [one] = values {
            if one.trim_start().starts_with('[') {
                return serde_json::from_str(one).map_err(|e| bad(format!("not JSON: {e}")));
            }
        }
        let inner = scalar_type(param);
        return values
            .iter()
            .map(|v| scalar(inner, v))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array);
    }
    scalar(param.ty, &values[0])
}
