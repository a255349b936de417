//! Generation of `lark_core::event::types`: a typed struct for every event type of
//! `lark-events.json`, the registry of event types, the `AnyEvent` enum, and a generated test
//! that parses a fully populated sample of every event.
//!
//! Names: an event's payload struct is named after its event type, inside a module per service
//! (`im.message.receive_v1` → `types::im::MessageReceiveV1`; schema 1.0 events live in `v1`,
//! `add_bot` → `types::v1::AddBot`). Nested types keep the rest of their Go name after the
//! payload's (`EventV2IMMessageReceiveV1Sender` → `MessageReceiveV1Sender`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::output::{HEADER, Output};

const FACTS: &str = "lark-events.json";
const TYPES_DIR: &str = "crates/lark-core/src/event/types";
const TEST_FILE: &str = "crates/lark-core/tests/event_types_generated.rs";

/// One event type of the facts.
struct EventFact {
    event_type: String,
    schema: String,
    callback: bool,
    doc_url: String,
    payload_type: String,
    module: String,
    rust_name: String,
}

/// One field of a payload type.
struct FieldFact {
    wire: String,
    ty: String,
    from_header: Option<String>,
    values: Vec<String>,
}

struct Facts {
    events: Vec<EventFact>,
    types: BTreeMap<String, Vec<FieldFact>>,
}

pub(crate) fn generate(facts_dir: &Path, out: &mut Output) -> Result<(), String> {
    let path = facts_dir.join(FACTS);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let json: Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let facts = load(&json)?;
    let modules = assign(&facts)?;

    out.own_dir(TYPES_DIR);
    for (module, plan) in &modules {
        let body = module_file(&facts, module, plan)?;
        out.rust(
            &format!("{TYPES_DIR}/{module}.rs"),
            &format!("{HEADER}\n{body}"),
        )?;
    }
    out.rust(
        &format!("{TYPES_DIR}/mod.rs"),
        &format!("{HEADER}\n{}", mod_file(&facts, &modules)),
    )?;
    out.rust(TEST_FILE, &format!("{HEADER}\n{}", test_file(&facts)?))?;
    Ok(())
}

fn load(json: &Value) -> Result<Facts, String> {
    let str_of = |v: &Value, key: &str| -> Result<String, String> {
        v.get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("missing string `{key}` in {v}"))
    };
    let mut types = BTreeMap::new();
    let raw_types = json
        .get("types")
        .and_then(Value::as_object)
        .ok_or("no `types` object")?;
    for (name, ty) in raw_types {
        let mut fields = Vec::new();
        for field in ty
            .get("fields")
            .and_then(Value::as_array)
            .ok_or_else(|| format!("type {name} has no fields"))?
        {
            fields.push(FieldFact {
                wire: str_of(field, "name")?,
                ty: str_of(field, "type")?,
                from_header: field
                    .get("from_header")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                values: field
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|v| {
                        v.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_owned)
                            .collect()
                    })
                    .unwrap_or_default(),
            });
        }
        types.insert(name.clone(), fields);
    }
    let mut events = Vec::new();
    for event in json
        .get("events")
        .and_then(Value::as_array)
        .ok_or("no `events` array")?
    {
        let event_type = str_of(event, "event_type")?;
        let schema = str_of(event, "schema")?;
        let (module, rest) = match schema.as_str() {
            "1.0" => ("v1".to_owned(), event_type.as_str()),
            "2.0" | "card-legacy" => event_type
                .split_once('.')
                .map(|(m, r)| (m.to_owned(), r))
                .ok_or_else(|| format!("event type {event_type} has no service prefix"))?,
            other => return Err(format!("{event_type}: unknown schema {other}")),
        };
        let doc_url = event
            .get("doc_url_new")
            .or_else(|| event.get("doc_url"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        events.push(EventFact {
            rust_name: camel(rest),
            module: module_ident(&module)?,
            callback: event
                .get("callback")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            payload_type: str_of(event, "payload_type")?,
            event_type,
            schema,
            doc_url,
        });
    }
    events.sort_by(|a, b| a.event_type.cmp(&b.event_type));
    Ok(Facts { events, types })
}

/// What goes into one module file: its events, and every type they reach, with Rust names.
struct ModulePlan {
    events: Vec<usize>,
    /// Go type name → Rust name, in the order they are written.
    names: Vec<(String, String)>,
}

impl ModulePlan {
    fn rust_name(&self, go: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|(g, _)| g == go)
            .map(|(_, r)| r.as_str())
    }
}

