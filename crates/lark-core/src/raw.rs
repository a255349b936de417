//! [`Client::raw`]: a request to any path, for endpoints the typed API lacks.

use crate::client::Client;
use crate::endpoint::{Body, Endpoint, EndpointMeta, ResponseKind, TokenKind};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::runtime::HttpClient;

impl<H: HttpClient> Client<H> {
    /// A request to any path, for endpoints the typed API lacks. Its output is the whole JSON
    /// body, after the `code` check.
    pub fn raw(&self, method: http::Method, path: impl Into<String>) -> RawRequest<'_, H> {
        RawRequest {
            client: self,
            endpoint: RawEndpoint {
                meta: EndpointMeta::new(
                    "raw",
                    "raw",
                    method,
                    "",
                    &[TokenKind::Tenant, TokenKind::User],
                )
                .response(ResponseKind::Json { envelope: None }),
                path: path.into(),
                query: Vec::new(),
                body: None,
            },
            options: RequestOptions::default(),
        }
    }
}

/// A request built by [`Client::raw`].
#[must_use]
pub struct RawRequest<'c, H> {
    client: &'c Client<H>,
    endpoint: RawEndpoint,
    options: RequestOptions,
}

impl<H> std::fmt::Debug for RawRequest<'_, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.endpoint.meta.method)
            .field("path", &self.endpoint.path)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct RawEndpoint {
    meta: EndpointMeta,
    path: String,
    query: Vec<(String, String)>,
    body: Option<serde_json::Value>,
}

impl Endpoint for RawEndpoint {
    type Output = serde_json::Value;

    fn meta(&self) -> &EndpointMeta {
        &self.meta
    }

    fn path(&self) -> Result<String> {
        if !self.path.starts_with('/') {
            return Err(Error::Build(format!(
                "the path `{}` must start with `/`",
                self.path
            )));
        }
        Ok(self.path.clone())
    }

    fn query(&self, _query: &mut Vec<(&'static str, String)>) {}

    fn body(&self) -> Result<Body> {
        match &self.body {
            Some(value) => Body::json(value),
            None => Ok(Body::None),
        }
    }
}

impl<H: HttpClient> RawRequest<'_, H> {
    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.endpoint.query.push((key.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.endpoint.body = Some(body);
        self
    }

    /// Which tokens the endpoint accepts; by default tenant (or user, when one is given).
    pub fn tokens(mut self, tokens: &'static [TokenKind]) -> Self {
        self.endpoint.meta.tokens = tokens;
        self
    }

    /// Sets the options.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends the request; the answer is the whole JSON body.
    pub async fn send(self) -> Result<serde_json::Value> {
        let mut endpoint = self.endpoint;
        if !endpoint.query.is_empty() {
            let mut path = std::mem::take(&mut endpoint.path);
            let mut serializer =
                crate::query::Serializer::new(&mut path, path_has_query(&endpoint));
            for (k, v) in &endpoint.query {
                serializer.append(k, v);
            }
            endpoint.path = path;
            endpoint.query.clear();
        }
        self.client.send_with(&endpoint, &self.options).await
    }
}

fn path_has_query(endpoint: &RawEndpoint) -> bool {
    endpoint.path.contains('?')
}
