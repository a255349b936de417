//! The facts, read into a model the emitters share: endpoints with Rust names, types, and where
//! each type lives.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// A type in the facts' vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ty {
    String,
    Bool,
    I64,
    I32,
    F64,
    Any,
    Binary,
    List(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    /// A type: the facts' name, then (after `shapes`) the key of its class.
    Named(String),
    /// A string enum, by key (after `shapes`).
    Enum(String),
}

impl Ty {
    pub(crate) fn parse(text: &str) -> Result<Ty, String> {
        let text = text.trim();
        Ok(match text {
            "string" => Ty::String,
            "bool" => Ty::Bool,
            "i64" => Ty::I64,
            "i32" => Ty::I32,
            "f64" => Ty::F64,
            "any" => Ty::Any,
            "binary" => Ty::Binary,
            _ => {
                if let Some(inner) = text.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
                    Ty::List(Box::new(Ty::parse(inner)?))
                } else if let Some(inner) =
                    text.strip_prefix("map<").and_then(|t| t.strip_suffix('>'))
                {
                    let (k, v) = inner
                        .split_once(',')
                        .ok_or_else(|| format!("bad map type `{text}`"))?;
                    Ty::Map(Box::new(Ty::parse(k)?), Box::new(Ty::parse(v)?))
                } else if !text.is_empty()
                    && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && text.starts_with(|c: char| c.is_ascii_uppercase())
                {
                    Ty::Named(text.to_owned())
                } else {
                    return Err(format!("unknown type `{text}`"));
                }
            }
        })
    }

    /// Named types this type mentions.
    pub(crate) fn names(&self, out: &mut Vec<String>) {
        match self {
            Ty::List(t) => t.names(out),
            Ty::Map(k, v) => {
                k.names(out);
                v.names(out);
            }
            Ty::Named(n) => out.push(n.clone()),
            _ => {}
        }
    }

    pub(crate) fn is_scalar(&self) -> bool {
        matches!(
            self,
            Ty::String | Ty::Bool | Ty::I64 | Ty::I32 | Ty::F64 | Ty::Enum(_)
        )
    }
}

/// A parameter or a field.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The wire name.
    pub(crate) wire: String,
    /// The Rust identifier (possibly raw, `r#type`).
    pub(crate) ident: String,
    /// The facts' spelling of the type.
    pub(crate) ty_text: String,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Where {
    Path,
    Query,
    Header,
    Body,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    None,
    Json,
    Multipart,
}

#[derive(Debug, Clone)]
pub(crate) struct Pagination {
    pub(crate) request_token: String,
    pub(crate) token_in_body: bool,
    pub(crate) response_token: String,
    pub(crate) has_more: Option<String>,
}

/// Which source a row of the facts was read from (`source.ref`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Origin {
    /// The seed SDK (chyroc/lark), also its corrected rows.
    #[default]
    Seed,
    /// Added from `@larksuiteoapi/node-sdk` (the union of the official SDKs).
    NodeSdk,
    /// Added from `lark-oapi`, which alone has it.
    LarkOapi,
}

#[derive(Debug, Clone)]
pub(crate) struct Endpoint {
    pub(crate) service: String,
    /// Unique within the service.
    pub(crate) name: String,
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) doc_url: String,
    pub(crate) www: bool,
    pub(crate) tokens: Vec<String>,
    /// False when no source states the token kinds: `tokens` is then the facts' default
    /// (tenant or user) and the platform decides.
    pub(crate) tokens_known: bool,
    pub(crate) helpdesk: bool,
    /// Where the row comes from: the seed SDK, or a package of the official SDKs' union.
    pub(crate) origin: Origin,
    /// lark-oapi's name for it (`unified_kms.v1.autonomous_key.create`), when the facts give it.
    pub(crate) lark_oapi: Option<String>,
    /// The path the seed facts had before the union corrected the row (`source.fixed`).
    pub(crate) fixed_from: Option<String>,
    /// Every request parameter, with where it goes; identifiers unique within the endpoint.
    pub(crate) params: Vec<(Where, Field)>,
    pub(crate) body: BodyKind,
    pub(crate) binary: bool,
    pub(crate) envelope: Option<String>,
    pub(crate) response: Vec<Field>,
    pub(crate) pagination: Option<Pagination>,
    pub(crate) upload: bool,
    pub(crate) download: bool,
    /// The parameter the platform de-duplicates the call by, and why it is one (see
    /// `readings::idempotency`).
    pub(crate) idempotency_key: Option<IdempotencyKey>,
    /// Its position in the facts' `endpoints`.
    pub(crate) index: usize,
    /// The platform's names for it (`im.v1.message.create`).
    pub(crate) official: Official,
}

