//! The webhook URL, which is a credential: its path ends in the bot's token.

use std::borrow::Cow;
use std::fmt;

/// A custom bot's webhook URL: `https://open.feishu.cn/open-apis/bot/v2/hook/<token>`.
///
/// Whoever has the URL can post to the group, so `Debug` and `Display` show it masked: the
/// path after `/hook/` (or, for another path, its last segment), any user info and any query
/// or fragment become `***`, e.g. `https://open.feishu.cn/open-apis/bot/v2/hook/***`. Read the
/// whole URL with [`Webhook::expose`], where it is sent.
///
/// ```
/// let hook = lark_custom_bot::Webhook::new("https://open.feishu.cn/open-apis/bot/v2/hook/0f8e-7c1d");
/// assert_eq!(hook.to_string(), "https://open.feishu.cn/open-apis/bot/v2/hook/***");
/// assert_eq!(hook.expose(), "https://open.feishu.cn/open-apis/bot/v2/hook/0f8e-7c1d");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Webhook(String);

impl Webhook {
    /// Wraps a URL. Nothing is checked here: a URL that is not one fails the post with
    /// [`lark_core::Error::Build`].
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The whole URL, token included. Call it only where the URL is sent.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its credentials masked: what `Debug` and `Display` show.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// The parts of the URL that are credentials (the token, any user info, query or
    /// fragment), none empty.
    pub(crate) fn credentials(&self) -> Vec<&str> {
        let parts = Parts::of(&self.0);
        [
            parts.token.trim_matches('/'),
            parts.userinfo.unwrap_or_default(),
            parts.rest.get(1..).unwrap_or_default(),
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect()
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Webhook").field(&self.redacted()).finish()
    }
}

impl fmt::Display for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl From<String> for Webhook {
    fn from(url: String) -> Self {
        Self(url)
    }
}

impl From<&str> for Webhook {
    fn from(url: &str) -> Self {
        Self(url.to_owned())
    }
}

/// `url` with its credentials masked (see [`Webhook`]).
pub(crate) fn redact(url: &str) -> String {
    let parts = Parts::of(url);
    let mut shown = String::new();
    if let Some(scheme) = parts.scheme {
        shown.push_str(scheme);
        shown.push_str("://");
    }
    if parts.userinfo.is_some() {
        shown.push_str("***@");
    }
    shown.push_str(parts.host);
    shown.push_str(parts.public_path);
    if !parts.token.is_empty() {
        shown.push_str("***");
    }
    if let Some(first) = parts.rest.chars().next() {
        shown.push(first);
        shown.push_str("***");
    }
    shown
}

/// A URL cut where its credentials start and end, without parsing (it may not be a URL at all).
struct Parts<'a> {
    scheme: Option<&'a str>,
    userinfo: Option<&'a str>,
    /// `host[:port]`.
    host: &'a str,
    /// The path up to the token: through `/hook/`, or through the last `/` before the last
    /// segment.
    public_path: &'a str,
    /// The rest of the path.
    token: &'a str,
    /// `?query` and `#fragment`, if any.
    rest: &'a str,
}

