//! [`ReqwestFetcher`] (feature `reqwest`, native): media URLs fetched through reqwest, with
//! the [`UrlGuard`] applied where the connection is made.
//!
//! - The name is resolved by a resolver of its own, which checks EVERY address with
//!   [`UrlGuard::check_resolved`] and hands reqwest only those: no second lookup (DNS
//!   rebinding) can lead elsewhere.
//! - The URL as reqwest reads it (the WHATWG parser turns `0x7f.1` into `127.0.0.1`) and
//!   every redirect's URL go through [`UrlGuard::check_url`]; at most five redirects.
//! - No proxy: a proxy would resolve the name itself, out of the guard's sight.
//! - A timeout, and the body read in chunks up to the limit, never past it.

use std::net::IpAddr;
use std::time::Duration;

use lark_core::BoxFuture;

use crate::guard::{Refused, Target, UrlGuard};
use crate::sources::{Fetched, MediaError, MediaFetcher};

/// The most redirects followed.
const MAX_REDIRECTS: usize = 5;

/// Fetches media URLs natively through reqwest (rustls), honouring the [`UrlGuard`] at
/// every step (see the module docs). One client per fetch, built for the guard at hand.
#[derive(Debug, Clone)]
#[must_use]
pub struct ReqwestFetcher {
    timeout: Duration,
}

impl Default for ReqwestFetcher {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
        }
    }
}

impl ReqwestFetcher {
    /// A fetcher giving up on a fetch after 30 s.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how long a fetch may take, connection and body included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

/// Resolves names with the system resolver, then lets through only what the guard allows.
struct GuardedResolver {
    guard: UrlGuard,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.guard.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ips: Vec<IpAddr> = addresses.iter().map(std::net::SocketAddr::ip).collect();
            guard.check_resolved(&host, &ips)?;
            let addrs: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addrs)
        })
    }
}

/// The guard's refusal somewhere in `error`'s chain of sources, if it is there.
fn refusal(error: &(dyn std::error::Error + 'static)) -> Option<Refused> {
    let mut current = Some(error);
    // A chain of sources is short; the bound only makes the loop's end plain.
    for _ in 0..32 {
        let error = current?;
        if let Some(refused) = error.downcast_ref::<Refused>() {
            return Some(refused.clone());
        }
        current = error.source();
    }
    None
}

fn failed(error: &reqwest::Error) -> MediaError {
    match refusal(error) {
        Some(refused) => MediaError::Refused(refused),
        None => MediaError::Fetch(without_url(error)),
    }
}

/// `error`'s message without its URL, whose query may carry a signature.
fn without_url(error: &reqwest::Error) -> String {
    let text = error.to_string();
    match error.url() {
        Some(url) => text.replace(url.as_str(), "<url>"),
        None => text,
    }
}

impl MediaFetcher for ReqwestFetcher {
    fn fetch<'a>(
        &'a self,
        url: &'a str,
        _target: &'a Target,
        guard: &'a UrlGuard,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Fetched, MediaError>> {
        Box::pin(async move {
            let parsed = reqwest::Url::parse(url)
                .map_err(|e| MediaError::Fetch(format!("the URL cannot be read: {e}")))?;
            // As reqwest will read it: numeric hosts normalized, and so on.
            guard.check_url(parsed.as_str())?;
            let redirects = guard.clone();
            let policy = reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() >= MAX_REDIRECTS {
                    return attempt.error(format!("more than {MAX_REDIRECTS} redirects"));
                }
                match redirects.check_url(attempt.url().as_str()) {
                    Ok(_) => attempt.follow(),
                    Err(refused) => attempt.error(refused),
                }
            });
            let client = reqwest::Client::builder()
                .no_proxy()
                .dns_resolver(GuardedResolver {
                    guard: guard.clone(),
                })
                .redirect(policy)
                .timeout(self.timeout)
                .build()
                .map_err(|e| failed(&e))?;
            let mut response = client.get(parsed).send().await.map_err(|e| failed(&e))?;
            let status = response.status();
            if !status.is_success() {
                return Err(MediaError::Fetch(format!("the server answered {status}")));
            }
            let too_large = |bytes| MediaError::TooLarge {
                bytes,
                limit: max_bytes,
            };
            if let Some(length) = response.content_length() {
                let length = usize::try_from(length).unwrap_or(usize::MAX);
                if length > max_bytes {
                    return Err(too_large(length));
                }
            }
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let mut bytes = Vec::new();
            // Ends with the body, or as soon as it passes the limit.
            while let Some(chunk) = response.chunk().await.map_err(|e| failed(&e))? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > max_bytes {
                    return Err(too_large(bytes.len()));
                }
            }
            Ok(Fetched {
                bytes,
                content_type,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::{AddressKind, RefuseReason};
    use reqwest::dns::Resolve as _;

    /// The resolver itself refuses a name that resolves to a refused address, whatever the
    /// check before it let through (`localhost` is in every hosts file).
    #[tokio::test]
    async fn the_resolver_refuses_what_a_name_resolves_to() {
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let refused = GuardedResolver {
            guard: UrlGuard::new(),
        }
        .resolve(name)
        .await
        .err()
        .expect("refused");
        let refused = refusal(refused.as_ref()).expect("the guard's refusal");
        assert!(matches!(
            refused.reason,
            RefuseReason::Address {
                kind: AddressKind::Loopback,
                ..
            }
        ));

        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let allowed = GuardedResolver {
            guard: UrlGuard::new().allow(AddressKind::Loopback),
        }
        .resolve(name)
        .await;
        let addresses: Vec<_> = allowed.expect("allowed").collect();
        assert!(addresses.iter().all(|a| a.ip().is_loopback()));
        assert!(!addresses.is_empty());
    }
}
