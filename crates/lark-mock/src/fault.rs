//! Scriptable faults: which requests go wrong, and how.

use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};

/// What goes wrong with a request.
///
/// Faults that answer ([`Fault::Http`], [`Fault::LarkError`], [`Fault::MalformedJson`],
/// [`Fault::EmptyBody`]) replace the handler: the mock's state does not change.
/// [`Fault::Delay`] waits, then lets the handler answer. The two drops close the TCP connection
/// without writing any HTTP response.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Fault {
    /// Answers with `status`, `content_type` and `body` as given (an HTML error page, plain text, …).
    Http {
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header.
        content_type: String,
        /// The body.
        body: Vec<u8>,
        /// Extra headers.
        headers: Vec<(String, String)>,
    },
    /// Answers with a Lark error envelope `{"code":code,"msg":msg,"data":{}}`.
    LarkError {
        /// The HTTP status.
        status: u16,
        /// Lark's code.
        code: i64,
        /// Lark's message.
        msg: String,
        /// Extra headers, such as `x-ogw-ratelimit-reset`.
        headers: Vec<(String, String)>,
    },
    /// Answers with a JSON content type and a body that is not valid JSON.
    MalformedJson {
        /// The HTTP status.
        status: u16,
    },
    /// Answers with a JSON content type and an empty body.
    EmptyBody {
        /// The HTTP status.
        status: u16,
    },
    /// Waits this long, then lets the handler answer as usual.
    Delay(Duration),
    /// Closes the connection without an answer; the handler does not run.
    DropBeforeHandler,
    /// Runs the handler (its state change stays), then closes the connection without an answer.
    DropAfterHandler,
}

impl Fault {
    /// An answer with `status`, `content_type` and `body`.
    pub fn http(status: u16, content_type: impl Into<String>, body: impl Into<Vec<u8>>) -> Self {
        Fault::Http {
            status,
            content_type: content_type.into(),
            body: body.into(),
            headers: Vec::new(),
        }
    }