/// The parameter an endpoint is de-duplicated by.
#[derive(Debug, Clone)]
pub(crate) struct IdempotencyKey {
    /// [`Where::Query`] or [`Where::Body`] (a top-level field of a JSON body).
    pub(crate) place: Where,
    pub(crate) wire: String,
    /// Why this field is the key: the docs' words.
    pub(crate) why: &'static str,
}

impl Endpoint {
    /// Whether the npm package gives it a `…WithIterator`: wherever it pages, and wherever
    /// node-sdk has one (node-sdk iterates some endpoints that answer one page; its iterator
    /// then yields that page, and so does ours).
    pub(crate) fn iterated(&self) -> bool {
        self.pagination.is_some() || self.official.iterator
    }

    pub(crate) fn in_(&self, place: Where) -> impl Iterator<Item = &Field> {
        self.params
            .iter()
            .filter(move |(w, _)| *w == place)
            .map(|(_, f)| f)
    }

    /// The name of the generated answer type, when the answer has fields.
    pub(crate) fn response_type(&self) -> Option<String> {
        (!self.binary && !self.response.is_empty())
            .then(|| format!("{}Response", self.official.type_name))
    }

    /// A GET whose documented request has a JSON body (`fetch` in a browser cannot send one).
    pub(crate) fn get_with_body(&self) -> bool {
        self.method.eq_ignore_ascii_case("GET") && self.body == BodyKind::Json
    }
}

/// Which sides reach a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Usage {
    Request,
    Response,
    Both,
}

#[derive(Debug, Clone)]
pub(crate) struct TypeDef {
    /// The class key (`K12`) once merged; empty before, and for answer types.
    pub(crate) key: String,
    pub(crate) name: String,
    /// Empty for a `custom_json` type.
    pub(crate) fields: Vec<Field>,
    pub(crate) usage: Usage,
    /// The facts' `custom_json`: the platform's own SDK (de)serialises the type by hand, so its
    /// fields are not its wire form (a sheet cell is a bare string, number, boolean, null, or an
    /// object or list of segments). It is generated as the JSON value itself.
    pub(crate) custom_json: bool,
}

#[derive(Debug)]
pub(crate) struct Model {
    pub(crate) endpoints: Vec<Endpoint>,
    pub(crate) types: BTreeMap<String, TypeDef>,
}

pub(crate) fn module_ident(name: &str) -> String {
    if KEYWORDS.contains(&name) || name == "mod" || name == "shared" {
        format!("{name}_")
    } else {
        name.to_owned()
    }
}

pub(crate) fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

