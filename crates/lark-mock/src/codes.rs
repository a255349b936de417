//! The Lark codes the mock answers with.

/// No `Authorization` header.
pub const MISSING_ACCESS_TOKEN: i64 = 99_991_661;
/// The tenant access token is unknown, expired or revoked.
pub const INVALID_TENANT_TOKEN: i64 = 99_991_663;
/// The app access token is unknown or expired, or not accepted here.
pub const INVALID_APP_TOKEN: i64 = 99_991_664;
/// The user access token is unknown or revoked, or not accepted here.
pub const INVALID_USER_TOKEN: i64 = 99_991_668;
/// The user access token has expired (its lifetime is
/// [`OAuthSettings::access_token_ttl`](crate::accounts::OAuthSettings::access_token_ttl)).
pub const EXPIRED_USER_TOKEN: i64 = 99_991_677;
/// The `Authorization` header is not `Bearer t-…`, `u-…` or `a-…`.
pub const MALFORMED_ACCESS_TOKEN: i64 = 99_991_671;
/// The rate limit was hit (see [`Fault::rate_limited`](crate::Fault::rate_limited)).
pub const RATE_LIMITED: i64 = 99_991_400;
/// A required field is missing or malformed.
pub const FIELD_VALIDATION_FAILED: i64 = 99_992_402;
/// A token request lacks a field or names an unknown app.
pub const TOKEN_PARAM_INVALID: i64 = 10_003;
/// The app ticket is unknown.
pub const APP_TICKET_INVALID: i64 = 10_012;
/// The app secret does not match.
pub const APP_SECRET_INVALID: i64 = 10_014;
/// An invalid parameter of an IM call (unknown message id, bad content, …).
pub const INVALID_PARAM: i64 = 230_001;
/// A message body longer than its type allows (text 150 KB, post and card 30 KB).
pub const CONTENT_TOO_LONG: i64 = 230_025;
/// An image or file upload with a missing or malformed parameter.
pub const UPLOAD_INVALID_PARAM: i64 = 234_001;
/// An image larger than 10 MB, or a file larger than 30 MB (or an empty one).
pub const UPLOAD_SIZE_LIMIT: i64 = 234_006;
/// The bot is not in the chat (an unknown chat id).
pub const BOT_NOT_IN_CHAT: i64 = 230_002;
/// An unknown chat id on `GET /im/v1/chats/:chat_id`.
pub const INVALID_CHAT_ID: i64 = 232_006;
/// An unknown user on the contact endpoint.
pub const NO_USER_AUTHORITY: i64 = 41_050;
/// Wrong or missing helpdesk credentials (HTTP 401).
pub const HELPDESK_UNAUTHORIZED: i64 = 154_001;
/// An unknown route (HTTP 404).
pub const NOT_FOUND: i64 = 404;
/// Custom bot: unknown webhook token.
pub const BOT_TOKEN_INVALID: i64 = 19_001;
/// Custom bot: bad signature or timestamp.
pub const BOT_SIGN_FAILED: i64 = 19_021;
/// Custom bot: none of the bot's keywords is in the message.
pub const BOT_KEYWORDS_NOT_FOUND: i64 = 19_024;
/// Custom bot: the body or message type is malformed.
pub const BOT_BAD_REQUEST: i64 = 9_499;