fn assign(facts: &Facts) -> Result<BTreeMap<String, ModulePlan>, String> {
    let mut modules: BTreeMap<String, ModulePlan> = BTreeMap::new();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    for (index, event) in facts.events.iter().enumerate() {
        let plan = modules
            .entry(event.module.clone())
            .or_insert_with(|| ModulePlan {
                events: Vec::new(),
                names: Vec::new(),
            });
        plan.events.push(index);
        let go_prefix = &event.payload_type;
        let mut stack = vec![event.payload_type.clone()];
        while let Some(go) = stack.pop() {
            if let Some(module) = owner.get(&go) {
                if module != &event.module {
                    return Err(format!(
                        "type {go} is used by modules {module} and {}",
                        event.module
                    ));
                }
                continue;
            }
            let fields = facts
                .types
                .get(&go)
                .ok_or_else(|| format!("{}: unknown type {go}", event.event_type))?;
            let rust = if &go == go_prefix {
                event.rust_name.clone()
            } else if let Some(rest) = go.strip_prefix(go_prefix.as_str()) {
                format!("{}{rest}", event.rust_name)
            } else {
                strip_event_prefix(&go)
            };
            if !rust.starts_with(|c: char| c.is_ascii_uppercase()) {
                return Err(format!("type {go} gets the bad Rust name {rust}"));
            }
            if plan.names.iter().any(|(_, r)| r == &rust) {
                return Err(format!(
                    "two types are named {rust} in module {}",
                    event.module
                ));
            }
            owner.insert(go.clone(), event.module.clone());
            plan.names.push((go.clone(), rust));
            // Push in reverse so nested types come out in field order.
            for field in fields.iter().rev() {
                for referenced in type_refs(&field.ty) {
                    if facts.types.contains_key(referenced) {
                        stack.push(referenced.to_owned());
                    }
                }
            }
        }
    }
    Ok(modules)
}

