//! The platform's own names for every endpoint: service (`project`), version, resource and
//! method, as the official Node SDK and the documentation spell them.
//!
//! Four sources, in order: the official names file (`lark-official-names-union.json`, joined
//! to our facts by method and path), then the Python SDK's name the facts carry
//! (`sdk.lark_oapi`, for what the Node SDK lacks), then the tail `/<service>-<version>/<resource>/<method>` of the
//! endpoint's documentation address, then the path itself for the old endpoints whose page has
//! neither. Facts that name one method and path twice keep both endpoints; the second gets the
//! version its facts name carries (`CreateV1`) or a number.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::model::{Endpoint, Official, Source, camel, snake};

/// The official names file.
const OFFICIAL: &str = "lark-official-names-union.json";

/// Reads the official names and gives every endpoint its name; errors on a name given twice.
pub(crate) fn assign(endpoints: &mut [Endpoint], facts: &Path) -> Result<(), String> {
    let file = facts.join(OFFICIAL);
    let text = std::fs::read_to_string(&file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
    let rows = json
        .get("endpoints")
        .and_then(Value::as_array)
        .ok_or("the official names have no `endpoints`")?;
    let mut by_index: BTreeMap<usize, &Value> = BTreeMap::new();
    for row in rows {
        if row.get("sdk_helper_of").is_some_and(|h| !h.is_null()) {
            continue;
        }
        for i in row
            .get("match_idx")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(i) = i.as_u64() {
                by_index.entry(i as usize).or_insert(row);
            }
        }
    }
    // Facts order: a second endpoint on one method and path is the later one.
    let mut order: Vec<usize> = (0..endpoints.len()).collect();
    order.sort_by_key(|&i| endpoints[i].index);
    let mut taken: BTreeSet<(String, String, String, String)> = BTreeSet::new();
    for i in order {
        let ep = &mut endpoints[i];
        let mut official = match by_index.get(&ep.index) {
            Some(row) => from_row(row)?,
            None => ep
                .lark_oapi
                .as_deref()
                .and_then(from_lark_oapi)
                .or_else(|| from_doc_url(&ep.doc_url))
                .unwrap_or_else(|| from_path(&ep.method, &ep.path)),
        };
        official.type_name = camel(&official.method);
        let module = official.resource_module();
        let key = |o: &Official| {
            (
                o.project.clone(),
                o.version.clone(),
                module.clone(),
                o.type_name.clone(),
            )
        };
        if taken.contains(&key(&official)) {
            // The facts' second reading of one endpoint (`CreateCoreHRPersonV1`).
            let version = version_suffix(&ep.name);
            let base = camel(&official.method);
            let mut candidates = Vec::new();
            if let Some(v) = version {
                candidates.push(format!("{base}{v}"));
            }
            for n in 2..10 {
                candidates.push(format!("{base}{n}"));
            }
            official.type_name = candidates
                .into_iter()
                .find(|c| {
                    !taken.contains(&(
                        official.project.clone(),
                        official.version.clone(),
                        module.clone(),
                        c.clone(),
                    ))
                })
                .ok_or_else(|| format!("{}: no free name", official.dotted()))?;
        }
        taken.insert(key(&official));
        ep.official = official;
    }
    Ok(())
}

/// `V1` in `CreateCoreHRPersonV1` or `CreateTaskV1Collaborator`.
pub(crate) fn version_suffix(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    for i in (0..bytes.len()).rev() {
        if bytes[i] == b'V' && i + 1 < bytes.len() && bytes[i + 1].is_ascii_digit() {
            let digits: String = name[i + 1..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            return Some(format!("V{digits}"));
        }
    }
    None
}

fn str_field<'a>(row: &'a Value, key: &str) -> Result<&'a str, String> {
    row.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("an official row without `{key}`"))
}

fn from_row(row: &Value) -> Result<Official, String> {
    let mut enums = BTreeMap::new();
    if let Some(map) = row.get("enums").and_then(Value::as_object) {
        for (path, values) in map {
            let list: Vec<String> = values
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            if list.len() >= 2 {
                enums.insert(path.clone(), list);
            }
        }
    }
    Ok(Official {
        project: snake(str_field(row, "project")?),
        version: str_field(row, "version")?.to_owned(),
        resource: resource_parts(str_field(row, "resource")?),
        method: snake(str_field(row, "api_name")?),
        type_name: String::new(),
        source: Some(Source::NodeSdk),
        iterator: row.get("pagination").and_then(Value::as_bool) == Some(true),
        enums,
    })
}

fn resource_parts(resource: &str) -> Vec<String> {
    resource
        .split(['.', '-'])
        .filter(|s| !s.is_empty())
        .map(snake)
        .collect()
}

/// lark-oapi's `<service>.<version>.<resource module>.<method>`
/// (`unified_kms.v1.autonomous_key_deletion_plan.create`): its resource module is the resource
/// in snake case, one part.
fn from_lark_oapi(name: &str) -> Option<Official> {
    let parts: Vec<&str> = name.split('.').collect();
    let [project, version, resource, method] = parts.as_slice() else {
        return None;
    };
    let is_version = version.len() >= 2
        && version.starts_with('v')
        && version[1..].chars().all(|c| c.is_ascii_digit());
    if !is_version || [project, resource, method].iter().any(|s| s.is_empty()) {
        return None;
    }
    Some(Official {
        project: snake(project),
        version: (*version).to_owned(),
        resource: vec![snake(resource)],
        method: snake(method),
        type_name: String::new(),
        source: Some(Source::LarkOapi),
        iterator: false,
        enums: BTreeMap::new(),
    })
}

