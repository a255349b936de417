//! The shape every API call has: [`Endpoint`] and what it is made of.

use serde::de::DeserializeOwned;

use crate::error::{Error, Result};

/// A kind of access token an endpoint accepts as `Authorization: Bearer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenKind {
    /// `tenant_access_token`: the app acting in a tenant.
    Tenant,
    /// `user_access_token`: the app acting for a user.
    User,
    /// `app_access_token`: the app itself.
    App,
}

impl TokenKind {
    /// The name the facts use: `tenant`, `user`, `app`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Tenant => "tenant",
            TokenKind::User => "user",
            TokenKind::App => "app",
        }
    }
}

/// Which host serves an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Base {
    /// `open.feishu.cn` / `open.larksuite.com`.
    #[default]
    OpenApis,
    /// `www.feishu.cn` / `www.larksuite.com` (a few approval endpoints).
    Www,
}

/// How an endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseKind {
    /// `{code, msg, <key>: {...}}`; with `None` the fields sit at the top level next to `code`.
    Json {
        /// The key holding the fields, usually `data`.
        envelope: Option<&'static str>,
    },
    /// Raw bytes; a JSON `{code, msg}` only on error.
    Binary,
}

/// What is known about an endpoint before any parameter is set.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EndpointMeta {
    /// The service, as the platform names it (`im`, `contact`, ...): the cargo feature of
    /// `lark-api`.
    pub service: &'static str,
    /// The rest of the official name (`v1.message.create`): `service.name` is the name users
    /// and the CLI spell (`im.v1.message.create`).
    pub name: &'static str,
    /// The former name, from the facts (`message.SendRawMessage`).
    pub alias: &'static str,
    /// The HTTP method.
    pub method: http::Method,
    /// The path with `:param` placeholders.
    pub path: &'static str,
    /// Token kinds accepted; empty for calls that take none.
    pub tokens: &'static [TokenKind],
    /// Whether the helpdesk header is needed too.
    pub helpdesk: bool,
    /// Which host serves it.
    pub base: Base,
    /// How it answers.
    pub response: ResponseKind,
    /// Whether it pages with `page_token` / `has_more`.
    pub paginated: bool,
    /// The documentation page.
    pub doc_url: &'static str,
    /// Where the endpoint takes an idempotency key, if it takes one.
    pub idempotency_key: Option<IdempotencyKey>,
}

/// Where an endpoint takes its idempotency key (`uuid`, `client_token`): the platform carries
/// out one call per key, so a call with a key can be retried without doing the work twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdempotencyKey {
    /// A query parameter of this name.
    Query(&'static str),
    /// A top-level field of the JSON body of this name.
    Body(&'static str),
}

impl EndpointMeta {
    /// A JSON endpoint on the Open API host answering in `data`; the rest is set with the
    /// struct-update syntax.
    pub const fn new(
        service: &'static str,
        name: &'static str,
        method: http::Method,
        path: &'static str,
        tokens: &'static [TokenKind],
    ) -> Self {
        Self {
            service,
            name,
            alias: "",
            method,
            path,
            tokens,
            helpdesk: false,
            base: Base::OpenApis,
            response: ResponseKind::Json {
                envelope: Some("data"),
            },
            paginated: false,
            doc_url: "",
            idempotency_key: None,
        }
    }

    /// Sets the former name (`message.SendRawMessage`).
    #[must_use]
    pub const fn alias(mut self, alias: &'static str) -> Self {
        self.alias = alias;
        self
    }

    /// Sets the helpdesk flag.
    #[must_use]
    pub const fn helpdesk(mut self, helpdesk: bool) -> Self {
        self.helpdesk = helpdesk;
        self
    }

    /// Sets the host.
    #[must_use]
    pub const fn base(mut self, base: Base) -> Self {
        self.base = base;
        self
    }

    /// Sets the response kind.
    #[must_use]
    pub const fn response(mut self, response: ResponseKind) -> Self {
        self.response = response;
        self
    }

    /// Marks the endpoint paginated.
    #[must_use]
    pub const fn paginated(mut self, paginated: bool) -> Self {
        self.paginated = paginated;
        self
    }

    /// Sets the documentation page.
    #[must_use]
    pub const fn doc_url(mut self, doc_url: &'static str) -> Self {
        self.doc_url = doc_url;
        self
    }

    /// Names the endpoint's idempotency key.
    #[must_use]
    pub const fn idempotency_key(mut self, key: IdempotencyKey) -> Self {
        self.idempotency_key = Some(key);
        self
    }
}

/// One parameter of an endpoint in the [catalog](crate::api::CATALOG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpec {
    /// The name on the wire.
    pub name: &'static str,
    /// The type as the facts spell it: `string`, `i64`, `bool`, `f64`, `any`, `binary`,
    /// `list<T>`, `map<K,V>` or a type name.
    pub ty: &'static str,
    /// Whether the call fails without it.
    pub required: bool,
}

