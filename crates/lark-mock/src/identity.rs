//! The identities every mock server starts with, in one place: [`MockServer`](crate::mock::MockServer)
//! exposes them as its associated constants (documented there), and the modules below it read
//! them from here.

pub(crate) const APP_ID: &str = "cli_a5d1c0ffee0b0a7d";
pub(crate) const APP_SECRET: &str = "mock-app-secret";
pub(crate) const LEGACY_APP_ID: &str = "cli_mock_app";
pub(crate) const TENANT_KEY: &str = "mock_tenant";
pub(crate) const CHAT_ID: &str = "oc_mock_chat";
pub(crate) const USER_OPEN_ID: &str = "ou_mock_user";
pub(crate) const BOT_OPEN_ID: &str = "ou_mock_bot";
pub(crate) const BOT_NAME: &str = "Mock Bot";
pub(crate) const HELPDESK_ID: &str = "mock-helpdesk";
pub(crate) const HELPDESK_TOKEN: &str = "mock-helpdesk-token";