fn module_file(facts: &Facts, module: &str, plan: &ModulePlan) -> Result<String, String> {
    let mut out = String::new();
    let services: BTreeSet<&str> = plan
        .events
        .iter()
        .map(|&i| facts.events[i].event_type.as_str())
        .collect();
    if module == "v1" {
        writeln!(out, "//! Schema 1.0 events.").ok();
    } else {
        writeln!(out, "//! `{module}.*` events.").ok();
    }
    writeln!(out, "//!\n//! Event types: {}.", list_code(&services)).ok();
    writeln!(out, "\nuse crate::event::{{EventType, Schema}};\n").ok();
    let top: BTreeMap<&str, &EventFact> = plan
        .events
        .iter()
        .map(|&i| (facts.events[i].payload_type.as_str(), &facts.events[i]))
        .collect();
    for (go, rust) in &plan.names {
        let fields = &facts.types[go];
        if let Some(event) = top.get(go.as_str()) {
            writeln!(
                out,
                "/// The payload of `{}` (schema {}).",
                event.event_type, event.schema
            )
            .ok();
            if event.callback {
                writeln!(
                    out,
                    "///\n/// A callback: the platform waits for the reply, which acts on the user's screen."
                )
                .ok();
            }
            if !event.doc_url.is_empty() {
                writeln!(out, "///\n/// <{}>", event.doc_url).ok();
            }
        } else {
            writeln!(out, "/// Part of an event payload (`{go}`).").ok();
        }
        writeln!(
            out,
            "#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]\n#[non_exhaustive]\npub struct {rust} {{"
        )
        .ok();
        let mut seen = BTreeSet::new();
        for field in fields {
            let ident = field_ident(&field.wire)?;
            if !seen.insert(ident.clone()) {
                return Err(format!("{go}: two fields map to {ident}"));
            }
            let (ty, with) = rust_field_type(&field.ty, plan)
                .ok_or_else(|| format!("{go}.{}: cannot map type {}", field.wire, field.ty))?;
            let mut doc = Vec::new();
            if let Some(header) = &field.from_header {
                doc.push(format!("Filled from the `{header}` request header."));
            }
            if !field.values.is_empty() {
                let values: BTreeSet<&str> = field.values.iter().map(String::as_str).collect();
                doc.push(format!("One of {}.", list_code(&values)));
            }
            for line in &doc {
                writeln!(out, "    /// {line}").ok();
            }
            let mut attrs = vec!["default".to_owned()];
            if unraw(&ident) != field.wire {
                attrs.push(format!("rename = \"{}\"", field.wire));
            }
            if let Some(with) = with {
                attrs.push(format!(
                    "deserialize_with = \"crate::event::lenient::{with}\""
                ));
            }
            writeln!(out, "    #[serde({})]", attrs.join(", ")).ok();
            writeln!(out, "    pub {ident}: Option<{ty}>,").ok();
        }
        writeln!(out, "}}\n").ok();
        if let Some(event) = top.get(go.as_str()) {
            let schema = match event.schema.as_str() {
                "1.0" => "V1",
                "2.0" => "V2",
                _ => "CardLegacy",
            };
            writeln!(
                out,
                "impl EventType for {rust} {{\n    const EVENT_TYPE: &'static str = \"{}\";\n    const SCHEMA: Schema = Schema::{schema};\n}}\n",
                event.event_type
            )
            .ok();
        }
    }
    Ok(out)
}

fn mod_file(facts: &Facts, modules: &BTreeMap<String, ModulePlan>) -> String {
    let mut out = String::new();
    let count = facts.events.len();
    writeln!(
        out,
        "//! Typed payloads of the {count} event types the platform documents, generated from the \
         facts.\n//!\n//! Every field is an `Option` (inbound payloads promise nothing), unknown \
         fields are ignored, and numbers sent as strings (or the reverse) are read either way. \
         [`AnyEvent`] decodes an [`Event`] into the right struct by its event type; an unknown \
         type stays raw JSON.\n"
    )
    .ok();
    for module in modules.keys() {
        writeln!(out, "pub mod {module};").ok();
    }
    writeln!(
        out,
        "\nuse crate::event::{{Event, EventError, Schema}};\n\n\
         /// What the SDK knows about one event type.\n\
         #[derive(Debug, Clone, Copy, PartialEq, Eq)]\n#[non_exhaustive]\n\
         pub struct EventTypeInfo {{\n\
         /// The event type string.\n    pub event_type: &'static str,\n\
         /// The envelope it arrives in.\n    pub schema: Schema,\n\
         /// Whether the platform waits for a reply that acts on the UI.\n    pub callback: bool,\n\
         /// The payload struct, as a path under `lark_core::event::types`.\n    pub rust_type: &'static str,\n\
         /// The platform's documentation.\n    pub doc_url: &'static str,\n}}\n"
    )
    .ok();
    writeln!(
        out,
        "/// Every event type with a typed payload, sorted by event type.\npub const EVENT_TYPES: &[EventTypeInfo] = &["
    )
    .ok();
    for event in &facts.events {
        let schema = schema_variant(&event.schema);
        writeln!(
            out,
            "    EventTypeInfo {{ event_type: {:?}, schema: Schema::{schema}, callback: {}, rust_type: \"{}::{}\", doc_url: {:?} }},",
            event.event_type, event.callback, event.module, event.rust_name, event.doc_url
        )
        .ok();
    }
    writeln!(out, "];\n").ok();
    writeln!(
        out,
        "/// The entry of `event_type` in [`EVENT_TYPES`].\n\
         pub fn lookup(event_type: &str) -> Option<&'static EventTypeInfo> {{\n\
         EVENT_TYPES.binary_search_by(|info| info.event_type.cmp(event_type)).ok().map(|i| &EVENT_TYPES[i])\n}}\n"
    )
    .ok();
    writeln!(
        out,
        "/// An event decoded into the struct of its type.\n\
         #[derive(Debug, Clone, PartialEq)]\n#[non_exhaustive]\npub enum AnyEvent {{"
    )
    .ok();
    for event in &facts.events {
        writeln!(
            out,
            "    /// `{}`.\n    {}(Box<{}::{}>),",
            event.event_type,
            variant(event),
            event.module,
            event.rust_name
        )
        .ok();
    }
    writeln!(
        out,
        "    /// An event type the SDK does not know: the event as it came.\n    Unknown(Box<Event>),\n}}\n"
    )
    .ok();
    writeln!(
        out,
        "impl AnyEvent {{\n\
         /// Decodes `event` into the struct of its type. A payload that does not fit is an \
         [`EventError::Malformed`]; an unknown type is [`AnyEvent::Unknown`].\n\
         pub fn from_event(event: &Event) -> Result<Self, EventError> {{\n\
         Ok(match event.event_type.as_str() {{"
    )
    .ok();
    for event in &facts.events {
        writeln!(
            out,
            "    {:?} => AnyEvent::{}(Box::new(event.parse()?)),",
            event.event_type,
            variant(event)
        )
        .ok();
    }
    writeln!(
        out,
        "    _ => AnyEvent::Unknown(Box::new(event.clone())),\n}})\n}}\n\n\
         /// The event type string.\n\
         pub fn event_type(&self) -> &str {{\n\
         match self {{"
    )
    .ok();
    for event in &facts.events {
        writeln!(
            out,
            "    AnyEvent::{}(_) => {:?},",
            variant(event),
            event.event_type
        )
        .ok();
    }
    writeln!(
        out,
        "    AnyEvent::Unknown(event) => &event.event_type,\n}}\n}}\n}}"
    )
    .ok();
    out
}

