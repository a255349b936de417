//! What the hand-written documents state that lives elsewhere: the counts (how many endpoints,
//! services, event types), written from the spec, and the examples, copied from the files the
//! test command runs. No number and no example there is typed by hand.
//!
//! A document marks each with HTML comments that Markdown does not render. A count:
//! `<!-- count:endpoints -->1,896<!-- /count -->`. An example: `<!-- include:PATH -->`, a
//! fenced block, `<!-- /include -->`; the block becomes the file at `PATH` (from the repository
//! root), fenced for its language. The generator rewrites what is between the marks (or, with
//! `--check`, reports it stale); an unknown name, a missing file or an unclosed mark is an
//! error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::output::Output;

/// The hand-written documents that state counts.
const DOCUMENTS: &[&str] = &["README.md", "bindings/wasm/npm/README.md"];

const OPEN: &str = "<!-- count:";
const CLOSE: &str = "<!-- /count -->";

pub(crate) fn generate(facts: &Path, out: &mut Output) -> Result<(), String> {
    let counts = counts(facts)?;
    let root = out.root().to_owned();
    for doc in DOCUMENTS {
        let path = root.join(doc);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let written = fill(&text, &counts).map_err(|e| format!("{doc}: {e}"))?;
        let written = include(&written, |file| {
            std::fs::read_to_string(root.join(file)).map_err(|e| format!("{file}: {e}"))
        })
        .map_err(|e| format!("{doc}: {e}"))?;
        out.file(doc, &written)?;
    }
    Ok(())
}

const INCLUDE: &str = "<!-- include:";
const END_INCLUDE: &str = "<!-- /include -->";

