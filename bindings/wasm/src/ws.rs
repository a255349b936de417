//! `WasmWs`: the long connection (`lark_fetch::ws`) for the npm package's `WSClient`, running
//! the handlers of an `EventDispatcher` (`WasmEvents`).

use std::cell::RefCell;

use lark_fetch::ws::{WsClient, WsClientError};
use wasm_bindgen::prelude::*;

use crate::client::promise;
use crate::error::{lark_error, set};
use crate::events::WasmEvents;

/// One long connection: `run` receives events until `stop` (or a fatal error).
#[wasm_bindgen]
pub struct WasmWs {
    client: RefCell<Option<WsClient>>,
    stop: RefCell<Option<futures_channel::oneshot::Sender<()>>>,
}

impl std::fmt::Debug for WasmWs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmWs").finish_non_exhaustive()
    }
}

/// Checks the options of `new WSClient(options)` when it is made (the connection reads them
/// again when it starts).
#[wasm_bindgen(js_name = checkClientOptions)]
pub fn check_client_options(options: JsValue) -> Result<(), JsValue> {
    crate::options::config(&options).map(drop)
}

#[wasm_bindgen]
impl WasmWs {
    /// A long connection for the app in `options` (`appId`, `appSecret`, `domain` or
    /// `baseUrl`, read as `new LarkClient(options)` reads them), delivering to `events`'
    /// handlers.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, events: &WasmEvents) -> Result<WasmWs, JsValue> {
        let (config, _) = crate::options::config(&options)?;
        Ok(WasmWs {
            client: RefCell::new(Some(WsClient::shared(config, events.shared()))),
            stop: RefCell::new(None),
        })
    }

    /// Runs until `stop()` (resolves) or a fatal error (rejects with a `LarkError` of kind
    /// `ws`: a wrong secret, an app without the long connection, reconnects used up, or no
    /// `WebSocket` on this platform).
    pub fn run(&self) -> js_sys::Promise {
        // Through the shared promise code (an `async fn` export would be a copy of it).
        let Some(client) = self.client.borrow_mut().take() else {
            return js_sys::Promise::reject(&lark_error(
                "build",
                "this WSClient was already started",
            ));
        };
        let (tx, rx) = futures_channel::oneshot::channel::<()>();
        *self.stop.borrow_mut() = Some(tx);
        promise(Box::pin(async move {
            let result = client
                .run_until(async {
                    let _ = rx.await;
                })
                .await;
            result.map(|()| JsValue::UNDEFINED).map_err(|error| {
                let js = lark_error("ws", &error.to_string());
                let fatal = matches!(error, WsClientError::Fatal(_));
                set(&js, "fatal", fatal);
                js
            })
        }))
    }

    /// Stops the connection: running handlers get up to 3 s to be acked.
    pub fn stop(&self) {
        if let Some(tx) = self.stop.borrow_mut().take() {
            let _ = tx.send(());
        }
    }
}