/// `.../im-v1/chat-members/create` → `im`, `v1`, `chat.members`, `create`.
fn from_doc_url(url: &str) -> Option<Official> {
    let segments: Vec<&str> = url.split('/').collect();
    let at = segments.iter().rposition(|s| {
        s.split_once("-v").is_some_and(|(p, v)| {
            !p.is_empty() && !v.is_empty() && v.chars().all(|c| c.is_ascii_digit())
        })
    })?;
    let (project, version) = segments[at].rsplit_once("-v")?;
    let rest = &segments[at + 1..];
    if rest.len() < 2 || rest.iter().any(|s| s.is_empty()) {
        return None;
    }
    let method = rest[rest.len() - 1];
    let resource: Vec<String> = rest[..rest.len() - 1]
        .iter()
        .flat_map(|r| resource_parts(r))
        .collect();
    Some(Official {
        project: snake(project),
        version: format!("v{version}"),
        resource,
        method: snake(method),
        type_name: String::new(),
        source: Some(Source::DocUrl),
        iterator: false,
        enums: BTreeMap::new(),
    })
}

/// An old path: `/open-apis/<service>[/<version>]/<resource...>/<method>`.
fn from_path(method: &str, path: &str) -> Official {
    let segments: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != "open-apis")
        .collect();
    let project = segments.first().copied().unwrap_or("root");
    let is_version =
        |s: &str| s.len() >= 2 && s.starts_with('v') && s[1..].chars().all(|c| c.is_ascii_digit());
    let version = segments
        .iter()
        .find(|s| is_version(s))
        .map(|s| (*s).to_owned())
        .unwrap_or_else(|| "v0".to_owned());
    let words: Vec<&str> = segments
        .iter()
        .skip(1)
        .copied()
        .filter(|s| !is_version(s) && !s.starts_with(':') && *s != "openapi")
        .collect();
    let verb = match method.to_ascii_uppercase().as_str() {
        "GET" => "get",
        "POST" => "create",
        "PUT" => "update",
        "PATCH" => "patch",
        _ => "delete",
    };
    let ends_in_param = segments.last().is_some_and(|s| s.starts_with(':'));
    // `.../file/:token` names its resource and takes the method from the HTTP verb;
    // `.../values_prepend` names its method last.
    let (resource, name) = match words.as_slice() {
        [] => (Vec::new(), verb.to_owned()),
        all if ends_in_param => (
            all.iter().flat_map(|r| resource_parts(r)).collect(),
            verb.to_owned(),
        ),
        [one] => (Vec::new(), snake(one)),
        [rest @ .., last] => (
            rest.iter().flat_map(|r| resource_parts(r)).collect(),
            snake(last),
        ),
    };
    Official {
        project: snake(project),
        version,
        resource,
        method: name,
        type_name: String::new(),
        source: Some(Source::Path),
        iterator: false,
        enums: BTreeMap::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_url_tails_name_the_method() {
        let o =
            from_doc_url("https://open.feishu.cn/document/server-docs/im-v1/chat-members/create")
                .unwrap();
        assert_eq!(o.project, "im");
        assert_eq!(o.version, "v1");
        assert_eq!(o.resource, ["chat", "members"]);
        assert_eq!(o.method, "create");
        assert!(
            from_doc_url("https://open.feishu.cn/document/ukTMukTMukTM/uUjNz4SN2MjL1YzM").is_none()
        );
    }

    #[test]
    fn python_names_give_one_resource() {
        let o = from_lark_oapi("unified_kms.v1.autonomous_key_deletion_plan.create").unwrap();
        assert_eq!(
            (o.project.as_str(), o.version.as_str()),
            ("unified_kms", "v1")
        );
        assert_eq!(o.resource, ["autonomous_key_deletion_plan"]);
        assert_eq!(o.method, "create");
        assert!(from_lark_oapi("unified_kms.autonomous_key.create").is_none());
        assert!(from_lark_oapi("unified_kms.latest.autonomous_key.create").is_none());
    }

    #[test]
    fn old_paths_are_read_mechanically() {
        let o = from_path("POST", "/open-apis/message/v4/send/");
        assert_eq!((o.project.as_str(), o.version.as_str()), ("message", "v4"));
        assert!(o.resource.is_empty());
        assert_eq!(o.method, "send");
        let o = from_path("GET", "/open-apis/meeting_room/building/list");
        assert_eq!(o.version, "v0");
        assert_eq!(o.resource, ["building"]);
        assert_eq!(o.method, "list");
        let o = from_path("GET", "/open-apis/doc/v2/:docToken/raw_content");
        assert!(o.resource.is_empty());
        assert_eq!(o.method, "raw_content");
        let o = from_path("POST", "/open-apis/drive/explorer/v2/file/:folderToken");
        assert_eq!((o.version.as_str(), o.method.as_str()), ("v2", "create"));
        assert_eq!(o.resource, ["explorer", "file"]);
    }

    #[test]
    fn second_readings_take_their_version() {
        assert_eq!(
            version_suffix("CreateCoreHRPersonV1").as_deref(),
            Some("V1")
        );
        assert_eq!(
            version_suffix("CreateTaskV1Collaborator").as_deref(),
            Some("V1")
        );
        assert_eq!(version_suffix("CreateTask"), None);
    }
}
