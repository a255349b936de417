//! lark-custom-bot
