//! Where an image or a file comes from: bytes, or a URL checked by the channel's [`UrlGuard`]
//! and fetched by a [`MediaFetcher`] the caller gives (the crate does no IO of its own; feature
//! `reqwest` has one natively, `ReqwestFetcher`).

use std::fmt;
use std::sync::Arc;

use lark_core::{BoxFuture, MaybeSend, MaybeSync};

use crate::guard::{Refused, Target, UrlGuard};

/// The largest image the platform takes (`im.v1.image.create`): 10 MB.
pub const IMAGE_LIMIT: usize = 10 * 1024 * 1024;
/// The largest file the platform takes (`im.v1.file.create`): 30 MB.
pub const FILE_LIMIT: usize = 30 * 1024 * 1024;

/// Where an image or a file comes from.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaSource {
    /// Bytes at hand, with the file name to give them.
    Bytes {
        /// The file name (a file message shows it).
        file_name: String,
        /// The bytes.
        data: Vec<u8>,
    },
    /// A URL to fetch, through the channel's [`UrlGuard`] and [`MediaFetcher`].
    Url(String),
}

impl MediaSource {
    /// Bytes at hand, named `file_name`.
    pub fn bytes(file_name: impl Into<String>, data: impl Into<Vec<u8>>) -> Self {
        Self::Bytes {
            file_name: file_name.into(),
            data: data.into(),
        }
    }

    /// A URL to fetch.
    pub fn url(url: impl Into<String>) -> Self {
        Self::Url(url.into())
    }
}

impl fmt::Debug for MediaSource {
    // Neither the bytes nor the URL (whose query may carry a signature) are printed whole.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bytes { file_name, data } => f
                .debug_struct("Bytes")
                .field("file_name", file_name)
                .field("len", &data.len())
                .finish(),
            Self::Url(url) => {
                let shown = url.split(['?', '#']).next().unwrap_or_default();
                f.debug_tuple("Url").field(&shown).finish()
            }
        }
    }
}

/// What a [`MediaFetcher`] fetched.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fetched {
    /// The body.
    pub bytes: Vec<u8>,
    /// The `Content-Type` the server gave, when it gave one.
    pub content_type: Option<String>,
}

impl Fetched {
    /// `bytes` with no content type.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self {
            bytes: bytes.into(),
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

impl fmt::Debug for Fetched {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fetched")
            .field("len", &self.bytes.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// Fetches media from URLs: the IO the channel does not do itself.
///
/// The channel calls it only with a URL [`UrlGuard::check_url`] let through. A fetcher must
/// check every address the host resolves to with [`UrlGuard::check_resolved`] before it
/// connects, connect to those addresses only, check each redirect's URL the same way, use no
/// proxy that would resolve names for it, and stop reading past `max_bytes`.
pub trait MediaFetcher: MaybeSend + MaybeSync {
    /// Fetches `url`, whose host, port and scheme are `target`.
    fn fetch<'a>(
        &'a self,
        url: &'a str,
        target: &'a Target,
        guard: &'a UrlGuard,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Fetched, MediaError>>;
}

/// Why an image or a file could not be sent.
#[derive(Debug)]
#[non_exhaustive]
pub enum MediaError {
    /// The [`UrlGuard`] refused the URL, or an address its host resolves to; nothing was
    /// fetched from it.
    Refused(Refused),
    /// A URL was given, and the channel has no [`MediaFetcher`]
    /// ([`ChannelBuilder::media_fetcher`](crate::ChannelBuilder::media_fetcher)).
    NoFetcher,
    /// The fetch failed (the connection, a status other than 2xx, a timeout).
    Fetch(String),
    /// More bytes than the platform takes.
    TooLarge {
        /// How many (at least: a fetch stops reading past the limit).
        bytes: usize,
        /// The limit.
        limit: usize,
    },
    /// No bytes at all.
    Empty,
    /// The bytes are not in the format the message needs (a video must be MP4, a voice
    /// message Opus in Ogg); nothing was uploaded.
    Format {
        /// The format it must be: `mp4` or `opus` (the `file_type` it is uploaded as).
        expected: &'static str,
    },
    /// The upload or the message failed.
    Api(lark_core::Error),
}

impl fmt::Display for MediaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Refused(refused) => refused.fmt(f),
            Self::NoFetcher => f.write_str(
                "media from a URL needs a fetcher (ChannelBuilder::media_fetcher); none is set",
            ),
            Self::Fetch(why) => write!(f, "fetching the media failed: {why}"),
            Self::TooLarge { bytes, limit } => {
                write!(
                    f,
                    "the media is {bytes} bytes, more than the {limit} the platform takes"
                )
            }
            Self::Empty => f.write_str("the media is empty"),
            Self::Format { expected } => {
                write!(
                    f,
                    "the media is not {expected}, the format the message needs"
                )
            }
            Self::Api(error) => write!(f, "sending the media failed: {error}"),
        }
    }
}