/// A test that parses, for every event type, a sample with every field set, and checks that
/// each string and integer landed in the typed struct.
fn test_file(facts: &Facts) -> Result<String, String> {
    let mut out = String::new();
    writeln!(
        out,
        "//! Every generated event type parses a sample with every field set, through the \
         dispatcher's own decoding, and keeps every value.\n\n\
         #![cfg(feature = \"event-types\")]\n\n\
         use lark_core::event::types::{{self, AnyEvent}};\nuse lark_core::event::{{Envelope, Event}};\n\n\
         fn open(body: &str) -> Event {{\n\
         match Envelope::open(body.as_bytes(), None).unwrap() {{\n\
         Envelope::Event(event) => event,\n\
         other => panic!(\"not an event: {{other:?}}\"),\n}}\n}}\n\n\
         fn keeps_every_value(shown: &str, markers: &[&str]) {{\n\
         for marker in markers {{\n\
         assert!(shown.contains(marker), \"{{marker}} missing from {{shown}}\");\n}}\n}}\n"
    )
    .ok();
    writeln!(
        out,
        "#[test]\nfn registry_is_complete_and_sorted() {{\n\
         assert_eq!(types::EVENT_TYPES.len(), {});\n\
         assert!(types::EVENT_TYPES.windows(2).all(|w| w[0].event_type < w[1].event_type));\n\
         for info in types::EVENT_TYPES {{\n\
         assert_eq!(types::lookup(info.event_type), Some(info));\n}}\n\
         assert_eq!(types::lookup(\"no.such.event\"), None);\n}}\n",
        facts.events.len()
    )
    .ok();
    let mut counter = 1000u64;
    for event in &facts.events {
        let mut markers = Vec::new();
        let payload = sample(facts, &event.payload_type, &mut counter, &mut markers, 0)?;
        let body = match event.schema.as_str() {
            "2.0" => serde_json::json!({
                "schema": "2.0",
                "header": {"event_id": "ev-1", "event_type": event.event_type, "token": "t"},
                "event": payload,
            }),
            "1.0" => {
                let mut payload = payload;
                if let Value::Object(map) = &mut payload {
                    // The payload's own `type` is the event type, not a marker.
                    if let Some(Value::String(old)) =
                        map.insert("type".to_owned(), Value::String(event.event_type.clone()))
                    {
                        markers.retain(|m| m != &old);
                    }
                }
                serde_json::json!({"uuid": "u-1", "token": "t", "ts": "1", "type": "event_callback", "event": payload})
            }
            _ => {
                let mut payload = payload;
                // A legacy card callback is recognised by a non-empty `open_message_id`,
                // which the sample already has.
                if let Value::Object(map) = &mut payload {
                    map.entry("open_message_id")
                        .or_insert_with(|| Value::String("om_1".to_owned()));
                }
                payload
            }
        };
        let body = serde_json::to_string(&body).map_err(|e| e.to_string())?;
        let name = event.rust_name.clone();
        let test_name = format!("{}_{}", event.module, snake(&name).trim_start_matches('_'));
        writeln!(
            out,
            "#[test]\nfn {test_name}() {{\n\
             let event = open({body:?});\n\
             assert_eq!(event.event_type, {:?});\n\
             let typed: types::{}::{} = event.parse().unwrap();\n\
             let AnyEvent::{}(boxed) = AnyEvent::from_event(&event).unwrap() else {{ panic!(\"wrong variant\") }};\n\
             assert_eq!(*boxed, typed);\n\
             keeps_every_value(&format!(\"{{typed:?}}\"), &{markers:?});\n}}\n",
            event.event_type,
            event.module,
            event.rust_name,
            variant(event),
        )
        .ok();
    }
    Ok(out)
}

