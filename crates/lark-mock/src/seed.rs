//! What every server starts with, and putting a test's changes back ([`reset`]).

use serde_json::Value;

use crate::handlers;
use crate::mock::MockServer;
use crate::reply::lock;
use crate::state::{App, AppKind, MockUser, Shared};

/// The apps, the helpdesk, the user and the chat every server starts with.
pub(crate) fn seed(shared: &Shared) {
    let mut data = shared.data();
    for app_id in [MockServer::APP_ID, MockServer::LEGACY_APP_ID] {
        data.apps.insert(
            app_id.to_owned(),
            App {
                secret: MockServer::APP_SECRET.to_owned(),
                kind: AppKind::SelfBuilt,
                assertion_key: None,
                tickets: Vec::new(),
            },
        );
    }
    data.helpdesks.insert(
        MockServer::HELPDESK_ID.to_owned(),
        MockServer::HELPDESK_TOKEN.to_owned(),
    );
    data.users.push(MockUser::new("mock_user", "Mock User"));
    data.chats
        .insert(MockServer::CHAT_ID.to_owned(), first_chat());
}

/// The chat every server starts with, as it starts.
fn first_chat() -> Value {
    handlers::chat_json(
        MockServer::CHAT_ID,
        "Mock chat",
        "The chat every mock server starts with",
        MockServer::USER_OPEN_ID,
        "group",
        "private",
        MockServer::TENANT_KEY,
        2,
    )
}

/// What [`MockServer::reset`](crate::mock::MockServer::reset) puts back.
pub(crate) fn reset(shared: &Shared) {
    {
        let mut data = shared.data();
        data.messages.clear();
        data.message_index.clear();
        data.uuids.clear();
        data.chats.clear();
        data.chats
            .insert(MockServer::CHAT_ID.to_owned(), first_chat());
        data.cardkit = Default::default();
        data.sent.clear();
        data.uploads.clear();
        for bot in data.bots.values_mut() {
            bot.messages.clear();
        }
    }
    lock(&shared.faults).clear();
    lock(&shared.requests).clear();
    lock(&shared.path_counts).clear();
    lock(&shared.callbacks).clear();
    crate::ws::WsMock::new(std::sync::Arc::clone(&shared.ws)).reset();
}