impl<'a> Parts<'a> {
    fn of(url: &'a str) -> Self {
        let scheme_end = url.find("://").filter(|&end| {
            end > 0
                && url[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        });
        let (scheme, userinfo, host, after_authority) = match scheme_end {
            Some(end) => {
                let after = &url[end + 3..];
                let authority_end = after.find(['/', '?', '#']).unwrap_or(after.len());
                let (authority, after_authority) = after.split_at(authority_end);
                let (userinfo, host) = match authority.rsplit_once('@') {
                    Some((userinfo, host)) => (Some(userinfo), host),
                    None => (None, authority),
                };
                (Some(&url[..end]), userinfo, host, after_authority)
            }
            // Not an absolute URL: all of it is taken as a path.
            None => (None, None, "", url),
        };
        let path_end = after_authority
            .find(['?', '#'])
            .unwrap_or(after_authority.len());
        let (path, rest) = after_authority.split_at(path_end);
        let token_start = match path.find("/hook/") {
            Some(at) => at + "/hook/".len(),
            None => {
                let trimmed = path.trim_end_matches('/');
                match trimmed.rfind('/') {
                    Some(at) => at + 1,
                    // Only slashes: no token.
                    None if trimmed.is_empty() => path.len(),
                    // One segment without a slash: all of it.
                    None => 0,
                }
            }
        };
        let (public_path, token) = path.split_at(token_start);
        Self {
            scheme,
            userinfo,
            host,
            public_path,
            token,
            rest,
        }
    }
}

/// `text` with every one of `secrets` replaced by `***`.
pub(crate) fn mask<'t>(text: &'t str, secrets: &[&str]) -> Cow<'t, str> {
    let mut text = Cow::Borrowed(text);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = Cow::Owned(text.replace(secret, "***"));
        }
    }
    text
}

/// `bytes` with every one of `secrets` replaced by `***`.
pub(crate) fn mask_bytes(bytes: &[u8], secrets: &[&str]) -> Option<Vec<u8>> {
    let mut masked: Option<Vec<u8>> = None;
    for secret in secrets
        .iter()
        .map(|s| s.as_bytes())
        .filter(|s| !s.is_empty())
    {
        let current = masked.as_deref().unwrap_or(bytes);
        if !current.windows(secret.len()).any(|w| w == secret) {
            continue;
        }
        let mut out = Vec::with_capacity(current.len());
        let mut i = 0;
        while i < current.len() {
            if current[i..].starts_with(secret) {
                out.extend_from_slice(b"***");
                i += secret.len();
            } else {
                out.push(current[i]);
                i += 1;
            }
        }
        masked = Some(out);
    }
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        for (url, shown) in [
            (
                "https://open.feishu.cn/open-apis/bot/v2/hook/0f8e-7c1d",
                "https://open.feishu.cn/open-apis/bot/v2/hook/***",
            ),
            (
                "https://open.larksuite.com/open-apis/bot/v2/hook/a/b/",
                "https://open.larksuite.com/open-apis/bot/v2/hook/***",
            ),
            (
                "https://open.feishu.cn/open-apis/bot/hook/tok?x=1#f",
                "https://open.feishu.cn/open-apis/bot/hook/***?***",
            ),
            (
                "http://user:pw@127.0.0.1:8080/open-apis/bot/v2/hook/tok",
                "http://***@127.0.0.1:8080/open-apis/bot/v2/hook/***",
            ),
            (
                "https://proxy.example/bots/tok/",
                "https://proxy.example/bots/***",
            ),
            ("https://host/hook/", "https://host/hook/"),
            ("https://host", "https://host"),
            ("https://host/", "https://host/"),
            ("https://host?key=k", "https://host?***"),
            ("/open-apis/bot/v2/hook/tok", "/open-apis/bot/v2/hook/***"),
            ("not a url", "***"),
            ("", ""),
        ] {
            assert_eq!(redact(url), shown, "{url}");
        }
        let hook = Webhook::new("http://u:p@h/open-apis/bot/v2/hook/tok/?q#f");
        assert_eq!(hook.credentials(), ["tok", "u:p", "q#f"]);
        assert_eq!(
            format!("{hook:?}"),
            r#"Webhook("http://***@h/open-apis/bot/v2/hook/***?***")"#
        );
    }

    #[test]
    fn masking() {
        assert_eq!(mask("a tok b tok", &["tok", ""]), "a *** b ***");
        assert!(matches!(mask("nothing", &["tok"]), Cow::Borrowed(_)));
        assert_eq!(
            mask_bytes(b"tok\xfftoktok", &["tok", "k"]).unwrap(),
            b"***\xff******"
        );
        assert_eq!(mask_bytes(b"none", &["tok", ""]), None);
    }
}