    /// An HTML error page with `status`, as a gateway in front of the platform answers.
    pub fn html_error_page(status: u16) -> Self {
        let reason = http::StatusCode::from_u16(status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("Error");
        Fault::http(
            status,
            "text/html; charset=utf-8",
            format!(
                "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n\
                 <center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
            ),
        )
    }

    /// A Lark error envelope with `code` and `msg`, HTTP 400.
    pub fn lark_error(code: i64, msg: impl Into<String>) -> Self {
        Fault::LarkError {
            status: 400,
            code,
            msg: msg.into(),
            headers: Vec::new(),
        }
    }

    /// The platform's rate-limit answer: HTTP 429, code 99991400, and the
    /// `x-ogw-ratelimit-limit` / `x-ogw-ratelimit-reset` headers (`reset_secs` until the window resets).
    pub fn rate_limited(reset_secs: u64) -> Self {
        Fault::LarkError {
            status: 429,
            code: 99_991_400,
            msg: "request trigger frequency limit".to_owned(),
            headers: vec![
                ("x-ogw-ratelimit-limit".to_owned(), "50".to_owned()),
                ("x-ogw-ratelimit-reset".to_owned(), reset_secs.to_string()),
            ],
        }
    }

    /// Sets the HTTP status of an answering fault (no effect on delays and drops).
    #[must_use]
    pub fn status(mut self, new: u16) -> Self {
        match &mut self {
            Fault::Http { status, .. }
            | Fault::LarkError { status, .. }
            | Fault::MalformedJson { status }
            | Fault::EmptyBody { status } => *status = new,
            Fault::Delay(_) | Fault::DropBeforeHandler | Fault::DropAfterHandler => {}
        }
        self
    }

    /// Adds a header to an answering [`Fault::Http`] or [`Fault::LarkError`].
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        if let Fault::Http { headers, .. } | Fault::LarkError { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

/// Which requests a [`FaultRule`] hits, counted among the requests its path and method match
/// (the first matching request is number 1).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum When {
    /// Every matching request.
    Always,
    /// Only the Nth.
    Nth(u64),
    /// The Nth, the 2Nth, the 3Nth, …
    EveryNth(u64),
    /// The next K.
    Next(u64),
    /// Each with probability `p`, decided by a deterministic generator seeded with `seed`: the
    /// same seed hits the same request numbers on every run.
    Probability {
        /// Between 0 and 1.
        p: f64,
        /// The seed.
        seed: u64,
    },
}

impl When {
    fn fires(&self, n: u64) -> bool {
        match *self {
            When::Always => true,
            When::Nth(k) => n == k,
            When::EveryNth(k) => k != 0 && n % k == 0,
            When::Next(k) => n <= k,
            When::Probability { p, seed } => {
                // splitmix64 of (seed, n): uniform in [0, 1).
                let mut z = seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                #[allow(clippy::cast_precision_loss)]
                let unit = (z >> 11) as f64 / (1u64 << 53) as f64;
                unit < p
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PathMatch {
    Any,
    Exact(String),
    Prefix(String),
}

/// A fault and the requests it hits.
///
/// ```
/// use lark_mock::{Fault, FaultRule};
/// // The second GET of a message answers 502 with an HTML page.
/// let rule = FaultRule::new(Fault::html_error_page(502))
///     .path_prefix("/open-apis/im/v1/messages/")
///     .method(http::Method::GET)
///     .nth(2);
/// # let _ = rule;
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct FaultRule {
    path: PathMatch,
    method: Option<http::Method>,
    when: When,
    fault: Fault,
}

impl FaultRule {
    /// `fault` on every request; narrow it with the other methods.
    pub fn new(fault: Fault) -> Self {
        Self {
            path: PathMatch::Any,
            method: None,
            when: When::Always,
            fault,
        }
    }

    /// Only requests to exactly this path (without the query).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = PathMatch::Exact(path.into());
        self
    }

    /// Only requests whose path starts with `prefix`.
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path = PathMatch::Prefix(prefix.into());
        self
    }

    /// Only requests with this method.
    pub fn method(mut self, method: http::Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Which of the matching requests it hits.
    pub fn when(mut self, when: When) -> Self {
        self.when = when;
        self
    }

    /// Only the Nth matching request (1-based).
    pub fn nth(self, n: u64) -> Self {
        self.when(When::Nth(n))
    }

    /// Every Nth matching request.
    pub fn every_nth(self, n: u64) -> Self {
        self.when(When::EveryNth(n))
    }

    /// The next `k` matching requests.
    pub fn next(self, k: u64) -> Self {
        self.when(When::Next(k))
    }

    /// Only the next matching request.
    pub fn once(self) -> Self {
        self.next(1)
    }

    /// Each matching request with probability `p`, deterministically from `seed`.
    pub fn probability(self, p: f64, seed: u64) -> Self {
        self.when(When::Probability { p, seed })
    }

    /// A rule from the control API's JSON (`POST /_mock/faults`):
    ///
    /// ```json
    /// {"fault": {"kind": "lark_error", "code": 99991400, "msg": "…", "status": 429,
    ///            "headers": {"x-ogw-ratelimit-reset": "2"}},
    ///  "path": "/open-apis/im/v1/messages", "method": "POST", "times": 1}
    /// ```
    ///
    /// `fault.kind` is one of `lark_error` (`code`, `msg`, `status` 400), `rate_limited`
    /// (`reset_secs`), `http` (`status`, `content_type`, `body`), `html_error_page` (`status`),
    /// `malformed_json` / `empty_body` (`status` 200), `delay` (`ms`), `drop_before_handler`,
    /// `drop_after_handler`; `headers` adds headers to an answering fault. The request side:
    /// `path` or `path_prefix`, `method`, and at most one of `times` (the next N), `nth`,
    /// `every_nth` or `probability` with `seed`; none means every matching request.
    pub fn from_json(value: &serde_json::Value) -> Result<Self, String> {
        use serde_json::Value;
        let fault = value.get("fault").ok_or("`fault` is required")?;
        let int = |v: &Value, key: &str, default: Option<u64>| -> Result<u64, String> {
            match v.get(key) {
                None | Some(Value::Null) => default.ok_or_else(|| format!("`{key}` is required")),
                Some(n) => n
                    .as_u64()
                    .ok_or_else(|| format!("`{key}` must be a whole number")),
            }
        };
        let text = |key: &str| fault.get(key).and_then(Value::as_str).unwrap_or("");
        let status = |default: u64| -> Result<u16, String> {
            u16::try_from(int(fault, "status", Some(default))?)
                .ok()
                .filter(|s| (100..=599).contains(s))
                .ok_or_else(|| "`status` must be an HTTP status".to_owned())
        };
        let mut built = match fault.get("kind").and_then(Value::as_str) {
            Some("lark_error") => Fault::lark_error(
                fault
                    .get("code")
                    .and_then(Value::as_i64)
                    .ok_or("`code` is required")?,
                text("msg"),
            )
            .status(status(400)?),
            Some("rate_limited") => Fault::rate_limited(int(fault, "reset_secs", Some(1))?),
            Some("http") => Fault::http(
                status(500)?,
                match text("content_type") {
                    "" => "text/plain",
                    t => t,
                },
                text("body").as_bytes().to_vec(),
            ),
            Some("html_error_page") => Fault::html_error_page(status(502)?),
            Some("malformed_json") => Fault::MalformedJson {
                status: status(200)?,
            },
            Some("empty_body") => Fault::EmptyBody {
                status: status(200)?,
            },
            Some("delay") => Fault::Delay(std::time::Duration::from_millis(
                int(fault, "ms", None)?.min(120_000),
            )),
            Some("drop_before_handler") => Fault::DropBeforeHandler,
            Some("drop_after_handler") => Fault::DropAfterHandler,
            other => return Err(format!("unknown fault kind {other:?}")),
        };
        if let Some(headers) = fault.get("headers") {
            let headers = headers
                .as_object()
                .ok_or("`headers` must be an object of strings")?;
            for (name, v) in headers {
                let v = v.as_str().ok_or("`headers` must be an object of strings")?;
                built = built.header(name.clone(), v);
            }
        }
        let mut rule = FaultRule::new(built);
        match (
            value.get("path").and_then(Value::as_str),
            value.get("path_prefix").and_then(Value::as_str),
        ) {
            (Some(_), Some(_)) => return Err("give `path` or `path_prefix`, not both".into()),
            (Some(p), None) => rule = rule.path(p),
            (None, Some(p)) => rule = rule.path_prefix(p),
            (None, None) => {}
        }
        if let Some(m) = value.get("method").and_then(Value::as_str) {
            let m = http::Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                .map_err(|_| format!("`method` {m:?} is not an HTTP method"))?;
            rule = rule.method(m);
        }
        let given: Vec<&str> = ["times", "nth", "every_nth", "probability"]
            .into_iter()
            .filter(|k| value.get(*k).is_some_and(|v| !v.is_null()))
            .collect();
        if given.len() > 1 {
            return Err(format!("give one of {}", given.join(", ")));
        }
        rule = match given.first().copied() {
            None => rule,
            Some("times") => rule.next(int(value, "times", None)?),
            Some("nth") => rule.nth(int(value, "nth", None)?),
            Some("every_nth") => rule.every_nth(int(value, "every_nth", None)?),
            _ => {
                let p = value
                    .get("probability")
                    .and_then(Value::as_f64)
                    .filter(|p| (0.0..=1.0).contains(p))
                    .ok_or("`probability` must be between 0 and 1")?;
                rule.probability(p, int(value, "seed", Some(0))?)
            }
        };
        Ok(rule)
    }

    fn matches(&self, method: &http::Method, path: &str) -> bool {
        let path_ok = match &self.path {
            PathMatch::Any => true,
            PathMatch::Exact(p) => p == path,
            PathMatch::Prefix(p) => path.starts_with(p.as_str()),
        };
        path_ok && self.method.as_ref().is_none_or(|m| m == method)
    }
}

/// The id of an injected rule, for [`MockServer::remove_fault`](crate::mock::MockServer::remove_fault)
/// and [`MockServer::fault_hits`](crate::mock::MockServer::fault_hits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FaultId(pub(crate) u64);

impl FaultId {
    /// The number the control API answers for it (`POST /_mock/faults`).
    pub fn get(self) -> u64 {
        self.0
    }
}

#[derive(Debug)]
pub(crate) struct RuleState {
    pub(crate) id: FaultId,
    pub(crate) rule: FaultRule,
    pub(crate) seen: u64,
    pub(crate) hits: u64,
}

/// The rules, in the order they were injected.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    pub(crate) rules: Vec<RuleState>,
    pub(crate) next_id: u64,
}

impl Faults {
    pub(crate) fn add(&mut self, rule: FaultRule) -> FaultId {
        self.next_id += 1;
        let id = FaultId(self.next_id);
        self.rules.push(RuleState {
            id,
            rule,
            seen: 0,
            hits: 0,
        });
        id
    }

    pub(crate) fn remove(&mut self, id: FaultId) {
        self.rules.retain(|r| r.id != id);
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// Counts the request against every rule it matches; the first rule that fires wins.
    pub(crate) fn pick(&mut self, method: &http::Method, path: &str) -> Option<Fault> {
        let mut picked = None;
        for state in &mut self.rules {
            if !state.rule.matches(method, path) {
                continue;
            }
            state.seen += 1;
            if picked.is_none() && state.rule.when.fires(state.seen) {
                state.hits += 1;
                picked = Some(state.rule.fault.clone());
            }
        }
        picked
    }
}

/// The answer an answering fault gives in place of the handler's.
pub(crate) fn fault_answer(fault: Fault) -> Response {
    let json = "application/json; charset=utf-8";
    let (status, content_type, body, headers) = match fault {
        Fault::Http {
            status,
            content_type,
            body,
            headers,
        } => (status, content_type, body, headers),
        Fault::LarkError {
            status,
            code,
            msg,
            headers,
        } => {
            let body = serde_json::json!({"code": code, "msg": msg, "data": {}});
            (
                status,
                json.to_owned(),
                body.to_string().into_bytes(),
                headers,
            )
        }
        Fault::MalformedJson { status } => (
            status,
            json.to_owned(),
            br#"{"code":0,"msg":"success","data":{"items":[{"message_id":"om_"#.to_vec(),
            Vec::new(),
        ),
        Fault::EmptyBody { status } => (status, json.to_owned(), Vec::new(), Vec::new()),
        Fault::Delay(_) | Fault::DropBeforeHandler | Fault::DropAfterHandler => {
            (500, json.to_owned(), Vec::new(), Vec::new())
        }
    };
    let mut answer = Response::new(Body::from(body));
    *answer.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    if let Ok(value) = HeaderValue::try_from(content_type) {
        answer.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::try_from(name),
            HeaderValue::try_from(value),
        ) {
            answer.headers_mut().append(name, value);
        }
    }
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_counts() {
        let fired = |w: When| (1..=10).filter(|&n| w.fires(n)).collect::<Vec<_>>();
        assert_eq!(fired(When::Nth(3)), [3]);
        assert_eq!(fired(When::EveryNth(4)), [4, 8]);
        assert_eq!(fired(When::Next(2)), [1, 2]);
        assert_eq!(fired(When::EveryNth(0)), Vec::<u64>::new());
        let p = When::Probability { p: 0.5, seed: 7 };
        assert_eq!(fired(p), fired(p));
        let hits = (1..=10_000).filter(|&n| p.fires(n)).count();
        assert!((4_500..5_500).contains(&hits), "{hits}");
        assert!(!(1..=1000).any(|n| When::Probability { p: 0.0, seed: 1 }.fires(n)));
    }

    #[test]
    fn rules_read_from_json() {
        let rule = FaultRule::from_json(&serde_json::json!({
            "fault": {"kind": "lark_error", "code": 99991400, "msg": "slow down", "status": 429,
                      "headers": {"x-ogw-ratelimit-reset": "2"}},
            "path": "/open-apis/im/v1/messages", "method": "post", "times": 2
        }))
        .unwrap();
        assert_eq!(
            rule,
            FaultRule::new(
                Fault::lark_error(99_991_400, "slow down")
                    .status(429)
                    .header("x-ogw-ratelimit-reset", "2")
            )
            .path("/open-apis/im/v1/messages")
            .method(http::Method::POST)
            .next(2)
        );
        let delay = FaultRule::from_json(&serde_json::json!({"fault": {"kind": "delay", "ms": 50}, "path_prefix": "/open-apis/"})).unwrap();
        assert_eq!(
            delay,
            FaultRule::new(Fault::Delay(std::time::Duration::from_millis(50)))
                .path_prefix("/open-apis/")
        );
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"fault": {"kind": "nope"}}),
            serde_json::json!({"fault": {"kind": "lark_error"}}),
            serde_json::json!({"fault": {"kind": "http", "status": 99}}),
            serde_json::json!({"fault": {"kind": "drop_before_handler"}, "times": 1, "nth": 2}),
            serde_json::json!({"fault": {"kind": "drop_before_handler"}, "path": "/a", "path_prefix": "/b"}),
            serde_json::json!({"fault": {"kind": "drop_before_handler"}, "probability": 2.0}),
            serde_json::json!({"fault": {"kind": "delay"}}),
        ] {
            assert!(FaultRule::from_json(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn first_firing_rule_wins_and_all_count() {
        let mut faults = Faults::default();
        let a = faults.add(
            FaultRule::new(Fault::EmptyBody { status: 200 })
                .path("/x")
                .nth(2),
        );
        faults.add(FaultRule::new(Fault::DropBeforeHandler).path_prefix("/"));
        let get = http::Method::GET;
        assert_eq!(faults.pick(&get, "/x"), Some(Fault::DropBeforeHandler));
        assert_eq!(
            faults.pick(&get, "/x"),
            Some(Fault::EmptyBody { status: 200 })
        );
        assert_eq!(faults.pick(&get, "/y"), Some(Fault::DropBeforeHandler));
        assert_eq!(faults.rules[0].id, a);
        assert_eq!((faults.rules[0].seen, faults.rules[0].hits), (2, 1));
        assert_eq!((faults.rules[1].seen, faults.rules[1].hits), (3, 2));
    }
}
