//! lark-fetch and lark-core in Node (wasm-bindgen-test's default runner), against lark-mock.
#![cfg(target_arch = "wasm32")]

mod common;

use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
async fn tenant_token() {
    common::tenant_token().await;
}

#[wasm_bindgen_test]
async fn send_and_read_back() {
    common::send_and_read_back("node").await;
}

#[wasm_bindgen_test]
async fn api_error() {
    common::api_error().await;
}

#[wasm_bindgen_test]
async fn decode_error() {
    common::decode_error().await;
}

#[wasm_bindgen_test]
async fn transport_error() {
    common::transport_error().await;
}

#[wasm_bindgen_test]
async fn clock_and_timer() {
    common::clock_and_timer().await;
}

#[wasm_bindgen_test]
async fn timeout() {
    common::timeout().await;
}

#[wasm_bindgen_test]
async fn idempotency_keys_are_random() {
    common::idempotency_keys_are_random().await;
}

#[wasm_bindgen_test]
async fn a_get_with_a_body_is_refused_before_fetch() {
    common::a_get_with_a_body_is_refused_before_fetch().await;
}

#[cfg(feature = "ws")]
#[wasm_bindgen_test]
async fn long_connection() {
    common::long_connection().await;
}
