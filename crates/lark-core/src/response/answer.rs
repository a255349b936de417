//! What a successful answer becomes: [`FromResponse`], and the [`Download`] of a binary one.

use serde::de::DeserializeOwned;

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
        super::decode_success(body, key)
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
                .and_then(crate::disposition::disposition_file_name),
        })
    }
}
