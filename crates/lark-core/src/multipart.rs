//! Request bodies: none, JSON, or a `multipart/form-data` form of text fields and files.

use crate::error::{Error, Result};

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

/// A request body already encoded, with its `Content-Type`: sent by
/// [`Client::send_hinted`](crate::Client::send_hinted) in place of the endpoint's own, so a
/// large one (a file's block, with the form built around it in place) is never copied.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Encoded {
    /// The `Content-Type` header.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

impl Encoded {
    /// A body of `bytes` sent as `content_type`.
    pub fn new(content_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            content_type: content_type.into(),
            bytes,
        }
    }
}

impl std::fmt::Debug for Encoded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoded")
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
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

#[cfg(test)]
mod tests {
    use super::*;

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