impl ParamSpec {
    /// A parameter.
    pub const fn new(name: &'static str, ty: &'static str, required: bool) -> Self {
        Self { name, ty, required }
    }

    /// Whether it is a list (sent as repeated keys in a query).
    pub fn is_list(&self) -> bool {
        self.ty.starts_with("list<")
    }
}

/// How an endpoint's request body is encoded, in the [catalog](crate::api::CATALOG).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BodyKind {
    /// No body.
    None,
    /// `application/json`.
    Json,
    /// `multipart/form-data` with a file part.
    Multipart,
}

/// The static description of one endpoint: enough to validate and build a call without its
/// typed request struct (the CLI, the mock server and the wasm bindings use it).
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct EndpointSpec {
    /// The service, as the platform names it (`im`): the cargo feature of `lark-api`.
    pub service: &'static str,
    /// The rest of the official name: `v1.message.create`.
    pub name: &'static str,
    /// The former name, from the facts: `message.SendRawMessage`.
    pub alias: &'static str,
    /// The HTTP method, upper case.
    pub method: &'static str,
    /// The path with `:param` placeholders.
    pub path: &'static str,
    /// Path parameters, in order of appearance.
    pub path_params: &'static [ParamSpec],
    /// Query parameters.
    pub query: &'static [ParamSpec],
    /// Header parameters.
    pub headers: &'static [ParamSpec],
    /// The body encoding.
    pub body: BodyKind,
    /// Top-level body fields (form fields for multipart).
    pub body_fields: &'static [ParamSpec],
    /// Token kinds accepted (any one); empty for calls that take none.
    pub tokens: &'static [TokenKind],
    /// Whether the helpdesk header is needed too.
    pub helpdesk: bool,
    /// Which host serves it.
    pub base: Base,
    /// The key holding the answer's fields; `None` when they sit at the top level.
    pub envelope: Option<&'static str>,
    /// Whether it pages with `page_token` / `has_more`.
    pub paginated: bool,
    /// Whether it uploads a file (multipart).
    pub upload: bool,
    /// Whether it answers raw bytes.
    pub download: bool,
    /// The documentation page.
    pub doc_url: &'static str,
}

impl EndpointSpec {
    /// The official name, as the CLI and the npm package spell it: `im.v1.message.create`.
    pub fn id(&self) -> String {
        format!("{}.{}", self.service, self.name)
    }

    /// Every parameter that must be given, wherever it goes.
    pub fn required(&self) -> impl Iterator<Item = &'static ParamSpec> {
        self.path_params
            .iter()
            .chain(self.query)
            .chain(self.headers)
            .chain(self.body_fields)
            .filter(|p| p.required)
    }
}

/// A request body.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Body {
    /// No body.
    #[default]
    None,
    /// `application/json`, already serialised.
    Json(Vec<u8>),
    /// `multipart/form-data`.
    Multipart(Multipart),
}

impl Body {
    /// Serialises `value` as a JSON body.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self> {
        serde_json::to_vec(value)
            .map(Body::Json)
            .map_err(|e| Error::Build(format!("cannot serialise the body: {e}")))
    }
}

/// A `multipart/form-data` body: text fields and file parts.
#[derive(Debug, Clone, Default)]
pub struct Multipart {
    parts: Vec<Part>,
}

#[derive(Clone)]
struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

impl std::fmt::Debug for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Part")
            .field("name", &self.name)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.data.len())
            .finish()
    }
}

/// A file to upload: its bytes, its name and its content type.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct File {
    /// The bytes.
    pub data: Vec<u8>,
    /// The file name sent in the part's `Content-Disposition`.
    pub file_name: String,
    /// The part's content type; `application/octet-stream` when `None`.
    pub content_type: Option<String>,
}

impl File {
    /// A file named `file_name` holding `data`.
    pub fn new(file_name: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self {
            data: data.into(),
            file_name: file_name.into(),
            content_type: None,
        }
    }

    /// Sets the content type.
    #[must_use]
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }
}

impl std::fmt::Debug for File {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("File")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("len", &self.data.len())
            .finish()
    }
}

