//! Idempotency keys: a call that carries one (`uuid`, `client_token`) is carried out once
//! per key, so it can be retried. The client fills one in, unless the caller set it.

use crate::endpoint::IdempotencyKey;
use crate::error::{Error, Result};
use crate::runtime::Runtime;

/// Whether a second copy of a request is harmless: it carries an idempotency key, or its
/// method is idempotent.
pub(crate) fn is_idempotent(method: &http::Method, has_key: bool) -> bool {
    has_key
        || matches!(
            *method,
            http::Method::GET
                | http::Method::HEAD
                | http::Method::PUT
                | http::Method::DELETE
                | http::Method::OPTIONS
        )
}

/// Puts an idempotency key into `request` unless the caller set one.
pub(crate) fn fill(
    request: &mut http::Request<Vec<u8>>,
    key: IdempotencyKey,
    runtime: &dyn Runtime,
) -> Result<()> {
    let fresh = || -> Result<String> {
        let mut bytes = [0; 16];
        runtime.fill_random(&mut bytes).map_err(|e| {
            Error::Build(format!("cannot make an idempotency key for a retry: {e}"))
        })?;
        Ok(uuid_v4(&bytes))
    };
    match key {
        IdempotencyKey::Query(name) => {
            let uri = request.uri().to_string();
            let (base, query) = uri.split_once('?').unwrap_or((&uri, ""));
            let given = |pair: &&str| pair.split('=').next() == Some(name);
            let present = query
                .split('&')
                .any(|pair| given(&pair) && pair.len() > name.len() + 1);
            if !present {
                // An empty `name=` the caller sent is replaced, not repeated.
                let mut pairs: Vec<&str> = query
                    .split('&')
                    .filter(|pair| !pair.is_empty() && !given(pair))
                    .collect();
                let key = format!("{name}={}", fresh()?);
                pairs.push(&key);
                let uri = format!("{base}?{}", pairs.join("&"));
                *request.uri_mut() = uri
                    .parse()
                    .map_err(|e| Error::Build(format!("invalid URL: {e}")))?;
            }
        }
        IdempotencyKey::Body(name) => {
            // The body's text is kept: the key is appended to its other members (read as
            // raw JSON, not rebuilt as a `serde_json::Value`, which costs the wasm builds
            // about 12 KB).
            if let Some(mut members) = members_without_key(request.body(), name) {
                if members.len() > 1 {
                    members.push(b',');
                }
                serde_json::to_writer(&mut members, name)
                    .map_err(|e| Error::Build(format!("cannot serialise the body: {e}")))?;
                members.extend_from_slice(b":\"");
                members.extend_from_slice(fresh()?.as_bytes());
                members.extend_from_slice(b"\"}");
                *request.body_mut() = members;
            }
        }
    }
    Ok(())
}

/// The members of the JSON object `body` other than `name`, as `{` and the members' text
/// (each value copied as sent), when the object has no usable `name` (absent, `null` or
/// `""`; of repeated keys the last counts). `None` when it has one, or `body` is not a JSON
/// object.
fn members_without_key(body: &[u8], name: &str) -> Option<Vec<u8>> {
    struct Members<'n>(&'n str);

    impl<'de> serde::de::Visitor<'de> for Members<'_> {
        type Value = Option<Vec<u8>>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = vec![b'{'];
            let mut present = false;
            while let Some(key) = map.next_key::<String>()? {
                let value: &'de serde_json::value::RawValue = map.next_value()?;
                if key == self.0 {
                    present = !matches!(value.get(), "null" | "\"\"");
                    continue;
                }
                if out.len() > 1 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, &key).map_err(serde::de::Error::custom)?;
                out.push(b':');
                out.extend_from_slice(value.get().as_bytes());
            }
            Ok((!present).then_some(out))
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let members = serde::Deserializer::deserialize_map(&mut deserializer, Members(name)).ok()?;
    deserializer.end().ok()?;
    members
}

/// Formats 128 random bits as a version-4 UUID.
fn uuid_v4(bytes: &[u8; 16]) -> String {
    let bits = u128::from_be_bytes(*bytes);
    let (a, b) = ((bits >> 64) as u64, bits as u64);
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_key_is_appended_unless_the_body_has_a_usable_one() {
        let members = |body: &str| {
            members_without_key(body.as_bytes(), "uuid").map(|m| String::from_utf8(m).unwrap())
        };
        // The other members are copied as sent, whitespace inside values included.
        assert_eq!(
            members(r#" {"text": "h\u0069", "n": [1, 2.50], "o": {"uuid": null}} "#).as_deref(),
            Some(r#"{"text":"h\u0069","n":[1, 2.50],"o":{"uuid": null}"#)
        );
        assert_eq!(members("{}").as_deref(), Some("{"));
        // `null` and `""` are no key: dropped, so the fresh one replaces them.
        assert_eq!(
            members(r#"{"uuid":null,"a":1}"#).as_deref(),
            Some(r#"{"a":1"#)
        );
        assert_eq!(
            members(r#"{"a":1,"uuid":""}"#).as_deref(),
            Some(r#"{"a":1"#)
        );
        assert_eq!(members(r#"{"uu\u0069d":""}"#).as_deref(), Some("{"));
        // A key the caller sent is kept, whatever its type.
        for body in [
            r#"{"uuid":"mine"}"#,
            r#"{"uuid":0}"#,
            r#"{"uuid":false}"#,
            r#"{"uuid":" "}"#,
            r#"{"uuid":{}}"#,
        ] {
            assert_eq!(members(body), None, "{body}");
        }
        // Of repeated keys the last counts.
        assert_eq!(
            members(r#"{"uuid":"mine","uuid":null}"#).as_deref(),
            Some("{")
        );
        assert_eq!(members(r#"{"uuid":null,"uuid":"mine"}"#), None);
        // Not a JSON object: left alone.
        for body in ["", "[]", "\"x\"", "null", "{", r#"{"a":1}x"#, r#"{"a":}"#] {
            assert_eq!(members(body), None, "{body}");
        }
    }

    #[test]
    fn uuids_have_the_v4_shape() {
        let id = uuid_v4(&[0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let id = uuid_v4(&[0; 16]);
        assert_eq!(id, "00000000-0000-4000-8000-000000000000");
        let bytes: [u8; 16] = std::array::from_fn(|i| i as u8 * 17);
        assert_eq!(uuid_v4(&bytes), "00112233-4455-4677-8899-aabbccddeeff");
    }
}