/// A JSON value for `ty` with every field set; strings and integers are unique markers.
fn sample(
    facts: &Facts,
    ty: &str,
    counter: &mut u64,
    markers: &mut Vec<String>,
    depth: usize,
) -> Result<Value, String> {
    if depth > 32 {
        return Err(format!("type {ty} nests too deeply"));
    }
    *counter += 1;
    let n = *counter;
    Ok(match ty {
        "string" | "binary" => {
            let marker = format!("m{n}");
            markers.push(marker.clone());
            Value::String(marker)
        }
        "i64" | "i32" => {
            markers.push(n.to_string());
            Value::from(n)
        }
        "f64" => Value::from(0.5),
        "bool" => Value::Bool(true),
        "any" => {
            let marker = format!("m{n}");
            markers.push(marker.clone());
            serde_json::json!({ "k": marker })
        }
        _ => {
            if let Some(inner) = ty.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
                Value::Array(vec![sample(facts, inner, counter, markers, depth + 1)?])
            } else if let Some(inner) = ty.strip_prefix("map<").and_then(|t| t.strip_suffix('>')) {
                let (_, value) = split_map(inner).ok_or_else(|| format!("bad map type {ty}"))?;
                let mut map = serde_json::Map::new();
                map.insert(
                    "key".to_owned(),
                    sample(facts, value, counter, markers, depth + 1)?,
                );
                Value::Object(map)
            } else {
                let fields = facts
                    .types
                    .get(ty)
                    .ok_or_else(|| format!("unknown type {ty}"))?;
                let mut map = serde_json::Map::new();
                for field in fields {
                    map.insert(
                        field.wire.clone(),
                        sample(facts, &field.ty, counter, markers, depth + 1)?,
                    );
                }
                Value::Object(map)
            }
        }
    })
}

/// The Rust type of a field (inside the `Option`), and its lenient deserializer, if any.
fn rust_field_type(ty: &str, plan: &ModulePlan) -> Option<(String, Option<&'static str>)> {
    let lenient = match ty {
        "string" | "binary" => Some("string"),
        "i64" => Some("i64"),
        "i32" => Some("i32"),
        "f64" => Some("f64"),
        "bool" => Some("bool"),
        _ => None,
    };
    Some((rust_type(ty, plan)?, lenient))
}

