//! Cutting a long text into messages the platform takes.

/// The largest request body of a `text` message: 150 KB. Source: the `im.v1.message.create`
/// documentation ("文本消息请求体最大不能超过150KB", text message request bodies may not exceed
/// 150 KB; cards and rich text 30 KB), <https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/create>,
/// as quoted in the project's seed docs (`../shared/seeds/lark-sdk-docs.txt`).
pub const TEXT_BODY_LIMIT: usize = 150 * 1024;

/// Room kept in [`TEXT_BODY_LIMIT`] for the rest of the body (`receive_id`, `msg_type`,
/// `uuid`, the JSON around `content`).
const BODY_OVERHEAD: usize = 1024;

/// The default budget of one chunk, in bytes of the request body its text takes.
pub const DEFAULT_CHUNK_BYTES: usize = TEXT_BODY_LIMIT - BODY_OVERHEAD;

/// How many bytes `c` takes in the request body: the text sits in `{"text": …}`, a JSON text
/// that is itself a JSON string in the body, so it is escaped twice.
fn body_bytes(c: char) -> usize {
    match c {
        // `"` → `\"` → `\\\"`, `\` → `\\` → `\\\\`
        '"' | '\\' => 4,
        // `\n` → `\\n`
        '\n' | '\r' | '\t' | '\u{08}' | '\u{0c}' => 3,
        // `\u0001` → `\\u0001`
        c if (c as u32) < 0x20 => 7,
        c => c.len_utf8(),
    }
}

/// Cuts `text` into pieces whose request bodies stay within `budget` bytes each (see
/// [`DEFAULT_CHUNK_BYTES`]), at a line break when one is in the second half of a piece, else
/// at a space, else anywhere between characters. The pieces joined give `text` back.
pub fn chunk_text(text: &str, budget: usize) -> Vec<String> {
    let budget = budget.max(8);
    let mut chunks = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut used = 0;
        let mut end = rest.len();
        let mut last_newline = None;
        let mut last_space = None;
        for (i, c) in rest.char_indices() {
            let cost = body_bytes(c);
            if used + cost > budget {
                end = i;
                break;
            }
            used += cost;
            let after = i + c.len_utf8();
            if c == '\n' {
                last_newline = Some(after);
            } else if c.is_whitespace() {
                last_space = Some(after);
            }
        }
        if end < rest.len() {
            let half = end / 2;
            if let Some(cut) = last_newline.filter(|&n| n > half) {
                end = cut;
            } else if let Some(cut) = last_space.filter(|&s| s > half) {
                end = cut;
            }
        }
        if end == 0 {
            // A budget smaller than one character: take it anyway rather than loop.
            end = rest.chars().next().map_or(rest.len(), char::len_utf8);
        }
        let (head, tail) = rest.split_at(end);
        chunks.push(head.to_owned());
        rest = tail;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_one_chunk() {
        assert_eq!(chunk_text("hello", 100), vec!["hello"]);
        assert!(chunk_text("", 100).is_empty());
    }

    #[test]
    fn cuts_at_line_breaks_and_keeps_every_character() {
        let text = "line one\nline two\nline three\n".repeat(50);
        let chunks = chunk_text(&text, 200);
        assert!(chunks.len() > 1);
        assert_eq!(chunks.concat(), text);
        for chunk in &chunks[..chunks.len() - 1] {
            assert!(chunk.ends_with('\n'), "{chunk:?}");
        }
    }

    #[test]
    fn counts_the_double_escaping_and_multibyte_characters() {
        let text = "\"".repeat(100);
        let chunks = chunk_text(&text, 40);
        assert!(chunks.iter().all(|c| c.len() == 10));
        let text = "飞书".repeat(100);
        let chunks = chunk_text(&text, 30);
        assert_eq!(chunks.concat(), text);
        assert!(chunks.iter().all(|c| c.len() <= 30));
        // The escaped body of each piece really fits.
        for chunk in chunk_text(&"a\"b\\c\nd\u{1}".repeat(500), 300) {
            let content = serde_json::json!({ "text": chunk }).to_string();
            let body = serde_json::to_string(&content).unwrap();
            // The outer quotes and `{\"text\":\"\"}` around the text: 17 bytes.
            assert!(body.len() <= 300 + 17, "{}", body.len());
        }
    }
}
