//! The `observer` client option: lark-core's records of every attempt and call handed to a
//! JavaScript function as plain objects (camelCase, as the package's other objects). The
//! JavaScript layer (`npm/src/observe.js`) passes one function that feeds the user's observer
//! and node-sdk's `logger`; what it throws is dropped here, so a call never fails for it.

use lark_core::observe::{AttemptRecord, CallRecord, Observer};
use wasm_bindgen::{JsCast, JsValue};

use crate::error::set;

/// A JavaScript function as the client's observer, and its `wants` property when it has one:
/// `wants(isCall, ok, attempts, retried)` says whether a record would be heard at all, so the
/// records nobody hears (a successful call at the default `loggerLevel`) are never built.
pub(crate) struct JsObserver {
    emit: js_sys::Function,
    wants: Option<js_sys::Function>,
}

impl JsObserver {
    pub(crate) fn new(emit: js_sys::Function) -> Self {
        let wants = crate::error::get(&emit, "wants").and_then(|f| f.dyn_into().ok());
        Self { emit, wants }
    }

    /// Whether a record of these facts would be heard (yes when the function cannot tell).
    fn wants(&self, call: bool, ok: bool, count: u32, retried: bool) -> bool {
        let Some(wants) = &self.wants else {
            return true;
        };
        // A throwing `wants` counts as a yes, and the record goes to `emit`.
        wants
            .unchecked_ref::<Wants>()
            .ask(&JsValue::UNDEFINED, call, ok, count, retried)
            .map_or(true, |v| v.as_bool() != Some(false))
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `wants(isCall, ok, attempts, retried)`, called with its arguments as they are (no array).
    type Wants;
    #[wasm_bindgen(method, js_name = call, catch)]
    fn ask(
        this: &Wants,
        this_arg: &JsValue,
        call: bool,
        ok: bool,
        count: u32,
        retried: bool,
    ) -> Result<JsValue, JsValue>;
}

/// `value`, or `null` when there is none.
fn or_null<T: Into<JsValue>>(value: Option<T>) -> JsValue {
    value.map_or(JsValue::NULL, Into::into)
}

impl JsObserver {
    /// The fields both records share, on a new object of `kind`.
    #[allow(clippy::too_many_arguments)]
    fn record(
        kind: &str,
        service: &str,
        endpoint: &str,
        method: &str,
        path: &str,
        ok: bool,
        status: Option<u16>,
        code: Option<i64>,
        log_id: Option<&str>,
        error: Option<&str>,
        elapsed_ms: u64,
    ) -> JsValue {
        let record: JsValue = js_sys::Object::new().into();
        set(&record, "kind", kind);
        set(&record, "service", service);
        set(&record, "endpoint", endpoint);
        set(&record, "method", method);
        set(&record, "path", path);
        set(&record, "ok", ok);
        set(&record, "status", or_null(status));
        // Lark's codes fit in f64's exact range.
        set(&record, "code", or_null(code.map(|c| c as f64)));
        set(&record, "logId", or_null(log_id));
        set(&record, "error", or_null(error));
        set(&record, "elapsedMs", elapsed_ms as f64);
        record
    }

    fn tell(&self, record: &JsValue) {
        // A throwing observer must not break the call: its exception is dropped.
        let _ = self.emit.call1(&JsValue::UNDEFINED, record);
    }
}

impl Observer for JsObserver {
    fn on_attempt(&self, a: &AttemptRecord<'_>) {
        if !self.wants(false, a.ok, a.attempt, a.retried) {
            return;
        }
        let record = Self::record(
            "attempt",
            a.service,
            a.endpoint,
            a.method,
            a.path,
            a.ok,
            a.status,
            a.code,
            a.log_id,
            a.error,
            a.elapsed_ms,
        );
        set(&record, "attempt", a.attempt);
        set(&record, "retried", a.retried);
        set(&record, "reason", or_null(a.reason));
        set(&record, "delayMs", a.delay_ms as f64);
        self.tell(&record);
    }

    fn on_call(&self, c: &CallRecord<'_>) {
        if !self.wants(true, c.ok, c.attempts, false) {
            return;
        }
        let record = Self::record(
            "call",
            c.service,
            c.endpoint,
            c.method,
            c.path,
            c.ok,
            c.status,
            c.code,
            c.log_id,
            c.error,
            c.elapsed_ms,
        );
        set(&record, "attempts", c.attempts);
        self.tell(&record);
    }
}

thread_local! {
    /// The path templates of the catalog rows called so far, kept for the life of the module:
    /// lark-core's records name a call by `'static` strings. Bounded by the catalog (raw
    /// requests, whose paths carry ids, are never kept).
    static TEMPLATES: std::cell::RefCell<Vec<&'static str>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The `'static` copy of a catalog row's path `template`.
pub(crate) fn template(template: &str) -> &'static str {
    TEMPLATES.with(|kept| {
        let mut kept = kept.borrow_mut();
        if let Some(known) = kept.iter().find(|known| **known == template) {
            return *known;
        }
        let known: &'static str = Box::leak(template.to_owned().into_boxed_str());
        kept.push(known);
        known
    })
}