impl Multipart {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a text field.
    pub fn text(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.parts.push(Part {
            name: name.into(),
            file_name: None,
            content_type: None,
            data: value.into().into_bytes(),
        });
        self
    }

    /// Adds a file part.
    pub fn file(&mut self, name: impl Into<String>, file: File) -> &mut Self {
        self.parts.push(Part {
            name: name.into(),
            file_name: Some(file.file_name),
            content_type: Some(
                file.content_type
                    .unwrap_or_else(|| "application/octet-stream".to_owned()),
            ),
            data: file.data,
        });
        self
    }

    /// The field names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|p| p.name.as_str())
    }

    /// Refuses a form whose part headers would carry a line break (a field name, a file name
    /// or a content type with CR or LF): it would end the header and let the value inject
    /// another. The client checks this before it encodes.
    pub fn validate(&self) -> Result<()> {
        for part in &self.parts {
            let fields = [
                ("field name", Some(part.name.as_str())),
                ("file name", part.file_name.as_deref()),
                ("content type", part.content_type.as_deref()),
            ];
            for (what, value) in fields {
                if value.is_some_and(|v| v.contains(['\r', '\n'])) {
                    return Err(Error::Build(format!(
                        "the multipart {what} of part `{}` contains a line break",
                        part.name.escape_debug()
                    )));
                }
            }
        }
        Ok(())
    }

    /// Encodes the form; returns the `Content-Type` header value and the body.
    ///
    /// The boundary is derived from the content and checked against it, so it never occurs in
    /// a part (no random source is needed). Quotes and line breaks in names are
    /// percent-encoded, as browsers do, and line breaks dropped from content types; use
    /// [`Multipart::validate`] to refuse them instead.
    pub fn encode(&self) -> (String, Vec<u8>) {
        let boundary = Self::boundary_for(&self.parts, self.seed());
        let mut out = Vec::new();
        for part in &self.parts {
            out.extend_from_slice(b"--");
            out.extend_from_slice(boundary.as_bytes());
            out.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
            out.extend_from_slice(quote(&part.name).as_bytes());
            out.push(b'"');
            if let Some(file_name) = &part.file_name {
                out.extend_from_slice(b"; filename=\"");
                out.extend_from_slice(quote(file_name).as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b"\r\n");
            if let Some(content_type) = &part.content_type {
                out.extend_from_slice(b"Content-Type: ");
                out.extend(content_type.bytes().filter(|b| !matches!(b, b'\r' | b'\n')));
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"\r\n");
            out.extend_from_slice(&part.data);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"--\r\n");
        (format!("multipart/form-data; boundary={boundary}"), out)
    }
}

