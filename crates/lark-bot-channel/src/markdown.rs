//! Markdown as the platform renders it: a card whose one element is `markdown` (card JSON 2.0
//! renders headings, tables, lists, code blocks, quotes, links), or a rich-text `post` with an
//! `md` paragraph (no headings and no tables there: headings become bold lines). Either way an
//! image given by URL becomes a link (both take uploaded image keys only), and a long text is
//! cut into messages within the platform's 30 KB body of a card or post, a code block cut in
//! two closed at the end of one piece and opened again at the start of the next.

use lark_message::MessageContent;
use lark_message::card::{Card, Markdown};
use lark_message::content::{Post, PostContent, PostElement};

use crate::chunk::chunk_text;

/// The largest request body of a `post` or `interactive` message: 30 KB (the
/// `im.v1.message.create` reference: "卡片及富文本消息请求体最大不能超过30KB").
pub const RICH_BODY_LIMIT: usize = 30 * 1024;

/// Room kept in [`RICH_BODY_LIMIT`] for the rest of the body (the card or post JSON around the
/// markdown, `msg_type`, `uuid`) and for a code fence closed and reopened across pieces.
const RICH_OVERHEAD: usize = 1024;

/// The default budget of one markdown message, in bytes of the request body its text takes.
pub const DEFAULT_MARKDOWN_BYTES: usize = RICH_BODY_LIMIT - RICH_OVERHEAD;

/// An opening fence line longer than this is reopened as a bare fence in the next piece.
const FENCE_LINE_MAX: usize = 64;

/// How [`Context::reply_markdown`](crate::Context::reply_markdown) renders markdown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum MarkdownAs {
    /// A card with one `markdown` element: the richest rendering (headings, tables).
    #[default]
    Card,
    /// A `post` with one `md` paragraph: forwarded and quoted like any rich text, no headings or
    /// tables.
    Post,
}

/// The messages that show `markdown` as `render` says, each within `budget` bytes of request
/// body (at most [`DEFAULT_MARKDOWN_BYTES`]); none for an empty text.
pub fn markdown_messages(markdown: &str, render: MarkdownAs, budget: usize) -> Vec<MessageContent> {
    let budget = budget.min(DEFAULT_MARKDOWN_BYTES);
    let text = match render {
        MarkdownAs::Card => rewrite(markdown, false),
        MarkdownAs::Post => rewrite(markdown, true),
    };
    if text.trim().is_empty() {
        return Vec::new();
    }
    chunk_markdown(&text, budget)
        .into_iter()
        .map(|piece| match render {
            MarkdownAs::Post => MessageContent::from(
                Post::new().zh_cn(PostContent::new("").line([PostElement::md(piece)])),
            ),
            _ => MessageContent::from(Card::new().element(Markdown::new(piece))),
        })
        .collect()
}

/// A fenced code block's opening: its marker (`` ` `` or `~`), how many, and the line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fence {
    marker: char,
    count: usize,
    line: String,
}

impl Fence {
    /// The fence `line` opens, if it opens one (up to three spaces, then three or more of one
    /// marker).
    fn opening(line: &str) -> Option<Fence> {
        let trimmed = line.trim_start_matches(' ');
        if line.len() - trimmed.len() > 3 {
            return None;
        }
        let marker = trimmed.chars().next().filter(|c| *c == '`' || *c == '~')?;
        let count = trimmed.chars().take_while(|c| *c == marker).count();
        // A backtick fence's info string has no backtick.
        let info = &trimmed[count..];
        (count >= 3 && !(marker == '`' && info.contains('`'))).then(|| Fence {
            marker,
            count,
            line: line.trim_end_matches(['\r', '\n']).to_owned(),
        })
    }

    /// Whether `line` closes this fence.
    fn closed_by(&self, line: &str) -> bool {
        let trimmed = line.trim_start_matches(' ');
        let run = trimmed.chars().take_while(|c| *c == self.marker).count();
        line.len() - trimmed.len() <= 3
            && run >= self.count
            && trimmed[run * self.marker.len_utf8()..].trim().is_empty()
    }

    /// The line that reopens it in the next piece.
    fn reopening(&self) -> String {
        if self.line.len() <= FENCE_LINE_MAX {
            self.line.clone()
        } else {
            self.marker.to_string().repeat(self.count)
        }
    }

    fn closing(&self) -> String {
        self.marker.to_string().repeat(self.count)
    }
}