pub(crate) fn endpoint(e: &Value) -> Result<Endpoint, String> {
    let service = str_of(e, "service").ok_or("an endpoint without service")?;
    let name = str_of(e, "name").ok_or("an endpoint without name")?;
    let whose = format!("{service}.{name}");
    let method = str_of(e, "method").ok_or_else(|| format!("{whose}: no method"))?;
    let path = str_of(e, "path").ok_or_else(|| format!("{whose}: no path"))?;
    let mut tokens = Vec::new();
    let mut helpdesk = false;
    for t in e
        .get("tokens")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{whose}: no tokens"))?
    {
        match t.as_str() {
            Some("helpdesk") => helpdesk = true,
            Some(k @ ("tenant" | "user" | "app")) => tokens.push(k.to_owned()),
            other => return Err(format!("{whose}: unknown token kind {other:?}")),
        }
    }
    let body_kind = match e.pointer("/body/kind").and_then(Value::as_str) {
        Some("json") => BodyKind::Json,
        Some("multipart") => BodyKind::Multipart,
        Some("none") => BodyKind::None,
        other => return Err(format!("{whose}: unknown body kind {other:?}")),
    };
    let mut params = Vec::new();
    for (key, place) in [
        ("/path_params", Where::Path),
        ("/query", Where::Query),
        ("/headers", Where::Header),
        ("/body/fields", Where::Body),
    ] {
        for f in fields(e.pointer(key), &whose, false)? {
            params.push((place, f));
        }
    }
    // The seed documents name a few query parameters the facts' source lacks; accept both.
    if let Some(diffs) = e
        .pointer("/source/seed_param_diffs")
        .and_then(Value::as_array)
    {
        for d in diffs.iter().filter_map(Value::as_str) {
            if let Some(rest) = d.strip_prefix("seed query param ") {
                if let Some(name) = rest.strip_suffix(" not in Go struct") {
                    if !params.iter().any(|(_, f)| f.wire == name) {
                        params.push((
                            Where::Query,
                            Field {
                                wire: name.to_owned(),
                                ident: String::new(),
                                ty_text: "string".to_owned(),
                                ty: Ty::String,
                                required: false,
                            },
                        ));
                    }
                }
            }
        }
        // Query parameters stay together, in the facts' order, then the seed's.
        params.sort_by_key(|(w, _)| match w {
            Where::Path => 0,
            Where::Query => 1,
            Where::Header => 2,
            Where::Body => 3,
        });
    }
    // Identifiers unique within the request struct.
    let mut used = BTreeSet::new();
    for (place, f) in &mut params {
        let mut ident = field_ident(&f.wire);
        if used.contains(&ident) {
            let suffix = match place {
                Where::Path => "path",
                Where::Query => "query",
                Where::Header => "header",
                Where::Body => "body",
            };
            ident = format!("{}_{suffix}", ident.trim_start_matches("r#"));
        }
        let mut n = 2;
        let base = ident.clone();
        while used.contains(&ident) {
            ident = format!("{}_{n}", base.trim_start_matches("r#"));
            n += 1;
        }
        used.insert(ident.clone());
        f.ident = ident;
        if *place == Where::Path {
            f.required = true;
        }
    }
    let binary = match e.pointer("/response/kind").and_then(Value::as_str) {
        Some("binary") => true,
        Some("json") => false,
        other => return Err(format!("{whose}: unknown response kind {other:?}")),
    };
    let envelope = match e.pointer("/response/envelope").and_then(Value::as_str) {
        Some("none") | None => None,
        Some(k) => Some(k.to_owned()),
    };
    let response = fields(e.pointer("/response/fields"), &whose, true)?;
    let pagination = match e.get("pagination") {
        Some(p) if !p.is_null() => Some(Pagination {
            request_token: str_of(p, "request_token").unwrap_or_else(|| "page_token".into()),
            token_in_body: p.get("request_token_in").and_then(Value::as_str) == Some("body"),
            response_token: str_of(p, "response_token").unwrap_or_else(|| "page_token".into()),
            has_more: str_of(p, "has_more"),
        }),
        _ => None,
    };
    if let Some(p) = &pagination {
        let place = if p.token_in_body {
            Where::Body
        } else {
            Where::Query
        };
        let ok = params
            .iter()
            .any(|(w, f)| *w == place && f.wire == p.request_token && f.ty == Ty::String);
        if !ok {
            return Err(format!(
                "{whose}: page token `{}` is not a string",
                p.request_token
            ));
        }
        if !response
            .iter()
            .any(|f| f.wire == p.response_token && f.ty == Ty::String)
        {
            return Err(format!("{whose}: answer lacks `{}`", p.response_token));
        }
        if let Some(h) = &p.has_more {
            if !response.iter().any(|f| &f.wire == h && f.ty == Ty::Bool) {
                return Err(format!("{whose}: answer lacks `{h}`"));
            }
        }
    }
    Ok(Endpoint {
        service,
        name,
        method,
        path,
        doc_url: str_of(e, "doc_url").unwrap_or_default(),
        www: e.get("base").and_then(Value::as_str) == Some("www"),
        tokens,
        tokens_known: e.get("tokens_known").and_then(Value::as_bool) != Some(false),
        helpdesk,
        origin: match e.pointer("/source/ref").and_then(Value::as_str) {
            Some(r) if r.starts_with("node-sdk@") => Origin::NodeSdk,
            Some(r) if r.starts_with("lark-oapi@") => Origin::LarkOapi,
            _ => Origin::Seed,
        },
        lark_oapi: e
            .pointer("/sdk/lark_oapi")
            .and_then(Value::as_str)
            .map(str::to_owned),
        fixed_from: e
            .pointer("/source/fixed/old_path")
            .and_then(Value::as_str)
            .map(str::to_owned),
        params,
        body: body_kind,
        binary,
        envelope,
        response,
        pagination,
        upload: e.get("upload").and_then(Value::as_bool).unwrap_or(false),
        download: e.get("download").and_then(Value::as_bool).unwrap_or(false),
        idempotency_key: None,
        index: 0,
        official: Default::default(),
    })
}