impl Multipart {
    /// A hash (FNV-1a) of the names and the start of each part.
    fn seed(&self) -> u64 {
        let mut seed: u64 = 0xcbf2_9ce4_8422_2325;
        for part in &self.parts {
            for byte in part
                .name
                .bytes()
                .chain(part.data.iter().copied().take(4096))
            {
                seed = (seed ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        seed
    }

    /// The first boundary from `seed` on that occurs in no part.
    fn boundary_for(parts: &[Part], mut seed: u64) -> String {
        loop {
            let boundary = format!("lark-boundary-{seed:016x}");
            let clash = parts.iter().any(|p| {
                contains(&p.data, boundary.as_bytes())
                    || p.name.contains(&boundary)
                    || p.file_name
                        .as_deref()
                        .is_some_and(|f| f.contains(&boundary))
            });
            if !clash {
                return boundary;
            }
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Quotes a name for a `Content-Disposition` parameter, as browsers do.
fn quote(name: &str) -> String {
    name.replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace('"', "%22")
}

/// A typed API call.
///
/// Generated for every endpoint of the spec; implement it by hand for anything else, or use
/// [`Client::raw`](crate::Client::raw).
pub trait Endpoint {
    /// What a successful call returns.
    type Output: FromResponse;

    /// The static facts of the endpoint.
    fn meta(&self) -> &EndpointMeta;

    /// The path with its parameters filled in and percent-encoded.
    fn path(&self) -> Result<String>;

    /// Appends the query parameters, unencoded.
    fn query(&self, _query: &mut Vec<(&'static str, String)>) {}

    /// Appends extra headers.
    fn headers(&self, _headers: &mut http::HeaderMap) -> Result<()> {
        Ok(())
    }

    /// The body.
    fn body(&self) -> Result<Body> {
        Ok(Body::None)
    }
}

/// An endpoint that pages with `page_token` / `has_more`.
pub trait Paginated: Endpoint + Clone
where
    Self::Output: Page,
{
    /// Sets the page token of the next request.
    fn set_page_token(&mut self, token: Option<String>);
}

/// One page of a paginated answer.
pub trait Page {
    /// Whether another page follows.
    fn has_more(&self) -> bool;
    /// The token of the next page.
    fn next_page_token(&self) -> Option<&str>;
}

/// A downloaded file.
#[derive(Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Download {
    /// The bytes.
    pub data: Vec<u8>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The file name from `Content-Disposition`, when given.
    pub file_name: Option<String>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("len", &self.data.len())
            .field("content_type", &self.content_type)
            .field("file_name", &self.file_name)
            .finish()
    }
}

/// A successful answer, handed to [`FromResponse`].
#[derive(Debug)]
pub struct Answer<'a> {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: &'a http::HeaderMap,
    /// The whole body.
    pub body: &'a [u8],
    /// For JSON answers, the raw JSON of the envelope's payload (or the whole body when the
    /// fields sit at the top level); `None` when the payload is absent or `null`.
    pub payload: Option<&'a str>,
}

/// Turns a successful answer into an endpoint's output.
pub trait FromResponse: Sized {
    /// Decodes `answer`. The message is a short description; the caller adds the body.
    fn from_response(answer: Answer<'_>) -> std::result::Result<Self, FromResponseError>;

    /// Decodes a successful `{"code": 0, <key>: ...}` JSON answer straight from its body, in
    /// one pass; `None` leaves it to [`FromResponse::from_response`] on the general path, which
    /// also reports every error. The default leaves everything to the general path.
    ///
    /// An implementation must return what the general path would for the same body, or `None`.
    #[doc(hidden)]
    fn from_envelope(_body: &[u8], _key: &str) -> Option<Self> {
        None
    }
}

/// Why an answer did not fit its type.
#[derive(Debug)]
pub struct FromResponseError {
    /// What did not fit.
    pub message: String,
    /// The JSON error, when there was one.
    pub source: Option<serde_json::Error>,
}

impl<T: DeserializeOwned> FromResponse for T {
    fn from_response(answer: Answer<'_>) -> std::result::Result<Self, FromResponseError> {
        // An absent or null payload decodes like `{}`, so an output whose fields are all
        // optional still succeeds.
        let json = answer.payload.unwrap_or("{}");
        serde_json::from_slice(json.as_bytes()).map_err(|e| FromResponseError {
            message: "the response does not match the endpoint's type".to_owned(),
            source: Some(e),
        })
    }

    fn from_envelope(body: &[u8], key: &str) -> Option<Self> {
        crate::response::decode_success(body, key)
    }
}

impl FromResponse for Download {
    fn from_response(answer: Answer<'_>) -> std::result::Result<Self, FromResponseError> {
        let header = |name: http::header::HeaderName| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Ok(Download {
            data: answer.body.to_vec(),
            content_type: header(http::header::CONTENT_TYPE),
            file_name: header(http::header::CONTENT_DISPOSITION)
                .as_deref()
                .and_then(disposition_file_name),
        })
    }
}

/// The `filename` of a `Content-Disposition` header (`filename*=UTF-8''…` preferred).
fn disposition_file_name(value: &str) -> Option<String> {
    let mut plain = None;
    for (name, value) in disposition_params(value) {
        if name.eq_ignore_ascii_case("filename*") {
            let encoded = value
                .split_once("''")
                .map_or(value.as_str(), |(_, rest)| rest);
            if let Ok(name) = percent_encoding::percent_decode_str(encoded).decode_utf8() {
                return Some(name.into_owned());
            }
        } else if name.eq_ignore_ascii_case("filename") {
            plain = Some(value);
        }
    }
    plain
}

/// The `name=value` parameters of a header value after its first `;`, with quoted strings
/// (RFC 9110: `"…"`, `\` escapes) unquoted, so a `;` or `"` inside quotes stays in the value.
fn disposition_params(header: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = header.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        let mut name = String::new();
        for c in chars.by_ref() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
        }
        let name = name.trim().to_owned();
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
            // Anything after the closing quote runs to the next `;`.
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
                value.push(c);
            }
            value = value.trim().to_owned();
        }
        if !name.is_empty() {
            params.push((name, value));
        }
        if chars.peek().is_none() {
            return params;
        }
    }
}

/// The characters left as they are in a path segment: RFC 3986 unreserved.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Fills a `:param` path template with percent-encoded values, in order of appearance.
///
/// An empty value is an [`Error::Build`]: it would silently address another resource.
pub fn fill_path(template: &str, values: &[(&str, &str)]) -> Result<String> {
    let mut out = String::with_capacity(template.len() + 32);
    for (i, segment) in template.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if let Some(name) = segment.strip_prefix(':') {
            let value = values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| *v)
                .ok_or_else(|| Error::Build(format!("path parameter `{name}` is missing")))?;
            if value.is_empty() {
                return Err(Error::Build(format!("path parameter `{name}` is empty")));
            }
            out.extend(percent_encoding::utf8_percent_encode(value, PATH_SEGMENT));
        } else {
            out.push_str(segment);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_path_encodes_and_rejects_empty() {
        assert_eq!(
            fill_path(
                "/open-apis/im/v1/messages/:message_id",
                &[("message_id", "om_1/../x y")]
            )
            .unwrap(),
            "/open-apis/im/v1/messages/om_1%2F..%2Fx%20y"
        );
        assert!(matches!(
            fill_path("/a/:id", &[("id", "")]),
            Err(Error::Build(_))
        ));
        assert!(matches!(fill_path("/a/:id", &[]), Err(Error::Build(_))));
        assert_eq!(fill_path("/a/b/", &[]).unwrap(), "/a/b/");
    }

    #[test]
    fn multipart_encodes_parts_and_boundary() {
        let mut form = Multipart::new();
        form.text("image_type", "message").file(
            "image",
            File::new("a \"b\".png", vec![1, 2, 3]).content_type("image/png"),
        );
        let (content_type, body) = form.encode();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"image_type\"\r\n\r\nmessage\r\n"));
        assert!(text.contains("name=\"image\"; filename=\"a %22b%22.png\"\r\nContent-Type: image/png\r\n\r\n\u{1}\u{2}\u{3}\r\n"));
        assert!(text.ends_with(&format!("--{boundary}--\r\n")));
        assert_eq!(form.names().collect::<Vec<_>>(), ["image_type", "image"]);
    }

