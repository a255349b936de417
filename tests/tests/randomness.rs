//! Idempotency keys come from the platform's randomness, never from the clock: two clients
//! standing for two Worker isolates, on one frozen clock, never send the same key.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use lark_api::im::v1::message;
use lark_core::{Client, Config, HttpError, ManualClock};

type Request = http::Request<Vec<u8>>;
type Response = http::Response<Vec<u8>>;

const KEYS_PER_CLIENT: usize = 10_000;

/// A backend that answers at once and keeps the `uuid` of every message it is sent.
fn recording(
    keys: Arc<Mutex<Vec<String>>>,
) -> impl Fn(Request) -> std::future::Ready<Result<Response, HttpError>> {
    move |request: Request| {
        let answer = if request.uri().path().contains("/auth/") {
            r#"{"code":0,"tenant_access_token":"t-1","expire":7200}"#
        } else {
            let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
            keys.lock()
                .unwrap()
                .push(body["uuid"].as_str().unwrap().to_owned());
            r#"{"code":0,"data":{"message_id":"om_1"}}"#
        };
        std::future::ready(Ok(http::Response::new(answer.as_bytes().to_vec())))
    }
}

#[tokio::test]
async fn two_clients_on_one_frozen_clock_never_share_a_key() {
    let keys = Arc::new(Mutex::new(Vec::new()));
    let frozen = ManualClock::new(1_700_000_000_000);
    let clients: Vec<_> = (0..2)
        .map(|_| {
            // Each client has its own runtime, as each isolate does; only the time is shared.
            let runtime = frozen.clone().with_random(lark_reqwest::SystemRuntime);
            Client::new(
                Config::new("cli_x", "s"),
                recording(Arc::clone(&keys)),
                runtime,
            )
        })
        .collect();
    let message = message::Create::new("chat_id", "oc_1", "text", r#"{"text":"hi"}"#);
    for client in &clients {
        for _ in 0..KEYS_PER_CLIENT {
            client.send(&message).await.unwrap();
        }
    }
    let keys = keys.lock().unwrap();
    assert_eq!(keys.len(), 2 * KEYS_PER_CLIENT);
    let distinct: HashSet<&String> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len(), "a key was sent twice");
    assert!(
        keys.iter()
            .all(|k| k.len() == 36 && k.as_bytes()[14] == b'4')
    );
}

#[test]
fn the_system_runtime_fills_from_the_os() {
    use lark_core::Runtime as _;
    let mut a = [0u8; 32];
    let mut b = [0u8; 32];
    lark_reqwest::SystemRuntime.fill_random(&mut a).unwrap();
    lark_reqwest::SystemRuntime.fill_random(&mut b).unwrap();
    assert_ne!(a, b);
    assert_ne!(a, [0; 32]);
}
