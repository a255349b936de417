//! `WasmCustomBot`: signed posts to a custom-bot webhook, through `lark-custom-bot`.

use lark_custom_bot::{CustomBot, Reply, Text, WebhookJson};
use lark_fetch::{FetchClient, FetchRuntime};
use wasm_bindgen::prelude::*;

use crate::error::{lark_error, set, to_js};

/// A custom bot: its webhook and, when its signature check is on, its secret.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmCustomBot {
    bot: CustomBot<FetchClient>,
}

fn reply(reply: Reply) -> JsValue {
    let out = js_sys::Object::new();
    set(&out, "msg", reply.msg.as_str());
    set(&out, "httpStatus", reply.http_status);
    set(
        &out,
        "logId",
        reply.log_id.map_or(JsValue::NULL, JsValue::from),
    );
    // `data` goes back as JSON text; the JavaScript side parses it.
    set(
        &out,
        "data",
        reply
            .data
            .map_or(JsValue::NULL, |d| JsValue::from(d.to_string())),
    );
    out.into()
}

fn json(text: &str, what: &str) -> Result<serde_json::Value, JsValue> {
    serde_json::from_slice(text.as_bytes())
        .map_err(|e| lark_error("build", &format!("the {what} is not valid JSON: {e}")))
}

#[wasm_bindgen]
impl WasmCustomBot {
    /// A bot posting to `webhook`, signing when `secret` is given, through `fetch` when given
    /// (a function of `fetch`'s shape: `lark_fetch::FetchClient::with_fetch`), else the global
    /// `fetch`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        webhook: String,
        secret: Option<String>,
        fetch: Option<js_sys::Function>,
    ) -> WasmCustomBot {
        let http = fetch.map_or_else(FetchClient::new, FetchClient::with_fetch);
        let mut bot = CustomBot::new(webhook, http, FetchRuntime);
        if let Some(secret) = secret.filter(|s| !s.is_empty()) {
            bot = bot.secret(secret);
        }
        WasmCustomBot { bot }
    }

    /// Posts text. `mentions` is `[openId, name, ...]`; `openId` `all` mentions everyone.
    #[wasm_bindgen(js_name = sendText)]
    pub fn send_text(&self, text: String, mentions: Vec<String>) -> js_sys::Promise {
        let mut message = Text::new(text);
        for pair in mentions.chunks_exact(2) {
            message = if pair[0] == "all" {
                message.at_all()
            } else {
                message.at(pair[0].as_str(), pair[1].as_str())
            };
        }
        // The text is written here and sent as JSON: a typed `Message` would link every
        // content type's serialiser (cards included) into the build.
        self.send(message.validate().map_err(to_js).map(|()| {
            WebhookJson::content("text", serde_json::json!({ "text": message.to_string() }))
        }))
    }

    /// Posts rich text: `post` is the JSON of `{ zh_cn: { title, content: [[...]] }, ... }`.
    #[wasm_bindgen(js_name = sendPost)]
    pub fn send_post(&self, post: String) -> js_sys::Promise {
        self.send(json(&post, "post").and_then(|post| {
            let post = match post {
                serde_json::Value::Object(map) if map.len() == 1 && map.contains_key("post") => {
                    serde_json::Value::Object(map)
                }
                post => serde_json::json!({ "post": post }),
            };
            if post["post"].as_object().is_none_or(|p| p.is_empty()) {
                return Err(lark_error(
                    "build",
                    "a post's JSON must be a non-empty object keyed by locale",
                ));
            }
            Ok(WebhookJson::content("post", post))
        }))
    }

    /// Posts an interactive card: `card` is the card's JSON.
    #[wasm_bindgen(js_name = sendCard)]
    pub fn send_card(&self, card: String) -> js_sys::Promise {
        self.send(json(&card, "card").map(WebhookJson::card))
    }

    /// Posts an uploaded image by its `image_key`.
    #[wasm_bindgen(js_name = sendImage)]
    pub fn send_image(&self, image_key: String) -> js_sys::Promise {
        self.send(Ok(WebhookJson::content(
            "image",
            serde_json::json!({ "image_key": image_key }),
        )))
    }

    /// Shares a group chat.
    #[wasm_bindgen(js_name = sendShareChat)]
    pub fn send_share_chat(&self, chat_id: String) -> js_sys::Promise {
        self.send(Ok(WebhookJson::content(
            "share_chat",
            serde_json::json!({ "share_chat_id": chat_id }),
        )))
    }
}

impl WasmCustomBot {
    /// Posts `message` (or rejects with its error): one future type for every `send*` export,
    /// so they share one copy of the promise code in the wasm (an `async fn` export is a copy
    /// for its own future type). The future holds a clone of the bot.
    fn send(&self, message: Result<WebhookJson, JsValue>) -> js_sys::Promise {
        let bot = self.bot.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            bot.send_payload(&message?).await.map(reply).map_err(to_js)
        })
    }
}

/// The webhook signature for `timestamp` (Unix seconds): base64 of HMAC-SHA256 keyed with
/// `"{timestamp}\n{secret}"` over an empty message.
#[wasm_bindgen(js_name = signWebhook)]
pub fn sign_webhook(timestamp: f64, secret: &str) -> Result<String, JsValue> {
    if !(timestamp.is_finite() && timestamp >= 0.0 && timestamp.fract() == 0.0) {
        return Err(lark_error(
            "build",
            "the timestamp must be a whole number of Unix seconds",
        ));
    }
    Ok(lark_custom_bot::sign(timestamp as u64, secret))
}