    #[test]
    fn multipart_boundary_never_occurs_in_content() {
        // A part that holds the first boundary its own seed picks forces the search onward.
        let mut form = Multipart::new();
        form.text("x", "");
        let seed = form.seed();
        let first = Multipart::boundary_for(&form.parts, seed);
        form.parts[0].data = first.clone().into_bytes();
        let second = Multipart::boundary_for(&form.parts, seed);
        assert_ne!(first, second);
        assert!(!contains(&form.parts[0].data, second.as_bytes()));
    }

    #[test]
    fn disposition_names() {
        assert_eq!(
            disposition_file_name("attachment; filename=\"a.txt\"").as_deref(),
            Some("a.txt")
        );
        assert_eq!(
            disposition_file_name("attachment; filename=\"a.txt\"; filename*=UTF-8''%E6%96%87.txt")
                .as_deref(),
            Some("文.txt")
        );
        assert_eq!(disposition_file_name("inline"), None);
        assert_eq!(
            disposition_file_name(r#"attachment; filename="a;b \"c\".txt"; size=3"#).as_deref(),
            Some(r#"a;b "c".txt"#)
        );
        assert_eq!(
            disposition_file_name("attachment;filename=plain.txt").as_deref(),
            Some("plain.txt")
        );
        assert_eq!(
            disposition_file_name("attachment; FILENAME*=UTF-8''a%3Bb.txt; filename=\"x\"")
                .as_deref(),
            Some("a;b.txt")
        );
        assert_eq!(
            disposition_file_name("attachment; filename=\"unterminated"),
            Some("unterminated".to_owned())
        );
    }

    #[test]
    fn multipart_refuses_line_breaks_in_part_headers() {
        let mut form = Multipart::new();
        form.file(
            "image",
            File::new("a.png", vec![1]).content_type("image/png"),
        );
        assert!(form.validate().is_ok());
        for (name, file_name, content_type) in [
            ("x\r\nX-Injected: 1", "a.png", "image/png"),
            ("image", "a.png\r\nX-Injected: 1", "image/png"),
            ("image", "a.png", "image/png\r\nX-Injected: 1"),
        ] {
            let mut form = Multipart::new();
            form.file(
                name,
                File::new(file_name, vec![1]).content_type(content_type),
            );
            let err = form.validate().unwrap_err();
            assert!(matches!(err, Error::Build(_)), "{err}");
            // encode() alone never lets the break through either.
            let (_, body) = form.encode();
            assert!(!String::from_utf8_lossy(&body).contains("\r\nX-Injected"));
        }
    }
}
