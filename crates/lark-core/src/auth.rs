//! Which token a call carries (none, one the caller gave, or a managed one), and putting it
//! in the request.

use crate::config::{AppType, Config};
use crate::endpoint::{EndpointMeta, TokenKind};
use crate::error::{Error, Result};
use crate::options::RequestOptions;
use crate::runtime::HttpClient;
use crate::secret::Secret;
use crate::token::{TokenManager, UsedToken};
use crate::transport::Transport;

/// How a call is authorised.
#[derive(Clone)]
pub(crate) enum Auth {
    None,
    /// A token the caller gave (a user's, or a tenant's got elsewhere): sent as it is.
    Given(Secret),
    Managed(TokenKind),
    /// A signed-in user's token, kept and refreshed by the client.
    #[cfg(feature = "user-tokens")]
    User(String),
}

/// How a call to `meta` with `options` is authorised.
pub(crate) fn choose(
    meta: &EndpointMeta,
    options: &RequestOptions,
    config: &Config,
) -> Result<Auth> {
    let accepts = |kind| meta.tokens.contains(&kind);
    if meta.tokens.is_empty() {
        return Ok(Auth::None);
    }
    let given = [
        options.user_access_token.is_some(),
        options.tenant_access_token.is_some(),
        #[cfg(feature = "user-tokens")]
        options.as_user.is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(Error::Build(
            "a call takes one of a user access token, a tenant access token or as_user, not several".to_owned(),
        ));
    }
    #[cfg(feature = "user-tokens")]
    if let Some(user) = &options.as_user {
        if accepts(TokenKind::User) {
            return Ok(Auth::User(user.clone()));
        }
        return Err(Error::Build(format!(
            "{}.{} does not accept a user access token",
            meta.service, meta.name
        )));
    }
    if let Some(user) = &options.user_access_token {
        if accepts(TokenKind::User) {
            return Ok(Auth::Given(user.clone()));
        }
        return Err(Error::Build(format!(
            "{}.{} does not accept a user access token",
            meta.service, meta.name
        )));
    }
    if let Some(tenant) = &options.tenant_access_token {
        if accepts(TokenKind::Tenant) {
            return Ok(Auth::Given(tenant.clone()));
        }
        return Err(Error::Build(format!(
            "{}.{} does not accept a tenant access token",
            meta.service, meta.name
        )));
    }
    if accepts(TokenKind::Tenant) {
        if config.app_type == AppType::Marketplace && options.tenant_key.is_none() {
            return Err(Error::Build(
                "a marketplace app needs RequestOptions::tenant_key for a tenant access token"
                    .to_owned(),
            ));
        }
        return Ok(Auth::Managed(TokenKind::Tenant));
    }
    if accepts(TokenKind::App) {
        return Ok(Auth::Managed(TokenKind::App));
    }
    Err(Error::Build(format!(
        "{}.{} needs a user access token: set RequestOptions::user_access_token",
        meta.service, meta.name
    )))
}

/// Sets the call's `Authorization`, with a managed token from `tokens` when the call uses
/// one (returned, for the evict-and-retry decision).
pub(crate) async fn authorize<H: HttpClient>(
    request: &mut http::Request<Vec<u8>>,
    auth: &Auth,
    options: &RequestOptions,
    tokens: &TokenManager,
    io: &Transport<'_, H>,
    now: Option<u64>,
) -> Result<Option<UsedToken>> {
    match auth {
        Auth::None => Ok(None),
        Auth::Given(token) => {
            set_bearer(request, token)?;
            Ok(None)
        }
        Auth::Managed(kind) => {
            let used = tokens
                .token(io, *kind, options.tenant_key.as_deref(), now)
                .await?;
            set_bearer(request, &used.value)?;
            Ok(Some(used))
        }
        #[cfg(feature = "user-tokens")]
        Auth::User(user) => {
            let used = tokens.users().token(io, user, now).await?;
            set_bearer(request, &used.value)?;
            Ok(Some(used))
        }
    }
}

/// Sets `Authorization: Bearer <token>`, marked sensitive.
fn set_bearer(request: &mut http::Request<Vec<u8>>, token: &Secret) -> Result<()> {
    let token = token.expose();
    let mut value = Vec::with_capacity(7 + token.len());
    value.extend_from_slice(b"Bearer ");
    value.extend_from_slice(token.as_bytes());
    let mut header = http::HeaderValue::try_from(value)
        .map_err(|_| Error::Build("the access token is not a valid header value".to_owned()))?;
    header.set_sensitive(true);
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, header);
    Ok(())
}
