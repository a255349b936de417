//! The file name a `Content-Disposition` header gives (RFC 6266), read leniently.

/// The `filename` of a `Content-Disposition` header (`filename*=UTF-8''…` preferred).
pub(crate) fn disposition_file_name(value: &str) -> Option<String> {
    let mut plain = None;
    for (name, value) in disposition_params(value) {
        if name.eq_ignore_ascii_case("filename*") {
            let encoded = value
                .split_once("''")
                .map_or(value.as_str(), |(_, rest)| rest);
            if let Ok(name) = percent_encoding::percent_decode_str(encoded).decode_utf8() {
                return Some(name.into_owned());
            }
        } else if name.eq_ignore_ascii_case("filename") {
            plain = Some(value);
        }
    }
    plain
}

/// The `name=value` parameters of a header value after its first `;`, with quoted strings
/// (RFC 9110: `"…"`, `\` escapes) unquoted, so a `;` or `"` inside quotes stays in the value.
fn disposition_params(header: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = header.chars().peekable();
    // Skip the disposition type.
    for c in chars.by_ref() {
        if c == ';' {
            break;
        }
    }
    loop {
        let mut name = String::new();
        for c in chars.by_ref() {
            if c == '=' || c == ';' {
                break;
            }
            name.push(c);
        }
        let name = name.trim().to_owned();
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
            // Anything after the closing quote runs to the next `;`.
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ';' {
                    break;
                }
                value.push(c);
            }
            value = value.trim().to_owned();
        }
        if !name.is_empty() {
            params.push((name, value));
        }
        if chars.peek().is_none() {
            return params;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_names() {
        assert_eq!(
            disposition_file_name("attachment; filename=\"a.txt\"").as_deref(),
            Some("a.txt")
        );
        assert_eq!(
            disposition_file_name("attachment; filename=\"a.txt\"; filename*=UTF-8''%E6%96%87.txt")
                .as_deref(),
            Some("文.txt")
        );
        assert_eq!(disposition_file_name("inline"), None);
        assert_eq!(
            disposition_file_name(r#"attachment; filename="a;b \"c\".txt"; size=3"#).as_deref(),
            Some(r#"a;b "c".txt"#)
        );
        assert_eq!(
            disposition_file_name("attachment;filename=plain.txt").as_deref(),
            Some("plain.txt")
        );
        assert_eq!(
            disposition_file_name("attachment; FILENAME*=UTF-8''a%3Bb.txt; filename=\"x\"")
                .as_deref(),
            Some("a;b.txt")
        );
        assert_eq!(
            disposition_file_name("attachment; filename=\"unterminated"),
            Some("unterminated".to_owned())
        );
    }
}