fn rust_type(ty: &str, plan: &ModulePlan) -> Option<String> {
    Some(match ty {
        "string" | "binary" => "String".to_owned(),
        "i64" => "i64".to_owned(),
        "i32" => "i32".to_owned(),
        "f64" => "f64".to_owned(),
        "bool" => "bool".to_owned(),
        "any" => "serde_json::Value".to_owned(),
        _ => {
            if let Some(inner) = ty.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
                format!("Vec<{}>", rust_type(inner, plan)?)
            } else if let Some(inner) = ty.strip_prefix("map<").and_then(|t| t.strip_suffix('>')) {
                let (key, value) = split_map(inner)?;
                if key != "string" {
                    return None;
                }
                format!(
                    "std::collections::BTreeMap<String, {}>",
                    rust_type(value, plan)?
                )
            } else {
                plan.rust_name(ty)?.to_owned()
            }
        }
    })
}

/// `K,V` of a map type, splitting at the top-level comma.
fn split_map(inner: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    for (i, c) in inner.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth -= 1,
            ',' if depth == 0 => return Some((inner[..i].trim(), inner[i + 1..].trim())),
            _ => {}
        }
    }
    None
}

/// Type names a field type mentions.
fn type_refs(ty: &str) -> Vec<&str> {
    ty.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|part| part.starts_with(|c: char| c.is_ascii_uppercase()))
        .collect()
}

fn strip_event_prefix(go: &str) -> String {
    for prefix in ["EventV1", "EventV2", "Event"] {
        if let Some(rest) = go.strip_prefix(prefix) {
            if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
                return rest.to_owned();
            }
        }
    }
    go.to_owned()
}

fn schema_variant(schema: &str) -> &'static str {
    match schema {
        "1.0" => "V1",
        "2.0" => "V2",
        _ => "CardLegacy",
    }
}

/// The `AnyEvent` variant of an event: module and name, so it is unique.
fn variant(event: &EventFact) -> String {
    if event.module == "v1" {
        format!("V1{}", event.rust_name)
    } else {
        format!("{}{}", camel(&event.module), event.rust_name)
    }
}

/// `message.receive_v1` → `MessageReceiveV1`; `leave_approvalV2` → `LeaveApprovalV2`.
fn camel(text: &str) -> String {
    let mut out = String::new();
    for part in text.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// `leaderID` → `leader_id`, `MessageReceiveV1` → `message_receive_v1`.
fn snake(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + 1);
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "do", "dyn", "else", "enum",
    "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "macro",
    "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "static", "struct",
    "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use", "virtual", "where",
    "while", "yield", "abstract", "become",
];

fn field_ident(wire: &str) -> Result<String, String> {
    let ident = snake(wire);
    if ident.is_empty()
        || !ident.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        || !ident.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(format!("field `{wire}` has no Rust name"));
    }
    Ok(match ident.as_str() {
        "self" | "super" | "crate" => format!("{ident}_"),
        k if KEYWORDS.contains(&k) => format!("r#{ident}"),
        _ => ident,
    })
}

fn unraw(ident: &str) -> &str {
    ident.strip_prefix("r#").unwrap_or(ident)
}

fn module_ident(module: &str) -> Result<String, String> {
    let ident = snake(module);
    if ident.is_empty() || KEYWORDS.contains(&ident.as_str()) {
        return Err(format!("module `{module}` has no Rust name"));
    }
    Ok(ident)
}

fn list_code(items: &BTreeSet<&str>) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel("message.receive_v1"), "MessageReceiveV1");
        assert_eq!(camel("leave_approvalV2"), "LeaveApprovalV2");
        assert_eq!(snake("leaderID"), "leader_id");
        assert_eq!(snake("leaderType"), "leader_type");
        assert_eq!(snake("MessageReceiveV1"), "message_receive_v1");
        assert_eq!(field_ident("type").unwrap(), "r#type");
        assert_eq!(strip_event_prefix("EventV2IMChat"), "IMChat");
        assert_eq!(split_map("string,list<any>"), Some(("string", "list<any>")));
    }
}