/// For each line of `text`: where it ends (after its line break) and the fence open after it.
fn fence_states(text: &str) -> Vec<(usize, Option<Fence>)> {
    let mut states = Vec::new();
    let mut open: Option<Fence> = None;
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        end += line.len();
        open = match open {
            Some(fence) if fence.closed_by(line.trim_end_matches(['\r', '\n'])) => None,
            Some(fence) => Some(fence),
            None => Fence::opening(line),
        };
        states.push((end, open.clone()));
    }
    states
}

/// Cuts `markdown` into pieces within `budget` bytes of request body each (as
/// [`chunk_text`] counts them, at line breaks where it can); a piece that ends inside a code
/// block closes it and the next opens it again, so each renders on its own.
pub fn chunk_markdown(markdown: &str, budget: usize) -> Vec<String> {
    let room = FENCE_LINE_MAX + 16;
    let pieces = chunk_text(markdown, budget.saturating_sub(room).max(room));
    let states = fence_states(markdown);
    let mut out = Vec::with_capacity(pieces.len());
    let mut offset = 0;
    let mut line = 0;
    let mut carried: Option<Fence> = None;
    for piece in pieces {
        offset += piece.len();
        // The fence open after the last whole line of this piece.
        while line < states.len() && states[line].0 <= offset {
            line += 1;
        }
        let open = line.checked_sub(1).and_then(|l| states[l].1.clone());
        let mut text = String::with_capacity(piece.len() + room);
        if let Some(fence) = &carried {
            text.push_str(&fence.reopening());
            text.push('\n');
        }
        text.push_str(&piece);
        if let Some(fence) = &open {
            if offset < markdown.len() {
                if !text.ends_with('\n') {
                    text.push('\n');
                }
                text.push_str(&fence.closing());
            }
        }
        carried = open.filter(|_| offset < markdown.len());
        out.push(text);
    }
    out
}

/// Rewrites `markdown` for the platform, code blocks left alone: images by URL become links;
/// for a post, headings become bold lines.
fn rewrite(markdown: &str, for_post: bool) -> String {
    let mut out = String::with_capacity(markdown.len());
    let mut open: Option<Fence> = None;
    for line in markdown.split_inclusive('\n') {
        let bare = line.trim_end_matches(['\r', '\n']);
        let ending = &line[bare.len()..];
        match &open {
            Some(fence) => {
                if fence.closed_by(bare) {
                    open = None;
                }
                out.push_str(line);
                continue;
            }
            None => {
                if let Some(fence) = Fence::opening(bare) {
                    open = Some(fence);
                    out.push_str(line);
                    continue;
                }
            }
        }
        let bare = if for_post {
            heading_as_bold(bare)
        } else {
            bare.to_owned()
        };
        out.push_str(&images_as_links(&bare));
        out.push_str(ending);
    }
    out
}

/// `## Title ##` → `**Title**`; other lines as they are.
fn heading_as_bold(line: &str) -> String {
    let trimmed = line.trim_start_matches(' ');
    let level = trimmed.chars().take_while(|c| *c == '#').count();
    let rest = &trimmed[level..];
    if line.len() - trimmed.len() > 3
        || !(1..=6).contains(&level)
        || !(rest.is_empty() || rest.starts_with([' ', '\t']))
    {
        return line.to_owned();
    }
    let title = rest.trim().trim_end_matches('#').trim_end();
    if title.is_empty() {
        String::new()
    } else {
        format!("**{title}**")
    }
}

