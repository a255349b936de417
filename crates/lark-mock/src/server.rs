//! The HTTP side: the accept loop, one hyper connection per socket, and the dispatch that records
//! requests, applies faults and adds the headers every answer carries.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderValue, Method, Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use crate::fault::{Fault, fault_answer};
use crate::reply::{LarkError, lock};
use crate::state::{RecordedRequest, Shared};
use crate::{auth, bot, codes, handlers};

/// The largest request body the mock reads.
const BODY_LIMIT: usize = 64 * 1024 * 1024;

const ALLOW_HEADERS: &str = "Authorization, Content-Type, X-Lark-Helpdesk-Authorization, \
    X-Lark-Request-Timestamp, X-Lark-Request-Nonce, X-Lark-Signature, X-Request-Id";
const EXPOSE_HEADERS: &str =
    "X-Tt-Logid, x-ogw-ratelimit-limit, x-ogw-ratelimit-reset, Content-Disposition, Content-Range";

/// Every route of the mock. Requests no route takes go to the spec-driven handler
/// ([`crate::spec::handle`]), which answers unknown paths with a Lark envelope and HTTP 404.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    crate::accounts::routes(crate::control::routes(crate::files::routes(
        crate::uploads::routes(crate::spec::literal_routes(Router::new())),
    )))
    .route(
        "/open-apis/auth/v3/tenant_access_token/internal",
        post(auth::tenant_token_internal),
    )
    .route(
        "/open-apis/auth/v3/app_access_token/internal",
        post(auth::app_token_internal),
    )
    .route(
        "/open-apis/auth/v3/app_ticket/resend",
        post(auth::resend_app_ticket),
    )
    .route(
        "/open-apis/auth/v3/app_access_token",
        post(auth::app_token_marketplace),
    )
    .route(
        "/open-apis/auth/v3/tenant_access_token",
        post(auth::tenant_token_marketplace),
    )
    .route(
        "/open-apis/im/v1/messages",
        post(handlers::send_message).get(handlers::list_messages),
    )
    .route(
        "/open-apis/im/v1/messages/{message_id}",
        get(handlers::get_message),
    )
    .route(
        "/open-apis/im/v1/messages/{message_id}/reply",
        post(crate::sent::reply_message),
    )
    .route("/open-apis/im/v1/chats", post(handlers::create_chat))
    .route("/open-apis/im/v1/chats/{chat_id}", get(handlers::get_chat))
    .route(
        "/open-apis/contact/v3/users/{user_id}",
        get(handlers::get_user),
    )
    .route("/open-apis/authen/v1/user_info", get(handlers::user_info))
    .route(
        "/open-apis/helpdesk/v1/start_service",
        post(handlers::start_helpdesk_service),
    )
    .route("/open-apis/bot/v2/hook/{token}", post(bot::hook))
    .route("/open-apis/bot/v3/info", get(handlers::bot_info))
    .route("/open-apis/cardkit/v1/cards", post(crate::cardkit::create))
    .route(
        "/open-apis/cardkit/v1/cards/{card_id}",
        axum::routing::put(crate::cardkit::update),
    )
    .route(
        "/open-apis/cardkit/v1/cards/{card_id}/settings",
        axum::routing::patch(crate::cardkit::settings),
    )
    .route(
        "/open-apis/cardkit/v1/cards/{card_id}/elements/{element_id}/content",
        axum::routing::put(crate::cardkit::content),
    )
    .route(lark_core::ws::ENDPOINT_PATH, post(ws_endpoint))
    .route(crate::ws::WS_PATH, get(ws_socket))
    .fallback(crate::spec::handle)
    .method_not_allowed_fallback(crate::spec::handle)
    .with_state(shared)
}