/// Reads a list of fields; `all_optional` for the answer side.
pub(crate) fn fields(
    v: Option<&Value>,
    whose: &str,
    all_optional: bool,
) -> Result<Vec<Field>, String> {
    let Some(list) = v else {
        return Ok(Vec::new());
    };
    let list = list
        .as_array()
        .ok_or_else(|| format!("{whose}: fields are not a list"))?;
    let mut out: Vec<Field> = Vec::new();
    let mut used = BTreeSet::new();
    for f in list {
        let wire = str_of(f, "name").ok_or_else(|| format!("{whose}: a field without name"))?;
        if out.iter().any(|o| o.wire == wire) {
            continue;
        }
        let ty_text = str_of(f, "type").ok_or_else(|| format!("{whose}.{wire}: no type"))?;
        let ty = Ty::parse(&ty_text).map_err(|e| format!("{whose}.{wire}: {e}"))?;
        let required = !all_optional && f.get("required").and_then(Value::as_bool).unwrap_or(false);
        let mut ident = field_ident(&wire);
        let base = ident.trim_start_matches("r#").to_owned();
        let mut n = 2;
        while used.contains(&ident) {
            ident = format!("{base}_{n}");
            n += 1;
        }
        used.insert(ident.clone());
        out.push(Field {
            wire,
            ident,
            ty_text,
            ty,
            required,
        });
    }
    Ok(out)
}

pub(crate) const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// `sheetId` → `sheet_id`, `X-Aily-BizUserID` → `x_aily_biz_user_id`.
pub(crate) fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let mut out = out.trim_end_matches('_').to_owned();
    if out.is_empty() {
        out.push_str("field");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "n_");
    }
    out
}

/// A field identifier: snake case, keywords raw (or suffixed where raw is not allowed).
pub(crate) fn field_ident(wire: &str) -> String {
    let s = snake(wire);
    match s.as_str() {
        "self" | "super" | "crate" | "Self" | "_" => format!("{s}_"),
        k if KEYWORDS.contains(&k) => format!("r#{k}"),
        _ => s,
    }
}

/// `v1` → `V1`, `access_token` → `AccessToken`.
pub(crate) fn camel(s: &str) -> String {
    let mut out = String::new();
    for part in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

/// `SendRawMessage` → `SEND_RAW_MESSAGE`.
pub(crate) fn screaming(name: &str) -> String {
    snake(name).to_ascii_uppercase()
}

/// Where an endpoint's official names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The official Node SDK.
    NodeSdk,
    /// The official Python SDK (`lark-oapi`), for what the Node SDK lacks.
    LarkOapi,
    /// The tail of the documentation address.
    DocUrl,
    /// The path (old endpoints with neither).
    Path,
}

/// The official name of one endpoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct Official {
    /// The service (a cargo feature and the first module): `im`, `corehr`.
    pub(crate) project: String,
    /// `v1`; `v0` for the old paths that carry no version.
    pub(crate) version: String,
    /// The resource, dotted for sub-resources: `chat.members`; empty for a method of the
    /// version itself.
    pub(crate) resource: Vec<String>,
    /// The method, snake case: `create`, `upload_all`.
    pub(crate) method: String,
    /// The Rust type of the request: `Create`, `UploadAll` (a suffix for a second endpoint of
    /// the same method and path).
    pub(crate) type_name: String,
    pub(crate) source: Option<Source>,
    /// Whether node-sdk has a `…WithIterator` for it.
    pub(crate) iterator: bool,
    /// The field paths the official SDK types as literal unions, with their values
    /// (`params.user_id_type`, `response.items[].access_type`, `data.parent_type`).
    pub(crate) enums: BTreeMap<String, Vec<String>>,
}

impl Official {
    /// The module of the resource: `chat_members`; empty when there is none.
    pub(crate) fn resource_module(&self) -> String {
        if self.resource.is_empty() {
            return String::new();
        }
        let joined: Vec<String> = self.resource.iter().map(|r| snake(r)).collect();
        module_ident(&joined.join("_"))
    }

    /// `im.v1.message.create`: the name users and the CLI spell.
    pub(crate) fn dotted(&self) -> String {
        let mut parts = vec![self.project.clone(), self.version.clone()];
        if !self.resource.is_empty() {
            parts.push(self.resource_key());
        }
        parts.push(self.method_key());
        parts.join(".")
    }

    /// The Node SDK's resource key: camel case with `.` and `_` removed (`chatMembers`).
    pub(crate) fn resource_key(&self) -> String {
        lower_camel(&self.resource.join("_"))
    }

    /// The Node SDK's method key: `create`, `uploadAll`.
    pub(crate) fn method_key(&self) -> String {
        let key = lower_camel(&self.method);
        // The type-name suffix of a second endpoint on one path (`CreateV1` → `createV1`).
        let suffix = self
            .type_name
            .strip_prefix(&camel(&self.method))
            .unwrap_or("");
        format!("{key}{suffix}")
    }
}

/// `chat_members` → `chatMembers`.
pub(crate) fn lower_camel(s: &str) -> String {
    let c = camel(&snake(s));
    let mut chars = c.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}