/// `![alt](https://…)` → `[alt](https://…)` outside inline code; images by key stay.
fn images_as_links(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut in_code = false;
    while let Some(i) = rest.find(['`', '!']) {
        let (before, at) = rest.split_at(i);
        out.push_str(before);
        if let Some(after) = at.strip_prefix('`') {
            in_code = !in_code;
            out.push('`');
            rest = after;
            continue;
        }
        if !in_code {
            if let Some((alt, url, len)) = image_by_url(at) {
                let text = if alt.is_empty() { url } else { alt };
                out.push('[');
                out.push_str(text);
                out.push_str("](");
                out.push_str(url);
                out.push(')');
                rest = &at[len..];
                continue;
            }
        }
        out.push('!');
        rest = at.get(1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// At `![alt](url)` with an http(s) URL: the alt text, the URL and the length taken.
fn image_by_url(at: &str) -> Option<(&str, &str, usize)> {
    let inner = at.strip_prefix("![")?;
    let close = inner.find("](")?;
    let alt = &inner[..close];
    let target = &inner[close + 2..];
    let end = target.find(')')?;
    let url = target[..end].trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    if alt.contains(['[', ']']) || !(lower.starts_with("http://") || lower.starts_with("https://"))
    {
        return None;
    }
    Some((alt, url, 2 + close + 2 + end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_is_one_card_or_post() {
        let cards = markdown_messages("# Hi\n\n| a | b |\n|---|---|\n", MarkdownAs::Card, 30_000);
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0].msg_type(), "interactive");
        let card: serde_json::Value = serde_json::from_str(&cards[0].content().unwrap()).unwrap();
        assert_eq!(card["schema"], "2.0");
        assert_eq!(card["body"]["elements"][0]["tag"], "markdown");
        assert_eq!(
            card["body"]["elements"][0]["content"],
            "# Hi\n\n| a | b |\n|---|---|\n"
        );

        let posts = markdown_messages("# Hi\n**bold**", MarkdownAs::Post, 30_000);
        assert_eq!(posts[0].msg_type(), "post");
        let post: serde_json::Value = serde_json::from_str(&posts[0].content().unwrap()).unwrap();
        assert_eq!(post["zh_cn"]["content"][0][0]["tag"], "md");
        assert_eq!(post["zh_cn"]["content"][0][0]["text"], "**Hi**\n**bold**");
        assert!(markdown_messages(" \n", MarkdownAs::Card, 30_000).is_empty());
    }

    #[test]
    fn headings_become_bold_in_posts_outside_code() {
        let text = "# One\n### Two ###\n#hashtag\n```\n# comment\n```\n    # indented code\n#";
        assert_eq!(
            rewrite(text, true),
            "**One**\n**Two**\n#hashtag\n```\n# comment\n```\n    # indented code\n"
        );
        assert_eq!(rewrite(text, false), text);
    }

    #[test]
    fn images_by_url_become_links() {
        assert_eq!(
            images_as_links("see ![chart](https://x.test/c.png) and ![](http://x.test/d)"),
            "see [chart](https://x.test/c.png) and [http://x.test/d](http://x.test/d)"
        );
        // Uploaded images, inline code and plain exclamation marks stay.
        for line in [
            "![a](img_v3_abc)",
            "`![a](https://x.test)`",
            "wow! ![x",
            "!",
        ] {
            assert_eq!(images_as_links(line), line);
        }
        let fenced = "```\n![a](https://x.test/a.png)\n```\n";
        assert_eq!(rewrite(fenced, false), fenced);
    }

    #[test]
    fn a_code_block_cut_in_two_is_closed_and_reopened() {
        let code: String = (0..400).map(|i| format!("let x{i} = {i};\n")).collect();
        let text = format!("Intro\n\n```rust\n{code}```\nAfter\n");
        let pieces = chunk_markdown(&text, 2_000);
        assert!(pieces.len() > 2, "{}", pieces.len());
        for (n, piece) in pieces.iter().enumerate() {
            // Every piece's fences pair up.
            let fences = piece
                .lines()
                .filter(|l| l.trim_start().starts_with("```"))
                .count();
            assert_eq!(fences % 2, 0, "piece {n}: {piece}");
            if n > 0 {
                assert!(piece.starts_with("```rust\n"), "piece {n}");
            }
            // Within the budget as a request body: escaped twice.
            let body =
                serde_json::to_string(&serde_json::json!({ "text": piece }).to_string()).unwrap();
            assert!(body.len() <= 2_000 + 32, "{}", body.len());
        }
        // Without the fences added, the pieces are the text.
        let mut joined = String::new();
        for (n, piece) in pieces.iter().enumerate() {
            let mut piece = piece.as_str();
            if n > 0 {
                piece = piece.strip_prefix("```rust\n").unwrap_or(piece);
            }
            if n + 1 < pieces.len() {
                piece = piece.strip_suffix("```").unwrap_or(piece);
            }
            joined.push_str(piece);
        }
        assert_eq!(joined, text);
    }

    #[test]
    fn fences_need_three_markers_and_close_with_as_many() {
        assert!(Fence::opening("``").is_none());
        assert!(Fence::opening("``` a`b").is_none());
        let fence = Fence::opening("~~~~ text").unwrap();
        assert!(!fence.closed_by("~~~"));
        assert!(fence.closed_by("~~~~~  "));
        assert!(!fence.closed_by("```` "));
    }
}