/// `text` with every included example replaced by its file, fenced for its language.
fn include(text: &str, read: impl Fn(&str) -> Result<String, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(INCLUDE) {
        out.push_str(&rest[..at]);
        let after = &rest[at + INCLUDE.len()..];
        let (file, after) = after
            .split_once("-->")
            .ok_or("an include mark without `-->`")?;
        let file = file.trim();
        let end = after
            .find(END_INCLUDE)
            .ok_or_else(|| format!("the include of `{file}` is not closed"))?;
        if after[..end].contains(INCLUDE) {
            return Err(format!("the include of `{file}` is not closed"));
        }
        let language = match file.rsplit_once('.').map(|(_, ext)| ext) {
            Some("rs") => "rust",
            Some("js" | "mjs") => "js",
            Some("py") => "python",
            Some("sh") => "sh",
            _ => "text",
        };
        let mut body = read(file)?;
        if !body.ends_with('\n') {
            body.push('\n');
        }
        if body.contains("```") {
            return Err(format!("`{file}` holds a code fence"));
        }
        out.push_str(&format!(
            "{INCLUDE}{file} -->\n```{language}\n{body}```\n{END_INCLUDE}"
        ));
        rest = &after[end + END_INCLUDE.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Every count by name, formatted as the prose writes it (`1,896`).
fn counts(facts: &Path) -> Result<BTreeMap<&'static str, String>, String> {
    let read = |file: &str| -> Result<Value, String> {
        let path = facts.join(file);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    };
    let (model, shapes) = crate::api::load(facts)?;
    let distinct: BTreeSet<String> = model
        .endpoints
        .iter()
        .map(|ep| endpoint_key(&ep.method, &ep.path))
        .collect();
    let services: BTreeSet<&str> = model
        .endpoints
        .iter()
        .map(|ep| ep.official.project.as_str())
        .collect();
    let events = read("lark-events.json")?
        .get("events")
        .and_then(Value::as_array)
        .map(Vec::len)
        .ok_or("lark-events.json has no `events`")?;
    let names = read("lark-official-names-union.json")?;
    let node_methods = names
        .get("endpoints")
        .and_then(Value::as_array)
        .map(|rows| {
            rows.iter()
                .filter(|r| r.get("sdk_helper_of").is_none_or(Value::is_null))
                .count()
        })
        .ok_or("the official names have no `endpoints`")?;
    let named_by = |source: crate::api::model::Source| {
        model
            .endpoints
            .iter()
            .filter(|ep| ep.official.source == Some(source))
            .count()
    };
    Ok(BTreeMap::from([
        ("endpoints", thousands(model.endpoints.len())),
        (
            "named-by-node",
            thousands(named_by(crate::api::model::Source::NodeSdk)),
        ),
        (
            "named-by-python",
            thousands(named_by(crate::api::model::Source::LarkOapi)),
        ),
        ("distinct", thousands(distinct.len())),
        ("services", thousands(services.len())),
        ("events", thousands(events)),
        (
            "tokens-unknown",
            thousands(model.endpoints.iter().filter(|ep| !ep.tokens_known).count()),
        ),
        ("facts-types", thousands(shapes.stats.facts_types)),
        ("shapes", thousands(model.types.len())),
        ("enums", thousands(shapes.enums.len())),
        ("node-sdk-methods", thousands(node_methods)),
    ]))
}

/// An endpoint's method and path as the official SDKs are compared by: placeholders all alike,
/// a trailing `/` ignored.
fn endpoint_key(method: &str, path: &str) -> String {
    let segments: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .map(|s| if s.starts_with(':') { ":" } else { s })
        .collect();
    format!("{} {}", method.to_ascii_uppercase(), segments.join("/"))
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `text` with every marked count rewritten.
fn fill(text: &str, counts: &BTreeMap<&'static str, String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(OPEN) {
        out.push_str(&rest[..at]);
        let after = &rest[at + OPEN.len()..];
        let (name, after) = after
            .split_once("-->")
            .ok_or("a count mark without `-->`")?;
        let name = name.trim();
        let value = counts
            .get(name)
            .ok_or_else(|| format!("unknown count `{name}`"))?;
        let end = after
            .find(CLOSE)
            .ok_or_else(|| format!("the count `{name}` is not closed"))?;
        if after[..end].contains(OPEN) {
            return Err(format!("the count `{name}` is not closed"));
        }
        out.push_str(&format!("{OPEN}{name} -->{value}{CLOSE}"));
        rest = &after[end + CLOSE.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marked_counts_are_rewritten() {
        let counts = BTreeMap::from([("endpoints", thousands(1896)), ("events", thousands(154))]);
        let text = "All <!-- count:endpoints -->1,664<!-- /count --> endpoints, <!-- count:events -->1<!-- /count --> events.";
        assert_eq!(
            fill(text, &counts).unwrap(),
            "All <!-- count:endpoints -->1,896<!-- /count --> endpoints, <!-- count:events -->154<!-- /count --> events."
        );
        assert!(fill("<!-- count:nope -->1<!-- /count -->", &counts).is_err());
        assert!(fill("<!-- count:events -->1", &counts).is_err());
        assert_eq!(fill("no marks", &counts).unwrap(), "no marks");
    }

    #[test]
    fn examples_are_included_from_their_files() {
        let read = |file: &str| match file {
            "a.rs" => Ok("fn main() {}\n".to_owned()),
            "b.py" => Ok("print(1)".to_owned()),
            other => Err(format!("no {other}")),
        };
        let text = "x\n<!-- include:a.rs -->\n```rust\nold\n```\n<!-- /include -->\ny <!-- include: b.py --><!-- /include -->";
        assert_eq!(
            include(text, read).unwrap(),
            "x\n<!-- include:a.rs -->\n```rust\nfn main() {}\n```\n<!-- /include -->\ny <!-- include:b.py -->\n```python\nprint(1)\n```\n<!-- /include -->"
        );
        assert!(include("<!-- include:c.rs --><!-- /include -->", read).is_err());
        assert!(include("<!-- include:a.rs -->", read).is_err());
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(154), "154");
        assert_eq!(thousands(1896), "1,896");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn endpoints_compare_by_method_and_path_shape() {
        assert_eq!(
            endpoint_key("get", "/open-apis/hire/v1/talent_pools/"),
            endpoint_key("GET", "/open-apis/hire/v1/talent_pools")
        );
        assert_eq!(
            endpoint_key("GET", "/open-apis/a/:x/b"),
            endpoint_key("GET", "/open-apis/a/:y/b")
        );
    }

    /// The union spec: 1,896 rows, 1,879 distinct endpoints (its README's figures).
    #[test]
    fn the_spec_counts() {
        let facts = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../spec");
        let counts = counts(&facts).unwrap();
        assert_eq!(counts["endpoints"], "1,896");
        assert_eq!(counts["distinct"], "1,879");
        assert_eq!(counts["node-sdk-methods"], "1,680");
    }
}