/// Accepts connections until `shutdown` changes or its sender is dropped, then closes every
/// connection and the listener.
pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<()>,
) {
    let router = router(Arc::clone(&shared));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else {
                    // Out of file descriptors and the like: try again shortly.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                connections.spawn(serve_connection(stream, Arc::clone(&shared), router.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// Serves one connection until the client closes it or a fault drops it.
async fn serve_connection(stream: tokio::net::TcpStream, shared: Arc<Shared>, router: Router) {
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = Arc::clone(&kill);
        hyper::service::service_fn(move |request| {
            let shared = Arc::clone(&shared);
            let router = router.clone();
            let kill = Arc::clone(&kill);
            async move {
                Ok::<_, Infallible>(dispatch(shared, router, kill, request.map(Body::new)).await)
            }
        })
    };
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::select! {
        _ = connection => {}
        // Dropping the connection future closes the socket with no answer written.
        () = kill.notified() => {}
    }
}

async fn dispatch(
    shared: Arc<Shared>,
    router: Router,
    kill: Arc<Notify>,
    request: Request<Body>,
) -> Response {
    let log_id = shared.new_log_id();
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, BODY_LIMIT).await {
        Ok(body) => body,
        Err(e) => {
            let answer = LarkError::bad(
                codes::FIELD_VALIDATION_FAILED,
                format!("the request body cannot be read: {e}"),
            );
            return finish(answer.into_response(), &log_id, None);
        }
    };
    let path = parts.uri.path().to_owned();
    // The control API is the test's own channel: not recorded, never faulted.
    let control =
        path == crate::control::PREFIX || path.starts_with(&format!("{}/", crate::control::PREFIX));
    if !control {
        *lock(&shared.path_counts).entry(path.clone()).or_default() += 1;
    }
    if shared.record && !control {
        lock(&shared.requests).push(RecordedRequest {
            method: parts.method.clone(),
            path: path.clone(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers.clone(),
            body: body.to_vec(),
        });
    }
    if parts.method == Method::OPTIONS {
        let requested = parts
            .headers
            .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
            .cloned();
        let answer = StatusCode::NO_CONTENT.into_response();
        return finish(answer, &log_id, Some(requested));
    }
    let fault = if control {
        None
    } else {
        lock(&shared.faults).pick(&parts.method, &path)
    };
    let mut drop_after = false;
    match fault {
        None => {}
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::DropBeforeHandler) => return hang_up(&kill).await,
        Some(Fault::DropAfterHandler) => drop_after = true,
        Some(answering) => return finish(fault_answer(answering), &log_id, None),
    }
    let request = Request::from_parts(parts, Body::from(body));
    let answer = match router.oneshot(request).await {
        Ok(answer) => answer,
        Err(never) => match never {},
    };
    if drop_after {
        // The handler ran (its state change stays); the answer is never written.
        return hang_up(&kill).await;
    }
    finish(answer, &log_id, None)
}

/// Closes the connection: the serving task drops it as soon as it sees the notification.
async fn hang_up(kill: &Notify) -> Response {
    kill.notify_one();
    std::future::pending().await
}

/// Adds `X-Tt-Logid`, the CORS headers, and a JSON content type when the answer has none.
/// `preflight` carries the `Access-Control-Request-Headers` of an OPTIONS request.
fn finish(mut answer: Response, log_id: &str, preflight: Option<Option<HeaderValue>>) -> Response {
    let is_preflight = preflight.is_some();
    let headers = answer.headers_mut();
    if let Ok(value) = HeaderValue::try_from(log_id) {
        headers.insert("x-tt-logid", value);
    }
    if !headers.contains_key(header::CONTENT_TYPE) {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE, OPTIONS"),
    );
    let allow = match preflight {
        Some(Some(requested)) => requested,
        _ => HeaderValue::from_static(ALLOW_HEADERS),
    };
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, allow);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    if is_preflight {
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("86400"),
        );
    }
    answer
}

/// The long connection's endpoint, with the apps and ids of this server.
async fn ws_endpoint(
    State(shared): State<Arc<Shared>>,
    headers: http::HeaderMap,
    body: Bytes,
) -> Response {
    let audience = crate::accounts::host(&headers).to_owned();
    crate::ws::endpoint(
        &shared.ws,
        &body,
        |app_id, secret, assertion| {
            let expected = shared.data().apps.get(app_id).map(|app| app.secret.clone());
            let Some(expected) = expected else {
                return Err((crate::ws::codes::APP_NOT_FOUND, "app not found"));
            };
            if !assertion.is_empty() {
                let mut accounts = crate::reply::lock(&shared.accounts);
                return crate::accounts::verify_assertion(
                    &shared,
                    &mut accounts,
                    app_id,
                    assertion,
                    &audience,
                )
                .map_err(|why| (crate::ws::codes::APP_SECRET_INVALID, why));
            }
            // A keyless app has no secret: an empty one proves nothing.
            if expected.is_empty() || expected != secret {
                return Err((crate::ws::codes::APP_SECRET_INVALID, "app secret invalid"));
            }
            Ok(())
        },
        |prefix| shared.new_id(prefix),
    )
}

/// The long connection's WebSocket.
async fn ws_socket(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    crate::ws::socket(Arc::clone(&shared.ws), &query, upgrade)
}
