//! Every page of a paginated endpoint, one JavaScript call per page, over lark-core's own
//! pagination ([`lark_core::Client::pages_with`]): the page token carried in the query or the
//! body, the cycle check, the max-pages limit and the `pagination` error all live there. How an
//! untyped page answer reads and where the token goes in a call described at run time are in
//! `call.rs`.

use std::pin::Pin;

use futures_util::stream::Stream;
use wasm_bindgen::prelude::*;

use crate::call::{DynEndpoint, DynOutput};
use crate::client::{WasmClient, anchored, request_options};
use crate::error::to_js;

#[wasm_bindgen]
impl WasmClient {
    /// The pages of a paginated endpoint: the arguments of [`WasmClient::call`] (`options` may
    /// also hold `maxPages`, over the default 10,000). Where the page token goes comes from the
    /// row's `pageTokenInBody` bit.
    pub fn pages(
        &self,
        spec: js_sys::Array,
        path_values: Vec<String>,
        query: Vec<String>,
        body: Option<String>,
        parts: JsValue,
        options: JsValue,
    ) -> Result<WasmPages, JsValue> {
        let endpoint = DynEndpoint::new(&spec, &path_values, &query, body, &parts)?;
        let options = request_options(&options)?;
        Ok(WasmPages {
            stream: Box::pin(self.client.pages_with(endpoint, options)),
        })
    }
}

/// The pages still to come of one [`WasmClient::pages`] walk.
#[wasm_bindgen]
pub struct WasmPages {
    stream: Pin<Box<dyn Stream<Item = lark_core::Result<DynOutput>>>>,
}

impl std::fmt::Debug for WasmPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmPages").finish_non_exhaustive()
    }
}

#[wasm_bindgen]
impl WasmPages {
    /// The next page's payload as JSON text, or `undefined` after the last page. A failed
    /// page rejects with its LarkError and ends the walk; so do a page token seen before and
    /// the max-pages limit (kind `pagination`), after the pages before them.
    pub async fn next(&mut self) -> Result<Option<String>, JsValue> {
        let mut stream = self.stream.as_mut();
        match anchored(std::future::poll_fn(|cx| stream.as_mut().poll_next(cx))).await {
            None => Ok(None),
            Some(Ok(DynOutput::Json(text, _))) => Ok(Some(text)),
            // A JSON endpoint's answer without payload or JSON content type.
            Some(Ok(DynOutput::Binary(_))) => Ok(Some("null".to_owned())),
            Some(Err(error)) => Err(to_js(error)),
        }
    }
}