impl std::error::Error for MediaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Refused(refused) => Some(refused),
            Self::Api(error) => Some(error),
            _ => None,
        }
    }
}

impl From<Refused> for MediaError {
    fn from(refused: Refused) -> Self {
        Self::Refused(refused)
    }
}

impl From<lark_core::Error> for MediaError {
    fn from(error: lark_core::Error) -> Self {
        Self::Api(error)
    }
}

/// A fetcher shared by every [`Context`](crate::Context) (`Send` and `Sync` natively, as its trait requires).
pub(crate) type SharedFetcher = Arc<dyn MediaFetcher>;

/// The channel's media settings, shared by every [`Context`](crate::Context).
#[derive(Clone, Default)]
pub(crate) struct MediaSettings {
    pub(crate) guard: UrlGuard,
    pub(crate) fetcher: Option<SharedFetcher>,
}

impl fmt::Debug for MediaSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MediaSettings")
            .field("guard", &self.guard)
            .field("fetcher", &self.fetcher.is_some())
            .finish()
    }
}

impl MediaSettings {
    /// The bytes of `source` and their file name, at most `limit` of them.
    pub(crate) async fn bytes(
        &self,
        source: MediaSource,
        limit: usize,
    ) -> Result<(String, Vec<u8>), MediaError> {
        let (file_name, data) = match source {
            MediaSource::Bytes { file_name, data } => (file_name, data),
            MediaSource::Url(url) => {
                let target = self.guard.check_url(&url)?;
                let fetcher = self.fetcher.as_ref().ok_or(MediaError::NoFetcher)?;
                let fetched = fetcher.fetch(&url, &target, &self.guard, limit).await?;
                (file_name_of(&url), fetched.bytes)
            }
        };
        if data.is_empty() {
            return Err(MediaError::Empty);
        }
        if data.len() > limit {
            return Err(MediaError::TooLarge {
                bytes: data.len(),
                limit,
            });
        }
        Ok((file_name, data))
    }
}

/// The last segment of a URL's path, or `file`.
fn file_name_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let after_host = path.splitn(4, '/').nth(3).unwrap_or_default();
    after_host
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .unwrap_or("file")
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_urls() {
        assert_eq!(
            file_name_of("https://x.test/a/b/report.pdf?sig=1"),
            "report.pdf"
        );
        assert_eq!(file_name_of("https://x.test/"), "file");
        assert_eq!(file_name_of("https://x.test"), "file");
    }

    #[test]
    fn debug_shows_no_bytes_and_no_query() {
        let url = format!(
            "{:?}",
            MediaSource::url("https://x.test/a.png?token=secret")
        );
        assert!(!url.contains("secret"), "{url}");
        let bytes = format!("{:?}", MediaSource::bytes("a.png", vec![7u8; 100]));
        assert!(bytes.contains("len: 100"), "{bytes}");
    }
}
