//! Building a call's HTTP request: URL, query, headers, body, helpdesk credentials.

use base64::Engine as _;

use crate::config::Config;
use crate::endpoint::{Base, Endpoint};
use crate::error::{Error, Result};
use crate::multipart::{Body, Encoded};
use crate::options::RequestOptions;

/// The request of `endpoint` with `options`, with `body` (when given) in place of the
/// endpoint's own. `sends_get_bodies` is the backend's [`HttpClient::sends_get_bodies`](crate::HttpClient::sends_get_bodies).
pub(crate) fn build<E: Endpoint>(
    config: &Config,
    sends_get_bodies: bool,
    endpoint: &E,
    options: &RequestOptions,
    body: Option<Encoded>,
) -> Result<http::Request<Vec<u8>>> {
    let meta = endpoint.meta();
    let base = match meta.base {
        Base::OpenApis => config.domain.open_base(),
        Base::Www => config.www_base(),
    };
    let path = endpoint.path()?;
    let mut url = String::with_capacity(base.len() + path.len() + 64);
    url.push_str(base);
    url.push_str(&path);
    let mut query = Vec::new();
    endpoint.query(&mut query);
    if !query.is_empty() {
        let mut serializer = crate::query::Serializer::new(&mut url, path.contains('?'));
        for (k, v) in &query {
            serializer.append(k, v);
        }
    }
    let mut builder = http::Request::builder()
        .method(meta.method.clone())
        .uri(url);
    if !options.extensions.is_empty() {
        if let Some(extensions) = builder.extensions_mut() {
            extensions.extend(options.extensions.clone());
        }
    }
    let headers = builder
        .headers_mut()
        .ok_or_else(|| Error::Build("invalid method or URL".to_owned()))?;
    endpoint.headers(headers)?;
    for (name, value) in &options.headers {
        headers.append(name, value.clone());
    }
    let body = match body {
        Some(Encoded {
            content_type,
            bytes,
        }) => Ok((content_type, bytes)),
        None => Err(endpoint.body()?),
    };
    let body = match body {
        Ok((content_type, bytes)) => {
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::try_from(content_type)
                    .map_err(|e| Error::Build(e.to_string()))?,
            );
            bytes
        }
        Err(Body::None) => Vec::new(),
        Err(Body::Json(bytes)) => {
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json; charset=utf-8"),
            );
            bytes
        }
        Err(Body::Multipart(form)) => {
            form.validate()?;
            let (content_type, bytes) = form.encode();
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::try_from(content_type)
                    .map_err(|e| Error::Build(e.to_string()))?,
            );
            bytes
        }
    };
    if !body.is_empty()
        && matches!(meta.method, http::Method::GET | http::Method::HEAD)
        && !sends_get_bodies
    {
        let route = path.split('?').next().unwrap_or_default();
        return Err(Error::Build(format!(
            "{}.{} ({} {route}) sends a body with {}, which this backend (fetch) cannot send",
            meta.service, meta.name, meta.method, meta.method
        )));
    }
    if meta.helpdesk {
        let helpdesk = options
            .helpdesk
            .as_ref()
            .or(config.helpdesk.as_ref())
            .ok_or_else(|| {
                Error::Build(format!(
                    "{}.{} needs helpdesk credentials: set Config::helpdesk (or \
                     RequestOptions::helpdesk)",
                    meta.service, meta.name
                ))
            })?;
        let encoded = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            helpdesk.id,
            helpdesk.token.expose()
        ));
        let mut value =
            http::HeaderValue::try_from(encoded).map_err(|e| Error::Build(e.to_string()))?;
        value.set_sensitive(true);
        headers.insert(
            const { http::HeaderName::from_static("x-lark-helpdesk-authorization") },
            value,
        );
    }
    builder
        .body(body)
        .map_err(|e| Error::Build(format!("invalid request: {e}")))
}
