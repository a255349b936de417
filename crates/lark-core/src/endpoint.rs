//! The shape every API call has: [`Endpoint`] and what it is made of.

use crate::error::{Error, Result};

// Bodies and answers live beside their own encoding and decoding; their old paths stay.
pub use crate::multipart::{Body, File, Multipart};
pub use crate::response::{Answer, Download, FromResponse, FromResponseError};

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
}
