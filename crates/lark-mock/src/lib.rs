//! lark-mock
